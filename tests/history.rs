//! End-to-end tests of `roster scan --record`, `roster audit` and `roster diff` on a
//! sequence of imported estates with known changes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

fn roster() -> Command {
    let mut command = Command::cargo_bin("roster").unwrap();
    command
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("ROSTER_STORE");
    command
}

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/demo/aws")
        .join(path)
}

/// The prod account of the demo estate, as an account-authorization dump and a CSV report.
struct Estate {
    dump: Value,
    report: String,
}

impl Estate {
    fn demo_prod() -> Estate {
        let dump = serde_json::from_str(
            &std::fs::read_to_string(fixture("prod-account-authorization.json")).unwrap(),
        )
        .unwrap();
        let report = std::fs::read_to_string(fixture("csv/prod-credential-report.csv")).unwrap();
        Estate { dump, report }
    }

    fn write(&self, folder: &Path) -> PathBuf {
        std::fs::create_dir_all(folder).unwrap();
        std::fs::write(
            folder.join("authorization.json"),
            serde_json::to_vec_pretty(&self.dump).unwrap(),
        )
        .unwrap();
        std::fs::write(folder.join("credential-report.csv"), &self.report).unwrap();
        folder.to_path_buf()
    }

    fn role_mut(&mut self, name: &str) -> &mut Value {
        self.dump["RoleDetailList"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|role| role["RoleName"] == name)
            .unwrap()
    }

    fn user_mut(&mut self, name: &str) -> &mut Value {
        self.dump["UserDetailList"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|user| user["UserName"] == name)
            .unwrap()
    }
}

fn record(store: &Path, estate: &Path, now: &str) {
    let output = roster()
        .args(["scan", "--format", "json", "--now", now, "--record"])
        .arg(store)
        .arg("--import")
        .arg(format!("aws={}", estate.display()))
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1 | 3)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["chain_head"].as_str().unwrap().contains("(event "));
}

fn events(store: &Path, extra: &[&str]) -> Vec<Value> {
    let output = roster()
        .args(["audit", "log", "--format", "json", "--store"])
        .arg(store)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice::<Value>(&output.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn kinds_and_subjects(events: &[Value]) -> BTreeSet<(String, String)> {
    events
        .iter()
        .map(|event| {
            (
                event["kind"].as_str().unwrap().to_owned(),
                event["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Records the demo's prod account, then the same account after known changes.
fn two_scans(folder: &Path) -> PathBuf {
    let store = folder.join("history.sqlite");
    let mut estate = Estate::demo_prod();
    record(
        &store,
        &estate.write(&folder.join("first")),
        "2026-06-01T00:00:00Z",
    );

    let mut new_role = estate.role_mut("reports-reader").clone();
    new_role["RoleName"] = json!("reports-writer");
    new_role["RoleId"] = json!("AROATCQ4J7XWNEWROLE01");
    new_role["Arn"] = json!("arn:aws:iam::210987654321:role/reports-writer");
    new_role["Path"] = json!("/");
    estate.dump["RoleDetailList"]
        .as_array_mut()
        .unwrap()
        .push(new_role);

    estate.user_mut("maria.chen")["GroupList"] = json!([]);

    let inline =
        &mut estate.role_mut("image-builder")["RolePolicyList"][0]["PolicyDocument"]["Statement"];
    inline
        .as_array_mut()
        .unwrap()
        .push(json!({"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}));

    estate.report = estate.report.replace(
        "ci-artifact-sync,arn:aws:iam::210987654321:user/ci/ci-artifact-sync,2022-01-24T15:30:19+00:00,false,N/A,N/A,N/A,false,true,",
        "ci-artifact-sync,arn:aws:iam::210987654321:user/ci/ci-artifact-sync,2022-01-24T15:30:19+00:00,false,N/A,N/A,N/A,false,false,",
    );

    record(
        &store,
        &estate.write(&folder.join("second")),
        "2026-06-02T00:00:00Z",
    );
    store
}

#[test]
fn changes_between_scans_become_events() {
    let folder = tempfile::tempdir().unwrap();
    let store = two_scans(folder.path());

    let found = kinds_and_subjects(&events(&store, &[]));

    let expected: BTreeSet<(String, String)> = [
        ("identity-created", "aws:210987654321:role:reports-writer"),
        ("grant-added", "aws:210987654321:role:reports-writer"),
        ("trust-changed", "aws:210987654321:role:reports-writer"),
        ("member-removed", "aws:210987654321:user:maria.chen"),
        ("grant-changed", "aws:210987654321:role:image-builder"),
        (
            "credential-deactivated",
            "aws:210987654321:user:ci-artifact-sync",
        ),
    ]
    .into_iter()
    .map(|(kind, subject)| (kind.to_owned(), subject.to_owned()))
    .collect();
    assert_eq!(found, expected);
}

#[test]
fn log_filters_by_identity_and_kind() {
    let folder = tempfile::tempdir().unwrap();
    let store = two_scans(folder.path());

    let grants = events(
        &store,
        &["--identity", "aws:210987654321:role:image-builder"],
    );
    assert_eq!(grants.len(), 1, "{grants:#?}");
    assert_eq!(grants[0]["kind"], "grant-changed");
    assert!(grants[0]["detail"].to_string().contains("ec2:RunInstances"));

    let created = events(&store, &["--kind", "identity-created"]);
    assert!(
        created
            .iter()
            .all(|event| event["kind"] == "identity-created")
    );
    assert!(!created.is_empty());

    let none = events(&store, &["--since", "2027-01-01T00:00:00Z"]);
    assert!(none.is_empty());
}

#[test]
fn verify_reports_intact_chain() {
    let folder = tempfile::tempdir().unwrap();
    let store = two_scans(folder.path());

    let output = roster()
        .args(["audit", "verify", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.starts_with("intact:"), "{stdout}");
}

#[test]
fn diff_shows_policy_lines() {
    let folder = tempfile::tempdir().unwrap();
    let store = two_scans(folder.path());

    let output = roster()
        .args(["diff", "1", "2", "--color", "never", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("reports-writer"), "{stdout}");
    assert!(
        stdout.contains("+") && stdout.contains("ec2:RunInstances"),
        "{stdout}"
    );
}

#[test]
fn export_writes_one_event_per_line() {
    let folder = tempfile::tempdir().unwrap();
    let store = two_scans(folder.path());
    let total = events(&store, &[]).len();

    let output = roster()
        .args(["audit", "export", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), total);
    for line in lines {
        let event: Value = serde_json::from_str(line).unwrap();
        assert_eq!(event["hash"].as_str().unwrap().len(), 64);
    }
}

#[test]
fn reading_a_missing_store_is_an_error() {
    let folder = tempfile::tempdir().unwrap();
    let output = roster()
        .args(["audit", "log", "--store"])
        .arg(folder.path().join("absent.sqlite"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no history store"));
}

#[test]
fn prune_keeps_every_event() {
    let folder = tempfile::tempdir().unwrap();
    let store = two_scans(folder.path());
    let before = events(&store, &[]).len();

    roster()
        .args(["audit", "prune", "--keep-snapshots", "1", "--store"])
        .arg(&store)
        .assert()
        .success();

    assert_eq!(events(&store, &[]).len(), before);
    roster()
        .args(["audit", "verify", "--store"])
        .arg(&store)
        .assert()
        .success();
}
