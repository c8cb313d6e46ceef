//! GCP facts that several rules share: which roles amount to administration of a scope, and
//! how a grant's role and condition read in evidence.

use roster_graph::{IdentityGraph, ReachingGrant};
use roster_model::{GrantCondition, IdentityKey, IdentityKind, ScopeKind};

use crate::rules::scopes::key_parts;

/// Predefined roles that give full control of the scope they are granted on. Owner and
/// Editor can change nearly every resource; Security Admin can set any IAM policy, so it can
/// grant itself Owner.
pub(crate) const ADMIN_ROLES: [&str; 3] =
    ["roles/owner", "roles/editor", "roles/iam.securityAdmin"];

/// Returns the permission that sets the IAM policy of a scope of this kind. A principal
/// granted it there can grant itself any role.
pub(crate) fn set_iam_policy_permission(kind: ScopeKind) -> Option<&'static str> {
    match kind {
        ScopeKind::GcpProject => Some("resourcemanager.projects.setIamPolicy"),
        ScopeKind::GcpFolder => Some("resourcemanager.folders.setIamPolicy"),
        ScopeKind::GcpOrganization => Some("resourcemanager.organizations.setIamPolicy"),
        _ => None,
    }
}

/// Describes a grant whose role amounts to administration of its scope, or returns `None`
/// for any other grant. A scope the graph does not hold is taken to be a project.
pub(crate) fn admin_grant(graph: &IdentityGraph, reaching: &ReachingGrant<'_>) -> Option<String> {
    let role = reaching.grant.policy.as_str();
    if ADMIN_ROLES.contains(&role) {
        return Some(describe_grant(reaching));
    }
    let kind = graph
        .scope(&reaching.grant.scope)
        .map_or(ScopeKind::GcpProject, |scope| scope.kind);
    let permission = set_iam_policy_permission(kind)?;
    let holds = reaching
        .policy
        .is_some_and(|policy| policy.permissions.iter().any(|held| held == permission));
    holds.then(|| {
        format!(
            "{}, whose role includes `{permission}`",
            describe_grant(reaching)
        )
    })
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
