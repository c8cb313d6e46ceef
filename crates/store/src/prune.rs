//! Dropping old snapshots to bound the store's size. Events are never dropped.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{TransactionBehavior, params};
use serde::Serialize;

use crate::{Store, StoreError};

/// The outcome of [`Store::prune`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    /// Scope snapshots whose body was dropped.
    pub snapshots_pruned: u64,
    /// Scope snapshots still held, the kept baselines included.
    pub snapshots_kept: u64,
}

/// One stored snapshot that still has its body.
struct StoredSnapshot {
    scan_id: i64,
    scope: String,
    complete_kinds: i64,
    fully_complete: bool,
}

impl Store {
    /// Drops the inventory snapshots of all but the newest `keep_snapshots` scans.
    ///
    /// Events, scan rows and findings stay. Some older snapshots stay too because later scans
    /// compare against them: per scope, the latest snapshot in which each coverage kind was
    /// complete, and the latest snapshot in which every kind was complete. A pruned scan can
    /// no longer be diffed or loaded back.
    pub fn prune(&mut self, keep_snapshots: usize) -> Result<PruneReport, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;

        let stored = stored_snapshots(&transaction)?;
        let newest: BTreeSet<i64> = {
            let mut statement =
                transaction.prepare("SELECT id FROM scans ORDER BY id DESC LIMIT ?1")?;
            let limit = i64::try_from(keep_snapshots).unwrap_or(i64::MAX);
            let rows = statement.query_map(params![limit], |row| row.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let baselines = baselines(&stored);

        let mut pruned_count = 0;
        let mut kept_count = 0;
        {
            let mut clear = transaction
                .prepare("UPDATE snapshots SET body = NULL WHERE scan_id = ?1 AND scope = ?2")?;
            for snapshot in &stored {
                let key = (snapshot.scan_id, snapshot.scope.clone());
                if newest.contains(&snapshot.scan_id) || baselines.contains(&key) {
                    kept_count += 1;
                    continue;
                }
                clear.execute(params![snapshot.scan_id, snapshot.scope])?;
                pruned_count += 1;
            }
        }
        transaction.commit()?;

        // Return the freed pages to the file system; the store was created with incremental
        // auto-vacuum. The pragma frees pages as it is stepped, so step it to the end.
        let mut vacuum = self.connection.prepare("PRAGMA incremental_vacuum")?;
        let mut rows = vacuum.query([])?;
        while rows.next()?.is_some() {}

        tracing::info!(
            snapshots_pruned = pruned_count,
            snapshots_kept = kept_count,
            "pruned the history store"
        );
        Ok(PruneReport {
            snapshots_pruned: pruned_count,
            snapshots_kept: kept_count,
        })
    }
}

fn stored_snapshots(connection: &rusqlite::Connection) -> Result<Vec<StoredSnapshot>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT scan_id, scope, complete_kinds, fully_complete FROM snapshots
         WHERE body IS NOT NULL ORDER BY scope, scan_id",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(StoredSnapshot {
            scan_id: row.get(0)?,
            scope: row.get(1)?,
            complete_kinds: row.get(2)?,
            fully_complete: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Returns the (scan, scope) snapshots that later recordings compare against: per scope, the
/// latest with each kind bit set and the latest fully complete one.
fn baselines(stored: &[StoredSnapshot]) -> BTreeSet<(i64, String)> {
    let mut latest: BTreeMap<(&str, i64), i64> = BTreeMap::new();
    const FULLY_COMPLETE: i64 = -1;

    for snapshot in stored {
        let mut marks: Vec<i64> = (0..63)
            .map(|bit| 1_i64 << bit)
            .filter(|bit| snapshot.complete_kinds & bit != 0)
            .collect();
        if snapshot.fully_complete {
            marks.push(FULLY_COMPLETE);
        }
        for mark in marks {
            let entry = latest
                .entry((&snapshot.scope, mark))
                .or_insert(snapshot.scan_id);
            *entry = (*entry).max(snapshot.scan_id);
        }
    }

    latest
        .into_iter()
        .map(|((scope, _), scan_id)| (scan_id, scope.to_owned()))
        .collect()
}
