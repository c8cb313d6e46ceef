//! The `markdown` format: a summary for `$GITHUB_STEP_SUMMARY` and pull-request comments.
//!
//! The page contains a summary table, the findings that are new or resolved since a previous
//! report (matched by fingerprint), the coverage that is not complete, and the findings by
//! severity. It stays under a byte budget: past it, finding rows are left out and the page
//! says how many.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};

use roster_model::{DriftClass, Finding, FindingStatus, Severity};

use crate::report::{Report, is_counted};

/// GitHub's limit for one step's summary: 1 MiB.
pub const MAX_STEP_SUMMARY_BYTES: usize = 1024 * 1024;

/// Options of [`write_markdown`].
#[derive(Debug, Clone, Copy)]
pub struct MarkdownOptions<'a> {
    /// The report to compare with: its findings that are gone are resolved, and findings it
    /// lacks are new.
    pub previous: Option<&'a Report>,
    /// The page stays strictly below this many bytes.
    pub max_bytes: usize,
}

impl Default for MarkdownOptions<'_> {
    fn default() -> Self {
        MarkdownOptions {
            previous: None,
            max_bytes: MAX_STEP_SUMMARY_BYTES,
        }
    }
}

/// The bytes kept free for the note on what was left out.
const TRIM_NOTE_RESERVE: usize = 512;

/// Writes the report as GitHub-flavoured Markdown.
pub fn write_markdown(
    report: &Report,
    options: MarkdownOptions<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all(render(report, options).as_bytes())
}

/// Renders the page as text, trimmed below `options.max_bytes`.
fn render(report: &Report, options: MarkdownOptions<'_>) -> String {
    let budget = options.max_bytes.saturating_sub(TRIM_NOTE_RESERVE);
    let mut page = Page {
        text: String::new(),
        budget,
        left_out: 0,
    };

    page.push(&headline(report));
    page.push(&summary_table(report));
    if let Some(previous) = options.previous {
        changes(&mut page, report, previous);
    }
    unverified(&mut page, report);
    warnings(&mut page, report);
    details(&mut page, report);

    if page.left_out > 0 {
        let noun = if page.left_out == 1 { "line" } else { "lines" };
        let _ = write!(
            page.text,
            "\n_{} {noun} left out to keep this summary under {} bytes; the JSON report lists every finding._\n",
            page.left_out, options.max_bytes
        );
    }
    page.text
}

/// The text so far, and what did not fit.
struct Page {
    text: String,
    budget: usize,
    left_out: usize,
}

impl Page {
    /// Appends `block` when it fits the budget, and counts its lines as left out when not.
    fn push(&mut self, block: &str) -> bool {
        if self.text.len() + block.len() < self.budget {
            self.text.push_str(block);
            return true;
        }
        self.left_out += block.lines().filter(|line| !line.is_empty()).count();
        false
    }

    /// Appends a table row by row, stopping at the first row that does not fit.
    fn push_rows(&mut self, header: &str, rows: &[String]) {
        if !self.push(header) {
            self.left_out += rows.len();
            return;
        }
        for (position, row) in rows.iter().enumerate() {
            if !self.push(row) {
                self.left_out += rows.len() - position - 1;
                return;
            }
        }
    }
}

fn headline(report: &Report) -> String {
    let counts = &report.summary.findings;
    let total = counts.total();
    let mut text = if total == 0 {
        "## Roster: no findings\n\n".to_owned()
    } else {
        let by_severity: Vec<String> = Severity::ALL
            .into_iter()
            .filter(|severity| counts.get(*severity) > 0)
            .map(|severity| format!("{} {severity}", counts.get(severity)))
            .collect();
        format!(
            "## Roster: {total} {} ({})\n\n",
            plural(total, "finding", "findings"),
            by_severity.join(", ")
        )
    };

    let roster = match &report.roster {
        Some(roster) => format!("roster {}", code_list(&roster.files)),
        None => "no roster".to_owned(),
    };
    let coverage = if report.summary.complete {
        "coverage complete".to_owned()
    } else {
        format!(
            "coverage incomplete ({} unverified)",
            report.unverified.len()
        )
    };
    let _ = writeln!(
        text,
        "{} {} at {}, {roster}, {} {}, {coverage}.\n",
        report.tool.name,
        report.tool.version,
        report.generated_at,
        report.summary.identities,
        plural(report.summary.identities, "identity", "identities"),
    );
    text
}

fn summary_table(report: &Report) -> String {
    let summary = &report.summary;
    let mut text = "| severity | findings |\n|---|---:|\n".to_owned();
    for severity in Severity::ALL {
        let _ = writeln!(text, "| {severity} | {} |", summary.findings.get(severity));
    }
    let _ = writeln!(text, "| suppressed | {} |", summary.suppressed);

    text.push_str("\n| drift | identities |\n|---|---:|\n");
    for class in DriftClass::ALL {
        let _ = writeln!(text, "| {class} | {} |", summary.drift.get(class));
    }
    text.push('\n');
    text
}

fn changes(page: &mut Page, report: &Report, previous: &Report) {
    let before: BTreeSet<&str> = counted_fingerprints(previous);
    let now: BTreeSet<&str> = counted_fingerprints(report);

    let new: Vec<&Finding> = report
        .counted_findings()
        .filter(|finding| !before.contains(finding.fingerprint.as_str()))
        .collect();
    let resolved: Vec<&Finding> = previous
        .counted_findings()
        .filter(|finding| !now.contains(finding.fingerprint.as_str()))
        .collect();

    page.push(&format!(
        "### Since the previous report ({})\n\n{} new, {} resolved.\n\n",
        previous.generated_at,
        new.len(),
        resolved.len()
    ));
    if !new.is_empty() {
        let rows: Vec<String> = new.iter().map(|finding| finding_row(finding)).collect();
        page.push_rows(
            &format!("#### New ({})\n\n{FINDING_HEADER}", new.len()),
            &rows,
        );
        page.push("\n");
    }
    if !resolved.is_empty() {
        let rows: Vec<String> = resolved
            .iter()
            .map(|finding| finding_row(finding))
            .collect();
        page.push_rows(
            &format!("#### Resolved ({})\n\n{FINDING_HEADER}", resolved.len()),
            &rows,
        );
        page.push("\n");
    }
}

fn counted_fingerprints(report: &Report) -> BTreeSet<&str> {
    report
        .counted_findings()
        .map(|finding| finding.fingerprint.as_str())
        .collect()
}

fn unverified(page: &mut Page, report: &Report) {
    if report.unverified.is_empty() {
        return;
    }
    let rows: Vec<String> = report
        .unverified
        .iter()
        .map(|entry| {
            format!(
                "| `{}` | {} | {} | {} |\n",
                cell(entry.scope.as_str()),
                entry.kind,
                cell(&entry.reason),
                cell(&entry.fix)
            )
        })
        .collect();
    page.push_rows(
        &format!(
            "### Unverified coverage ({})\n\nFindings that depend on these parts were not checked.\n\n| scope | kind | reason | fix |\n|---|---|---|---|\n",
            rows.len()
        ),
        &rows,
    );
    page.push("\n");
}

fn warnings(page: &mut Page, report: &Report) {
    if report.warnings.is_empty() {
        return;
    }
    let rows: Vec<String> = report
        .warnings
        .iter()
        .map(|warning| format!("- {}\n", single_line(warning)))
        .collect();
    page.push_rows(&format!("### Warnings ({})\n\n", rows.len()), &rows);
    page.push("\n");
}

const FINDING_HEADER: &str =
    "| severity | rule | subject | environment | message |\n|---|---|---|---|---|\n";

fn details(page: &mut Page, report: &Report) {
    page.push("### Findings\n\n");
    if report.findings.is_empty() {
        page.push("None.\n");
        return;
    }

    for severity in Severity::ALL {
        let rows: Vec<String> = report
            .findings
            .iter()
            .filter(|finding| finding.severity == severity && is_counted(finding))
            .map(finding_row)
            .collect();
        if rows.is_empty() {
            continue;
        }
        page.push_rows(
            &format!(
                "#### {} ({})\n\n{FINDING_HEADER}",
                capitalized(severity.as_str()),
                rows.len()
            ),
            &rows,
        );
        page.push("\n");
    }

    let suppressed: Vec<String> = report
        .findings
        .iter()
        .filter(|finding| finding.status == FindingStatus::Suppressed)
        .map(finding_row)
        .collect();
    if !suppressed.is_empty() {
        page.push_rows(
            &format!(
                "<details><summary>Suppressed ({})</summary>\n\n{FINDING_HEADER}",
                suppressed.len()
            ),
            &suppressed,
        );
        page.push("\n</details>\n");
    }
}

fn finding_row(finding: &Finding) -> String {
    let mut message = cell(&finding.message);
    match finding.status {
        FindingStatus::Open => {}
        FindingStatus::Suppressed => message.push_str(" (suppressed)"),
        FindingStatus::SuppressionExpired => message.push_str(" (suppression expired)"),
    }
    format!(
        "| {} | `{}` | `{}` | {} | {message} |\n",
        finding.severity,
        finding.rule,
        cell(&finding.subject),
        finding
            .environment
            .as_deref()
            .map_or_else(|| "-".to_owned(), cell),
    )
}

/// Escapes text for a table cell: pipes are escaped, and line breaks become spaces.
fn cell(text: &str) -> String {
    single_line(text).replace('|', "\\|")
}

fn single_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn plural<'a>(count: u64, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::sample::{empty_report, sample_report};

    fn emit(report: &Report, options: MarkdownOptions<'_>) -> String {
        let mut out = Vec::new();
        write_markdown(report, options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn markdown_sample_snapshot() {
        insta::assert_snapshot!(emit(&sample_report(), MarkdownOptions::default()));
    }

    #[test]
    fn markdown_empty_snapshot() {
        insta::assert_snapshot!(emit(&empty_report(), MarkdownOptions::default()));
    }

    #[test]
    fn markdown_lists_new_and_resolved_findings() {
        let current = sample_report();
        let mut previous = sample_report();
        let gone = previous.findings.iter().position(is_counted).unwrap();
        let new_subject = previous.findings[gone].subject.clone();
        previous.findings[gone].fingerprint = "resolved-fingerprint".to_owned();
        previous.findings[gone].subject = "aws:111122223333:role:retired".to_owned();

        let text = emit(
            &current,
            MarkdownOptions {
                previous: Some(&previous),
                ..MarkdownOptions::default()
            },
        );

        assert!(text.contains("1 new, 1 resolved."), "{text}");
        let new_section = text.split("#### New (1)").nth(1).unwrap();
        assert!(new_section.contains(&new_subject), "{text}");
        let resolved_section = text.split("#### Resolved (1)").nth(1).unwrap();
        assert!(
            resolved_section.contains("aws:111122223333:role:retired"),
            "{text}"
        );
    }

    #[test]
    fn markdown_trims_below_budget() {
        let report = sample_report();
        let full = emit(&report, MarkdownOptions::default());
        let max_bytes = full.len() - 200 + TRIM_NOTE_RESERVE;

        let trimmed = emit(
            &report,
            MarkdownOptions {
                previous: None,
                max_bytes,
            },
        );

        assert!(trimmed.len() < max_bytes, "{} bytes", trimmed.len());
        assert!(
            trimmed.contains("left out to keep this summary under"),
            "{trimmed}"
        );
    }

    #[test]
    fn markdown_cells_escape_pipes_and_line_breaks() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
