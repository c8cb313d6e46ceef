use roster_model::{Finding, IdentityKey, Severity};

use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST018",
    name: "mixed-group",
    severity: Severity::Medium,
    owasp: "NHI10 Human Use of NHI",
    summary: "A group that holds both people and non-human identities.",
    why: "A group's rights reach every member, so a mixed group gives people the rights \
          meant for automation, or automation the rights meant for people; it also blurs \
          whose actions an audit log shows.",
    fix: "Move the people and the non-human identities into separate groups, each with the \
          rights its members need.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags provider groups and roster groups whose members in the graph include at least one
/// person and at least one non-human identity. The evidence says why each person was
/// judged human.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();

    for group in context.graph.groups() {
        let Some(split) = split(context, &group.members) else {
            continue;
        };
        let draft = FindingDraft::new(
            &INFO,
            group.key.as_str(),
            message(&format!("provider group `{}`", group.name), &split),
        )
        .provider(group.provider)
        .scope(group.scope.clone())
        .environment(context.graph.environment_of_scope(&group.scope));
        findings.push(with_members(context, draft, &split));
    }

    for (name, declaration, members) in context.roster_groups() {
        let members: Vec<IdentityKey> = members.iter().cloned().collect();
        let Some(split) = split(context, &members) else {
            continue;
        };
        let draft = FindingDraft::new(
            &INFO,
            format!("roster:group:{name}"),
            message(&format!("roster group `{name}`"), &split),
        )
        .environment(declaration.environment.as_deref());
        findings.push(with_members(context, draft, &split));
    }
    findings
}

/// The members of a group that the graph contains, split by nature.
struct Split<'k> {
    humans: Vec<&'k IdentityKey>,
    non_humans: Vec<&'k IdentityKey>,
}

/// Splits the members by nature, or returns `None` unless both sides are present.
fn split<'k>(context: &Context<'_>, members: &'k [IdentityKey]) -> Option<Split<'k>> {
    let (humans, non_humans): (Vec<&IdentityKey>, Vec<&IdentityKey>) = members
        .iter()
        .filter(|key| context.graph.identity(key).is_some())
        .partition(|key| context.is_human(key));
    (!humans.is_empty() && !non_humans.is_empty()).then_some(Split { humans, non_humans })
}

fn message(group: &str, split: &Split<'_>) -> String {
    format!(
        "{group} holds {} and {}",
        count(split.humans.len(), "person", "people"),
        count(
            split.non_humans.len(),
            "non-human identity",
            "non-human identities"
        )
    )
}

fn count(number: usize, one: &str, many: &str) -> String {
    match number {
        1 => format!("1 {one}"),
        _ => format!("{number} {many}"),
    }
}

fn with_members(context: &Context<'_>, mut draft: FindingDraft, split: &Split<'_>) -> Finding {
    for key in &split.humans {
        let reasons = context
            .nature(key)
            .map(|verdict| verdict.reasons.join("; "))
            .unwrap_or_default();
        draft = draft
            .related(key.as_str())
            .evidence(format!("`{key}` is a person: {reasons}"));
    }
    let listed: Vec<String> = split
        .non_humans
        .iter()
        .map(|key| format!("`{key}`"))
        .collect();
    draft = draft.evidence(format!("non-human members: {}", listed.join(", ")));
    for key in &split.non_humans {
        draft = draft.related(key.as_str());
    }
    draft.build()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{Evidence, Identity, Nature, Signal};

    use super::*;
    use crate::testing::{Estate, aws_group, roster, roster_group, run, user};

    fn person(name: &str) -> Identity {
        let mut identity = user(name);
        identity.evidence.push(Evidence {
            signal: Signal::MfaDevice,
            points_to: Nature::Human,
            detail: "has an MFA device".to_owned(),
        });
        identity
    }

    fn machine(name: &str) -> Identity {
        let mut identity = user(name);
        identity.evidence.push(Evidence {
            signal: Signal::ProgrammaticUse,
            points_to: Nature::NonHuman,
            detail: "access key used 2025-05-30".to_owned(),
        });
        identity
    }

    fn estate(members: &[&Identity]) -> Estate {
        let keys: Vec<&IdentityKey> = members.iter().map(|identity| &identity.key).collect();
        let mut estate = Estate::new().group(aws_group("deployers", &keys));
        for identity in members {
            estate = estate.identity((*identity).clone());
        }
        estate
    }

    #[test]
    fn provider_group_with_person_and_machine_is_flagged() {
        let (alice, ci, build) = (person("alice"), machine("ci"), machine("build"));
        let graph = estate(&[&alice, &ci, &build]).graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].subject, "aws:111122223333:group:deployers");
        assert_eq!(
            findings[0].message,
            "provider group `deployers` holds 1 person and 2 non-human identities"
        );
        assert_eq!(
            findings[0].evidence,
            vec![
                "`aws:111122223333:user:alice` is a person: has an MFA device".to_owned(),
                "non-human members: `aws:111122223333:user:build`, `aws:111122223333:user:ci`"
                    .to_owned(),
            ]
        );
    }

    #[test]
    fn machines_only_give_no_finding() {
        let graph = estate(&[&machine("ci"), &machine("build")]).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn people_only_give_no_finding() {
        let graph = estate(&[&person("alice"), &person("bob")]).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn roster_group_with_person_is_flagged() {
        let (alice, ci) = (person("alice"), machine("ci"));
        let graph = Estate::new()
            .identity(alice.clone())
            .identity(ci.clone())
            .graph();
        let mut roster = roster();
        roster
            .groups
            .insert("ci".to_owned(), roster_group(&[&alice.key, &ci.key]));

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].subject, "roster:group:ci");
        assert_eq!(
            findings[0].evidence[0],
            "`aws:111122223333:user:alice` is a person: the roster declares it as a machine \
             identity, but the evidence points to a person; has an MFA device"
        );
    }

    #[test]
    fn members_the_scan_lacks_are_ignored() {
        let ci = machine("ci");
        let gone = user("gone").key;
        let graph = Estate::new()
            .identity(ci.clone())
            .group(aws_group("deployers", &[&ci.key, &gone]))
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }
}
