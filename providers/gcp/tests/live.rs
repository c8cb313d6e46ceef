//! Live collection against a local server that responds in the GCP APIs' format: paging,
//! access denied on one project, throttling then success, and a version-1 policy that lost
//! a condition. The same estate, written as a Cloud Asset Inventory export, must import to
//! the same inventory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use roster_model::{
    CoverageKind, CoverageStatus, GrantCondition, IdentityKind, Inventory, NoteKind, PrincipalKind,
    Subject, UsageState,
};
use roster_provider::{Collection, Collector, NoProgress};
use roster_provider_gcp::{GcpConfig, GcpCredentials, GcpProvider, RetrySettings};
use serde_json::{Value, json};
use support::{GcpServer, Reply};

const ORG: &str = "organizations/400000000001";
const FOLDER: &str = "folders/300000000001";
const DATA: &str = "acme-data";
const DATA_NUMBER: &str = "200000000001";
const LOCKED: &str = "acme-locked";
const ETL: &str = "etl@acme-data.iam.gserviceaccount.com";
const COMPUTE: &str = "200000000001-compute@developer.gserviceaccount.com";
const DELETED: &str =
    "deleted:serviceAccount:old@acme-data.iam.gserviceaccount.com?uid=100000000000000000009";

fn organization() -> Value {
    json!({"name": ORG, "displayName": "acme.example", "state": "ACTIVE"})
}

fn folder() -> Value {
    json!({"name": FOLDER, "parent": ORG, "displayName": "Data", "state": "ACTIVE"})
}

fn project(id: &str, number: &str) -> Value {
    json!({"name": format!("projects/{number}"), "parent": FOLDER, "projectId": id, "state": "ACTIVE", "displayName": id})
}

fn etl() -> Value {
    json!({"name": format!("projects/{DATA}/serviceAccounts/{ETL}"), "projectId": DATA, "uniqueId": "100000000000000000001", "email": ETL, "displayName": "ETL", "oauth2ClientId": "100000000000000000001"})
}

fn compute() -> Value {
    json!({"name": format!("projects/{DATA}/serviceAccounts/{COMPUTE}"), "projectId": DATA, "uniqueId": "100000000000000000002", "email": COMPUTE, "displayName": "Compute Engine default service account", "oauth2ClientId": "100000000000000000002"})
}

fn user_key() -> Value {
    json!({"name": format!("projects/{DATA}/serviceAccounts/{ETL}/keys/k1"), "validAfterTime": "2025-01-01T00:00:00Z", "validBeforeTime": "9999-12-31T23:59:59Z", "keyAlgorithm": "KEY_ALG_RSA_2048", "keyOrigin": "GOOGLE_PROVIDED", "keyType": "USER_MANAGED"})
}

fn system_key() -> Value {
    json!({"name": format!("projects/{DATA}/serviceAccounts/{ETL}/keys/s1"), "validAfterTime": "2026-05-20T00:00:00Z", "validBeforeTime": "2026-06-05T00:00:00Z", "keyAlgorithm": "KEY_ALG_RSA_2048", "keyOrigin": "GOOGLE_PROVIDED", "keyType": "SYSTEM_MANAGED"})
}

fn etl_policy() -> Value {
    json!({"version": 3, "etag": "BwYAAAAAAAE=", "bindings": [
        {"role": "roles/iam.serviceAccountTokenCreator", "members": ["user:dana@acme.example", DELETED]}
    ]})
}

/// A policy read as version 1: the conditional binding lost its condition and its role
/// carries `_withcond_`.
fn project_policy() -> Value {
    json!({"version": 1, "etag": "BwYAAAAAAAI=", "bindings": [
        {"role": "roles/editor", "members": [format!("serviceAccount:{COMPUTE}")]},
        {"role": "roles/bigquery.dataViewer_withcond_8d1b9a1c2f3e4d5a", "members": [format!("serviceAccount:{ETL}")]},
        {"role": "roles/iam.serviceAccountUser", "members": ["user:dana@acme.example"]},
        {"role": "projects/acme-data/roles/exporter", "members": [format!("serviceAccount:{ETL}")]}
    ]})
}

fn folder_policy() -> Value {
    json!({"version": 1, "etag": "BwYAAAAAAAM=", "bindings": [
        {"role": "roles/viewer", "members": ["group:analysts@acme.example"]}
    ]})
}

fn organization_policy() -> Value {
    json!({"version": 1, "etag": "BwYAAAAAAAQ=", "bindings": [
        {"role": "roles/resourcemanager.organizationAdmin", "members": ["user:admin@acme.example"]}
    ]})
}

fn custom_role() -> Value {
    json!({"name": "projects/acme-data/roles/exporter", "title": "Exporter", "includedPermissions": ["bigquery.tables.export", "storage.objects.create"], "stage": "GA", "etag": "BwYAAAAAAAU="})
}

fn predefined(name: &str, permissions: &[&str]) -> Value {
    json!({"name": name, "title": name, "includedPermissions": permissions, "stage": "GA", "etag": "AA=="})
}

/// Serves the estate: two projects under one folder, the second one locked.
fn server() -> GcpServer {
    let server = GcpServer::start();
    let iam_policy = |resource: &str| format!("POST /v3/{resource}:getIamPolicy");
    server
        .route(&format!("GET /v3/{FOLDER}"), vec![Reply::ok(folder())])
        .route(&format!("GET /v3/{ORG}"), vec![Reply::ok(organization())])
        .route(&iam_policy(FOLDER), vec![Reply::ok(folder_policy())])
        .route(&iam_policy(ORG), vec![Reply::ok(organization_policy())])
        .route(&format!("GET /v1/roles?parent={ORG}"), vec![Reply::ok(json!({}))])
        .route(&format!("GET /v3/folders?parent={FOLDER}"), vec![Reply::ok(json!({}))])
        .route(&format!("GET /v3/projects?parent={FOLDER}"), vec![Reply::ok(json!({"projects": [project(DATA, DATA_NUMBER)], "nextPageToken": "p2"}))])
        .route(&format!("GET /v3/projects?parent={FOLDER}&pageToken=p2"), vec![Reply::ok(json!({"projects": [project(LOCKED, "200000000002")]}))])
        // acme-data: two pages of service accounts, a throttled policy read, activity.
        .route(&format!("GET /v1/projects/{DATA}/serviceAccounts"), vec![Reply::ok(json!({"accounts": [etl()], "nextPageToken": "a2"}))])
        .route(&format!("GET /v1/projects/{DATA}/serviceAccounts?pageToken=a2"), vec![Reply::ok(json!({"accounts": [compute()]}))])
        .route(&format!("GET /v1/projects/{DATA}/serviceAccounts/{ETL}/keys"), vec![Reply::ok(json!({"keys": [user_key(), system_key()]}))])
        .route(&format!("GET /v1/projects/{DATA}/serviceAccounts/{COMPUTE}/keys"), vec![Reply::ok(json!({}))])
        .route(&format!("POST /v1/projects/{DATA}/serviceAccounts/{ETL}:getIamPolicy"), vec![Reply::ok(etl_policy())])
        .route(&format!("POST /v1/projects/{DATA}/serviceAccounts/{COMPUTE}:getIamPolicy"), vec![Reply::ok(json!({"etag": "ACAB"}))])
        .route(&iam_policy(&format!("projects/{DATA}")), vec![Reply::throttled(), Reply::ok(project_policy())])
        .route(&format!("GET /v1/roles?parent=projects/{DATA}"), vec![Reply::ok(json!({"roles": [custom_role()]}))])
        .route(
            &format!("GET /v1/projects/{DATA}/locations/global/activityTypes/serviceAccountLastAuthentication/activities:query"),
            vec![Reply::ok(json!({"activities": [{
                "activity": {"lastAuthenticatedTime": "2026-05-30T07:00:00Z", "serviceAccount": {"fullResourceName": format!("//iam.googleapis.com/projects/{DATA}/serviceAccounts/{ETL}"), "projectNumber": DATA_NUMBER, "serviceAccountId": "100000000000000000001"}},
                "activityType": "serviceAccountLastAuthentication",
                "fullResourceName": format!("//iam.googleapis.com/projects/{DATA}/serviceAccounts/{ETL}"),
                "observationPeriod": {"startTime": "2026-05-29T07:00:00Z", "endTime": "2026-05-30T07:00:00Z"}
            }]}))],
        )
        .route(
            &format!("GET /v1/projects/{DATA}/locations/global/activityTypes/serviceAccountKeyLastAuthentication/activities:query"),
            vec![Reply::ok(json!({"activities": [{
                "activity": {"lastAuthenticatedTime": "2026-05-29T07:00:00Z", "serviceAccountKey": {"fullResourceName": format!("//iam.googleapis.com/projects/{DATA}/serviceAccounts/{ETL}/keys/k1"), "projectNumber": DATA_NUMBER, "serviceAccountId": "100000000000000000001"}},
                "activityType": "serviceAccountKeyLastAuthentication"
            }]}))],
        )
        // acme-locked: every call denied.
        .route(&format!("GET /v1/projects/{LOCKED}/serviceAccounts"), vec![Reply::denied("iam.serviceAccounts.list")])
        .route(&iam_policy(&format!("projects/{LOCKED}")), vec![Reply::denied("resourcemanager.projects.getIamPolicy")])
        .route(&format!("GET /v1/roles?parent=projects/{LOCKED}"), vec![Reply::denied("iam.roles.list")])
        .route(
            &format!("GET /v1/projects/{LOCKED}/locations/global/activityTypes/serviceAccountLastAuthentication/activities:query"),
            vec![Reply::denied("policyanalyzer.serviceAccountLastAuthenticationActivities.query")],
        )
        .route(
            &format!("GET /v1/projects/{LOCKED}/locations/global/activityTypes/serviceAccountKeyLastAuthentication/activities:query"),
            vec![Reply::denied("policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query")],
        )
        // Predefined roles; roles/viewer is not served, so its permissions stay unknown.
        .route("GET /v1/roles/editor", vec![Reply::ok(predefined("roles/editor", &["bigquery.tables.get", "storage.objects.get"]))])
        .route("GET /v1/roles/bigquery.dataViewer", vec![Reply::ok(predefined("roles/bigquery.dataViewer", &["bigquery.tables.get"]))])
        .route("GET /v1/roles/iam.serviceAccountUser", vec![Reply::ok(predefined("roles/iam.serviceAccountUser", &["iam.serviceAccounts.actAs"]))])
        .route("GET /v1/roles/iam.serviceAccountTokenCreator", vec![Reply::ok(predefined("roles/iam.serviceAccountTokenCreator", &["iam.serviceAccounts.getAccessToken"]))])
        .route("GET /v1/roles/resourcemanager.organizationAdmin", vec![Reply::ok(predefined("roles/resourcemanager.organizationAdmin", &["resourcemanager.organizations.setIamPolicy"]))]);
    server
}

fn config(server: &GcpServer) -> GcpConfig {
    GcpConfig {
        folders: vec![FOLDER.to_owned()],
        endpoint: Some(server.url.clone()),
        credentials: GcpCredentials::Anonymous,
        retry: RetrySettings {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(10),
        },
        ..GcpConfig::default()
    }
}

async fn collect(server: &GcpServer) -> Collection {
    GcpProvider
        .collect(&config(server), Arc::new(NoProgress))
        .await
        .unwrap()
}

fn coverage(inventory: &Inventory, scope: &str, kind: CoverageKind) -> CoverageStatus {
    inventory
        .coverage
        .iter()
        .find(|entry| entry.scope.as_str() == scope && entry.kind == kind)
        .map(|entry| entry.status.clone())
        .unwrap_or_else(|| panic!("no {kind} coverage for {scope}"))
}

#[tokio::test]
async fn folder_scan_collects_every_project() {
    let server = server();
    let collection = collect(&server).await;
    let inventory = &collection.inventory;

    let keys: Vec<&str> = inventory
        .identities
        .iter()
        .map(|identity| identity.key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            format!("gcp:acme-data:service-account:{COMPUTE}"),
            format!("gcp:acme-data:service-account:{ETL}"),
        ]
    );
    let scopes: Vec<&str> = inventory
        .scopes
        .iter()
        .map(|scope| scope.id.as_str())
        .collect();
    assert_eq!(
        scopes,
        [
            "gcp:acme-data",
            "gcp:acme-locked",
            "gcp:folders/300000000001",
            "gcp:organizations/400000000001"
        ]
    );
    let data = inventory
        .scopes
        .iter()
        .find(|scope| scope.id.as_str() == "gcp:acme-data")
        .unwrap();
    assert_eq!(
        data.parent.as_ref().unwrap().as_str(),
        "gcp:folders/300000000001"
    );
}

#[tokio::test]
async fn user_managed_key_has_last_use() {
    let server = server();
    let inventory = collect(&server).await.inventory;

    assert_eq!(inventory.credentials.len(), 1);
    let key = &inventory.credentials[0];
    assert_eq!(key.native_id.as_deref(), Some("k1"));
    assert_eq!(key.expires, None);
    assert_eq!(key.last_used.state, UsageState::Used);
    assert_eq!(
        key.last_used.last_used,
        Some("2026-05-29T07:00:00Z".parse().unwrap())
    );
    let etl = inventory
        .identities
        .iter()
        .find(|identity| identity.name == ETL)
        .unwrap();
    assert_eq!(
        etl.last_used.last_used,
        Some("2026-05-30T07:00:00Z".parse().unwrap())
    );
    let compute = inventory
        .identities
        .iter()
        .find(|identity| identity.name == COMPUTE)
        .unwrap();
    assert_eq!(compute.last_used.state, UsageState::NeverUsed);
    assert_eq!(
        coverage(&inventory, "gcp:acme-data", CoverageKind::CredentialUsage),
        CoverageStatus::Complete
    );
}

#[tokio::test]
async fn denied_project_is_unverified() {
    let server = server();
    let inventory = collect(&server).await.inventory;

    assert_eq!(
        coverage(&inventory, "gcp:acme-locked", CoverageKind::Identities),
        CoverageStatus::Denied {
            permission: "iam.serviceAccounts.list".to_owned()
        }
    );
    assert_eq!(
        coverage(&inventory, "gcp:acme-locked", CoverageKind::Grants),
        CoverageStatus::Denied {
            permission: "resourcemanager.projects.getIamPolicy".to_owned()
        }
    );
    assert_eq!(
        coverage(&inventory, "gcp:acme-data", CoverageKind::Identities),
        CoverageStatus::Complete
    );
    assert_eq!(
        coverage(&inventory, "gcp:acme-data", CoverageKind::Grants),
        CoverageStatus::Complete
    );
    assert_eq!(
        coverage(&inventory, "gcp:acme-data", CoverageKind::Trusts),
        CoverageStatus::Complete
    );
}

#[tokio::test]
async fn version_one_policy_keeps_unknown_condition() {
    let server = server();
    let inventory = collect(&server).await.inventory;

    let viewer = inventory
        .grants
        .iter()
        .find(|grant| grant.policy.as_str() == "roles/bigquery.dataViewer")
        .unwrap();
    assert_eq!(
        viewer.condition,
        Some(GrantCondition {
            title: None,
            expression: None
        })
    );
    let lossy: Vec<&str> = inventory
        .notes
        .iter()
        .filter(|note| note.kind == NoteKind::LossyInput)
        .map(|note| note.message.as_str())
        .collect();
    assert_eq!(lossy.len(), 1, "{lossy:?}");
    assert!(lossy[0].contains("read as version 1"), "{}", lossy[0]);
}

#[tokio::test]
async fn trusts_come_from_account_and_project_bindings() {
    let server = server();
    let inventory = collect(&server).await.inventory;

    let mut trusts: Vec<(String, String, String)> = inventory
        .trusts
        .iter()
        .map(|trust| {
            (
                trust.target.native_id().to_owned(),
                trust.principal.value.clone(),
                trust.actions.join(","),
            )
        })
        .collect();
    trusts.sort();
    assert_eq!(
        trusts,
        [
            (
                COMPUTE.to_owned(),
                "user:dana@acme.example".to_owned(),
                "roles/iam.serviceAccountUser".to_owned()
            ),
            (
                ETL.to_owned(),
                DELETED.to_owned(),
                "roles/iam.serviceAccountTokenCreator".to_owned()
            ),
            (
                ETL.to_owned(),
                "user:dana@acme.example".to_owned(),
                "roles/iam.serviceAccountTokenCreator".to_owned()
            ),
            (
                ETL.to_owned(),
                "user:dana@acme.example".to_owned(),
                "roles/iam.serviceAccountUser".to_owned()
            ),
        ]
    );
    let deleted = inventory
        .trusts
        .iter()
        .find(|trust| trust.principal.value == DELETED)
        .unwrap();
    assert_eq!(deleted.principal.kind, PrincipalKind::DeletedPrincipal);
}

#[tokio::test]
async fn roles_are_expanded_or_noted() {
    let server = server();
    let inventory = collect(&server).await.inventory;

    let permissions = |name: &str| {
        inventory
            .policies
            .iter()
            .find(|policy| policy.name == name)
            .map(|policy| policy.permissions.clone())
            .unwrap()
    };
    assert_eq!(
        permissions("roles/editor"),
        ["bigquery.tables.get", "storage.objects.get"]
    );
    assert_eq!(
        permissions("projects/acme-data/roles/exporter"),
        ["bigquery.tables.export", "storage.objects.create"]
    );
    assert!(permissions("roles/viewer").is_empty());
    assert!(
        inventory
            .notes
            .iter()
            .any(|note| note.message.contains("`roles/viewer` (no route")),
        "{:?}",
        inventory.notes
    );
}

#[tokio::test]
async fn calls_are_counted_per_scope() {
    let server = server();
    let collection = collect(&server).await;

    let data = collection
        .stats
        .iter()
        .find(|stats| stats.scope.as_str() == "gcp:acme-data")
        .unwrap();
    let operation = |name: &str| {
        data.operations
            .iter()
            .find(|operation| operation.operation == name)
            .unwrap()
    };
    assert_eq!(operation("iam.serviceAccounts.list").pages, 2);
    assert_eq!(operation("iam.serviceAccounts.list").calls, 2);
    assert_eq!(
        operation("resourcemanager.projects.getIamPolicy").retries,
        1
    );
    assert_eq!(
        operation("resourcemanager.projects.getIamPolicy").failures,
        0
    );
    assert_eq!(operation("iam.serviceAccountKeys.list").calls, 2);

    let locked = collection
        .stats
        .iter()
        .find(|stats| stats.scope.as_str() == "gcp:acme-locked")
        .unwrap();
    assert!(locked.operations.iter().any(|operation| operation.operation
        == "iam.serviceAccounts.list"
        && operation.failures == 1));

    let policy_reads: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|request| {
            request.path.ends_with(":getIamPolicy") && request.path.contains("/serviceAccounts/")
        })
        .collect();
    assert!(!policy_reads.is_empty());
    for request in policy_reads {
        assert!(
            request.query.contains("options.requestedPolicyVersion=3"),
            "{request:?}"
        );
    }
}

#[tokio::test]
async fn live_and_import_give_the_same_inventory() {
    let server = server();
    let live = collect(&server).await.inventory;

    let record = |name: String, asset_type: &str, content: &str, value: Value| json!({"name": name, "assetType": asset_type, content: value});
    let resource = |data: Value| json!({"data": data});
    let manager = |name: &str| format!("//cloudresourcemanager.googleapis.com/{name}");
    let account =
        |email: &str| format!("//iam.googleapis.com/projects/{DATA}/serviceAccounts/{email}");
    let lines = [
        record(
            manager(ORG),
            "cloudresourcemanager.googleapis.com/Organization",
            "resource",
            resource(organization()),
        ),
        record(
            manager(ORG),
            "cloudresourcemanager.googleapis.com/Organization",
            "iamPolicy",
            organization_policy(),
        ),
        record(
            manager(FOLDER),
            "cloudresourcemanager.googleapis.com/Folder",
            "resource",
            resource(folder()),
        ),
        record(
            manager(FOLDER),
            "cloudresourcemanager.googleapis.com/Folder",
            "iamPolicy",
            folder_policy(),
        ),
        record(
            manager(&format!("projects/{DATA_NUMBER}")),
            "cloudresourcemanager.googleapis.com/Project",
            "resource",
            resource(project(DATA, DATA_NUMBER)),
        ),
        record(
            manager(&format!("projects/{DATA_NUMBER}")),
            "cloudresourcemanager.googleapis.com/Project",
            "iamPolicy",
            project_policy(),
        ),
        record(
            manager("projects/200000000002"),
            "cloudresourcemanager.googleapis.com/Project",
            "resource",
            resource(project(LOCKED, "200000000002")),
        ),
        record(
            account("100000000000000000001"),
            "iam.googleapis.com/ServiceAccount",
            "resource",
            resource(etl()),
        ),
        record(
            account("100000000000000000002"),
            "iam.googleapis.com/ServiceAccount",
            "resource",
            resource(compute()),
        ),
        record(
            account("100000000000000000001"),
            "iam.googleapis.com/ServiceAccount",
            "iamPolicy",
            etl_policy(),
        ),
        record(
            format!("{}/keys/k1", account(ETL)),
            "iam.googleapis.com/ServiceAccountKey",
            "resource",
            resource(user_key()),
        ),
        record(
            format!("{}/keys/s1", account(ETL)),
            "iam.googleapis.com/ServiceAccountKey",
            "resource",
            resource(system_key()),
        ),
        record(
            "//iam.googleapis.com/projects/acme-data/roles/exporter".to_owned(),
            "iam.googleapis.com/Role",
            "resource",
            resource(custom_role()),
        ),
    ];
    let export: String = lines.iter().map(|line| format!("{line}\n")).collect();
    let roles = json!([
        predefined(
            "roles/editor",
            &["bigquery.tables.get", "storage.objects.get"]
        ),
        predefined("roles/bigquery.dataViewer", &["bigquery.tables.get"]),
        predefined(
            "roles/iam.serviceAccountUser",
            &["iam.serviceAccounts.actAs"]
        ),
        predefined(
            "roles/iam.serviceAccountTokenCreator",
            &["iam.serviceAccounts.getAccessToken"]
        ),
        predefined(
            "roles/resourcemanager.organizationAdmin",
            &["resourcemanager.organizations.setIamPolicy"]
        ),
    ]);
    let imported = roster_provider_gcp::import_bytes(&[
        ("export.jsonl".into(), export.into_bytes()),
        ("roles.json".into(), roles.to_string().into_bytes()),
    ])
    .unwrap();

    let without_usage = |inventory: &Inventory| {
        let mut identities = inventory.identities.clone();
        for identity in &mut identities {
            identity.last_used = roster_model::Usage::unknown("ignored");
        }
        let mut credentials = inventory.credentials.clone();
        for credential in &mut credentials {
            credential.last_used = roster_model::Usage::unknown("ignored");
        }
        (identities, credentials)
    };
    assert_eq!(without_usage(&live), without_usage(&imported));
    assert_eq!(live.scopes, imported.scopes);
    assert_eq!(live.grants, imported.grants);
    assert_eq!(live.trusts, imported.trusts);
    assert_eq!(live.policies, imported.policies);
    let subjects: Vec<&Subject> = live.grants.iter().map(|grant| &grant.subject).collect();
    assert!(subjects.iter().any(|subject| matches!(subject, Subject::Group(key) if key.as_str() == "gcp:acme.example:group:analysts@acme.example")));
    assert!(
        live.identities
            .iter()
            .all(|identity| identity.kind == IdentityKind::GcpServiceAccount)
    );
}
