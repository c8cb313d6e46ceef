//! Imports the public GCP corpus found through `ROSTER_CORPUS_DIR` (a folder with a `gcp/`
//! subfolder), and the predefined roles of the test catalog found through
//! `ROSTER_CATALOG_DIR`. Without a variable, the tests that need it print that they were
//! skipped and pass.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use roster_model::{CoverageKind, CoverageStatus, IdentityKind, Inventory, NoteKind, Subject};
use roster_provider_gcp::import_paths;

fn corpus(names: &[&str]) -> Option<Vec<PathBuf>> {
    let Some(root) = std::env::var_os("ROSTER_CORPUS_DIR") else {
        eprintln!("skipped: ROSTER_CORPUS_DIR is not set");
        return None;
    };
    let dir = PathBuf::from(root).join("gcp");
    Some(names.iter().map(|name| dir.join(name)).collect())
}

fn import(names: &[&str]) -> Option<Inventory> {
    let paths = corpus(names)?;
    Some(import_paths(&paths).unwrap_or_else(|error| panic!("{error}")))
}

fn catalog() -> Option<PathBuf> {
    let Some(root) = std::env::var_os("ROSTER_CATALOG_DIR") else {
        eprintln!("skipped: ROSTER_CATALOG_DIR is not set");
        return None;
    };
    Some(PathBuf::from(root).join("gcp-predefined-roles.json.gz"))
}

fn identity_keys(inventory: &Inventory) -> Vec<&str> {
    inventory
        .identities
        .iter()
        .map(|identity| identity.key.as_str())
        .collect()
}

fn coverage(inventory: &Inventory, scope: &str, kind: CoverageKind) -> CoverageStatus {
    inventory
        .coverage
        .iter()
        .find(|entry| entry.scope.as_str() == scope && entry.kind == kind)
        .map(|entry| entry.status.clone())
        .unwrap_or_else(|| panic!("no {kind} coverage for {scope}"))
}

#[test]
fn every_corpus_file_imports() {
    let Some(root) = std::env::var_os("ROSTER_CORPUS_DIR") else {
        eprintln!("skipped: ROSTER_CORPUS_DIR is not set");
        return;
    };
    let dir = PathBuf::from(root).join("gcp");
    let mut imported = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|extension| extension == "md") {
            continue;
        }
        let inventory = import_paths(std::slice::from_ref(&path))
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let imported_something = !inventory.scopes.is_empty()
            || !inventory.notes.is_empty()
            || !inventory.policies.is_empty();
        assert!(imported_something, "{} gave nothing", path.display());
        imported += 1;
    }
    assert!(
        imported >= 17,
        "only {imported} files found in {}",
        dir.display()
    );
}

#[test]
fn forseti_export_resolves_accounts_by_unique_id() {
    let Some(inventory) = import(&[
        "forseti_mock_cai_resources.jsonl",
        "forseti_mock_cai_iam_policies.jsonl",
    ]) else {
        return;
    };

    assert_eq!(
        identity_keys(&inventory),
        [
            "gcp:project1:service-account:1041-compute@developer.gserviceaccount.com",
            "gcp:project2:service-account:1042-compute@developer.gserviceaccount.com",
            "gcp:project2:service-account:123-compute@developer.gserviceaccount.com",
        ]
    );
    // The service account's IAM policy names it by unique id (`serviceAccounts/1101`).
    let trusts: Vec<(&str, &str)> = inventory
        .trusts
        .iter()
        .map(|trust| (trust.target.native_id(), trust.principal.value.as_str()))
        .collect();
    assert_eq!(
        trusts,
        [(
            "1041-compute@developer.gserviceaccount.com",
            "user:c_user@forseti.test"
        )]
    );
    let project3 = inventory
        .scopes
        .iter()
        .find(|scope| scope.id.as_str() == "gcp:project3")
        .unwrap();
    assert_eq!(
        project3.parent.as_ref().unwrap().as_str(),
        "gcp:folders/1031"
    );
    assert_eq!(
        coverage(&inventory, "gcp:project1", CoverageKind::Grants),
        CoverageStatus::Complete
    );
    assert_eq!(
        coverage(&inventory, "gcp:project1", CoverageKind::Identities),
        CoverageStatus::Complete
    );
}

#[test]
fn forseti_duplicate_member_gives_one_grant() {
    let Some(inventory) = import(&[
        "forseti_mock_cai_resources.jsonl",
        "forseti_mock_cai_iam_policies.jsonl",
    ]) else {
        return;
    };

    let editors: Vec<String> = inventory
        .grants
        .iter()
        .filter(|grant| {
            grant.scope.as_str() == "gcp:project4" && grant.policy.as_str() == "roles/editor"
        })
        .map(|grant| match &grant.subject {
            Subject::Identity(key) => key.to_string(),
            Subject::Group(key) => key.to_string(),
        })
        .collect();
    assert_eq!(
        editors,
        [
            "gcp:4:service-account:4-compute@developer.gserviceaccount.com",
            "gcp:4:service-account:4@cloudservices.gserviceaccount.com",
        ]
    );
}

#[test]
fn other_asset_types_are_skipped_and_counted() {
    let Some(inventory) = import(&["forseti_mock_cai_resources.jsonl"]) else {
        return;
    };

    let skipped: Vec<&str> = inventory
        .notes
        .iter()
        .filter(|note| note.kind == NoteKind::Skipped && note.scope.as_str() == "gcp:project1")
        .map(|note| note.message.as_str())
        .collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0].starts_with("43 records were skipped"),
        "{}",
        skipped[0]
    );
    assert!(
        skipped[0].contains("12 `compute.googleapis.com/Subnetwork (resource)`"),
        "{}",
        skipped[0]
    );
}

#[test]
fn policy_library_keys_keep_their_dates() {
    let Some(inventory) = import(&["policylib_cai_gcp_iam_restrict_service_account_key_age.json"])
    else {
        return;
    };

    let keys: Vec<(&str, String, String)> = inventory
        .credentials
        .iter()
        .map(|key| {
            (
                key.native_id.as_deref().unwrap(),
                key.created.unwrap().to_string(),
                key.expires.unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            (
                "testkeyagefuture",
                "2200-08-21T07:55:36Z".to_owned(),
                "2200-08-22T19:55:36Z".to_owned()
            ),
            (
                "testkeyageover100000days",
                "2018-03-24T10:00:00Z".to_owned(),
                "2999-08-22T19:55:36Z".to_owned()
            ),
            (
                "testkeyageover100days",
                "2018-03-24T10:00:00Z".to_owned(),
                "2200-08-22T19:55:36Z".to_owned()
            ),
            (
                "testkeyageover90days",
                "2017-08-21T07:55:36Z".to_owned(),
                "2200-08-22T19:55:36Z".to_owned()
            ),
            (
                "testkeyexpired",
                "2017-08-21T07:55:36Z".to_owned(),
                "2017-08-22T19:55:36Z".to_owned()
            ),
        ]
    );
    // The keys name a service account that no listing holds: it is kept, with a note.
    assert_eq!(
        identity_keys(&inventory),
        ["gcp:forseti-system-test:service-account:111111-compute@developer.gserviceaccount.com"]
    );
    assert!(
        inventory
            .notes
            .iter()
            .any(|note| note.kind == NoteKind::UnresolvedReference)
    );
    assert_eq!(
        coverage(
            &inventory,
            "gcp:forseti-system-test",
            CoverageKind::Credentials
        ),
        CoverageStatus::Complete
    );
}

#[test]
fn system_managed_key_is_not_a_credential() {
    let Some(inventory) = import(&["policylib_cai_gcp_iam_restrict_service_account_key_type.json"])
    else {
        return;
    };

    let ids: Vec<&str> = inventory
        .credentials
        .iter()
        .map(|key| key.native_id.as_deref().unwrap())
        .collect();
    assert_eq!(ids, ["1234567890abcdef"]);
    assert!(inventory.notes.iter().any(|note| {
        note.message
            .starts_with("1 system-managed key was not inventoried")
    }));
}

#[test]
fn default_account_is_keyed_by_email() {
    let Some(inventory) = import(&["policylib_cai_gcp_iam_restrict_service_account_creation.json"])
    else {
        return;
    };

    let compute = inventory
        .identities
        .iter()
        .find(|identity| identity.name.ends_with("@developer.gserviceaccount.com"))
        .unwrap();
    assert_eq!(
        compute.key.as_str(),
        "gcp:test-project:service-account:773711848681-ke5v18ndptc8j6cb5rraooik5kh0plcs@developer.gserviceaccount.com"
    );
    assert_eq!(compute.unique_id.as_deref(), Some("103713983260897258813"));
    assert!(
        inventory
            .identities
            .iter()
            .all(|identity| identity.kind == IdentityKind::GcpServiceAccount)
    );
}

#[test]
fn public_and_foreign_members_are_kept() {
    let Some(inventory) = import(&["policylib_cai_iam_allowed_bindings.json"]) else {
        return;
    };

    let subjects: Vec<String> = inventory
        .grants
        .iter()
        .map(|grant| match &grant.subject {
            Subject::Identity(key) => key.to_string(),
            Subject::Group(key) => key.to_string(),
        })
        .collect();
    for expected in [
        "gcp:public:group:allUsers",
        "gcp:public:group:allAuthenticatedUsers",
        "gcp:notiam.gserviceaccount.com:service-account:service-12345@notiam.gserviceaccount.com",
        "gcp:notgoogle.com:human:bad@notgoogle.com",
        "gcp:google.com:group:admins@google.com",
    ] {
        assert!(
            subjects.iter().any(|subject| subject == expected),
            "{expected} in {subjects:?}"
        );
    }
    // Bucket and dataset policies are outside the model: skipped and counted.
    assert!(
        inventory
            .grants
            .iter()
            .all(|grant| grant.scope.as_str() == "gcp:12345")
    );
}

#[test]
fn audit_configs_grant_nothing() {
    let Some(inventory) = import(&["policylib_cai_iam_audit_log.json"]) else {
        return;
    };
    assert!(inventory.grants.is_empty());
    assert_eq!(inventory.scopes.len(), 4);
}

#[test]
fn custom_roles_carry_their_permissions() {
    let Some(inventory) = import(&["policylib_cai_iam_custom_role_permissions.json"]) else {
        return;
    };

    let role = inventory
        .policies
        .iter()
        .find(|policy| policy.name == "organizations/123456/roles/test_role_1")
        .unwrap();
    assert_eq!(role.permissions.len(), 9);
    assert!(
        role.permissions
            .contains(&"bigquery.datasets.getIamPolicy".to_owned())
    );
}

#[test]
fn catalog_expands_predefined_roles() {
    let (Some(mut paths), Some(roles)) = (
        corpus(&[
            "forseti_mock_cai_resources.jsonl",
            "forseti_mock_cai_iam_policies.jsonl",
        ]),
        catalog(),
    ) else {
        return;
    };
    paths.push(roles);
    let inventory = import_paths(&paths).unwrap();

    let owner = inventory
        .policies
        .iter()
        .find(|policy| policy.name == "roles/owner")
        .unwrap();
    assert!(
        owner
            .permissions
            .contains(&"resourcemanager.projects.setIamPolicy".to_owned())
    );
    assert!(
        !inventory
            .notes
            .iter()
            .any(|note| note.kind == NoteKind::MissingPolicy),
        "{:?}",
        inventory.notes
    );
    // Only the roles that a binding uses enter the inventory, not the whole catalog.
    assert!(
        inventory.policies.len() < 20,
        "{}",
        inventory.policies.len()
    );
}
