//! The stored form of large JSON values (snapshots, findings): zlib-compressed JSON.
//!
//! Inventory JSON repeats the same keys and key prefixes on every entity, so zlib shrinks it
//! about twentyfold on the benchmark estate (see `docs/benchmarks.md`). A body that starts
//! with `{` or `[` is read as plain JSON, so uncompressed bodies stay readable.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StoreError;

/// Serializes `value` as compact JSON and compresses it.
pub(crate) fn encode(item: &'static str, value: &impl Serialize) -> Result<Vec<u8>, StoreError> {
    let json = serde_json::to_vec(value).map_err(|source| StoreError::Encode { item, source })?;

    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
    encoder
        .write_all(&json)
        .and_then(|()| encoder.finish())
        .map_err(|error| StoreError::Encode {
            item,
            source: serde_json::Error::io(error),
        })
}

/// Decodes a stored body of scan `scan`.
pub(crate) fn decode<T: DeserializeOwned>(
    item: &'static str,
    bytes: &[u8],
    scan: i64,
) -> Result<T, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt { item, scan, reason };

    if matches!(bytes.first(), Some(b'{' | b'[')) {
        return serde_json::from_slice(bytes).map_err(|error| corrupt(error.to_string()));
    }
    let mut json = Vec::new();
    ZlibDecoder::new(bytes)
        .read_to_end(&mut json)
        .map_err(|error| corrupt(format!("invalid compressed data: {error}")))?;
    serde_json::from_slice(&json).map_err(|error| corrupt(error.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn encoded_value_decodes_back() {
        let value = json!({"identities": ["a", "b"], "n": 2});

        let bytes = encode("a test value", &value).unwrap();
        let decoded: Value = decode("a test value", &bytes, 1).unwrap();

        assert_eq!(decoded, value);
        assert_ne!(bytes.first(), Some(&b'{'));
    }

    #[test]
    fn plain_json_body_is_read() {
        let decoded: Value = decode("a test value", br#"{"a":1}"#, 1).unwrap();

        assert_eq!(decoded, json!({"a": 1}));
    }

    #[test]
    fn garbage_body_is_reported_as_corrupt() {
        let error = decode::<Value>("snapshot", b"\x00\x01", 7).unwrap_err();

        assert!(
            error
                .to_string()
                .starts_with("stored snapshot of scan 7 is unreadable: invalid compressed data")
        );
    }
}
