//! Reading the history back: the event log, its export, the scans, and diffs between scans.

use std::collections::BTreeSet;
use std::io::Write;

use jiff::Timestamp;
use roster_model::{CoverageKind, Finding, IdentityKey, Inventory, ProviderId, ScopeId};
use rusqlite::types::ToSql;
use rusqlite::{Row, params, params_from_iter};
use serde::Serialize;
use serde_json::Value;

use crate::canonical::event_time;
use crate::chain::Event;
use crate::change::{Change, EventKind, TRACKED_KINDS, changes_of_kind, sort_changes};
use crate::record::load_snapshot;
use crate::snapshot::{self, ScopeSnapshot};
use crate::{Store, StoreError, blob};

/// A filter for [`Store::log`]. A field left empty matches every event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogQuery {
    /// An identity key: events whose subject it is. Any other key (a group key) also matches
    /// the member-added and member-removed events of that group.
    pub identity: Option<String>,
    /// Events seen at or after this time (compared in whole seconds).
    pub since: Option<Timestamp>,
    /// Events of these kinds; empty for all kinds.
    pub kinds: Vec<EventKind>,
    pub provider: Option<ProviderId>,
    pub scope: Option<ScopeId>,
}

/// One recorded scan, as listed by [`Store::scans`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanSummary {
    pub id: i64,
    pub started: Timestamp,
    pub finished: Timestamp,
    pub tool_version: String,
    pub roster_digest: Option<String>,
    pub scopes: Vec<ScopeId>,
    /// Whether every scope was collected completely.
    pub complete: bool,
    pub identities: u64,
    pub findings: u64,
    pub events_added: u64,
    /// The chain head after the scan's events.
    pub chain_head: String,
    /// How many of the scan's scope snapshots were pruned.
    pub pruned_snapshots: u64,
}

/// The changes between two recorded scans, with what could not be compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanDiff {
    pub from: i64,
    pub to: i64,
    pub changes: Vec<Change>,
    /// Kinds of a scope that either scan did not collect completely: no change is derived
    /// from them.
    pub unverified: Vec<UnverifiedPart>,
    /// Scopes recorded only in the first scan.
    pub only_in_from: Vec<ScopeId>,
    /// Scopes recorded only in the second scan.
    pub only_in_to: Vec<ScopeId>,
}

/// One kind of one scope that a diff could not compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnverifiedPart {
    pub scope: ScopeId,
    pub kind: CoverageKind,
}

const EVENT_COLUMNS: &str =
    "sequence, scan_id, time, kind, provider, scope, subject, detail, prev_hash, hash";

impl Store {
    /// Returns the events that match the query, in chain order: who got what, and when.
    pub fn log(&self, query: &LogQuery) -> Result<Vec<Event>, StoreError> {
        let mut conditions: Vec<&str> = Vec::new();
        let mut values: Vec<Box<dyn ToSql>> = Vec::new();

        if let Some(key) = &query.identity {
            if key.parse::<IdentityKey>().is_ok() {
                conditions.push("subject = ?");
                values.push(Box::new(key.clone()));
            } else {
                // A key that is not an identity key is taken as a group key. Member events name
                // their group in the detail, which is canonical JSON, so this text matches.
                let group_field = format!("\"group\":{}", Value::String(key.clone()));
                conditions.push("(subject = ? OR instr(detail, ?) > 0)");
                values.push(Box::new(key.clone()));
                values.push(Box::new(group_field));
            }
        }
        if let Some(since) = query.since {
            conditions.push("time >= ?");
            values.push(Box::new(event_time(since)));
        }
        if let Some(provider) = query.provider {
            conditions.push("provider = ?");
            values.push(Box::new(provider.as_str()));
        }
        if let Some(scope) = &query.scope {
            conditions.push("scope = ?");
            values.push(Box::new(scope.to_string()));
        }
        let kind_condition = in_list("kind", query.kinds.len());
        if !query.kinds.is_empty() {
            conditions.push(&kind_condition);
            values.extend(
                query
                    .kinds
                    .iter()
                    .map(|kind| Box::new(kind.as_str()) as Box<dyn ToSql>),
            );
        }

        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events {filter} ORDER BY sequence");
        let mut statement = self.connection.prepare(&sql)?;
        let mut rows = statement.query(params_from_iter(values.iter()))?;

        let mut events = Vec::new();
        while let Some(row) = rows.next()? {
            events.push(read_event(row)?);
        }
        Ok(events)
    }

    /// Writes every event as one JSON object per line, in chain order, and returns the count.
    ///
    /// Each line carries `prev_hash` and `hash`. Its `detail` is the canonical JSON that was
    /// hashed, so a consumer can recompute the chain from the export alone.
    pub fn export_jsonl(&self, mut writer: impl Write) -> Result<u64, StoreError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY sequence");
        let mut statement = self.connection.prepare(&sql)?;
        let mut rows = statement.query([])?;
        let mut count = 0;

        while let Some(row) = rows.next()? {
            let event = read_event(row)?;
            serde_json::to_writer(&mut writer, &event)
                .map_err(|error| StoreError::Write(std::io::Error::other(error.to_string())))?;
            writer.write_all(b"\n").map_err(StoreError::Write)?;
            count += 1;
        }
        writer.flush().map_err(StoreError::Write)?;
        Ok(count)
    }

    /// Lists the recorded scans, oldest first.
    pub fn scans(&self) -> Result<Vec<ScanSummary>, StoreError> {
        let mut statement = self
            .connection
            .prepare(&format!("SELECT {SCAN_COLUMNS} FROM scans ORDER BY id"))?;
        let mut rows = statement.query([])?;
        let mut scans = Vec::new();
        while let Some(row) = rows.next()? {
            scans.push(read_scan(row)?);
        }
        Ok(scans)
    }

    /// Returns one recorded scan.
    pub fn scan(&self, scan_id: i64) -> Result<ScanSummary, StoreError> {
        let mut statement = self
            .connection
            .prepare(&format!("SELECT {SCAN_COLUMNS} FROM scans WHERE id = ?1"))?;
        let mut rows = statement.query(params![scan_id])?;
        let Some(row) = rows.next()? else {
            return Err(StoreError::UnknownScan(scan_id));
        };
        read_scan(row)
    }

    /// Computes the changes from scan `from` to scan `to`, by the same rules as the recorded
    /// events: per scope and kind, only where both scans collected the kind completely.
    pub fn diff(&self, from: i64, to: i64) -> Result<ScanDiff, StoreError> {
        let before = self.scope_ids(from)?;
        let after = self.scope_ids(to)?;
        let mut diff = ScanDiff {
            from,
            to,
            changes: Vec::new(),
            unverified: Vec::new(),
            only_in_from: before.difference(&after).cloned().collect(),
            only_in_to: after.difference(&before).cloned().collect(),
        };

        for scope in before.intersection(&after) {
            let old = load_snapshot(&self.connection, from, scope)?;
            let new = load_snapshot(&self.connection, to, scope)?;
            compare_scope(&old, &new, &mut diff);
        }

        sort_changes(&mut diff.changes);
        Ok(diff)
    }

    /// Rebuilds the inventories of a recorded scan, one per provider.
    pub fn inventory(&self, scan_id: i64) -> Result<Vec<Inventory>, StoreError> {
        let mut snapshots = Vec::new();
        for scope in self.scope_ids(scan_id)? {
            snapshots.push(load_snapshot(&self.connection, scan_id, &scope)?);
        }
        Ok(snapshot::join_snapshots(snapshots))
    }

    /// Returns the findings recorded with a scan.
    pub fn findings(&self, scan_id: i64) -> Result<Vec<Finding>, StoreError> {
        self.scan(scan_id)?;
        let body: Vec<u8> = self.connection.query_row(
            "SELECT body FROM findings WHERE scan_id = ?1",
            params![scan_id],
            |row| row.get(0),
        )?;
        blob::decode("findings", &body, scan_id)
    }

    /// Returns the scopes that a scan has snapshots for.
    fn scope_ids(&self, scan_id: i64) -> Result<BTreeSet<ScopeId>, StoreError> {
        self.scan(scan_id)?;
        let mut statement = self
            .connection
            .prepare("SELECT scope, provider FROM snapshots WHERE scan_id = ?1")?;
        let rows = statement.query_map(params![scan_id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;

        let mut scopes = BTreeSet::new();
        for row in rows {
            let (scope, provider) = row?;
            scopes.insert(parse_scope(&scope, &provider, scan_id)?);
        }
        Ok(scopes)
    }
}

fn compare_scope(old: &ScopeSnapshot, new: &ScopeSnapshot, diff: &mut ScanDiff) {
    for kind in TRACKED_KINDS {
        if old.is_complete(kind) && new.is_complete(kind) {
            diff.changes.extend(changes_of_kind(kind, old, new));
        } else {
            diff.unverified.push(UnverifiedPart {
                scope: new.scope.clone(),
                kind,
            });
        }
    }
}

/// Builds `column IN (?, ?, ...)` for `count` values.
fn in_list(column: &str, count: usize) -> String {
    let marks = vec!["?"; count].join(", ");
    format!("{column} IN ({marks})")
}

/// Rebuilds a scope id from its stored text and provider.
fn parse_scope(text: &str, provider: &str, scan_id: i64) -> Result<ScopeId, StoreError> {
    let corrupt = || StoreError::Corrupt {
        item: "scope id",
        scan: scan_id,
        reason: format!("`{text}` is not a scope id"),
    };
    let provider: ProviderId = provider.parse().map_err(|_| corrupt())?;
    let native = text
        .strip_prefix(provider.key_prefix())
        .and_then(|rest| rest.strip_prefix(':'))
        .ok_or_else(corrupt)?;
    Ok(ScopeId::new(provider, native))
}

fn read_event(row: &Row<'_>) -> Result<Event, StoreError> {
    let sequence: i64 = row.get(0)?;
    let corrupt = |reason: String| StoreError::CorruptEvent { sequence, reason };
    let text = |index: usize| -> Result<String, StoreError> {
        row.get::<_, String>(index)
            .map_err(|error| corrupt(error.to_string()))
    };

    let time = text(2)?;
    let kind = text(3)?;
    let provider_text = text(4)?;
    let scope = text(5)?;
    let detail = text(7)?;
    let provider: ProviderId = provider_text.parse().map_err(corrupt)?;

    Ok(Event {
        sequence,
        scan_id: row.get(1)?,
        time: time
            .parse()
            .map_err(|error| corrupt(format!("time `{time}`: {error}")))?,
        kind: kind.parse().map_err(corrupt)?,
        provider,
        scope: parse_scope(&scope, &provider_text, row.get(1)?)
            .map_err(|error| corrupt(error.to_string()))?,
        subject: text(6)?,
        detail: serde_json::from_str(&detail)
            .map_err(|error| corrupt(format!("detail: {error}")))?,
        prev_hash: text(8)?,
        hash: text(9)?,
    })
}

const SCAN_COLUMNS: &str = "id, started, finished, tool_version, roster_digest, scopes, complete,
     identities, findings, events_added, chain_head,
     (SELECT COUNT(*) FROM snapshots WHERE snapshots.scan_id = scans.id AND body IS NULL)";

fn read_scan(row: &Row<'_>) -> Result<ScanSummary, StoreError> {
    let id: i64 = row.get(0)?;
    let corrupt = |reason: String| StoreError::Corrupt {
        item: "scan",
        scan: id,
        reason,
    };
    let time = |index: usize| -> Result<Timestamp, StoreError> {
        let text: String = row.get(index)?;
        text.parse()
            .map_err(|error| corrupt(format!("time `{text}`: {error}")))
    };
    let count = |index: usize| -> Result<u64, StoreError> {
        let value: i64 = row.get(index)?;
        u64::try_from(value).map_err(|_| corrupt(format!("negative count {value}")))
    };
    let scopes: String = row.get(5)?;

    Ok(ScanSummary {
        id,
        started: time(1)?,
        finished: time(2)?,
        tool_version: row.get(3)?,
        roster_digest: row.get(4)?,
        scopes: serde_json::from_str(&scopes).map_err(|error| corrupt(error.to_string()))?,
        complete: row.get(6)?,
        identities: count(7)?,
        findings: count(8)?,
        events_added: count(9)?,
        chain_head: row.get(10)?,
        pruned_snapshots: count(11)?,
    })
}
