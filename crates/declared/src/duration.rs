//! Parsing, printing and conversions of [`Duration`], the `90d` values of roster settings.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::types::Duration;

/// The maximum duration a roster may give, 100 years. Real thresholds are days or months, and
/// the cap keeps every conversion (to seconds included) far inside `i64`.
const MAX_HOURS: u64 = 100 * 366 * 24;

impl Duration {
    pub const fn from_hours(hours: u64) -> Self {
        Duration { hours }
    }

    pub const fn from_days(days: u64) -> Self {
        Duration { hours: days * 24 }
    }

    /// Returns the length in whole days, rounded down.
    pub const fn days(self) -> u64 {
        self.hours / 24
    }

    /// Converts to a `jiff` duration, for arithmetic with timestamps.
    pub fn to_signed_duration(self) -> jiff::SignedDuration {
        let hours = i64::try_from(self.hours.min(MAX_HOURS)).unwrap_or(i64::MAX);
        jiff::SignedDuration::from_hours(hours)
    }
}

impl From<Duration> for jiff::SignedDuration {
    fn from(duration: Duration) -> Self {
        duration.to_signed_duration()
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hours.is_multiple_of(24) {
            write!(f, "{}d", self.hours / 24)
        } else {
            write!(f, "{}h", self.hours)
        }
    }
}

impl TryFrom<String> for Duration {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl std::str::FromStr for Duration {
    type Err = String;

    /// Parses a number followed by `h` (hours), `d` (days) or `w` (weeks).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(digits_end);
        if number.is_empty() {
            return Err(format!(
                "invalid duration `{text}`: expected a whole number and a unit, for example `90d`"
            ));
        }

        let hours_per_unit = match unit {
            "h" => 1,
            "d" => 24,
            "w" => 24 * 7,
            "" => {
                return Err(format!(
                    "invalid duration `{text}`: the unit is missing; add `h`, `d` or `w`, for example `{text}d`"
                ));
            }
            _ => {
                return Err(format!(
                    "invalid duration `{text}`: the unit must be `h`, `d` or `w`, for example `90d`"
                ));
            }
        };

        let hours = number
            .parse::<u64>()
            .ok()
            .and_then(|count| count.checked_mul(hours_per_unit))
            .filter(|hours| *hours <= MAX_HOURS);
        let Some(hours) = hours else {
            return Err(format!(
                "invalid duration `{text}`: the longest duration allowed is 100 years"
            ));
        };
        Ok(Duration { hours })
    }
}

impl From<Duration> for String {
    fn from(duration: Duration) -> String {
        duration.to_string()
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A whole number followed by `h` (hours), `d` (days) or `w` (weeks), for example `90d`.",
            "type": "string",
            "pattern": "^[0-9]+[hdw]$"
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn duration_parses_each_unit() {
        assert_eq!("12h".parse::<Duration>(), Ok(Duration::from_hours(12)));
        assert_eq!("90d".parse::<Duration>(), Ok(Duration::from_days(90)));
        assert_eq!("2w".parse::<Duration>(), Ok(Duration::from_days(14)));
    }

    #[test]
    fn duration_without_unit_suggests_days() {
        assert_eq!(
            "90".parse::<Duration>(),
            Err(
                "invalid duration `90`: the unit is missing; add `h`, `d` or `w`, for example `90d`"
                    .to_owned()
            )
        );
    }

    #[test]
    fn duration_rejects_other_units_and_signs() {
        for text in ["90m", "1.5d", "-3d", "d", ""] {
            assert!(text.parse::<Duration>().is_err(), "{text}");
        }
    }

    #[test]
    fn duration_rejects_overflow() {
        assert_eq!(
            "99999999999999999999w".parse::<Duration>(),
            Err(
                "invalid duration `99999999999999999999w`: the longest duration allowed is 100 years"
                    .to_owned()
            )
        );
        assert!("36600d".parse::<Duration>().is_ok());
        assert!("36601d".parse::<Duration>().is_err());
    }

    #[test]
    fn duration_prints_days_when_whole() {
        assert_eq!(Duration::from_days(90).to_string(), "90d");
        assert_eq!(Duration::from_hours(36).to_string(), "36h");
        assert_eq!(String::from(Duration::from_days(14)), "14d");
    }

    #[test]
    fn duration_converts_to_signed_duration() {
        assert_eq!(
            Duration::from_days(2).to_signed_duration(),
            jiff::SignedDuration::from_hours(48)
        );
        assert_eq!(Duration::from_days(90).days(), 90);
    }
}
