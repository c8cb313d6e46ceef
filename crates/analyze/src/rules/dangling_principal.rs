use std::collections::BTreeMap;

use roster_model::{
    CoverageKind, DELETED_MEMBER_PREFIX, Finding, Grant, Identity, IdentityKey, PrincipalKind,
    ProviderId, Severity, Subject, Trust,
};

use crate::rules::gcp::describe_condition;
use crate::rules::scopes::{key_parts, scope_environment};
use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST013",
    name: "dangling-principal",
    severity: Severity::Medium,
    owasp: "NHI1 Improper Offboarding",
    summary: "A trust or a binding that names a deleted principal.",
    why: "A trust left behind when its principal was deleted is leftover access that nobody \
          reviews. It hides who was meant to use the identity, and where a trust names its \
          principal by name (a Kubernetes service account), a principal recreated under that \
          name inherits it.",
    fix: "Remove the principal from the trust, or replace it with the principal that now \
          needs the access.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags trusts whose principal no longer exists, on identities whose trusts were fully
/// collected:
///
/// - a bare unique id (`AROA...` for a role, `AIDA...` for a user): AWS writes a deleted
///   principal this way. Such a trust is not cross-account and cannot be used: a role or
///   user recreated with the same name gets a new unique id and does not regain it. A bare
///   id that still belongs to an identity of the graph is not flagged.
/// - an identity key in a scope whose identities were fully collected, which the graph
///   lacks.
/// - a GCP member that IAM reports as deleted (`deleted:serviceAccount:ci@p...?uid=123`),
///   in a trust or in a grant on a scope whose grants were fully collected. A principal
///   recreated with the same email has another unique id and does not regain the binding,
///   and a deleted member is never taken for the live principal of the same email.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for trust in context.graph.trusts() {
        let Some(target) = context.graph.identity(&trust.target) else {
            continue;
        };
        if !context.verified(target, CoverageKind::Trusts) {
            continue;
        }
        let finding = if trust.principal.kind == PrincipalKind::DeletedPrincipal {
            deleted_principal(context, target, trust)
        } else {
            trust
                .principal
                .identity
                .as_ref()
                .and_then(|key| absent_principal(context, target, trust, key))
        };
        findings.extend(finding);
    }
    findings.extend(deleted_members_with_grants(context));
    findings
}

fn deleted_principal(context: &Context<'_>, target: &Identity, trust: &Trust) -> Option<Finding> {
    if trust.principal.value.starts_with(DELETED_MEMBER_PREFIX) {
        return deleted_member_trust(context, target, trust);
    }
    let unique_id = trust.principal.value.as_str();
    if context.graph.identity_by_unique_id(unique_id).is_some() {
        return None;
    }

    let principal_kind = deleted_kind(unique_id);
    let draft = start(
        context,
        target,
        trust,
        format!(
            "{} `{}` has a trust to a deleted {principal_kind} `{unique_id}`",
            target.kind, target.name
        ),
    )
    .evidence(format!(
        "AWS replaces a deleted principal in a trust policy with its unique id; no identity \
         of the scan has unique id `{unique_id}`"
    ))
    .evidence(format!(
        "the trust cannot be used: a {principal_kind} recreated with the same name has a new unique id"
    ));
    Some(draft.build())
}

fn absent_principal(
    context: &Context<'_>,
    target: &Identity,
    trust: &Trust,
    key: &IdentityKey,
) -> Option<Finding> {
    if context.graph.identity(key).is_some() {
        return None;
    }
    let parts = key_parts(key.as_str())?;
    context.graph.scope(&parts.scope)?;
    if !context.scope_verified(
        &parts.scope,
        CoverageKind::Identities,
        parts.identity_kind(),
    ) {
        return None;
    }

    let draft = start(
        context,
        target,
        trust,
        format!(
            "{} `{}` has a trust to a principal that does not exist: `{}`",
            target.kind, target.name, trust.principal.value
        ),
    )
    .related(key.as_str())
    .evidence(format!(
        "the identities of scope `{}` were fully collected and `{key}` is not among them",
        parts.scope
    ));
    Some(draft.build())
}

fn start(context: &Context<'_>, target: &Identity, trust: &Trust, message: String) -> FindingDraft {
    let mut line = format!("trusted principal `{}`", trust.principal.value);
    if !trust.actions.is_empty() {
        line.push_str(&format!(" for {}", trust.actions.join(", ")));
    }
    FindingDraft::about(&INFO, target, message)
        .environment(context.environment_of(target).as_deref())
        .discriminator(trust.principal.value.as_str())
        .evidence(line)
}

fn deleted_member_trust(
    context: &Context<'_>,
    target: &Identity,
    trust: &Trust,
) -> Option<Finding> {
    let member = trust.principal.value.as_str();
    if member_is_live(context, member) {
        return None;
    }
    let draft = start(
        context,
        target,
        trust,
        format!(
            "{} `{}` has a binding to a deleted principal `{member}`",
            target.kind, target.name
        ),
    )
    .evidence(DELETED_MEMBER_EVIDENCE.to_owned());
    Some(draft.build())
}

const DELETED_MEMBER_EVIDENCE: &str = "GCP keeps a deleted principal in IAM policies as \
     `deleted:<type>:<email>?uid=<unique id>`; a principal recreated with the same email has \
     another unique id and does not regain the binding";

/// Returns whether a deleted member's unique id belongs to an identity the scan found, as
/// after a service account is restored.
fn member_is_live(context: &Context<'_>, member: &str) -> bool {
    member
        .split_once("?uid=")
        .is_some_and(|(_, uid)| context.graph.identity_by_unique_id(uid).is_some())
}

/// Flags each deleted GCP member that is still bound to roles, once, listing its grants on
/// scopes whose grants were fully collected.
fn deleted_members_with_grants(context: &Context<'_>) -> Vec<Finding> {
    let mut by_member: BTreeMap<String, Vec<&Grant>> = BTreeMap::new();
    for grant in context.graph.grants() {
        let key = match &grant.subject {
            Subject::Identity(key) if key.names_deleted_principal() => key.to_string(),
            Subject::Group(key) if key.names_deleted_principal() => key.to_string(),
            _ => continue,
        };
        if !context.scope_verified(&grant.scope, CoverageKind::Grants, None) {
            continue;
        }
        by_member.entry(key).or_default().push(grant);
    }

    let mut findings = Vec::new();
    for (key, grants) in by_member {
        let member = key.splitn(4, ':').nth(3).unwrap_or(&key);
        if member_is_live(context, member) {
            continue;
        }
        let Some(first) = grants.first() else {
            continue;
        };
        let bound_roles = if grants.len() == 1 {
            format!("`{}` on `{}`", first.policy, first.scope)
        } else {
            format!("{} roles", grants.len())
        };
        let mut draft = FindingDraft::new(
            &INFO,
            key.as_str(),
            format!("deleted principal `{member}` still holds {bound_roles}"),
        )
        .provider(ProviderId::Gcp)
        .scope(first.scope.clone())
        .environment(scope_environment(context, &first.scope).as_deref())
        .evidence(DELETED_MEMBER_EVIDENCE.to_owned());
        for grant in &grants {
            let mut line = format!("bound to `{}` on `{}`", grant.policy, grant.scope);
            if let Some(condition) = &grant.condition {
                line.push_str(&format!(
                    " (conditional: {})",
                    describe_condition(condition)
                ));
            }
            draft = draft.evidence(line);
        }
        findings.push(draft.build());
    }
    findings
}

/// Names what a bare AWS unique id belonged to, from its prefix.
fn deleted_kind(unique_id: &str) -> &'static str {
    if unique_id.starts_with("AROA") {
        "role"
    } else if unique_id.starts_with("AIDA") {
        "user"
    } else {
        "principal"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::testing::{Estate, gcp_grant, gcp_role, identity, role, run, trust_to};

    const DELETED_ROLE: &str = "AROA1234567890EXAMPLE";

    fn deleted(value: &str) -> Estate {
        let deploy = role("deploy");
        Estate::new()
            .trust(trust_to(&deploy, PrincipalKind::DeletedPrincipal, value))
            .identity(deploy)
    }

    fn named(key: &str) -> Estate {
        let deploy = role("deploy");
        let mut trust = trust_to(
            &deploy,
            PrincipalKind::Identity,
            "arn:aws:iam::111122223333:role/ci",
        );
        trust.principal.identity = Some(key.parse().unwrap());
        Estate::new().trust(trust).identity(deploy)
    }

    #[test]
    fn deleted_role_trust_is_flagged() {
        let findings = run(&RULE, &deleted(DELETED_ROLE).graph(), None);

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].subject, "aws:111122223333:role:deploy");
        assert_eq!(
            findings[0].message,
            "aws-role `deploy` has a trust to a deleted role `AROA1234567890EXAMPLE`"
        );
        assert_eq!(
            findings[0].evidence[0],
            "trusted principal `AROA1234567890EXAMPLE` for sts:AssumeRole"
        );
        assert!(
            findings[0].evidence[2].contains("recreated with the same name has a new unique id")
        );
    }

    #[test]
    fn deleted_user_and_unknown_ids_are_named() {
        let user = run(&RULE, &deleted("AIDA1234567890EXAMPLE").graph(), None);
        let other = run(&RULE, &deleted("AGPA1234567890EXAMPLE").graph(), None);

        assert!(
            user[0]
                .message
                .contains("a deleted user `AIDA1234567890EXAMPLE`")
        );
        assert!(
            other[0]
                .message
                .contains("a deleted principal `AGPA1234567890EXAMPLE`")
        );
    }

    #[test]
    fn unique_id_of_live_identity_is_not_flagged() {
        let mut ci = role("ci");
        ci.unique_id = Some(DELETED_ROLE.to_owned());
        let graph = deleted(DELETED_ROLE).identity(ci).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn unverified_trusts_give_no_finding() {
        let graph = deleted(DELETED_ROLE).partial(CoverageKind::Trusts).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn absent_principal_in_collected_scope_is_flagged() {
        let findings = run(&RULE, &named("aws:111122223333:role:ci").graph(), None);

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "aws-role `deploy` has a trust to a principal that does not exist: \
             `arn:aws:iam::111122223333:role/ci`"
        );
        assert_eq!(
            findings[0].related,
            vec!["aws:111122223333:role:ci".to_owned()]
        );
    }

    #[test]
    fn live_principal_is_not_flagged() {
        let graph = named("aws:111122223333:role:ci")
            .identity(role("ci"))
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn principal_in_uncollected_scope_is_not_flagged() {
        let graph = named("aws:444455556666:role:ci").graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn principal_with_partial_identities_is_not_flagged() {
        let graph = named("aws:111122223333:role:ci")
            .partial(CoverageKind::Identities)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    const DELETED_ACCOUNT: &str =
        "deleted:serviceAccount:ci@acme-prod.iam.gserviceaccount.com?uid=123456789012345678901";

    fn gcp_account(email: &str) -> Identity {
        identity(roster_model::IdentityKind::GcpServiceAccount, email)
    }

    #[test]
    fn deleted_member_in_account_binding_is_flagged() {
        let runner = gcp_account("runner@acme-prod.iam.gserviceaccount.com");
        let mut trust = trust_to(&runner, PrincipalKind::DeletedPrincipal, DELETED_ACCOUNT);
        trust.actions = vec!["roles/iam.serviceAccountTokenCreator".to_owned()];
        let graph = Estate::new().trust(trust).identity(runner).graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            format!(
                "gcp-service-account `runner@acme-prod.iam.gserviceaccount.com` has a binding \
                 to a deleted principal `{DELETED_ACCOUNT}`"
            )
        );
        assert_eq!(
            findings[0].evidence[0],
            format!(
                "trusted principal `{DELETED_ACCOUNT}` for roles/iam.serviceAccountTokenCreator"
            )
        );
    }

    #[test]
    fn deleted_member_with_grants_is_flagged_once() {
        let live = gcp_account("ci@acme-prod.iam.gserviceaccount.com");
        let deleted = gcp_account(DELETED_ACCOUNT);
        let admin = gcp_role("roles/storage.admin", &[]);
        let viewer = gcp_role("roles/viewer", &[]);
        let graph = Estate::new()
            .grant(gcp_grant(&live, &admin, "acme-prod"))
            .grant(gcp_grant(&deleted, &admin, "acme-prod"))
            .grant(gcp_grant(&deleted, &viewer, "acme-prod"))
            .identity(live)
            .policy(admin)
            .policy(viewer)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].subject,
            format!("gcp:acme-prod:service-account:{DELETED_ACCOUNT}")
        );
        assert_eq!(
            findings[0].message,
            format!("deleted principal `{DELETED_ACCOUNT}` still holds 2 roles")
        );
        assert_eq!(
            findings[0].evidence[1..],
            [
                "bound to `roles/storage.admin` on `gcp:acme-prod`",
                "bound to `roles/viewer` on `gcp:acme-prod`",
            ]
        );
    }

    #[test]
    fn restored_account_and_unverified_grants_are_not_flagged() {
        let deleted = gcp_account(DELETED_ACCOUNT);
        let admin = gcp_role("roles/storage.admin", &[]);
        let mut restored = gcp_account("ci@acme-prod.iam.gserviceaccount.com");
        restored.unique_id = Some("123456789012345678901".to_owned());
        let restored_graph = Estate::new()
            .grant(gcp_grant(&deleted, &admin, "acme-prod"))
            .identity(restored)
            .policy(admin.clone())
            .graph();
        let partial_graph = Estate::new()
            .grant(gcp_grant(&deleted, &admin, "acme-prod"))
            .policy(admin)
            .partial(CoverageKind::Grants)
            .graph();

        assert!(run(&RULE, &restored_graph, None).is_empty());
        assert!(run(&RULE, &partial_graph, None).is_empty());
    }
}
