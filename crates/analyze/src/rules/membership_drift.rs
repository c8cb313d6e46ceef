use std::collections::BTreeSet;

use roster_declared::types::{GroupDeclaration, MemberMatcher};
use roster_model::{CoverageKind, Finding, Group, GroupKey, IdentityKey, Severity};

use crate::rules::scopes::key_parts;
use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST003",
    name: "membership-drift",
    severity: Severity::Medium,
    owasp: "NHI5 Overprivileged NHI",
    summary: "A provider group whose live members differ from the members its roster group \
              declares.",
    why: "A member added outside the roster holds the group's rights without review. A \
          declared member that is not in the group breaks the automation that relies on it, \
          or shows that the roster is out of date.",
    fix: "Remove the member from the provider group or declare it in the roster group. Add a \
          declared member to the provider group, or remove it from the roster.",
    needs_roster: true,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Compares each roster group that names a `provider_group` with that group's live members:
/// one finding per member found on one side only, and one when the provider group does not
/// exist. Nothing is compared unless the groups of the provider group's scope were fully
/// collected.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (name, declaration, found) in context.roster_groups() {
        let Some(provider_group) = &declaration.provider_group else {
            continue;
        };
        let Some(parts) = key_parts(provider_group) else {
            continue;
        };
        if !context.scope_verified(&parts.scope, CoverageKind::Groups, None) {
            continue;
        }

        let key = GroupKey::new(provider_group.as_str());
        let Some(group) = context.graph.group(&key) else {
            findings.push(
                FindingDraft::new(
                    &INFO,
                    format!("roster:group:{name}"),
                    format!("provider group `{key}` of roster group `{name}` was not found"),
                )
                .provider(parts.provider)
                .scope(parts.scope.clone())
                .environment(declaration.environment.as_deref())
                .related(key.as_str())
                .evidence(format!(
                    "the groups of scope `{}` were fully collected",
                    parts.scope
                ))
                .build(),
            );
            continue;
        };
        findings.extend(compare_members(context, name, declaration, found, group));
    }
    findings
}

fn compare_members(
    context: &Context<'_>,
    name: &str,
    declaration: &GroupDeclaration,
    found: &BTreeSet<IdentityKey>,
    group: &Group,
) -> Vec<Finding> {
    let absent: BTreeSet<IdentityKey> = declared_by_id(declaration)
        .filter(|key| context.graph.identity(key).is_none())
        .collect();
    let declared: BTreeSet<&IdentityKey> = found.iter().chain(&absent).collect();
    let live: BTreeSet<&IdentityKey> = group.members.iter().collect();
    let has_selectors = declaration
        .members
        .iter()
        .any(|member| matches!(member, MemberMatcher::Selector { .. }));

    let mut findings = Vec::new();
    for &member in live.difference(&declared) {
        // A selector can only be tested on an identity the inventory holds, so a listed
        // member the inventory lacks may still be declared.
        if has_selectors && context.graph.identity(member).is_none() {
            continue;
        }
        let message = format!(
            "{} was added to provider group `{}` outside the roster",
            describe(context, member),
            group.name
        );
        let draft = about_member(context, member, group, name, message)
            .evidence(format!(
                "provider group `{}` lists it as a member",
                group.key
            ))
            .evidence(format!("roster group `{name}` does not declare it"));
        findings.push(draft.build());
    }

    for &member in declared.difference(&live) {
        let message = format!(
            "{} is declared in roster group `{name}` but is not a member of provider group `{}`",
            describe(context, member),
            group.name
        );
        let declared_how = if absent.contains(member) {
            "declares it by id; the identity itself was not found either"
        } else if declared_by_id(declaration).any(|key| key == *member) {
            "declares it by id"
        } else {
            "declares it through a selector"
        };
        let draft = about_member(context, member, group, name, message)
            .evidence(format!("roster group `{name}` {declared_how}"))
            .evidence(format!(
                "provider group `{}` has {} members and it is not one of them",
                group.key,
                group.members.len()
            ));
        findings.push(draft.build());
    }
    findings
}

/// Starts a finding about one member: about the identity when the graph contains it, or
/// else about its key, placed in the provider group's scope.
fn about_member(
    context: &Context<'_>,
    member: &IdentityKey,
    group: &Group,
    roster_group: &str,
    message: String,
) -> FindingDraft {
    let draft = match context.graph.identity(member) {
        Some(identity) => FindingDraft::about(&INFO, identity, message)
            .environment(context.environment_of(identity).as_deref()),
        None => FindingDraft::new(&INFO, member.as_str(), message)
            .provider(group.provider)
            .scope(group.scope.clone())
            .environment(context.graph.environment_of_scope(&group.scope)),
    };
    draft
        .related(group.key.as_str())
        .discriminator(roster_group)
}

fn describe(context: &Context<'_>, member: &IdentityKey) -> String {
    match context.graph.identity(member) {
        Some(identity) => format!("{} `{}`", identity.kind, identity.name),
        None => format!("`{member}`"),
    }
}

fn declared_by_id(declaration: &GroupDeclaration) -> impl Iterator<Item = IdentityKey> + '_ {
    declaration
        .members
        .iter()
        .filter_map(|member| match member {
            MemberMatcher::Id { id } => id.parse().ok(),
            MemberMatcher::Selector { .. } => None,
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_declared::types::{Roster, Selector};
    use roster_model::Finding;

    use super::*;
    use crate::testing::{Estate, aws_group, roster, roster_group, run, user};

    const PROVIDER_GROUP: &str = "aws:111122223333:group:ci-deployers";

    fn mirrored(members: &[&IdentityKey]) -> Roster {
        let mut group = roster_group(members);
        group.provider_group = Some(PROVIDER_GROUP.to_owned());
        let mut roster = roster();
        roster.groups.insert("ci".to_owned(), group);
        roster
    }

    fn estate(live: &[&IdentityKey]) -> Estate {
        Estate::new()
            .identity(user("alice"))
            .identity(user("bob"))
            .identity(user("carol"))
            .group(aws_group("ci-deployers", live))
    }

    fn subjects(findings: &[Finding]) -> Vec<&str> {
        findings
            .iter()
            .map(|finding| finding.subject.as_str())
            .collect()
    }

    #[test]
    fn drift_is_reported_both_ways() {
        let (alice, bob, carol) = (user("alice").key, user("bob").key, user("carol").key);
        let graph = estate(&[&alice, &carol]).graph();
        let roster = mirrored(&[&alice, &bob]);

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(
            subjects(&findings),
            vec!["aws:111122223333:user:bob", "aws:111122223333:user:carol"]
        );
        assert_eq!(
            findings[0].message,
            "aws-user `bob` is declared in roster group `ci` but is not a member of provider \
             group `ci-deployers`"
        );
        assert_eq!(
            findings[0].evidence[0],
            "roster group `ci` declares it by id"
        );
        assert_eq!(
            findings[1].message,
            "aws-user `carol` was added to provider group `ci-deployers` outside the roster"
        );
        assert_eq!(findings[1].related, vec![PROVIDER_GROUP.to_owned()]);
    }

    #[test]
    fn matching_members_give_no_finding() {
        let (alice, bob) = (user("alice").key, user("bob").key);
        let graph = estate(&[&alice, &bob]).graph();

        assert!(run(&RULE, &graph, Some(&mirrored(&[&alice, &bob]))).is_empty());
    }

    #[test]
    fn unverified_groups_give_no_finding() {
        let (alice, bob, carol) = (user("alice").key, user("bob").key, user("carol").key);
        let graph = estate(&[&alice, &carol])
            .partial(CoverageKind::Groups)
            .graph();

        assert!(run(&RULE, &graph, Some(&mirrored(&[&alice, &bob]))).is_empty());
    }

    #[test]
    fn absent_declared_member_is_not_a_member() {
        let alice = user("alice").key;
        let dave = user("dave").key;
        let graph = estate(&[&alice]).graph();

        let findings = run(&RULE, &graph, Some(&mirrored(&[&alice, &dave])));

        assert_eq!(subjects(&findings), vec!["aws:111122223333:user:dave"]);
        assert!(
            findings[0]
                .message
                .starts_with("`aws:111122223333:user:dave` is declared")
        );
        assert!(findings[0].evidence[0].contains("was not found either"));
    }

    #[test]
    fn absent_declared_member_listed_by_group_matches() {
        let alice = user("alice").key;
        let dave = user("dave").key;
        let graph = estate(&[&alice, &dave]).graph();

        assert!(run(&RULE, &graph, Some(&mirrored(&[&alice, &dave]))).is_empty());
    }

    #[test]
    fn selector_members_are_compared() {
        let (alice, bob) = (user("alice").key, user("bob").key);
        let graph = estate(&[&alice, &bob]).graph();
        let mut roster = mirrored(&[]);
        let group = roster.groups.get_mut("ci").unwrap();
        group.members.push(MemberMatcher::Selector {
            selector: Selector {
                name: Some("a*".to_owned()),
                ..Selector::default()
            },
        });

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(subjects(&findings), vec!["aws:111122223333:user:bob"]);
        assert!(findings[0].message.contains("outside the roster"));
    }

    #[test]
    fn missing_provider_group_is_reported() {
        let alice = user("alice").key;
        let graph = Estate::new().identity(user("alice")).graph();

        let findings = run(&RULE, &graph, Some(&mirrored(&[&alice])));

        assert_eq!(subjects(&findings), vec!["roster:group:ci"]);
        assert_eq!(
            findings[0].message,
            format!("provider group `{PROVIDER_GROUP}` of roster group `ci` was not found")
        );
    }

    #[test]
    fn missing_provider_group_in_unverified_scope_is_skipped() {
        let alice = user("alice").key;
        let graph = Estate::new()
            .identity(user("alice"))
            .partial(CoverageKind::Groups)
            .graph();

        assert!(run(&RULE, &graph, Some(&mirrored(&[&alice]))).is_empty());
    }

    #[test]
    fn each_member_has_its_own_fingerprint() {
        let alice = user("alice").key;
        let graph = estate(&[]).graph();

        let findings = run(&RULE, &graph, Some(&mirrored(&[&alice, &user("bob").key])));

        assert_eq!(findings.len(), 2);
        assert_ne!(findings[0].fingerprint, findings[1].fingerprint);
    }
}
