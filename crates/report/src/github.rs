//! GitHub Actions annotations: the top findings as `::error`, `::warning` and `::notice`
//! workflow commands, each on the roster line that [`Locations`] gives.
//!
//! GitHub shows at most 10 error and 10 warning annotations per step and 50 per job, and
//! drops the rest without a word. The writer keeps to [`AnnotationLimits`], picks the most
//! severe findings first, and ends with one notice that counts what it left out.

use std::io::{self, Write};

use roster_model::{Finding, Severity};

use crate::context::Locations;
use crate::report::Report;

/// How many annotations of each level to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnnotationLimits {
    pub errors: usize,
    pub warnings: usize,
    pub notices: usize,
}

impl Default for AnnotationLimits {
    /// GitHub's per-step caps, with one notice kept for the count of what was left out.
    fn default() -> Self {
        AnnotationLimits {
            errors: 10,
            warnings: 10,
            notices: 9,
        }
    }
}

/// Writes one workflow command per finding that counts, most severe first, within `limits`.
/// Returns how many findings were left out.
pub fn write_github_annotations(
    report: &Report,
    locations: &Locations,
    limits: AnnotationLimits,
    out: &mut dyn Write,
) -> io::Result<usize> {
    let mut written = AnnotationLimits {
        errors: 0,
        warnings: 0,
        notices: 0,
    };
    let mut left_out = 0;

    for finding in report.counted_findings() {
        let (command, used, limit) = match level(finding.severity) {
            Level::Error => ("error", &mut written.errors, limits.errors),
            Level::Warning => ("warning", &mut written.warnings, limits.warnings),
            Level::Notice => ("notice", &mut written.notices, limits.notices),
        };
        if *used >= limit {
            left_out += 1;
            continue;
        }
        *used += 1;
        writeln!(out, "{}", annotation(command, finding, locations))?;
    }

    if left_out > 0 {
        writeln!(
            out,
            "::notice title=Roster::{}",
            escape_data(&format!(
                "{left_out} more findings are not annotated because GitHub shows only a few annotations per step; see the step summary or the report"
            ))
        )?;
    }
    Ok(left_out)
}

enum Level {
    Error,
    Warning,
    Notice,
}

fn level(severity: Severity) -> Level {
    match severity {
        Severity::Critical | Severity::High => Level::Error,
        Severity::Medium => Level::Warning,
        Severity::Low | Severity::Info => Level::Notice,
    }
}

fn annotation(command: &str, finding: &Finding, locations: &Locations) -> String {
    let location = locations.of(finding);
    let title = format!(
        "{} {} ({})",
        finding.rule_id, finding.rule, finding.severity
    );
    let message = format!("{}: {}", finding.subject, finding.message);
    format!(
        "::{command} file={},line={},col={},title={}::{}",
        escape_property(&location.uri_path()),
        location.line,
        location.column,
        escape_property(&title),
        escape_data(&message)
    )
}

/// Escapes a command's message: `%`, carriage return and line feed.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as a message, plus `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::context::SourceLocation;
    use crate::sample::sample_report;

    fn emit(limits: AnnotationLimits) -> (String, usize) {
        let locations = Locations::new(SourceLocation::new("roster.yaml", 3, 5));
        let mut out = Vec::new();
        let left_out =
            write_github_annotations(&sample_report(), &locations, limits, &mut out).unwrap();
        (String::from_utf8(out).unwrap(), left_out)
    }

    #[test]
    fn github_annotations_snapshot() {
        insta::assert_snapshot!(emit(AnnotationLimits::default()).0);
    }

    #[test]
    fn github_annotations_respect_limits_and_count_the_rest() {
        let (text, left_out) = emit(AnnotationLimits {
            errors: 1,
            warnings: 0,
            notices: 0,
        });

        assert_eq!(text.matches("::error ").count(), 1, "{text}");
        assert_eq!(text.matches("::warning ").count(), 0, "{text}");
        assert!(left_out > 0);
        assert!(
            text.contains(&format!("{left_out} more findings")),
            "{text}"
        );
    }

    #[test]
    fn github_escapes_properties_and_data() {
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(escape_data("a:b\nc"), "a:b%0Ac");
    }
}
