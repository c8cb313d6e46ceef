//! `roster diff`: what changed between two recorded scans.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use roster_store::change_rows;

use crate::commands::audit::{ListFormat, new_table, open_existing, store_path};
use crate::exit::Outcome;
use crate::output;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier scan's id, as `roster audit scans` lists it.
    pub scan_a: i64,

    /// The later scan's id.
    pub scan_b: i64,

    /// The history store; the default is `$XDG_DATA_HOME/roster/history.sqlite`.
    #[arg(long, value_name = "PATH", env = "ROSTER_STORE")]
    pub store: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value = "table", env = "ROSTER_FORMAT")]
    pub format: ListFormat,
}

pub fn run(args: DiffArgs, color: bool) -> anyhow::Result<Outcome> {
    let store = open_existing(&store_path(args.store.as_deref())?)?;
    let diff = store.diff(args.scan_a, args.scan_b)?;

    let mut out = output::open(None)?;
    if args.format == ListFormat::Json {
        serde_json::to_writer_pretty(&mut out, &diff.changes)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(Outcome::Clean);
    }

    if diff.changes.is_empty() {
        writeln!(
            out,
            "No changes between scan {} and scan {}.",
            diff.from, diff.to
        )?;
    } else {
        let mut table = new_table();
        table.set_header(roster_store::ChangeRow::HEADERS);
        for row in change_rows(&diff.changes) {
            table.add_row(row.cells());
        }
        writeln!(out, "{table}")?;
    }
    for change in &diff.changes {
        if let Some(text) = change.document_diff(color) {
            writeln!(out, "\n{}\n{text}", change.summary())?;
        }
    }
    for part in &diff.unverified {
        writeln!(
            out,
            "not compared: {} in `{}` was not fully collected in one of the scans",
            part.kind, part.scope
        )?;
    }
    out.flush()?;
    Ok(Outcome::Clean)
}
