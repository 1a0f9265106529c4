//! Engine and cache policy, in one place: which engine a [`Config`] names, with which
//! settings, glossary and cache. The CLI, the QA golden runner and the tests build through
//! here, so they run the same engine the same way.
//!
//! The policy:
//! - no engine named: [`DEFAULT_ENGINE`] (`bergamot`);
//! - `bergamot` loads its model from the models folder given (see [`crate::models_dir`]);
//!   `openai` and `apertium` take their tables of the config; other names are [`builtin`];
//! - a glossary goes into the `openai` prompt and is enforced on the other engines by
//!   [`Glossed`], except on [`identity` and `pseudo`](runs_bare), whose output tests compare
//!   exactly;
//! - the cache is memory in front of the shared [`DiskCache`] (the config's folder, else
//!   [`default_cache_dir`](crate::default_cache_dir)), and none for `identity` and `pseudo`,
//!   which cost nothing to run again.

use std::path::Path;
use std::sync::Arc;

use crate::{
    Apertium, Cache, Config, DiskCache, Engine, Glossed, LangPair, Layered, MemoryCache, NoCache,
    OpenAi, Result, builtin,
};

/// The engine used when neither the command line nor the config file names one.
pub const DEFAULT_ENGINE: &str = "bergamot";

/// Whether the engine `name` runs bare, without glossary or cache: `identity` and `pseudo`,
/// whose output tests compare exactly and which cost nothing to run again.
pub fn runs_bare(name: &str) -> bool {
    matches!(name, "identity" | "pseudo")
}

/// Builds the engine `config` names ([`Config::engine_name`]) for `pair`, with its settings
/// and the glossary (see the module docs); `models_dir` is where `bergamot` finds its model.
pub fn build_engine(config: &Config, pair: LangPair, models_dir: &Path) -> Result<Box<dyn Engine>> {
    let name = config.engine_name();
    let glossary = if runs_bare(name) {
        None
    } else {
        config.load_glossary()?.filter(|g| !g.is_empty())
    };
    let engine: Box<dyn Engine> = match name {
        "openai" => {
            let mut options = config.openai_options();
            options.glossary = glossary.map(Arc::new);
            return Ok(Box::new(OpenAi::new(pair, options)?));
        }
        "apertium" => Box::new(Apertium::new(pair, config.apertium_options())?),
        #[cfg(feature = "bergamot")]
        crate::Bergamot::NAME => {
            let options = crate::BergamotOptions {
                models_dir: models_dir.to_path_buf(),
                threads: 0,
            };
            Box::new(crate::Bergamot::new(pair, &options)?)
        }
        other => builtin(other, pair)?,
    };
    #[cfg(not(feature = "bergamot"))]
    let _ = models_dir;
    Ok(match glossary {
        Some(g) => Box::new(Glossed::new(engine, g)),
        None => engine,
    })
}

/// The translation cache for the engine `config` names: memory in front of the shared disk
/// store, or `None` for an engine that [runs bare](runs_bare). A cache turned off by the user
/// (`--no-cache`) is the caller's to skip.
pub fn build_cache(config: &Config) -> Result<Option<Arc<dyn Cache>>> {
    build_cache_over(config, NoCache)
}

/// [`build_cache`] with one more tier behind the disk store, shared by many machines (a
/// fleet's Redis): a lookup goes memory → disk → `shared`, a hit fills the tiers before it,
/// and a store goes to all three.
pub fn build_cache_over(
    config: &Config,
    shared: impl Cache + 'static,
) -> Result<Option<Arc<dyn Cache>>> {
    if runs_bare(config.engine_name()) {
        return Ok(None);
    }
    let disk = match &config.cache {
        Some(dir) => DiskCache::open(dir),
        None => DiskCache::open_default(),
    }?;
    Ok(Some(Arc::new(Layered {
        front: MemoryCache::default(),
        back: Layered {
            front: disk,
            back: shared,
        },
    })))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn pair() -> LangPair {
        LangPair::new("en", "es").unwrap()
    }

    #[test]
    fn a_config_builds_the_engine_it_names() {
        let config = Config::from_toml(
            r#"
            engine = "openai"
            [openai]
            base_url = "http://127.0.0.1:8080/v1"
            model = "qwen"
            "#,
        )
        .unwrap();
        let engine = build_engine(&config, pair(), Path::new("models")).unwrap();
        assert_eq!(engine.info().name, "openai");
        assert_eq!(engine.info().model, "qwen");
        let pseudo = Config {
            engine: Some("pseudo".into()),
            ..Config::default()
        };
        let engine = build_engine(&pseudo, pair(), Path::new("models")).unwrap();
        assert_eq!(engine.info().name, "pseudo");
        assert!(
            build_engine(
                &Config {
                    engine: Some("nope".into()),
                    ..Config::default()
                },
                pair(),
                Path::new("models")
            )
            .is_err()
        );
    }

    #[test]
    fn bare_engines_get_no_glossary_and_no_cache() {
        // A glossary file that does not exist would fail any engine that reads it.
        let config = Config {
            engine: Some("identity".into()),
            glossary: Some(PathBuf::from("/nonexistent/glossary.csv")),
            cache: Some(PathBuf::from("/nonexistent/cache")),
            ..Config::default()
        };
        let engine = build_engine(&config, pair(), Path::new("models")).unwrap();
        assert_eq!(engine.info().name, "identity");
        assert!(build_cache(&config).unwrap().is_none());
        let config = Config {
            engine: Some("apertium".into()),
            ..config
        };
        assert!(build_engine(&config, pair(), Path::new("models")).is_err());
    }
}
