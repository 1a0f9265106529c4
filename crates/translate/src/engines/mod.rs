//! The engines built in: those that need no model, server or key.

mod apertium;
#[cfg(feature = "bergamot")]
mod bergamot;
mod identity;
mod openai;
mod pseudo;
mod pseudo_script;

pub use apertium::{Apertium, ApertiumOptions};
#[cfg(feature = "bergamot")]
pub use bergamot::{Bergamot, BergamotOptions};
pub use identity::Identity;
pub use openai::{OpenAi, OpenAiOptions, language_name};
pub use pseudo::{Pseudo, pseudolocalize};

use crate::{Engine, Error, LangPair, Result};

/// Names accepted by [`builtin`].
pub const BUILTIN: &[&str] = &["identity", "pseudo"];

/// A built-in engine by name (`identity`, `pseudo` with its default factor), for `--engine`.
pub fn builtin(name: &str, pair: LangPair) -> Result<Box<dyn Engine>> {
    match name {
        "identity" => Ok(Box::new(Identity::new(pair))),
        "pseudo" => Ok(Box::new(Pseudo::new(pair))),
        _ => Err(Error::UnknownEngine(name.to_string())),
    }
}
