//! The byte encodings that the audit chain hashes, kept in one place so that any
//! implementation (a PostgreSQL function, a script) can reproduce them.

use jiff::{RoundMode, Timestamp, TimestampRound, Unit};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The first field of every hashed event, naming the encoding version.
pub const ENCODING_TAG: &str = "roster-audit-v1";

/// The fields of one event in the order the hash reads them, as stored.
pub(crate) struct HashedFields<'a> {
    pub sequence: i64,
    pub prev_hash: &'a [u8],
    pub scan_id: i64,
    pub time: &'a [u8],
    pub kind: &'a [u8],
    pub provider: &'a [u8],
    pub scope: &'a [u8],
    pub subject: &'a [u8],
    pub detail: &'a [u8],
}

/// Computes the hash of one event: lowercase hex SHA-256 over its canonical encoding.
///
/// The encoding is the concatenation of ten fields, each written as its byte length (an
/// unsigned 64-bit big-endian integer) followed by its bytes:
///
/// 1. the tag `roster-audit-v1`;
/// 2. the sequence number, in decimal ASCII;
/// 3. the previous event's hash, 64 lowercase hex digits (64 zeros for the first event);
/// 4. the scan id, in decimal ASCII;
/// 5. the event time, RFC 3339 in UTC with whole seconds (`2024-05-01T12:00:00Z`);
/// 6. the event kind, for example `grant-added`;
/// 7. the provider, for example `aws`;
/// 8. the scope id, for example `aws:111122223333`;
/// 9. the subject key;
/// 10. the detail as canonical JSON (see [`canonical_json`]).
///
/// Text fields are UTF-8, hashed exactly as stored.
pub(crate) fn event_hash(fields: &HashedFields<'_>) -> String {
    let sequence = fields.sequence.to_string();
    let scan_id = fields.scan_id.to_string();
    let parts: [&[u8]; 10] = [
        ENCODING_TAG.as_bytes(),
        sequence.as_bytes(),
        fields.prev_hash,
        scan_id.as_bytes(),
        fields.time,
        fields.kind,
        fields.provider,
        fields.scope,
        fields.subject,
        fields.detail,
    ];

    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }

    to_hex(&hasher.finalize())
}

/// Encodes bytes as lowercase hex.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// Serializes a JSON value canonically: object keys sorted by their UTF-8 bytes at every
/// level, no whitespace, strings escaped as `serde_json` escapes them (quote, backslash and
/// control characters only). Event details hold strings, integers, booleans, null, arrays and
/// objects, so no float formatting is involved.
pub fn canonical_json(value: &Value) -> String {
    sorted(value).to_string()
}

/// Pretty-prints a JSON value with sorted keys and two-space indentation, so that two
/// documents that differ only in key order print the same.
pub(crate) fn pretty_json(value: &Value) -> String {
    serde_json::to_string_pretty(&sorted(value)).unwrap_or_else(|_| sorted(value).to_string())
}

/// Returns a copy of the value whose objects list their keys in sorted order.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let sorted_map: Map<String, Value> = entries
                .into_iter()
                .map(|(key, value)| (key.clone(), sorted(value)))
                .collect();
            Value::Object(sorted_map)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Formats a timestamp the way events store it: UTC, whole seconds, `Z` suffix. Fractions
/// are cut so that every stored time has the same width and sorts as text.
pub(crate) fn event_time(timestamp: Timestamp) -> String {
    let rounding = TimestampRound::new()
        .smallest(Unit::Second)
        .mode(RoundMode::Trunc);
    timestamp.round(rounding).unwrap_or(timestamp).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::json;

    use super::*;

    #[test]
    fn canonical_json_sorts_nested_keys() {
        let value = json!({"b": {"y": 1, "x": [{"d": true, "c": null}]}, "a": "é"});

        assert_eq!(
            canonical_json(&value),
            r#"{"a":"é","b":{"x":[{"c":null,"d":true}],"y":1}}"#
        );
    }

    #[test]
    fn event_time_cuts_fractions() {
        let timestamp: Timestamp = "2024-05-01T12:00:00.987Z".parse().unwrap();

        assert_eq!(event_time(timestamp), "2024-05-01T12:00:00Z");
    }

    #[test]
    fn event_hash_matches_documented_encoding() {
        let fields = HashedFields {
            sequence: 1,
            prev_hash: GENESIS_HASH.as_bytes(),
            scan_id: 2,
            time: b"2024-05-01T12:00:00Z",
            kind: b"identity-created",
            provider: b"aws",
            scope: b"aws:111122223333",
            subject: b"aws:111122223333:role:deploy",
            detail: b"{}",
        };

        let mut encoded = Vec::new();
        for part in [
            "roster-audit-v1",
            "1",
            GENESIS_HASH,
            "2",
            "2024-05-01T12:00:00Z",
            "identity-created",
            "aws",
            "aws:111122223333",
            "aws:111122223333:role:deploy",
            "{}",
        ] {
            encoded.extend_from_slice(&(part.len() as u64).to_be_bytes());
            encoded.extend_from_slice(part.as_bytes());
        }
        let expected = to_hex(&Sha256::digest(&encoded));

        assert_eq!(event_hash(&fields), expected);
        assert_eq!(expected.len(), 64);
    }

    /// The example in `docs/audit.md`, computed there with an independent script.
    #[test]
    fn event_hash_known_answer() {
        let detail =
            r#"{"group":"aws:111122223333:group:deployers","identity":"aws:111122223333:user:ci"}"#;
        let fields = HashedFields {
            sequence: 1,
            prev_hash: GENESIS_HASH.as_bytes(),
            scan_id: 2,
            time: b"2024-05-01T12:00:00Z",
            kind: b"member-added",
            provider: b"aws",
            scope: b"aws:111122223333",
            subject: b"aws:111122223333:user:ci",
            detail: detail.as_bytes(),
        };

        assert_eq!(
            event_hash(&fields),
            "dde52dc91609bfc6f6fc130bbfc48ba8d672aacd12b53f70e6b64b87b9324290"
        );
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(to_hex(&[0x00, 0xab, 0x7f]), "00ab7f");
    }
}
