//! The SQLite schema and its migrations, versioned with `PRAGMA user_version`.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// The migrations in order: migration `i` moves the store from version `i` to `i + 1`.
const MIGRATIONS: [&str; 1] = [VERSION_1];

/// The schema version this code writes and reads.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Version 1: scans, per-scope snapshots, findings and the hash-chained events.
///
/// `snapshots.complete_kinds` is a bit mask of the coverage kinds fully collected in that
/// scope (bit positions in `snapshot::KIND_BITS`). `snapshots.body` is set to NULL when the
/// snapshot is pruned; nothing else in a stored row may change. Events, scans and findings
/// reject every update and delete.
const VERSION_1: &str = "
CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    roster_digest TEXT,
    scopes TEXT NOT NULL,
    complete INTEGER NOT NULL,
    identities INTEGER NOT NULL,
    findings INTEGER NOT NULL,
    events_added INTEGER NOT NULL,
    first_sequence INTEGER,
    last_sequence INTEGER,
    chain_head TEXT NOT NULL
);

CREATE TABLE snapshots (
    scan_id INTEGER NOT NULL REFERENCES scans (id),
    scope TEXT NOT NULL,
    provider TEXT NOT NULL,
    complete_kinds INTEGER NOT NULL,
    fully_complete INTEGER NOT NULL,
    identities INTEGER NOT NULL,
    body BLOB,
    PRIMARY KEY (scope, scan_id)
);

CREATE INDEX snapshots_scan ON snapshots (scan_id);

CREATE TABLE findings (
    scan_id INTEGER PRIMARY KEY REFERENCES scans (id),
    body BLOB NOT NULL
);

CREATE TABLE events (
    sequence INTEGER PRIMARY KEY,
    scan_id INTEGER NOT NULL REFERENCES scans (id),
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    provider TEXT NOT NULL,
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE INDEX events_subject ON events (subject);
CREATE INDEX events_time ON events (time);

CREATE TRIGGER events_reject_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: update rejected');
END;

CREATE TRIGGER events_reject_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: delete rejected');
END;

CREATE TRIGGER scans_reject_update BEFORE UPDATE ON scans
BEGIN
    SELECT RAISE(ABORT, 'recorded scans are append-only: update rejected');
END;

CREATE TRIGGER scans_reject_delete BEFORE DELETE ON scans
BEGIN
    SELECT RAISE(ABORT, 'recorded scans are append-only: delete rejected');
END;

CREATE TRIGGER findings_reject_update BEFORE UPDATE ON findings
BEGIN
    SELECT RAISE(ABORT, 'recorded findings are append-only: update rejected');
END;

CREATE TRIGGER findings_reject_delete BEFORE DELETE ON findings
BEGIN
    SELECT RAISE(ABORT, 'recorded findings are append-only: delete rejected');
END;

CREATE TRIGGER snapshots_prune_only BEFORE UPDATE ON snapshots
WHEN NEW.body IS NOT NULL
    OR NEW.scan_id IS NOT OLD.scan_id
    OR NEW.scope IS NOT OLD.scope
    OR NEW.provider IS NOT OLD.provider
    OR NEW.complete_kinds IS NOT OLD.complete_kinds
    OR NEW.fully_complete IS NOT OLD.fully_complete
    OR NEW.identities IS NOT OLD.identities
BEGIN
    SELECT RAISE(ABORT, 'snapshots can only be pruned: update rejected');
END;

CREATE TRIGGER snapshots_reject_delete BEFORE DELETE ON snapshots
BEGIN
    SELECT RAISE(ABORT, 'snapshots are pruned by clearing their body: delete rejected');
END;
";

/// Sets the connection options and brings the schema to [`SCHEMA_VERSION`].
pub(crate) fn prepare(connection: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let open_error = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };

    // Incremental auto-vacuum lets `prune` return freed pages to the file system. It takes
    // effect only while the database has no tables, so it is set before the first migration.
    connection
        .pragma_update(None, "auto_vacuum", "INCREMENTAL")
        .map_err(open_error)?;
    connection
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
        .map_err(open_error)?;
    connection
        .pragma_update(None, "synchronous", "FULL")
        .map_err(open_error)?;
    connection
        .pragma_update(None, "foreign_keys", "ON")
        .map_err(open_error)?;

    migrate(connection, path)
}

fn migrate(connection: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = transaction.pragma_query_value(None, "user_version", |row| row.get(0))?;

    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }

    let pending = MIGRATIONS.iter().skip(usize::try_from(found).unwrap_or(0));
    for (offset, migration) in pending.enumerate() {
        transaction.execute_batch(migration)?;
        tracing::debug!(
            version = found + offset as i64 + 1,
            "migrated the history store schema"
        );
    }
    transaction.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    transaction.commit()?;
    Ok(())
}
