use std::collections::{BTreeMap, BTreeSet};

use roster_model::{Finding, Identity, IdentityKey, Severity};

use crate::rules::scopes::scope_environment;
use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST017",
    name: "cross-environment-membership",
    severity: Severity::Medium,
    owasp: "NHI8 Environment Isolation",
    summary: "A group that holds identities of several environments.",
    why: "Whatever a group is granted reaches every member, so a group that spans \
          environments links them: a right meant for production also reaches development.",
    fix: "Split the group by environment, or move each member to the group of its own \
          environment.",
    needs_roster: true,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags roster groups and provider groups whose found members belong to more than one
/// environment. A member's environment is the one its identity declaration gives, or else
/// that of its scope. The group's own `environment` is left out on purpose: counting it
/// would place every member in the group's environment and hide the mix. Members whose
/// environment is unknown are not counted.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();

    for (name, declaration, members) in context.roster_groups() {
        let by_environment = by_environment(context, members.iter());
        if by_environment.len() < 2 {
            continue;
        }
        let draft = FindingDraft::new(
            &INFO,
            format!("roster:group:{name}"),
            message(&format!("roster group `{name}`"), &by_environment),
        )
        .environment(declaration.environment.as_deref());
        findings.push(with_members(draft, &by_environment));
    }

    for group in context.graph.groups() {
        let by_environment = by_environment(context, group.members.iter());
        if by_environment.len() < 2 {
            continue;
        }
        let draft = FindingDraft::new(
            &INFO,
            group.key.as_str(),
            message(&format!("provider group `{}`", group.name), &by_environment),
        )
        .provider(group.provider)
        .scope(group.scope.clone())
        .environment(context.graph.environment_of_scope(&group.scope));
        findings.push(with_members(draft, &by_environment));
    }
    findings
}

/// Groups the members that the graph contains by environment.
fn by_environment<'k>(
    context: &Context<'_>,
    members: impl Iterator<Item = &'k IdentityKey>,
) -> BTreeMap<String, BTreeSet<&'k IdentityKey>> {
    let mut grouped: BTreeMap<String, BTreeSet<&IdentityKey>> = BTreeMap::new();
    for member in members {
        let Some(identity) = context.graph.identity(member) else {
            continue;
        };
        if let Some(environment) = member_environment(context, identity) {
            grouped.entry(environment).or_default().insert(member);
        }
    }
    grouped
}

fn member_environment(context: &Context<'_>, identity: &Identity) -> Option<String> {
    context
        .declarations_of(&identity.key)
        .find_map(|declaration| declaration.environment.clone())
        .or_else(|| scope_environment(context, &identity.scope))
}

fn message(group: &str, by_environment: &BTreeMap<String, BTreeSet<&IdentityKey>>) -> String {
    let names: Vec<String> = by_environment
        .keys()
        .map(|name| format!("`{name}`"))
        .collect();
    format!(
        "{group} holds identities of environments {}",
        names.join(", ")
    )
}

fn with_members(
    mut draft: FindingDraft,
    by_environment: &BTreeMap<String, BTreeSet<&IdentityKey>>,
) -> Finding {
    for (environment, members) in by_environment {
        let listed: Vec<String> = members.iter().map(|key| format!("`{key}`")).collect();
        draft = draft.evidence(format!("in `{environment}`: {}", listed.join(", ")));
        for key in members {
            draft = draft.related(key.as_str());
        }
    }
    draft.build()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_declared::types::{AwsScopes, EnvironmentScopes, Roster};
    use roster_graph::IdentityGraph;
    use roster_model::IdentityKind;

    use super::*;
    use crate::testing::{
        Estate, assign_environments, aws_group, declaration, identity_in, roster, roster_group,
        run, user,
    };

    const PROD: &str = "444455556666";
    const UNMAPPED: &str = "999999999999";

    fn environments() -> Roster {
        let mut roster = roster();
        for (name, account) in [("dev", "111122223333"), ("prod", PROD)] {
            roster.environments.insert(
                name.to_owned(),
                EnvironmentScopes {
                    aws: Some(AwsScopes {
                        accounts: vec![account.to_owned()],
                    }),
                    ..EnvironmentScopes::default()
                },
            );
        }
        roster
    }

    fn graph_of(estate: Estate, roster: &Roster) -> IdentityGraph {
        let mut graph = estate
            .identity(user("alice"))
            .identity(identity_in(PROD, IdentityKind::AwsUser, "bob"))
            .identity(identity_in(UNMAPPED, IdentityKind::AwsUser, "erin"))
            .account(PROD)
            .account(UNMAPPED)
            .graph();
        assign_environments(&mut graph, roster);
        graph
    }

    fn with_group(members: &[&str]) -> Roster {
        let keys: Vec<IdentityKey> = members.iter().map(|key| key.parse().unwrap()).collect();
        let mut group = roster_group(&keys.iter().collect::<Vec<_>>());
        group.environment = Some("dev".to_owned());
        let mut roster = environments();
        roster.groups.insert("ci".to_owned(), group);
        roster
    }

    #[test]
    fn roster_group_spanning_environments_is_flagged() {
        let roster = with_group(&["aws:111122223333:user:alice", "aws:444455556666:user:bob"]);
        let graph = graph_of(Estate::new(), &roster);

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].subject, "roster:group:ci");
        assert_eq!(
            findings[0].message,
            "roster group `ci` holds identities of environments `dev`, `prod`"
        );
        assert_eq!(findings[0].environment.as_deref(), Some("dev"));
        assert_eq!(
            findings[0].evidence,
            vec![
                "in `dev`: `aws:111122223333:user:alice`".to_owned(),
                "in `prod`: `aws:444455556666:user:bob`".to_owned(),
            ]
        );
    }

    #[test]
    fn provider_group_with_declared_environments_is_flagged() {
        let alice = user("alice").key;
        let carol = user("carol").key;
        let mut roster = environments();
        let mut declared = declaration(&carol);
        declared.environment = Some("prod".to_owned());
        roster.identities.push(declared);
        let graph = graph_of(
            Estate::new()
                .identity(user("carol"))
                .group(aws_group("deployers", &[&alice, &carol])),
            &roster,
        );

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].subject, "aws:111122223333:group:deployers");
        assert_eq!(
            findings[0].message,
            "provider group `deployers` holds identities of environments `dev`, `prod`"
        );
    }

    #[test]
    fn single_environment_gives_no_finding() {
        let roster = with_group(&["aws:111122223333:user:alice"]);
        let graph = graph_of(Estate::new(), &roster);

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn members_without_environment_are_not_counted() {
        let roster = with_group(&["aws:111122223333:user:alice", "aws:999999999999:user:erin"]);
        let graph = graph_of(Estate::new(), &roster);

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }
}
