//! The generated estate imports into Roster with every principal, grant and trust it holds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_model::{Boundary, IdentityKind};
use xtask::estate::{DUMP_FILE, Estate, REPORT_FILE, Spec};

#[test]
fn generated_estate_imports_completely() {
    let folder = tempfile::tempdir().unwrap();
    let spec = Spec::with_default_attachments(300, 11);
    let estate = Estate::plan(spec).unwrap();
    estate.write(folder.path()).unwrap();

    let inventory = roster_provider_aws::import_paths(&[
        folder.path().join(DUMP_FILE),
        folder.path().join(REPORT_FILE),
    ])
    .unwrap();

    let roles = inventory
        .identities
        .iter()
        .filter(|identity| identity.kind == IdentityKind::AwsRole)
        .count();
    assert_eq!(inventory.identities.len(), 300);
    assert_eq!(roles, estate.roles);
    assert_eq!(inventory.groups.len(), estate.groups);
    assert_eq!(inventory.grants.len(), spec.attachments);
    assert!(inventory.trusts.len() >= estate.roles);
    assert!(
        inventory
            .identities
            .iter()
            .any(|identity| matches!(identity.boundary, Boundary::Policy(_)))
    );
    assert!(!inventory.credentials.is_empty());
}

#[test]
fn same_seed_writes_same_files() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let spec = Spec::with_default_attachments(120, 4);
    Estate::plan(spec).unwrap().write(first.path()).unwrap();
    Estate::plan(spec).unwrap().write(second.path()).unwrap();

    for file in [DUMP_FILE, REPORT_FILE] {
        let first = std::fs::read(first.path().join(file)).unwrap();
        let second = std::fs::read(second.path().join(file)).unwrap();
        assert!(first == second, "{file} differs between two runs");
    }
}
