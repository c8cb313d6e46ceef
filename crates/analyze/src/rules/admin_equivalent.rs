use roster_model::{CoverageKind, Finding, Identity, IdentityKind, Severity};
use roster_policy::aws::AdminEquivalence;

use crate::rules::gcp::admin_grant;
use crate::{Context, FindingDraft, Rule, RuleInfo, admin_equivalence};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST020",
    name: "admin-equivalent",
    severity: Severity::High,
    owasp: "NHI5 Overprivileged NHI",
    summary: "An identity whose effective rights equal full administration.",
    why: "Whoever obtains an administrator's credentials or can act as it owns the account; \
          automation rarely needs that much.",
    fix: "Replace the administrator policy with one that lists the actions the workload uses; \
          add a permission boundary if the identity must create other identities.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags AWS roles and users whose effective access allows every action on every resource
/// (or every IAM action, which grants the rest), once Denies and known permission boundaries
/// are applied. Access that holds only under conditions, or unless a conditional Deny
/// applies, is flagged with those conditions. Access whose permission boundary was not
/// collected is flagged as not confirmed.
/// Flags GCP service accounts granted, on a project, folder or organization, a role that the
/// policy engine counts as administration: Owner, Editor, Security Admin, a role that sets
/// the IAM policy, or one that mints credentials of every service account below. Google's
/// service agents are left out, because Google grants and manages their roles.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for identity in context.graph.identities() {
        if identity.kind == IdentityKind::GcpServiceAccount {
            findings.extend(check_gcp(context, identity));
            continue;
        }
        findings.extend(check_aws(context, identity));
    }
    findings
}

/// Flags an AWS user or role whose effective access amounts to full administration.
/// Service-linked roles are left out, because AWS defines and manages their policies.
fn check_aws(context: &Context<'_>, identity: &Identity) -> Option<Finding> {
    if identity.aws.as_ref().is_some_and(|aws| aws.service_linked) {
        return None;
    }
    // The analysis evaluates every AWS principal once and keeps the admin verdict. Only
    // administrators need their effective access again, for the evidence.
    if context
        .aws_summary(&identity.key)
        .is_some_and(|summary| !summary.admin)
    {
        return None;
    }
    let policies = context.aws_policy_set(identity)?;
    let effective = policies.effective(context.now);
    let admin = admin_equivalence(&effective)?;

    let (sources, qualifications, confirmed) = match admin.verdict {
        AdminEquivalence::Yes { confirmed, sources } => (sources, Vec::new(), confirmed),
        AdminEquivalence::Conditional {
            sources,
            qualifications,
        } => (sources, qualifications, true),
        AdminEquivalence::No => return None,
    };
    let rights = if qualifications.is_empty() {
        "full administrative rights"
    } else {
        "full administrative rights under conditions"
    };
    let mut draft = FindingDraft::about(
        &INFO,
        identity,
        format!("{} `{}` has {rights}", identity.kind, identity.name),
    )
    .environment(context.environment_of(identity).as_deref());

    for source in &sources {
        draft = draft.evidence(format!("allowed by {}", policies.describe(source)));
    }
    if admin.through_iam {
        draft = draft.evidence(
            "every IAM action is allowed on every resource, so it can grant itself any other \
             right"
                .to_owned(),
        );
    }
    for qualification in qualifications {
        draft = draft.evidence(format!("allowed {qualification}"));
    }
    if !confirmed {
        draft = draft.evidence(
            "not confirmed: the permission boundary was not collected, and a boundary, if any, \
             may limit this"
                .to_owned(),
        );
    }
    for key in &policies.missing {
        draft = draft.evidence(format!("policy `{key}` was not collected"));
    }
    for (key, reason) in &policies.unreadable {
        draft = draft.evidence(format!("policy `{key}` could not be read: {reason}"));
    }
    if !context.verified(identity, CoverageKind::Grants) {
        draft = draft.evidence("some attached policies were not collected".to_owned());
    }
    Some(draft.build())
}

/// Flags a GCP service account granted an administrator role on a scope. A conditional
/// grant counts too, with its condition in the evidence, because the condition may be met.
fn check_gcp(context: &Context<'_>, identity: &Identity) -> Option<Finding> {
    let gcp = identity.gcp.as_ref();
    if gcp.is_some_and(|gcp| gcp.service_agent) {
        return None;
    }
    let grants: Vec<String> = context
        .graph
        .grants_reaching(&identity.key)
        .iter()
        .filter_map(admin_grant)
        .map(|grant| format!("granted {grant}"))
        .collect();
    if grants.is_empty() {
        return None;
    }

    let mut draft = FindingDraft::about(
        &INFO,
        identity,
        format!(
            "{} `{}` has full administrative rights",
            identity.kind, identity.name
        ),
    )
    .environment(context.environment_of(identity).as_deref());
    for line in grants {
        draft = draft.evidence(line);
    }
    if gcp.is_some_and(|gcp| gcp.default_service_account.is_some()) {
        draft = draft.evidence(
            "a default service account: Google grants these Editor unless the organization \
             policy `iam.automaticIamGrantsForDefaultServiceAccounts` prevents it, and every \
             workload created without a service account of its own runs as it"
                .to_owned(),
        );
    }
    if !context.verified(identity, CoverageKind::Grants) {
        draft = draft.evidence("some grants of its project were not collected".to_owned());
    }
    Some(draft.build())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{GcpDefaultServiceAccount, GcpIdentityDetails, GrantCondition};

    use super::*;
    use crate::testing::{Estate, gcp_grant, gcp_role, identity, run};

    fn account(email: &str) -> Identity {
        let mut account = identity(IdentityKind::GcpServiceAccount, email);
        account.gcp = Some(GcpIdentityDetails {
            email: email.to_owned(),
            ..GcpIdentityDetails::default()
        });
        account
    }

    #[test]
    fn editor_of_default_account_is_flagged() {
        let mut compute = account("42-compute@developer.gserviceaccount.com");
        compute.gcp.as_mut().unwrap().default_service_account =
            Some(GcpDefaultServiceAccount::ComputeEngine);
        let editor = gcp_role("roles/editor", &[]);
        let graph = Estate::new()
            .grant(gcp_grant(&compute, &editor, "acme-prod"))
            .identity(compute)
            .policy(editor)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "gcp-service-account `42-compute@developer.gserviceaccount.com` has full \
             administrative rights"
        );
        assert_eq!(
            findings[0].evidence[0],
            "granted `roles/editor` on `gcp:acme-prod`"
        );
        assert!(findings[0].evidence[1].starts_with("a default service account"));
    }

    #[test]
    fn role_that_sets_iam_policy_is_admin() {
        let deployer = account("deployer@acme-prod.iam.gserviceaccount.com");
        let custom = gcp_role(
            "projects/acme-prod/roles/policyEditor",
            &[
                "resourcemanager.projects.get",
                "resourcemanager.projects.setIamPolicy",
            ],
        );
        let viewer = gcp_role("roles/viewer", &["resourcemanager.projects.get"]);
        let graph = Estate::new()
            .grant(gcp_grant(&deployer, &custom, "acme-prod"))
            .grant(gcp_grant(&deployer, &viewer, "acme-prod"))
            .identity(deployer)
            .policy(custom)
            .policy(viewer)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].evidence,
            [
                "granted `projects/acme-prod/roles/policyEditor` on `gcp:acme-prod`, whose role \
              includes `resourcemanager.projects.setIamPolicy`"
            ]
        );
    }

    #[test]
    fn conditional_owner_keeps_its_condition() {
        let deployer = account("deployer@acme-prod.iam.gserviceaccount.com");
        let owner = gcp_role("roles/owner", &[]);
        let mut grant = gcp_grant(&deployer, &owner, "acme-prod");
        grant.condition = Some(GrantCondition {
            title: None,
            expression: None,
        });
        let graph = Estate::new()
            .grant(grant)
            .identity(deployer)
            .policy(owner)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert!(findings[0].evidence[0].ends_with("(conditional: unknown, the source dropped it)"));
    }

    #[test]
    fn service_agent_and_viewer_are_not_flagged() {
        let mut agent = account("service-42@gcp-sa-pubsub.iam.gserviceaccount.com");
        agent.gcp.as_mut().unwrap().service_agent = true;
        let reader = account("reader@acme-prod.iam.gserviceaccount.com");
        let editor = gcp_role("roles/editor", &[]);
        let viewer = gcp_role("roles/viewer", &["resourcemanager.projects.get"]);
        let graph = Estate::new()
            .grant(gcp_grant(&agent, &editor, "acme-prod"))
            .grant(gcp_grant(&reader, &viewer, "acme-prod"))
            .identity(agent)
            .identity(reader)
            .policy(editor)
            .policy(viewer)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }
}
