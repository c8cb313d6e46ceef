//! The hash chain of events: appending and verifying.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use roster_model::{ProviderId, ScopeId};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, params};
use serde::Serialize;
use serde_json::Value;

use crate::canonical::{GENESIS_HASH, HashedFields, canonical_json, event_hash, event_time};
use crate::change::{Change, EventKind};
use crate::{Store, StoreError};

/// A recorded change: one row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// The position in the chain, from 1 with no gaps.
    pub sequence: i64,
    pub scan_id: i64,
    /// When the change was seen: the end of the scan that recorded it, in whole seconds.
    pub time: Timestamp,
    pub kind: EventKind,
    pub provider: ProviderId,
    pub scope: ScopeId,
    pub subject: String,
    /// The change's facts, in canonical JSON key order.
    pub detail: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The last event of the chain: anchor its hash outside the store to detect a rewritten log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainHead {
    /// The sequence of the last event, 0 when the log is empty.
    pub sequence: i64,
    /// The hash of the last event, 64 zeros when the log is empty.
    pub hash: String,
}

impl ChainHead {
    pub(crate) fn genesis() -> Self {
        ChainHead {
            sequence: 0,
            hash: GENESIS_HASH.to_owned(),
        }
    }
}

impl fmt::Display for ChainHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (event {})", self.hash, self.sequence)
    }
}

/// The result of recomputing the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// The number of event rows in the store.
    pub events: u64,
    /// The last event that verified: the chain head when nothing is broken.
    pub head: ChainHead,
    pub first_broken: Option<BrokenLink>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// The first place where the stored chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// The sequence of the first event that fails, or of the first missing one.
    pub sequence: i64,
    pub reason: BrokenReason,
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event {}: {}", self.sequence, self.reason)
    }
}

/// The reason a link of the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum BrokenReason {
    /// A row is missing or out of place: the sequence numbers are not 1, 2, 3 ...
    Sequence { expected: i64, found: i64 },
    /// The row's `prev_hash` is not the previous row's hash.
    PrevHash { expected: String, found: String },
    /// The row's stored hash is not the hash of its fields: a field was edited.
    Hash { expected: String, found: String },
    /// A field does not hold a valid value although the hashes match.
    InvalidField {
        field: &'static str,
        problem: String,
    },
    /// The hash after a scan is not the head that the scan recorded.
    ScanHead {
        scan_id: i64,
        recorded: String,
        found: String,
    },
    /// The recorded scans reach further than the stored events.
    Truncated { recorded_last: i64, found_last: i64 },
}

impl fmt::Display for BrokenReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BrokenReason::Sequence { expected, found } if found > expected => write!(
                f,
                "missing: expected event {expected}, the next stored event is {found}"
            ),
            BrokenReason::Sequence { expected, found } => {
                write!(
                    f,
                    "out of order: expected sequence {expected}, found {found}"
                )
            }
            BrokenReason::PrevHash { expected, found } => write!(
                f,
                "prev_hash `{found}` is not the previous event's hash `{expected}`"
            ),
            BrokenReason::Hash { expected, found } => write!(
                f,
                "stored hash `{found}` does not match the recomputed hash `{expected}`: a field was edited"
            ),
            BrokenReason::InvalidField { field, problem } => {
                write!(f, "invalid `{field}`: {problem}")
            }
            BrokenReason::ScanHead {
                scan_id,
                recorded,
                found,
            } => write!(
                f,
                "scan {scan_id} recorded the chain head `{recorded}`, the chain has `{found}`"
            ),
            BrokenReason::Truncated {
                recorded_last,
                found_last,
            } => write!(
                f,
                "the chain ends at event {found_last} but the recorded scans reach event {recorded_last}"
            ),
        }
    }
}

impl Store {
    /// Returns the last event's sequence and hash.
    pub fn chain_head(&self) -> Result<ChainHead, StoreError> {
        head(&self.connection)
    }

    /// Recomputes the whole chain and names the first broken link.
    ///
    /// Each row must have the next sequence number, the previous row's hash as `prev_hash`,
    /// a hash equal to the hash of its stored fields, valid field values, and at each scan's
    /// last event the head that the scan recorded. A suffix removed together with its scans
    /// and rewritten consistently is not detectable here: compare the head with an anchor
    /// kept outside the store.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let scan_heads = recorded_heads(&self.connection)?;
        let mut statement = self.connection.prepare(
            "SELECT sequence, scan_id, time, kind, provider, scope, subject, detail, prev_hash, hash
             FROM events ORDER BY sequence",
        )?;
        let mut rows = statement.query([])?;
        let mut walk = Walk::new(scan_heads);

        while let Some(row) = rows.next()? {
            walk.events += 1;
            if walk.first_broken.is_some() {
                continue;
            }
            let fields: [ValueRef<'_>; 10] = [
                row.get_ref(0)?,
                row.get_ref(1)?,
                row.get_ref(2)?,
                row.get_ref(3)?,
                row.get_ref(4)?,
                row.get_ref(5)?,
                row.get_ref(6)?,
                row.get_ref(7)?,
                row.get_ref(8)?,
                row.get_ref(9)?,
            ];
            walk.check(&fields);
        }

        Ok(walk.finish())
    }
}

/// The state of a verification pass over the rows in sequence order.
struct Walk {
    events: u64,
    head: ChainHead,
    first_broken: Option<BrokenLink>,
    /// Each scan's last sequence and recorded head, by last sequence.
    scan_heads: BTreeMap<i64, (i64, String)>,
}

impl Walk {
    fn new(scan_heads: BTreeMap<i64, (i64, String)>) -> Self {
        Walk {
            events: 0,
            head: ChainHead::genesis(),
            first_broken: None,
            scan_heads,
        }
    }

    fn check(&mut self, fields: &[ValueRef<'_>; 10]) {
        match self.link(fields) {
            Ok(head) => self.head = head,
            Err(broken) => self.first_broken = Some(broken),
        }
    }

    /// Checks one row against the head before it and returns the new head.
    fn link(&self, fields: &[ValueRef<'_>; 10]) -> Result<ChainHead, BrokenLink> {
        let expected = self.head.sequence + 1;
        let broken = |sequence, reason| BrokenLink { sequence, reason };
        let invalid = |field: &'static str, problem: &str| {
            broken(
                expected,
                BrokenReason::InvalidField {
                    field,
                    problem: problem.to_owned(),
                },
            )
        };

        let ValueRef::Integer(sequence) = fields[0] else {
            return Err(invalid("sequence", "not an integer"));
        };
        if sequence != expected {
            let found = sequence;
            return Err(broken(
                expected.min(found),
                BrokenReason::Sequence { expected, found },
            ));
        }
        let ValueRef::Integer(scan_id) = fields[1] else {
            return Err(invalid("scan_id", "not an integer"));
        };
        let [
            time,
            kind,
            provider,
            scope,
            subject,
            detail,
            prev_hash,
            hash,
        ] = [2, 3, 4, 5, 6, 7, 8, 9].map(|index| text_bytes(fields[index]));
        let (
            Some(time),
            Some(kind),
            Some(provider),
            Some(scope),
            Some(subject),
            Some(detail),
            Some(prev_hash),
            Some(hash),
        ) = (
            time, kind, provider, scope, subject, detail, prev_hash, hash,
        )
        else {
            return Err(invalid("event", "a text field holds a number or NULL"));
        };

        if prev_hash != self.head.hash.as_bytes() {
            return Err(broken(
                sequence,
                BrokenReason::PrevHash {
                    expected: self.head.hash.clone(),
                    found: String::from_utf8_lossy(prev_hash).into_owned(),
                },
            ));
        }
        let recomputed = event_hash(&HashedFields {
            sequence,
            prev_hash,
            scan_id,
            time,
            kind,
            provider,
            scope,
            subject,
            detail,
        });
        if recomputed.as_bytes() != hash {
            return Err(broken(
                sequence,
                BrokenReason::Hash {
                    expected: recomputed,
                    found: String::from_utf8_lossy(hash).into_owned(),
                },
            ));
        }
        if let Err((field, problem)) = check_values(time, kind, provider, detail) {
            return Err(broken(
                sequence,
                BrokenReason::InvalidField { field, problem },
            ));
        }
        if let Some((scan, recorded)) = self.scan_heads.get(&sequence)
            && *recorded != recomputed
        {
            return Err(broken(
                sequence,
                BrokenReason::ScanHead {
                    scan_id: *scan,
                    recorded: recorded.clone(),
                    found: recomputed,
                },
            ));
        }

        Ok(ChainHead {
            sequence,
            hash: recomputed,
        })
    }

    fn finish(mut self) -> VerifyReport {
        let recorded_last = self.scan_heads.keys().next_back().copied().unwrap_or(0);
        if self.first_broken.is_none() && recorded_last > self.head.sequence {
            self.first_broken = Some(BrokenLink {
                sequence: self.head.sequence + 1,
                reason: BrokenReason::Truncated {
                    recorded_last,
                    found_last: self.head.sequence,
                },
            });
        }

        VerifyReport {
            events: self.events,
            head: self.head,
            first_broken: self.first_broken,
        }
    }
}

/// Returns the bytes of a text or blob value, `None` for numbers and NULL.
fn text_bytes(value: ValueRef<'_>) -> Option<&[u8]> {
    match value {
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => Some(bytes),
        _ => None,
    }
}

/// Checks that hashed fields hold values that this code could have written.
fn check_values(
    time: &[u8],
    kind: &[u8],
    provider: &[u8],
    detail: &[u8],
) -> Result<(), (&'static str, String)> {
    let as_text = |field: &'static str, bytes| {
        std::str::from_utf8(bytes).map_err(|_| (field, "not UTF-8".to_owned()))
    };

    let time = as_text("time", time)?;
    let parsed: Timestamp = time
        .parse()
        .map_err(|error| ("time", format!("`{time}` is not an RFC 3339 time: {error}")))?;
    if event_time(parsed) != time {
        return Err(("time", format!("`{time}` is not in whole seconds UTC")));
    }
    as_text("kind", kind)?
        .parse::<EventKind>()
        .map_err(|error| ("kind", error))?;
    as_text("provider", provider)?
        .parse::<ProviderId>()
        .map_err(|error| ("provider", error))?;
    let detail = as_text("detail", detail)?;
    let value: Value =
        serde_json::from_str(detail).map_err(|error| ("detail", format!("not JSON: {error}")))?;
    if canonical_json(&value) != detail {
        return Err(("detail", "not canonical JSON".to_owned()));
    }
    Ok(())
}

/// Returns each scan's recorded head, keyed by the scan's last sequence.
fn recorded_heads(connection: &Connection) -> Result<BTreeMap<i64, (i64, String)>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT last_sequence, id, chain_head FROM scans WHERE last_sequence IS NOT NULL",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, i64>(0)?, (row.get(1)?, row.get(2)?)))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Returns the head as stored, without recomputing anything.
pub(crate) fn head(connection: &Connection) -> Result<ChainHead, StoreError> {
    let mut statement =
        connection.prepare("SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1")?;
    let mut rows = statement.query([])?;
    let Some(row) = rows.next()? else {
        return Ok(ChainHead::genesis());
    };
    Ok(ChainHead {
        sequence: row.get(0)?,
        hash: row.get(1)?,
    })
}

/// An event with its hash, ready to insert.
pub(crate) struct SealedEvent<'a> {
    sequence: i64,
    scan_id: i64,
    time: String,
    change: &'a Change,
    detail: String,
    prev_hash: String,
    hash: String,
}

/// Chains the changes of one scan after `head`. The last element carries the new head.
///
/// The caller owns the write transaction, so `head` stays the last row until the insert.
pub(crate) fn seal<'a>(
    head: &ChainHead,
    scan_id: i64,
    time: Timestamp,
    changes: &'a [Change],
) -> Vec<SealedEvent<'a>> {
    let time = event_time(time);
    let mut current = head.clone();
    let mut sealed = Vec::with_capacity(changes.len());

    for change in changes {
        let sequence = current.sequence + 1;
        let detail = canonical_json(&change.detail);
        let hash = event_hash(&HashedFields {
            sequence,
            prev_hash: current.hash.as_bytes(),
            scan_id,
            time: time.as_bytes(),
            kind: change.kind.as_str().as_bytes(),
            provider: change.provider.as_str().as_bytes(),
            scope: change.scope.as_str().as_bytes(),
            subject: change.subject.as_bytes(),
            detail: detail.as_bytes(),
        });
        sealed.push(SealedEvent {
            sequence,
            scan_id,
            time: time.clone(),
            change,
            detail,
            prev_hash: current.hash,
            hash: hash.clone(),
        });
        current = ChainHead { sequence, hash };
    }
    sealed
}

/// Returns the head after the sealed events, or `head` when there are none.
pub(crate) fn head_after(head: &ChainHead, sealed: &[SealedEvent<'_>]) -> ChainHead {
    match sealed.last() {
        Some(last) => ChainHead {
            sequence: last.sequence,
            hash: last.hash.clone(),
        },
        None => head.clone(),
    }
}

/// Inserts sealed events.
pub(crate) fn insert(
    connection: &Connection,
    sealed: &[SealedEvent<'_>],
) -> Result<(), StoreError> {
    let mut statement = connection.prepare(
        "INSERT INTO events (sequence, scan_id, time, kind, provider, scope, subject, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for event in sealed {
        statement.execute(params![
            event.sequence,
            event.scan_id,
            event.time,
            event.change.kind.as_str(),
            event.change.provider.as_str(),
            event.change.scope.as_str(),
            event.change.subject,
            event.detail,
            event.prev_hash,
            event.hash,
        ])?;
    }
    Ok(())
}
