//! Two recorders on one store, each with its own connection.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::thread;

use common::*;
use roster_model::{Inventory, PrincipalKind, Subject};
use roster_store::{ScanRecord, Store};

const SCANS_PER_RECORDER: usize = 12;

/// Builds a small estate that differs between recorders and between rounds.
fn estate(recorder: &str, round: usize) -> Inventory {
    let mut estate = Estate::new(ACCOUNT).policy("base", &["s3:GetObject"]);
    for index in 0..4 {
        let name = format!("{recorder}-{}", (round + index) % 6);
        let key = role_key(ACCOUNT, &name);
        estate = estate
            .role(&name, &format!("AROA{name}"))
            .grant(Subject::Identity(key.clone()), "base")
            .trust(&key, "ec2.amazonaws.com", PrincipalKind::Service);
    }
    estate.inventory
}

/// Records one scan per round; both recorders start each round together, so their writes
/// contend for the store every round.
fn record_many(path: &Path, recorder: &'static str, rounds: &Barrier) {
    let mut store = Store::open(path).unwrap();
    for round in 0..SCANS_PER_RECORDER {
        rounds.wait();
        let time = at("2024-07-01T00:00:00Z");
        let version = format!("{recorder}-{round}");
        store
            .record(&ScanRecord {
                started: time,
                finished: time,
                tool_version: &version,
                roster_digest: None,
                scopes: &[],
                coverage: &[],
                inventory: &[estate(recorder, round)],
                findings: &[],
            })
            .unwrap();
    }
}

#[test]
fn concurrent_recorders_keep_chain_intact() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("history.sqlite");
    drop(Store::open(&path).unwrap());

    let rounds = Arc::new(Barrier::new(2));
    let recorders: Vec<_> = ["alpha", "beta"]
        .into_iter()
        .map(|recorder| {
            let path = path.clone();
            let rounds = Arc::clone(&rounds);
            thread::spawn(move || record_many(&path, recorder, &rounds))
        })
        .collect();
    for recorder in recorders {
        recorder.join().unwrap();
    }

    let store = Store::open(&path).unwrap();
    let report = store.verify().unwrap();
    assert!(report.is_intact(), "{:?}", report.first_broken);
    let scans = store.scans().unwrap();
    assert_eq!(scans.len(), 2 * SCANS_PER_RECORDER);
    let total: u64 = scans.iter().map(|scan| scan.events_added).sum();
    assert_eq!(report.events, total);
    assert_eq!(report.head, store.chain_head().unwrap());

    // Each scan's events are its changes against the scan recorded just before it, whichever
    // recorder wrote that one.
    for pair in scans.windows(2) {
        let diff = store.diff(pair[0].id, pair[1].id).unwrap();
        assert_eq!(
            pair[1].events_added,
            diff.changes.len() as u64,
            "scan {} ({})",
            pair[1].id,
            pair[1].tool_version
        );
    }
    // Each round contains one scan of each recorder, so the writer changes at least once a round.
    let handovers = scans
        .windows(2)
        .filter(|pair| pair[0].tool_version[..4] != pair[1].tool_version[..4])
        .count();
    assert!(handovers >= SCANS_PER_RECORDER, "{handovers} handovers");
}
