//! Slack scope classification against the scopes found in the API responses of the public
//! corpus (`ROSTER_CORPUS_DIR`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use roster_policy::slack::{
    Basis, ScopeClass, ScopeRisk, ScopeSummary, classify_scope, split_scopes,
};
use serde_json::Value;

/// Collects every scope a response names: `scope` strings (comma-separated), and `scopes`,
/// `bot_scopes`, `new_scopes` ... lists of strings, of `{"name": ...}` objects, or maps of such
/// lists by token type.
fn collect_scopes(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(object) => {
            for (key, item) in object {
                if key == "scope" {
                    if let Some(text) = item.as_str() {
                        found.extend(split_scopes(text).into_iter().map(str::to_owned));
                    }
                } else if key.contains("scopes") {
                    collect_scope_list(item, found);
                }
                collect_scopes(item, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_scopes(item, found)),
        _ => {}
    }
}

fn collect_scope_list(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::String(scope) if !scope.is_empty() => {
            found.insert(scope.clone());
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_scope_list(item, found)),
        Value::Object(object) => match object.get("name") {
            Some(Value::String(name)) => collect_scope_list(&Value::String(name.clone()), found),
            _ => object
                .values()
                .for_each(|item| collect_scope_list(item, found)),
        },
        _ => {}
    }
}

#[test]
fn corpus_scopes_are_all_classified() {
    let Some(root) = std::env::var_os("ROSTER_CORPUS_DIR") else {
        eprintln!("skipped: ROSTER_CORPUS_DIR is not set");
        return;
    };
    let folder = PathBuf::from(root).join("slack");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|extension| extension.to_str()) != Some("json") {
            continue;
        }
        let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        collect_scopes(&value, &mut found);
    }

    let summary = ScopeSummary::of(&found);

    assert!(found.len() >= 9, "found {found:?}");
    assert!(summary.unknown.is_empty(), "unknown: {:?}", summary.unknown);
    assert!(
        summary.by_form.is_empty(),
        "not in the table: {:?}",
        summary.by_form
    );
    assert!(summary.by_risk[&ScopeRisk::Write].contains("chat:write"));
    assert!(summary.by_risk[&ScopeRisk::Read].contains("channels:history"));
}

#[test]
fn oauth_access_scope_splits() {
    let summary = ScopeSummary::of(split_scopes("commands,incoming-webhook"));

    assert_eq!(summary.highest(), Some(ScopeRisk::Write));
    assert!(summary.unknown.is_empty());
}

#[test]
fn admin_scopes_rank_highest() {
    let summary = ScopeSummary::of(["users:read", "admin.apps:write", "openid", "chat:write"]);

    assert_eq!(summary.highest(), Some(ScopeRisk::Admin));
    assert_eq!(
        classify_scope("admin.conversations:manage_objects"),
        ScopeClass::Known {
            risk: ScopeRisk::Admin,
            basis: Basis::Table
        }
    );
}

#[test]
fn unknown_scope_is_never_low() {
    let summary = ScopeSummary::of(["users:read", "mystery"]);

    assert_eq!(classify_scope("mystery"), ScopeClass::Unknown);
    assert!(summary.unknown.contains("mystery"));
    assert!(
        summary
            .by_risk
            .values()
            .all(|scopes| !scopes.contains("mystery"))
    );
}
