use roster_model::{CoverageKind, Finding, Identity, IdentityKind, Severity};

use crate::rules::gcp::admin_grant;
use crate::{Access, AdminVerdict, Context, FindingDraft, Rule, RuleInfo};

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

/// Flags AWS roles and users whose policies allow every action on every resource (or all of
/// IAM, which grants the rest), after unconditional Denies and known permission boundaries.
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
        if !matches!(identity.kind, IdentityKind::AwsRole | IdentityKind::AwsUser) {
            continue;
        }
        if identity.aws.as_ref().is_some_and(|aws| aws.service_linked) {
            continue;
        }
        let access = Access::of(context.graph, identity);
        let AdminVerdict::Yes { sources, caveats } = access.admin_verdict() else {
            continue;
        };

        let mut draft = FindingDraft::about(
            &INFO,
            identity,
            format!(
                "{} `{}` has full administrative rights",
                identity.kind, identity.name
            ),
        )
        .environment(context.environment_of(identity).as_deref());
        for source in sources {
            draft = draft.evidence(format!("allowed by {source}"));
        }
        for caveat in caveats {
            draft = draft.evidence(caveat);
        }
        if !context.verified(identity, CoverageKind::Grants) {
            draft = draft.evidence("some attached policies were not collected".to_owned());
        }
        findings.push(draft.build());
    }
    findings
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
