//! Imports the public AWS corpus found through `ROSTER_CORPUS_DIR` (a folder with an `aws/`
//! subfolder). Without the variable every test prints that it was skipped and passes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use roster_model::{
    CoverageKind, CoverageStatus, IdentityKind, Inventory, NoteKind, PolicyKind, PrincipalKind,
    UsageState,
};
use roster_provider_aws::{ImportError, import_paths};

/// The array-shaped file that is not an account-authorization dump.
const POLICY_SUMMARIES: &str = "cloudsplaining_test_missing_constraints_v2.json";
const MISMATCH: &str = "cloudsplaining_test_managed_policy_mismatch.json";
const LARGE: &str = "cloudsplaining_example_gaad_large.json";

fn corpus_dir() -> Option<PathBuf> {
    let Some(root) = std::env::var_os("ROSTER_CORPUS_DIR") else {
        eprintln!("skipped: ROSTER_CORPUS_DIR is not set");
        return None;
    };
    Some(PathBuf::from(root).join("aws"))
}

fn import(name: &str) -> Option<Inventory> {
    let path = corpus_dir()?.join(name);
    Some(import_paths(&[path]).unwrap_or_else(|error| panic!("{error}")))
}

fn count(inventory: &Inventory, kind: IdentityKind) -> usize {
    inventory
        .identities
        .iter()
        .filter(|identity| identity.kind == kind)
        .count()
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
fn every_corpus_dump_imports() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let mut imported = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let is_json = path.extension().is_some_and(|ext| ext == "json");
        if !is_json
            || path
                .file_name()
                .is_some_and(|name| name == POLICY_SUMMARIES)
        {
            continue;
        }
        let inventory = import_paths(std::slice::from_ref(&path))
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        assert!(!inventory.scopes.is_empty(), "{}", path.display());
        assert!(!inventory.coverage.is_empty(), "{}", path.display());
        imported += 1;
    }
    assert!(
        imported >= 4,
        "only {imported} dumps found in {}",
        dir.display()
    );
}

#[test]
fn array_of_policy_summaries_is_rejected() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let path = dir.join(POLICY_SUMMARIES);
    let error = import_paths(std::slice::from_ref(&path)).unwrap_err();
    assert!(
        matches!(error, ImportError::UnrecognizedFormat { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(POLICY_SUMMARIES), "{message}");
    assert!(
        message.contains("not a list of account-authorization pages"),
        "{message}"
    );
    assert!(
        message.contains(
            "expected the output of `aws iam get-account-authorization-details` or `aws iam get-credential-report`"
        ),
        "{message}"
    );
}

#[test]
fn managed_policy_mismatch_is_noted() {
    let Some(inventory) = import(MISMATCH) else {
        return;
    };
    let missing = "arn:aws:iam::aws:policy/AWSLambdaReadOnlyAccess";
    let note = inventory
        .notes
        .iter()
        .find(|note| note.kind == NoteKind::MissingPolicy)
        .expect("a missing-policy note");
    assert_eq!(note.subject.as_deref(), Some(missing));
    assert_eq!(note.scope.as_str(), "aws:123456789012");
    assert!(note.message.contains(missing), "{}", note.message);
    assert!(
        note.message.contains("aws:123456789012:group:anton-test"),
        "{}",
        note.message
    );

    let CoverageStatus::Partial { reason } =
        coverage(&inventory, "aws:123456789012", CoverageKind::Grants)
    else {
        panic!("grants coverage should be partial");
    };
    assert!(reason.contains(missing), "{reason}");

    let present = inventory
        .policies
        .iter()
        .find(|policy| policy.name == "AWSLambda_ReadOnlyAccess")
        .unwrap();
    assert_eq!(present.version.as_deref(), Some("v2"));
    let actions = &present.document.as_ref().unwrap()["Statement"][1]["Action"];
    assert!(actions.as_array().unwrap().len() > 3, "{actions}");
}

#[test]
fn large_dump_counts() {
    let Some(inventory) = import(LARGE) else {
        return;
    };
    assert_eq!(count(&inventory, IdentityKind::AwsUser), 44);
    assert_eq!(count(&inventory, IdentityKind::AwsRole), 78);
    assert_eq!(inventory.groups.len(), 5);
    let managed = inventory
        .policies
        .iter()
        .filter(|policy| policy.kind != PolicyKind::AwsInline)
        .count();
    assert_eq!(managed, 84);
    let provided = inventory
        .policies
        .iter()
        .filter(|policy| policy.kind == PolicyKind::AwsProvided)
        .count();
    assert_eq!(provided, 38);

    let accounts: Vec<&str> = inventory
        .scopes
        .iter()
        .map(|scope| scope.native_id.as_str())
        .collect();
    assert_eq!(accounts, ["012345678901", "111122223333"]);
}

#[test]
fn large_dump_facts() {
    let Some(inventory) = import(LARGE) else {
        return;
    };
    let service_linked: Vec<&str> = inventory
        .identities
        .iter()
        .filter(|identity| identity.aws.as_ref().is_some_and(|aws| aws.service_linked))
        .map(|identity| identity.name.as_str())
        .collect();
    assert!(
        service_linked.contains(&"AWSServiceRoleForAmazonSSM"),
        "{service_linked:?}"
    );
    assert!(
        !service_linked
            .iter()
            .any(|name| name.starts_with("AWSReservedSSO_")),
        "{service_linked:?}"
    );

    let cross_account = inventory.trusts.iter().find(|trust| {
        trust.principal.kind == PrincipalKind::Account
            && trust.principal.account.as_deref() == Some("444455556666")
    });
    assert!(
        cross_account.is_some(),
        "no trust to the whole account 444455556666"
    );

    let saml = inventory.trusts.iter().find(|trust| {
        trust.principal.kind == PrincipalKind::Federated
            && trust.principal.value.contains(":saml-provider/")
            && trust
                .actions
                .iter()
                .any(|action| action == "sts:AssumeRoleWithSAML")
    });
    let saml = saml.expect("a SAML trust");
    assert!(!saml.conditions.is_empty());
    assert!(
        saml.target.as_str().contains(":role:AWSReservedSSO_"),
        "{}",
        saml.target
    );

    let used = inventory
        .identities
        .iter()
        .filter(|identity| identity.last_used.state == UsageState::Used)
        .count();
    assert_eq!(used, 26);
    assert!(
        inventory
            .identities
            .iter()
            .all(|identity| identity.kind != IdentityKind::AwsUser
                || identity.last_used.state == UsageState::Unknown)
    );
}

#[test]
fn large_dump_coverage() {
    let Some(inventory) = import(LARGE) else {
        return;
    };
    let scope = "aws:111122223333";
    assert_eq!(
        coverage(&inventory, scope, CoverageKind::Trusts),
        CoverageStatus::Complete
    );
    assert_eq!(
        coverage(&inventory, scope, CoverageKind::Groups),
        CoverageStatus::Complete
    );
    let CoverageStatus::Partial { reason } = coverage(&inventory, scope, CoverageKind::Credentials)
    else {
        panic!("credentials coverage should be partial without a credential report");
    };
    assert!(
        reason.contains("no credential report for account 111122223333"),
        "{reason}"
    );
    assert!(matches!(
        coverage(&inventory, scope, CoverageKind::PermissionBoundaries),
        CoverageStatus::Partial { .. }
    ));
}
