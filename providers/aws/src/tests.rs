//! Tests of the whole import on small inline exports.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use roster_model::{CoverageKind, CoverageStatus, IdentityKind, Inventory, NoteKind};
use serde_json::{Value, json};

use super::*;

const ACCOUNT: &str = "111122223333";

fn user(name: &str) -> Value {
    json!({
        "Path": "/", "UserName": name, "UserId": format!("AIDA{name}"),
        "Arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}"), "CreateDate": "2024-01-01T00:00:00Z"
    })
}

fn role(name: &str) -> Value {
    json!({
        "Path": "/", "RoleName": name, "RoleId": format!("AROA{name}"),
        "Arn": format!("arn:aws:iam::{ACCOUNT}:role/{name}"), "CreateDate": "2024-01-01T00:00:00Z",
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "RoleLastUsed": {}
    })
}

fn page(users: Vec<Value>, roles: Vec<Value>, marker: Option<&str>) -> Value {
    let mut page = json!({
        "UserDetailList": users, "GroupDetailList": [], "RoleDetailList": roles, "Policies": [],
        "IsTruncated": marker.is_some()
    });
    if let Some(marker) = marker {
        page["Marker"] = json!(marker);
    }
    page
}

fn import_texts(texts: &[(&str, String)]) -> Result<Inventory, ImportError> {
    let files: Vec<(PathBuf, Vec<u8>)> = texts
        .iter()
        .map(|(name, text)| (PathBuf::from(name), text.clone().into_bytes()))
        .collect();
    import_bytes(&files)
}

fn import_one(text: String) -> Inventory {
    import_texts(&[("dump.json", text)]).unwrap_or_else(|error| panic!("{error}"))
}

fn keys(inventory: &Inventory) -> Vec<String> {
    inventory
        .identities
        .iter()
        .map(|identity| identity.key.to_string())
        .collect()
}

fn status(
    inventory: &Inventory,
    kind: CoverageKind,
    identity_kind: Option<IdentityKind>,
) -> CoverageStatus {
    inventory
        .coverage
        .iter()
        .find(|entry| entry.kind == kind && entry.identity_kind == identity_kind)
        .map(|entry| entry.status.clone())
        .unwrap()
}

#[test]
fn merged_concatenated_and_array_pages_agree() {
    let first = page(vec![user("a")], vec![], Some("m1"));
    let second = page(vec![], vec![role("r")], None);
    let merged = page(vec![user("a")], vec![role("r")], None);

    let from_merged = import_one(merged.to_string());
    let from_concatenated = import_one(format!("{first}\n{second}"));
    let from_array = import_one(json!([first, second]).to_string());

    let expected = [
        format!("aws:{ACCOUNT}:role:r"),
        format!("aws:{ACCOUNT}:user:a"),
    ];
    assert_eq!(keys(&from_merged), expected);
    assert_eq!(keys(&from_concatenated), expected);
    assert_eq!(keys(&from_array), expected);
    for inventory in [&from_merged, &from_concatenated, &from_array] {
        assert_eq!(
            status(
                inventory,
                CoverageKind::Identities,
                Some(IdentityKind::AwsRole)
            ),
            CoverageStatus::Complete
        );
    }
}

#[test]
fn repeated_marker_stops_import() {
    let first = page(vec![user("a")], vec![], Some("m1"));
    let again = page(vec![user("b")], vec![], Some("m1"));
    let error = import_texts(&[("dump.json", format!("{first}{again}"))]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`dump.json`: page 2 repeats the Marker `m1` of an earlier page, so the pages loop; export the dump again"
    );
}

#[test]
fn truncated_last_page_is_partial_coverage() {
    let inventory = import_one(page(vec![user("a")], vec![], Some("m1")).to_string());
    let CoverageStatus::Partial { reason } = status(
        &inventory,
        CoverageKind::Identities,
        Some(IdentityKind::AwsRole),
    ) else {
        panic!("expected partial role coverage");
    };
    assert_eq!(
        reason,
        "page 1 of `dump.json` has IsTruncated true and Marker `m1`, but the file ends there: the pages after it are missing"
    );
    assert_eq!(keys(&inventory), [format!("aws:{ACCOUNT}:user:a")]);
}

#[test]
fn dump_without_account_is_rejected() {
    let text = json!({"UserDetailList": [], "RoleDetailList": [], "Policies": [
        {"Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "PolicyVersionList": []}
    ]});
    let error = import_texts(&[("empty.json", text.to_string())]).unwrap_err();
    assert!(matches!(error, ImportError::NoAccount { .. }), "{error:?}");
}

#[test]
fn filtered_dump_marks_absent_lists_partial() {
    let text = json!({"UserDetailList": [user("a")], "Policies": []});
    let inventory = import_one(text.to_string());
    let CoverageStatus::Partial { reason } = status(&inventory, CoverageKind::Trusts, None) else {
        panic!("expected partial trust coverage");
    };
    assert!(reason.contains("has no `RoleDetailList`"), "{reason}");
    assert_eq!(
        status(
            &inventory,
            CoverageKind::Identities,
            Some(IdentityKind::AwsUser)
        ),
        CoverageStatus::Complete
    );
    assert!(matches!(
        status(&inventory, CoverageKind::Groups, None),
        CoverageStatus::Partial { .. }
    ));
}

#[test]
fn absent_boundary_is_not_collected() {
    let inventory = import_one(page(vec![user("a")], vec![role("r")], None).to_string());
    for identity in &inventory.identities {
        assert_eq!(identity.boundary, roster_model::Boundary::NotCollected);
    }
    assert!(matches!(
        status(&inventory, CoverageKind::PermissionBoundaries, None),
        CoverageStatus::Partial { .. }
    ));
}

#[test]
fn duplicate_entries_are_noted_once() {
    let text = page(vec![user("a")], vec![role("r")], None).to_string();
    let inventory = import_texts(&[("one.json", text.clone()), ("two.json", text)]).unwrap();
    assert_eq!(inventory.identities.len(), 2);
    let notes: Vec<&str> = inventory
        .notes
        .iter()
        .filter(|note| note.kind == NoteKind::LossyInput)
        .map(|note| note.message.as_str())
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with("`two.json` repeats 2 entries"),
        "{}",
        notes[0]
    );
}

#[test]
fn unattached_policy_issue_is_noted() {
    let mut dump = page(vec![user("a")], vec![], None);
    dump["Policies"] = json!([{
        "Arn": format!("arn:aws:iam::{ACCOUNT}:policy/orphan"),
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v2", "IsDefaultVersion": false, "Document": {"Statement": []}}]
    }]);
    let inventory = import_one(dump.to_string());
    let note = inventory
        .notes
        .iter()
        .find(|note| note.kind == NoteKind::MissingPolicy)
        .unwrap();
    assert_eq!(
        note.subject.as_deref(),
        Some("arn:aws:iam::111122223333:policy/orphan")
    );
    assert_eq!(
        status(&inventory, CoverageKind::Grants, None),
        CoverageStatus::Complete
    );
}

#[test]
fn missing_document_makes_grants_partial() {
    let mut attached = user("a");
    attached["AttachedManagedPolicies"] =
        json!([{"PolicyArn": format!("arn:aws:iam::{ACCOUNT}:policy/empty")}]);
    let mut dump = page(vec![attached], vec![], None);
    dump["Policies"] = json!([{"Arn": format!("arn:aws:iam::{ACCOUNT}:policy/empty")}]);
    let inventory = import_one(dump.to_string());
    let CoverageStatus::Partial { reason } = status(&inventory, CoverageKind::Grants, None) else {
        panic!("expected partial grant coverage");
    };
    assert!(reason.contains("policy/empty"), "{reason}");
}

#[test]
fn report_missing_user_row_is_partial() {
    let dump = page(vec![user("a"), user("b")], vec![], None).to_string();
    let report = "user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date\n\
                  a,arn:aws:iam::111122223333:user/a,2024-01-01T00:00:00Z,false,N/A,false,false,N/A,N/A,false,N/A,N/A\n"
        .to_owned();
    let inventory = import_texts(&[("dump.json", dump), ("report.csv", report)]).unwrap();
    let CoverageStatus::Partial { reason } = status(&inventory, CoverageKind::Credentials, None)
    else {
        panic!("expected partial credential coverage");
    };
    assert!(
        reason.contains("has no row for 1 user of the dump (`b`)"),
        "{reason}"
    );
    let user_b = inventory
        .identities
        .iter()
        .find(|identity| identity.name == "b")
        .unwrap();
    assert_eq!(user_b.last_used.state, roster_model::UsageState::Unknown);
}

#[test]
fn report_row_with_invalid_arn_is_rejected() {
    let report = "user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date\n\
                  a,arnarnarn_a,2024-01-01T00:00:00Z,false,N/A,false,false,N/A,N/A,false,N/A,N/A\n"
        .to_owned();
    let error = import_texts(&[("report.csv", report)]).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("report.csv:2: invalid value `arnarnarn_a` in column `arn`"),
        "{error}"
    );
}

#[test]
fn import_is_deterministic() {
    let first = page(vec![user("b"), user("a")], vec![role("z"), role("y")], None).to_string();
    let first_run = serde_json::to_string(&import_one(first.clone())).unwrap();
    let second_run = serde_json::to_string(&import_one(first)).unwrap();
    assert_eq!(first_run, second_run);
}
