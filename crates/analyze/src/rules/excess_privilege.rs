use std::collections::{BTreeMap, BTreeSet};

use roster_model::{CoverageKind, Finding, Identity, Policy, ProviderId, Severity};
use roster_policy::aws::{AccessLevel, ActionBlock, ActionPattern, ActionSet, EffectiveGrant};

use crate::rules::gcp::describe_grant;
use crate::{Context, FindingDraft, Rule, RuleInfo, glob_match};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST004",
    name: "excess-privilege",
    severity: Severity::High,
    owasp: "NHI5 Overprivileged NHI",
    summary: "A live grant that exceeds the ceiling of rights the roster allows the \
              identity's group.",
    why: "The ceiling is the reviewed statement of what a group's identities need; a right \
          beyond it was granted without that review, and it widens what a leaked credential \
          can do.",
    fix: "Narrow the policy or role to actions and permissions within the ceiling, or raise \
          the group's `allowed` list in the roster if the workload needs the right.",
    needs_roster: true,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags AWS identities whose effective access allows actions outside the `allowed.aws`
/// ceiling of their roster groups. An identity in several groups may hold the union of
/// their ceilings. Each Allow pattern is expanded against the action catalogue and exceeds
/// the ceiling when it reaches a catalogue action the ceiling does not allow; a pattern
/// outside the catalogue is compared with the ceiling by name. Denies and a known permission
/// boundary are applied first, so a right they take away is not reported. A conditional
/// grant is reported with its conditions.
///
/// One finding per identity. The exceeding patterns stay out of the fingerprint, so a
/// suppression or a triage outlives a new pattern added to the same identity.
///
/// GCP service accounts are checked against the `allowed.gcp` lists. A granted role is
/// within the ceiling when the list names it (`*` matches any run of characters), or when
/// each of its permissions matches a permission pattern of the list. A role whose permissions are
/// unknown and that no entry names exceeds the ceiling, with a note saying so.
///
/// NOTE: only AWS and GCP ceilings are checked; the `allowed` lists of other providers are
/// not read.
fn check(context: &Context<'_>) -> Vec<Finding> {
    context
        .graph
        .identities()
        .filter_map(|identity| match identity.provider {
            ProviderId::Aws => assess(context, identity),
            ProviderId::Gcp => assess_gcp(context, identity),
            _ => None,
        })
        .collect()
}

/// The actions an identity may be allowed, with the roster groups that set them.
struct Ceiling {
    actions: ActionSet,
    by_group: BTreeMap<String, Vec<String>>,
}

/// How many actions beyond the ceiling an evidence line names.
const EXAMPLES: usize = 3;

fn assess(context: &Context<'_>, identity: &Identity) -> Option<Finding> {
    let ceiling = ceiling_of(context, identity)?;
    let policies = context.aws_policy_set(identity)?;
    let effective = policies.effective(context.now);

    let mut patterns: BTreeSet<String> = BTreeSet::new();
    let mut lines: BTreeSet<String> = BTreeSet::new();
    for grant in &effective.grants {
        for (pattern, beyond) in exceeding(grant, &ceiling.actions) {
            let mut line = format!("{pattern} allowed by {}", policies.describe(&grant.source));
            if let Some(detail) = describe_beyond(&pattern, &beyond) {
                line.push_str(&format!(": {detail}"));
            }
            let qualifications = policies.qualifications(grant, &beyond);
            if !qualifications.is_empty() {
                line.push_str(&format!(" ({})", qualifications.join("; ")));
            }
            lines.insert(line);
            patterns.insert(pattern);
        }
    }
    if patterns.is_empty() {
        return None;
    }

    let patterns: BTreeSet<&str> = patterns.iter().map(String::as_str).collect();
    let groups: Vec<String> = ceiling
        .by_group
        .keys()
        .map(|name| format!("`{name}`"))
        .collect();
    let mut draft = FindingDraft::about(
        &INFO,
        identity,
        format!(
            "{} `{}` is allowed {} beyond the ceiling of roster {} {}",
            identity.kind,
            identity.name,
            summarize(&patterns),
            if groups.len() == 1 { "group" } else { "groups" },
            groups.join(", ")
        ),
    )
    .environment(context.environment_of(identity).as_deref());

    for (group, patterns) in &ceiling.by_group {
        draft = draft.evidence(format!(
            "roster group `{group}` allows: {}",
            patterns.join(", ")
        ));
    }
    for line in lines {
        draft = draft.evidence(line);
    }
    for key in &policies.missing {
        draft = draft.evidence(format!("policy `{key}` was not collected"));
    }
    for (key, reason) in &policies.unreadable {
        draft = draft.evidence(format!("policy `{key}` could not be read: {reason}"));
    }
    if !context.verified(identity, CoverageKind::Grants) {
        draft = draft.evidence(format!(
            "the grants of scope `{}` were not fully collected: other policies may exceed the \
             ceiling too",
            identity.scope
        ));
    }
    Some(draft.build())
}

/// Returns each Allow pattern of a grant that reaches beyond the ceiling, written for
/// evidence, with the actions it allows there. A `NotAction` statement counts as one
/// pattern, written `all actions except ...`.
fn exceeding(grant: &EffectiveGrant<'_>, ceiling: &ActionSet) -> Vec<(String, ActionSet)> {
    let beyond_ceiling = |mut actions: ActionSet| {
        actions.subtract(ceiling);
        (!actions.is_empty()).then_some(actions)
    };
    match &grant.source.statement.actions {
        ActionBlock::NotAction(patterns) => {
            let listed: Vec<String> = patterns
                .iter()
                .map(|pattern| format!("`{pattern}`"))
                .collect();
            beyond_ceiling(grant.actions.clone().into_owned())
                .map(|beyond| (format!("all actions except {}", listed.join(", ")), beyond))
                .into_iter()
                .collect()
        }
        ActionBlock::Action(patterns) => patterns
            .iter()
            .filter_map(|pattern| {
                let mut reached = ActionSet::from_patterns(std::slice::from_ref(pattern));
                reached.intersect_with(&grant.actions);
                beyond_ceiling(reached).map(|beyond| (format!("`{pattern}`"), beyond))
            })
            .collect(),
    }
}

/// Describes the actions a pattern allows beyond the ceiling: how many, and a few examples,
/// the most powerful access levels first. `None` when the pattern is the one action itself.
fn describe_beyond(pattern: &str, beyond: &ActionSet) -> Option<String> {
    let count = beyond.catalogue_len();
    let (outside, all_outside) = beyond.outside_catalogue();
    if count == 0 {
        return Some(
            "not in the action catalogue, so compared with the ceiling by name".to_owned(),
        );
    }

    let mut actions: Vec<_> = beyond.actions().collect();
    if count == 1 && outside.is_empty() && !all_outside {
        let only = format!("`{}`", actions[0]);
        return (only != pattern).then(|| format!("{only} beyond the ceiling"));
    }
    actions.sort_by_key(|action| danger(action.access_level));
    let examples: Vec<String> = actions
        .iter()
        .take(EXAMPLES)
        .map(|action| format!("`{action}`"))
        .collect();
    Some(format!(
        "{count} catalogue actions beyond the ceiling, for example {}",
        examples.join(", ")
    ))
}

/// Orders access levels from the most to the least powerful.
fn danger(level: AccessLevel) -> u8 {
    match level {
        AccessLevel::PermissionsManagement => 0,
        AccessLevel::Write => 1,
        AccessLevel::Tagging => 2,
        AccessLevel::Read => 3,
        AccessLevel::List => 4,
    }
}

/// Returns the union of the `allowed.aws` lists of the identity's roster groups, or `None`
/// when none of them sets one.
fn ceiling_of(context: &Context<'_>, identity: &Identity) -> Option<Ceiling> {
    let mut patterns: Vec<ActionPattern> = Vec::new();
    let mut by_group = BTreeMap::new();
    for name in context.roster_groups_of(&identity.key) {
        let Some(allowed) = context
            .roster_group(name)
            .and_then(|group| group.allowed.as_ref())
            .and_then(|allowed| allowed.aws.as_ref())
        else {
            continue;
        };
        patterns.extend(
            allowed
                .iter()
                .filter_map(|pattern| ActionPattern::parse(pattern).ok()),
        );
        by_group.insert(
            name.clone(),
            allowed
                .iter()
                .map(|pattern| format!("`{pattern}`"))
                .collect(),
        );
    }
    (!by_group.is_empty()).then(|| Ceiling {
        actions: ActionSet::from_patterns(&patterns),
        by_group,
    })
}

/// Checks the roles granted to a GCP identity against the `allowed.gcp` lists of its roster
/// groups.
fn assess_gcp(context: &Context<'_>, identity: &Identity) -> Option<Finding> {
    let mut ceiling: BTreeSet<&str> = BTreeSet::new();
    let mut by_group: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for name in context.roster_groups_of(&identity.key) {
        let Some(entries) = context
            .roster_group(name)
            .and_then(|group| group.allowed.as_ref())
            .and_then(|allowed| allowed.gcp.as_ref())
        else {
            continue;
        };
        ceiling.extend(entries.iter().map(String::as_str));
        by_group.insert(
            name,
            entries.iter().map(|entry| format!("`{entry}`")).collect(),
        );
    }
    if by_group.is_empty() {
        return None;
    }

    let mut roles: BTreeSet<&str> = BTreeSet::new();
    let mut lines: BTreeSet<String> = BTreeSet::new();
    for reaching in context.graph.grants_reaching(&identity.key) {
        let role = reaching.grant.policy.as_str();
        let Some(beyond) = gcp_role_beyond(&ceiling, role, reaching.policy) else {
            continue;
        };
        roles.insert(role);
        lines.insert(format!("{} {beyond}", describe_grant(&reaching)));
    }
    if roles.is_empty() {
        return None;
    }

    let groups: Vec<String> = by_group.keys().map(|name| format!("`{name}`")).collect();
    let quoted: Vec<String> = roles.iter().map(|role| format!("`{role}`")).collect();
    let quoted: BTreeSet<&str> = quoted.iter().map(String::as_str).collect();
    let mut draft = FindingDraft::about(
        &INFO,
        identity,
        format!(
            "{} `{}` holds {} beyond the ceiling of roster {} {}",
            identity.kind,
            identity.name,
            summarize(&quoted),
            if groups.len() == 1 { "group" } else { "groups" },
            groups.join(", ")
        ),
    )
    .environment(context.environment_of(identity).as_deref());
    for (group, entries) in &by_group {
        draft = draft.evidence(format!(
            "roster group `{group}` allows: {}",
            entries.join(", ")
        ));
    }
    for line in lines {
        draft = draft.evidence(line);
    }
    if !context.verified(identity, CoverageKind::Grants) {
        draft = draft.evidence(format!(
            "the grants of scope `{}` were not fully collected: other roles may exceed the \
             ceiling too",
            identity.scope
        ));
    }
    Some(draft.build())
}

/// Returns how a GCP role exceeds a ceiling of role and permission patterns, or `None` when
/// the ceiling admits it.
fn gcp_role_beyond(
    ceiling: &BTreeSet<&str>,
    role: &str,
    policy: Option<&Policy>,
) -> Option<String> {
    let is_role = |entry: &str| entry.starts_with("roles/") || entry.contains("/roles/");
    if ceiling
        .iter()
        .filter(|entry| is_role(entry))
        .any(|entry| glob_match(entry, role, false))
    {
        return None;
    }
    let permissions = policy.map_or(&[][..], |policy| policy.permissions.as_slice());
    if permissions.is_empty() {
        return Some(
            "(its permissions are unknown: import a roles file to compare them with the ceiling)"
                .to_owned(),
        );
    }
    let outside: BTreeSet<&str> = permissions
        .iter()
        .map(String::as_str)
        .filter(|permission| {
            !ceiling
                .iter()
                .filter(|entry| !is_role(entry))
                .any(|entry| glob_match(entry, permission, false))
        })
        .collect();
    if outside.is_empty() {
        return None;
    }
    let quoted: Vec<String> = outside
        .iter()
        .map(|permission| format!("`{permission}`"))
        .collect();
    let quoted: BTreeSet<&str> = quoted.iter().map(String::as_str).collect();
    Some(format!("allows {}", summarize(&quoted)))
}

/// Lists up to three patterns, then how many more there are.
fn summarize(patterns: &BTreeSet<&str>) -> String {
    const SHOWN: usize = 3;
    let shown: Vec<&str> = patterns.iter().take(SHOWN).copied().collect();
    match patterns.len().saturating_sub(SHOWN) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_declared::types::{AllowedRights, Roster};
    use roster_model::{Boundary, IdentityKind};
    use serde_json::{Value, json};

    use super::*;
    use crate::testing::{
        Estate, aws_policy, gcp_grant, gcp_role, grant_to, identity, role, roster, roster_group,
        run,
    };

    fn ceiling(groups: &[(&str, &[&str])]) -> Roster {
        let key = role("deploy").key;
        let mut roster = roster();
        for (name, patterns) in groups {
            let mut group = roster_group(&[&key]);
            group.allowed = Some(AllowedRights {
                aws: Some(
                    patterns
                        .iter()
                        .map(|pattern| (*pattern).to_owned())
                        .collect(),
                ),
                ..AllowedRights::default()
            });
            roster.groups.insert((*name).to_owned(), group);
        }
        roster
    }

    fn granted(statements: Value) -> Estate {
        let deploy = role("deploy");
        let policy = aws_policy(
            "deploy",
            json!({"Version": "2012-10-17", "Statement": statements}),
        );
        Estate::new()
            .grant(grant_to(&deploy, &policy))
            .identity(deploy)
            .policy(policy)
    }

    #[test]
    fn patterns_beyond_ceiling_are_reported() {
        let graph = granted(json!([
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
             "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
            {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}
        ]))
        .graph();

        let findings = run(
            &RULE,
            &graph,
            Some(&ceiling(&[("ci", &["s3:Get*", "s3:List*"])])),
        );

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].subject, "aws:111122223333:role:deploy");
        assert_eq!(
            findings[0].message,
            "aws-role `deploy` is allowed `iam:PassRole`, `s3:PutObject` beyond the ceiling of \
             roster group `ci`"
        );
        assert_eq!(
            findings[0].evidence,
            vec![
                "roster group `ci` allows: `s3:Get*`, `s3:List*`".to_owned(),
                "`iam:PassRole` allowed by policy `deploy` statement 1 (if StringEquals \
                 iam:PassedToService `ecs-tasks.amazonaws.com`)"
                    .to_owned(),
                "`s3:PutObject` allowed by policy `deploy` statement 0".to_owned(),
            ]
        );
    }

    #[test]
    fn actions_within_ceiling_give_no_finding() {
        let graph = granted(json!([
            {"Effect": "Allow", "Action": ["s3:GetObject", "S3:ListBucket", "s3:Get*Tagging"], "Resource": "*"}
        ]))
        .graph();

        assert!(
            run(
                &RULE,
                &graph,
                Some(&ceiling(&[("ci", &["s3:Get*", "s3:List*"])]))
            )
            .is_empty()
        );
    }

    #[test]
    fn not_action_exceeds_any_ceiling_but_star() {
        let graph =
            granted(json!([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}])).graph();

        let narrow = run(&RULE, &graph, Some(&ceiling(&[("ci", &["s3:*", "ec2:*"])])));
        let everything = run(&RULE, &graph, Some(&ceiling(&[("ci", &["*"])])));

        assert_eq!(narrow.len(), 1);
        assert!(
            narrow[0].evidence[1]
                .starts_with("all actions except `iam:*` allowed by policy `deploy` statement 0: "),
            "{}",
            narrow[0].evidence[1]
        );
        assert!(
            narrow[0].evidence[1].contains("catalogue actions beyond the ceiling, for example"),
            "{}",
            narrow[0].evidence[1]
        );
        assert!(everything.is_empty());
    }

    #[test]
    fn ceilings_of_groups_add_up() {
        let graph = granted(json!([
            {"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": "*"}
        ]))
        .graph();
        let roster = ceiling(&[("readers", &["s3:Get*"]), ("senders", &["sqs:Send*"])]);

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn new_pattern_keeps_the_fingerprint() {
        let roster = ceiling(&[("ci", &["s3:Get*"])]);
        let one = granted(json!([{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]))
            .graph();
        let two = granted(json!([{"Effect": "Allow", "Action": ["s3:PutObject", "kms:Decrypt"], "Resource": "*"}])).graph();

        let before = run(&RULE, &one, Some(&roster));
        let after = run(&RULE, &two, Some(&roster));

        assert_eq!(before[0].fingerprint, after[0].fingerprint);
        assert_ne!(before[0].evidence, after[0].evidence);
    }

    #[test]
    fn uncollected_policy_is_named() {
        let deploy = role("deploy");
        let lost = aws_policy("lost", json!({}));
        let graph =
            granted(json!([{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]))
                .grant(grant_to(&deploy, &lost))
                .graph();

        let findings = run(&RULE, &graph, Some(&ceiling(&[("ci", &["s3:Get*"])])));

        assert_eq!(
            findings[0].evidence.last().unwrap(),
            "policy `arn:aws:iam::111122223333:policy/lost` was not collected"
        );
    }

    #[test]
    fn unverified_grants_are_noted() {
        let graph =
            granted(json!([{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]))
                .partial(CoverageKind::Grants)
                .graph();

        let findings = run(&RULE, &graph, Some(&ceiling(&[("ci", &["s3:Get*"])])));

        assert_eq!(findings.len(), 1);
        assert!(
            findings[0]
                .evidence
                .last()
                .unwrap()
                .contains("were not fully collected")
        );
    }

    #[test]
    fn group_without_ceiling_is_skipped() {
        let graph = granted(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])).graph();
        let mut roster = roster();
        roster
            .groups
            .insert("ci".to_owned(), roster_group(&[&role("deploy").key]));

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn boundary_within_ceiling_caps_the_rights() {
        let boundary = aws_policy(
            "boundary",
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}),
        );
        let mut deploy = role("deploy");
        deploy.boundary = Boundary::Policy(boundary.key.clone());
        let admin = aws_policy(
            "admin",
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
        );
        let graph = Estate::new()
            .grant(grant_to(&deploy, &admin))
            .identity(deploy)
            .policy(admin)
            .policy(boundary)
            .graph();

        assert!(run(&RULE, &graph, Some(&ceiling(&[("ci", &["s3:Get*"])]))).is_empty());
    }

    fn gcp_ceiling(entries: &[&str]) -> (Roster, Identity) {
        let runner = identity(
            IdentityKind::GcpServiceAccount,
            "runner@acme-prod.iam.gserviceaccount.com",
        );
        let mut group = roster_group(&[&runner.key]);
        group.allowed = Some(AllowedRights {
            gcp: Some(entries.iter().map(|entry| (*entry).to_owned()).collect()),
            ..AllowedRights::default()
        });
        let mut roster = roster();
        roster.groups.insert("analytics".to_owned(), group);
        (roster, runner)
    }

    #[test]
    fn gcp_roles_beyond_ceiling_are_reported() {
        let (roster, runner) = gcp_ceiling(&["storage.objects.*", "roles/bigquery.*"]);
        let editor = gcp_role("roles/editor", &[]);
        let reader = gcp_role(
            "roles/storage.objectViewer",
            &["storage.objects.get", "storage.objects.list"],
        );
        let admin = gcp_role(
            "roles/storage.admin",
            &["storage.buckets.delete", "storage.objects.get"],
        );
        let jobs = gcp_role("roles/bigquery.jobUser", &["bigquery.jobs.create"]);
        let mut graph = Estate::new().identity(runner.clone());
        for role in [&editor, &reader, &admin, &jobs] {
            graph = graph
                .grant(gcp_grant(&runner, role, "acme-prod"))
                .policy(role.clone());
        }

        let findings = run(&RULE, &graph.graph(), Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "gcp-service-account `runner@acme-prod.iam.gserviceaccount.com` holds \
             `roles/editor`, `roles/storage.admin` beyond the ceiling of roster group \
             `analytics`"
        );
        assert_eq!(
            findings[0].evidence,
            [
                "roster group `analytics` allows: `storage.objects.*`, `roles/bigquery.*`",
                "`roles/editor` on `gcp:acme-prod` (its permissions are unknown: import a \
                 roles file to compare them with the ceiling)",
                "`roles/storage.admin` on `gcp:acme-prod` allows `storage.buckets.delete`",
            ]
        );
    }

    #[test]
    fn gcp_roles_within_ceiling_give_no_finding() {
        let (roster, runner) = gcp_ceiling(&["roles/storage.*", "bigquery.jobs.create"]);
        let admin = gcp_role("roles/storage.admin", &[]);
        let custom = gcp_role("projects/acme-prod/roles/jobs", &["bigquery.jobs.create"]);
        let graph = Estate::new()
            .grant(gcp_grant(&runner, &admin, "acme-prod"))
            .grant(gcp_grant(&runner, &custom, "acme-prod"))
            .identity(runner)
            .policy(admin)
            .policy(custom)
            .graph();

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }
}
