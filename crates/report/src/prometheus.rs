//! The `prometheus` format: the report's counts in the Prometheus text exposition format,
//! for a node exporter's textfile collector or a push gateway.
//!
//! Every series is a gauge without a timestamp, because the scrape time is what a
//! dashboard plots. Labels are rules, severities, providers, environments, identity kinds,
//! scopes and coverage kinds: never identity names, so the number of series stays bounded
//! by the estate's shape rather than its size.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::Duration;

use roster_model::{DriftClass, FindingStatus, Severity};

use crate::report::{Report, is_counted};

/// Options of [`write_prometheus`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PrometheusOptions {
    /// How long the scan took. It stays out of the report so that equal scans give equal
    /// JSON, and comes from the caller; `None` leaves the series out.
    pub scan_duration: Option<Duration>,
}

/// Writes the report's metrics in the text exposition format (version 0.0.4).
pub fn write_prometheus(
    report: &Report,
    options: PrometheusOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all(render(report, options).as_bytes())
}

fn render(report: &Report, options: PrometheusOptions) -> String {
    let mut text = String::new();

    findings(&mut text, report);
    suppressed(&mut text, report);
    identities(&mut text, report);
    drift(&mut text, report);
    coverage(&mut text, report);

    family(
        &mut text,
        "roster_scan_complete",
        "1 when every coverage entry of the scan is complete, else 0.",
    );
    sample(
        &mut text,
        "roster_scan_complete",
        &[],
        u64::from(report.summary.complete),
    );
    family(
        &mut text,
        "roster_scan_timestamp_seconds",
        "The instant the scan computed ages and expiries against, in Unix seconds.",
    );
    sample(
        &mut text,
        "roster_scan_timestamp_seconds",
        &[],
        report.generated_at.as_second(),
    );
    if let Some(duration) = options.scan_duration {
        family(
            &mut text,
            "roster_scan_duration_seconds",
            "How long the scan took, in seconds.",
        );
        let _ = writeln!(
            text,
            "roster_scan_duration_seconds {:.3}",
            duration.as_secs_f64()
        );
    }
    text
}

/// Counts the findings that count (open or with an expired suppression) per rule,
/// severity, provider and environment.
fn findings(text: &mut String, report: &Report) {
    let mut counts: BTreeMap<(&str, Severity, &str, &str), u64> = BTreeMap::new();
    for finding in report.findings.iter().filter(|finding| is_counted(finding)) {
        let provider = finding.provider.map_or("", |provider| provider.as_str());
        let environment = finding.environment.as_deref().unwrap_or("");
        *counts
            .entry((&finding.rule, finding.severity, provider, environment))
            .or_default() += 1;
    }

    family(
        text,
        "roster_findings",
        "Findings that count (open or with an expired suppression), by rule, severity, provider and environment.",
    );
    for ((rule, severity, provider, environment), count) in counts {
        sample(
            text,
            "roster_findings",
            &[
                ("environment", environment),
                ("provider", provider),
                ("rule", rule),
                ("severity", severity.as_str()),
            ],
            count,
        );
    }

    family(
        text,
        "roster_findings_by_severity",
        "Findings that count, by severity; every severity is listed.",
    );
    for severity in Severity::ALL {
        sample(
            text,
            "roster_findings_by_severity",
            &[("severity", severity.as_str())],
            report.summary.findings.get(severity),
        );
    }
}

fn suppressed(text: &mut String, report: &Report) {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for finding in &report.findings {
        if finding.status == FindingStatus::Suppressed {
            *counts.entry(&finding.rule).or_default() += 1;
        }
    }

    family(
        text,
        "roster_findings_suppressed",
        "Findings that a roster suppression covers, by rule.",
    );
    for (rule, count) in counts {
        sample(text, "roster_findings_suppressed", &[("rule", rule)], count);
    }
}

fn identities(text: &mut String, report: &Report) {
    let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for identity in &report.identities {
        if identity.drift == DriftClass::Missing {
            continue;
        }
        *counts
            .entry((identity.provider.as_str(), identity.kind.as_str()))
            .or_default() += 1;
    }

    family(
        text,
        "roster_identities",
        "Identities the scan found, by provider and kind.",
    );
    for ((provider, kind), count) in counts {
        sample(
            text,
            "roster_identities",
            &[("kind", kind), ("provider", provider)],
            count,
        );
    }
}

fn drift(text: &mut String, report: &Report) {
    family(
        text,
        "roster_identities_by_drift",
        "Identities by drift class: matched, undeclared, missing, drifted or unverified.",
    );
    for class in DriftClass::ALL {
        sample(
            text,
            "roster_identities_by_drift",
            &[("drift", class.as_str())],
            report.summary.drift.get(class),
        );
    }
}

fn coverage(text: &mut String, report: &Report) {
    let mut counts: BTreeMap<(&str, &str, &str, &str), u64> = BTreeMap::new();
    for entry in &report.coverage {
        let status = if entry.status.is_complete() {
            "complete"
        } else {
            "incomplete"
        };
        *counts
            .entry((
                entry.provider.as_str(),
                entry.scope.as_str(),
                entry.kind.as_str(),
                status,
            ))
            .or_default() += 1;
    }

    family(
        text,
        "roster_coverage_entries",
        "Coverage entries by provider, scope, kind and status (complete or incomplete).",
    );
    for ((provider, scope, kind, status), count) in counts {
        sample(
            text,
            "roster_coverage_entries",
            &[
                ("kind", kind),
                ("provider", provider),
                ("scope", scope),
                ("status", status),
            ],
            count,
        );
    }
}

fn family(text: &mut String, name: &str, help: &str) {
    let _ = writeln!(text, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(text, "# TYPE {name} gauge");
}

fn sample(text: &mut String, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
    if labels.is_empty() {
        let _ = writeln!(text, "{name} {value}");
        return;
    }
    let labels: Vec<String> = labels
        .iter()
        .map(|(label, value)| format!("{label}=\"{}\"", escape_label(value)))
        .collect();
    let _ = writeln!(text, "{name}{{{}}} {value}", labels.join(","));
}

/// Escapes a label value: backslash, double quote and line feed.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Escapes help text: backslash and line feed.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::sample::{empty_report, sample_report};

    fn emit(report: &Report, options: PrometheusOptions) -> String {
        let mut out = Vec::new();
        write_prometheus(report, options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn prometheus_sample_snapshot() {
        insta::assert_snapshot!(emit(
            &sample_report(),
            PrometheusOptions {
                scan_duration: Some(Duration::from_millis(1234)),
            }
        ));
    }

    #[test]
    fn prometheus_empty_report_lists_every_severity() {
        let text = emit(&empty_report(), PrometheusOptions::default());

        for severity in Severity::ALL {
            assert!(
                text.contains(&format!(
                    "roster_findings_by_severity{{severity=\"{severity}\"}} 0"
                )),
                "{text}"
            );
        }
        assert!(!text.contains("roster_scan_duration_seconds"), "{text}");
    }

    #[test]
    fn prometheus_labels_never_name_identities() {
        let report = sample_report();
        let text = emit(&report, PrometheusOptions::default());

        for identity in &report.identities {
            assert!(
                !text.contains(identity.key.as_str()),
                "{} appears in the metrics",
                identity.key
            );
        }
    }

    #[test]
    fn prometheus_label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
