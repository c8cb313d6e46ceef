//! The `sarif` format: SARIF 2.1.0 as GitHub code scanning reads it.
//!
//! Each Roster rule becomes a SARIF rule with its documentation as help. Each finding
//! becomes a result located at the roster line that declares its subject, and the binary
//! decides which line through [`Locations`]. The cloud identity is the result's logical
//! location and the finding fingerprint its partial fingerprint, so editing the roster file
//! moves an alert instead of reopening it.
//!
//! The log holds one run per environment, each with its own `automationDetails.id`
//! (`roster/<environment>/`), so that code scanning keeps the alerts of each environment
//! apart: a scan that covers only `prod` leaves the alerts of `dev` untouched.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use roster_model::{Finding, FindingStatus, Severity};
use serde_json::Value;
use serde_sarif::sarif::{
    ArtifactLocation, Location, LogicalLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif, Suppression, Tool,
    ToolComponent,
};

use crate::context::{Locations, RuleDoc, SourceLocation};
use crate::report::Report;

/// The SARIF version this emitter writes.
pub const SARIF_VERSION: &str = "2.1.0";

/// The schema the log names in `$schema`.
const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key of Roster's fingerprint in `partialFingerprints`. The `/v1` suffix is bumped if
/// the fingerprint's inputs ever change.
pub const FINGERPRINT_KEY: &str = "rosterFinding/v1";

/// The environment name of the run that contains findings and identities without one.
pub const NO_ENVIRONMENT: &str = "no-environment";

/// Writes the report as a SARIF 2.1.0 log followed by a newline.
///
/// `rules` are listed in every run's `tool.driver.rules`, in the order given; a finding
/// whose rule is missing from them is still written, without a `ruleIndex`.
pub fn write_sarif(
    report: &Report,
    rules: &[RuleDoc],
    locations: &Locations,
    out: &mut dyn Write,
) -> io::Result<()> {
    let log = sarif_log(report, rules, locations);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// Builds the SARIF log: one run per environment that the report covers.
pub fn sarif_log(report: &Report, rules: &[RuleDoc], locations: &Locations) -> Sarif {
    let runs = environments(report)
        .into_iter()
        .map(|environment| {
            let findings = report
                .findings
                .iter()
                .filter(|finding| environment_of(finding) == environment);
            run(report, rules, locations, environment, findings)
        })
        .collect::<Vec<_>>();

    Sarif::builder()
        .schema(SARIF_SCHEMA)
        .version(Value::from(SARIF_VERSION))
        .runs(runs)
        .build()
}

/// Lists the environments of the scanned identities and of the findings, sorted. An
/// environment with no finding still gets a run, so that its old alerts close. A report with
/// neither gets one run named [`NO_ENVIRONMENT`].
fn environments(report: &Report) -> BTreeSet<&str> {
    let mut names: BTreeSet<&str> = report
        .identities
        .iter()
        .filter(|identity| identity.drift != roster_model::DriftClass::Missing)
        .map(|identity| identity.environment.as_deref().unwrap_or(NO_ENVIRONMENT))
        .collect();
    names.extend(report.findings.iter().map(environment_of));
    if names.is_empty() {
        names.insert(NO_ENVIRONMENT);
    }
    names
}

fn environment_of(finding: &Finding) -> &str {
    finding.environment.as_deref().unwrap_or(NO_ENVIRONMENT)
}

fn run<'a>(
    report: &Report,
    rules: &[RuleDoc],
    locations: &Locations,
    environment: &str,
    findings: impl Iterator<Item = &'a Finding>,
) -> Run {
    let rule_index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(index, rule)| (rule.id.as_str(), index))
        .collect();
    let results: Vec<SarifResult> = findings
        .map(|finding| {
            let index = rule_index.get(finding.rule_id.as_str()).copied();
            result(finding, index, locations.of(finding))
        })
        .collect();

    let driver = ToolComponent::builder()
        .name(report.tool.name.clone())
        .full_name(format!("{} {}", report.tool.name, report.tool.version))
        .version(report.tool.version.clone())
        .semantic_version(report.tool.version.clone())
        .rules(rules.iter().map(rule_descriptor).collect::<Vec<_>>())
        .build();
    let automation = RunAutomationDetails::builder()
        .id(format!("{}/{environment}/", report.tool.name))
        .description(message(format!(
            "Roster scan of environment `{environment}`"
        )))
        .build();

    Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .automation_details(automation)
        .column_kind(Value::from("unicodeCodePoints"))
        .results(results)
        .build()
}

fn rule_descriptor(rule: &RuleDoc) -> ReportingDescriptor {
    let help_text = format!(
        "{}\n\nWhy it matters: {}\n\nHow to fix it: {}\n\nOWASP NHI risk: {}",
        rule.summary, rule.why, rule.fix, rule.owasp
    );
    let help_markdown = format!(
        "{}\n\n**Why it matters.** {}\n\n**How to fix it.** {}\n\n**OWASP NHI risk:** {}",
        rule.summary, rule.why, rule.fix, rule.owasp
    );

    let mut properties = BTreeMap::new();
    properties.insert(
        "security-severity".to_owned(),
        Value::from(security_severity(rule.severity)),
    );
    properties.insert("precision".to_owned(), Value::from("high"));
    let properties = PropertyBag::builder()
        .tags(vec![
            "security".to_owned(),
            "nhi".to_owned(),
            owasp_tag(&rule.owasp),
        ])
        .additional_properties(properties)
        .build();

    ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule.name.clone())
        .short_description(text(rule.summary.clone()))
        .full_description(text(format!("{} {}", rule.summary, rule.why)))
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_markdown)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(Value::from(level_name(rule.severity)))
                .build(),
        )
        .properties(properties)
        .build()
}

fn result(finding: &Finding, rule_index: Option<usize>, location: &SourceLocation) -> SarifResult {
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_owned(), finding.fingerprint.clone());

    let mut properties = BTreeMap::new();
    properties.insert(
        "severity".to_owned(),
        Value::from(finding.severity.as_str()),
    );
    properties.insert("subject".to_owned(), Value::from(finding.subject.clone()));
    if let Some(environment) = &finding.environment {
        properties.insert("environment".to_owned(), Value::from(environment.clone()));
    }
    if !finding.evidence.is_empty() {
        properties.insert("evidence".to_owned(), Value::from(finding.evidence.clone()));
    }
    if !finding.related.is_empty() {
        properties.insert("related".to_owned(), Value::from(finding.related.clone()));
    }

    let builder = SarifResult::builder()
        .rule_id(finding.rule_id.clone())
        .level(result_level(finding.severity))
        .message(message(format!(
            "{} ({})",
            finding.message, finding.subject
        )))
        .locations(vec![physical_location(finding, location)])
        .partial_fingerprints(fingerprints)
        .properties(
            PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        );
    let mut result = match suppressions(finding) {
        Some(suppressions) => builder.suppressions(suppressions).build(),
        None => builder.build(),
    };
    result.rule_index = rule_index.and_then(|index| i64::try_from(index).ok());
    result
}

fn physical_location(finding: &Finding, location: &SourceLocation) -> Location {
    let region = Region::builder()
        .start_line(to_i64(location.line))
        .start_column(to_i64(location.column))
        .build();
    let physical = PhysicalLocation::builder()
        .artifact_location(ArtifactLocation::builder().uri(uri(location)).build())
        .region(region)
        .build();

    let mut logical = LogicalLocation::builder()
        .name(finding.subject.clone())
        .fully_qualified_name(finding.subject.clone())
        .kind(logical_kind(&finding.subject))
        .build();
    if let Some(scope) = &finding.scope {
        logical.decorated_name = Some(format!("{} in {scope}", finding.subject));
    }

    Location::builder()
        .physical_location(physical)
        .logical_locations(vec![logical])
        .build()
}

/// Names what a subject is, for SARIF's `logicalLocation.kind`: SARIF lists kinds for
/// code, and `resource` and `object` are the closest of them for cloud identities and groups.
fn logical_kind(subject: &str) -> &'static str {
    if subject.starts_with("roster:") {
        "object"
    } else {
        "resource"
    }
}

/// Writes a relative path as it is, with forward slashes and spaces escaped, and an
/// absolute one as a `file://` URI.
fn uri(location: &SourceLocation) -> String {
    let path = location.uri_path().replace(' ', "%20");
    if path.starts_with('/') {
        format!("file://{path}")
    } else if path.as_bytes().get(1) == Some(&b':') {
        format!("file:///{path}")
    } else {
        path
    }
}

fn suppressions(finding: &Finding) -> Option<Vec<Suppression>> {
    let status = match finding.status {
        FindingStatus::Open => return None,
        FindingStatus::Suppressed => "accepted",
        // The waiver has lapsed. SARIF calls a suppression that no longer applies `rejected`,
        // and a consumer shows the result as open again.
        FindingStatus::SuppressionExpired => "rejected",
    };
    let justification = finding.suppression.clone().unwrap_or_default();
    let suppression = Suppression::builder()
        .kind(Value::from("external"))
        .status(Value::from(status))
        .justification(justification)
        .build();
    Some(vec![suppression])
}

/// Maps a severity to GitHub's `security-severity` score: above 9.0 is critical, 7.0 to 8.9
/// high, 4.0 to 6.9 medium, and below 4.0 low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn level_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn result_level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// Turns `NHI1 Improper Offboarding` into the tag `owasp-nhi1`.
fn owasp_tag(owasp: &str) -> String {
    let code = owasp.split_whitespace().next().unwrap_or("nhi");
    format!("owasp-{}", code.to_ascii_lowercase())
}

fn message(text: String) -> Message {
    Message::builder().text(text).build()
}

fn text(text: String) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

fn to_i64(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::context::sample_rules;
    use crate::sample::{empty_report, sample_report};

    fn locations() -> Locations {
        let mut locations = Locations::new(SourceLocation::new("roster.d/10-platform.yaml", 1, 1));
        locations.insert(
            "aws:111122223333:role:deploy",
            SourceLocation::new("roster.d/10-platform.yaml", 14, 9),
        );
        locations
    }

    fn emit(report: &Report) -> String {
        let mut out = Vec::new();
        write_sarif(report, &sample_rules(), &locations(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn sarif_sample_snapshot() {
        insta::assert_snapshot!(emit(&sample_report()));
    }

    #[test]
    fn sarif_is_byte_identical_across_emits() {
        assert_eq!(emit(&sample_report()), emit(&sample_report()));
    }

    #[test]
    fn sarif_every_result_has_a_location() {
        let log: Value = serde_json::from_str(&emit(&sample_report())).unwrap();

        for run in log["runs"].as_array().unwrap() {
            for result in run["results"].as_array().unwrap() {
                let region = &result["locations"][0]["physicalLocation"]["region"];
                assert!(region["startLine"].as_i64().unwrap() >= 1, "{result}");
            }
        }
    }

    #[test]
    fn sarif_one_run_per_environment() {
        let log: Value = serde_json::from_str(&emit(&sample_report())).unwrap();
        let ids: Vec<&str> = log["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|run| run["automationDetails"]["id"].as_str().unwrap())
            .collect();

        let mut unique = ids.clone();
        unique.dedup();
        assert_eq!(ids, unique);
        assert!(
            ids.iter()
                .all(|id| id.starts_with("roster/") && id.ends_with('/'))
        );
    }

    #[test]
    fn sarif_partial_fingerprint_is_the_finding_fingerprint() {
        let report = sample_report();
        let log: Value = serde_json::from_str(&emit(&report)).unwrap();
        let fingerprints: BTreeSet<&str> = log["runs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|run| run["results"].as_array().unwrap())
            .map(|result| {
                result["partialFingerprints"][FINGERPRINT_KEY]
                    .as_str()
                    .unwrap()
            })
            .collect();
        let expected: BTreeSet<&str> = report
            .findings
            .iter()
            .map(|finding| finding.fingerprint.as_str())
            .collect();

        assert_eq!(fingerprints, expected);
    }

    #[test]
    fn sarif_suppressed_finding_carries_suppression() {
        let log: Value = serde_json::from_str(&emit(&sample_report())).unwrap();
        let statuses: Vec<&str> = log["runs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|run| run["results"].as_array().unwrap())
            .filter_map(|result| result["suppressions"][0]["status"].as_str())
            .collect();

        assert!(statuses.contains(&"accepted"));
        assert!(statuses.contains(&"rejected"));
    }

    #[test]
    fn sarif_empty_report_has_a_valid_shape() {
        let log: Value = serde_json::from_str(&emit(&empty_report())).unwrap();

        assert_eq!(log["version"], "2.1.0");
        assert!(log["runs"].is_array());
    }

    #[test]
    fn sarif_absolute_paths_become_file_uris() {
        assert_eq!(
            uri(&SourceLocation::new("/srv/roster.yaml", 1, 1)),
            "file:///srv/roster.yaml"
        );
        assert_eq!(
            uri(&SourceLocation::new("C:\\roster dir\\roster.yaml", 1, 1)),
            "file:///C:/roster%20dir/roster.yaml"
        );
        assert_eq!(
            uri(&SourceLocation::new("roster.yaml", 1, 1)),
            "roster.yaml"
        );
    }

    #[test]
    fn sarif_security_severity_bands() {
        assert_eq!(security_severity(Severity::Critical), "9.5");
        assert_eq!(security_severity(Severity::High), "8.0");
        assert_eq!(security_severity(Severity::Medium), "5.5");
        assert_eq!(security_severity(Severity::Low), "3.0");
    }
}
