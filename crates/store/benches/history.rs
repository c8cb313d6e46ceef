//! Records a 10,000-identity estate 30 times with small changes, then reports the store's
//! size and the time of typical queries.
//!
//! Run with `cargo bench -p roster-store --bench history`. Set `ROSTER_BENCH_IDENTITIES` and
//! `ROSTER_BENCH_SCANS` to change the estate size and the number of scans.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{ACCOUNT, generated_estate, record_at, role_key};
use roster_store::{EventKind, LogQuery, Store};
use rusqlite::Connection;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1_000.0)
}

/// Returns the store file's size with the write-ahead log folded in.
fn store_size(path: &Path) -> u64 {
    let connection = Connection::open(path).unwrap();
    connection
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(connection);
    std::fs::metadata(path).unwrap().len()
}

/// Returns the total stored bytes of one column.
fn column_bytes(path: &Path, table: &str, column: &str) -> u64 {
    let connection = Connection::open(path).unwrap();
    let total: i64 = connection
        .query_row(
            &format!("SELECT COALESCE(SUM(length({column})), 0) FROM {table}"),
            [],
            |row| row.get(0),
        )
        .unwrap();
    total as u64
}

fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let result = work();
    (result, start.elapsed())
}

fn main() {
    let identities = setting("ROSTER_BENCH_IDENTITIES", 10_000);
    let scans = setting("ROSTER_BENCH_SCANS", 30);
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("history.sqlite");
    let mut store = Store::open(&path).unwrap();

    let mut record_times = Vec::new();
    for round in 0..scans {
        let estate = generated_estate(ACCOUNT, identities, round);
        let day = round % 28 + 1;
        let time = format!("2024-07-{day:02}T10:00:00Z");
        let (_, elapsed) = timed(|| record_at(&mut store, &[estate], &time));
        record_times.push(elapsed);
    }
    drop(store);

    let size = store_size(&path);
    let snapshot_bytes = column_bytes(&path, "snapshots", "body");
    let event_bytes = column_bytes(&path, "events", "detail");
    let store = Store::open(&path).unwrap();
    let events = store.chain_head().unwrap().sequence;

    let changed = role_key(ACCOUNT, &format!("svc-{:06}", 2));
    let (of_identity, identity_time) = timed(|| {
        store
            .log(&LogQuery {
                identity: Some(changed.to_string()),
                ..LogQuery::default()
            })
            .unwrap()
    });
    let (of_kinds, kinds_time) = timed(|| {
        store
            .log(&LogQuery {
                kinds: vec![EventKind::GrantAdded, EventKind::CredentialRotated],
                ..LogQuery::default()
            })
            .unwrap()
    });
    let (recent, since_time) = timed(|| {
        store
            .log(&LogQuery {
                since: Some(common::at("2024-07-25T00:00:00Z")),
                ..LogQuery::default()
            })
            .unwrap()
    });
    let (all, all_time) = timed(|| store.log(&LogQuery::default()).unwrap());
    let (report, verify_time) = timed(|| store.verify().unwrap());
    let (diff, diff_time) = timed(|| store.diff(1, scans as i64).unwrap());
    let (exported, export_time) = timed(|| store.export_jsonl(std::io::sink()).unwrap());
    drop(store);

    let mut store = Store::open(&path).unwrap();
    let (_, prune_time) = timed(|| store.prune(3).unwrap());
    drop(store);
    let pruned_size = store_size(&path);

    let total_record: Duration = record_times.iter().sum();
    let first_record = record_times.first().copied().unwrap_or_default();
    let later = &record_times[1.min(record_times.len())..];
    let mean_later = later.iter().sum::<Duration>() / later.len().max(1) as u32;

    println!("identities per scan: {identities}, scans: {scans}, events: {events}");
    println!(
        "record: first {}, later mean {}, total {}",
        millis(first_record),
        millis(mean_later),
        millis(total_record)
    );
    println!(
        "store size: {} (snapshot bodies {}, event details {})",
        megabytes(size),
        megabytes(snapshot_bytes),
        megabytes(event_bytes)
    );
    println!(
        "after prune(3): {} ({})",
        megabytes(pruned_size),
        millis(prune_time)
    );
    println!(
        "log --identity: {} events in {}",
        of_identity.len(),
        millis(identity_time)
    );
    println!(
        "log --kind grant-added,credential-rotated: {} events in {}",
        of_kinds.len(),
        millis(kinds_time)
    );
    println!(
        "log --since: {} events in {}",
        recent.len(),
        millis(since_time)
    );
    println!("log (all): {} events in {}", all.len(), millis(all_time));
    println!(
        "verify: {} events in {} (intact: {})",
        report.events,
        millis(verify_time),
        report.is_intact()
    );
    println!(
        "diff 1..{scans}: {} changes in {}",
        diff.changes.len(),
        millis(diff_time)
    );
    println!("export: {exported} lines in {}", millis(export_time));
}
