//! The `ocsf` format: each finding as an OCSF Detection Finding (class 2004, category 2
//! Findings), in a JSON array, for security data lakes and SIEMs.
//!
//! Fields follow the Detection Finding class of OCSF 1.3.0: the required `activity_id`,
//! `category_uid`, `class_uid`, `type_uid`, `severity_id`, `time`, `metadata` and
//! `finding_info`, plus `status_id`, `message`, `resources`, `cloud` and `remediation`.
//! Roster's own fields that OCSF has no place for go under `unmapped`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use roster_model::{Finding, FindingStatus, ProviderId, Severity};
use serde_json::{Map, Value, json};

use crate::context::RuleDoc;
use crate::report::Report;

/// The OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.3.0";

const CLASS_UID: u32 = 2004;
const CATEGORY_UID: u32 = 2;
/// `Create`: each scan reports its findings as new detections; deduplication across scans
/// is left to the consumer, through `finding_info.uid`.
const ACTIVITY_ID: u32 = 1;

/// Writes the findings as a pretty-printed JSON array of Detection Finding events, followed
/// by a newline.
pub fn write_ocsf(report: &Report, rules: &[RuleDoc], out: &mut dyn Write) -> io::Result<()> {
    let rules: BTreeMap<&str, &RuleDoc> =
        rules.iter().map(|rule| (rule.id.as_str(), rule)).collect();
    let events: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            event(
                report,
                finding,
                rules.get(finding.rule_id.as_str()).copied(),
            )
        })
        .collect();

    serde_json::to_writer_pretty(&mut *out, &events)?;
    writeln!(out)
}

fn event(report: &Report, finding: &Finding, rule: Option<&RuleDoc>) -> Value {
    let (status_id, status) = status(finding.status);
    let (severity_id, severity) = severity(finding.severity);
    let title = rule.map_or_else(|| finding.rule.clone(), |rule| rule.summary.clone());

    let mut event = Map::new();
    event.insert("activity_id".into(), json!(ACTIVITY_ID));
    event.insert("activity_name".into(), json!("Create"));
    event.insert("category_uid".into(), json!(CATEGORY_UID));
    event.insert("category_name".into(), json!("Findings"));
    event.insert("class_uid".into(), json!(CLASS_UID));
    event.insert("class_name".into(), json!("Detection Finding"));
    event.insert("type_uid".into(), json!(CLASS_UID * 100 + ACTIVITY_ID));
    event.insert("type_name".into(), json!("Detection Finding: Create"));
    event.insert("severity_id".into(), json!(severity_id));
    event.insert("severity".into(), json!(severity));
    event.insert("status_id".into(), json!(status_id));
    event.insert("status".into(), json!(status));
    event.insert("time".into(), json!(report.generated_at.as_millisecond()));
    event.insert("message".into(), json!(finding.message));
    event.insert(
        "metadata".into(),
        json!({
            "version": OCSF_VERSION,
            "product": {
                "name": "Roster",
                "vendor_name": "Roster",
                "version": report.tool.version,
            },
            "uid": finding.fingerprint,
        }),
    );
    event.insert(
        "finding_info".into(),
        json!({
            "uid": finding.fingerprint,
            "title": title,
            "desc": finding.message,
            "types": [finding.rule],
            "analytic": {
                "uid": finding.rule_id,
                "name": finding.rule,
                "type_id": 1,
                "type": "Rule",
            },
        }),
    );
    event.insert("resources".into(), json!([resource(finding)]));
    if let Some(cloud) = cloud(finding) {
        event.insert("cloud".into(), cloud);
    }
    if let Some(rule) = rule {
        event.insert("remediation".into(), json!({ "desc": rule.fix }));
    }
    event.insert("unmapped".into(), unmapped(finding, rule));
    Value::Object(event)
}

fn resource(finding: &Finding) -> Value {
    let mut resource = Map::new();
    resource.insert("uid".into(), json!(finding.subject));
    resource.insert("name".into(), json!(subject_name(&finding.subject)));
    resource.insert("type".into(), json!(subject_type(&finding.subject)));
    if let Some(environment) = &finding.environment {
        resource.insert(
            "labels".into(),
            json!([format!("environment:{environment}")]),
        );
    }
    Value::Object(resource)
}

/// Returns the native id at the end of a key, `deploy` in `aws:111122223333:role:deploy`.
fn subject_name(subject: &str) -> &str {
    subject.splitn(4, ':').nth(3).unwrap_or(subject)
}

/// Returns the kind segment of a key, `role` in `aws:111122223333:role:deploy`, prefixed with
/// the provider.
fn subject_type(subject: &str) -> String {
    let mut parts = subject.splitn(4, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("roster"), Some(kind), _) => format!("roster-{kind}"),
        (Some(provider), Some(_), Some(kind)) => format!("{provider}-{kind}"),
        _ => "unknown".to_owned(),
    }
}

fn cloud(finding: &Finding) -> Option<Value> {
    let provider = match finding.provider? {
        ProviderId::Aws => "AWS",
        ProviderId::Gcp => "GCP",
        ProviderId::Azure => "Azure",
        _ => return None,
    };
    let mut cloud = Map::new();
    cloud.insert("provider".into(), json!(provider));
    if let Some(scope) = &finding.scope {
        cloud.insert("account".into(), json!({ "uid": scope.native_id() }));
    }
    Some(Value::Object(cloud))
}

fn unmapped(finding: &Finding, rule: Option<&RuleDoc>) -> Value {
    let mut unmapped = Map::new();
    unmapped.insert("rule_id".into(), json!(finding.rule_id));
    unmapped.insert("rule".into(), json!(finding.rule));
    if let Some(rule) = rule.filter(|rule| !rule.owasp.is_empty()) {
        unmapped.insert("owasp_nhi".into(), json!(rule.owasp));
    }
    if let Some(scope) = &finding.scope {
        unmapped.insert("scope".into(), json!(scope));
    }
    if let Some(environment) = &finding.environment {
        unmapped.insert("environment".into(), json!(environment));
    }
    if !finding.evidence.is_empty() {
        unmapped.insert("evidence".into(), json!(finding.evidence));
    }
    if !finding.related.is_empty() {
        unmapped.insert("related".into(), json!(finding.related));
    }
    if let Some(suppression) = &finding.suppression {
        unmapped.insert("suppression".into(), json!(suppression));
    }
    Value::Object(unmapped)
}

/// Maps a status to OCSF's `status_id`: 1 New, 3 Suppressed. A finding whose suppression
/// expired counts again, so it is New.
fn status(status: FindingStatus) -> (u32, &'static str) {
    match status {
        FindingStatus::Open | FindingStatus::SuppressionExpired => (1, "New"),
        FindingStatus::Suppressed => (3, "Suppressed"),
    }
}

/// Maps a severity to OCSF's `severity_id`: 1 Informational to 5 Critical.
fn severity(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::context::sample_rules;
    use crate::sample::{empty_report, sample_report};

    fn emit(report: &Report) -> String {
        let mut out = Vec::new();
        write_ocsf(report, &sample_rules(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn ocsf_sample_snapshot() {
        insta::assert_snapshot!(emit(&sample_report()));
    }

    #[test]
    fn ocsf_empty_report_is_an_empty_array() {
        assert_eq!(emit(&empty_report()), "[]\n");
    }

    #[test]
    fn ocsf_type_uid_combines_class_and_activity() {
        let events: Vec<Value> = serde_json::from_str(&emit(&sample_report())).unwrap();

        for event in events {
            assert_eq!(event["type_uid"], 200_401);
            assert_eq!(event["class_uid"], 2004);
            assert_eq!(event["category_uid"], 2);
        }
    }

    #[test]
    fn ocsf_suppressed_findings_have_status_suppressed() {
        let report = sample_report();
        let events: Vec<Value> = serde_json::from_str(&emit(&report)).unwrap();

        for (finding, event) in report.findings.iter().zip(&events) {
            let expected = if finding.status == FindingStatus::Suppressed {
                3
            } else {
                1
            };
            assert_eq!(event["status_id"], expected, "{}", finding.subject);
        }
    }

    #[test]
    fn ocsf_subject_type_names_provider_and_kind() {
        assert_eq!(subject_type("aws:111122223333:role:deploy"), "aws-role");
        assert_eq!(subject_type("roster:group:datadog"), "roster-group");
        assert_eq!(subject_name("aws:111122223333:role:deploy"), "deploy");
    }
}
