//! The `table` format: a readable report for a terminal or a CI log.

use std::collections::BTreeMap;
use std::io::{self, Write};

use comfy_table::presets::{UTF8_FULL, UTF8_FULL_CONDENSED};
use comfy_table::{
    Attribute, Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table,
    TableStyle as Borders,
};
use roster_model::{DriftClass, Finding, FindingStatus, NoteKind, Severity};

use crate::report::{Report, SeverityCounts, Unverified, is_counted};

/// Layout options for [`write_table`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableStyle {
    /// Colors severities and headers with ANSI codes. When false, the output has none.
    pub color: bool,
    /// Wraps tables to this many columns. `None` leaves cells unwrapped.
    pub width: Option<u16>,
    /// Lists suppressed findings too, which are otherwise only counted.
    pub show_suppressed: bool,
}

/// Writes the report as text: the run, the findings by severity, counts per rule, the coverage
/// that is not complete, then warnings, stale suppressions and notes.
pub fn write_table(report: &Report, out: &mut dyn Write, style: TableStyle) -> io::Result<()> {
    write_overview(report, out)?;

    writeln!(out)?;
    write_findings(report, out, style)?;

    if !report.findings.is_empty() {
        writeln!(out)?;
        write_rule_counts(report, out, style)?;
    }

    writeln!(out)?;
    write_coverage(report, out, style)?;

    write_warnings(report, out)?;
    write_stale_suppressions(report, out)?;
    write_notes(report, out)
}

fn write_overview(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} {} report, generated at {}",
        report.tool.name, report.tool.version, report.generated_at
    )?;

    match &report.roster {
        Some(roster) => writeln!(
            out,
            "Roster: {} (digest {})",
            roster.files.join(", "),
            roster.digest
        )?,
        None => writeln!(out, "Roster: none given")?,
    }
    if !report.sources.is_empty() {
        writeln!(out, "Sources: {}", report.sources.join(", "))?;
    }

    let summary = &report.summary;
    let by_kind: Vec<String> = summary
        .identities_by_kind
        .iter()
        .map(|(kind, count)| format!("{kind} {count}"))
        .collect();
    if by_kind.is_empty() {
        writeln!(out, "Identities: {} found", summary.identities)?;
    } else {
        writeln!(
            out,
            "Identities: {} found ({})",
            summary.identities,
            by_kind.join(", ")
        )?;
    }

    let drift: Vec<String> = DriftClass::ALL
        .into_iter()
        .map(|class| format!("{} {class}", summary.drift.get(class)))
        .collect();
    writeln!(out, "Drift: {}", drift.join(", "))
}

fn write_findings(report: &Report, out: &mut dyn Write, style: TableStyle) -> io::Result<()> {
    let counts = &report.summary.findings;
    let suppressed = report.summary.suppressed;
    let listed: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|finding| style.show_suppressed || is_counted(finding))
        .collect();

    writeln!(out, "{}", findings_headline(counts, suppressed, style))?;
    if !report.unverified.is_empty() {
        writeln!(
            out,
            "Findings that depend on the {} unverified coverage entries below were not checked.",
            report.unverified.len()
        )?;
    }
    if listed.is_empty() {
        return Ok(());
    }

    let mut table = new_table(style, UTF8_FULL);
    table.set_header(header_cells(
        &["severity", "rule", "subject", "environment", "message"],
        style,
    ));
    for finding in listed {
        table.add_row(vec![
            severity_cell(finding.severity, style),
            Cell::new(&finding.rule),
            Cell::new(&finding.subject),
            Cell::new(finding.environment.as_deref().unwrap_or("-")),
            Cell::new(message_text(finding)),
        ]);
    }
    for short_column in [0, 1, 3] {
        if let Some(column) = table.column_mut(short_column) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    writeln!(out, "{table}")
}

/// Formats the line above the findings: the counted findings per severity and the number
/// of suppressed ones.
fn findings_headline(counts: &SeverityCounts, suppressed: u64, style: TableStyle) -> String {
    let total = counts.total();
    let mut headline = if total == 0 {
        "No findings".to_owned()
    } else {
        let by_severity: Vec<String> = Severity::ALL
            .into_iter()
            .filter(|severity| counts.get(*severity) > 0)
            .map(|severity| format!("{} {severity}", counts.get(severity)))
            .collect();
        format!("Findings: {total} ({})", by_severity.join(", "))
    };

    if suppressed > 0 {
        let noun = if suppressed == 1 {
            "finding"
        } else {
            "findings"
        };
        if style.show_suppressed {
            headline.push_str(&format!("; {suppressed} suppressed {noun}, listed below"));
        } else {
            headline.push_str(&format!(
                "; {suppressed} suppressed {noun} not listed (--show-suppressed lists them)"
            ));
        }
    }
    headline.push('.');
    headline
}

/// Joins the message, the suppression state and the evidence, one line each. Evidence lines
/// start with `- `.
fn message_text(finding: &Finding) -> String {
    let mut lines = vec![finding.message.clone()];

    let suppression = finding
        .suppression
        .as_deref()
        .unwrap_or("no reason recorded");
    match finding.status {
        FindingStatus::Open => {}
        FindingStatus::Suppressed => lines.push(format!("suppressed: {suppression}")),
        FindingStatus::SuppressionExpired => {
            lines.push(format!("suppression expired: {suppression}"));
        }
    }

    lines.extend(finding.evidence.iter().map(|fact| format!("- {fact}")));
    lines.join("\n")
}

/// Writes one row per rule with its counted findings per severity and its suppressed ones.
fn write_rule_counts(report: &Report, out: &mut dyn Write, style: TableStyle) -> io::Result<()> {
    let mut by_rule: BTreeMap<&str, (SeverityCounts, u64)> = BTreeMap::new();
    let mut totals = (SeverityCounts::default(), 0);
    for finding in &report.findings {
        let (counts, suppressed) = by_rule.entry(&finding.rule).or_default();
        if is_counted(finding) {
            counts.add(finding.severity);
            totals.0.add(finding.severity);
        } else {
            *suppressed += 1;
            totals.1 += 1;
        }
    }

    writeln!(out, "Findings per rule:")?;
    let mut table = new_table(style, UTF8_FULL_CONDENSED);
    let mut header = vec!["rule"];
    header.extend(Severity::ALL.map(Severity::as_str));
    header.push("suppressed");
    table.set_header(header_cells(&header, style));
    for (rule, (counts, suppressed)) in &by_rule {
        table.add_row(count_row(rule, counts, *suppressed));
    }
    table.add_row(count_row("total", &totals.0, totals.1));
    for index in 1..header.len() {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{table}")
}

fn count_row(label: &str, counts: &SeverityCounts, suppressed: u64) -> Vec<String> {
    let mut row = vec![label.to_owned()];
    row.extend(Severity::ALL.map(|severity| counts.get(severity).to_string()));
    row.push(suppressed.to_string());
    row
}

fn write_coverage(report: &Report, out: &mut dyn Write, style: TableStyle) -> io::Result<()> {
    let total = report.coverage.len();
    let unverified = report.unverified.len();
    let complete = total - unverified.min(total);

    if total == 0 {
        return writeln!(out, "Coverage: the run reported no coverage entries.");
    }
    if unverified == 0 {
        return writeln!(out, "Coverage: all {total} entries complete.");
    }

    writeln!(
        out,
        "Coverage: {complete} of {total} entries complete, {unverified} unverified. \
         No missing, undeclared, unused or orphan finding is derived from an unverified part."
    )?;
    let mut table = new_table(style, UTF8_FULL);
    table.set_header(header_cells(
        &["provider", "scope", "part", "reason and fix"],
        style,
    ));
    for entry in &report.unverified {
        table.add_row(vec![
            entry.provider.to_string(),
            entry.scope.to_string(),
            part_label(entry),
            format!("{}\nfix: {}", entry.reason, entry.fix),
        ]);
    }
    writeln!(out, "{table}")
}

/// Names the collected part, narrowed to an identity kind when the entry is.
fn part_label(entry: &Unverified) -> String {
    match entry.identity_kind {
        Some(kind) => format!("{} ({kind})", entry.kind),
        None => entry.kind.to_string(),
    }
}

fn write_warnings(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.warnings.is_empty() {
        return Ok(());
    }

    writeln!(out)?;
    writeln!(out, "Warnings:")?;
    for warning in &report.warnings {
        writeln!(out, "  - {warning}")?;
    }
    Ok(())
}

fn write_stale_suppressions(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.stale_suppressions.is_empty() {
        return Ok(());
    }

    writeln!(out)?;
    writeln!(out, "Stale suppressions (they match no finding):")?;
    for stale in &report.stale_suppressions {
        writeln!(
            out,
            "  - rule `{}`, target `{}`, owner {}, expires {}: {}",
            stale.rule, stale.target, stale.owner, stale.expires, stale.reason
        )?;
    }
    Ok(())
}

fn write_notes(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.notes.is_empty() {
        return Ok(());
    }

    writeln!(out)?;
    writeln!(out, "Notes:")?;
    for note in &report.notes {
        let kind = note_kind_label(note.kind);
        match &note.subject {
            Some(subject) => writeln!(
                out,
                "  - {} {kind} `{subject}`: {}",
                note.scope, note.message
            )?,
            None => writeln!(out, "  - {} {kind}: {}", note.scope, note.message)?,
        }
    }
    Ok(())
}

/// Returns the JSON name of a note kind.
fn note_kind_label(kind: NoteKind) -> &'static str {
    match kind {
        NoteKind::MissingPolicy => "missing-policy",
        NoteKind::LossyInput => "lossy-input",
        NoteKind::Skipped => "skipped",
        NoteKind::UnresolvedReference => "unresolved-reference",
    }
}

/// Creates a table that never inspects the terminal, so width and color come from `style`
/// only.
fn new_table(style: TableStyle, borders: Borders) -> Table {
    let mut table = Table::new();
    table.load_style(borders).force_no_tty();
    if style.color {
        table.enforce_styling();
    }

    match style.width {
        Some(width) => {
            table
                .set_width(width)
                .set_content_arrangement(ContentArrangement::Dynamic);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table
}

fn header_cells(names: &[&str], style: TableStyle) -> Vec<Cell> {
    names
        .iter()
        .map(|name| {
            let cell = Cell::new(name);
            if style.color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        })
        .collect()
}

fn severity_cell(severity: Severity, style: TableStyle) -> Cell {
    let cell = Cell::new(severity.as_str());
    if !style.color {
        return cell;
    }

    match severity {
        Severity::Critical => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Severity::High => cell.fg(Color::Red),
        Severity::Medium => cell.fg(Color::Yellow),
        Severity::Low => cell.fg(Color::Cyan),
        Severity::Info => cell.add_attribute(Attribute::Dim),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::sample::{empty_report, sample_report};

    const PLAIN: TableStyle = TableStyle {
        color: false,
        width: Some(120),
        show_suppressed: false,
    };

    fn emit(report: &Report, style: TableStyle) -> String {
        let mut out = Vec::new();
        write_table(report, &mut out, style).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table_sample_snapshot() {
        insta::assert_snapshot!(emit(&sample_report(), PLAIN));
    }

    #[test]
    fn table_sample_with_suppressed_snapshot() {
        let style = TableStyle {
            show_suppressed: true,
            ..PLAIN
        };

        insta::assert_snapshot!(emit(&sample_report(), style));
    }

    #[test]
    fn table_empty_snapshot() {
        insta::assert_snapshot!(emit(&empty_report(), PLAIN));
    }

    #[test]
    fn table_without_color_has_no_escape_codes() {
        let text = emit(&sample_report(), PLAIN);

        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn table_with_color_marks_severities() {
        let style = TableStyle {
            color: true,
            ..PLAIN
        };

        let text = emit(&sample_report(), style);

        assert!(text.contains('\u{1b}'));
    }

    #[test]
    fn table_hides_suppressed_findings_by_default() {
        let text = emit(&sample_report(), PLAIN);

        assert!(!text.contains("non-human identity has a console password"));
        assert!(text.contains("2 suppressed findings not listed (--show-suppressed lists them)"));
    }

    #[test]
    fn table_lists_suppressed_findings_on_request() {
        let style = TableStyle {
            width: None,
            show_suppressed: true,
            ..PLAIN
        };

        let text = emit(&sample_report(), style);

        assert!(text.contains("non-human identity has a console password"));
        assert!(text.contains("suppressed: team-data until 2025-12-31"));
    }

    #[test]
    fn table_respects_width() {
        let text = emit(&sample_report(), PLAIN);

        for line in text
            .lines()
            .filter(|line| line.starts_with(['┌', '│', '├', '└', '╞']))
        {
            assert!(line.chars().count() <= 120, "line too wide: {line}");
        }
    }

    #[test]
    fn table_is_identical_across_emits() {
        assert_eq!(emit(&sample_report(), PLAIN), emit(&sample_report(), PLAIN));
    }

    #[test]
    fn note_kind_label_matches_serde() {
        for kind in [
            NoteKind::MissingPolicy,
            NoteKind::LossyInput,
            NoteKind::Skipped,
            NoteKind::UnresolvedReference,
        ] {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json.as_str(), Some(note_kind_label(kind)));
        }
    }

    #[test]
    fn table_empty_report_says_no_findings() {
        let text = emit(&empty_report(), PLAIN);

        assert!(text.contains("No findings."));
        assert!(text.contains("Coverage: all 2 entries complete."));
    }
}
