//! Dates of the estate, counted back from one fixed moment so that output never depends on
//! the clock.

/// The moment the estate is generated: 2026-06-01T00:00:00Z, in seconds since the epoch.
pub(crate) const GENERATED_AT: i64 = 1_780_272_000;

const DAY: i64 = 86_400;

/// Returns the time `days` days and `seconds` seconds before [`GENERATED_AT`], as the AWS CLI
/// prints it: `2026-05-31T23:52:31+00:00`.
pub(crate) fn before(days: u32, seconds: u32) -> String {
    let at = GENERATED_AT - i64::from(days) * DAY - i64::from(seconds % 86_400);
    format_utc(at)
}

/// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM:SS+00:00`.
pub(crate) fn format_utc(at: i64) -> String {
    let days = at.div_euclid(DAY);
    let second_of_day = at.rem_euclid(DAY);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// Converts days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_at_formats() {
        assert_eq!(format_utc(GENERATED_AT), "2026-06-01T00:00:00+00:00");
    }

    #[test]
    fn days_before_cross_months_and_leap_years() {
        assert_eq!(before(1, 0), "2026-05-31T00:00:00+00:00");
        assert_eq!(before(0, 8), "2026-05-31T23:59:52+00:00");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00+00:00");
        assert_eq!(format_utc(0), "1970-01-01T00:00:00+00:00");
    }
}
