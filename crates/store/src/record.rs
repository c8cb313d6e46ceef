//! Recording a scan: snapshots, findings and the change events, in one transaction.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use jiff::Timestamp;
use roster_model::{Coverage, CoverageKind, Finding, Inventory, ScopeId};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::chain::{self, ChainHead};
use crate::change::{Change, TRACKED_KINDS, changes_of_kind, sort_changes};
use crate::snapshot::{self, ScopeSnapshot, kind_bit};
use crate::{Store, StoreError, blob};

/// Everything one scan produced, borrowed from the caller.
#[derive(Debug, Clone, Copy)]
pub struct ScanRecord<'a> {
    pub started: Timestamp,
    pub finished: Timestamp,
    /// The version of roster that ran the scan.
    pub tool_version: &'a str,
    /// The digest of the roster file the scan compared against, when there was one.
    pub roster_digest: Option<&'a str>,
    /// The scopes the scan covered. Scopes named in the inventories are recorded too, so this
    /// may be empty. A listed scope with no data still gets an empty snapshot.
    pub scopes: &'a [ScopeId],
    /// Coverage entries beyond those inside the inventories. Where two entries disagree on
    /// the same kind, the less complete one wins.
    pub coverage: &'a [Coverage],
    /// The normalized inventories: one per provider, or one merged list.
    pub inventory: &'a [Inventory],
    pub findings: &'a [Finding],
}

/// The outcome of recording a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedScan {
    pub scan_id: i64,
    pub events_added: u64,
    /// The chain head after this scan's events.
    pub chain_head: ChainHead,
}

/// A snapshot ready to insert.
struct EncodedSnapshot {
    scope: ScopeId,
    provider: &'static str,
    complete_kinds: i64,
    fully_complete: bool,
    identities: usize,
    body: Vec<u8>,
}

impl Store {
    /// Records one scan: a snapshot per scope, the findings, and the change events against
    /// the previous complete scan of each scope and kind.
    ///
    /// For each scope and each tracked kind (identities, groups, grants, trusts,
    /// credentials) that this scan collected completely, the baseline is the latest recorded
    /// snapshot of the scope in which that kind was complete too. A kind with no such baseline
    /// (the first complete scan of a scope) adds no events. A kind collected only partly adds
    /// none either, and its changes show up at the next complete scan.
    ///
    /// Everything is written in one `BEGIN IMMEDIATE` transaction: a crash leaves the store as
    /// it was, and a second recorder waits, then computes its events against this scan and
    /// extends the chain after it.
    pub fn record(&mut self, scan: &ScanRecord<'_>) -> Result<RecordedScan, StoreError> {
        let snapshots = snapshot::split_by_scope(scan.inventory, scan.coverage, scan.scopes)?;
        let encoded = encode_snapshots(&snapshots)?;
        let findings = blob::encode("the findings", &scan.findings)?;

        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let scan_id: i64 =
            transaction.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM scans", [], |row| {
                row.get(0)
            })?;
        let head = chain::head(&transaction)?;
        let changes = changes_against_baselines(&transaction, &snapshots)?;
        let sealed = chain::seal(&head, scan_id, scan.finished, &changes);
        let new_head = chain::head_after(&head, &sealed);

        insert_scan(&transaction, scan_id, scan, &snapshots, &head, &new_head)?;
        chain::insert(&transaction, &sealed)?;
        insert_snapshots(&transaction, scan_id, &encoded)?;
        transaction.execute(
            "INSERT INTO findings (scan_id, body) VALUES (?1, ?2)",
            params![scan_id, findings],
        )?;
        transaction.commit()?;

        tracing::info!(
            scan_id,
            scopes = snapshots.len(),
            events = changes.len(),
            "recorded the scan in the history store"
        );
        Ok(RecordedScan {
            scan_id,
            events_added: changes.len() as u64,
            chain_head: new_head,
        })
    }
}

fn encode_snapshots(
    snapshots: &BTreeMap<ScopeId, ScopeSnapshot>,
) -> Result<Vec<EncodedSnapshot>, StoreError> {
    snapshots
        .values()
        .map(|snapshot| {
            Ok(EncodedSnapshot {
                scope: snapshot.scope.clone(),
                provider: snapshot.provider.as_str(),
                complete_kinds: snapshot.complete_mask(),
                fully_complete: snapshot.is_fully_complete(),
                identities: snapshot.identities.len(),
                body: blob::encode("a snapshot", snapshot)?,
            })
        })
        .collect()
}

/// Computes the changes of every scope and tracked kind against its baseline.
fn changes_against_baselines(
    connection: &Connection,
    snapshots: &BTreeMap<ScopeId, ScopeSnapshot>,
) -> Result<Vec<Change>, StoreError> {
    let mut changes = Vec::new();

    for (scope, current) in snapshots {
        let mut baselines: BTreeMap<i64, ScopeSnapshot> = BTreeMap::new();
        for kind in TRACKED_KINDS {
            if !current.is_complete(kind) {
                continue;
            }
            let Some(scan_id) = baseline_scan(connection, scope, kind)? else {
                continue;
            };
            let baseline = match baselines.entry(scan_id) {
                Entry::Occupied(entry) => entry.into_mut(),
                Entry::Vacant(entry) => entry.insert(load_snapshot(connection, scan_id, scope)?),
            };
            changes.extend(changes_of_kind(kind, baseline, current));
        }
    }

    sort_changes(&mut changes);
    Ok(changes)
}

/// Returns the latest scan whose snapshot of `scope` has `kind` complete.
fn baseline_scan(
    connection: &Connection,
    scope: &ScopeId,
    kind: CoverageKind,
) -> Result<Option<i64>, StoreError> {
    let scan_id = connection
        .query_row(
            "SELECT scan_id FROM snapshots
             WHERE scope = ?1 AND (complete_kinds & ?2) != 0
             ORDER BY scan_id DESC LIMIT 1",
            params![scope.as_str(), kind_bit(kind)],
            |row| row.get(0),
        )
        .optional()?;
    Ok(scan_id)
}

/// Loads the stored snapshot of one scope in one scan.
pub(crate) fn load_snapshot(
    connection: &Connection,
    scan_id: i64,
    scope: &ScopeId,
) -> Result<ScopeSnapshot, StoreError> {
    let body: Option<Option<Vec<u8>>> = connection
        .query_row(
            "SELECT body FROM snapshots WHERE scan_id = ?1 AND scope = ?2",
            params![scan_id, scope.as_str()],
            |row| row.get(0),
        )
        .optional()?;

    match body {
        None => Err(StoreError::UnknownScan(scan_id)),
        Some(None) => Err(StoreError::Pruned {
            scan: scan_id,
            scope: scope.clone(),
        }),
        Some(Some(bytes)) => blob::decode("snapshot", &bytes, scan_id),
    }
}

fn insert_scan(
    connection: &Connection,
    scan_id: i64,
    scan: &ScanRecord<'_>,
    snapshots: &BTreeMap<ScopeId, ScopeSnapshot>,
    head: &ChainHead,
    new_head: &ChainHead,
) -> Result<(), StoreError> {
    let scopes: Vec<&ScopeId> = snapshots.keys().collect();
    let scopes = serde_json::to_string(&scopes).map_err(|source| StoreError::Encode {
        item: "the scope list",
        source,
    })?;
    let complete = snapshots.values().all(ScopeSnapshot::is_fully_complete);
    let identities: usize = snapshots.values().map(|s| s.identities.len()).sum();
    let events_added = new_head.sequence - head.sequence;
    let (first_sequence, last_sequence) = if events_added > 0 {
        (Some(head.sequence + 1), Some(new_head.sequence))
    } else {
        (None, None)
    };

    connection.execute(
        "INSERT INTO scans (id, started, finished, tool_version, roster_digest, scopes, complete,
                            identities, findings, events_added, first_sequence, last_sequence,
                            chain_head)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            scan_id,
            scan.started.to_string(),
            scan.finished.to_string(),
            scan.tool_version,
            scan.roster_digest,
            scopes,
            complete,
            identities as i64,
            scan.findings.len() as i64,
            events_added,
            first_sequence,
            last_sequence,
            new_head.hash,
        ],
    )?;
    Ok(())
}

fn insert_snapshots(
    connection: &Connection,
    scan_id: i64,
    snapshots: &[EncodedSnapshot],
) -> Result<(), StoreError> {
    let mut statement = connection.prepare(
        "INSERT INTO snapshots (scan_id, scope, provider, complete_kinds, fully_complete,
                                identities, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for snapshot in snapshots {
        statement.execute(params![
            scan_id,
            snapshot.scope.as_str(),
            snapshot.provider,
            snapshot.complete_kinds,
            snapshot.fully_complete,
            snapshot.identities as i64,
            snapshot.body,
        ])?;
    }
    Ok(())
}
