//! End-to-end tests of `roster init`: the written roster loads, marks what a person must
//! decide, and a scan of the same estate with it reports no drift.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
        if name.starts_with("ROSTER_") {
            command.env_remove(name);
        }
    }
    command
}

fn repository(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn demo_imports() -> String {
    format!("aws={}", repository("fixtures/demo/aws").display())
}

fn init(arguments: &[&str], out: &Path) -> std::process::Output {
    roster()
        .arg("init")
        .args(arguments)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn init_then_scan_reports_no_drift() {
    let folder = tempfile::tempdir().unwrap();
    let roster_file = folder.path().join("roster.yaml");
    let output = init(&["--import", &demo_imports()], &roster_file);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let scan = roster()
        .args(["scan", "--format", "json", "--now", DEMO_NOW])
        .args(["--import", &demo_imports()])
        .arg("--roster")
        .arg(&roster_file)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&scan.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&scan.stderr)));

    let drift_findings: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| {
            [
                "undeclared-identity",
                "missing-identity",
                "membership-drift",
            ]
            .contains(&finding["rule"].as_str().unwrap())
        })
        .map(|finding| format!("{} {}", finding["rule"], finding["subject"]))
        .collect();
    assert!(
        drift_findings.is_empty(),
        "{drift_findings:#?}\n{}",
        std::fs::read_to_string(&roster_file).unwrap()
    );
    let drift = &report["summary"]["drift"];
    assert_eq!(drift["undeclared"], 0, "{drift}");
    assert_eq!(drift["missing"], 0, "{drift}");
    assert_eq!(drift["drifted"], 0, "{drift}");
    assert_eq!(drift["matched"], report["summary"]["identities"], "{drift}");
}

#[test]
fn init_demo_snapshot() {
    let folder = tempfile::tempdir().unwrap();
    let roster_file = folder.path().join("roster.yaml");

    let output = init(&["--demo"], &roster_file);

    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(std::fs::read_to_string(&roster_file).unwrap());
}

#[test]
fn init_marks_unknown_owners_and_environment_names() {
    let output = roster()
        .args(["init", "--demo", "--out", "-"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("# TODO: name this environment"), "{text}");
    assert!(
        text.contains("owner: unassigned  # TODO: name the owner"),
        "{text}"
    );
    assert!(
        text.contains("provider_group: \"aws:210987654321:group:ci-deployers\""),
        "{text}"
    );
}

#[test]
fn init_keeps_an_existing_file() {
    let folder = tempfile::tempdir().unwrap();
    let roster_file = folder.path().join("roster.yaml");
    std::fs::write(&roster_file, "version: 1\n").unwrap();

    let output = init(&["--demo"], &roster_file);

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("exists: give `--force` to replace it"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&roster_file).unwrap(),
        "version: 1\n"
    );
}
