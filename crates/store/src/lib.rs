//! Scan history and the tamper-evident audit log, stored in one SQLite file.
//!
//! [`Store::record`] keeps each scan's normalized inventory as one snapshot per scope, its
//! findings, and the change events computed against the previous complete scan of each scope
//! and coverage kind. Events form a SHA-256 hash chain, whose encoding `docs/audit.md`
//! documents. The schema rejects updates and deletes of events, and [`Store::verify`]
//! recomputes the chain and names the first broken link.
//!
//! The queries behind the audit commands ([`Store::log`], [`Store::export_jsonl`],
//! [`Store::scans`], [`Store::diff`], [`Store::prune`]) live here too, with their rendering
//! as table rows and line diffs. The binary only parses arguments and prints.
//!
//! This crate does not scan, analyze or report: it takes inventories and findings as the
//! other crates produced them.

mod blob;
mod canonical;
mod chain;
mod change;
mod error;
mod path;
mod prune;
mod query;
mod record;
mod render;
mod schema;
mod snapshot;
mod store;

pub use canonical::{ENCODING_TAG, GENESIS_HASH, canonical_json};
pub use chain::{BrokenLink, BrokenReason, ChainHead, Event, VerifyReport};
pub use change::{Change, EventKind};
pub use error::StoreError;
pub use path::{default_path, default_path_from};
pub use prune::PruneReport;
pub use query::{LogQuery, ScanDiff, ScanSummary, UnverifiedPart};
pub use record::{RecordedScan, ScanRecord};
pub use render::{ChangeRow, EventRow, ScanRow, change_rows, event_rows, scan_rows, unified_diff};
pub use store::Store;
