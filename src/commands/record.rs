//! `roster scan --record`: keeping a scan in the history store.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};
use roster_model::{Inventory, ScopeId};
use roster_report::Report;
use roster_store::{ScanRecord, Store};

use crate::commands::audit::store_path;

/// Records a scan and returns the chain head after it. An empty `path` stands for the
/// default store under the XDG data folder.
///
/// The scan's time is its `now`, so a run with `--now` records reproducible event times;
/// the finish time adds the real time the run took.
pub fn record(
    path: &Path,
    report: &Report,
    inventories: &[Inventory],
    scopes: &[ScopeId],
    now: Timestamp,
    started: Instant,
) -> anyhow::Result<String> {
    let given = (!path.as_os_str().is_empty()).then_some(path);
    let path = store_path(given)?;
    let mut store = Store::open(&path)
        .with_context(|| format!("cannot open the history store `{}`", path.display()))?;

    let elapsed = SignedDuration::try_from(started.elapsed()).unwrap_or(SignedDuration::ZERO);
    let finished = now.checked_add(elapsed).unwrap_or(now);
    let digest = report.roster.as_ref().map(|roster| roster.digest.as_str());
    let scan = ScanRecord {
        started: now,
        finished,
        tool_version: env!("CARGO_PKG_VERSION"),
        roster_digest: digest,
        scopes,
        coverage: &report.coverage,
        inventory: inventories,
        findings: &report.findings,
    };
    let recorded = store
        .record(&scan)
        .with_context(|| format!("cannot record the scan in `{}`", path.display()))?;

    tracing::info!(
        scan = recorded.scan_id,
        events = recorded.events_added,
        store = %path.display(),
        "scan recorded"
    );
    eprintln!(
        "recorded scan {} in `{}`: {} change events, chain head {}",
        recorded.scan_id,
        path.display(),
        recorded.events_added,
        recorded.chain_head
    );
    Ok(recorded.chain_head.to_string())
}
