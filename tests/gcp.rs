//! End-to-end tests of `roster scan` on GCP data: a live scan against a local server that
//! answers in the GCP APIs' format, and an import of the same estate as a Cloud Asset
//! Inventory export. Both must report the same GCP findings, in JSON and in the table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../providers/gcp/tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;

use assert_cmd::Command;
use serde_json::{Value, json};
use support::{GcpServer, Reply};

const NOW: &str = "2026-06-01T00:00:00Z";
const PROJECT: &str = "acme-batch";
const RUNNER: &str = "runner@acme-batch.iam.gserviceaccount.com";
const COMPUTE: &str = "500000000001-compute@developer.gserviceaccount.com";
const DELETED: &str =
    "deleted:serviceAccount:old@acme-batch.iam.gserviceaccount.com?uid=100000000000000000099";

fn project() -> Value {
    json!({"name": "projects/500000000001", "projectId": PROJECT, "parent": "organizations/600000000001", "displayName": "Batch", "state": "ACTIVE"})
}

fn accounts() -> Value {
    json!([
        {"name": format!("projects/{PROJECT}/serviceAccounts/{RUNNER}"), "projectId": PROJECT, "uniqueId": "100000000000000000011", "email": RUNNER, "displayName": "Batch runner"},
        {"name": format!("projects/{PROJECT}/serviceAccounts/{COMPUTE}"), "projectId": PROJECT, "uniqueId": "100000000000000000012", "email": COMPUTE, "displayName": "Compute Engine default service account"}
    ])
}

fn runner_key() -> Value {
    json!({"name": format!("projects/{PROJECT}/serviceAccounts/{RUNNER}/keys/0a1b2c3d4e5f"), "validAfterTime": "2025-09-01T10:00:00Z", "validBeforeTime": "9999-12-31T23:59:59Z", "keyAlgorithm": "KEY_ALG_RSA_2048", "keyOrigin": "GOOGLE_PROVIDED", "keyType": "USER_MANAGED"})
}

fn runner_policy() -> Value {
    json!({"version": 1, "etag": "BwYAAAAAAAA=", "bindings": [
        {"role": "roles/iam.serviceAccountTokenCreator", "members": ["user:sam@acme.example"]}
    ]})
}

fn project_policy() -> Value {
    json!({"version": 1, "etag": "BwYAAAAAAAE=", "bindings": [
        {"role": "roles/editor", "members": [format!("serviceAccount:{COMPUTE}")]},
        {"role": "roles/storage.objectAdmin", "members": [format!("serviceAccount:{RUNNER}"), DELETED]}
    ]})
}

fn server() -> GcpServer {
    let server = GcpServer::start();
    let accounts = accounts();
    let activity = |kind: &str| {
        format!("GET /v1/projects/{PROJECT}/locations/global/activityTypes/{kind}/activities:query")
    };
    server
        .route(
            &format!("GET /v3/projects/{PROJECT}"),
            vec![Reply::ok(project())],
        )
        .route(
            "GET /v3/organizations/600000000001",
            vec![Reply::ok(
                json!({"name": "organizations/600000000001", "displayName": "acme.example"}),
            )],
        )
        .route(
            "POST /v3/organizations/600000000001:getIamPolicy",
            vec![Reply::ok(json!({"etag": "ACAB"}))],
        )
        .route(
            "GET /v1/roles?parent=organizations/600000000001",
            vec![Reply::ok(json!({}))],
        )
        .route(
            &format!("GET /v1/projects/{PROJECT}/serviceAccounts"),
            vec![Reply::ok(json!({"accounts": accounts}))],
        )
        .route(
            &format!("GET /v1/projects/{PROJECT}/serviceAccounts/{RUNNER}/keys"),
            vec![Reply::ok(json!({"keys": [runner_key()]}))],
        )
        .route(
            &format!("GET /v1/projects/{PROJECT}/serviceAccounts/{COMPUTE}/keys"),
            vec![Reply::ok(json!({}))],
        )
        .route(
            &format!("POST /v1/projects/{PROJECT}/serviceAccounts/{RUNNER}:getIamPolicy"),
            vec![Reply::ok(runner_policy())],
        )
        .route(
            &format!("POST /v1/projects/{PROJECT}/serviceAccounts/{COMPUTE}:getIamPolicy"),
            vec![Reply::ok(json!({"etag": "ACAB"}))],
        )
        .route(
            &format!("POST /v3/projects/{PROJECT}:getIamPolicy"),
            vec![Reply::ok(project_policy())],
        )
        .route(
            &format!("GET /v1/roles?parent=projects/{PROJECT}"),
            vec![Reply::ok(json!({}))],
        )
        .route(
            &activity("serviceAccountLastAuthentication"),
            vec![Reply::ok(json!({}))],
        )
        .route(
            &activity("serviceAccountKeyLastAuthentication"),
            vec![Reply::ok(json!({}))],
        );
    server
}

/// The same estate as a Cloud Asset Inventory export.
fn export() -> String {
    let manager = "//cloudresourcemanager.googleapis.com/projects/500000000001";
    let account =
        |id: &str| format!("//iam.googleapis.com/projects/{PROJECT}/serviceAccounts/{id}");
    let mut lines = vec![
        json!({"name": manager, "asset_type": "cloudresourcemanager.googleapis.com/Project", "resource": {"data": project()}}),
        json!({"name": manager, "asset_type": "cloudresourcemanager.googleapis.com/Project", "iam_policy": project_policy()}),
        json!({"name": account("100000000000000000011"), "asset_type": "iam.googleapis.com/ServiceAccount", "iam_policy": runner_policy()}),
        json!({"name": format!("{}/keys/0a1b2c3d4e5f", account(RUNNER)), "asset_type": "iam.googleapis.com/ServiceAccountKey", "resource": {"data": runner_key()}}),
    ];
    for data in accounts().as_array().unwrap() {
        lines.push(json!({"name": account(data["uniqueId"].as_str().unwrap()), "asset_type": "iam.googleapis.com/ServiceAccount", "resource": {"data": data}}));
    }
    lines.iter().map(|line| format!("{line}\n")).collect()
}

fn roster() -> Command {
    Command::cargo_bin("roster").unwrap()
}

fn findings(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["provider"] == "gcp")
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_owned(),
                finding["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The findings of the estate. The service accounts never authenticated either, but GCP
/// does not say when a service account was created, so unused-identity cannot tell how long
/// they have been idle; the key's creation date gives unused-credential that measure.
fn expected() -> BTreeSet<(String, String)> {
    let account = |email: &str| format!("gcp:{PROJECT}:service-account:{email}");
    [
        ("admin-equivalent", account(COMPUTE)),
        ("dangling-principal", account(DELETED)),
        ("human-use-of-nhi", account(RUNNER)),
        ("long-lived-credential", account(RUNNER)),
        ("stale-credential", account(RUNNER)),
        ("unused-credential", account(RUNNER)),
        ("orphan-identity", account(COMPUTE)),
        ("orphan-identity", account(RUNNER)),
    ]
    .into_iter()
    .map(|(rule, subject)| (rule.to_owned(), subject))
    .collect()
}

#[test]
fn live_scan_reports_gcp_findings() {
    let server = server();
    let output = roster()
        .args([
            "scan",
            "--format",
            "json",
            "--now",
            NOW,
            "--provider",
            "gcp",
            "--gcp-project",
            PROJECT,
            "--gcp-anonymous",
            "--gcp-endpoint",
            &server.url,
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();

    assert_eq!(findings(&report), expected());
    let collection = report["collection"].as_array().unwrap();
    let project = collection
        .iter()
        .find(|stats| stats["scope"] == format!("gcp:{PROJECT}"))
        .unwrap();
    let calls: u64 = project["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|operation| operation["calls"].as_u64().unwrap())
        .sum();
    assert!(calls >= 8, "{project}");
}

#[test]
fn import_reports_the_same_findings_without_usage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme-batch.jsonl");
    std::fs::write(&path, export()).unwrap();
    let output = roster()
        .args(["scan", "--format", "json", "--now", NOW, "--import"])
        .arg(format!("gcp={}", path.display()))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();

    // An export holds no Policy Analyzer activity, so the finding that needs usage is left
    // out, and nothing else changes.
    let without_usage: BTreeSet<(String, String)> = expected()
        .into_iter()
        .filter(|(rule, _)| rule != "unused-credential")
        .collect();
    assert_eq!(findings(&report), without_usage);
}

#[test]
fn table_names_gcp_findings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme-batch.jsonl");
    std::fs::write(&path, export()).unwrap();
    let output = roster()
        .args([
            "scan", "--format", "table", "--color", "never", "--now", NOW, "--import",
        ])
        .arg(format!("gcp={}", path.display()))
        .output()
        .unwrap();
    let table = String::from_utf8(output.stdout).unwrap();

    assert!(table.contains("admin-equivalent"), "{table}");
    assert!(
        table.contains(&format!("gcp:{PROJECT}:service-account:{COMPUTE}")),
        "{table}"
    );
    assert!(
        table.contains("people can act as non-human gcp-service-account"),
        "{table}"
    );
}
