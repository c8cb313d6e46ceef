//! The rule names a suppression may give.

use schemars::{Schema, SchemaGenerator, json_schema};

/// The kebab-case names of Roster's rules. A suppression names one of them, or `*`.
pub const RULE_NAMES: &[&str] = &[
    "undeclared-identity",
    "missing-identity",
    "membership-drift",
    "excess-privilege",
    "unused-identity",
    "unused-permission",
    "unused-credential",
    "stale-credential",
    "long-lived-credential",
    "expiring-credential",
    "multiple-active-credentials",
    "orphan-identity",
    "dangling-principal",
    "expired-declaration",
    "cross-environment-access",
    "cross-environment-trust",
    "cross-environment-membership",
    "mixed-group",
    "human-use-of-nhi",
    "admin-equivalent",
    "privilege-escalation-path",
    "external-trust",
];

/// The suppression `rule` value that matches every rule.
pub const ANY_RULE: &str = "*";

/// Writes the schema of a suppression's `rule`: one of [`RULE_NAMES`] or `*`.
pub(crate) fn rule_name_schema(_: &mut SchemaGenerator) -> Schema {
    let mut names: Vec<&str> = RULE_NAMES.to_vec();
    names.push(ANY_RULE);
    json_schema!({
        "description": "A rule name such as `stale-credential`, or `*` for every rule.",
        "type": "string",
        "enum": names
    })
}
