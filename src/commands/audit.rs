//! `roster audit`: the change history kept by `roster scan --record`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use jiff::{Timestamp, ToSpan as _};
use roster_model::{ProviderId, ScopeId};
use roster_store::{EventKind, LogQuery, Store, event_rows, scan_rows};

use crate::exit::Outcome;
use crate::output;

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub action: AuditAction,

    /// The history store; the default is `$XDG_DATA_HOME/roster/history.sqlite`.
    #[arg(long, global = true, value_name = "PATH", env = "ROSTER_STORE")]
    pub store: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Show who got what, when: the change events, oldest first.
    Log(LogArgs),
    /// Recompute the hash chain of every event and name the first broken link.
    Verify,
    /// Write every event as JSON Lines, for a SIEM.
    Export(ExportArgs),
    /// List the recorded scans.
    Scans(ScansArgs),
    /// Drop old inventory snapshots; events are never dropped.
    Prune(PruneArgs),
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only events about this identity or group key.
    #[arg(long, value_name = "KEY", env = "ROSTER_AUDIT_IDENTITY")]
    pub identity: Option<String>,

    /// Only events since this long ago (`30d`, `12h`, `2w`) or this instant (RFC 3339).
    #[arg(long, value_name = "AGE|RFC3339", env = "ROSTER_AUDIT_SINCE")]
    pub since: Option<String>,

    /// Only events of these kinds, for example `grant-added`. Repeatable.
    #[arg(
        long = "kind",
        value_name = "KIND",
        env = "ROSTER_AUDIT_KIND",
        value_delimiter = ','
    )]
    pub kinds: Vec<String>,

    /// Only events of this provider.
    #[arg(long, value_name = "PROVIDER", env = "ROSTER_AUDIT_PROVIDER")]
    pub provider: Option<String>,

    /// Only events of this scope, for example `aws:111122223333`.
    #[arg(long, value_name = "SCOPE", env = "ROSTER_AUDIT_SCOPE")]
    pub scope: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "table", env = "ROSTER_FORMAT")]
    pub format: ListFormat,

    /// The instant `--since 30d` counts back from (RFC 3339); the default is the clock.
    #[arg(long, value_name = "RFC3339", env = "ROSTER_NOW")]
    pub now: Option<Timestamp>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE", env = "ROSTER_OUTPUT")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScansArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table", env = "ROSTER_FORMAT")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// How many of the newest snapshots to keep per scope.
    #[arg(long, value_name = "N", env = "ROSTER_KEEP_SNAPSHOTS")]
    pub keep_snapshots: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

pub fn run(args: AuditArgs, color: bool) -> anyhow::Result<Outcome> {
    let path = store_path(args.store.as_deref())?;
    match args.action {
        AuditAction::Log(log) => run_log(&open_existing(&path)?, &log),
        AuditAction::Verify => run_verify(&open_existing(&path)?, color),
        AuditAction::Export(export) => run_export(&open_existing(&path)?, &export),
        AuditAction::Scans(scans) => run_scans(&open_existing(&path)?, &scans),
        AuditAction::Prune(prune) => run_prune(&mut open_existing(&path)?, &prune),
    }
}

/// Resolves `--store`, or the default path under the XDG data folder.
pub fn store_path(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    match given {
        Some(path) => Ok(path.to_path_buf()),
        None => Ok(roster_store::default_path()?),
    }
}

/// Opens a store that must already exist: reading commands never create one.
pub fn open_existing(path: &Path) -> anyhow::Result<Store> {
    if !path.exists() {
        bail!(
            "no history store at `{}`: record a scan first with `roster scan --record`, or give `--store PATH`",
            path.display()
        );
    }
    Store::open(path).with_context(|| format!("cannot open the history store `{}`", path.display()))
}

fn run_log(store: &Store, args: &LogArgs) -> anyhow::Result<Outcome> {
    let now = args.now.unwrap_or_else(Timestamp::now);
    let query = LogQuery {
        identity: args.identity.clone(),
        since: args
            .since
            .as_deref()
            .map(|since| parse_since(since, now))
            .transpose()?,
        kinds: args
            .kinds
            .iter()
            .map(|kind| {
                kind.parse::<EventKind>()
                    .map_err(|message| anyhow::anyhow!("{message}"))
            })
            .collect::<anyhow::Result<_>>()?,
        provider: args
            .provider
            .as_deref()
            .map(|provider| {
                provider
                    .parse::<ProviderId>()
                    .map_err(|message| anyhow::anyhow!("{message}"))
            })
            .transpose()?,
        scope: args.scope.as_deref().map(parse_scope).transpose()?,
    };
    let events = store.log(&query)?;

    let mut out = output::open(None)?;
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &events)?;
            writeln!(out)?;
        }
        ListFormat::Table if events.is_empty() => writeln!(out, "No events match.")?,
        ListFormat::Table => {
            let rows = event_rows(&events);
            let mut table = new_table();
            table.set_header(roster_store::EventRow::HEADERS);
            for row in rows {
                table.add_row(row.cells());
            }
            writeln!(out, "{table}")?;
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

fn run_verify(store: &Store, _color: bool) -> anyhow::Result<Outcome> {
    let report = store.verify()?;
    match &report.first_broken {
        None => {
            println!(
                "intact: {} events, chain head {}",
                report.events, report.head
            );
            Ok(Outcome::Clean)
        }
        Some(broken) => {
            println!("broken: {broken}");
            eprintln!(
                "the audit log was changed outside Roster: compare the chain head with one kept outside the store to find what was lost"
            );
            Ok(Outcome::Findings)
        }
    }
}

fn run_export(store: &Store, args: &ExportArgs) -> anyhow::Result<Outcome> {
    let mut out = output::open(args.output.as_deref())?;
    let count = store.export_jsonl(&mut out)?;
    out.flush()?;
    tracing::info!(events = count, "audit log exported");
    Ok(Outcome::Clean)
}

fn run_scans(store: &Store, args: &ScansArgs) -> anyhow::Result<Outcome> {
    let scans = store.scans()?;
    let mut out = output::open(None)?;
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &scans)?;
            writeln!(out)?;
        }
        ListFormat::Table if scans.is_empty() => writeln!(out, "No scans recorded.")?,
        ListFormat::Table => {
            let mut table = new_table();
            table.set_header(roster_store::ScanRow::HEADERS);
            for row in scan_rows(&scans) {
                table.add_row(row.cells());
            }
            writeln!(out, "{table}")?;
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

fn run_prune(store: &mut Store, args: &PruneArgs) -> anyhow::Result<Outcome> {
    let report = store.prune(args.keep_snapshots)?;
    eprintln!(
        "pruned {} snapshots, kept {}; every event is kept",
        report.snapshots_pruned, report.snapshots_kept
    );
    Ok(Outcome::Clean)
}

/// Reads `--since`: an age such as `30d`, `12h` or `2w` counted back from `now`, or an
/// RFC 3339 instant.
fn parse_since(text: &str, now: Timestamp) -> anyhow::Result<Timestamp> {
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Ok(instant);
    }
    let invalid = || {
        anyhow::anyhow!(
            "invalid `--since {text}`: expected an age such as `30d`, `12h` or `2w`, or an RFC 3339 instant"
        )
    };
    let (count, unit) = text.split_at(text.len().saturating_sub(1));
    let count: i64 = count.parse().map_err(|_| invalid())?;
    let hours = match unit {
        "h" => count,
        "d" => count * 24,
        "w" => count * 24 * 7,
        _ => return Err(invalid()),
    };
    now.checked_sub(hours.hours()).map_err(|_| invalid())
}

fn parse_scope(text: &str) -> anyhow::Result<ScopeId> {
    let Some((provider, native)) = text.split_once(':') else {
        bail!("invalid `--scope {text}`: expected PROVIDER:ID, for example `aws:111122223333`");
    };
    let provider: ProviderId = provider
        .parse()
        .map_err(|message: String| anyhow::anyhow!("{message}"))?;
    Ok(ScopeId::new(provider, native))
}

pub fn new_table() -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(width) = output::terminal_width() {
        table.set_width(width);
    }
    table
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn since_accepts_ages_and_instants() {
        let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            parse_since("2d", now).unwrap(),
            "2026-05-30T00:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_since("1w", now).unwrap(),
            "2026-05-25T00:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_since("2026-01-01T00:00:00Z", now).unwrap(),
            "2026-01-01T00:00:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn since_rejects_unknown_unit() {
        let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        let message = parse_since("3y", now).unwrap_err().to_string();
        assert!(message.contains("invalid `--since 3y`"));
    }

    #[test]
    fn scope_needs_a_provider() {
        assert_eq!(
            parse_scope("aws:111122223333").unwrap(),
            ScopeId::new(ProviderId::Aws, "111122223333")
        );
        assert!(parse_scope("111122223333").is_err());
    }
}
