//! `folio xliff export|import`: a translation out as XLIFF, a translator's change back into
//! the PDF, and a broken file refused before anything is written.

mod support;

use support::*;

const EXAMPLE: &str = "examples/federal-register-2020-17221-p1-2.pdf";

#[test]
fn an_exported_xliff_edited_by_a_translator_comes_back_into_the_pdf() {
    let dir = workdir("xliff", "round-trip");
    let pdf = repo_pdf(EXAMPLE);
    let xlf = dir.join("doc.xlf");
    let out = folio()
        .args(["xliff", "export"])
        .arg(&pdf)
        .arg("-o")
        .arg(&xlf)
        .args(["--to", "pt-BR", "--engine", "pseudo", "--no-cache"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let exported = std::fs::read_to_string(&xlf).unwrap();
    assert!(exported.contains("target-language=\"pt-BR\""));
    assert!(exported.matches("<trans-unit").count() > 50, "{exported}");

    // The translator rewrites one plain unit's target.
    let start = exported
        .match_indices("<target state=\"translated\">")
        .map(|(i, m)| i + m.len())
        .find(|&i| {
            let end = exported[i..].find("</target>").unwrap();
            let target = &exported[i..i + end];
            target.len() > 40 && !target.contains('<')
        })
        .expect("a plain target");
    let end = start + exported[start..].find("</target>").unwrap();
    let edited = format!(
        "{}Wombat numbat bilby{}",
        &exported[..start],
        &exported[end..]
    );
    std::fs::write(dir.join("edited.xlf"), &edited).unwrap();

    let translated = dir.join("out.pdf");
    let out = folio()
        .args(["xliff", "import"])
        .arg(&pdf)
        .arg(dir.join("edited.xlf"))
        .arg("-o")
        .arg(&translated)
        .args(["--engine", "pseudo", "--no-cache"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let words = words(&translated);
    let joined = words.join(" ");
    assert!(
        joined.contains("Wombat numbat bilby"),
        "the edit is not in the PDF"
    );
    assert_translated(&translated);

    // A file cut short: a clear error naming where, and no PDF written.
    std::fs::write(dir.join("cut.xlf"), &edited[..edited.len() / 2]).unwrap();
    let refused = dir.join("refused.pdf");
    let out = folio()
        .args(["xliff", "import"])
        .arg(&pdf)
        .arg(dir.join("cut.xlf"))
        .arg("-o")
        .arg(&refused)
        .args(["--engine", "pseudo", "--no-cache"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("malformed XML at line"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    assert!(!refused.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
