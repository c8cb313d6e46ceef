//! End-to-end tests of `roster scan` on GCP data: a live scan against a local server that
//! responds in the GCP APIs' format, and an import of the same estate as a Cloud Asset
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

/// Returns the same estate as a Cloud Asset Inventory export.
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

/// Returns the findings of the estate. The service accounts never authenticated either, but
/// GCP does not record when a service account was created, so unused-identity cannot tell
/// how long they have been idle. The key's creation date gives unused-credential that measure.
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

    // An export contains no Policy Analyzer activity, so the finding that needs usage is left
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

fn corpus(names: &[&str]) -> Option<Vec<String>> {
    let Some(root) = std::env::var_os("ROSTER_CORPUS_DIR") else {
        eprintln!("skipped: ROSTER_CORPUS_DIR is not set");
        return None;
    };
    let dir = std::path::Path::new(&root).join("gcp");
    Some(
        names
            .iter()
            .map(|name| format!("gcp={}", dir.join(name).display()))
            .collect(),
    )
}

/// Scans imports without a roster and returns every finding as (rule, subject, message).
fn scan_imports(imports: &[String]) -> BTreeSet<(String, String, String)> {
    let mut command = roster();
    command.args(["scan", "--format", "json", "--now", NOW]);
    for import in imports {
        command.args(["--import", import]);
    }
    let output = command.output().unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1 | 3)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_owned(),
                finding["subject"].as_str().unwrap().to_owned(),
                finding["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn rules_and_subjects(findings: &BTreeSet<(String, String, String)>) -> Vec<(&str, &str)> {
    findings
        .iter()
        .map(|(rule, subject, _)| (rule.as_str(), subject.as_str()))
        .collect()
}

#[test]
fn forseti_export_gives_expected_findings() {
    let Some(imports) = corpus(&[
        "forseti_mock_cai_resources.jsonl",
        "forseti_mock_cai_iam_policies.jsonl",
    ]) else {
        return;
    };
    let findings = scan_imports(&imports);

    // A user is granted Service Account Key Admin on the Compute Engine default service
    // account of project1. Without a roster, no service account has an owner.
    assert_eq!(
        rules_and_subjects(&findings),
        [
            (
                "human-use-of-nhi",
                "gcp:project1:service-account:1041-compute@developer.gserviceaccount.com"
            ),
            (
                "orphan-identity",
                "gcp:project1:service-account:1041-compute@developer.gserviceaccount.com"
            ),
            (
                "orphan-identity",
                "gcp:project2:service-account:1042-compute@developer.gserviceaccount.com"
            ),
            (
                "orphan-identity",
                "gcp:project2:service-account:123-compute@developer.gserviceaccount.com"
            ),
        ]
    );
}

#[test]
fn policy_library_key_export_gives_expected_findings() {
    let Some(imports) = corpus(&["policylib_cai_gcp_iam_restrict_service_account_key_age.json"])
    else {
        return;
    };
    let findings = scan_imports(&imports);

    let account =
        "gcp:forseti-system-test:service-account:111111-compute@developer.gserviceaccount.com";
    assert_eq!(
        rules_and_subjects(&findings),
        [
            ("expiring-credential", account),
            ("multiple-active-credentials", account),
            ("stale-credential", account),
            ("stale-credential", account),
            ("stale-credential", account),
            ("stale-credential", account),
        ]
    );
    let stale: Vec<&str> = findings
        .iter()
        .filter(|(rule, _, _)| rule == "stale-credential")
        .map(|(_, _, message)| message.as_str())
        .collect();
    // The key valid from 2200 is not stale; the one that expired in 2017 is reported by
    // expiring-credential too.
    assert!(
        stale
            .iter()
            .all(|message| !message.contains("testkeyagefuture")),
        "{stale:?}"
    );
    assert!(
        findings
            .iter()
            .any(|(rule, _, message)| rule == "expiring-credential"
                && message.contains("`testkeyexpired`"))
    );
}

#[test]
fn policy_library_bindings_without_accounts_give_no_findings() {
    let Some(imports) = corpus(&[
        "policylib_cai_iam_allowed_bindings.json",
        "policylib_cai_iam_allow_ban_roles.json",
        "policylib_cai_iam_required_bindings.json",
        "policylib_cai_storage_bucket_world_readable.json",
        "policylib_cai_bigquery_dataset_world_readable.json",
    ]) else {
        return;
    };

    // These policies grant roles to people, groups and the public on projects, buckets and
    // datasets, but name no service account of the export, so no rule about service
    // accounts applies.
    assert!(scan_imports(&imports).is_empty());
}

#[test]
fn policy_library_key_types_give_expected_findings() {
    let Some(imports) = corpus(&["policylib_cai_gcp_iam_restrict_service_account_key_type.json"])
    else {
        return;
    };
    let findings = scan_imports(&imports);

    // Only the user-managed key counts; the system-managed one is Google's to rotate.
    let account =
        "gcp:forseti-system-test:service-account:111111-compute@developer.gserviceaccount.com";
    assert_eq!(
        rules_and_subjects(&findings),
        [
            ("expiring-credential", account),
            ("stale-credential", account)
        ]
    );
    assert!(
        findings
            .iter()
            .all(|(_, _, message)| message.contains("`1234567890abcdef`"))
    );
}

#[test]
fn deleted_member_of_edge_case_g1_is_dangling() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.iam-policy.json");
    std::fs::write(
        &policy,
        r#"{"version":3,"etag":"BwX=","bindings":[{"role":"roles/storage.admin","members":[
  "serviceAccount:ci@p.iam.gserviceaccount.com",
  "deleted:serviceAccount:ci@p.iam.gserviceaccount.com?uid=123456789012345678901",
  "deleted:user:old@example.com?uid=42",
  "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/*"]}]}"#,
    )
    .unwrap();
    let accounts = dir.path().join("accounts.json");
    std::fs::write(
        &accounts,
        r#"[{"email": "ci@p.iam.gserviceaccount.com", "name": "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com", "projectId": "p", "uniqueId": "223456789012345678901"}]"#,
    )
    .unwrap();
    let findings = scan_imports(&[
        format!("gcp={}", policy.display()),
        format!("gcp={}", accounts.display()),
    ]);

    let dangling: Vec<(&str, &str)> = rules_and_subjects(&findings)
        .into_iter()
        .filter(|(rule, _)| *rule == "dangling-principal")
        .collect();
    assert_eq!(
        dangling,
        [
            (
                "dangling-principal",
                "gcp:example.com:human:deleted:user:old@example.com?uid=42"
            ),
            (
                "dangling-principal",
                "gcp:p:service-account:deleted:serviceAccount:ci@p.iam.gserviceaccount.com?uid=123456789012345678901"
            ),
        ]
    );
    // The live `ci@` is a different service account and keeps no finding of the deleted one.
    assert!(
        !findings
            .iter()
            .any(|(rule, subject, _)| rule == "dangling-principal"
                && subject == "gcp:p:service-account:ci@p.iam.gserviceaccount.com")
    );
}
