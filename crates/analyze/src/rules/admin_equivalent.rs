use roster_model::{CoverageKind, Finding, IdentityKind, Severity};

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
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for identity in context.graph.identities() {
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
