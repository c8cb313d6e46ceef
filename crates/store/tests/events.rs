//! Change events of recorded scans: each kind, coverage gating, queries and diffs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use roster_model::{
    CoverageKind, CoverageStatus, CredentialStatus, Finding, FindingStatus, IdentityKind,
    Inventory, PrincipalKind, ProviderId, Severity, Subject,
};
use roster_store::{EventKind, LogQuery, ScanRecord, StoreError, canonical_json};

const T1: &str = "2024-07-01T10:00:00Z";
const T2: &str = "2024-07-02T10:00:00Z";
const T3: &str = "2024-07-03T10:00:00Z";

fn deploy() -> roster_model::IdentityKey {
    role_key(ACCOUNT, "deploy")
}
fn old_job() -> roster_model::IdentityKey {
    role_key(ACCOUNT, "old-job")
}
fn ops() -> roster_model::IdentityKey {
    role_key(ACCOUNT, "ops")
}
fn reader() -> roster_model::IdentityKey {
    user_key(ACCOUNT, "reader")
}
fn ci() -> roster_model::IdentityKey {
    user_key(ACCOUNT, "ci")
}
fn bot() -> roster_model::IdentityKey {
    user_key(ACCOUNT, "bot")
}

fn first_estate() -> Inventory {
    Estate::new(ACCOUNT)
        .role("deploy", "AROADEPLOY1")
        .role("old-job", "AROAOLDJOB1")
        .role("ops", "AROAOPS1")
        .user("ci", "AIDACI1")
        .tag(&ci(), "Owner", "team-a")
        .group("deployers", &[&ci()])
        .group("admins", &[&ops()])
        .policy("deploy-policy", &["s3:GetObject"])
        .policy("read-policy", &["s3:ListBucket"])
        .policy("legacy", &["ec2:*"])
        .grant(Subject::Identity(deploy()), "deploy-policy")
        .grant(Subject::Identity(ci()), "read-policy")
        .grant(Subject::Identity(ops()), "legacy")
        .trust(&deploy(), "ec2.amazonaws.com", PrincipalKind::Service)
        .access_key(
            &ci(),
            "AKIAONE",
            "2024-01-01T00:00:00Z",
            CredentialStatus::Active,
        )
        .access_key(
            &ci(),
            "AKIATWO",
            "2024-02-01T00:00:00Z",
            CredentialStatus::Active,
        )
        .inventory
}

fn second_estate() -> Inventory {
    Estate::new(ACCOUNT)
        .role("deploy", "AROADEPLOY2")
        .role("ops", "AROAOPS1")
        .user("ci", "AIDACI1")
        .user("reader", "AIDAREADER1")
        .tag(&ci(), "Owner", "team-b")
        .group("deployers", &[&ci(), &reader()])
        .group("admins", &[])
        .policy("deploy-policy", &["s3:GetObject"])
        .policy("read-policy", &["s3:ListBucket", "s3:GetObject"])
        .policy("legacy", &["ec2:*"])
        .grant(Subject::Identity(deploy()), "deploy-policy")
        .grant(Subject::Identity(ci()), "read-policy")
        .grant(Subject::Identity(ci()), "deploy-policy")
        .trust(&deploy(), "ec2.amazonaws.com", PrincipalKind::Service)
        .trust(
            &deploy(),
            "arn:aws:iam::444455556666:root",
            PrincipalKind::Account,
        )
        .access_key(
            &ci(),
            "AKIATHREE",
            "2024-06-01T00:00:00Z",
            CredentialStatus::Active,
        )
        .access_key(
            &ci(),
            "AKIATWO",
            "2024-02-01T00:00:00Z",
            CredentialStatus::Inactive,
        )
        .inventory
}

fn third_estate() -> Inventory {
    let mut estate = Estate {
        account: ACCOUNT.to_owned(),
        inventory: second_estate(),
    }
    .user("bot", "AIDABOT1")
    .access_key(
        &bot(),
        "AKIABOT",
        "2024-07-02T00:00:00Z",
        CredentialStatus::Active,
    );
    let credentials = &mut estate.inventory.credentials;
    credentials.retain(|credential| credential.native_id.as_deref() != Some("AKIATHREE"));
    for credential in credentials.iter_mut() {
        credential.status = CredentialStatus::Active;
    }
    estate.inventory
}

/// Returns the (kind, subject) pairs of a scan's events, in chain order.
fn events_of_scan(store: &roster_store::Store, scan_id: i64) -> Vec<(EventKind, String)> {
    store
        .log(&LogQuery::default())
        .unwrap()
        .into_iter()
        .filter(|event| event.scan_id == scan_id)
        .map(|event| (event.kind, event.subject))
        .collect()
}

fn sorted(mut pairs: Vec<(EventKind, String)>) -> Vec<(EventKind, String)> {
    pairs.sort();
    pairs
}

#[test]
fn empty_store_verifies_at_genesis() {
    let folder = tempfile::tempdir().unwrap();
    let store = open(folder.path());

    let report = store.verify().unwrap();

    assert!(report.is_intact());
    assert_eq!(report.events, 0);
    assert_eq!(report.head, store.chain_head().unwrap());
    assert_eq!(report.head.hash, roster_store::GENESIS_HASH);
}

#[test]
fn first_scan_adds_no_events() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());

    let recorded = record_at(&mut store, &[first_estate()], T1);

    assert_eq!(recorded.scan_id, 1);
    assert_eq!(recorded.events_added, 0);
    assert_eq!(recorded.chain_head.sequence, 0);
    assert_eq!(recorded.chain_head.hash, roster_store::GENESIS_HASH);
}

#[test]
fn estate_sequence_yields_expected_events() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    record_at(&mut store, &[first_estate()], T1);

    let second = record_at(&mut store, &[second_estate()], T2);
    let third = record_at(&mut store, &[third_estate()], T3);

    let expected_second = sorted(vec![
        (EventKind::IdentityReplaced, deploy().to_string()),
        (EventKind::TrustChanged, deploy().to_string()),
        (EventKind::IdentityDeleted, old_job().to_string()),
        (EventKind::IdentityCreated, reader().to_string()),
        (EventKind::MemberAdded, reader().to_string()),
        (EventKind::OwnerChanged, ci().to_string()),
        (EventKind::GrantAdded, ci().to_string()),
        (EventKind::GrantChanged, ci().to_string()),
        (EventKind::CredentialRotated, ci().to_string()),
        (EventKind::CredentialDeactivated, ci().to_string()),
        (EventKind::MemberRemoved, ops().to_string()),
        (EventKind::GrantRemoved, ops().to_string()),
    ]);
    assert_eq!(sorted(events_of_scan(&store, 2)), expected_second);
    assert_eq!(second.events_added, 12);

    let expected_third = sorted(vec![
        (EventKind::CredentialReactivated, ci().to_string()),
        (EventKind::CredentialDeleted, ci().to_string()),
        (EventKind::IdentityCreated, bot().to_string()),
        (EventKind::CredentialCreated, bot().to_string()),
    ]);
    assert_eq!(sorted(events_of_scan(&store, 3)), expected_third);
    assert_eq!(third.events_added, 4);
    assert_eq!(third.chain_head.sequence, 16);
    assert_eq!(store.chain_head().unwrap(), third.chain_head);
    assert!(store.verify().unwrap().is_intact());
}

#[test]
fn every_event_kind_is_produced() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    record_at(&mut store, &[first_estate()], T1);
    record_at(&mut store, &[second_estate()], T2);
    record_at(&mut store, &[third_estate()], T3);

    let seen: std::collections::BTreeSet<EventKind> = store
        .log(&LogQuery::default())
        .unwrap()
        .into_iter()
        .map(|event| event.kind)
        .collect();

    assert_eq!(seen, EventKind::ALL.into_iter().collect());
}

#[test]
fn event_details_hold_before_and_after() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    record_at(&mut store, &[first_estate()], T1);
    record_at(&mut store, &[second_estate()], T2);

    let events = store.log(&LogQuery::default()).unwrap();
    let find = |kind: EventKind| events.iter().find(|event| event.kind == kind).unwrap();

    let owner = find(EventKind::OwnerChanged);
    assert_eq!(owner.detail["before"], "team-a");
    assert_eq!(owner.detail["after"], "team-b");

    let replaced = find(EventKind::IdentityReplaced);
    assert_eq!(replaced.detail["before"]["unique_id"], "AROADEPLOY1");
    assert_eq!(replaced.detail["after"]["unique_id"], "AROADEPLOY2");

    let member = find(EventKind::MemberAdded);
    assert_eq!(
        member.detail["group"],
        group_key(ACCOUNT, "deployers").as_str()
    );

    let changed = find(EventKind::GrantChanged);
    let before = changed.detail["before"].as_str().unwrap();
    let after = changed.detail["after"].as_str().unwrap();
    assert!(!before.contains("s3:GetObject"));
    assert!(after.contains("s3:GetObject"));
    let diff = changed.document_diff(false).unwrap();
    assert!(diff.contains("+        \"s3:GetObject\""), "{diff}");

    let rotated = find(EventKind::CredentialRotated);
    assert_eq!(rotated.detail["before"]["native_id"], "AKIAONE");
    assert_eq!(rotated.detail["after"]["native_id"], "AKIATHREE");
    assert_eq!(
        rotated.summary(),
        "aws-access-key `AKIAONE` rotated to `AKIATHREE`"
    );

    let trust = find(EventKind::TrustChanged);
    assert_eq!(trust.detail["before"].as_array().unwrap().len(), 1);
    assert_eq!(trust.detail["after"].as_array().unwrap().len(), 2);
    assert_eq!(trust.time, at(T2));
    assert_eq!(trust.scope, scope(ACCOUNT));
    assert_eq!(trust.provider, ProviderId::Aws);
}

#[test]
fn key_slot_with_newer_date_is_rotation() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    let estate = |created: &str| {
        let mut estate = Estate::new(ACCOUNT).user("ci", "AIDACI1").access_key(
            &ci(),
            "1",
            created,
            CredentialStatus::Active,
        );
        estate.inventory.credentials[0].native_id = None;
        estate.inventory
    };
    record_at(&mut store, &[estate("2024-01-01T00:00:00Z")], T1);

    record_at(&mut store, &[estate("2024-05-01T00:00:00Z")], T2);

    assert_eq!(
        events_of_scan(&store, 2),
        [(EventKind::CredentialRotated, ci().to_string())]
    );
}

#[test]
fn older_replacement_key_is_not_rotation() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    let estate = |key_id: &str, created: &str| {
        Estate::new(ACCOUNT)
            .user("ci", "AIDACI1")
            .access_key(&ci(), key_id, created, CredentialStatus::Active)
            .inventory
    };
    record_at(&mut store, &[estate("AKIANEW", "2024-05-01T00:00:00Z")], T1);

    record_at(&mut store, &[estate("AKIAOLD", "2024-01-01T00:00:00Z")], T2);

    assert_eq!(
        sorted(events_of_scan(&store, 2)),
        sorted(vec![
            (EventKind::CredentialCreated, ci().to_string()),
            (EventKind::CredentialDeleted, ci().to_string()),
        ])
    );
}

#[test]
fn unverified_kind_adds_no_events_until_complete() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    record_at(&mut store, &[first_estate()], T1);
    let partial = Estate {
        account: ACCOUNT.to_owned(),
        inventory: second_estate(),
    }
    .coverage(CoverageKind::Identities, denied("iam:ListRoles"))
    .coverage(
        CoverageKind::Credentials,
        CoverageStatus::Partial {
            reason: "throttled".to_owned(),
        },
    )
    .inventory;

    record_at(&mut store, &[partial], T2);
    record_at(&mut store, &[second_estate()], T3);

    let identity_kinds = [
        EventKind::IdentityCreated,
        EventKind::IdentityDeleted,
        EventKind::IdentityReplaced,
        EventKind::OwnerChanged,
    ];
    let credential_kinds = [
        EventKind::CredentialRotated,
        EventKind::CredentialDeactivated,
    ];
    let second: Vec<EventKind> = events_of_scan(&store, 2).into_iter().map(|e| e.0).collect();
    assert!(second.iter().all(|kind| !identity_kinds.contains(kind)));
    assert!(second.iter().all(|kind| !credential_kinds.contains(kind)));
    assert!(second.contains(&EventKind::GrantAdded));
    assert!(second.contains(&EventKind::MemberAdded));

    let third: Vec<EventKind> = events_of_scan(&store, 3).into_iter().map(|e| e.0).collect();
    let mut expected_third = identity_kinds.to_vec();
    expected_third.extend(credential_kinds);
    let mut third_sorted = third.clone();
    third_sorted.sort();
    expected_third.sort();
    assert_eq!(third_sorted, expected_third);
}

#[test]
fn scope_without_coverage_adds_no_events() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    let uncovered = |inventory: Inventory| {
        let mut inventory = inventory;
        inventory.coverage.clear();
        inventory
    };
    record_at(&mut store, &[uncovered(first_estate())], T1);

    let recorded = record_at(&mut store, &[uncovered(second_estate())], T2);

    assert_eq!(recorded.events_added, 0);
}

#[test]
fn identity_kind_denied_keeps_scope_unverified() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    record_at(&mut store, &[first_estate()], T1);
    let mut partial = second_estate();
    partial.set_coverage(
        &scope(ACCOUNT),
        CoverageKind::Identities,
        Some(IdentityKind::AwsUser),
        denied("iam:ListUsers"),
    );

    record_at(&mut store, &[partial], T2);

    let kinds: Vec<EventKind> = events_of_scan(&store, 2).into_iter().map(|e| e.0).collect();
    assert!(!kinds.contains(&EventKind::IdentityCreated));
    assert!(!kinds.contains(&EventKind::IdentityDeleted));
}

#[test]
fn scopes_are_compared_separately() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    let other = |roles: &[&str]| {
        let mut estate = Estate::new(OTHER_ACCOUNT);
        for role in roles {
            estate = estate.role(role, &format!("AROA{role}"));
        }
        estate.inventory
    };
    let mut both = first_estate();
    both.extend(other(&["a"]));
    record_at(&mut store, &[both], T1);

    let only_first = record_at(&mut store, &[first_estate()], T2);
    let both_again = record_at(&mut store, &[first_estate(), other(&["a", "b"])], T3);

    assert_eq!(only_first.events_added, 0);
    assert_eq!(both_again.events_added, 1);
    let events = store.log(&LogQuery::default()).unwrap();
    assert_eq!(events[0].scope, scope(OTHER_ACCOUNT));
    assert_eq!(events[0].subject, role_key(OTHER_ACCOUNT, "b").as_str());
}

#[test]
fn log_filters_by_identity_kind_and_time() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    record_at(&mut store, &[first_estate()], T1);
    record_at(&mut store, &[second_estate()], T2);
    record_at(&mut store, &[third_estate()], T3);

    let of_ci = store
        .log(&LogQuery {
            identity: Some(ci().to_string()),
            ..LogQuery::default()
        })
        .unwrap();
    let grants = store
        .log(&LogQuery {
            kinds: vec![EventKind::GrantAdded, EventKind::GrantRemoved],
            ..LogQuery::default()
        })
        .unwrap();
    let recent = store
        .log(&LogQuery {
            since: Some(at("2024-07-03T00:00:00Z")),
            ..LogQuery::default()
        })
        .unwrap();
    let of_group = store
        .log(&LogQuery {
            identity: Some(group_key(ACCOUNT, "deployers").to_string()),
            ..LogQuery::default()
        })
        .unwrap();
    let of_gcp = store
        .log(&LogQuery {
            provider: Some(ProviderId::Gcp),
            ..LogQuery::default()
        })
        .unwrap();

    assert_eq!(of_ci.len(), 7);
    assert!(of_ci.iter().all(|event| event.subject == ci().as_str()));
    assert_eq!(grants.len(), 2);
    assert_eq!(recent.len(), 4);
    assert!(recent.iter().all(|event| event.scan_id == 3));
    assert_eq!(of_group.len(), 1);
    assert_eq!(of_group[0].kind, EventKind::MemberAdded);
    assert!(of_gcp.is_empty());
}

#[test]
fn export_writes_one_hashed_event_per_line() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    record_at(&mut store, &[first_estate()], T1);
    record_at(&mut store, &[second_estate()], T2);
    let mut output = Vec::new();

    let count = store.export_jsonl(&mut output).unwrap();

    let text = String::from_utf8(output).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(count, 12);
    assert_eq!(lines.len(), 12);
    let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(first["sequence"], 1);
    assert_eq!(first["prev_hash"], roster_store::GENESIS_HASH);
    assert_eq!(first["hash"].as_str().unwrap().len(), 64);
    let detail_text = serde_json::to_string(&first["detail"]).unwrap();
    assert_eq!(detail_text, canonical_json(&first["detail"]));
    let last: serde_json::Value = serde_json::from_str(lines[11]).unwrap();
    assert_eq!(last["hash"], store.chain_head().unwrap().hash);
}

#[test]
fn diff_compares_any_two_scans() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    record_at(&mut store, &[first_estate()], T1);
    record_at(&mut store, &[second_estate()], T2);
    record_at(&mut store, &[third_estate()], T3);

    let diff = store.diff(1, 3).unwrap();

    let pairs = sorted(
        diff.changes
            .iter()
            .map(|change| (change.kind, change.subject.clone()))
            .collect(),
    );
    let mut expected = vec![
        (EventKind::IdentityReplaced, deploy().to_string()),
        (EventKind::TrustChanged, deploy().to_string()),
        (EventKind::IdentityDeleted, old_job().to_string()),
        (EventKind::IdentityCreated, reader().to_string()),
        (EventKind::MemberAdded, reader().to_string()),
        (EventKind::OwnerChanged, ci().to_string()),
        (EventKind::GrantAdded, ci().to_string()),
        (EventKind::GrantChanged, ci().to_string()),
        (EventKind::CredentialDeleted, ci().to_string()),
        (EventKind::MemberRemoved, ops().to_string()),
        (EventKind::GrantRemoved, ops().to_string()),
        (EventKind::IdentityCreated, bot().to_string()),
        (EventKind::CredentialCreated, bot().to_string()),
    ];
    expected.sort();
    assert_eq!(pairs, expected);
    assert!(diff.unverified.is_empty());
    assert!(diff.only_in_from.is_empty());
    let rows = roster_store::change_rows(&diff.changes);
    assert_eq!(rows.len(), 13);
}

#[test]
fn diff_lists_unverified_parts() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    record_at(&mut store, &[first_estate()], T1);
    let partial = Estate {
        account: ACCOUNT.to_owned(),
        inventory: second_estate(),
    }
    .coverage(CoverageKind::Grants, denied("iam:ListPolicies"))
    .inventory;
    record_at(&mut store, &[partial], T2);

    let diff = store.diff(1, 2).unwrap();

    assert_eq!(diff.unverified.len(), 1);
    assert_eq!(diff.unverified[0].kind, CoverageKind::Grants);
    assert!(
        diff.changes
            .iter()
            .all(|change| change.kind.coverage_kind() != CoverageKind::Grants)
    );
}

#[test]
fn diff_of_unknown_scan_is_an_error() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    record_at(&mut store, &[first_estate()], T1);

    let error = store.diff(1, 9).unwrap_err();

    assert!(matches!(error, StoreError::UnknownScan(9)));
    assert_eq!(error.to_string(), "scan 9 is not in the history store");
}

#[test]
fn prune_keeps_events_and_baselines() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    record_at(&mut store, &[first_estate()], T1);
    record_at(&mut store, &[second_estate()], T2);
    let partial = Estate {
        account: ACCOUNT.to_owned(),
        inventory: third_estate(),
    }
    .coverage(CoverageKind::Identities, denied("iam:ListRoles"))
    .inventory;
    record_at(&mut store, &[partial], T3);
    let head = store.chain_head().unwrap();

    let report = store.prune(0).unwrap();

    assert_eq!(report.snapshots_pruned, 1);
    assert_eq!(report.snapshots_kept, 2);
    assert_eq!(store.chain_head().unwrap(), head);
    assert!(store.verify().unwrap().is_intact());
    let error = store.diff(1, 2).unwrap_err();
    assert!(matches!(error, StoreError::Pruned { scan: 1, .. }));
    let scans = store.scans().unwrap();
    assert_eq!(scans[0].pruned_snapshots, 1);
    let rows = roster_store::scan_rows(&scans);
    assert_eq!(rows[0].snapshots, "pruned");
    assert_eq!(rows[1].snapshots, "kept");
    assert_eq!(rows[2].complete, "no");
    assert_eq!(rows[2].cells()[8], scans[2].chain_head);

    let next = record_at(&mut store, &[third_estate()], "2024-07-04T10:00:00Z");
    let kinds: Vec<EventKind> = events_of_scan(&store, next.scan_id)
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert!(kinds.contains(&EventKind::IdentityCreated));
}

#[test]
fn inventory_and_findings_load_back() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    let finding = Finding {
        rule_id: "RST001".to_owned(),
        rule: "undeclared-identity".to_owned(),
        severity: Severity::High,
        status: FindingStatus::Open,
        subject: ci().to_string(),
        provider: Some(ProviderId::Aws),
        scope: Some(scope(ACCOUNT)),
        environment: None,
        message: "no roster entry declares this identity".to_owned(),
        evidence: Vec::new(),
        related: Vec::new(),
        fingerprint: "f".repeat(64),
        suppression: None,
    };
    let inventory = first_estate();
    store
        .record(&ScanRecord {
            started: at(T1),
            finished: at(T1),
            tool_version: "0.1.0",
            roster_digest: Some("sha256:abc"),
            scopes: &[scope(ACCOUNT)],
            coverage: &[],
            inventory: std::slice::from_ref(&inventory),
            findings: std::slice::from_ref(&finding),
        })
        .unwrap();

    let loaded = store.inventory(1).unwrap();
    let findings = store.findings(1).unwrap();
    let scans = store.scans().unwrap();

    let mut expected = inventory;
    expected.sort();
    assert_eq!(loaded, vec![expected]);
    assert_eq!(findings, vec![finding]);
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0].roster_digest.as_deref(), Some("sha256:abc"));
    assert_eq!(scans[0].identities, 4);
    assert_eq!(scans[0].findings, 1);
    assert!(scans[0].complete);
    assert_eq!(scans[0].scopes, vec![scope(ACCOUNT)]);
}

#[test]
fn event_rows_render_one_line_per_event() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(folder.path());
    record_at(&mut store, &[first_estate()], T1);
    record_at(&mut store, &[second_estate()], T2);
    let events = store
        .log(&LogQuery {
            kinds: vec![EventKind::MemberAdded, EventKind::OwnerChanged],
            ..LogQuery::default()
        })
        .unwrap();

    let rows = roster_store::event_rows(&events);

    let cells: Vec<[String; 6]> = rows.iter().map(|row| row.cells()).collect();
    assert_eq!(cells.len(), 2);
    assert_eq!(cells[0][1], T2);
    let changes: Vec<&str> = cells.iter().map(|cell| cell[5].as_str()).collect();
    assert!(changes.contains(&"owner changed from `team-a` to `team-b`"));
    assert!(changes.contains(&"added to group `aws:111122223333:group:deployers`"));
}
