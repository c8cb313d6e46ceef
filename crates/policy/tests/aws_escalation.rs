//! Privilege-escalation paths read from effective access, and role chains.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_policy::aws::{
    BoundaryState, EscalationKind, EscalationPath, Grammar, NamedPolicy, PolicyDocument, PolicySet,
    TrustEdge, assume_role_paths, effective_access, escalation_paths, escalation_paths_kept,
    may_act_on, may_open_escalation_path, may_pass_role,
};
use serde_json::{Value, json};

const USER: &str = "arn:aws:iam::111122223333:user/ci";
const ROLE: &str = "arn:aws:iam::111122223333:role/builder";

fn identity(statements: Value) -> NamedPolicy {
    let document = json!({"Version": "2012-10-17", "Statement": statements});
    NamedPolicy::new(
        "grants",
        PolicyDocument::from_value(&document, Grammar::Identity).unwrap(),
    )
}

fn paths_of(statements: Value, principal: &str) -> Vec<EscalationPath> {
    let policy = identity(statements);
    let mut set = PolicySet::new(vec![&policy]);
    set.boundary = BoundaryState::None;
    escalation_paths(&effective_access(&set), principal)
}

fn kinds(paths: &[EscalationPath]) -> Vec<EscalationKind> {
    paths.iter().map(|path| path.kind).collect()
}

#[test]
fn pass_role_with_lambda() {
    let paths = paths_of(
        json!([{"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction"], "Resource": "*"}]),
        USER,
    );

    assert_eq!(paths.len(), 1);
    assert_eq!(paths[0].kind, EscalationKind::PassRoleToCompute);
    assert_eq!(
        paths[0].steps,
        vec![
            "`iam:PassRole` on `*` (identity policy `grants` statement 0)",
            "`lambda:CreateFunction` on `*` (identity policy `grants` statement 0)",
            "a new Lambda function runs as the passed role",
        ]
    );
    assert!(paths[0].conditions.is_empty());
    assert_eq!(paths[0].service.as_deref(), Some("lambda.amazonaws.com"));
}

#[test]
fn keep_filter_drops_paths() {
    let policy = identity(json!([{"Effect": "Allow", "Action": [
        "iam:PassRole", "lambda:CreateFunction", "glue:CreateDevEndpoint",
        "iam:CreateAccessKey", "iam:UpdateAssumeRolePolicy"
    ], "Resource": "*"}]));
    let mut set = PolicySet::new(vec![&policy]);
    set.boundary = BoundaryState::None;
    let effective = effective_access(&set);
    let every = escalation_paths(&effective, USER);
    let mut offered: Vec<(EscalationKind, Option<String>)> = Vec::new();

    let described = escalation_paths_kept(
        &effective,
        USER,
        &[],
        &|source| source.to_string(),
        &mut |kind, service| {
            offered.push((kind, service.map(str::to_owned)));
            kind != EscalationKind::CreateAccessKey && service != Some("glue.amazonaws.com")
        },
    );

    let mut every_offer: Vec<(EscalationKind, Option<String>)> = every
        .iter()
        .map(|path| (path.kind, path.service.clone()))
        .collect();
    every_offer.sort();
    offered.sort();
    assert_eq!(offered, every_offer);
    let expected: Vec<EscalationPath> = every
        .into_iter()
        .filter(|path| {
            path.kind != EscalationKind::CreateAccessKey
                && path.service.as_deref() != Some("glue.amazonaws.com")
        })
        .collect();
    assert_eq!(offered.len(), 4);
    assert_eq!(described.len(), 2);
    assert_eq!(described, expected);
}

#[test]
fn passed_to_service_limits_compute() {
    let paths = paths_of(
        json!([
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
             "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
            {"Effect": "Allow", "Action": ["lambda:CreateFunction", "ecs:RunTask"], "Resource": "*"}
        ]),
        USER,
    );

    assert_eq!(paths.len(), 1, "{paths:?}");
    assert_eq!(paths[0].service.as_deref(), Some("ecs-tasks.amazonaws.com"));
    assert!(paths[0].steps[1].starts_with("`ecs:RunTask`"));
    assert_eq!(
        paths[0].conditions,
        ["if StringEquals iam:PassedToService `ecs-tasks.amazonaws.com`"]
    );
}

#[test]
fn pass_role_alone_is_no_path() {
    let paths = paths_of(
        json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]),
        USER,
    );

    assert!(paths.is_empty());
}

#[test]
fn every_compute_service_pairs_with_pass_role() {
    let paths = paths_of(
        json!([{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances", "ecs:RunTask", "glue:CreateDevEndpoint", "cloudformation:CreateStack"], "Resource": "*"}]),
        ROLE,
    );

    let compute: Vec<&str> = paths
        .iter()
        .filter(|path| path.kind == EscalationKind::PassRoleToCompute)
        .map(|path| path.steps[1].as_str())
        .collect();
    assert_eq!(compute.len(), 4);
    assert!(
        compute
            .iter()
            .any(|step| step.starts_with("`ec2:RunInstances`"))
    );
    assert!(compute.iter().any(|step| step.starts_with("`ecs:RunTask`")));
    assert!(
        compute
            .iter()
            .any(|step| step.starts_with("`glue:CreateDevEndpoint`"))
    );
    assert!(
        compute
            .iter()
            .any(|step| step.starts_with("`cloudformation:CreateStack`"))
    );
}

#[test]
fn credentials_for_other_users() {
    let everyone = paths_of(
        json!([{"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"], "Resource": "arn:aws:iam::111122223333:user/*"}]),
        USER,
    );
    let self_only = paths_of(
        json!([{"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:UpdateLoginProfile"], "Resource": USER}]),
        USER,
    );
    let own_by_variable = paths_of(
        json!([{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::111122223333:user/${aws:username}"}]),
        USER,
    );

    assert_eq!(
        kinds(&everyone),
        vec![
            EscalationKind::CreateAccessKey,
            EscalationKind::CreateLoginProfile,
            EscalationKind::UpdateLoginProfile
        ]
    );
    assert!(self_only.is_empty());
    assert!(own_by_variable.is_empty());
}

#[test]
fn policies_on_itself() {
    let user_self = paths_of(
        json!([{"Effect": "Allow", "Action": ["iam:PutUserPolicy", "iam:AttachUserPolicy"], "Resource": USER}]),
        USER,
    );
    let role_any = paths_of(
        json!([{"Effect": "Allow", "Action": "iam:Put*Policy", "Resource": "*"}]),
        ROLE,
    );
    let other_user = paths_of(
        json!([{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "arn:aws:iam::111122223333:user/other"}]),
        USER,
    );

    assert_eq!(
        kinds(&user_self),
        vec![
            EscalationKind::PutOwnPolicy,
            EscalationKind::AttachOwnPolicy
        ]
    );
    assert_eq!(kinds(&role_any), vec![EscalationKind::PutOwnPolicy]);
    assert!(role_any[0].steps[0].starts_with("`iam:PutRolePolicy` on `*`"));
    assert!(other_user.is_empty());
}

#[test]
fn trust_and_policy_version_rewrites() {
    let paths = paths_of(
        json!([{"Effect": "Allow", "Action": ["iam:UpdateAssumeRolePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"], "Resource": "*"}]),
        ROLE,
    );

    assert_eq!(
        kinds(&paths),
        vec![
            EscalationKind::UpdateAssumeRolePolicy,
            EscalationKind::CreatePolicyVersion,
            EscalationKind::SetDefaultPolicyVersion
        ]
    );
}

#[test]
fn policy_version_needs_customer_policy() {
    let aws_provided = paths_of(
        json!([{"Effect": "Allow", "Action": ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"], "Resource": "arn:aws:iam::aws:policy/fp4-*"}]),
        ROLE,
    );
    let any_account = paths_of(
        json!([{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "arn:aws:iam::*:policy/fn2-*"}]),
        ROLE,
    );
    let roles_only = paths_of(
        json!([{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "arn:aws:iam::111122223333:role/*"}]),
        ROLE,
    );

    assert!(aws_provided.is_empty(), "{aws_provided:?}");
    assert_eq!(
        kinds(&any_account),
        vec![EscalationKind::CreatePolicyVersion]
    );
    assert!(roles_only.is_empty(), "{roles_only:?}");
}

#[test]
fn user_joins_group() {
    let statements = json!([{"Effect": "Allow", "Action": "iam:AddUserToGroup", "Resource": "*"}]);

    let user = paths_of(statements.clone(), USER);
    let role = paths_of(statements, ROLE);
    let no_group = paths_of(
        json!([{"Effect": "Allow", "Action": "iam:AddUserToGroup", "Resource": "arn:aws:iam::111122223333:user/*"}]),
        USER,
    );

    assert_eq!(kinds(&user), vec![EscalationKind::AddUserToGroup]);
    assert_eq!(
        user[0].steps[1],
        "then join a group whose policies grant more"
    );
    assert!(role.is_empty(), "a role cannot join a group: {role:?}");
    assert!(no_group.is_empty(), "{no_group:?}");
}

#[test]
fn conditional_deny_qualifies_path() {
    let paths = paths_of(
        json!([
            {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:*", "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
        ]),
        ROLE,
    );

    assert_eq!(paths.len(), 1);
    assert_eq!(
        paths[0].conditions,
        vec![
            "unless BoolIfExists aws:MultiFactorAuthPresent `false` (identity policy `grants` statement 1)"
        ]
    );
}

#[test]
fn role_chains_are_walked() {
    let edge = |from: &str, to: &str| TrustEdge {
        from: from.to_owned(),
        to: to.to_owned(),
        conditions: Vec::new(),
        via: None,
        step: None,
    };
    let a = "arn:aws:iam::111122223333:role/a";
    let b = "arn:aws:iam::111122223333:role/b";
    let c = "arn:aws:iam::444455556666:role/c";
    let edges = vec![
        edge(USER, a),
        edge(a, b),
        edge(b, c),
        edge(c, a),
        TrustEdge {
            from: USER.to_owned(),
            to: b.to_owned(),
            conditions: vec!["StringEquals sts:ExternalId `x`".to_owned()],
            via: Some("allowed by policy `assume` statement 0".to_owned()),
            step: None,
        },
    ];

    let paths = assume_role_paths(USER, &edges, 5);
    let steps: Vec<Vec<String>> = paths.iter().map(|path| path.steps.clone()).collect();
    assert_eq!(
        steps,
        vec![
            vec![format!("`{USER}` assumes `{a}`")],
            vec![format!(
                "`{USER}` assumes `{b}` (allowed by policy `assume` statement 0)"
            )],
            vec![
                format!("`{USER}` assumes `{b}` (allowed by policy `assume` statement 0)"),
                format!("`{b}` assumes `{c}`")
            ],
        ]
    );
    assert_eq!(paths[1].conditions, vec!["StringEquals sts:ExternalId `x`"]);
    let targets: Vec<Option<&str>> = paths.iter().map(|path| path.target.as_deref()).collect();
    assert_eq!(targets, vec![Some(a), Some(b), Some(c)]);
    assert!(
        paths
            .iter()
            .all(|path| path.kind == EscalationKind::AssumeRoleChain)
    );

    let one_hop = assume_role_paths(USER, &edges, 1);
    assert_eq!(one_hop.len(), 2);
}

#[test]
fn pass_role_reach_follows_denies_and_boundary() {
    let admin = "arn:aws:iam::111122223333:role/admin";
    let worker = "arn:aws:iam::111122223333:role/fn-worker";
    let policy = identity(json!([
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:PassRole", "Resource": admin}
    ]));
    let mut set = PolicySet::new(vec![&policy]);
    set.boundary = BoundaryState::None;
    let denied = effective_access(&set);

    let wide = identity(json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]));
    let boundary = identity(json!([
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/fn-*"}
    ]));
    let mut bounded_set = PolicySet::new(vec![&wide]);
    bounded_set.boundary = BoundaryState::Policy(&boundary);
    let bounded = effective_access(&bounded_set);

    assert!(!may_pass_role(&denied, admin, "lambda.amazonaws.com"));
    assert!(may_pass_role(&denied, worker, "lambda.amazonaws.com"));
    assert!(!may_pass_role(&bounded, admin, "lambda.amazonaws.com"));
    assert!(may_pass_role(&bounded, worker, "lambda.amazonaws.com"));
}

#[test]
fn username_variable_names_the_caller_only() {
    let policy = identity(json!([{"Effect": "Allow", "Action": "iam:CreateAccessKey",
        "Resource": "arn:aws:iam::111122223333:user/${aws:username}"}]));
    let mut set = PolicySet::new(vec![&policy]);
    set.boundary = BoundaryState::None;
    let effective = effective_access(&set);
    let other = "arn:aws:iam::111122223333:user/admin";

    assert!(may_act_on(&effective, "iam:CreateAccessKey", USER, USER));
    assert!(!may_act_on(&effective, "iam:CreateAccessKey", USER, other));
    assert!(!may_act_on(&effective, "iam:CreateAccessKey", ROLE, other));
}

/// Returns the actions that the statements allow, as effective access computes them.
fn actions_of(statements: Value) -> roster_policy::aws::ActionSet {
    let policy = identity(statements);
    let mut set = PolicySet::new(vec![&policy]);
    set.boundary = BoundaryState::None;
    effective_access(&set).actions()
}

#[test]
fn every_path_starts_from_listed_action() {
    // Everything allowed opens every path, so the action each path starts from must be one
    // that `may_open_escalation_path` looks for.
    let everything = json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]);
    let mut checked = 0;
    for principal in [USER, ROLE] {
        for path in paths_of(everything.clone(), principal) {
            let first = path.steps[0].split('`').nth(1).unwrap();
            let mut actions = vec![first];
            if path.kind == EscalationKind::PassRoleToCompute {
                actions.push(path.steps[1].split('`').nth(1).unwrap());
            }

            assert!(
                may_open_escalation_path(&actions_of(
                    json!([{"Effect": "Allow", "Action": actions, "Resource": "*"}])
                )),
                "{:?} starts from {actions:?}, which is not listed",
                path.kind
            );
            checked += 1;
        }
    }

    assert!(checked >= 20, "only {checked} paths checked");
}

#[test]
fn pass_role_alone_opens_no_path() {
    let statements =
        json!([{"Effect": "Allow", "Action": ["iam:PassRole", "iam:Get*"], "Resource": "*"}]);

    assert!(!may_open_escalation_path(&actions_of(statements.clone())));
    assert!(paths_of(statements, USER).is_empty());
}
