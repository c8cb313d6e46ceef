//! Imports of hand-written exports in every supported form: gcloud output, Cloud Asset
//! Inventory records in camelCase, and the deleted members of edge case G1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use roster_model::{
    CoverageKind, CoverageStatus, GrantCondition, Inventory, NoteKind, PrincipalKind, Subject,
};
use roster_provider_gcp::{ImportError, import_bytes};

fn import(files: &[(&str, &str)]) -> Result<Inventory, ImportError> {
    let files: Vec<(PathBuf, Vec<u8>)> = files
        .iter()
        .map(|(name, text)| (PathBuf::from(name), text.as_bytes().to_vec()))
        .collect();
    import_bytes(&files)
}

fn subject(grant_subject: &Subject) -> String {
    match grant_subject {
        Subject::Identity(key) => key.to_string(),
        Subject::Group(key) => key.to_string(),
    }
}

const ACCOUNTS: &str = r#"[
  {
    "description": "Runs the nightly export",
    "displayName": "CI",
    "email": "ci@p.iam.gserviceaccount.com",
    "etag": "MDEwMjE5MjA=",
    "name": "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com",
    "oauth2ClientId": "123456789012345678901",
    "projectId": "p",
    "uniqueId": "123456789012345678901"
  },
  {
    "disabled": true,
    "email": "old-job@p.iam.gserviceaccount.com",
    "name": "projects/p/serviceAccounts/old-job@p.iam.gserviceaccount.com",
    "projectId": "p",
    "uniqueId": "123456789012345678902"
  }
]"#;

const KEYS: &str = r#"[
  {
    "keyAlgorithm": "KEY_ALG_RSA_2048",
    "keyOrigin": "GOOGLE_PROVIDED",
    "keyType": "USER_MANAGED",
    "name": "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com/keys/8c4a3e9f0d7b",
    "validAfterTime": "2025-11-02T09:30:00Z",
    "validBeforeTime": "9999-12-31T23:59:59Z"
  },
  {
    "disabled": true,
    "keyAlgorithm": "KEY_ALG_RSA_2048",
    "keyOrigin": "USER_PROVIDED",
    "keyType": "USER_MANAGED",
    "name": "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com/keys/1f2e3d4c5b6a",
    "validAfterTime": "2024-01-10T00:00:00Z",
    "validBeforeTime": "2026-01-10T00:00:00Z"
  }
]"#;

/// The policy of edge case G1: a live member, a deleted one with the same email, a deleted
/// user and a workload identity pool.
const G1_POLICY: &str = r#"{"version":3,"etag":"BwX=","bindings":[{"role":"roles/storage.admin","members":[
  "serviceAccount:ci@p.iam.gserviceaccount.com",
  "deleted:serviceAccount:ci@p.iam.gserviceaccount.com?uid=123456789012345678901",
  "deleted:user:old@example.com?uid=42",
  "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/*"]}]}"#;

#[test]
fn gcloud_outputs_join_into_one_project() {
    let inventory = import(&[
        ("accounts.json", ACCOUNTS),
        ("keys.json", KEYS),
        ("p.iam-policy.json", G1_POLICY),
    ])
    .unwrap();

    let names: Vec<&str> = inventory
        .identities
        .iter()
        .map(|identity| identity.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "ci@p.iam.gserviceaccount.com",
            "old-job@p.iam.gserviceaccount.com"
        ]
    );
    assert!(!inventory.identities[1].enabled);
    assert_eq!(
        inventory.identities[0].description.as_deref(),
        Some("Runs the nightly export")
    );
    assert_eq!(inventory.credentials.len(), 2);
    assert_eq!(inventory.credentials[1].expires, None);
    assert_eq!(
        inventory.credentials[0].status,
        roster_model::CredentialStatus::Inactive
    );
    assert_eq!(
        inventory
            .coverage
            .iter()
            .find(|entry| entry.kind == CoverageKind::Grants)
            .unwrap()
            .status,
        CoverageStatus::Complete
    );
}

#[test]
fn deleted_members_are_distinct_identities() {
    let inventory = import(&[
        ("accounts.json", ACCOUNTS),
        ("p.iam-policy.json", G1_POLICY),
    ])
    .unwrap();

    let subjects: Vec<String> = inventory
        .grants
        .iter()
        .map(|grant| subject(&grant.subject))
        .collect();
    assert_eq!(
        subjects,
        [
            "gcp:example.com:human:deleted:user:old@example.com?uid=42",
            "gcp:p:service-account:ci@p.iam.gserviceaccount.com",
            "gcp:p:service-account:deleted:serviceAccount:ci@p.iam.gserviceaccount.com?uid=123456789012345678901",
            "gcp:federated:group:principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/*",
        ]
    );
    // The live account keeps its identity; the deleted one with the same email is no
    // identity at all, only the subject of a grant.
    assert_eq!(inventory.identities.len(), 2);
    let deleted = &inventory.grants[2];
    match &deleted.subject {
        Subject::Identity(key) => assert!(key.names_deleted_principal()),
        Subject::Group(key) => panic!("expected an identity subject, got {key}"),
    }
}

#[test]
fn lossy_gcloud_policy_is_marked() {
    let policy = r#"{"bindings": [
        {"role": "roles/iam.serviceAccountUser_withcond_2f1c9e8b7a6d5c4b", "members": ["user:dev@example.com"]},
        {"role": "roles/viewer", "members": ["group:readers@example.com"]}
    ], "etag": "BwX=", "version": 1}"#;
    let inventory = import(&[("accounts.json", ACCOUNTS), ("p.iam-policy.json", policy)]).unwrap();

    let user = inventory
        .grants
        .iter()
        .find(|grant| grant.policy.as_str() == "roles/iam.serviceAccountUser")
        .unwrap();
    assert_eq!(
        user.condition,
        Some(GrantCondition {
            title: None,
            expression: None
        })
    );
    // The stripped role still lets the member act as every account of the project.
    let trusts: Vec<&str> = inventory
        .trusts
        .iter()
        .map(|trust| trust.target.native_id())
        .collect();
    assert_eq!(
        trusts,
        [
            "ci@p.iam.gserviceaccount.com",
            "old-job@p.iam.gserviceaccount.com"
        ]
    );
    assert_eq!(inventory.trusts[0].conditions.len(), 1);
    assert!(
        inventory
            .notes
            .iter()
            .any(|note| note.kind == NoteKind::LossyInput)
    );
}

#[test]
fn camel_case_records_import_like_snake_case() {
    let camel = r#"{"name": "//iam.googleapis.com/projects/p/serviceAccounts/123456789012345678901", "assetType": "iam.googleapis.com/ServiceAccount", "resource": {"version": "v1", "discoveryDocumentUri": "https://iam.googleapis.com/$discovery/rest", "discoveryName": "ServiceAccount", "parent": "//cloudresourcemanager.googleapis.com/projects/42", "data": {"email": "ci@p.iam.gserviceaccount.com", "projectId": "p", "uniqueId": "123456789012345678901"}}, "ancestors": ["projects/42", "organizations/7"]}
{"name": "//iam.googleapis.com/projects/p/serviceAccounts/123456789012345678901", "assetType": "iam.googleapis.com/ServiceAccount", "iamPolicy": {"version": 3, "bindings": [{"role": "roles/iam.serviceAccountTokenCreator", "members": ["allAuthenticatedUsers"], "condition": {"title": "office hours", "expression": "request.time.getHours(\"Europe/Berlin\") < 18"}}]}}
"#;
    let snake = camel
        .replace("\"assetType\"", "\"asset_type\"")
        .replace("\"iamPolicy\"", "\"iam_policy\"")
        .replace("\"discoveryDocumentUri\"", "\"discovery_document_uri\"")
        .replace("\"discoveryName\"", "\"discovery_name\"");

    let from_camel = import(&[("camel.jsonl", camel)]).unwrap();
    let from_snake = import(&[("snake.jsonl", &snake)]).unwrap();

    assert_eq!(from_camel.identities, from_snake.identities);
    assert_eq!(from_camel.trusts, from_snake.trusts);
    let trust = &from_camel.trusts[0];
    assert_eq!(trust.principal.kind, PrincipalKind::Anyone);
    assert_eq!(trust.conditions[0].key, "office hours");
}

#[test]
fn roles_file_expands_bound_roles_only() {
    let roles = r#"{"roles": [
        {"name": "roles/storage.admin", "title": "Storage Admin", "includedPermissions": ["storage.buckets.delete", "storage.objects.get"], "stage": "GA"},
        {"name": "roles/pubsub.viewer", "title": "Pub/Sub Viewer", "includedPermissions": ["pubsub.topics.get"], "stage": "GA"}
    ], "nextPageToken": "CgZ"}"#;
    let inventory = import(&[("p.iam-policy.json", G1_POLICY), ("roles.json", roles)]).unwrap();

    let names: Vec<&str> = inventory
        .policies
        .iter()
        .map(|policy| policy.name.as_str())
        .collect();
    assert_eq!(names, ["roles/storage.admin"]);
    assert_eq!(inventory.policies[0].permissions.len(), 2);
}

#[test]
fn key_without_name_is_rejected_with_its_line() {
    let keys = r#"[{"keyAlgorithm": "KEY_ALG_RSA_2048", "keyType": "USER_MANAGED"}]"#;
    let error = import(&[("keys.json", keys)]).unwrap_err().to_string();
    assert_eq!(
        error,
        "keys.json:1: invalid service account key: element 1: the key has no `name`, so its \
         service account is unknown"
    );
}
