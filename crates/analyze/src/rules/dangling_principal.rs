use roster_model::{CoverageKind, Finding, Identity, IdentityKey, PrincipalKind, Severity, Trust};

use crate::rules::scopes::key_parts;
use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST013",
    name: "dangling-principal",
    severity: Severity::Medium,
    owasp: "NHI1 Improper Offboarding",
    summary: "A trust that names a deleted principal.",
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
    findings
}

fn deleted_principal(context: &Context<'_>, target: &Identity, trust: &Trust) -> Option<Finding> {
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
    use crate::testing::{Estate, role, run, trust_to};

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
}
