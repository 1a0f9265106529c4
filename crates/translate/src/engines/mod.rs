//! The engines built in: those that need no model, server or key.

mod identity;
mod pseudo;

pub use identity::Identity;
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
