use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use rayon::prelude::*;
use roster_model::{
    CoverageKind, Finding, Group, Identity, IdentityKey, IdentityKind, PrincipalKind, ProviderId,
    ScopeId, Severity, Trust, TrustCondition,
};
use roster_policy::aws::{
    ActionName, ActionSet, AdminEquivalence, Case, Decision, DenyReason, EffectiveAccess,
    EffectiveGrant, EscalationKind, EscalationPath, Gate, PassRoleGrants, Request, ResourceBlock,
    ResourcePattern, Restriction, StatementRef, TrustEdge, TrustGraph, escalation_paths_kept,
    evaluate, is_admin_equivalent, may_act_on, may_open_escalation_path, pass_role_step,
    wildcard_match,
};

use crate::{
    AwsSummary, Context, FindingDraft, IdentityPolicies, Rule, RuleInfo, glob_match,
    is_aws_principal,
};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST021",
    name: "privilege-escalation-path",
    severity: Severity::High,
    owasp: "NHI5 Overprivileged NHI",
    summary: "An identity that can gain rights it does not hold: pass a role to code it starts, \
              take over code that runs as a role, create credentials for another user, change \
              its own policies, or assume roles up to an administrator.",
    why: "The rights an identity can reach count as much as the rights it holds: whoever \
          obtains its credentials can take the path, and reviews that read its policies alone \
          miss it.",
    fix: "Remove the first step of each path: scope `iam:PassRole` to the roles the workload \
          must pass, keep IAM write actions off the identity or limit them to resources it \
          cannot use against itself, and narrow the trust policies along role chains. A \
          permission boundary stops the paths that grant the identity new policies.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// How many roles an evidence line names.
const NAMED_ROLES: usize = 3;

/// Code that already runs as a role and that an action lets the identity change or reach.
struct RunningCode {
    action: &'static str,
    /// The service principal that the role trusts.
    service: &'static str,
    /// Whether the role must also have an instance profile (code on EC2 instances).
    instance_profile: bool,
    effect: &'static str,
    /// The resource that must exist for the path to work. The inventory does not list such
    /// resources, so the evidence states it as a condition.
    requires: &'static str,
}

const RUNNING_CODE: [RunningCode; 7] = [
    RunningCode {
        action: "lambda:UpdateFunctionCode",
        service: "lambda.amazonaws.com",
        instance_profile: false,
        effect: "then replace a function's code, which runs as the function's role",
        requires: "a Lambda function runs as one of these roles",
    },
    RunningCode {
        action: "glue:UpdateDevEndpoint",
        service: "glue.amazonaws.com",
        instance_profile: false,
        effect: "then add an SSH key to a development endpoint and run code as its role",
        requires: "a Glue development endpoint runs as one of these roles",
    },
    RunningCode {
        action: "cloudformation:UpdateStack",
        service: "cloudformation.amazonaws.com",
        instance_profile: false,
        effect: "then change a stack, which CloudFormation applies as the stack's service role",
        requires: "a stack has one of these roles as its service role",
    },
    RunningCode {
        action: "ssm:SendCommand",
        service: "ec2.amazonaws.com",
        instance_profile: true,
        effect: "then run commands on an instance, which holds its instance profile's role",
        requires: "an instance managed by Systems Manager runs with one of these roles",
    },
    RunningCode {
        action: "ssm:StartSession",
        service: "ec2.amazonaws.com",
        instance_profile: true,
        effect: "then open a shell on an instance, which holds its instance profile's role",
        requires: "an instance managed by Systems Manager runs with one of these roles",
    },
    RunningCode {
        action: "ec2-instance-connect:SendSSHPublicKey",
        service: "ec2.amazonaws.com",
        instance_profile: true,
        effect: "then sign in to an instance over SSH, which holds its instance profile's role",
        requires: "an instance that accepts EC2 Instance Connect runs with one of these roles",
    },
    RunningCode {
        action: "sagemaker:CreatePresignedNotebookInstanceUrl",
        service: "sagemaker.amazonaws.com",
        instance_profile: false,
        effect: "then open a notebook instance, which runs as its role",
        requires: "a notebook instance runs as one of these roles",
    },
];

/// Flags each AWS user and role with at least one way to gain rights it does not hold:
///
/// - the paths the policy engine reads from its effective access. These are `iam:PassRole`
///   with a service that runs code, credentials or console passwords for other users, and
///   policies on itself or its groups. They also include a role's trust policy, new or older
///   versions of a customer-managed policy, and joining a group;
/// - code that already runs as a role holding more rights (a Lambda function, a Glue
///   endpoint, a stack, an EC2 instance, a notebook) and that it can change or reach;
/// - chains of `sts:AssumeRole` through the trust policies of the graph to an
///   admin-equivalent role.
///
/// An `iam:PassRole` path is dropped when every role the identity may pass is known and none
/// of them both trusts the path's service and holds a right the identity lacks. The same goes
/// for the roles whose trust policy it may rewrite, the users whose credentials it may
/// create, and the groups it may join.
/// Service-linked roles are skipped, because AWS manages their policies. So are identities
/// that are admin-equivalent already, whose admin-equivalent finding covers more, unless
/// their admin rights need conditions such as MFA: then the paths that need none are
/// reported. One finding per identity, with each path in the evidence.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let estate = Estate::build(context);
    let identities: Vec<&Identity> = context.graph.identities().collect();
    identities
        .into_par_iter()
        .filter_map(|identity| assess(context, &estate, identity))
        .collect()
}

/// A way to gain rights, as the evidence shows it.
struct Path {
    kind: &'static str,
    steps: Vec<String>,
    conditions: Vec<String>,
}

impl Path {
    fn from_engine(path: EscalationPath) -> Path {
        Path {
            kind: path.kind.as_str(),
            steps: path.steps,
            conditions: path.conditions,
        }
    }

    /// Writes the path as one evidence line: its kind, its steps, and its conditions in
    /// parentheses. The line is sized once, because a scan writes hundreds of thousands.
    fn describe(&self) -> String {
        let steps: usize = self.steps.iter().map(|step| step.len() + 2).sum();
        let conditions: usize = self
            .conditions
            .iter()
            .map(|condition| condition.len() + 7)
            .sum();
        let mut line = String::with_capacity(self.kind.len() + steps + conditions + 8);
        line.push('`');
        line.push_str(self.kind);
        line.push_str("`: ");
        for (position, step) in self.steps.iter().enumerate() {
            if position > 0 {
                line.push_str("; ");
            }
            line.push_str(step);
        }
        if self.conditions.is_empty() {
            return line;
        }

        // Conditions start with `if`, `unless`, `except` or `only where`, so only the first
        // kind needs `only` to read as a limit.
        line.push_str(" (");
        for (position, condition) in self.conditions.iter().enumerate() {
            if position > 0 {
                line.push_str("; ");
            }
            if condition.starts_with("if ") {
                line.push_str("only ");
            }
            line.push_str(condition);
        }
        line.push(')');
        line
    }
}

fn assess(context: &Context<'_>, estate: &Estate, identity: &Identity) -> Option<Finding> {
    if identity.aws.as_ref().is_some_and(|aws| aws.service_linked) {
        return None;
    }
    let summary = context.aws_summary(&identity.key)?;
    // Without an action that a path starts from or a chain toward an admin-equivalent role,
    // no path can be found, so the effective access is not computed again.
    let runs_code = RUNNING_CODE
        .iter()
        .any(|code| summary.actions.contains(code.action));
    if !runs_code
        && !may_open_escalation_path(&summary.actions)
        && !estate.reach_admin.contains(&summary.arn)
    {
        return None;
    }
    let policies = context.aws_policy_set(identity)?;
    let effective = policies.effective(context.now);
    // The summary marks every identity that is admin-equivalent in any way, so the others
    // need no second look.
    let admin_under_conditions = summary.admin
        && match is_admin_equivalent(&effective) {
            AdminEquivalence::Yes { .. } => return None,
            AdminEquivalence::Conditional { .. } => true,
            AdminEquivalence::No => false,
        };

    // Whether a path is real depends on the users, roles and groups it reaches. That is
    // decided before the engine describes the path's steps, so dropped paths cost no text.
    let mut decisions: Vec<PathDecision> = Vec::new();
    let mut keep = |kind: EscalationKind, service: Option<&str>| {
        // Several compute actions hand roles to the same service, so one decision serves
        // them all.
        if let Some(earlier) = decision_for(&decisions, kind, service) {
            return earlier.reach.is_some();
        }
        let reach = if let Some(service) = service {
            estate.passable_roles(context, identity, &effective, &summary.actions, service)
        } else if kind == EscalationKind::UpdateAssumeRolePolicy {
            estate
                .rewritable_roles(context, identity, &effective, &summary.actions)
                .map(|note| (note, None))
        } else if kind == EscalationKind::AddUserToGroup {
            estate
                .joinable_groups(context, identity, &effective, &summary.actions)
                .map(|note| (note, None))
        } else if let Some(action) = user_takeover_action(kind) {
            estate
                .takeover_users(context, identity, &effective, &summary.actions, action)
                .map(|note| (note, None))
        } else {
            Some((Vec::new(), None))
        };
        let reported = reach.is_some();
        decisions.push(PathDecision {
            kind,
            service: service.map(str::to_owned),
            reach,
        });
        reported
    };
    let describe = |source: &StatementRef<'_>| policies.describe(source);
    let groups = group_arns(context, identity);
    let found = escalation_paths_kept(&effective, &summary.arn, &groups, &describe, &mut keep);

    let mut paths: Vec<Path> = Vec::new();
    for mut path in found {
        let Some((note, strongest)) = decision_for(&decisions, path.kind, path.service.as_deref())
            .and_then(|decision| decision.reach.clone())
        else {
            continue;
        };
        if let (Some(strongest), Some(service)) = (strongest, path.service.clone()) {
            cite_pass_role_grant(&mut path, &effective, &describe, &strongest, &service);
        }
        let mut path = Path::from_engine(path);
        path.steps.extend(note);
        paths.push(path);
    }
    paths.extend(estate.running_code_paths(identity, &policies, &effective, &summary.actions));
    let chains = estate.chain_paths(identity, &summary.arn);
    paths.extend(chains.paths);
    if admin_under_conditions {
        // Its admin rights need conditions (such as MFA), so only a path that needs none
        // gains it anything.
        paths.retain(|path| path.conditions.is_empty());
    }
    if paths.is_empty() {
        return None;
    }

    Some(finding(context, identity, &paths, chains.more))
}

/// The rule's decision about one kind of engine path, with its service for a pass-role path.
struct PathDecision {
    kind: EscalationKind,
    service: Option<String>,
    /// The step that names what the path reaches, with the ARN of the strongest role for a
    /// pass-role path, or `None` when the path gains nothing.
    reach: Option<(Vec<String>, Option<String>)>,
}

/// Returns the decision already taken about paths of `kind` to `service`.
fn decision_for<'d>(
    decisions: &'d [PathDecision],
    kind: EscalationKind,
    service: Option<&str>,
) -> Option<&'d PathDecision> {
    decisions
        .iter()
        .find(|decision| decision.kind == kind && decision.service.as_deref() == service)
}

/// Replaces the `iam:PassRole` step of a pass-role path with the grant that passes the role
/// `role_arn`, which may differ from the grant the engine cited, and recomputes the path's
/// conditions to match.
fn cite_pass_role_grant(
    path: &mut EscalationPath,
    effective: &EffectiveAccess<'_>,
    describe: &dyn Fn(&StatementRef<'_>) -> String,
    role_arn: &str,
    service: &str,
) {
    let Some((text, conditions)) = pass_role_step(effective, describe, role_arn, service) else {
        return;
    };
    let (Some(step), Some(step_conditions)) =
        (path.steps.first_mut(), path.step_conditions.first_mut())
    else {
        return;
    };
    *step = text;
    *step_conditions = conditions;

    path.conditions.clear();
    for condition in path.step_conditions.iter().flatten() {
        if !path.conditions.contains(condition) {
            path.conditions.push(condition.clone());
        }
    }
}

/// Returns the action of a path that acts as another user through new credentials.
fn user_takeover_action(kind: EscalationKind) -> Option<&'static str> {
    match kind {
        EscalationKind::CreateAccessKey => Some("iam:CreateAccessKey"),
        EscalationKind::CreateLoginProfile => Some("iam:CreateLoginProfile"),
        EscalationKind::UpdateLoginProfile => Some("iam:UpdateLoginProfile"),
        _ => None,
    }
}

/// Returns the ARNs of the IAM groups the identity belongs to.
fn group_arns(context: &Context<'_>, identity: &Identity) -> Vec<String> {
    context
        .graph
        .groups_of(&identity.key)
        .iter()
        .filter_map(|key| context.graph.group(key))
        .map(group_arn)
        .collect()
}

fn group_arn(group: &Group) -> String {
    format!(
        "arn:aws:iam::{}:group{}{}",
        group.scope.native_id(),
        group.path.as_deref().unwrap_or("/"),
        group.name
    )
}

fn finding(
    context: &Context<'_>,
    identity: &Identity,
    paths: &[Path],
    more_chains: Option<String>,
) -> Finding {
    let mut kinds: Vec<&str> = Vec::new();
    for path in paths {
        if !kinds.contains(&path.kind) {
            kinds.push(path.kind);
        }
    }
    let shown: Vec<String> = kinds
        .iter()
        .take(3)
        .map(|kind| format!("`{kind}`"))
        .collect();
    let more = match kinds.len().saturating_sub(3) {
        0 => String::new(),
        more => format!(" and {more} more"),
    };
    let qualifier = if paths.iter().all(|path| !path.conditions.is_empty()) {
        " under conditions"
    } else {
        ""
    };
    let mut draft = FindingDraft::about(
        &INFO,
        identity,
        format!(
            "{} `{}` can gain rights it does not hold{qualifier}, through {}{more}",
            identity.kind,
            identity.name,
            shown.join(", ")
        ),
    )
    .environment(context.environment_of(identity).as_deref());

    for path in paths {
        draft = draft.evidence(path.describe());
    }
    if let Some(note) = more_chains {
        draft = draft.evidence(note);
    }
    if !context.verified(identity, CoverageKind::Grants) {
        draft = draft.evidence(format!(
            "the grants of scope `{}` were not fully collected: other policies may open more \
             paths",
            identity.scope
        ));
    }
    if !context.verified(identity, CoverageKind::Trusts) {
        draft = draft.evidence(format!(
            "the trust policies of scope `{}` were not fully collected: role chains may be \
             missing",
            identity.scope
        ));
    }
    draft.build()
}

/// The facts the rule needs about every AWS identity: trust edges between them, and the
/// users, roles and groups that a path may reach. They are indexed once per scan, so each
/// identity's paths are judged without a pass over the whole estate.
struct Estate<'c> {
    /// The trust edges that lead toward an admin-equivalent role.
    chain_graph: TrustGraph,
    /// The chain edges without conditions.
    unconditional_graph: TrustGraph,
    /// The ARNs from which some chain of edges leads to an admin-equivalent role.
    reach_admin: HashSet<String>,
    admin_roles: HashSet<String>,
    /// The users of each account.
    users: HashMap<ScopeId, Candidates<'c>>,
    /// The roles of each account.
    roles: HashMap<ScopeId, Candidates<'c>>,
    /// The roles of each account by the service principal their trust policies name,
    /// lowercased.
    service_roles: HashMap<(String, ScopeId), Candidates<'c>>,
    /// The IAM groups of each account.
    groups: HashMap<ScopeId, AccountGroups<'c>>,
}

/// The IAM groups of one account, by key.
struct AccountGroups<'c> {
    members: Vec<JoinableGroup<'c>>,
    /// Whether a group's policies are missing or invalid, which makes it count as stronger.
    any_unknown: bool,
    /// The actions of the groups whose policies are known, together.
    union: ActionSet,
}

impl<'c> AccountGroups<'c> {
    fn new(mut members: Vec<JoinableGroup<'c>>) -> AccountGroups<'c> {
        members.sort_by(|a, b| a.group.key.cmp(&b.group.key));
        let any_unknown = members.iter().any(|member| member.actions.is_none());
        let union =
            ActionSet::union_of(members.iter().filter_map(|member| member.actions.as_ref()));
        AccountGroups {
            members,
            any_unknown,
            union,
        }
    }

    /// Returns whether some group may allow an action missing from `caller_actions`. When
    /// none can, the groups need not be examined one by one.
    fn may_be_stronger(&self, caller_actions: &ActionSet) -> bool {
        self.any_unknown || self.union.has_catalogue_action_outside(caller_actions)
    }
}

/// An IAM group that a user may be added to.
struct JoinableGroup<'c> {
    group: &'c Group,
    arn: String,
    /// The actions that the group's policies allow, or `None` when a policy of the group
    /// is missing or invalid.
    actions: Option<ActionSet>,
}

/// A user or role that a path may reach.
struct Candidate<'c> {
    identity: &'c Identity,
    arn: String,
    summary: &'c AwsSummary,
}

/// Users or roles of one account, admin-equivalent ones first, then by key.
struct Candidates<'c> {
    members: Vec<Candidate<'c>>,
    /// The number of admin-equivalent members, which come first.
    admins: usize,
    /// The positions of the members in `members`, by ARN.
    by_arn: Vec<usize>,
    /// The actions of the members that are not admin-equivalent, together.
    union: ActionSet,
}

impl<'c> Candidates<'c> {
    fn new(mut members: Vec<Candidate<'c>>) -> Candidates<'c> {
        members.sort_by(|a, b| {
            b.summary
                .admin
                .cmp(&a.summary.admin)
                .then_with(|| a.identity.key.cmp(&b.identity.key))
        });
        let union = ActionSet::union_of(
            members
                .iter()
                .filter(|member| !member.summary.admin)
                .map(|member| &member.summary.actions),
        );
        let admins = members.partition_point(|member| member.summary.admin);
        let mut by_arn: Vec<usize> = (0..members.len()).collect();
        by_arn.sort_by(|a, b| members[*a].arn.cmp(&members[*b].arn));
        Candidates {
            members,
            admins,
            by_arn,
            union,
        }
    }

    /// Returns the first [`NAMED_ROLES`] members other than `identity` that `accept` lets
    /// through and that hold a right missing from `caller_actions`, and whether there are
    /// more. When no member can hold more than the caller, no member is examined.
    fn stronger(
        &self,
        identity: &Identity,
        caller_actions: &ActionSet,
        accept: impl Fn(&Candidate<'c>) -> bool,
    ) -> Named<'c> {
        self.stronger_among(0..self.members.len(), identity, caller_actions, accept)
    }

    /// Like [`Self::stronger`], among the members whose ARNs start with one of `prefixes`
    /// only. `accept` must let no other member through.
    fn stronger_with_prefix(
        &self,
        prefixes: &[&str],
        identity: &Identity,
        caller_actions: &ActionSet,
        accept: impl Fn(&Candidate<'c>) -> bool,
    ) -> Named<'c> {
        // The members whose ARNs start with a prefix sit together in `by_arn`.
        let ranges: Vec<std::ops::Range<usize>> = prefixes
            .iter()
            .map(|prefix| {
                let arn = |position: &usize| self.members[*position].arn.as_str();
                let first = self
                    .by_arn
                    .partition_point(|position| arn(position) < *prefix);
                let end = self.by_arn.partition_point(|position| {
                    arn(position) < *prefix || arn(position).starts_with(prefix)
                });
                first..end
            })
            .collect();
        // When the prefixes take in a large share of the members, examining every member in
        // order stops sooner than sorting their positions.
        let matching: usize = ranges.iter().map(std::ops::Range::len).sum();
        if matching.saturating_mul(4) >= self.members.len() {
            return self.stronger(identity, caller_actions, accept);
        }
        let mut positions: Vec<usize> = ranges
            .into_iter()
            .flat_map(|range| self.by_arn[range].iter().copied())
            .collect();
        positions.sort_unstable();
        positions.dedup();
        self.stronger_among(positions, identity, caller_actions, accept)
    }

    /// Examines the members at `positions`, in ascending order.
    fn stronger_among(
        &self,
        positions: impl IntoIterator<Item = usize>,
        identity: &Identity,
        caller_actions: &ActionSet,
        accept: impl Fn(&Candidate<'c>) -> bool,
    ) -> Named<'c> {
        let mut named = Named::default();
        // Admin-equivalent members come first. Past them, a member can hold more than the
        // caller only if all of them together do.
        let past_admins = self.union.has_catalogue_action_outside(caller_actions);
        for position in positions {
            if position >= self.admins && !past_admins {
                break;
            }
            let member = &self.members[position];
            if member.identity.key == identity.key
                || !member.summary.grants_more_than(caller_actions)
                || !accept(member)
            {
                continue;
            }
            if named.shown.len() == NAMED_ROLES {
                named.more = true;
                break;
            }
            named.shown.push((member.identity, member.summary.admin));
        }
        named
    }
}

/// The identities an evidence line names: at most [`NAMED_ROLES`], and whether there are
/// more.
#[derive(Default)]
struct Named<'c> {
    shown: Vec<(&'c Identity, bool)>,
    more: bool,
}

impl Named<'_> {
    fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }
}

impl<'c> Estate<'c> {
    fn build(context: &'c Context<'_>) -> Estate<'c> {
        let candidate = |identity: &'c Identity| {
            let summary = context.aws_summary(&identity.key)?;
            Some(Candidate {
                identity,
                arn: crate::aws_arn(identity),
                summary,
            })
        };

        let mut users: HashMap<ScopeId, Vec<Candidate<'c>>> = HashMap::new();
        let mut roles: HashMap<ScopeId, Vec<Candidate<'c>>> = HashMap::new();
        for identity in context.graph.identities() {
            let by_account = match identity.kind {
                IdentityKind::AwsUser => &mut users,
                IdentityKind::AwsRole => &mut roles,
                _ => continue,
            };
            if let Some(candidate) = candidate(identity) {
                by_account
                    .entry(identity.scope.clone())
                    .or_default()
                    .push(candidate);
            }
        }

        let mut service_roles: HashMap<(String, ScopeId), Vec<Candidate<'c>>> = HashMap::new();
        let mut seen: HashSet<(String, &IdentityKey)> = HashSet::new();
        for trust in context.graph.trusts() {
            if trust.principal.kind != PrincipalKind::Service || !allows_assume_role(trust) {
                continue;
            }
            let service = trust.principal.value.to_ascii_lowercase();
            if !seen.insert((service.clone(), &trust.target)) {
                continue;
            }
            let Some(role) = context.graph.identity(&trust.target) else {
                continue;
            };
            if let Some(candidate) = candidate(role) {
                service_roles
                    .entry((service, role.scope.clone()))
                    .or_default()
                    .push(candidate);
            }
        }

        let mut groups: HashMap<ScopeId, Vec<JoinableGroup<'c>>> = HashMap::new();
        for group in context
            .graph
            .groups()
            .filter(|group| group.provider == ProviderId::Aws)
        {
            groups
                .entry(group.scope.clone())
                .or_default()
                .push(JoinableGroup {
                    group,
                    arn: group_arn(group),
                    actions: context.aws_group_actions(&group.key),
                });
        }
        let groups = groups
            .into_iter()
            .map(|(scope, members)| (scope, AccountGroups::new(members)))
            .collect();

        let admin_roles: HashSet<String> = context
            .graph
            .identities()
            .filter(|identity| identity.kind == IdentityKind::AwsRole)
            .filter_map(|identity| context.aws_summary(&identity.key))
            .filter(|summary| summary.admin)
            .map(|summary| summary.arn.clone())
            .collect();
        let edges = trust_edges(context);
        let reach_admin = reaching(&edges, &admin_roles);
        tracing::debug!(
            trust_edges = edges.len(),
            admin_roles = admin_roles.len(),
            principals_reaching_admin = reach_admin.len(),
            "role chains indexed"
        );
        let chain_edges: Vec<TrustEdge> = edges
            .into_iter()
            .filter(|edge| reach_admin.contains(&edge.to) || admin_roles.contains(&edge.to))
            .collect();
        let unconditional_edges = chain_edges
            .iter()
            .filter(|edge| edge.conditions.is_empty())
            .cloned()
            .collect();
        let chain_graph = TrustGraph::new(chain_edges);
        let unconditional_graph = TrustGraph::new(unconditional_edges);

        Estate {
            chain_graph,
            unconditional_graph,
            reach_admin,
            admin_roles,
            users: index(users),
            roles: index(roles),
            service_roles: index(service_roles),
            groups,
        }
    }

    /// Returns the roles in the identity's account that trust the service, that `accept`
    /// lets through, and that hold a right the identity lacks, admin-equivalent roles first.
    fn stronger_roles(
        &self,
        identity: &Identity,
        service: &str,
        instance_profile: bool,
        caller_actions: &ActionSet,
        prefixes: Option<&[&str]>,
        accept: impl Fn(&Candidate<'c>) -> bool,
    ) -> Named<'c> {
        let Some(candidates) = self
            .service_roles
            .get(&(service.to_owned(), identity.scope.clone()))
        else {
            return Named::default();
        };
        let accept = |role: &Candidate<'c>| {
            let has_profile = role
                .identity
                .aws
                .as_ref()
                .is_some_and(|aws| !aws.instance_profiles.is_empty());
            (!instance_profile || has_profile) && accept(role)
        };
        match prefixes {
            Some(prefixes) => {
                candidates.stronger_with_prefix(prefixes, identity, caller_actions, accept)
            }
            None => candidates.stronger(identity, caller_actions, accept),
        }
    }

    /// Decides whether an `iam:PassRole` path to `service` holds. Returns the step that names
    /// the roles the identity can pass to the service, with the ARN of the strongest, or an
    /// empty step when the roles of its account were not all collected. Returns `None` when
    /// every role it may pass is known and none of them both trusts the service and has a
    /// right it lacks. EC2 also needs an instance profile for the role, unless the identity
    /// can add the role to one.
    fn passable_roles(
        &self,
        context: &Context<'_>,
        identity: &Identity,
        effective: &EffectiveAccess<'_>,
        caller_actions: &ActionSet,
        service: &str,
    ) -> Option<(Vec<String>, Option<String>)> {
        let instance_profile = service == "ec2.amazonaws.com"
            && !effective.may_perform("iam:AddRoleToInstanceProfile");
        let pass_grants = PassRoleGrants::new(effective, service);
        let prefixes = pass_grants.role_prefixes();
        let passable = self.stronger_roles(
            identity,
            service,
            instance_profile,
            caller_actions,
            prefixes.as_deref(),
            |role| pass_grants.may_pass(&role.arn),
        );

        let complete =
            roles_collected(context, identity) && context.verified(identity, CoverageKind::Trusts);
        let strongest = passable.shown.first().map(|(role, _)| crate::aws_arn(role));
        roles_step(
            "roles it can pass that hold more rights",
            &passable,
            complete,
        )
        .map(|step| (step, strongest))
    }

    /// Decides whether an `iam:UpdateAssumeRolePolicy` path holds, like
    /// [`Self::passable_roles`]: some role of the account that the grant reaches must hold a
    /// right the identity lacks. AWS does not let anyone change the trust policy of a
    /// service-linked role.
    fn rewritable_roles(
        &self,
        context: &Context<'_>,
        identity: &Identity,
        effective: &EffectiveAccess<'_>,
        caller_actions: &ActionSet,
    ) -> Option<Vec<String>> {
        let grants: Vec<_> = effective.grants_for("iam:UpdateAssumeRolePolicy").collect();
        let roles = self
            .roles
            .get(&identity.scope)
            .map(|roles| {
                roles.stronger(identity, caller_actions, |role| {
                    !role
                        .identity
                        .aws
                        .as_ref()
                        .is_some_and(|aws| aws.service_linked)
                        && grants
                            .iter()
                            .any(|grant| grant.may_reach("iam:UpdateAssumeRolePolicy", &role.arn))
                })
            })
            .unwrap_or_default();

        roles_step(
            "roles whose trust policy it can rewrite that hold more rights",
            &roles,
            roles_collected(context, identity),
        )
    }

    /// Decides whether a path through another user's credentials holds, like
    /// [`Self::passable_roles`]: some user of the account that the grant of `action` reaches
    /// must hold a right the identity lacks.
    fn takeover_users(
        &self,
        context: &Context<'_>,
        identity: &Identity,
        effective: &EffectiveAccess<'_>,
        caller_actions: &ActionSet,
        action: &str,
    ) -> Option<Vec<String>> {
        let caller_arn = crate::aws_arn(identity);
        let users = self
            .users
            .get(&identity.scope)
            .map(|users| {
                users.stronger(identity, caller_actions, |user| {
                    may_act_on(effective, action, &caller_arn, &user.arn)
                })
            })
            .unwrap_or_default();

        let complete = context.scope_verified(
            &identity.scope,
            CoverageKind::Identities,
            Some(IdentityKind::AwsUser),
        );
        roles_step(
            "users it can act as that hold more rights",
            &users,
            complete,
        )
    }

    /// Decides whether an `iam:AddUserToGroup` path holds. Returns the step that names the
    /// groups of the account that the grant reaches, that the identity is not in, and whose
    /// policies allow an action it lacks, or an empty step when the groups were not all
    /// collected. A group with a missing or invalid policy document counts as stronger.
    /// Returns `None` when no group fits.
    ///
    /// NOTE: group policies are read without their Denies and conditions, so a group can look
    /// stronger than it is.
    fn joinable_groups(
        &self,
        context: &Context<'_>,
        identity: &Identity,
        effective: &EffectiveAccess<'_>,
        caller_actions: &ActionSet,
    ) -> Option<Vec<String>> {
        let own = context.graph.groups_of(&identity.key);
        let stronger = |candidate: &JoinableGroup<'_>| {
            candidate
                .actions
                .as_ref()
                .is_none_or(|actions| actions.has_catalogue_action_outside(caller_actions))
        };
        let action = ActionName::new("iam:AddUserToGroup");
        let grants: Vec<_> = effective
            .grants
            .iter()
            .filter(|grant| grant.actions.contains_action(action))
            .collect();
        let groups: Vec<&Group> = self
            .groups
            .get(&identity.scope)
            .filter(|groups| groups.may_be_stronger(caller_actions))
            .into_iter()
            .flat_map(|groups| &groups.members)
            .filter(|candidate| !own.contains(&candidate.group.key))
            .filter(|candidate| stronger(candidate))
            .filter(|candidate| {
                grants
                    .iter()
                    .any(|grant| grant.may_reach_action(action, &candidate.arn))
            })
            .map(|candidate| candidate.group)
            .collect();

        if !groups.is_empty() {
            let mut names: Vec<String> = groups
                .iter()
                .take(NAMED_ROLES)
                .map(|group| format!("`{}`", group.name))
                .collect();
            if let Some(more) = groups
                .len()
                .checked_sub(NAMED_ROLES)
                .filter(|more| *more > 0)
            {
                names.push(format!("and {more} more"));
            }
            return Some(vec![format!(
                "groups it can join that grant more: {}",
                names.join(", ")
            )]);
        }
        let complete = context.scope_verified(&identity.scope, CoverageKind::Groups, None)
            && context.scope_verified(&identity.scope, CoverageKind::Grants, None);
        (!complete).then(Vec::new)
    }

    /// Lists the paths through code that already runs as a stronger role.
    fn running_code_paths(
        &self,
        identity: &Identity,
        policies: &IdentityPolicies<'_>,
        effective: &EffectiveAccess<'_>,
        caller_actions: &ActionSet,
    ) -> Vec<Path> {
        let mut paths = Vec::new();
        for code in &RUNNING_CODE {
            let grants: Vec<_> = effective.grants_for(code.action).collect();
            let Some(grant) = grants
                .iter()
                .find(|grant| grant.grants_unconditionally(code.action))
                .or_else(|| grants.first())
            else {
                continue;
            };
            let roles = self.stronger_roles(
                identity,
                code.service,
                code.instance_profile,
                caller_actions,
                None,
                |_| true,
            );
            if roles.is_empty() {
                continue;
            }

            let mut conditions = grant.qualifications(code.action);
            conditions.push(format!("if {}", code.requires));
            paths.push(Path {
                kind: "change-running-code",
                steps: vec![
                    format!(
                        "`{}` on {} ({})",
                        code.action,
                        list_resources(grant.resources),
                        policies.describe(&grant.source)
                    ),
                    code.effect.to_owned(),
                    format!("roles that hold more rights: {}", name_roles(&roles)),
                ],
                conditions,
            });
        }
        paths
    }

    /// Lists the chains of `sts:AssumeRole` from the identity to admin-equivalent roles.
    fn chain_paths(&self, identity: &Identity, arn: &str) -> Chains {
        let mut chains = Chains::default();
        if !self.reach_admin.contains(arn) {
            return chains;
        }
        let is_admin = |target: &str| self.admin_roles.contains(target) && target != arn;
        // AWS limits the session of a chained role to one hour, not the number of hops. A
        // chain with the fewest hops uses each edge at most once, so the edges bound it.
        let max_hops = self.chain_graph.edges().len();

        // A chain without conditions, however long, is stronger evidence than a shorter
        // conditional one, so conditional edges only serve the admin roles that no
        // unconditional chain reaches.
        let mut paths =
            self.unconditional_graph
                .paths_from(arn, max_hops, NAMED_ROLES + 1, is_admin);
        let conditional_edges =
            self.unconditional_graph.edges().len() < self.chain_graph.edges().len();
        if paths.len() <= NAMED_ROLES && conditional_edges {
            let reached: HashSet<Option<String>> =
                paths.iter().map(|path| path.target.clone()).collect();
            let more = self.chain_graph.paths_from(
                arn,
                max_hops,
                NAMED_ROLES + 1 - reached.len(),
                |target| is_admin(target) && !reached.contains(&Some(target.to_owned())),
            );
            paths.extend(more);
        }
        if paths.len() > NAMED_ROLES {
            paths.truncate(NAMED_ROLES);
            chains.more = Some(format!(
                "more admin-equivalent roles can be reached by role chains than the {NAMED_ROLES} \
                 shown, which are those with the fewest hops"
            ));
        }
        paths.sort_by(|a, b| a.target.cmp(&b.target));

        chains.paths = paths
            .into_iter()
            .map(|path| {
                let mut path = Path::from_engine(path);
                path.steps.push(format!(
                    "the last role is admin-equivalent, so `{}` gains full administrative rights",
                    identity.name
                ));
                path
            })
            .collect();
        chains
    }
}

/// The role chains from one identity to admin-equivalent roles, as the evidence shows them.
#[derive(Default)]
struct Chains {
    paths: Vec<Path>,
    /// A note that more admin-equivalent roles are reachable than the paths show.
    more: Option<String>,
}

/// Builds an edge for every principal of the graph that can assume an AWS role. A trust that
/// names a user or role of the role's own account is enough by itself, unless the
/// principal's own policies deny the call outright. A trust that names an
/// account, everyone, or a principal of another account also needs the principal's own
/// policies to allow `sts:AssumeRole` on the role.
fn trust_edges(context: &Context<'_>) -> Vec<TrustEdge> {
    let assumers = assumer_access(context);
    let mut everyone: Vec<(&Identity, &Assumer<'_>)> = assumers
        .iter()
        .filter_map(|(key, assumer)| Some((context.graph.identity(key)?, assumer)))
        .collect();
    everyone.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    let mut by_account: HashMap<&str, Vec<(&Identity, &Assumer<'_>)>> = HashMap::new();
    for (principal, assumer) in &everyone {
        by_account
            .entry(principal.scope.native_id())
            .or_default()
            .push((principal, assumer));
    }
    let mut edges = Vec::new();
    let mut partitions: HashMap<(&str, &str), Partition<'_, '_>> = HashMap::new();

    for trust in context.graph.trusts() {
        if !allows_assume_role(trust) {
            continue;
        }
        let Some(target) = context
            .graph
            .identity(&trust.target)
            .filter(|role| role.kind == IdentityKind::AwsRole)
        else {
            continue;
        };
        let target_arn = crate::aws_arn(target);
        let trust_conditions: Vec<String> =
            trust.conditions.iter().map(describe_condition).collect();

        let named = trust
            .principal
            .identity
            .as_ref()
            .and_then(|key| context.graph.identity(key))
            .filter(|principal| is_aws_principal(principal));
        if let Some(principal) = named {
            if conditions_exclude(trust, principal) {
                continue;
            }
            if principal.scope == target.scope {
                if denied_outright(context, principal, &target_arn) {
                    continue;
                }
                edges.push(TrustEdge {
                    from: crate::aws_arn(principal),
                    to: target_arn.clone(),
                    conditions: prefixed(&trust_conditions, &target.name),
                    via: Some(format!("named in the trust policy of `{}`", target.name)),
                    step: None,
                });
                continue;
            }
            if let Some(assumer) = assumers.get(&principal.key) {
                edges.extend(edge_through_policy(
                    assumer,
                    target,
                    &target_arn,
                    &trust_conditions,
                ));
            }
            continue;
        }

        // A trust that names an account lets in each principal of the account whose grant
        // reaches the role. Principals whose grants reach roles on the same terms whatever
        // the role share one node per account pair and grant, so that the edges grow with
        // the trusts and the principals, not with their product.
        let shared = trust.principal.kind == PrincipalKind::Account
            && !trust.conditions.iter().any(names_the_principal);
        if shared {
            let trusting_account = trust.principal.account.as_deref().unwrap_or_default();
            let target_account = target.scope.native_id();
            let partition = partitions
                .entry((trusting_account, target_account))
                .or_insert_with(|| {
                    Partition::new(
                        by_account.get(trusting_account).map_or(&[], Vec::as_slice),
                        trusting_account,
                        target_account,
                    )
                });
            let conditions = prefixed(&trust_conditions, &target.name);
            let trusted_step =
                format!("`{target_arn}` trusts account `{trusting_account}` (its trust policy)");
            for (principal, assumer) in &partition.per_role {
                if principal.key != target.key {
                    edges.extend(edge_through_policy(
                        assumer,
                        target,
                        &target_arn,
                        &trust_conditions,
                    ));
                }
            }
            if partition.every_role.iter().any(|key| **key != target.key) {
                let node = account_node(trusting_account, target_account);
                edges.push(TrustEdge {
                    from: node,
                    to: target_arn.clone(),
                    conditions: conditions.clone(),
                    via: None,
                    step: Some(trusted_step.clone()),
                });
                partition.every_role_used = true;
            }
            for group in partition.by_patterns.values_mut() {
                if group.grant.may_reach("sts:AssumeRole", &target_arn) {
                    edges.push(TrustEdge {
                        from: pattern_node(trusting_account, target_account, group.patterns),
                        to: target_arn.clone(),
                        conditions: conditions.clone(),
                        via: None,
                        step: Some(trusted_step.clone()),
                    });
                    group.used = true;
                }
            }
            continue;
        }

        let candidates: &[(&Identity, &Assumer<'_>)] = match trust.principal.kind {
            PrincipalKind::Anyone => &everyone,
            PrincipalKind::Account => trust
                .principal
                .account
                .as_deref()
                .and_then(|account| by_account.get(account))
                .map_or(&[], Vec::as_slice),
            _ => &[],
        };
        for (principal, assumer) in candidates {
            if principal.key == target.key || conditions_exclude(trust, principal) {
                continue;
            }
            edges.extend(edge_through_policy(
                assumer,
                target,
                &target_arn,
                &trust_conditions,
            ));
        }
    }

    let mut partitions: Vec<_> = partitions.into_iter().collect();
    partitions.sort_by(|a, b| a.0.cmp(&b.0));
    for ((trusting_account, target_account), partition) in &partitions {
        if partition.every_role_used {
            let node = account_node(trusting_account, target_account);
            let reach = format!(
                "may assume every role of account `{target_account}` that trusts account \
                 `{trusting_account}`"
            );
            for (_, assumer) in by_account.get(trusting_account).into_iter().flatten() {
                if let Some(grant) = reaches_every_role(assumer, trusting_account, target_account) {
                    edges.push(shared_edge(assumer, &node, grant, &reach));
                }
            }
        }
        for group in partition.by_patterns.values().filter(|group| group.used) {
            let node = pattern_node(trusting_account, target_account, group.patterns);
            let reach = format!(
                "may assume the roles of account `{target_account}` that match `{}` and trust \
                 account `{trusting_account}`",
                group.patterns
            );
            for (assumer, pattern_grant) in &group.members {
                edges.push(shared_edge(assumer, &node, &pattern_grant.grant, &reach));
            }
        }
    }
    edges.sort();
    edges.dedup();
    edges
}

/// Builds the edge from an assumer to the shared node it reaches roles through. `reach`
/// describes the roles, and `grant` names the statement that allows it.
fn shared_edge(assumer: &Assumer<'_>, node: &str, grant: &SharedGrant, reach: &str) -> TrustEdge {
    TrustEdge {
        from: assumer.arn.clone(),
        to: node.to_owned(),
        conditions: grant.conditions.clone(),
        via: None,
        step: Some(format!(
            "`{}` {reach} (allowed by {})",
            assumer.arn, grant.via
        )),
    }
}

/// The policies and effective access of an identity that may call `sts:AssumeRole`.
struct Assumer<'c> {
    arn: String,
    policies: IdentityPolicies<'c>,
    /// The grants of the identity's effective access that cover `sts:AssumeRole`. The
    /// others are dropped, because tens of thousands of assumers keep these at once.
    assume_grants: Vec<EffectiveGrant<'c>>,
    /// A grant that lets the identity assume every role on the same terms; `None` when
    /// there is none.
    every_role: Option<SharedGrant>,
    /// Like `every_role`, for every role of the identity's own account only.
    own_account_roles: Option<SharedGrant>,
    /// When every grant in `assume_grants` reaches roles by its `Resource` patterns alone,
    /// on the same terms whatever the role: one entry per grant, keyed by those patterns.
    /// Empty otherwise.
    pattern_grants: Vec<PatternGrant>,
}

/// A grant of `sts:AssumeRole` whose reach depends only on its `Resource` patterns.
struct PatternGrant {
    /// The patterns, joined, which name the node that the principals holding them share.
    patterns: String,
    /// The index of the grant in [`Assumer::assume_grants`].
    index: usize,
    grant: SharedGrant,
}

/// A grant of `sts:AssumeRole` on every role, whose conditions do not depend on the role.
#[derive(Clone)]
struct SharedGrant {
    /// The policy statement, as the evidence describes it.
    via: String,
    conditions: Vec<String>,
}

/// Returns the policies and effective access of every AWS identity that may call
/// `sts:AssumeRole`.
fn assumer_access<'c>(context: &'c Context<'_>) -> HashMap<IdentityKey, Assumer<'c>> {
    let identities: Vec<&Identity> = context.graph.identities().collect();
    identities
        .into_par_iter()
        .filter_map(|identity| Some((identity.key.clone(), assumer(context, identity)?)))
        .collect()
}

/// Returns the policies and effective access of an AWS identity that may call
/// `sts:AssumeRole`, or `None` for any other identity.
fn assumer<'c>(context: &'c Context<'_>, identity: &Identity) -> Option<Assumer<'c>> {
    if identity.provider != ProviderId::Aws {
        return None;
    }
    let summary = context.aws_summary(&identity.key)?;
    if !summary.actions.contains("sts:AssumeRole") {
        return None;
    }
    let policies = context.aws_policy_set(identity)?;
    let assume_role = ActionName::new("sts:AssumeRole");
    let mut assume_grants = policies.effective_for(context.now, assume_role).grants;
    assume_grants.retain(|grant| grant.actions.contains_action(assume_role));
    assume_grants.shrink_to_fit();
    let account = identity.scope.native_id();
    // Conditions and conditional Denies hold or not whatever the role, so they travel with
    // the edge. A Deny or limit on some resources would not, so such a grant is not shared.
    let shared: Vec<Option<SharedGrant>> = assume_grants
        .iter()
        .map(|grant| {
            let by_patterns = matches!(grant.resources, ResourceBlock::Resource(_));
            (by_patterns && same_for_every_role(grant)).then(|| SharedGrant {
                via: policies.describe(&grant.source),
                conditions: grant.qualifications("sts:AssumeRole"),
            })
        })
        .collect();
    let covering = |every: &[&str]| {
        assume_grants
            .iter()
            .zip(&shared)
            .filter_map(|(grant, shared)| {
                let shared = shared.as_ref()?;
                resource_patterns(grant)
                    .iter()
                    .any(|pattern| every.contains(&pattern.as_str()))
                    .then(|| shared.clone())
            })
            .min_by_key(|grant| grant.conditions.len())
    };
    let pattern_grants: Vec<PatternGrant> = if shared.iter().all(Option::is_some) {
        assume_grants
            .iter()
            .zip(&shared)
            .enumerate()
            .filter_map(|(index, (grant, shared))| {
                let patterns: Vec<&str> = resource_patterns(grant)
                    .iter()
                    .map(|pattern| pattern.as_str())
                    .collect();
                Some(PatternGrant {
                    patterns: patterns.join(", "),
                    index,
                    grant: shared.clone()?,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let every_role = covering(&["*", "arn:aws:iam::*:role/*", "arn:aws:iam::*:*"]);
    let own_account_roles = every_role.clone().or_else(|| {
        covering(&[
            &format!("arn:aws:iam::{account}:role/*"),
            &format!("arn:aws:iam::{account}:*"),
        ])
    });
    Some(Assumer {
        arn: crate::aws_arn(identity),
        policies,
        assume_grants,
        every_role,
        own_account_roles,
        pattern_grants,
    })
}

/// Returns the grant's `Resource` patterns; none for `NotResource`.
fn resource_patterns<'g>(grant: &EffectiveGrant<'g>) -> &'g [ResourcePattern] {
    match grant.resources {
        ResourceBlock::Resource(patterns) => patterns,
        ResourceBlock::NotResource(_) => &[],
    }
}

/// Returns whether the grant's restrictions on `sts:AssumeRole` hold or not whatever the
/// role: conditional Denies do, a Deny or limit on some resources does not.
fn same_for_every_role(grant: &EffectiveGrant<'_>) -> bool {
    grant
        .restrictions_for("sts:AssumeRole")
        .all(|restriction| matches!(restriction, Restriction::ConditionalDeny { .. }))
}

/// Builds the edge from a principal whose identity policies must allow `sts:AssumeRole` on
/// the role, through the grant with the fewest conditions that lets the role through its
/// resources, Denies and limits.
fn edge_through_policy(
    assumer: &Assumer<'_>,
    target: &Identity,
    target_arn: &str,
    trust_conditions: &[String],
) -> Option<TrustEdge> {
    let grant = assumer
        .assume_grants
        .iter()
        .filter(|grant| grant.may_reach("sts:AssumeRole", target_arn))
        .min_by_key(|grant| {
            grant.conditions.len() + grant.restrictions_for("sts:AssumeRole").count()
        })?;
    let mut conditions = prefixed(trust_conditions, &target.name);
    conditions.extend(grant.qualifications("sts:AssumeRole"));
    Some(TrustEdge {
        from: assumer.arn.clone(),
        to: target_arn.to_owned(),
        conditions,
        step: None,
        via: Some(format!(
            "allowed by {}",
            assumer.policies.describe(&grant.source)
        )),
    })
}

/// Returns whether the principal's own policies deny `sts:AssumeRole` on the role outright:
/// an explicit Deny, or an SCP that allows no such call. A trust policy that names the
/// principal grants without its identity policies, but not past these.
fn denied_outright(context: &Context<'_>, principal: &Identity, target_arn: &str) -> bool {
    let Some(policies) = context.aws_policy_set(principal) else {
        return false;
    };
    let request = Request::new(&crate::aws_arn(principal), "sts:AssumeRole", target_arn);
    match evaluate(&policies.set, &request).decision {
        Decision::Denied {
            reason: DenyReason::ExplicitDeny(_),
        } => true,
        Decision::Denied {
            reason: DenyReason::NotAllowedBy { gate, .. },
        } => matches!(gate, Gate::Scp { .. }),
        _ => false,
    }
}

/// Returns the ARNs that reach one of `targets` through the edges, the targets excluded
/// unless they reach another target.
fn reaching(edges: &[TrustEdge], targets: &HashSet<String>) -> HashSet<String> {
    let mut incoming: HashMap<&str, Vec<&str>> = HashMap::new();
    for edge in edges {
        incoming
            .entry(edge.to.as_str())
            .or_default()
            .push(edge.from.as_str());
    }
    let mut reached: HashSet<String> = HashSet::new();
    let mut queue: Vec<&str> = targets.iter().map(String::as_str).collect();
    while let Some(current) = queue.pop() {
        for from in incoming.get(current).into_iter().flatten() {
            if reached.insert((*from).to_owned()) {
                queue.push(from);
            }
        }
    }
    reached
}

/// Returns whether a condition of the trust on `aws:PrincipalArn` or `aws:PrincipalAccount`
/// rules the principal out. Conditions on other keys, and other operators, are left open and
/// shown in the evidence instead.
fn conditions_exclude(trust: &Trust, principal: &Identity) -> bool {
    if !trust.conditions.iter().any(names_the_principal) {
        return false;
    }
    let arn = crate::aws_arn(principal);
    trust.conditions.iter().any(|condition| {
        let value = if condition.key.eq_ignore_ascii_case("aws:PrincipalArn") {
            arn.as_str()
        } else if condition.key.eq_ignore_ascii_case("aws:PrincipalAccount") {
            principal.scope.native_id()
        } else {
            return false;
        };
        // Both keys carry one value, so set qualifiers read like the plain operator, and
        // the key is always present, so `IfExists` changes nothing.
        let operator = condition
            .operator
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .trim_end_matches("IfExists");
        let (negated, matches): (bool, fn(&str, &str) -> bool) = match operator {
            "StringEquals" => (false, |pattern, text| pattern == text),
            "StringNotEquals" => (true, |pattern, text| pattern == text),
            "StringEqualsIgnoreCase" => (false, |pattern, text| pattern.eq_ignore_ascii_case(text)),
            "StringNotEqualsIgnoreCase" => {
                (true, |pattern, text| pattern.eq_ignore_ascii_case(text))
            }
            "StringLike" | "ArnLike" | "ArnEquals" => (false, |pattern, text| {
                wildcard_match(pattern, text, Case::Sensitive)
            }),
            "StringNotLike" | "ArnNotLike" | "ArnNotEquals" => (true, |pattern, text| {
                wildcard_match(pattern, text, Case::Sensitive)
            }),
            _ => return false,
        };
        let any = condition
            .values
            .iter()
            .any(|pattern| matches(pattern, value));
        any == negated
    })
}

/// Returns the node that stands for the principals of `trusting_account` that may assume
/// every role of `target_account` that trusts their account.
fn account_node(trusting_account: &str, target_account: &str) -> String {
    format!("account {trusting_account} to roles of {target_account}")
}

/// Returns the node that stands for the principals of `trusting_account` whose grants reach
/// the roles of `target_account` that match `patterns`.
fn pattern_node(trusting_account: &str, target_account: &str, patterns: &str) -> String {
    format!("account {trusting_account} to roles of {target_account} matching {patterns}")
}

/// The principals of one account sorted by how they reach the roles of another account
/// that trust the first: through a grant on every role, through grants whose patterns
/// decide alone, or through grants to judge role by role.
struct Partition<'p, 'c> {
    /// The principals with a grant on every role.
    every_role: Vec<&'p IdentityKey>,
    /// Whether some role let in the principals of `every_role`.
    every_role_used: bool,
    /// The principals whose grants all reach roles by their patterns, by those patterns.
    by_patterns: BTreeMap<&'p str, PatternGroup<'p, 'c>>,
    /// The other principals.
    per_role: Vec<(&'p Identity, &'p Assumer<'c>)>,
}

/// The principals holding grants with the same `Resource` patterns.
struct PatternGroup<'p, 'c> {
    patterns: &'p str,
    /// One of the grants, to test roles against.
    grant: &'p EffectiveGrant<'c>,
    members: Vec<(&'p Assumer<'c>, &'p PatternGrant)>,
    /// Whether some role let in the members.
    used: bool,
}

impl<'p, 'c> Partition<'p, 'c> {
    fn new(
        principals: &[(&'p Identity, &'p Assumer<'c>)],
        trusting_account: &str,
        target_account: &str,
    ) -> Partition<'p, 'c> {
        let mut partition = Partition {
            every_role: Vec::new(),
            every_role_used: false,
            by_patterns: BTreeMap::new(),
            per_role: Vec::new(),
        };
        for &(principal, assumer) in principals {
            if reaches_every_role(assumer, trusting_account, target_account).is_some() {
                partition.every_role.push(&principal.key);
                continue;
            }
            if assumer.pattern_grants.is_empty() {
                partition.per_role.push((principal, assumer));
                continue;
            }
            for pattern_grant in &assumer.pattern_grants {
                partition
                    .by_patterns
                    .entry(pattern_grant.patterns.as_str())
                    .or_insert_with(|| PatternGroup {
                        patterns: pattern_grant.patterns.as_str(),
                        grant: &assumer.assume_grants[pattern_grant.index],
                        members: Vec::new(),
                        used: false,
                    })
                    .members
                    .push((assumer, pattern_grant));
            }
        }
        partition
    }
}

/// Returns how the assumer may assume every role of `target_account`, when one grant lets it
/// without conditions or restrictions.
fn reaches_every_role<'a>(
    assumer: &'a Assumer<'_>,
    own_account: &str,
    target_account: &str,
) -> Option<&'a SharedGrant> {
    if own_account == target_account {
        assumer.own_account_roles.as_ref()
    } else {
        assumer.every_role.as_ref()
    }
}

/// Returns whether a trust condition reads the calling principal's ARN or account, which
/// sets principals of one account apart.
fn names_the_principal(condition: &TrustCondition) -> bool {
    condition.key.eq_ignore_ascii_case("aws:PrincipalArn")
        || condition.key.eq_ignore_ascii_case("aws:PrincipalAccount")
}

fn allows_assume_role(trust: &Trust) -> bool {
    trust
        .actions
        .iter()
        .any(|action| glob_match(action, "sts:AssumeRole", true))
}

fn describe_condition(condition: &TrustCondition) -> String {
    let values: Vec<String> = condition
        .values
        .iter()
        .map(|value| format!("`{value}`"))
        .collect();
    let values = match values.as_slice() {
        [single] => single.clone(),
        _ => format!("[{}]", values.join(", ")),
    };
    format!("{} {} {values}", condition.operator, condition.key)
}

fn prefixed(conditions: &[String], role: &str) -> Vec<String> {
    conditions
        .iter()
        .map(|condition| format!("if {condition} (trust policy of `{role}`)"))
        .collect()
}

fn list_resources(resources: &ResourceBlock) -> String {
    let list: Vec<String> = resources
        .patterns()
        .iter()
        .map(|pattern| format!("`{pattern}`"))
        .collect();
    match resources {
        ResourceBlock::Resource(_) => list.join(", "),
        ResourceBlock::NotResource(_) => format!("every resource except {}", list.join(", ")),
    }
}

/// Returns whether every role of the identity's account was collected.
fn roles_collected(context: &Context<'_>, identity: &Identity) -> bool {
    context.scope_verified(
        &identity.scope,
        CoverageKind::Identities,
        Some(IdentityKind::AwsRole),
    )
}

/// Returns the step that names the roles under `label`, or an empty step when there are none
/// but the roles were not all collected. Returns `None` when there are none and `complete`.
fn roles_step(label: &str, roles: &Named<'_>, complete: bool) -> Option<Vec<String>> {
    if !roles.is_empty() {
        return Some(vec![format!("{label}: {}", name_roles(roles))]);
    }
    (!complete).then(Vec::new)
}

/// Names the roles, marking the admin-equivalent ones, and notes whether there are more.
fn name_roles(roles: &Named<'_>) -> String {
    let shown: Vec<String> = roles
        .shown
        .iter()
        .map(|(role, admin)| {
            if *admin {
                format!("`{}` (admin-equivalent)", role.name)
            } else {
                format!("`{}`", role.name)
            }
        })
        .collect();
    if roles.more {
        format!("{} and more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Turns lists of candidates into [`Candidates`], each sorted with its union of actions.
fn index<K: std::hash::Hash + Eq>(
    lists: HashMap<K, Vec<Candidate<'_>>>,
) -> HashMap<K, Candidates<'_>> {
    lists
        .into_iter()
        .map(|(key, members)| (key, Candidates::new(members)))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_graph::IdentityGraph;
    use roster_model::AwsIdentityDetails;
    use serde_json::json;

    use super::*;
    use crate::aws_arn;
    use crate::testing::{Estate, aws_policy, grant_to, role, run, trust_to, user};

    fn allow(actions: serde_json::Value, resource: &str) -> serde_json::Value {
        json!({"Version": "2012-10-17",
               "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]})
    }

    /// Returns the estate with a role that Lambda may run as, which has `s3:*`.
    fn lambda_role(estate: Estate) -> (Estate, Identity) {
        let worker = role("worker");
        let storage = aws_policy("storage", allow(json!("s3:*"), "*"));
        let estate = estate
            .trust(trust_to(
                &worker,
                PrincipalKind::Service,
                "lambda.amazonaws.com",
            ))
            .grant(grant_to(&worker, &storage))
            .policy(storage);
        (estate, worker)
    }

    /// Returns a trust of `target` that names `principal` of the same account.
    /// Returns a trust of `target` in the whole account `111122223333`.
    fn trusts_own_account(target: &Identity) -> Trust {
        let mut trust = trust_to(
            target,
            PrincipalKind::Account,
            "arn:aws:iam::111122223333:root",
        );
        trust.principal.account = Some("111122223333".to_owned());
        trust
    }

    fn trusts(target: &Identity, principal: &Identity) -> Trust {
        let mut trust = trust_to(target, PrincipalKind::Identity, &aws_arn(principal));
        trust.principal.account = Some(principal.scope.native_id().to_owned());
        trust.principal.identity = Some(principal.key.clone());
        trust
    }

    /// Both Glue actions pass roles to `glue.amazonaws.com`, so they share one decision,
    /// and each keeps its own path.
    #[test]
    fn pass_role_paths_share_service_decision() {
        let deployer = user("deployer");
        let deploy = aws_policy(
            "deploy",
            allow(
                json!(["iam:PassRole", "glue:CreateDevEndpoint", "glue:CreateJob"]),
                "*",
            ),
        );
        let worker = role("etl");
        let storage = aws_policy("storage", allow(json!("s3:*"), "*"));
        let graph = Estate::new()
            .trust(trust_to(
                &worker,
                PrincipalKind::Service,
                "glue.amazonaws.com",
            ))
            .grant(grant_to(&worker, &storage))
            .grant(grant_to(&deployer, &deploy))
            .identity(deployer)
            .identity(worker)
            .policy(deploy)
            .policy(storage)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1, "{findings:#?}");
        let evidence = &findings[0].evidence;
        assert_eq!(evidence.len(), 2, "{evidence:#?}");
        for action in ["glue:CreateDevEndpoint", "glue:CreateJob"] {
            let line = evidence.iter().find(|line| line.contains(action));
            assert!(line.is_some(), "{action}: {evidence:#?}");
            assert!(
                line.is_some_and(
                    |line| line.ends_with("roles it can pass that hold more rights: `etl`")
                ),
                "{evidence:#?}"
            );
        }
    }

    #[test]
    fn pass_role_to_stronger_lambda_role_is_flagged() {
        let deployer = user("deployer");
        let deploy = aws_policy(
            "deploy",
            allow(json!(["iam:PassRole", "lambda:CreateFunction"]), "*"),
        );
        let (estate, worker) = lambda_role(Estate::new());
        let graph = estate
            .grant(grant_to(&deployer, &deploy))
            .identity(deployer)
            .identity(worker)
            .policy(deploy)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].subject, "aws:111122223333:user:deployer");
        assert_eq!(
            findings[0].message,
            "aws-user `deployer` can gain rights it does not hold, through \
             `pass-role-to-compute`"
        );
        let evidence = &findings[0].evidence[0];
        assert!(evidence.starts_with("`pass-role-to-compute`: `iam:PassRole` on `*`"));
        assert!(evidence.contains("a new Lambda function runs as the passed role"));
        assert!(evidence.ends_with("roles it can pass that hold more rights: `worker`"));
    }

    /// Runs the rule on a user that may pass the roles matching two ARN patterns to Lambda,
    /// in an account with five such roles and `others` roles that match neither.
    fn pass_role_by_prefix(others: usize) -> Vec<Finding> {
        let deployer = user("deployer");
        let deploy = aws_policy(
            "deploy",
            json!({"Statement": [
                {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"},
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": [
                    "arn:aws:iam::111122223333:role/team-a-*",
                    "arn:aws:iam::111122223333:role/ops-?x"
                ]}
            ]}),
        );
        let storage = aws_policy("storage", allow(json!("s3:*"), "*"));
        let mut estate = Estate::new()
            .grant(grant_to(&deployer, &deploy))
            .identity(deployer)
            .policy(deploy)
            .policy(storage.clone());
        let names = [
            "team-a-worker",
            "team-b-worker",
            "ops-1x",
            "ops-11x",
            "team-a",
        ]
        .map(str::to_owned)
        .into_iter()
        .chain((0..others).map(|number| format!("batch-{number}")));
        for name in names {
            let worker = role(&name);
            estate = estate
                .trust(trust_to(
                    &worker,
                    PrincipalKind::Service,
                    "lambda.amazonaws.com",
                ))
                .grant(grant_to(&worker, &storage))
                .identity(worker);
        }

        run(&RULE, &estate.graph(), None)
    }

    /// Checks that the one finding names exactly the roles that match the patterns.
    fn assert_names_matching_roles(findings: &[Finding]) {
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0].evidence[0]
                .ends_with("roles it can pass that hold more rights: `ops-1x`, `team-a-worker`"),
            "{}",
            findings[0].evidence[0]
        );
    }

    #[test]
    fn pass_role_arn_prefix_limits_roles() {
        let findings = pass_role_by_prefix(0);

        assert_names_matching_roles(&findings);
    }

    /// Few of the roles match the patterns here, so their positions are looked up by ARN
    /// rather than every role being examined.
    #[test]
    fn pass_role_prefix_among_many_roles() {
        let findings = pass_role_by_prefix(40);

        assert_names_matching_roles(&findings);
    }

    #[test]
    fn pass_role_without_stronger_role_is_quiet() {
        let deployer = user("deployer");
        let deploy = aws_policy(
            "deploy",
            allow(
                json!(["iam:PassRole", "lambda:CreateFunction", "s3:*"]),
                "*",
            ),
        );
        let (estate, worker) = lambda_role(Estate::new());
        let graph = estate
            .grant(grant_to(&deployer, &deploy))
            .identity(deployer)
            .identity(worker)
            .policy(deploy)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn pass_role_limited_to_other_service_is_quiet() {
        let deployer = user("deployer");
        let deploy = aws_policy(
            "deploy",
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                 "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
                {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"}
            ]}),
        );
        let (estate, worker) = lambda_role(Estate::new());
        let graph = estate
            .grant(grant_to(&deployer, &deploy))
            .identity(deployer)
            .identity(worker)
            .policy(deploy)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn pass_role_in_partly_collected_account_is_kept() {
        let deployer = user("deployer");
        let deploy = aws_policy(
            "deploy",
            allow(json!(["iam:PassRole", "lambda:CreateFunction"]), "*"),
        );
        let graph = Estate::new()
            .partial(CoverageKind::Trusts)
            .grant(grant_to(&deployer, &deploy))
            .identity(deployer)
            .policy(deploy)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0]
                .evidence
                .iter()
                .any(|line| line.starts_with("the trust policies of scope `aws:111122223333`"))
        );
    }

    #[test]
    fn access_key_for_other_users_is_flagged() {
        let helpdesk = user("helpdesk-bot");
        let exporter = user("exporter");
        let keys = aws_policy("keys", allow(json!("iam:CreateAccessKey"), "*"));
        let storage = aws_policy("storage", allow(json!("s3:*"), "*"));
        let graph = Estate::new()
            .grant(grant_to(&helpdesk, &keys))
            .grant(grant_to(&exporter, &storage))
            .identity(helpdesk)
            .identity(exporter)
            .policy(keys)
            .policy(storage)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(findings[0].message.ends_with("through `create-access-key`"));
        assert!(
            findings[0].evidence[0]
                .ends_with("users it can act as that hold more rights: `exporter`"),
            "{}",
            findings[0].evidence[0]
        );
    }

    #[test]
    fn access_key_for_weaker_users_only_is_quiet() {
        let helpdesk = user("helpdesk-bot");
        let reader = user("reader");
        let keys = aws_policy(
            "keys",
            allow(json!(["iam:CreateAccessKey", "s3:GetObject"]), "*"),
        );
        let read = aws_policy("read", allow(json!("s3:GetObject"), "*"));
        let graph = Estate::new()
            .grant(grant_to(&helpdesk, &keys))
            .grant(grant_to(&reader, &read))
            .identity(helpdesk)
            .identity(reader)
            .policy(keys)
            .policy(read)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn access_key_for_itself_only_is_quiet() {
        let rotator = user("key-rotator");
        let keys = aws_policy(
            "keys",
            allow(
                json!("iam:CreateAccessKey"),
                "arn:aws:iam::111122223333:user/${aws:username}",
            ),
        );
        let graph = Estate::new()
            .grant(grant_to(&rotator, &keys))
            .identity(rotator)
            .policy(keys)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn chain_to_admin_role_is_flagged() {
        let runner = user("ci-runner");
        let hop = role("build");
        let admin = role("platform-admin");
        let assume = aws_policy("assume", allow(json!("sts:AssumeRole"), "*"));
        let everything = aws_policy("everything", allow(json!("*"), "*"));
        let graph = Estate::new()
            .trust(trusts(&hop, &runner))
            .trust(trusts(&admin, &hop))
            .grant(grant_to(&runner, &assume))
            .grant(grant_to(&hop, &assume))
            .grant(grant_to(&admin, &everything))
            .identity(runner)
            .identity(hop)
            .identity(admin)
            .policy(assume)
            .policy(everything)
            .graph();

        let findings = run(&RULE, &graph, None);

        let subjects: Vec<&str> = findings
            .iter()
            .map(|finding| finding.subject.as_str())
            .collect();
        assert_eq!(
            subjects,
            [
                "aws:111122223333:role:build",
                "aws:111122223333:user:ci-runner"
            ],
            "{findings:#?}"
        );
        let runner_finding = &findings[1];
        assert!(
            runner_finding
                .message
                .ends_with("through `assume-role-chain`")
        );
        let chain = &runner_finding.evidence[0];
        assert!(chain.contains("role/build"), "{chain}");
        assert!(chain.contains("role/platform-admin"), "{chain}");
        assert!(chain.ends_with("so `ci-runner` gains full administrative rights"));
    }

    #[test]
    fn admin_and_service_linked_roles_are_skipped() {
        let admin = role("platform-admin");
        let mut linked = role("AWSServiceRoleForSupport");
        linked.aws = Some(AwsIdentityDetails {
            service_linked: true,
            ..AwsIdentityDetails::default()
        });
        let everything = aws_policy("everything", allow(json!("*"), "*"));
        let keys = aws_policy("keys", allow(json!("iam:CreateAccessKey"), "*"));
        let graph = Estate::new()
            .grant(grant_to(&admin, &everything))
            .grant(grant_to(&linked, &keys))
            .identity(admin)
            .identity(linked)
            .policy(everything)
            .policy(keys)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn code_running_as_stronger_role_is_flagged() {
        let developer = user("developer");
        let update = aws_policy("update", allow(json!("lambda:UpdateFunctionCode"), "*"));
        let (estate, worker) = lambda_role(Estate::new());
        let graph = estate
            .grant(grant_to(&developer, &update))
            .identity(developer)
            .identity(worker)
            .policy(update)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0]
                .message
                .ends_with("under conditions, through `change-running-code`")
        );
        let evidence = &findings[0].evidence[0];
        assert!(
            evidence.contains("roles that hold more rights: `worker`"),
            "{evidence}"
        );
        assert!(
            evidence.contains("if a Lambda function runs as one of these roles"),
            "{evidence}"
        );
    }

    #[test]
    fn many_admin_chains_show_shortest_three() {
        let runner = user("ci-runner");
        let assume = aws_policy("assume", allow(json!("sts:AssumeRole"), "*"));
        let everything = aws_policy("everything", allow(json!("*"), "*"));
        let admins: Vec<Identity> = (1..=5).map(|n| role(&format!("admin-{n}"))).collect();
        let mut estate = Estate::new().grant(grant_to(&runner, &assume));
        for admin in &admins {
            estate = estate
                .trust(trusts(admin, &runner))
                .grant(grant_to(admin, &everything))
                .identity(admin.clone());
        }
        let graph = estate
            .identity(runner)
            .policy(assume)
            .policy(everything)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1, "{findings:#?}");
        let evidence = &findings[0].evidence;
        let chains: Vec<&String> = evidence
            .iter()
            .filter(|line| line.starts_with("`assume-role-chain`"))
            .collect();
        assert_eq!(chains.len(), 3, "{evidence:#?}");
        assert!(chains[0].contains("role/admin-1"), "{}", chains[0]);
        assert!(
            evidence
                .iter()
                .any(|line| line.starts_with("more admin-equivalent roles can be reached")),
            "{evidence:#?}"
        );
    }

    #[test]
    fn account_trust_chain_shares_one_node() {
        let runner = user("ci-runner");
        let admin = role("platform-admin");
        let assume = aws_policy("assume", allow(json!("sts:AssumeRole"), "*"));
        let everything = aws_policy("everything", allow(json!("*"), "*"));
        let account_trust = trusts_own_account(&admin);
        let graph = Estate::new()
            .trust(account_trust)
            .grant(grant_to(&runner, &assume))
            .grant(grant_to(&admin, &everything))
            .identity(runner)
            .identity(admin)
            .policy(assume)
            .policy(everything)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].subject, "aws:111122223333:user:ci-runner");
        let chain = &findings[0].evidence[0];
        assert!(
            chain.contains(
                "may assume every role of account `111122223333` that trusts account \
                 `111122223333` (allowed by policy `assume`"
            ),
            "{chain}"
        );
        assert!(
            chain.contains("role/platform-admin` trusts account `111122223333`"),
            "{chain}"
        );
    }

    /// Builds an estate where `ci-runner` is granted `assume` and the admin-equivalent roles
    /// `platform-admin` and `data-admin` both trust the whole account.
    fn account_trusting_admins(assume: serde_json::Value) -> IdentityGraph {
        let runner = user("ci-runner");
        let assume = aws_policy("assume", assume);
        let everything = aws_policy("everything", allow(json!("*"), "*"));
        let mut estate = Estate::new()
            .grant(grant_to(&runner, &assume))
            .identity(runner)
            .policy(assume)
            .policy(everything.clone());
        for name in ["platform-admin", "data-admin"] {
            let admin = role(name);
            let account_trust = trusts_own_account(&admin);
            estate = estate
                .trust(account_trust)
                .grant(grant_to(&admin, &everything))
                .identity(admin);
        }
        estate.graph()
    }

    #[test]
    fn pattern_grant_chain_shares_one_node() {
        let graph = account_trusting_admins(allow(
            json!("sts:AssumeRole"),
            "arn:aws:iam::111122223333:role/platform-*",
        ));

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1, "{findings:#?}");
        let evidence = findings[0].evidence.join("\n");
        assert!(
            evidence.contains(
                "may assume the roles of account `111122223333` that match \
                 `arn:aws:iam::111122223333:role/platform-*` and trust account `111122223333` \
                 (allowed by policy `assume`"
            ),
            "{evidence}"
        );
        // `data-admin` is out of the grant's reach, but not out of `platform-admin`'s.
        let first_hop = |role: &str| {
            format!(
                "(allowed by policy `assume` statement 0); \
                 `arn:aws:iam::111122223333:role/{role}` trusts account"
            )
        };
        assert!(
            evidence.contains(&first_hop("platform-admin")),
            "{evidence}"
        );
        assert!(!evidence.contains(&first_hop("data-admin")), "{evidence}");
    }

    #[test]
    fn partial_deny_skips_shared_node() {
        let graph = account_trusting_admins(json!({"Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Resource": "arn:aws:iam::111122223333:role/platform-*"},
            {"Effect": "Deny", "Action": "sts:AssumeRole",
             "Resource": "arn:aws:iam::111122223333:role/platform-admin"}
        ]}));

        let findings = run(&RULE, &graph, None);

        assert!(findings.is_empty(), "{findings:#?}");
    }

    #[test]
    fn conditional_deny_travels_with_shared_node() {
        let runner = user("ci-runner");
        let admin = role("platform-admin");
        let assume = aws_policy(
            "assume",
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
                {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
                 "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
            ]}),
        );
        let everything = aws_policy("everything", allow(json!("*"), "*"));
        let account_trust = trusts_own_account(&admin);
        let graph = Estate::new()
            .trust(account_trust)
            .grant(grant_to(&runner, &assume))
            .grant(grant_to(&admin, &everything))
            .identity(runner)
            .identity(admin)
            .policy(assume)
            .policy(everything)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0].message.contains("under conditions"),
            "{}",
            findings[0].message
        );
        let chain = &findings[0].evidence[0];
        assert!(
            chain.contains("may assume every role of account"),
            "{chain}"
        );
        assert!(chain.contains("aws:MultiFactorAuthPresent"), "{chain}");
    }

    #[test]
    fn many_stronger_users_are_cut_short() {
        let helpdesk = user("helpdesk-bot");
        let keys = aws_policy("keys", allow(json!("iam:CreateAccessKey"), "*"));
        let storage = aws_policy("storage", allow(json!("s3:*"), "*"));
        let mut estate = Estate::new().grant(grant_to(&helpdesk, &keys));
        for n in 1..=5 {
            let other = user(&format!("uploader-{n}"));
            estate = estate.grant(grant_to(&other, &storage)).identity(other);
        }
        let graph = estate
            .identity(helpdesk)
            .policy(keys)
            .policy(storage)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1, "{findings:#?}");
        let evidence = &findings[0].evidence[0];
        assert!(
            evidence.ends_with(
                "users it can act as that hold more rights: `uploader-1`, `uploader-2`, \
                 `uploader-3` and more"
            ),
            "{evidence}"
        );
    }
}
