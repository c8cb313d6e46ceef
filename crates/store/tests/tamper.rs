//! Tampering with stored events: the schema rejects it, and verify names the broken link.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use proptest::prelude::*;
use roster_model::{CredentialStatus, Inventory, PrincipalKind, Subject};
use roster_store::{BrokenReason, Store};
use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;

const EVENT_FIELDS: [&str; 10] = [
    "sequence",
    "scan_id",
    "time",
    "kind",
    "provider",
    "scope",
    "subject",
    "detail",
    "prev_hash",
    "hash",
];

/// Builds an estate whose identities change with `round`, giving events for every case below.
fn estate(round: usize) -> Inventory {
    let mut estate = Estate::new(ACCOUNT).policy("base", &["s3:GetObject"]);
    for index in 0..6 {
        let name = format!("job-{index}-{}", round + index);
        let key = role_key(ACCOUNT, &name);
        estate = estate
            .role(&name, &format!("AROA{index}{round}"))
            .grant(Subject::Identity(key.clone()), "base")
            .trust(&key, "ec2.amazonaws.com", PrincipalKind::Service);
    }
    let user = user_key(ACCOUNT, "ci");
    estate
        .user("ci", "AIDACI")
        .access_key(
            &user,
            &format!("AKIA{round}"),
            &format!("2024-0{}-01T00:00:00Z", round + 1),
            CredentialStatus::Active,
        )
        .inventory
}

/// Builds a store with three scans and returns the folder holding it.
fn build_store(folder: &Path) -> PathBuf {
    let path = folder.join("history.sqlite");
    let mut store = Store::open(&path).unwrap();
    for round in 0..3 {
        let time = format!("2024-07-0{}T10:00:00Z", round + 1);
        record_at(&mut store, &[estate(round)], &time);
    }
    drop(store);
    path
}

/// Returns the path of a store built once. Each case works on its own copy.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = TEMPLATE.get_or_init(|| {
        let folder = tempfile::tempdir().unwrap();
        let path = build_store(folder.path());
        (folder, path)
    });
    path
}

fn copy_of_template() -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("history.sqlite");
    std::fs::copy(template(), &path).unwrap();
    (folder, path)
}

/// Opens a raw connection with the append-only triggers dropped, as an attacker would.
fn tamper_connection(path: &Path) -> Connection {
    let connection = Connection::open(path).unwrap();
    connection
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             DROP TRIGGER events_reject_update;
             DROP TRIGGER events_reject_delete;",
        )
        .unwrap();
    connection
}

fn event_count(path: &Path) -> i64 {
    let connection = Connection::open(path).unwrap();
    connection
        .query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0))
        .unwrap()
}

#[test]
fn template_chain_is_intact() {
    let (_folder, path) = copy_of_template();

    let report = Store::open(&path).unwrap().verify().unwrap();

    assert!(report.is_intact(), "{:?}", report.first_broken);
    assert!(report.events >= 20, "{} events", report.events);
    assert_eq!(report.head.sequence, report.events as i64);
}

#[test]
fn schema_rejects_event_update() {
    let (_folder, path) = copy_of_template();
    let store = Store::open(&path).unwrap();
    drop(store);
    let connection = Connection::open(&path).unwrap();

    let error = connection
        .execute("UPDATE events SET subject = 'x' WHERE sequence = 1", [])
        .unwrap_err();

    assert!(
        error.to_string().contains("append-only: update rejected"),
        "{error}"
    );
}

#[test]
fn schema_rejects_event_delete() {
    let (_folder, path) = copy_of_template();
    let connection = Connection::open(&path).unwrap();

    let error = connection
        .execute("DELETE FROM events WHERE sequence = 1", [])
        .unwrap_err();

    assert!(
        error.to_string().contains("append-only: delete rejected"),
        "{error}"
    );
}

#[test]
fn schema_rejects_scan_delete_and_snapshot_rewrite() {
    let (_folder, path) = copy_of_template();
    let connection = Connection::open(&path).unwrap();

    let scan_error = connection
        .execute("DELETE FROM scans WHERE id = 1", [])
        .unwrap_err();
    let snapshot_error = connection
        .execute("UPDATE snapshots SET body = x'00' WHERE scan_id = 1", [])
        .unwrap_err();

    assert!(scan_error.to_string().contains("delete rejected"));
    assert!(snapshot_error.to_string().contains("can only be pruned"));
}

#[test]
fn edited_payload_breaks_at_that_row() {
    let (_folder, path) = copy_of_template();
    let connection = tamper_connection(&path);
    connection
        .execute(
            "UPDATE events SET detail = replace(detail, 'job', 'jab') WHERE sequence = 5",
            [],
        )
        .unwrap();

    let report = Store::open(&path).unwrap().verify().unwrap();

    let broken = report.first_broken.unwrap();
    assert_eq!(broken.sequence, 5);
    assert!(matches!(broken.reason, BrokenReason::Hash { .. }));
    assert_eq!(report.head.sequence, 4);
    assert!(broken.to_string().starts_with("event 5: stored hash"));
}

#[test]
fn deleted_row_breaks_at_the_gap() {
    let (_folder, path) = copy_of_template();
    let connection = tamper_connection(&path);
    connection
        .execute("DELETE FROM events WHERE sequence = 7", [])
        .unwrap();

    let report = Store::open(&path).unwrap().verify().unwrap();

    let broken = report.first_broken.unwrap();
    assert_eq!(broken.sequence, 7);
    assert_eq!(
        broken.reason,
        BrokenReason::Sequence {
            expected: 7,
            found: 8
        }
    );
    assert_eq!(
        broken.to_string(),
        "event 7: missing: expected event 7, the next stored event is 8"
    );
}

#[test]
fn reordered_rows_break_at_the_first_swapped() {
    let (_folder, path) = copy_of_template();
    let connection = tamper_connection(&path);
    connection
        .execute_batch(
            "UPDATE events SET sequence = -1 WHERE sequence = 3;
             UPDATE events SET sequence = 3 WHERE sequence = 4;
             UPDATE events SET sequence = 4 WHERE sequence = -1;",
        )
        .unwrap();

    let report = Store::open(&path).unwrap().verify().unwrap();

    let broken = report.first_broken.unwrap();
    assert_eq!(broken.sequence, 3);
    assert!(matches!(broken.reason, BrokenReason::PrevHash { .. }));
}

#[test]
fn deleted_tail_is_caught_by_recorded_scans() {
    let (_folder, path) = copy_of_template();
    let last = event_count(&path);
    let connection = tamper_connection(&path);
    connection
        .execute("DELETE FROM events WHERE sequence = ?1", [last])
        .unwrap();

    let report = Store::open(&path).unwrap().verify().unwrap();

    let broken = report.first_broken.unwrap();
    assert_eq!(broken.sequence, last);
    assert_eq!(
        broken.reason,
        BrokenReason::Truncated {
            recorded_last: last,
            found_last: last - 1
        }
    );
}

#[test]
fn rehashed_row_is_caught_by_recorded_scan_head() {
    let (_folder, path) = copy_of_template();
    let last = event_count(&path);
    let connection = tamper_connection(&path);
    let row: (String, String) = connection
        .query_row(
            "SELECT prev_hash, detail FROM events WHERE sequence = ?1",
            [last],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let edited = row.1.replace("aws", "awz");
    assert_ne!(edited, row.1);
    let forged = forge_last_event(&connection, last, &row.0, &edited);
    connection
        .execute(
            "UPDATE events SET detail = ?1, hash = ?2 WHERE sequence = ?3",
            rusqlite::params![edited, forged, last],
        )
        .unwrap();

    let report = Store::open(&path).unwrap().verify().unwrap();

    let broken = report.first_broken.unwrap();
    assert_eq!(broken.sequence, last);
    assert!(matches!(broken.reason, BrokenReason::ScanHead { .. }));
}

/// Recomputes an event's hash with the documented encoding, as a forger would.
fn forge_last_event(
    connection: &Connection,
    sequence: i64,
    prev_hash: &str,
    detail: &str,
) -> String {
    use sha2::{Digest, Sha256};

    let (scan_id, time, kind, provider, scope, subject): (
        i64,
        String,
        String,
        String,
        String,
        String,
    ) = connection
        .query_row(
            "SELECT scan_id, time, kind, provider, scope, subject FROM events WHERE sequence = ?1",
            [sequence],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                ))
            },
        )
        .unwrap();
    let fields = [
        roster_store::ENCODING_TAG.to_owned(),
        sequence.to_string(),
        prev_hash.to_owned(),
        scan_id.to_string(),
        time,
        kind,
        provider,
        scope,
        subject,
        detail.to_owned(),
    ];
    let mut hasher = Sha256::new();
    for field in &fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Applies one edit to one field of one row and returns whether the value changed.
fn edit_field(path: &Path, sequence: i64, field: usize, position: usize, byte: u8) -> bool {
    let connection = tamper_connection(path);
    let column = EVENT_FIELDS[field];
    let old: SqlValue = connection
        .query_row(
            &format!("SELECT {column} FROM events WHERE sequence = ?1"),
            [sequence],
            |row| row.get(0),
        )
        .unwrap();

    let new = match old {
        SqlValue::Integer(value) if column == "sequence" => {
            // Moved past the end of the chain, so the row is missing at its old place.
            SqlValue::Integer(value + 1_000 + position as i64)
        }
        SqlValue::Integer(value) => SqlValue::Integer(value ^ (1 << (position % 40))),
        SqlValue::Text(text) => {
            let mut bytes = text.into_bytes();
            let index = position % bytes.len();
            if bytes[index] == byte {
                return false;
            }
            bytes[index] = byte;
            match String::from_utf8(bytes) {
                Ok(text) => SqlValue::Text(text),
                Err(error) => SqlValue::Blob(error.into_bytes()),
            }
        }
        other => panic!("unexpected stored value {other:?}"),
    };

    connection
        .execute(
            &format!("UPDATE events SET {column} = ?1 WHERE sequence = ?2"),
            rusqlite::params![new, sequence],
        )
        .unwrap();
    true
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(96)
    })]

    #[test]
    fn any_single_edit_breaks_at_that_row(
        row in 0usize..1_000,
        field in 0usize..EVENT_FIELDS.len(),
        position in 0usize..4_096,
        byte in any::<u8>(),
    ) {
        let (_folder, path) = copy_of_template();
        let sequence = (row as i64 % event_count(&path)) + 1;

        prop_assume!(edit_field(&path, sequence, field, position, byte));
        let report = Store::open(&path).unwrap().verify().unwrap();

        let broken = report.first_broken.clone();
        prop_assert!(
            broken.is_some(),
            "edit of `{}` in event {} was not caught",
            EVENT_FIELDS[field],
            sequence
        );
        prop_assert_eq!(broken.unwrap().sequence, sequence, "field `{}`", EVENT_FIELDS[field]);
        prop_assert_eq!(report.head.sequence, sequence - 1);
    }
}
