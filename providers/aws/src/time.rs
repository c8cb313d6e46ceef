//! Timestamps as the AWS CLI prints them.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};

/// Parses an RFC 3339 timestamp with an offset or `Z`, with or without a fraction of a
/// second, and with `T` or a space between date and time: the AWS CLI prints
/// `2019-12-18T19:10:08+00:00`, older exports `2019-12-18 19:10:08+00:00`.
pub(crate) fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    text.trim().parse::<Timestamp>().map_err(|error| {
        format!(
            "invalid timestamp `{text}` ({error}): expected a date, time and offset such as `2019-12-18T19:10:08+00:00`"
        )
    })
}

/// Deserializes an optional timestamp, so that a bad value is reported at its line and
/// column. `null` and an absent field are `None`.
pub(crate) fn deserialize_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Timestamp>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    parse_timestamp(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn timestamp_forms_the_cli_prints() {
        let expected: Timestamp = "2019-12-18T19:10:08Z".parse().unwrap();
        for text in [
            "2019-12-18T19:10:08+00:00",
            "2019-12-18 19:10:08+00:00",
            "2019-12-18T19:10:08Z",
            "2019-12-18T21:10:08+02:00",
        ] {
            assert_eq!(parse_timestamp(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn timestamp_with_fraction() {
        let parsed = parse_timestamp("2019-12-18T19:10:08.250Z").unwrap();
        assert_eq!(parsed.subsec_nanosecond(), 250_000_000);
    }

    #[test]
    fn timestamp_without_offset_is_rejected() {
        let error = parse_timestamp("2019-12-18T19:10:08").unwrap_err();
        assert!(error.contains("`2019-12-18T19:10:08`"), "{error}");
    }
}
