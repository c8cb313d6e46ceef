//! Imports the hand-written exports under `tests/fixtures/`: a dump of two pages written back
//! to back, a truncated dump, and one credential report as JSON output and as CSV.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use roster_model::{
    Boundary, CoverageKind, CoverageStatus, CredentialKind, CredentialStatus, Identity,
    IdentityKind, Inventory, Nature, NoteKind, PolicyKey, PrincipalKind, Signal, UsageState,
};
use roster_provider_aws::import_paths;

const SCOPE: &str = "aws:111122223333";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn import(names: &[&str]) -> Inventory {
    let paths: Vec<PathBuf> = names.iter().map(|name| fixture(name)).collect();
    import_paths(&paths).unwrap_or_else(|error| panic!("{error}"))
}

fn identity<'a>(inventory: &'a Inventory, key: &str) -> &'a Identity {
    inventory
        .identities
        .iter()
        .find(|identity| identity.key.as_str() == key)
        .unwrap_or_else(|| panic!("no identity `{key}`"))
}

fn coverage(
    inventory: &Inventory,
    kind: CoverageKind,
    identity_kind: Option<IdentityKind>,
) -> CoverageStatus {
    inventory
        .coverage
        .iter()
        .find(|entry| entry.kind == kind && entry.identity_kind == identity_kind)
        .map(|entry| entry.status.clone())
        .unwrap_or_else(|| panic!("no {kind} coverage"))
}

fn partial_reason(status: CoverageStatus) -> String {
    match status {
        CoverageStatus::Partial { reason } => reason,
        other => panic!("expected partial coverage, got {other:?}"),
    }
}

#[test]
fn paged_dump_imports_every_page() {
    let inventory = import(&["paged-dump.json"]);
    let keys: Vec<&str> = inventory
        .identities
        .iter()
        .map(|identity| identity.key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "aws:111122223333:role:AWSServiceRoleForAmazonSSM",
            "aws:111122223333:role:deploy",
            "aws:111122223333:role:github-actions",
            "aws:111122223333:role:okta-admins",
            "aws:111122223333:role:web",
            "aws:111122223333:user:alice",
            "aws:111122223333:user:ci-deployer",
        ]
    );
    assert_eq!(inventory.scopes.len(), 1);
    assert_eq!(inventory.scopes[0].id.as_str(), SCOPE);
    assert_eq!(
        coverage(
            &inventory,
            CoverageKind::Identities,
            Some(IdentityKind::AwsRole)
        ),
        CoverageStatus::Complete
    );
    assert_eq!(
        coverage(&inventory, CoverageKind::Trusts, None),
        CoverageStatus::Complete
    );
}

#[test]
fn paged_dump_groups_and_members() {
    let inventory = import(&["paged-dump.json"]);
    assert_eq!(inventory.groups.len(), 1);
    let members: Vec<&str> = inventory.groups[0]
        .members
        .iter()
        .map(|key| key.as_str())
        .collect();
    assert_eq!(
        members,
        [
            "aws:111122223333:user:alice",
            "aws:111122223333:user:ci-deployer"
        ]
    );

    let unresolved = inventory
        .notes
        .iter()
        .find(|note| note.kind == NoteKind::UnresolvedReference)
        .unwrap();
    assert_eq!(
        unresolved.subject.as_deref(),
        Some("aws:111122223333:group:auditors")
    );
}

#[test]
fn paged_dump_trusts() {
    let inventory = import(&["paged-dump.json"]);
    let deploy: Vec<_> = inventory
        .trusts
        .iter()
        .filter(|trust| trust.target.as_str() == "aws:111122223333:role:deploy")
        .collect();
    let kinds: Vec<(PrincipalKind, &str)> = deploy
        .iter()
        .map(|trust| (trust.principal.kind, trust.principal.value.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (PrincipalKind::Account, "444455556666"),
            (PrincipalKind::Account, "arn:aws:iam::444455556666:root"),
            (PrincipalKind::DeletedPrincipal, "AROA1234567890EXAMPLE"),
        ]
    );
    let conditions = &deploy[1].conditions;
    assert_eq!(conditions.len(), 3);
    assert!(
        conditions
            .iter()
            .any(|c| c.key == "aws:MultiFactorAuthPresent" && c.values == ["true"])
    );
    assert!(
        conditions
            .iter()
            .any(|c| c.key == "aws:MultiFactorAuthAge" && c.values == ["3600"])
    );

    let deny_note = inventory
        .notes
        .iter()
        .find(|note| {
            note.subject.as_deref() == Some("aws:111122223333:role:deploy")
                && note.kind == NoteKind::LossyInput
        })
        .unwrap();
    assert!(
        deny_note.message.contains("has 1 Deny statement,"),
        "{}",
        deny_note.message
    );

    let web = inventory
        .trusts
        .iter()
        .find(|trust| trust.target.as_str() == "aws:111122223333:role:web")
        .unwrap();
    assert_eq!(web.principal.kind, PrincipalKind::Service);
    assert_eq!(web.principal.value, "ec2.amazonaws.com");

    let github = inventory
        .trusts
        .iter()
        .find(|trust| trust.target.as_str() == "aws:111122223333:role:github-actions")
        .unwrap();
    assert_eq!(github.principal.kind, PrincipalKind::Federated);
    assert_eq!(github.actions, ["sts:AssumeRoleWithWebIdentity"]);
    assert_eq!(github.conditions[1].values.len(), 2);

    let okta = identity(&inventory, "aws:111122223333:role:okta-admins");
    assert!(
        okta.evidence
            .iter()
            .any(|e| e.signal == Signal::FederatedHumanTrust && e.points_to == Nature::Human)
    );
}

#[test]
fn paged_dump_roles() {
    let inventory = import(&["paged-dump.json"]);
    let ssm = identity(
        &inventory,
        "aws:111122223333:role:AWSServiceRoleForAmazonSSM",
    );
    assert!(ssm.aws.as_ref().unwrap().service_linked);
    assert_eq!(ssm.last_used.state, UsageState::NeverUsed);

    let deploy = identity(&inventory, "aws:111122223333:role:deploy");
    assert_eq!(
        deploy.boundary,
        Boundary::Policy(PolicyKey::new("arn:aws:iam::111122223333:policy/deploy"))
    );
    assert_eq!(deploy.last_used.state, UsageState::Used);
    assert_eq!(deploy.last_used.detail.as_deref(), Some("eu-west-1"));
    assert_eq!(
        deploy.created.unwrap().to_string(),
        "2021-03-04T10:05:00.123Z"
    );

    let web = identity(&inventory, "aws:111122223333:role:web");
    assert_eq!(web.boundary, Boundary::NotCollected);
    assert_eq!(web.last_used.state, UsageState::Unknown);
    assert_eq!(
        web.aws.as_ref().unwrap().instance_profiles,
        ["arn:aws:iam::111122223333:instance-profile/web"]
    );

    let reason = partial_reason(coverage(
        &inventory,
        CoverageKind::IdentityUsage,
        Some(IdentityKind::AwsRole),
    ));
    assert!(
        reason.contains("the dump of account 111122223333 has no RoleLastUsed for 1 role"),
        "{reason}"
    );
    let reason = partial_reason(coverage(
        &inventory,
        CoverageKind::PermissionBoundaries,
        None,
    ));
    assert!(
        reason.contains("can omit permission boundaries"),
        "{reason}"
    );
}

#[test]
fn paged_dump_policies() {
    let inventory = import(&["paged-dump.json"]);
    let deploy = inventory
        .policies
        .iter()
        .find(|policy| policy.key.as_str() == "arn:aws:iam::111122223333:policy/deploy")
        .unwrap();
    assert_eq!(deploy.name, "deploy");
    assert_eq!(deploy.version.as_deref(), Some("v2"));
    assert_eq!(
        deploy.document.as_ref().unwrap()["Statement"][0]["Action"][0],
        "cloudformation:*"
    );

    let inline: Vec<&str> = inventory
        .policies
        .iter()
        .filter(|policy| policy.key.as_str().starts_with("inline:"))
        .map(|policy| policy.key.as_str())
        .collect();
    assert_eq!(
        inline,
        [
            "inline:aws:111122223333:role:web:read-assets",
            "inline:aws:111122223333:user:alice:self-service"
        ]
    );

    let missing = inventory
        .notes
        .iter()
        .find(|note| note.kind == NoteKind::MissingPolicy)
        .unwrap();
    assert_eq!(
        missing.subject.as_deref(),
        Some("arn:aws:iam::aws:policy/AdministratorAccess")
    );
    assert!(
        missing.message.contains("`aws:111122223333:role:deploy`"),
        "{}",
        missing.message
    );
    let reason = partial_reason(coverage(&inventory, CoverageKind::Grants, None));
    assert!(
        reason.contains("arn:aws:iam::aws:policy/AdministratorAccess"),
        "{reason}"
    );
}

#[test]
fn dump_without_report_leaves_credentials_unverified() {
    let inventory = import(&["paged-dump.json"]);
    assert!(inventory.credentials.is_empty());
    let reason = partial_reason(coverage(&inventory, CoverageKind::Credentials, None));
    assert!(
        reason.starts_with("no credential report for account 111122223333"),
        "{reason}"
    );
    let alice = identity(&inventory, "aws:111122223333:user:alice");
    assert_eq!(alice.last_used.state, UsageState::Unknown);
}

#[test]
fn report_joins_users_of_dump() {
    let inventory = import(&["paged-dump.json", "credential-report.json"]);
    assert_eq!(
        coverage(&inventory, CoverageKind::Credentials, None),
        CoverageStatus::Complete
    );
    assert_eq!(
        coverage(&inventory, CoverageKind::CredentialUsage, None),
        CoverageStatus::Complete
    );
    assert_eq!(
        coverage(
            &inventory,
            CoverageKind::IdentityUsage,
            Some(IdentityKind::AwsUser)
        ),
        CoverageStatus::Complete
    );

    let ci = identity(&inventory, "aws:111122223333:user:ci-deployer");
    assert_eq!(ci.last_used.state, UsageState::Used);
    assert_eq!(
        ci.last_used.last_used.unwrap().to_string(),
        "2024-05-02T07:30:00Z"
    );
    assert!(
        ci.evidence
            .iter()
            .any(|e| e.signal == Signal::ProgrammaticUse)
    );
    assert!(
        ci.evidence
            .iter()
            .any(|e| e.signal == Signal::Tag && e.points_to == Nature::NonHuman)
    );

    let alice = identity(&inventory, "aws:111122223333:user:alice");
    assert_eq!(alice.last_used.state, UsageState::NeverUsed);
    assert_eq!(alice.unique_id.as_deref(), Some("AIDAEXAMPLEALICE00001"));
    let signals: Vec<Signal> = alice.evidence.iter().map(|e| e.signal).collect();
    assert!(signals.contains(&Signal::ConsolePassword), "{signals:?}");
    assert!(signals.contains(&Signal::MfaDevice), "{signals:?}");

    let credentials: Vec<(&str, CredentialKind, CredentialStatus)> = inventory
        .credentials
        .iter()
        .map(|c| (c.key.as_str(), c.kind, c.status))
        .collect();
    assert_eq!(
        credentials,
        [
            (
                "aws:111122223333:user:alice:console-password",
                CredentialKind::ConsolePassword,
                CredentialStatus::Active
            ),
            (
                "aws:111122223333:user:ci-deployer:aws-access-key:1",
                CredentialKind::AwsAccessKey,
                CredentialStatus::Active
            ),
            (
                "aws:111122223333:user:ci-deployer:aws-access-key:2",
                CredentialKind::AwsAccessKey,
                CredentialStatus::Inactive
            ),
            (
                "aws:111122223333:user:ghost:aws-access-key:1",
                CredentialKind::AwsAccessKey,
                CredentialStatus::Active
            ),
        ]
    );
    let password = &inventory.credentials[0];
    assert_eq!(
        password.expires.unwrap().to_string(),
        "2024-04-15T00:00:00Z"
    );
}

#[test]
fn report_only_user_is_kept() {
    let inventory = import(&["paged-dump.json", "credential-report.json"]);
    let ghost = identity(&inventory, "aws:111122223333:user:ghost");
    assert_eq!(ghost.last_used.state, UsageState::NeverUsed);
    assert_eq!(ghost.created.unwrap().to_string(), "2024-05-02T00:00:00Z");
    let note = inventory
        .notes
        .iter()
        .find(|note| note.subject.as_deref() == Some("aws:111122223333:user:ghost"))
        .unwrap();
    assert_eq!(note.kind, NoteKind::UnresolvedReference);
}

#[test]
fn root_row_is_a_note_not_an_identity() {
    let inventory = import(&["credential-report.csv"]);
    assert!(
        inventory
            .identities
            .iter()
            .all(|identity| !identity.name.contains("root"))
    );
    let note = inventory
        .notes
        .iter()
        .find(|note| note.kind == NoteKind::Skipped)
        .unwrap();
    assert_eq!(
        note.subject.as_deref(),
        Some("arn:aws:iam::111122223333:root")
    );
}

#[test]
fn report_alone_lists_users_only() {
    let inventory = import(&["credential-report.csv"]);
    let users = inventory
        .identities
        .iter()
        .filter(|identity| identity.kind == IdentityKind::AwsUser)
        .count();
    assert_eq!(users, 3);
    let alice = identity(&inventory, "aws:111122223333:user:alice");
    assert_eq!(alice.aws.as_ref().unwrap().path, "/people/");

    assert_eq!(
        coverage(
            &inventory,
            CoverageKind::Identities,
            Some(IdentityKind::AwsUser)
        ),
        CoverageStatus::Complete
    );
    for (kind, identity_kind) in [
        (CoverageKind::Identities, Some(IdentityKind::AwsRole)),
        (CoverageKind::Groups, None),
        (CoverageKind::Grants, None),
        (CoverageKind::Trusts, None),
    ] {
        let reason = partial_reason(coverage(&inventory, kind, identity_kind));
        assert!(
            reason.starts_with("no account-authorization dump for account 111122223333"),
            "{kind}: {reason}"
        );
    }
}

#[test]
fn newer_report_wins() {
    let inventory = import(&["credential-report.csv", "credential-report.json"]);
    let skipped = inventory
        .notes
        .iter()
        .find(|note| note.message.contains("was ignored because a newer report"))
        .unwrap();
    assert!(
        skipped.message.contains("credential-report.csv"),
        "{}",
        skipped.message
    );
    assert_eq!(inventory.credentials.len(), 4);
}

#[test]
fn truncated_dump_is_partial() {
    let inventory = import(&["truncated-dump.json"]);
    let reason = partial_reason(coverage(
        &inventory,
        CoverageKind::Identities,
        Some(IdentityKind::AwsRole),
    ));
    assert!(
        reason.contains("IsTruncated true and Marker `page-2`"),
        "{reason}"
    );
    assert!(reason.contains("truncated-dump.json"), "{reason}");
    for kind in [
        CoverageKind::Groups,
        CoverageKind::Grants,
        CoverageKind::Trusts,
    ] {
        assert!(
            matches!(
                coverage(&inventory, kind, None),
                CoverageStatus::Partial { .. }
            ),
            "{kind}"
        );
    }
}

#[test]
fn file_of_neither_format_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roles.json");
    std::fs::write(&path, r#"{"Roles": [{"RoleName": "x"}]}"#).unwrap();
    let error = import_paths(std::slice::from_ref(&path)).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` is not an AWS IAM export: it is a JSON object with the keys `Roles`; expected the output of `aws iam get-account-authorization-details` or `aws iam get-credential-report`",
            path.display()
        )
    );
}

#[test]
fn unreadable_path_is_an_error() {
    let error = import_paths(&[fixture("absent.json")]).unwrap_err();
    assert!(error.to_string().starts_with("failed to read `"), "{error}");
}
