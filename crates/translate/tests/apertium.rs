//! The `apertium` engine against a real Apertium APy server, English → Spanish.
//!
//! The test starts APy itself on a free loopback port and stops it at the end; with
//! `FOLIO_APY_URL` set it uses that server instead. When neither is possible it is skipped with
//! a note, or fails under CI (`folio-test-support`): install
//! `apt-get install -y apertium apertium-apy apertium-eng-spa`.

mod support;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use folio_doc::{Outcome, Role};
use folio_translate::{
    Apertium, ApertiumOptions, Glossary, Glossed, LangPair, TranslateOptions,
    translate_segments_blocking,
};
use support::{nothing_lost, seg};

/// Debian's APy has no bind-address flag; this wraps tornado's bind so it listens on
/// 127.0.0.1 only (ENGINES.md).
const APY: &str = r#"import sys,tornado.tcpserver as t; b=t.TCPServer.bind; t.TCPServer.bind=lambda s,p,a=None,*x,**k: b(s,p,"127.0.0.1",*x,**k); from apertium_apy.apy import main; sys.argv=["apertium-apy"]+sys.argv[1:]; main()"#;
const MODES: &str = "/usr/share/apertium/modes";

/// The APy process, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running APy: its URL and, when the test started it, the process.
fn apy() -> Option<(String, Option<Server>)> {
    if let Ok(url) = std::env::var("FOLIO_APY_URL") {
        return Some((url, None));
    }
    let python = Path::new("/usr/bin/python3");
    let installed = python.exists()
        && Path::new(MODES).join("eng-spa.mode").exists()
        && Command::new(python)
            .args(["-c", "import apertium_apy"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !installed {
        folio_test_support::missing(
            "apertium-apy or apertium-eng-spa is not installed \
             (apt-get install -y apertium apertium-apy apertium-eng-spa), and FOLIO_APY_URL is not set",
        );
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new(python)
        .env("LC_ALL", "C.UTF-8")
        .args([
            "-c",
            APY,
            "-p",
            &port.to_string(),
            "-i",
            "2",
            "-u",
            "2",
            "-t",
            "60",
            MODES,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start apertium-apy");
    let server = Server(child);
    let url = format!("http://127.0.0.1:{port}");
    // Wait until it answers (it loads in about 2 s).
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "apertium-apy did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some((url, Some(server)))
}

const SPANISH: &[&str] = &[
    "el", "la", "los", "las", "de", "del", "y", "es", "un", "una", "en", "por", "para", "que",
    "con", "se", "su", "sobre", "perro", "zorro",
];

#[test]
fn apertium_translates_english_to_spanish_keeping_placeholders() {
    let Some((url, _server)) = apy() else {
        return;
    };
    let engine = Apertium::new(
        LangPair::new("en", "es").unwrap(),
        ApertiumOptions {
            base_url: url.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    let segments = [
        seg(
            0,
            "The [1]quick[/1] brown fox jumps over the lazy dog [2].",
            Role::Body,
        ),
        seg(
            1,
            "Water flows through the [1]small rivers[/1] and into the sea.",
            Role::Body,
        ),
        seg(
            2,
            "Please click the [1]button[/1] below to download the latest version.",
            Role::Body,
        ),
        seg(
            3,
            "The results are shown in Table 2 and in [1]the appendix[/1].",
            Role::Body,
        ),
        seg(4, "42.5 %", Role::Body),
    ];
    let out = translate_segments_blocking(
        &engine,
        &segments,
        &TranslateOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(nothing_lost(&segments, &out), 0, "{:?}", out.translations);
    for (t, s) in out.translations.iter().zip(&segments).take(4) {
        let Outcome::Translated(text) = &t.outcome else {
            panic!("{t:?}");
        };
        println!("{} → {text}", s.text);
        // The driver checked the placeholders; check Spanish words too.
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphabetic())
            .map(str::to_lowercase)
            .collect();
        let spanish = words
            .iter()
            .filter(|w| SPANISH.contains(&w.as_str()))
            .count();
        assert!(spanish >= 2, "not Spanish: {text}");
        assert!(text.contains("[1]") && text.contains("[/1]"), "{text}");
    }
    assert_eq!(out.stats.requests, 4);

    // A glossary enforced on the MT engine: the term's translation is imposed.
    let glossary = Glossary::from_csv("source,target\nfox,raposa\n").unwrap();
    let engine = Glossed::new(Box::new(engine), glossary);
    let out = translate_segments_blocking(
        &engine,
        &segments[..1],
        &TranslateOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    let Outcome::Translated(text) = &out.translations[0].outcome else {
        panic!("{:?}", out.translations[0]);
    };
    println!("with glossary: {text}");
    assert!(text.contains("raposa") && !text.contains("zorro"), "{text}");

    // A pair the server lacks is refused with the package to install.
    let engine = Apertium::new(
        LangPair::new("en", "fr").unwrap(),
        ApertiumOptions {
            base_url: url,
            ..Default::default()
        },
    )
    .unwrap();
    let out = translate_segments_blocking(
        &engine,
        &segments[..1],
        &TranslateOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        out.translations[0].outcome,
        Outcome::Failed(
            "engine rejected the request: the Apertium server has no pair eng|fra (install \
             apertium-eng-fra, or pick another pair)"
                .into()
        )
    );
}
