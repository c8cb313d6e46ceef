use roster_model::{CoverageKind, Finding, Identity, Severity};

use crate::context::OWNER_TAGS;
use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST012",
    name: "orphan-identity",
    severity: Severity::Medium,
    owasp: "NHI1 Improper Offboarding",
    summary: "A non-human identity with no owner, or whose owner is not among the roster's \
              known owners.",
    why: "Nobody answers for an identity without an owner: nobody rotates its credentials, \
          reviews its rights or retires it, and nobody can say whether its use is expected.",
    fix: "Declare the identity with an owner in the roster, put it in a roster group that has \
          one, or tag it with its owning team; hand over identities of departed owners.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags non-human identities for which neither a declaration, a roster group nor an owner
/// tag names an owner, and those whose owner the roster's `owners` list lacks. Without a
/// roster, owner tags alone decide. People, roles that an AWS service manages, and
/// identities of kinds that were not fully collected are skipped.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();

    for identity in context.graph.identities() {
        if context.is_human(&identity.key) || is_service_linked(identity) {
            continue;
        }
        if !context.verified(identity, CoverageKind::Identities) {
            continue;
        }

        let draft = match context.owner_of(identity) {
            None => {
                let mut draft = FindingDraft::about(
                    &INFO,
                    identity,
                    format!("{} `{}` has no owner", identity.kind, identity.name),
                );
                for fact in roster_facts(context, identity) {
                    draft = draft.evidence(fact);
                }
                draft.evidence(format!("no {} tag", tag_list()))
            }
            Some(owner) if context.owner_is_gone(&owner.name) => FindingDraft::about(
                &INFO,
                identity,
                format!(
                    "owner `{}` of {} `{}` is not a known owner",
                    owner.name, identity.kind, identity.name
                ),
            )
            .evidence(format!("owner `{}` from {}", owner.name, owner.source))
            .evidence("the roster's `owners` list does not name it"),
            Some(_) => continue,
        };
        findings.push(
            draft
                .environment(context.environment_of(identity).as_deref())
                .build(),
        );
    }
    findings
}

/// Describes how the roster declares an identity that has no owner, one fact a line.
fn roster_facts(context: &Context<'_>, identity: &Identity) -> Vec<String> {
    if context.roster.is_none() {
        return vec!["no roster was given".to_owned()];
    }

    let mut facts = Vec::new();
    if context.declarations_of(&identity.key).next().is_some() {
        facts.push("declared in the roster without an owner".to_owned());
    }
    let groups: Vec<String> = context
        .roster_groups_of(&identity.key)
        .iter()
        .map(|name| format!("`{name}`"))
        .collect();
    match groups.as_slice() {
        [] => {}
        [group] => facts.push(format!(
            "member of roster group {group}, which names no owner"
        )),
        _ => facts.push(format!(
            "member of roster groups {}, which name no owner",
            groups.join(", ")
        )),
    }
    if facts.is_empty() {
        facts.push("not declared in the roster".to_owned());
    }
    facts
}

/// Returns the owner tag names for a sentence: `` `owner`, `team` or `contact` ``.
fn tag_list() -> String {
    let quoted: Vec<String> = OWNER_TAGS.iter().map(|tag| format!("`{tag}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

fn is_service_linked(identity: &Identity) -> bool {
    identity.aws.as_ref().is_some_and(|aws| aws.service_linked)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_declared::types::OwnerDeclaration;
    use roster_model::{AwsIdentityDetails, IdentityKind};

    use super::*;
    use crate::testing::{Estate, declaration, identity, role, roster, roster_group, run};

    const NO_TAG: &str = "no `owner`, `team`, `owner-team` or `contact` tag";

    #[test]
    fn untagged_role_without_roster_is_flagged() {
        let graph = Estate::new().identity(role("deploy")).graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.subject, "aws:111122223333:role:deploy");
        assert_eq!(finding.message, "aws-role `deploy` has no owner");
        assert_eq!(finding.evidence, ["no roster was given", NO_TAG]);
    }

    #[test]
    fn owner_tag_is_enough_without_roster() {
        let mut deploy = role("deploy");
        deploy.tags.insert("Team".to_owned(), "platform".to_owned());
        let graph = Estate::new().identity(deploy).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn undeclared_role_is_flagged_with_roster() {
        let graph = Estate::new().identity(role("deploy")).graph();

        let findings = run(&RULE, &graph, Some(&roster()));

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].evidence, ["not declared in the roster", NO_TAG]);
    }

    #[test]
    fn declared_without_owner_is_flagged() {
        let deploy = role("deploy");
        let mut roster = roster();
        roster.identities.push(declaration(&deploy.key));
        let graph = Estate::new().identity(deploy).graph();

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].evidence,
            ["declared in the roster without an owner", NO_TAG]
        );
    }

    #[test]
    fn roster_group_without_owner_is_named() {
        let deploy = role("deploy");
        let mut roster = roster();
        roster
            .groups
            .insert("deployers".to_owned(), roster_group(&[&deploy.key]));
        let graph = Estate::new().identity(deploy).graph();

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].evidence,
            [
                "member of roster group `deployers`, which names no owner",
                NO_TAG,
            ]
        );
    }

    #[test]
    fn roster_group_owner_counts() {
        let deploy = role("deploy");
        let mut group = roster_group(&[&deploy.key]);
        group.owner = Some("platform".to_owned());
        let mut roster = roster();
        roster.groups.insert("deployers".to_owned(), group);
        let graph = Estate::new().identity(deploy).graph();

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn gone_owner_is_flagged() {
        let deploy = role("deploy");
        let mut declared = declaration(&deploy.key);
        declared.owner = Some("payments".to_owned());
        let mut roster = roster();
        roster.identities.push(declared);
        roster
            .owners
            .insert("platform".to_owned(), OwnerDeclaration::default());
        let graph = Estate::new().identity(deploy).graph();

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "owner `payments` of aws-role `deploy` is not a known owner"
        );
        assert_eq!(
            findings[0].evidence,
            [
                "owner `payments` from declaration",
                "the roster's `owners` list does not name it",
            ]
        );
    }

    #[test]
    fn people_and_service_linked_roles_are_skipped() {
        let mut support = role("AWSServiceRoleForSupport");
        support.aws = Some(AwsIdentityDetails {
            service_linked: true,
            ..AwsIdentityDetails::default()
        });
        let graph = Estate::new()
            .identity(support)
            .identity(identity(IdentityKind::Human, "alice"))
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn unverified_identities_give_no_finding() {
        let graph = Estate::new()
            .identity(role("deploy"))
            .partial(CoverageKind::Identities)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }
}
