//! The committed JSON Schema matches the types, and accepts the rosters the loader accepts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use roster_declared::{roster_json_schema, roster_json_schema_text};

fn committed_schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/roster.schema.json")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Reads YAML into JSON the way an editor's YAML language server does for schema checks.
fn yaml_to_json(text: &str) -> serde_json::Value {
    let options = serde_saphyr::options! {
        leading_zero_numbers_as_strings: true,
        strict_booleans: true,
    };
    serde_saphyr::from_str_with_options(text, options).unwrap()
}

#[test]
fn committed_schema_is_current() {
    let path = committed_schema_path();
    let generated = roster_json_schema_text();

    if std::env::var_os("ROSTER_UPDATE_SCHEMA").is_some() {
        fs::write(&path, &generated).unwrap();
        return;
    }

    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "`schema/roster.schema.json` does not match the roster types: regenerate it with \
         `ROSTER_UPDATE_SCHEMA=1 cargo test -p roster-declared --test schema` and commit it"
    );
}

#[test]
fn schema_accepts_fixture_rosters() {
    let validator = jsonschema::validator_for(&roster_json_schema()).unwrap();
    let files = [
        "roster.yaml",
        "roster.d/10-platform.yaml",
        "roster.d/20-data.yml",
        "roster.d/30-ml.json",
    ];

    for name in files {
        let instance = yaml_to_json(&fs::read_to_string(fixture(name)).unwrap());
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|error| format!("{}: {error}", error.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn schema_rejects_what_the_loader_rejects() {
    let validator = jsonschema::validator_for(&roster_json_schema()).unwrap();
    let cases = [
        ("unknown field", "version: 1\ngroups:\n  ci:\n    ownr: x\n"),
        ("wrong version", "version: 2\n"),
        (
            "short account id",
            "version: 1\nenvironments:\n  prod:\n    aws:\n      accounts: ['1234']\n",
        ),
        (
            "member with both",
            "version: 1\ngroups:\n  ci:\n    members:\n      - {id: 'aws:111122223333:role:a', selector: {name: a}}\n",
        ),
        (
            "member with unknown field",
            "version: 1\ngroups:\n  ci:\n    members:\n      - {id: 'aws:111122223333:role:a', owner: x}\n",
        ),
        (
            "unknown rule",
            "version: 1\nsuppressions:\n  - {rule: stale, target: x, reason: y, owner: z, expires: 2026-01-01}\n",
        ),
        (
            "suppression without expiry",
            "version: 1\nsuppressions:\n  - {rule: '*', target: x, reason: y, owner: z}\n",
        ),
        (
            "duration without unit",
            "version: 1\nsettings:\n  unused_after: '90'\n",
        ),
    ];

    for (case, text) in cases {
        assert!(!validator.is_valid(&yaml_to_json(text)), "{case}");
    }
}
