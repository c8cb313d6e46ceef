use roster_model::{CoverageKind, Finding, Severity};

use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST001",
    name: "undeclared-identity",
    severity: Severity::Medium,
    owasp: "NHI1 Improper Offboarding",
    summary: "A live non-human identity that no roster entry declares.",
    why: "An identity nobody declared has no known owner or purpose: it is shadow automation \
          that nobody reviews, rotates or retires.",
    fix: "Declare the identity in the roster with an owner and a purpose, or delete it if \
          nothing needs it.",
    needs_roster: true,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags non-human identities that no declaration or roster group names. People, and roles
/// that an AWS service creates and manages, are not expected in the roster.
fn check(context: &Context<'_>) -> Vec<Finding> {
    context
        .graph
        .identities()
        .filter(|identity| !context.is_declared(&identity.key))
        .filter(|identity| !context.is_human(&identity.key))
        .filter(|identity| !identity.aws.as_ref().is_some_and(|aws| aws.service_linked))
        .filter(|identity| context.verified(identity, CoverageKind::Identities))
        .map(|identity| {
            let environment = context.environment_of(identity);
            let mut draft = FindingDraft::about(
                &INFO,
                identity,
                format!(
                    "{} `{}` is not declared in the roster",
                    identity.kind, identity.name
                ),
            )
            .environment(environment.as_deref());
            if environment.is_none() {
                draft = draft.evidence(format!(
                    "scope `{}` is in no environment of the roster",
                    identity.scope
                ));
            }
            if let Some(created) = identity.created {
                draft = draft.evidence(format!("created {created}"));
            }
            draft.build()
        })
        .collect()
}
