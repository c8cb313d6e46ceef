//! GCP facts that several rules share: which grants amount to administration of a scope, and
//! how a grant's role and condition read in evidence.

use roster_graph::ReachingGrant;
use roster_model::{GrantCondition, IdentityKey, IdentityKind};
use roster_policy::gcp::{ADMIN_EQUIVALENT_PERMISSIONS, is_admin_equivalent_role};

use crate::rules::scopes::key_parts;

/// Describes a grant whose role amounts to administration of the organization, folder or
/// project it is bound on, or returns `None` for any other grant. The roles and permissions
/// that count are the policy engine's: [`is_admin_equivalent_role`] by name, else a role
/// that includes one of [`ADMIN_EQUIVALENT_PERMISSIONS`].
pub(crate) fn admin_grant(reaching: &ReachingGrant<'_>) -> Option<String> {
    let role = reaching.grant.policy.as_str();
    if is_admin_equivalent_role(role) {
        return Some(describe_grant(reaching));
    }
    let permission = reaching.policy.and_then(|policy| {
        ADMIN_EQUIVALENT_PERMISSIONS
            .iter()
            .find(|permission| policy.permissions.iter().any(|held| held == *permission))
    })?;
    Some(format!(
        "{}, whose role includes `{permission}`",
        describe_grant(reaching)
    ))
}

/// Describes a grant for evidence: `` `roles/editor` on `gcp:acme-prod` ``, with the group it
/// came through and its condition.
pub(crate) fn describe_grant(reaching: &ReachingGrant<'_>) -> String {
    let mut line = format!("`{}` on `{}`", reaching.grant.policy, reaching.grant.scope);
    if let Some(group) = reaching.via_group {
        line.push_str(&format!(" through group `{group}`"));
    }
    if let Some(condition) = &reaching.grant.condition {
        line.push_str(&format!(
            " (conditional: {})",
            describe_condition(condition)
        ));
    }
    line
}

/// Describes a binding condition by its title and expression; a condition the source lost
/// reads `unknown`.
pub(crate) fn describe_condition(condition: &GrantCondition) -> String {
    match (&condition.title, &condition.expression) {
        (Some(title), Some(expression)) => format!("{title}: `{expression}`"),
        (None, Some(expression)) => format!("`{expression}`"),
        (Some(title), None) => format!("{title}, expression unknown"),
        (None, None) => "unknown, the source dropped it".to_owned(),
    }
}

/// Returns whether a key names a person's account, such as `gcp:example.com:human:a@example.com`.
pub(crate) fn names_person(key: &IdentityKey) -> bool {
    key_parts(key.as_str()).is_some_and(|parts| parts.identity_kind() == Some(IdentityKind::Human))
}
