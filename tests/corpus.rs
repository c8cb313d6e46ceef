//! End-to-end tests over the public corpus of real provider exports. They run when
//! `ROSTER_CORPUS_DIR` points at the corpus and report that they were skipped otherwise.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const NOW: &str = "2026-12-04T00:00:00Z";

fn corpus(relative: &str) -> Option<PathBuf> {
    let Some(root) = std::env::var_os("ROSTER_CORPUS_DIR") else {
        eprintln!("skipped: ROSTER_CORPUS_DIR is not set");
        return None;
    };
    Some(Path::new(&root).join(relative))
}

fn roster() -> Command {
    let mut command = Command::cargo_bin("roster").unwrap();
    command.env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

fn repository(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn scan_large_dump() -> Option<(Value, i32)> {
    let dump = corpus("aws/cloudsplaining_example_gaad_large.json")?;
    let output = roster()
        .args(["scan", "--format", "json", "--now", NOW, "--roster"])
        .arg(repository("tests/fixtures/corpus/large-dump-roster.yaml"))
        .arg("--import")
        .arg(format!("aws={}", dump.display()))
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap();
    Some((report, output.status.code().unwrap()))
}

fn count_by_rule(report: &Value) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for finding in report["findings"].as_array().unwrap() {
        *counts
            .entry(finding["rule"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    counts
}

fn has_finding(report: &Value, rule: &str, subject: &str) -> bool {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|finding| finding["rule"] == rule && finding["subject"] == subject)
}

#[test]
fn large_dump_gives_expected_findings() {
    let Some((report, code)) = scan_large_dump() else {
        return;
    };
    assert_eq!(code, 1);

    let counts = count_by_rule(&report);
    assert_eq!(counts.get("admin-equivalent"), Some(&10), "{counts:?}");
    assert_eq!(counts.get("excess-privilege"), Some(&64), "{counts:?}");
    assert_eq!(counts.get("undeclared-identity"), Some(&3), "{counts:?}");
    assert_eq!(counts.get("orphan-identity"), Some(&3), "{counts:?}");
    assert_eq!(counts.get("missing-identity"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("expired-declaration"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("external-trust"), None, "{counts:?}");
    assert_eq!(
        counts.get("unused-credential"),
        None,
        "no credential report, so no key usage: {counts:?}"
    );

    assert!(has_finding(
        &report,
        "missing-identity",
        "aws:111122223333:role:ghost-deployer"
    ));
    assert!(has_finding(
        &report,
        "expired-declaration",
        "aws:012345678901:user:obama"
    ));
    assert!(has_finding(
        &report,
        "undeclared-identity",
        "aws:012345678901:user:userwithlotsofpermissions"
    ));
    assert!(has_finding(
        &report,
        "admin-equivalent",
        "aws:111122223333:user:privesc-sre-user"
    ));
    assert!(has_finding(
        &report,
        "excess-privilege",
        "aws:111122223333:role:privesc4-CreateAccessKey-role"
    ));
    assert!(
        !has_finding(
            &report,
            "undeclared-identity",
            "aws:111122223333:role:AWSServiceRoleForSupport"
        ),
        "service-linked roles are not expected in a roster"
    );
    assert!(
        !has_finding(
            &report,
            "undeclared-identity",
            "aws:111122223333:role:AWSReservedSSO_ViewOnlyAccess_0ace44bbc7092ea8"
        ),
        "SSO roles are used by people"
    );
}

#[test]
fn large_dump_suppression_applies() {
    let Some((report, _)) = scan_large_dump() else {
        return;
    };
    let suppressed: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["status"] == "suppressed")
        .collect();

    assert_eq!(suppressed.len(), 1);
    assert_eq!(
        suppressed[0]["subject"],
        "aws:111122223333:role:OrganizationAccountAccessRole"
    );
}

#[test]
fn large_dump_report_matches_schema() {
    let Some((report, _)) = scan_large_dump() else {
        return;
    };
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repository("schema/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(report["summary"]["identities"], 122);
}

#[test]
fn large_dump_table_prints() {
    let Some(dump) = corpus("aws/cloudsplaining_example_gaad_large.json") else {
        return;
    };
    let output = roster()
        .args([
            "scan", "--format", "table", "--color", "never", "--now", NOW, "--roster",
        ])
        .arg(repository("tests/fixtures/corpus/large-dump-roster.yaml"))
        .arg("--import")
        .arg(format!("aws={}", dump.display()))
        .output()
        .unwrap();
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.contains("excess-privilege"));
    assert!(table.contains("ghost-deployer"));
}

#[test]
fn every_account_dump_imports_or_fails_clearly() {
    let Some(folder) = corpus("aws") else {
        return;
    };
    let mut dumps: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    dumps.sort();
    assert!(!dumps.is_empty());

    for dump in dumps {
        let name = dump.file_name().unwrap().to_string_lossy().into_owned();
        let output = roster()
            .args(["scan", "--format", "json", "--now", NOW, "--import"])
            .arg(format!("aws={}", dump.display()))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);

        if name == "cloudsplaining_test_missing_constraints_v2.json" {
            assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
            assert!(stderr.contains(&name), "{name}: {stderr}");
            assert!(
                stderr.contains("get-account-authorization-details"),
                "{name}: {stderr}"
            );
            continue;
        }
        assert!(
            matches!(output.status.code(), Some(0) | Some(1) | Some(3)),
            "{name}: {stderr}"
        );
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        if name == "cloudsplaining_test_managed_policy_mismatch.json" {
            let notes = report["notes"].to_string();
            assert!(
                notes.contains("arn:aws:iam::aws:policy/AWSLambdaReadOnlyAccess"),
                "{name}: {notes}"
            );
            assert!(
                report["unverified"].to_string().contains("grants"),
                "{name}"
            );
        }
    }
}
