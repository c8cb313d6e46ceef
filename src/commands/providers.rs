//! `roster providers`: what each provider imports and needs.

use std::io::Write as _;

use crate::exit::Outcome;
use crate::providers;

pub fn run() -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    for provider in providers::all() {
        let info = provider.info();
        writeln!(out, "{}", info.id)?;
        let kinds: Vec<&str> = info.kinds.iter().map(|kind| kind.as_str()).collect();
        writeln!(out, "  identity kinds: {}", kinds.join(", "))?;
        writeln!(out, "  imports:")?;
        for import in info.imports {
            writeln!(out, "    - {import}")?;
        }
        writeln!(out, "  read permissions for a live scan:")?;
        for permission in info.read_permissions {
            writeln!(out, "    - {permission}")?;
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}
