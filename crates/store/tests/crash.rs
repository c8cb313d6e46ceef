//! A recorder killed in the middle of writing leaves the store as it was before that scan.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use roster_store::Store;
use rusqlite::Connection;

/// When set, `recorder_child_loop` records into the store at this path until killed.
const CHILD_STORE_VARIABLE: &str = "ROSTER_STORE_TEST_RECORDER";

const KILLS: u64 = 8;

#[test]
fn recorder_child_loop() {
    let Some(path) = std::env::var_os(CHILD_STORE_VARIABLE) else {
        return;
    };
    let mut store = Store::open(Path::new(&path)).unwrap();
    let start = store.scans().unwrap().len();
    for round in start.. {
        let time = format!("2024-07-01T00:00:{:02}Z", round % 60);
        let estate = generated_estate(ACCOUNT, 2_000, round);
        println!("recording {round}");
        record_at(&mut store, &[estate], &time);
        println!("recorded {round}");
    }
}

/// Starts a recorder process and returns it with the last line it printed.
fn spawn_recorder(path: &Path) -> (Child, Arc<Mutex<String>>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "recorder_child_loop",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_STORE_VARIABLE, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let last_line = Arc::new(Mutex::new(String::new()));
    let stdout = child.stdout.take().unwrap();
    let sink = Arc::clone(&last_line);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            *sink.lock().unwrap() = line;
        }
    });
    (child, last_line)
}

fn scan_count(path: &Path) -> i64 {
    let Ok(connection) = Connection::open(path) else {
        return 0;
    };
    connection
        .query_row("SELECT COUNT(*) FROM scans", [], |row| row.get(0))
        .unwrap_or(0)
}

/// Waits until the store contains more than `count` scans.
fn wait_for_scan_after(path: &Path, count: i64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while scan_count(path) <= count {
        assert!(
            Instant::now() < deadline,
            "the recorder wrote no scan in time"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Checks that every recorded scan is whole: its events, snapshots and findings all present,
/// and nothing stored that belongs to no scan.
fn assert_scans_whole(path: &Path) {
    let connection = Connection::open(path).unwrap();
    let count = |sql: &str| -> i64 { connection.query_row(sql, [], |row| row.get(0)).unwrap() };

    assert_eq!(
        count(
            "SELECT COUNT(*) FROM scans
             WHERE events_added != (SELECT COUNT(*) FROM events WHERE events.scan_id = scans.id)"
        ),
        0,
        "a scan lacks some of its events"
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM scans
             WHERE json_array_length(scopes)
                   != (SELECT COUNT(*) FROM snapshots WHERE snapshots.scan_id = scans.id)"
        ),
        0,
        "a scan lacks some of its snapshots"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM scans WHERE id NOT IN (SELECT scan_id FROM findings)"),
        0,
        "a scan lacks its findings"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM events WHERE scan_id NOT IN (SELECT id FROM scans)"),
        0,
        "events belong to no scan"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM snapshots WHERE scan_id NOT IN (SELECT id FROM scans)"),
        0,
        "snapshots belong to no scan"
    );
}

#[test]
fn killed_recorder_leaves_store_intact() {
    let folder = tempfile::tempdir().unwrap();
    let path: PathBuf = folder.path().join("history.sqlite");

    let mut kills_during_record = 0;

    for kill in 0..KILLS {
        let before = scan_count(&path);
        let (mut child, last_line) = spawn_recorder(&path);
        wait_for_scan_after(&path, before);
        // Vary the moment of the kill so that it lands at different points of a write.
        std::thread::sleep(Duration::from_millis(37 * kill + 11));
        let during_record = last_line.lock().unwrap().starts_with("recording");
        child.kill().unwrap();
        child.wait().unwrap();
        if during_record {
            kills_during_record += 1;
        }

        let store = Store::open(&path).unwrap();
        let report = store.verify().unwrap();
        assert!(
            report.is_intact(),
            "after kill {kill}: {:?}",
            report.first_broken
        );
        assert_eq!(report.head, store.chain_head().unwrap());
        drop(store);
        assert_scans_whole(&path);
    }

    println!("{kills_during_record} of {KILLS} kills landed inside `Store::record`");
    assert!(
        kills_during_record > 0,
        "no kill landed inside `Store::record`"
    );
    let store = Store::open(&path).unwrap();
    let scans = store.scans().unwrap();
    assert!(scans.len() as u64 >= KILLS);
    assert!(scans.iter().skip(1).any(|scan| scan.events_added > 0));
}
