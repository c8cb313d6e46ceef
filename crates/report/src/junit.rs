//! The `junit` format: JUnit XML for CI test dashboards.
//!
//! Each rule is a test suite, and each identity is a test case in every suite: it fails when
//! the rule flagged it, is skipped when a roster suppression covers the finding, and passes
//! otherwise. Subjects that are not identities (groups) appear only in the suites of the
//! rules that flagged them. A rule that did not run, because it needs a roster and the run had
//! none, is a suite with one skipped case.
//!
//! NOTE: the number of test cases is identities times rules, so a large estate gives a large
//! file; CI dashboards that cap test counts may cut it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{self, Write};

use roster_model::{DriftClass, Finding, FindingStatus};

use crate::context::RuleDoc;
use crate::report::Report;

/// Writes the report as JUnit XML.
pub fn write_junit(report: &Report, rules: &[RuleDoc], out: &mut dyn Write) -> io::Result<()> {
    out.write_all(render(report, rules).as_bytes())
}

fn render(report: &Report, rules: &[RuleDoc]) -> String {
    let identities: BTreeSet<&str> = report
        .identities
        .iter()
        .filter(|identity| identity.drift != DriftClass::Missing)
        .map(|identity| identity.key.as_str())
        .collect();
    let mut by_rule: BTreeMap<&str, BTreeMap<&str, Vec<&Finding>>> = BTreeMap::new();
    for finding in &report.findings {
        by_rule
            .entry(finding.rule_id.as_str())
            .or_default()
            .entry(finding.subject.as_str())
            .or_default()
            .push(finding);
    }

    let mut suites = Vec::new();
    for rule in rules {
        let findings = by_rule.remove(rule.id.as_str()).unwrap_or_default();
        let ran = !rule.needs_roster || report.roster.is_some();
        suites.push(suite(rule, ran, &identities, &findings, report));
    }
    for (rule_id, findings) in by_rule {
        let Some(first) = findings.values().flatten().next() else {
            continue;
        };
        let rule = RuleDoc {
            id: rule_id.to_owned(),
            name: first.rule.clone(),
            severity: first.severity,
            owasp: String::new(),
            summary: String::new(),
            why: String::new(),
            fix: String::new(),
            needs_roster: false,
        };
        suites.push(suite(&rule, true, &BTreeSet::new(), &findings, report));
    }

    let totals = suites.iter().fold(Counts::default(), |sum, suite| Counts {
        tests: sum.tests + suite.counts.tests,
        failures: sum.failures + suite.counts.failures,
        skipped: sum.skipped + suite.counts.skipped,
    });
    let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        text,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" timestamp=\"{}\">",
        escape(&report.tool.name),
        totals.tests,
        totals.failures,
        totals.skipped,
        junit_timestamp(report)
    );
    for suite in suites {
        text.push_str(&suite.text);
    }
    text.push_str("</testsuites>\n");
    text
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    tests: usize,
    failures: usize,
    skipped: usize,
}

struct Suite {
    counts: Counts,
    text: String,
}

fn suite(
    rule: &RuleDoc,
    ran: bool,
    identities: &BTreeSet<&str>,
    findings: &BTreeMap<&str, Vec<&Finding>>,
    report: &Report,
) -> Suite {
    let mut counts = Counts::default();
    let mut cases = String::new();
    let class_name = format!("roster.{}", rule.name);

    if !ran {
        counts.tests = 1;
        counts.skipped = 1;
        let _ = writeln!(
            cases,
            "    <testcase classname=\"{}\" name=\"{}\">\n      <skipped message=\"the rule needs a roster and the run had none\"/>\n    </testcase>",
            escape(&class_name),
            escape(&rule.name)
        );
    } else {
        let subjects: BTreeSet<&str> = identities
            .iter()
            .copied()
            .chain(findings.keys().copied())
            .collect();
        for subject in subjects {
            let flagged = findings.get(subject).map_or(&[][..], Vec::as_slice);
            counts.tests += 1;
            cases.push_str(&case(&class_name, subject, flagged, &mut counts));
        }
    }

    let mut text = String::new();
    let _ = writeln!(
        text,
        "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" timestamp=\"{}\">",
        escape(&rule.id),
        escape(&rule.name),
        counts.tests,
        counts.failures,
        counts.skipped,
        junit_timestamp(report)
    );
    text.push_str(&cases);
    text.push_str("  </testsuite>\n");
    Suite { counts, text }
}

/// Writes one test case: failed when a finding counts, skipped when every finding is
/// suppressed, passed when the rule did not flag the subject.
fn case(class_name: &str, subject: &str, findings: &[&Finding], counts: &mut Counts) -> String {
    let open = format!(
        "    <testcase classname=\"{}\" name=\"{}\"",
        escape(class_name),
        escape(subject)
    );
    if findings.is_empty() {
        return format!("{open}/>\n");
    }

    let counted: Vec<&&Finding> = findings
        .iter()
        .filter(|finding| finding.status != FindingStatus::Suppressed)
        .collect();
    let mut text = format!("{open}>\n");
    if counted.is_empty() {
        counts.skipped += 1;
        let reason = findings
            .first()
            .and_then(|finding| finding.suppression.as_deref())
            .unwrap_or("suppressed in the roster");
        let _ = writeln!(
            text,
            "      <skipped message=\"suppressed: {}\"/>",
            escape(reason)
        );
    } else {
        counts.failures += 1;
        let messages: Vec<&str> = counted
            .iter()
            .map(|finding| finding.message.as_str())
            .collect();
        let body: Vec<String> = counted
            .iter()
            .flat_map(|finding| failure_lines(finding))
            .collect();
        let _ = writeln!(
            text,
            "      <failure type=\"{}\" message=\"{}\">{}</failure>",
            counted[0].severity,
            escape(&messages.join("; ")),
            escape(&body.join("\n"))
        );
    }
    text.push_str("    </testcase>\n");
    text
}

fn failure_lines(finding: &Finding) -> Vec<String> {
    let mut lines = vec![format!(
        "{} {} ({}): {}",
        finding.severity, finding.rule, finding.fingerprint, finding.message
    )];
    lines.extend(finding.evidence.iter().map(|line| format!("- {line}")));
    if finding.status == FindingStatus::SuppressionExpired {
        let suppression = finding.suppression.as_deref().unwrap_or_default();
        lines.push(format!("- the suppression expired: {suppression}"));
    }
    lines
}

/// Formats the run's `now` as JUnit's timestamp, an ISO 8601 date and time without zone.
fn junit_timestamp(report: &Report) -> String {
    report
        .generated_at
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// Escapes text for an XML attribute or element, and drops characters XML 1.0 forbids.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\n' => escaped.push_str("&#10;"),
            '\t' | '\r' => escaped.push(' '),
            character if (character as u32) < 0x20 => {}
            character => escaped.push(character),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::context::sample_rules;
    use crate::sample::{empty_report, sample_report};

    fn emit(report: &Report) -> String {
        let mut out = Vec::new();
        write_junit(report, &sample_rules(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn junit_sample_snapshot() {
        insta::assert_snapshot!(emit(&sample_report()));
    }

    #[test]
    fn junit_empty_report_has_no_failures() {
        let text = emit(&empty_report());

        assert!(text.contains("failures=\"0\""), "{text}");
    }

    #[test]
    fn junit_counts_match_cases() {
        let text = emit(&sample_report());
        let failures = text.matches("<failure ").count();
        let skipped = text.matches("<skipped ").count();

        assert!(
            text.contains(&format!(
                "failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\""
            )),
            "{text}"
        );
    }

    #[test]
    fn junit_escape_handles_markup_and_control_characters() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
