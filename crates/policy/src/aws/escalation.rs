//! Judging effective access: full administration, and the ways an identity can gain more
//! rights than it holds.

use std::borrow::Cow;
use std::collections::{BTreeSet, VecDeque};

use foldhash::{HashMap, HashMapExt};
use std::fmt;

use super::action_set::{ActionName, ActionSet};
use super::arn::Arn;
use super::condition::{Condition, OperatorKind};
use super::decision::StatementRef;
use super::document::{ResourceBlock, ResourcePattern};
use super::effective::{EffectiveAccess, EffectiveGrant, Restriction, surely_includes};
use super::policy_set::BoundaryState;
use super::variable::{Resolution, VariableSource};
use super::wildcard::{self, Case, Token};

/// Whether effective access amounts to full administration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminEquivalence<'a> {
    No,
    /// Every action on every resource, outright. `confirmed` is false when the permission
    /// boundary was not collected: a boundary the scan did not see may limit it.
    Yes {
        confirmed: bool,
        sources: Vec<StatementRef<'a>>,
    },
    /// Every action on every resource, but only where conditions hold or unless a
    /// conditional Deny applies (for example "only with MFA").
    Conditional {
        sources: Vec<StatementRef<'a>>,
        /// The conditions and restrictions that must hold, as sentences.
        qualifications: Vec<String>,
    },
}

/// Decides whether effective access covers every catalogue action on every resource.
/// Grants limited to some resources never count.
pub fn is_admin_equivalent<'a>(effective: &EffectiveAccess<'a>) -> AdminEquivalence<'a> {
    let wide: Vec<&EffectiveGrant<'a>> = effective
        .grants
        .iter()
        .filter(|grant| grant.covers_all_resources())
        .collect();

    let reachable = ActionSet::union_of(wide.iter().map(|grant| &*grant.actions));
    if !reachable.covers_catalogue() {
        return AdminEquivalence::No;
    }

    let outright = ActionSet::union_of(
        wide.iter()
            .filter(|grant| grant.is_unconditional())
            .map(|grant| &*grant.actions),
    );
    if outright.covers_catalogue() {
        let sources = wide
            .iter()
            .filter(|grant| grant.is_unconditional())
            .map(|grant| grant.source)
            .collect();
        return AdminEquivalence::Yes {
            confirmed: effective.boundary != BoundaryState::NotCollected,
            sources,
        };
    }

    let mut qualifications = BTreeSet::new();
    for grant in wide.iter().filter(|grant| !grant.is_unconditional()) {
        qualifications.extend(
            grant
                .conditions
                .iter()
                .map(|condition| format!("if {condition}")),
        );
        qualifications.extend(grant.restrictions.iter().map(ToString::to_string));
    }
    AdminEquivalence::Conditional {
        sources: wide.iter().map(|grant| grant.source).collect(),
        qualifications: qualifications.into_iter().collect(),
    }
}

/// The kind of a privilege-escalation path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EscalationKind {
    /// Pass a role to a service that runs code the identity supplies, which then acts as
    /// the role.
    PassRoleToCompute,
    /// Create access keys for another user and act as that user.
    CreateAccessKey,
    /// Set a console password for another user.
    CreateLoginProfile,
    /// Change another user's console password.
    UpdateLoginProfile,
    /// Write an inline policy on itself (or on a group it belongs to, or on every group).
    PutOwnPolicy,
    /// Attach a managed policy to itself (or to a group it belongs to, or to every group).
    AttachOwnPolicy,
    /// Rewrite a role's trust policy so that it trusts the identity, then assume the role.
    UpdateAssumeRolePolicy,
    /// Write a new default version of a managed policy.
    CreatePolicyVersion,
    /// Make an older, wider version of a managed policy the default.
    SetDefaultPolicyVersion,
    /// Add itself to a group whose policies grant more.
    AddUserToGroup,
    /// Assume a chain of roles through their trust policies.
    AssumeRoleChain,
}

impl EscalationKind {
    /// Returns a kebab-case name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationKind::PassRoleToCompute => "pass-role-to-compute",
            EscalationKind::CreateAccessKey => "create-access-key",
            EscalationKind::CreateLoginProfile => "create-login-profile",
            EscalationKind::UpdateLoginProfile => "update-login-profile",
            EscalationKind::PutOwnPolicy => "put-own-policy",
            EscalationKind::AttachOwnPolicy => "attach-own-policy",
            EscalationKind::UpdateAssumeRolePolicy => "update-assume-role-policy",
            EscalationKind::CreatePolicyVersion => "create-policy-version",
            EscalationKind::SetDefaultPolicyVersion => "set-default-policy-version",
            EscalationKind::AddUserToGroup => "add-user-to-group",
            EscalationKind::AssumeRoleChain => "assume-role-chain",
        }
    }
}

impl fmt::Display for EscalationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A way to gain rights, step by step.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EscalationPath {
    pub kind: EscalationKind,
    /// The steps in order, each naming the action, resources and the statement that grants it.
    pub steps: Vec<String>,
    /// The conditions that must hold for the path to work: those of the grants, and the
    /// conditional Denies or limits on them. Empty when every step is granted outright.
    pub conditions: Vec<String>,
    /// The conditions of each step, in the order of `steps`.
    pub step_conditions: Vec<Vec<String>>,
    /// The ARN of the role an assume-role chain ends at; `None` for other kinds.
    pub target: Option<String>,
    /// The service principal a pass-role path hands the role to, such as
    /// `lambda.amazonaws.com`: only a role that trusts it can be passed. `None` for other
    /// kinds.
    pub service: Option<String>,
}

/// Services that run code with a role passed to them: the action that starts the code, the
/// service principal that the passed role must trust, and what the code then does.
const COMPUTE_ACTIONS: [(&str, &str, &str); 12] = [
    (
        "lambda:CreateFunction",
        "lambda.amazonaws.com",
        "a new Lambda function runs as the passed role",
    ),
    (
        "ec2:RunInstances",
        "ec2.amazonaws.com",
        "a new EC2 instance runs with the passed role's instance profile",
    ),
    (
        "ecs:RunTask",
        "ecs-tasks.amazonaws.com",
        "an ECS task runs with the passed role as its task role",
    ),
    (
        "glue:CreateDevEndpoint",
        "glue.amazonaws.com",
        "a Glue development endpoint runs as the passed role",
    ),
    (
        "glue:CreateJob",
        "glue.amazonaws.com",
        "a Glue job runs as the passed role",
    ),
    (
        "cloudformation:CreateStack",
        "cloudformation.amazonaws.com",
        "CloudFormation creates resources as the passed role",
    ),
    (
        "sagemaker:CreateNotebookInstance",
        "sagemaker.amazonaws.com",
        "a SageMaker notebook runs as the passed role",
    ),
    (
        "sagemaker:CreateTrainingJob",
        "sagemaker.amazonaws.com",
        "a SageMaker training job runs as the passed role",
    ),
    (
        "sagemaker:CreateProcessingJob",
        "sagemaker.amazonaws.com",
        "a SageMaker processing job runs as the passed role",
    ),
    (
        "codebuild:CreateProject",
        "codebuild.amazonaws.com",
        "a CodeBuild project builds as the passed role",
    ),
    (
        "datapipeline:CreatePipeline",
        "datapipeline.amazonaws.com",
        "a Data Pipeline runs as the passed role",
    ),
    (
        "apprunner:CreateService",
        "tasks.apprunner.amazonaws.com",
        "an App Runner service runs as the passed role",
    ),
];

/// The IAM actions that a path of [`escalation_paths`] starts from, besides `iam:PassRole`.
const IAM_STEP_ACTIONS: [&str; 13] = [
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:PutUserPolicy",
    "iam:AttachUserPolicy",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutGroupPolicy",
    "iam:AttachGroupPolicy",
    "iam:AddUserToGroup",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
];

/// Returns whether [`escalation_paths`] may find a path for an identity whose effective
/// access allows `actions`: it allows `iam:PassRole` and a service that runs code, or one of
/// the IAM actions a path starts from. When this returns false, no path is found, so a
/// caller can skip computing the effective access.
pub fn may_open_escalation_path(actions: &ActionSet) -> bool {
    let pass_to_compute = actions.contains("iam:PassRole")
        && COMPUTE_ACTIONS
            .iter()
            .any(|(action, _, _)| actions.contains(action));
    pass_to_compute
        || IAM_STEP_ACTIONS
            .iter()
            .any(|action| actions.contains(action))
}

/// Lists the privilege-escalation paths that effective access opens to the principal named
/// by `principal_arn` (an IAM user or role ARN).
pub fn escalation_paths(
    effective: &EffectiveAccess<'_>,
    principal_arn: &str,
) -> Vec<EscalationPath> {
    escalation_paths_described(effective, principal_arn, &[], &|source| source.to_string())
}

/// Lists the privilege-escalation paths like [`escalation_paths`], also counting policies
/// written on the groups named by `group_arns`, which the principal belongs to. `describe`
/// names the statement behind each step, and may add what the statement alone lacks, such as
/// the group that attaches the policy.
pub fn escalation_paths_described(
    effective: &EffectiveAccess<'_>,
    principal_arn: &str,
    group_arns: &[String],
    describe: &dyn Fn(&StatementRef<'_>) -> String,
) -> Vec<EscalationPath> {
    escalation_paths_kept(
        effective,
        principal_arn,
        group_arns,
        describe,
        &mut |_, _| true,
    )
}

/// Lists the privilege-escalation paths like [`escalation_paths_described`], only those for
/// which `keep` returns true. `keep` receives each path's kind and, for a pass-role path, its
/// service, before the path's steps are described, so paths it drops cost no text.
pub fn escalation_paths_kept(
    effective: &EffectiveAccess<'_>,
    principal_arn: &str,
    group_arns: &[String],
    describe: &dyn Fn(&StatementRef<'_>) -> String,
    keep: &mut dyn FnMut(EscalationKind, Option<&str>) -> bool,
) -> Vec<EscalationPath> {
    let mut paths: Vec<EscalationPath> = find_paths(effective, principal_arn, group_arns)
        .into_iter()
        .filter(|found| keep(found.kind, found.service))
        .map(|found| found.describe(describe))
        .collect();
    paths.sort();
    paths
}

/// A path found in effective access whose steps are not described yet.
struct FoundPath<'e, 'a> {
    kind: EscalationKind,
    service: Option<&'static str>,
    steps: Vec<PendingStep<'e, 'a>>,
}

/// A step of a [`FoundPath`]: a grant of an action, or a note on what the previous steps
/// allow.
enum PendingStep<'e, 'a> {
    Grant(&'e EffectiveGrant<'a>, &'static str),
    Note(&'static str),
}

impl FoundPath<'_, '_> {
    fn new<'e, 'a>(kind: EscalationKind, steps: Vec<PendingStep<'e, 'a>>) -> FoundPath<'e, 'a> {
        FoundPath {
            kind,
            service: None,
            steps,
        }
    }

    fn describe(self, describe: &dyn Fn(&StatementRef<'_>) -> String) -> EscalationPath {
        let steps = self
            .steps
            .into_iter()
            .map(|step| match step {
                PendingStep::Grant(grant, action) => grant_step(grant, action, describe),
                PendingStep::Note(text) => Step::note(text),
            })
            .collect();
        let mut described = path(self.kind, steps);
        described.service = self.service.map(str::to_owned);
        described
    }
}

/// Finds the privilege-escalation paths of [`escalation_paths_kept`], in no order.
fn find_paths<'e, 'a>(
    effective: &'e EffectiveAccess<'a>,
    principal_arn: &str,
    group_arns: &[String],
) -> Vec<FoundPath<'e, 'a>> {
    let mut paths = Vec::new();
    let kind = Arn::parse(principal_arn)
        .map(|arn| arn.resource_type())
        .unwrap_or_default();

    for (action, service, effect) in COMPUTE_ACTIONS {
        // Most identities cannot start most of these services, and that is the cheaper test.
        if !effective.may_perform(action) {
            continue;
        }
        let Some(pass_role) =
            find_grant(effective, "iam:PassRole", |grant| passes_to(grant, service))
        else {
            continue;
        };
        let Some(compute) = find_resource_grant(effective, action, |_| true) else {
            continue;
        };
        let mut pass_role_path = FoundPath::new(
            EscalationKind::PassRoleToCompute,
            vec![pass_role, compute, PendingStep::Note(effect)],
        );
        pass_role_path.service = Some(service);
        paths.push(pass_role_path);
    }

    let other_users = |resources: &ResourceBlock| reaches_other_than(resources, principal_arn);
    for (action, kind_of_path) in [
        ("iam:CreateAccessKey", EscalationKind::CreateAccessKey),
        ("iam:CreateLoginProfile", EscalationKind::CreateLoginProfile),
        ("iam:UpdateLoginProfile", EscalationKind::UpdateLoginProfile),
    ] {
        if let Some(step) = find_resource_grant(effective, action, other_users) {
            paths.push(FoundPath::new(
                kind_of_path,
                vec![step, PendingStep::Note("then act as another user")],
            ));
        }
    }

    let own = |resources: &ResourceBlock| reaches(resources, principal_arn);
    let own_group = |resources: &ResourceBlock| {
        resources.covers_all() || group_arns.iter().any(|group| reaches(resources, group))
    };
    let (put_own, attach_own) = match kind {
        "user" => ("iam:PutUserPolicy", "iam:AttachUserPolicy"),
        "role" => ("iam:PutRolePolicy", "iam:AttachRolePolicy"),
        _ => ("", ""),
    };
    for (own_action, group_action, kind_of_path) in [
        (put_own, "iam:PutGroupPolicy", EscalationKind::PutOwnPolicy),
        (
            attach_own,
            "iam:AttachGroupPolicy",
            EscalationKind::AttachOwnPolicy,
        ),
    ] {
        let step = (!own_action.is_empty())
            .then(|| find_resource_grant(effective, own_action, own))
            .flatten()
            .or_else(|| {
                (kind == "user")
                    .then(|| find_resource_grant(effective, group_action, own_group))
                    .flatten()
            });
        if let Some(step) = step {
            paths.push(FoundPath::new(
                kind_of_path,
                vec![step, PendingStep::Note("then grant itself any permission")],
            ));
        }
    }

    if kind == "user"
        && let Some(step) = find_resource_grant(effective, "iam:AddUserToGroup", may_name_group)
    {
        paths.push(FoundPath::new(
            EscalationKind::AddUserToGroup,
            vec![
                step,
                PendingStep::Note("then join a group whose policies grant more"),
            ],
        ));
    }

    let single_steps: [(&str, EscalationKind, &str, ResourceFilter); 3] = [
        (
            "iam:UpdateAssumeRolePolicy",
            EscalationKind::UpdateAssumeRolePolicy,
            "then make the role trust this identity and assume it",
            |_| true,
        ),
        (
            "iam:CreatePolicyVersion",
            EscalationKind::CreatePolicyVersion,
            "then write a default version that allows everything",
            may_name_customer_policy,
        ),
        (
            "iam:SetDefaultPolicyVersion",
            EscalationKind::SetDefaultPolicyVersion,
            "then make a wider version of the policy the default",
            may_name_customer_policy,
        ),
    ];
    for (action, kind_of_path, effect, accepts) in single_steps {
        if let Some(step) = find_resource_grant(effective, action, accepts) {
            paths.push(FoundPath::new(
                kind_of_path,
                vec![step, PendingStep::Note(effect)],
            ));
        }
    }

    paths
}

/// Returns whether effective access may let the identity pass the role `role_arn` to
/// `service`: some `iam:PassRole` grant lets the role through its resources, its Denies and
/// limits, and its `iam:PassedToService` conditions.
pub fn may_pass_role(effective: &EffectiveAccess<'_>, role_arn: &str, service: &str) -> bool {
    PassRoleGrants::new(effective, service).may_pass(role_arn)
}

/// The `iam:PassRole` grants of one identity whose `iam:PassedToService` conditions let roles
/// go to one service, gathered once to ask about many roles.
pub struct PassRoleGrants<'e, 'a> {
    grants: Vec<&'e EffectiveGrant<'a>>,
    action: ActionName<'static>,
    service: &'e str,
}

impl<'e, 'a> PassRoleGrants<'e, 'a> {
    /// Gathers the grants of `effective` that may pass roles to `service`.
    pub fn new(effective: &'e EffectiveAccess<'a>, service: &'e str) -> PassRoleGrants<'e, 'a> {
        let action = ActionName::new("iam:PassRole");
        let grants = effective
            .grants
            .iter()
            .filter(|grant| grant.actions.contains_action(action) && passes_to(grant, service))
            .collect();
        PassRoleGrants {
            grants,
            action,
            service,
        }
    }

    /// Returns the literal beginnings of the grants' `Resource` patterns: every role that
    /// [`Self::may_pass`] accepts has an ARN that starts with one of them. Returns `None`
    /// when that bounds nothing: a grant has `NotResource`, or a pattern starts with a
    /// wildcard or a policy variable.
    pub fn role_prefixes(&self) -> Option<Vec<&'a str>> {
        let mut prefixes = Vec::new();
        for grant in &self.grants {
            let ResourceBlock::Resource(patterns) = grant.resources else {
                return None;
            };
            for pattern in patterns {
                let text = pattern.as_str();
                let literal = text.find(['*', '?', '$']).unwrap_or(text.len());
                if literal == 0 {
                    return None;
                }
                prefixes.push(&text[..literal]);
            }
        }
        Some(prefixes)
    }

    /// Returns whether some grant lets the role `role_arn` through its resources, its Denies
    /// and limits, as [`may_pass_role`] does.
    pub fn may_pass(&self, role_arn: &str) -> bool {
        self.passing(role_arn).next().is_some()
    }

    /// Returns the grants that let the role `role_arn` through their resources, Denies and
    /// limits.
    pub fn passing<'s>(
        &'s self,
        role_arn: &'s str,
    ) -> impl Iterator<Item = &'e EffectiveGrant<'a>> + 's {
        self.grants.iter().copied().filter(move |grant| {
            grant.may_reach_action(self.action, role_arn)
                && restrictions_pass_to(grant, self.action, role_arn, self.service)
        })
    }
}

/// Describes the `iam:PassRole` step that passes the role `role_arn` to `service`, like the
/// steps of [`escalation_paths_described`], through the grant with no condition or
/// restriction when there is one. Returns the text and the conditions of the step, or `None`
/// when no grant passes the role.
pub fn pass_role_step(
    effective: &EffectiveAccess<'_>,
    describe: &dyn Fn(&StatementRef<'_>) -> String,
    role_arn: &str,
    service: &str,
) -> Option<(String, Vec<String>)> {
    let candidates: Vec<&EffectiveGrant<'_>> = PassRoleGrants::new(effective, service)
        .passing(role_arn)
        .collect();
    let grant = candidates
        .iter()
        .find(|grant| grant.grants_unconditionally("iam:PassRole"))
        .or_else(|| candidates.first())?;
    let step = grant_step(grant, "iam:PassRole", describe);
    Some((step.text, step.conditions))
}

/// Returns whether effective access may let the principal `principal_arn` perform an action
/// on the IAM resource `target_arn`, such as `iam:CreateAccessKey` on another user. A grant
/// must let the target through its Denies and limits, and `${aws:username}` in its resources
/// stands for the principal's own name.
pub fn may_act_on(
    effective: &EffectiveAccess<'_>,
    action: &str,
    principal_arn: &str,
    target_arn: &str,
) -> bool {
    let source = UserName(user_name(principal_arn));
    let names_target = |resources: &ResourceBlock| match resources {
        ResourceBlock::Resource(patterns) => patterns.iter().any(|pattern| {
            let mut tokens = Vec::new();
            match pattern.template().push_tokens(&source, true, &mut tokens) {
                Resolution::Complete => wildcard::matches(&tokens, target_arn, Case::Sensitive),
                Resolution::Missing => pattern
                    .template()
                    .variables()
                    .any(|key| key != "aws:username"),
            }
        }),
        ResourceBlock::NotResource(_) => true,
    };
    effective
        .grants_for(action)
        .any(|grant| grant.may_reach(action, target_arn) && names_target(grant.resources))
}

/// An edge of the trust graph: `from` can assume the role `to`. Either end may also be a
/// node for a group of principals, such as the principals of an account that may assume
/// every role trusting the account. `step` then describes the edge in the evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct TrustEdge {
    /// The principal ARN that can assume the role.
    pub from: String,
    /// The role ARN.
    pub to: String,
    /// Conditions of the trust, as sentences; empty when unconditional.
    pub conditions: Vec<String>,
    /// The reason `from` may make the call, such as the policy statement that allows it, for
    /// the evidence; `None` when not given.
    pub via: Option<String>,
    /// The text of this step in the evidence, in place of "`from` assumes `to`".
    pub step: Option<String>,
}

/// Lists the roles reachable from `start` through chains of `sts:AssumeRole`, one path per
/// role with the fewest hops, at most `max_hops` long, in the order of the role ARNs. The
/// caller supplies the edges: which principal each trust policy lets in, and whether its
/// identity policies allow the call.
pub fn assume_role_paths(start: &str, edges: &[TrustEdge], max_hops: usize) -> Vec<EscalationPath> {
    let graph = TrustGraph::new(edges.to_vec());
    let mut paths = graph.paths_from(start, max_hops, usize::MAX, |_| true);
    paths.sort_by(|a, b| a.target.cmp(&b.target));
    paths
}

/// The trust edges of an estate, indexed by the principal that assumes, so that searches
/// from many principals each cost only the part of the graph they reach.
#[derive(Debug, Clone, Default)]
pub struct TrustGraph {
    edges: Vec<TrustEdge>,
    /// The number of each principal ARN that appears in an edge.
    nodes: HashMap<String, u32>,
    /// The number of the role each edge leads to, by edge.
    targets: Vec<u32>,
    /// The indexes of the edges that leave each node, by node number.
    outgoing: Vec<Vec<usize>>,
}

impl TrustGraph {
    pub fn new(edges: Vec<TrustEdge>) -> TrustGraph {
        let mut nodes: HashMap<String, u32> = HashMap::new();
        let number = |arn: &str, nodes: &mut HashMap<String, u32>| -> u32 {
            let next = u32::try_from(nodes.len()).unwrap_or(u32::MAX);
            *nodes.entry(arn.to_owned()).or_insert(next)
        };
        let mut outgoing: Vec<Vec<usize>> = Vec::new();
        let mut targets = Vec::with_capacity(edges.len());
        for (index, edge) in edges.iter().enumerate() {
            let from = number(&edge.from, &mut nodes) as usize;
            let to = number(&edge.to, &mut nodes);
            targets.push(to);
            if outgoing.len() <= from.max(to as usize) {
                outgoing.resize(from.max(to as usize) + 1, Vec::new());
            }
            outgoing[from].push(index);
        }
        TrustGraph {
            edges,
            nodes,
            targets,
            outgoing,
        }
    }

    /// Returns the edges of the graph.
    pub fn edges(&self) -> &[TrustEdge] {
        &self.edges
    }

    /// Lists paths from `start` to the roles that `is_target` accepts, one per role with the
    /// fewest hops, at most `max_hops` long. The search is breadth-first, so roles with fewer
    /// hops come first, and it stops once `limit` roles are found.
    pub fn paths_from(
        &self,
        start: &str,
        max_hops: usize,
        limit: usize,
        is_target: impl Fn(&str) -> bool,
    ) -> Vec<EscalationPath> {
        let Some(&start_node) = self.nodes.get(start) else {
            return Vec::new();
        };
        let mut parent: HashMap<u32, usize> = HashMap::new();
        let mut found: Vec<u32> = Vec::new();
        let mut queue: VecDeque<(u32, usize)> = VecDeque::from([(start_node, 0)]);

        'search: while let Some((current, hops)) = queue.pop_front() {
            if hops >= max_hops {
                continue;
            }
            for &index in &self.outgoing[current as usize] {
                let target = self.targets[index];
                if target == start_node || parent.contains_key(&target) {
                    continue;
                }
                parent.insert(target, index);
                if is_target(&self.edges[index].to) {
                    found.push(target);
                    if found.len() >= limit {
                        break 'search;
                    }
                }
                queue.push_back((target, hops + 1));
            }
        }

        found
            .into_iter()
            .map(|target| self.path_to(target, &parent))
            .collect()
    }

    /// Rebuilds the chain that reached `target` from the edge that first reached each role.
    fn path_to(&self, target: u32, parent: &HashMap<u32, usize>) -> EscalationPath {
        let mut chain: Vec<&TrustEdge> = Vec::new();
        let mut current = target;
        while let Some(&index) = parent.get(&current) {
            let edge = &self.edges[index];
            chain.push(edge);
            current = self
                .nodes
                .get(edge.from.as_str())
                .copied()
                .unwrap_or(u32::MAX);
        }
        chain.reverse();

        EscalationPath {
            kind: EscalationKind::AssumeRoleChain,
            steps: chain
                .iter()
                .map(|edge| match (&edge.step, &edge.via) {
                    (Some(step), _) => step.clone(),
                    (None, Some(via)) => format!("`{}` assumes `{}` ({via})", edge.from, edge.to),
                    (None, None) => format!("`{}` assumes `{}`", edge.from, edge.to),
                })
                .collect(),
            conditions: chain
                .iter()
                .flat_map(|edge| edge.conditions.iter().cloned())
                .collect(),
            step_conditions: chain.iter().map(|edge| edge.conditions.clone()).collect(),
            target: chain.last().map(|edge| edge.to.clone()),
            service: None,
        }
    }
}

/// One step of a path with what it depends on.
#[derive(Debug, Clone)]
struct Step {
    text: String,
    conditions: Vec<String>,
}

impl Step {
    fn note(text: &str) -> Step {
        Step {
            text: text.to_owned(),
            conditions: Vec::new(),
        }
    }
}

fn path(kind: EscalationKind, steps: Vec<Step>) -> EscalationPath {
    let mut conditions = Vec::new();
    for step in &steps {
        for condition in &step.conditions {
            if !conditions.contains(condition) {
                conditions.push(condition.clone());
            }
        }
    }
    let step_conditions = steps.iter().map(|step| step.conditions.clone()).collect();
    EscalationPath {
        kind,
        steps: steps.into_iter().map(|step| step.text).collect(),
        conditions,
        step_conditions,
        target: None,
        service: None,
    }
}

/// Finds the grant of an action on resources that satisfy `accepts`, preferring one with no
/// condition or restriction.
fn find_resource_grant<'e, 'a>(
    effective: &'e EffectiveAccess<'a>,
    action: &'static str,
    accepts: impl Fn(&ResourceBlock) -> bool,
) -> Option<PendingStep<'e, 'a>> {
    find_grant(effective, action, |grant| accepts(grant.resources))
}

/// Finds a grant of an action that satisfies `accepts`, preferring one with no condition or
/// restriction.
fn find_grant<'e, 'a>(
    effective: &'e EffectiveAccess<'a>,
    action: &'static str,
    accepts: impl Fn(&EffectiveGrant<'_>) -> bool,
) -> Option<PendingStep<'e, 'a>> {
    let candidates: Vec<&'e EffectiveGrant<'a>> = effective
        .grants_for(action)
        .filter(|grant| accepts(grant))
        .collect();
    let grant = candidates
        .iter()
        .find(|grant| grant.grants_unconditionally(action))
        .or_else(|| candidates.first())?;

    Some(PendingStep::Grant(grant, action))
}

fn grant_step(
    grant: &EffectiveGrant<'_>,
    action: &str,
    describe: &dyn Fn(&StatementRef<'_>) -> String,
) -> Step {
    let name = super::catalogue::catalogue()
        .action(action)
        .map_or_else(|| action.to_owned(), ToString::to_string);
    Step {
        text: format!(
            "`{name}` on {} ({})",
            describe_resources(grant.resources),
            describe(&grant.source)
        ),
        conditions: grant.qualifications(action),
    }
}

fn describe_resources(resources: &ResourceBlock) -> String {
    let (patterns, negated) = match resources {
        ResourceBlock::Resource(patterns) => (patterns, false),
        ResourceBlock::NotResource(patterns) => (patterns, true),
    };
    let list: Vec<String> = patterns
        .iter()
        .map(|pattern| format!("`{pattern}`"))
        .collect();
    if negated {
        format!("every resource except {}", list.join(", "))
    } else {
        list.join(", ")
    }
}

/// Returns whether the `iam:PassedToService` conditions of a grant, if any, let a role be
/// passed to `service`.
fn passes_to(grant: &EffectiveGrant<'_>, service: &str) -> bool {
    service_conditions_hold(grant.conditions, service)
}

/// Returns whether the `iam:PassedToService` conditions among `conditions`, if any, hold when
/// a role is passed to `service`. The key always carries exactly one value, so `ForAnyValue:`
/// and `ForAllValues:` read like the plain operator. Operators other than the string ones
/// leave the question open, so they count as holding.
fn service_conditions_hold(conditions: &[Condition], service: &str) -> bool {
    conditions
        .iter()
        .filter(|condition| is_service_condition(condition))
        .all(|condition| {
            let matches = |value: &str| match condition.operator.kind {
                OperatorKind::StringEquals | OperatorKind::StringNotEquals => value == service,
                OperatorKind::StringEqualsIgnoreCase | OperatorKind::StringNotEqualsIgnoreCase => {
                    value.eq_ignore_ascii_case(service)
                }
                OperatorKind::StringLike | OperatorKind::StringNotLike => {
                    wildcard::wildcard_match(value, service, Case::Sensitive)
                }
                _ => true,
            };
            let any = condition.values().any(matches);
            match condition.operator.kind {
                OperatorKind::StringEquals
                | OperatorKind::StringEqualsIgnoreCase
                | OperatorKind::StringLike => any,
                OperatorKind::StringNotEquals
                | OperatorKind::StringNotEqualsIgnoreCase
                | OperatorKind::StringNotLike => !any,
                _ => true,
            }
        })
}

/// Returns whether a condition is a string test on `iam:PassedToService`, which
/// [`service_conditions_hold`] decides for certain.
fn is_service_condition(condition: &Condition) -> bool {
    condition.key().eq_ignore_ascii_case("iam:PassedToService")
        && matches!(
            condition.operator.kind,
            OperatorKind::StringEquals
                | OperatorKind::StringNotEquals
                | OperatorKind::StringEqualsIgnoreCase
                | OperatorKind::StringNotEqualsIgnoreCase
                | OperatorKind::StringLike
                | OperatorKind::StringNotLike
        )
}

/// Returns whether the Denies and limiting layers on a grant let the role be passed to
/// `service`. Each layer must allow `iam:PassRole` through a statement whose
/// `iam:PassedToService` conditions hold. A Deny that tests the service alone must not apply.
fn restrictions_pass_to(
    grant: &EffectiveGrant<'_>,
    pass_role: ActionName<'_>,
    role_arn: &str,
    service: &str,
) -> bool {
    grant
        .restrictions_for_action(pass_role)
        .all(|restriction| match restriction {
            Restriction::Limited { statements, .. } => statements.iter().any(|allow| {
                allow.statement.action_set().contains_action(pass_role)
                    && service_conditions_hold(&allow.statement.conditions, service)
            }),
            Restriction::ConditionalDeny { statement, .. } => {
                let conditions = &statement.statement.conditions;
                let decided = conditions.iter().all(is_service_condition);
                !(decided
                    && service_conditions_hold(conditions, service)
                    && surely_includes(statement.statement.resources.as_ref(), role_arn))
            }
            Restriction::PartialDeny { .. } => true,
        })
}

/// Returns whether the resources include the ARN; a pattern with a policy variable counts
/// when some value of the variable makes it match.
fn reaches(resources: &ResourceBlock, arn: &str) -> bool {
    match resources {
        ResourceBlock::Resource(patterns) => patterns.iter().any(|pattern| pattern.may_match(arn)),
        ResourceBlock::NotResource(patterns) => !patterns
            .iter()
            .any(|pattern| pattern.compiled().is_some() && pattern.may_match(arn)),
    }
}

/// Returns whether the resources include something other than the ARN itself. In a pattern,
/// `${aws:username}` stands for the user's name. A role has no user name, so a pattern with it
/// names nothing for a role. Other policy variables may take any value.
fn reaches_other_than(resources: &ResourceBlock, arn: &str) -> bool {
    let ResourceBlock::Resource(patterns) = resources else {
        return true;
    };
    let source = UserName(user_name(arn));

    patterns.iter().any(|pattern| {
        let mut tokens = Vec::new();
        if pattern.template().push_tokens(&source, true, &mut tokens) == Resolution::Missing {
            return pattern
                .template()
                .variables()
                .any(|key| key != "aws:username");
        }
        !names_only(&tokens, arn)
    })
}

/// Returns whether a pattern names the IAM identity `arn` and nothing else. IAM names are
/// unique within an account whatever the path, so a pattern without the path names it too.
fn names_only(tokens: &[Token], arn: &str) -> bool {
    let mut literal = String::with_capacity(tokens.len());
    for token in tokens {
        let Token::Char(character) = token else {
            return false;
        };
        literal.push(*character);
    }
    if literal == arn {
        return true;
    }
    match (Arn::parse(&literal), Arn::parse(arn)) {
        (Some(named), Some(own)) => {
            named.partition == own.partition
                && named.service == own.service
                && named.account == own.account
                && named.resource_type() == own.resource_type()
                && named.resource_name() == own.resource_name()
        }
        _ => false,
    }
}

/// Returns the name of the IAM user `arn`, or `None` for a role or other principal.
fn user_name(arn: &str) -> Option<&str> {
    Arn::parse(arn)
        .filter(|parsed| parsed.resource_type() == "user")
        .map(|parsed| parsed.resource_name())
}

/// Supplies `aws:username` alone, as a policy variable source.
struct UserName<'a>(Option<&'a str>);

impl VariableSource for UserName<'_> {
    fn variable(&self, key_lower: &str) -> Option<Cow<'_, str>> {
        (key_lower == "aws:username")
            .then_some(self.0)
            .flatten()
            .map(Cow::Borrowed)
    }
}

/// A test on the resources of a grant, such as "names a customer-managed policy".
type ResourceFilter = fn(&ResourceBlock) -> bool;

/// Returns whether the resources may name a policy that a customer can change: a policy ARN
/// outside the `aws` account. New versions of AWS-provided policies cannot be written.
fn may_name_customer_policy(resources: &ResourceBlock) -> bool {
    may_name_iam(resources, "policy", true)
}

/// Returns whether the resources may name an IAM group.
fn may_name_group(resources: &ResourceBlock) -> bool {
    may_name_iam(resources, "group", false)
}

/// Returns whether the resources may name an IAM resource of a type (`policy`, `group`). With
/// `customer_only`, the resource must lie outside the `aws` account. Patterns with policy
/// variables may name anything.
fn may_name_iam(resources: &ResourceBlock, resource_type: &str, customer_only: bool) -> bool {
    let may_name = |pattern: &ResourcePattern| {
        pattern.compiled().is_none() || pattern_may_name(pattern, resource_type, customer_only)
    };
    match resources {
        ResourceBlock::Resource(patterns) => patterns.iter().any(may_name),
        ResourceBlock::NotResource(patterns) => {
            let every = wildcard::compile(&format!("arn:*:iam::*:{resource_type}/*"));
            !patterns.iter().any(|pattern| {
                pattern
                    .compiled()
                    .is_some_and(|tokens| wildcard::covers(tokens, &every, Case::Sensitive))
            })
        }
    }
}

/// Compares an ARN pattern field by field with `arn:<any>:iam::<account>:<type>/...`. A
/// pattern with fewer than six fields ends in a `*` that spans colons, or names no ARN.
fn pattern_may_name(pattern: &ResourcePattern, resource_type: &str, customer_only: bool) -> bool {
    let text = pattern.as_str();
    let type_pattern = format!("{resource_type}/*");
    let fields: Vec<&str> = text.splitn(6, ':').collect();
    let [prefix, _, service, _, account, resource] = fields[..] else {
        let every = wildcard::compile(&format!("arn:*:iam::*:{type_pattern}"));
        return wildcard::may_overlap(&wildcard::compile(text), &every, Case::Sensitive);
    };
    if customer_only && account == "aws" {
        return false;
    }
    wildcard::wildcard_match(prefix, "arn", Case::Sensitive)
        && wildcard::wildcard_match(service, "iam", Case::Insensitive)
        && wildcard::may_overlap(
            &wildcard::compile(resource),
            &wildcard::compile(&type_pattern),
            Case::Sensitive,
        )
}
