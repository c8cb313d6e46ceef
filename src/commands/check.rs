//! `roster check`: validate a roster file or folder.

use std::path::Path;

use roster_declared::LoadedRoster;

use crate::cli::CheckArgs;
use crate::exit::Outcome;

/// Validates a roster and prints a one-line summary to stderr; problems are errors.
pub fn run(args: &CheckArgs) -> anyhow::Result<Outcome> {
    let loaded = load_roster(&args.roster)?;
    eprintln!(
        "{}: valid roster with {}",
        args.roster.display(),
        loaded.summary()
    );
    Ok(Outcome::Clean)
}

/// Loads and validates a roster, turning its diagnostics into one error that lists them all.
pub fn load_roster(path: &Path) -> anyhow::Result<LoadedRoster> {
    roster_declared::load(path).map_err(|error| anyhow::anyhow!("invalid roster:\n{error}"))
}
