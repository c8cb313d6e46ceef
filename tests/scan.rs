//! End-to-end tests of `roster scan` on the bundled demo estate and hand-written exports.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const DEMO_NOW: &str = "2026-06-01T00:00:00Z";

fn roster() -> Command {
    let mut command = Command::cargo_bin("roster").unwrap();
    command
        .env_remove("NO_COLOR")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (name, _) in std::env::vars() {
        if name.starts_with("ROSTER_") && name != "ROSTER_CORPUS_DIR" {
            command.env_remove(name);
        }
    }
    command
}

fn repository(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn report_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repository("schema/report.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid_report(report: &Value) {
    let validator = report_schema();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match its schema: {errors:#?}"
    );
}

fn findings(report: &Value) -> BTreeSet<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_owned(),
                finding["subject"].as_str().unwrap().to_owned(),
                finding["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn demo_json() -> (Value, Vec<u8>) {
    let output = roster()
        .args(["scan", "--demo", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    (report, output.stdout)
}

/// The planted problems of the demo estate, as `fixtures/README.md` lists them.
const DEMO_FINDINGS: [(&str, &str, &str); 35] = [
    (
        "admin-equivalent",
        "aws:210987654321:role:AWSReservedSSO_AdministratorAccess_7c1e5b2a9d3f4e60",
        "suppressed",
    ),
    (
        "admin-equivalent",
        "aws:210987654321:role:terraform-apply",
        "open",
    ),
    (
        "admin-equivalent",
        "aws:345678901234:role:AWSReservedSSO_AdministratorAccess_e41f9a7c3b2d5068",
        "suppressed",
    ),
    (
        "cross-environment-access",
        "aws:210987654321:role:db-snapshot-exporter",
        "open",
    ),
    (
        "cross-environment-trust",
        "aws:345678901234:role:seed-data-writer",
        "open",
    ),
    (
        "excess-privilege",
        "aws:210987654321:role:image-builder",
        "open",
    ),
    (
        "excess-privilege",
        "aws:345678901234:user:ci-dev-deployer",
        "open",
    ),
    (
        "expired-declaration",
        "aws:210987654321:role:dms-migration",
        "open",
    ),
    (
        "external-trust",
        "aws:210987654321:role:finch-analytics-export",
        "open",
    ),
    (
        "human-use-of-nhi",
        "aws:210987654321:user:ci-release-bot",
        "open",
    ),
    (
        "cross-environment-membership",
        "roster:group:datadog",
        "open",
    ),
    (
        "dangling-principal",
        "aws:210987654321:role:reports-reader",
        "open",
    ),
    (
        "external-trust",
        "aws:210987654321:role:datadog-integration",
        "open",
    ),
    (
        "external-trust",
        "aws:345678901234:role:datadog-integration",
        "open",
    ),
    (
        "long-lived-credential",
        "aws:345678901234:user:ci-dev-deployer",
        "open",
    ),
    (
        "membership-drift",
        "aws:210987654321:user:ci-release-bot",
        "open",
    ),
    (
        "membership-drift",
        "aws:210987654321:user:maria.chen",
        "open",
    ),
    (
        "missing-identity",
        "aws:210987654321:role:search-indexer",
        "open",
    ),
    ("mixed-group", "aws:210987654321:group:ci-deployers", "open"),
    (
        "privilege-escalation-path",
        "aws:345678901234:user:ci-dev-deployer",
        "open",
    ),
    (
        "orphan-identity",
        "aws:210987654321:role:s3-sync-temp",
        "open",
    ),
    (
        "stale-credential",
        "aws:345678901234:user:ci-dev-deployer",
        "suppression-expired",
    ),
    (
        "undeclared-identity",
        "aws:210987654321:role:s3-sync-temp",
        "open",
    ),
    (
        "unused-credential",
        "aws:210987654321:user:svc-backup-exporter",
        "open",
    ),
    (
        "unused-identity",
        "aws:210987654321:role:glue-orders-etl",
        "open",
    ),
    (
        "multiple-active-credentials",
        "aws:210987654321:user:svc-backup-exporter",
        "open",
    ),
    (
        "admin-equivalent",
        "gcp:acme-analytics-prod:service-account:614283950172-compute@developer.gserviceaccount.com",
        "open",
    ),
    (
        "excess-privilege",
        "gcp:acme-analytics-prod:service-account:614283950172-compute@developer.gserviceaccount.com",
        "open",
    ),
    (
        "stale-credential",
        "gcp:acme-analytics-prod:service-account:dbt-runner@acme-analytics-prod.iam.gserviceaccount.com",
        "open",
    ),
    (
        "long-lived-credential",
        "gcp:acme-analytics-prod:service-account:dbt-runner@acme-analytics-prod.iam.gserviceaccount.com",
        "open",
    ),
    (
        "human-use-of-nhi",
        "gcp:acme-analytics-prod:service-account:dbt-runner@acme-analytics-prod.iam.gserviceaccount.com",
        "open",
    ),
    (
        "external-trust",
        "gcp:acme-analytics-prod:service-account:looker-embed@acme-analytics-prod.iam.gserviceaccount.com",
        "open",
    ),
    (
        "dangling-principal",
        "gcp:acme-analytics-prod:service-account:deleted:serviceAccount:airflow@acme-analytics-prod.iam.gserviceaccount.com?uid=104821935706421178299",
        "open",
    ),
    (
        "cross-environment-access",
        "gcp:acme-analytics-dev:service-account:etl-dev@acme-analytics-dev.iam.gserviceaccount.com",
        "open",
    ),
    (
        "cross-environment-trust",
        "aws:210987654321:role:analytics-export-writer",
        "open",
    ),
];

#[test]
fn demo_finds_every_planted_problem() {
    let (report, _) = demo_json();

    let expected: BTreeSet<(String, String, String)> = DEMO_FINDINGS
        .iter()
        .map(|(rule, subject, status)| {
            (
                (*rule).to_owned(),
                (*subject).to_owned(),
                (*status).to_owned(),
            )
        })
        .collect();
    assert_eq!(findings(&report), expected);
}

#[test]
fn demo_report_matches_schema() {
    let (report, _) = demo_json();
    assert_valid_report(&report);
    assert_eq!(report["generated_at"], DEMO_NOW);
    assert_eq!(report["schema_version"], "1");
}

#[test]
fn demo_report_is_byte_identical_across_runs() {
    let (_, first) = demo_json();
    let (_, second) = demo_json();
    assert_eq!(first, second);
}

#[test]
fn demo_reports_suppression_warnings() {
    let (report, _) = demo_json();
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();

    assert!(
        warnings.iter().any(|w| w.contains("expired on 2026-02-28")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("legacy-cron-runner") && w.contains("matches no finding")),
        "{warnings:?}"
    );
    assert_eq!(report["stale_suppressions"].as_array().unwrap().len(), 1);
}

#[test]
fn demo_drift_classes_are_counted() {
    let (report, _) = demo_json();
    let drift = &report["summary"]["drift"];
    assert_eq!(drift["undeclared"], 1);
    assert_eq!(drift["missing"], 1);
    assert_eq!(drift["unverified"], 0);
}

#[test]
fn demo_table_lists_findings_and_coverage() {
    let output = roster()
        .args(["scan", "--demo", "--format", "table", "--color", "never"])
        .output()
        .unwrap();
    let table = String::from_utf8(output.stdout).unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert!(table.contains("admin-equivalent"));
    assert!(table.contains("Findings per rule"));
    assert!(table.contains("permission-usage"));
    assert!(!table.contains('\u{1b}'), "colour codes with --color never");
}

#[test]
fn fail_on_above_every_finding_reports_incomplete_scan() {
    roster()
        .args([
            "scan",
            "--demo",
            "--format",
            "json",
            "--fail-on",
            "critical",
        ])
        .assert()
        .code(3);
}

#[test]
fn allow_incomplete_gives_success_without_failing_findings() {
    roster()
        .args([
            "scan",
            "--demo",
            "--format",
            "json",
            "--fail-on",
            "critical",
            "--allow-incomplete",
        ])
        .assert()
        .code(0);
}

#[test]
fn environment_twins_set_flags() {
    roster()
        .args(["scan", "--demo", "--format", "json"])
        .env("ROSTER_FAIL_ON", "critical")
        .env("ROSTER_ALLOW_INCOMPLETE", "true")
        .assert()
        .code(0);
}

#[test]
fn scan_without_input_is_a_usage_error() {
    let output = roster()
        .args(["scan", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing to scan"));
}

#[test]
fn unrecognized_file_names_file_and_expected_formats() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("notes.json");
    std::fs::write(&path, r#"{"hello": "world"}"#).unwrap();

    let output = roster()
        .args(["scan", "--format", "json", "--import"])
        .arg(format!("aws={}", path.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(
        stderr.contains("get-account-authorization-details"),
        "{stderr}"
    );
    assert!(stderr.contains("get-credential-report"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn missing_import_file_is_an_input_error() {
    let output = roster()
        .args([
            "scan",
            "--format",
            "json",
            "--import",
            "aws=/nonexistent/dump.json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/dump.json"));
}

#[test]
fn import_of_provider_without_importer_is_rejected() {
    let output = roster()
        .args(["scan", "--format", "json", "--import", "gcp=whatever.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// Imports only the prod account dump of the demo, without its credential report.
fn prod_dump_only() -> Value {
    let dump = repository("fixtures/demo/aws/prod-account-authorization.json");
    let output = roster()
        .args(["scan", "--format", "json", "--now", DEMO_NOW, "--import"])
        .arg(format!("aws={}", dump.display()))
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(1) | Some(3)),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn dump_without_credential_report_leaves_key_usage_unverified() {
    let report = prod_dump_only();

    let rules: BTreeSet<String> = findings(&report)
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect();
    assert!(!rules.contains("unused-credential"));
    assert!(!rules.contains("stale-credential"));
    assert!(!rules.contains("multiple-active-credentials"));

    let unverified: Vec<&str> = report["unverified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["kind"].as_str().unwrap())
        .collect();
    assert!(unverified.contains(&"credentials"), "{unverified:?}");
    assert!(unverified.contains(&"credential-usage"), "{unverified:?}");
    assert_eq!(report["summary"]["complete"], false);
}

#[test]
fn scan_without_roster_runs_rules_that_need_none() {
    let report = prod_dump_only();

    let rules: BTreeSet<String> = findings(&report)
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect();
    assert!(rules.contains("admin-equivalent"), "{rules:?}");
    assert!(rules.contains("dangling-principal"), "{rules:?}");
    assert!(!rules.contains("undeclared-identity"), "{rules:?}");
    assert!(!rules.contains("missing-identity"), "{rules:?}");
    assert!(report.get("roster").is_none());
}

#[test]
fn folder_import_reads_each_export_once() {
    let folder = repository("fixtures/demo/aws");
    let output = roster()
        .args(["scan", "--format", "json", "--now", DEMO_NOW, "--roster"])
        .arg(repository("fixtures/demo/roster.yaml"))
        .arg("--import")
        .arg(format!("aws={}", folder.display()))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();

    assert_eq!(report["sources"].as_array().unwrap().len(), 4);
    assert_eq!(report["summary"]["identities"], 37);
    assert!(
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| !w.as_str().unwrap().contains("more than one input"))
    );
}

#[test]
fn report_written_to_file_leaves_stdout_empty() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("report.json");
    let output = roster()
        .args(["scan", "--demo", "--format", "json", "--output"])
        .arg(&path)
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_valid_report(&report);
}

#[test]
fn rules_command_lists_every_rule() {
    let output = roster()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let rules: Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: BTreeSet<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["name"].as_str().unwrap())
        .collect();

    for name in [
        "undeclared-identity",
        "missing-identity",
        "membership-drift",
        "excess-privilege",
        "unused-identity",
        "unused-credential",
        "stale-credential",
        "multiple-active-credentials",
        "orphan-identity",
        "dangling-principal",
        "expired-declaration",
        "cross-environment-trust",
        "cross-environment-membership",
        "mixed-group",
        "human-use-of-nhi",
        "admin-equivalent",
        "external-trust",
    ] {
        assert!(names.contains(name), "missing rule {name}");
    }
    for rule in rules.as_array().unwrap() {
        assert!(rule["owasp"].as_str().unwrap().starts_with("NHI"));
        assert!(!rule["why"].as_str().unwrap().is_empty());
        assert!(!rule["fix"].as_str().unwrap().is_empty());
    }
}

#[test]
fn check_accepts_demo_roster() {
    let output = roster()
        .args(["check", "--roster"])
        .arg(repository("fixtures/demo/roster.yaml"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("valid roster"));
}

#[test]
fn check_reports_position_and_suggestion() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("roster.yaml");
    std::fs::write(&path, "version: 1\ngroups:\n  ci:\n    ownr: platform\n").unwrap();

    let output = roster()
        .args(["check", "--roster"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("roster.yaml:4:5"), "{stderr}");
    assert!(stderr.contains("did you mean `owner`?"), "{stderr}");
}

#[test]
fn scan_with_invalid_roster_is_a_configuration_error() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("roster.yaml");
    std::fs::write(&path, "version: 2\n").unwrap();

    let output = roster()
        .args(["scan", "--format", "json", "--import"])
        .arg(format!("aws={}", repository("fixtures/demo/aws").display()))
        .arg("--roster")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn providers_command_names_aws() {
    let output = roster().arg("providers").output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("aws"));
}

/// mimalloc keeps freed memory only when the option is set before any other thread starts,
/// which Linux lets the binary check.
#[cfg(target_os = "linux")]
#[test]
fn allocator_keeps_freed_memory() {
    let output = roster()
        .env_remove("MIMALLOC_PURGE_DELAY")
        .args(["--log", "debug", "providers"])
        .output()
        .unwrap();

    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    // The log may color the field's name and value apart, so only the line's end is read.
    let line = log.lines().find(|line| line.contains("allocator set up"));
    assert!(line.is_some_and(|line| line.ends_with("true")), "{log}");
}
