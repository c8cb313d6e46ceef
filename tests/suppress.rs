//! End-to-end tests of `roster suppress`: the entry lands in the roster file with its
//! comments and layout kept, and the next scan shows the finding suppressed.

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

/// Copies the demo roster into a temporary folder and returns the folder and the copy.
fn demo_roster_copy() -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("roster.yaml");
    std::fs::copy(repository("fixtures/demo/roster.yaml"), &path).unwrap();
    (folder, path)
}

/// Scans the demo exports against `roster_file` and returns the JSON report.
fn scan(roster_file: &Path) -> Value {
    let output = roster()
        .args(["scan", "--format", "json", "--now", DEMO_NOW])
        .arg("--import")
        .arg(format!("aws={}", repository("fixtures/demo/aws").display()))
        .arg("--roster")
        .arg(roster_file)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1 | 3)),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn finding<'a>(report: &'a Value, rule: &str, subject: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == rule && finding["subject"] == subject)
        .unwrap_or_else(|| panic!("no `{rule}` finding about `{subject}`"))
}

#[test]
fn suppress_round_trip_keeps_comments_and_suppresses() {
    let (folder, roster_file) = demo_roster_copy();
    let report_path = folder.path().join("report.json");
    let before = scan(&roster_file);
    std::fs::write(&report_path, before.to_string()).unwrap();
    let target = finding(
        &before,
        "orphan-identity",
        "aws:210987654321:role:s3-sync-temp",
    );
    assert_eq!(target["status"], "open");
    let fingerprint = target["fingerprint"].as_str().unwrap().to_owned();
    let message = target["message"].as_str().unwrap().to_owned();
    let original = std::fs::read_to_string(&roster_file).unwrap();

    let output = roster()
        .args(["suppress", &fingerprint])
        .args(["--reason", "Cron job is being moved to a declared role"])
        .args([
            "--owner",
            "platform",
            "--expires",
            "90d",
            "--ticket",
            "OPS-7",
        ])
        .args(["--now", DEMO_NOW])
        .arg("--roster")
        .arg(&roster_file)
        .arg("--report")
        .arg(&report_path)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let updated = std::fs::read_to_string(&roster_file).unwrap();
    let added: Vec<&str> = updated
        .lines()
        .skip_while(|line| !line.contains("ticket: DATA-97"))
        .skip(1)
        .collect();
    assert_eq!(
        added,
        vec![
            "",
            &format!("  # aws:210987654321:role:s3-sync-temp: {message}"),
            "  - rule: orphan-identity",
            &format!("    target: \"{fingerprint}\""),
            "    reason: \"Cron job is being moved to a declared role\"",
            "    owner: \"platform\"",
            "    expires: 2026-08-30",
            "    ticket: \"OPS-7\"",
        ],
        "{updated}"
    );
    let kept: Vec<&str> = original.lines().collect();
    let updated_lines: Vec<&str> = updated.lines().collect();
    assert_eq!(
        &updated_lines[..kept.len()],
        kept.as_slice(),
        "the original text changed"
    );

    let after = scan(&roster_file);
    let suppressed = finding(
        &after,
        "orphan-identity",
        "aws:210987654321:role:s3-sync-temp",
    );
    assert_eq!(suppressed["status"], "suppressed");
    assert_eq!(suppressed["fingerprint"], fingerprint.as_str());
}

#[test]
fn suppress_with_rule_creates_the_block() {
    let folder = tempfile::tempdir().unwrap();
    let roster_file = folder.path().join("roster.yaml");
    std::fs::write(
        &roster_file,
        "# The platform team's roster.\nversion: 1\n\nenvironments:\n  prod:\n    aws:\n      accounts: [\"210987654321\"]  # the prod account\n",
    )
    .unwrap();

    let output = roster()
        .args(["suppress", "aws:210987654321:role:legacy-*"])
        .args([
            "--rule",
            "unused-identity",
            "--reason",
            "kept for the audit",
        ])
        .args([
            "--owner",
            "data",
            "--expires",
            "2026-07-01",
            "--now",
            DEMO_NOW,
        ])
        .arg("--roster")
        .arg(&roster_file)
        .output()
        .unwrap();

    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&roster_file).unwrap(),
        "# The platform team's roster.\nversion: 1\n\nenvironments:\n  prod:\n    aws:\n      accounts: [\"210987654321\"]  # the prod account\n\nsuppressions:\n  - rule: unused-identity\n    target: \"aws:210987654321:role:legacy-*\"\n    reason: \"kept for the audit\"\n    owner: \"data\"\n    expires: 2026-07-01\n"
    );
}

#[test]
fn suppress_rejects_waivers_past_the_maximum() {
    let (_folder, roster_file) = demo_roster_copy();
    let original = std::fs::read_to_string(&roster_file).unwrap();

    let output = roster()
        .args(["suppress", "abc123", "--rule", "orphan-identity"])
        .args(["--reason", "r", "--owner", "o", "--expires", "180d"])
        .args(["--max-suppression-days", "90", "--now", DEMO_NOW])
        .arg("--roster")
        .arg(&roster_file)
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("`--expires` 2026-11-28 is more than 90 days after 2026-06-01"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&roster_file).unwrap(), original);
}

#[test]
fn suppress_without_rule_or_report_is_rejected() {
    let (_folder, roster_file) = demo_roster_copy();

    let output = roster()
        .args(["suppress", "abc123", "--reason", "r", "--owner", "o"])
        .args(["--expires", "30d"])
        .arg("--roster")
        .arg(&roster_file)
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(
            "give `--report REPORT.json` (a report that contains the finding) or `--rule RULE`"
        ),
        "{stderr}"
    );
}

#[test]
fn suppress_twice_is_rejected() {
    let (_folder, roster_file) = demo_roster_copy();

    let output = roster()
        .args(["suppress", "aws:345678901234:user:ci-dev-deployer"])
        .args([
            "--rule",
            "stale-credential",
            "--reason",
            "r",
            "--owner",
            "o",
        ])
        .args(["--expires", "30d", "--now", DEMO_NOW])
        .arg("--roster")
        .arg(&roster_file)
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("already suppresses `stale-credential`"),
        "{stderr}"
    );
}
