//! AWS's evaluation order across identity, resource, boundary, session and organization
//! policies, and the explanation of each decision.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_policy::aws::{
    BoundaryState, Decision, DenyReason, Gate, Grammar, Layer, NamedPolicy, PolicyDocument,
    PolicySet, Request, Requirement, evaluate,
};
use serde_json::{Value, json};

const USER: &str = "arn:aws:iam::111122223333:user/ci";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/deploy/run-7";
const BUCKET: &str = "arn:aws:s3:::reports/q1.csv";

fn named(name: &str, statements: Value, grammar: Grammar) -> NamedPolicy {
    let document = json!({"Version": "2012-10-17", "Statement": statements});
    NamedPolicy::new(
        name,
        PolicyDocument::from_value(&document, grammar).unwrap(),
    )
}

fn allow(name: &str, action: &str) -> NamedPolicy {
    named(
        name,
        json!([{"Effect": "Allow", "Action": action, "Resource": "*"}]),
        Grammar::Identity,
    )
}

fn bucket_policy(principal: Value) -> NamedPolicy {
    named(
        "bucket policy",
        json!([{"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]),
        Grammar::Resource,
    )
}

fn set<'a>(identity: Vec<&'a NamedPolicy>) -> PolicySet<'a> {
    let mut set = PolicySet::new(identity);
    set.boundary = BoundaryState::None;
    set
}

#[test]
fn no_policy_is_implicit_deny() {
    let evaluation = evaluate(
        &set(Vec::new()),
        &Request::new(USER, "s3:GetObject", BUCKET),
    );

    assert_eq!(
        evaluation.decision,
        Decision::Denied {
            reason: DenyReason::ImplicitDeny
        }
    );
    assert_eq!(
        evaluation.decision.to_string(),
        "denied: no policy allows it"
    );
    assert!(evaluation.matched.is_empty());
}

#[test]
fn explicit_deny_anywhere_wins() {
    let grant = allow("s3-read", "s3:*");
    let deny = named(
        "no-reports",
        json!([{"Sid": "NoReports", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]),
        Grammar::Identity,
    );
    let evaluation = evaluate(
        &set(vec![&grant, &deny]),
        &Request::new(USER, "s3:GetObject", BUCKET),
    );

    assert_eq!(
        evaluation.decision.to_string(),
        "denied: explicitly denied by identity policy `no-reports` statement 0 (`NoReports`)"
    );
    let explanation: Vec<String> = evaluation.matched.iter().map(ToString::to_string).collect();
    assert_eq!(
        explanation,
        vec![
            "Allow identity policy `s3-read` statement 0",
            "Deny identity policy `no-reports` statement 0 (`NoReports`)"
        ]
    );
}

#[test]
fn every_scp_level_must_allow() {
    let grant = allow("admin", "*");
    let root = allow("FullAWSAccess", "*");
    let unit = allow("only-s3", "s3:*");
    let mut policies = set(vec![&grant]);
    policies.scps = vec![vec![&root], vec![&unit]];

    assert!(
        evaluate(&policies, &Request::new(USER, "s3:GetObject", BUCKET))
            .decision
            .is_allowed()
    );
    assert_eq!(
        evaluate(&policies, &Request::new(USER, "ec2:RunInstances", "*")).decision,
        Decision::Denied {
            reason: DenyReason::NotAllowedBy {
                gate: Gate::Scp { level: 1 },
                policies: vec!["only-s3"]
            }
        }
    );
}

#[test]
fn scp_allow_never_grants_by_itself() {
    let root = allow("FullAWSAccess", "*");
    let mut policies = set(Vec::new());
    policies.scps = vec![vec![&root]];

    assert_eq!(
        evaluate(&policies, &Request::new(USER, "s3:GetObject", BUCKET)).decision,
        Decision::Denied {
            reason: DenyReason::ImplicitDeny
        }
    );
}

#[test]
fn rcp_must_allow() {
    let grant = allow("admin", "*");
    let rcp = named(
        "rcp-org-only",
        json!([
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-example"}}}
        ]),
        Grammar::Resource,
    );
    let mut policies = set(vec![&grant]);
    policies.rcps = vec![vec![&rcp]];

    let inside =
        Request::new(USER, "s3:GetObject", BUCKET).with_context("aws:PrincipalOrgID", "o-example");
    let outside =
        Request::new(USER, "s3:GetObject", BUCKET).with_context("aws:PrincipalOrgID", "o-other");
    assert!(evaluate(&policies, &inside).decision.is_allowed());
    let Decision::Denied {
        reason: DenyReason::ExplicitDeny(statement),
    } = evaluate(&policies, &outside).decision
    else {
        panic!("expected the RCP's Deny");
    };
    assert_eq!(statement.layer, Layer::Rcp { level: 0 });
}

#[test]
fn boundary_and_session_limit_grants() {
    let grant = allow("admin", "*");
    let boundary = allow("boundary", "s3:*");
    let session = allow("session", "s3:GetObject");
    let mut policies = set(vec![&grant]);
    policies.boundary = BoundaryState::Policy(&boundary);
    policies.session = vec![&session];

    assert!(
        evaluate(&policies, &Request::new(SESSION, "s3:GetObject", BUCKET))
            .decision
            .is_allowed()
    );
    assert_eq!(
        evaluate(&policies, &Request::new(SESSION, "s3:PutObject", BUCKET))
            .decision
            .to_string(),
        "denied: not allowed by the session policies (`session`)"
    );
    assert_eq!(
        evaluate(&policies, &Request::new(SESSION, "iam:CreateUser", "*"))
            .decision
            .to_string(),
        "denied: not allowed by the permission boundary (`boundary`)"
    );
}

#[test]
fn resource_policy_naming_user_grants_alone() {
    let bucket = bucket_policy(json!({"AWS": USER}));
    let unrelated = allow("unrelated", "ec2:Describe*");
    let boundary = allow("boundary", "ec2:*");
    let mut policies = set(vec![&unrelated]);
    policies.resource = Some(&bucket);
    policies.boundary = BoundaryState::Policy(&boundary);

    // The user is named directly, so within the account neither an identity policy nor the
    // boundary is needed.
    assert_eq!(
        evaluate(&policies, &Request::new(USER, "s3:GetObject", BUCKET)).decision,
        Decision::Allowed
    );
}

#[test]
fn resource_policy_naming_role_still_meets_boundary() {
    let bucket = bucket_policy(json!({"AWS": "arn:aws:iam::111122223333:role/deploy"}));
    let boundary = allow("boundary", "ec2:*");
    let mut policies = set(Vec::new());
    policies.resource = Some(&bucket);

    assert!(
        evaluate(&policies, &Request::new(SESSION, "s3:GetObject", BUCKET))
            .decision
            .is_allowed()
    );
    policies.boundary = BoundaryState::Policy(&boundary);
    assert_eq!(
        evaluate(&policies, &Request::new(SESSION, "s3:GetObject", BUCKET))
            .decision
            .to_string(),
        "denied: not allowed by the permission boundary (`boundary`)"
    );
}

#[test]
fn resource_policy_naming_account_delegates() {
    let bucket = bucket_policy(json!({"AWS": "arn:aws:iam::111122223333:root"}));
    let read = allow("s3-read", "s3:GetObject");
    let mut without_identity = set(Vec::new());
    without_identity.resource = Some(&bucket);
    let mut with_identity = set(vec![&read]);
    with_identity.resource = Some(&bucket);

    assert!(
        evaluate(
            &without_identity,
            &Request::new(USER, "s3:GetObject", BUCKET)
        )
        .decision
        .is_denied()
    );
    assert!(
        evaluate(&with_identity, &Request::new(USER, "s3:GetObject", BUCKET))
            .decision
            .is_allowed()
    );
}

#[test]
fn cross_account_needs_both_sides() {
    let bucket = bucket_policy(json!({"AWS": "arn:aws:iam::444455556666:root"}));
    let read = allow("s3-read", "s3:GetObject");
    let outsider = "arn:aws:iam::444455556666:user/partner";
    let mut request = Request::new(outsider, "s3:GetObject", BUCKET);
    request.resource_account = Some("111122223333".to_owned());

    let mut both = set(vec![&read]);
    both.resource = Some(&bucket);
    let mut identity_only = set(vec![&read]);
    identity_only.resource = None;
    let mut resource_only = set(Vec::new());
    resource_only.resource = Some(&bucket);

    assert!(evaluate(&both, &request).decision.is_allowed());
    assert!(evaluate(&identity_only, &request).decision.is_denied());
    assert!(evaluate(&resource_only, &request).decision.is_denied());
}

#[test]
fn not_principal_deny_spares_named_principal() {
    let grant = allow("admin", "*");
    let bucket = named(
        "bucket policy",
        json!([{"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/auditor"}, "Action": "s3:*", "Resource": "*"}]),
        Grammar::Resource,
    );
    let mut policies = set(vec![&grant]);
    policies.resource = Some(&bucket);

    assert!(
        evaluate(
            &policies,
            &Request::new(
                "arn:aws:iam::111122223333:user/auditor",
                "s3:GetObject",
                BUCKET
            )
        )
        .decision
        .is_allowed()
    );
    assert!(
        evaluate(&policies, &Request::new(USER, "s3:GetObject", BUCKET))
            .decision
            .is_denied()
    );
}

#[test]
fn not_resource_excludes_listed_resources() {
    let policy = named(
        "all-but-secrets",
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secrets/*"}]),
        Grammar::Identity,
    );
    let policies = set(vec![&policy]);

    assert!(
        evaluate(&policies, &Request::new(USER, "s3:GetObject", BUCKET))
            .decision
            .is_allowed()
    );
    assert!(
        evaluate(
            &policies,
            &Request::new(USER, "s3:GetObject", "arn:aws:s3:::secrets/key")
        )
        .decision
        .is_denied()
    );
}

#[test]
fn undetermined_allows_are_alternatives() {
    let office = named(
        "office",
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]),
        Grammar::Identity,
    );
    let vpn = named(
        "vpn",
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}]),
        Grammar::Identity,
    );
    let evaluation = evaluate(
        &set(vec![&office, &vpn]),
        &Request::new(USER, "s3:GetObject", BUCKET),
    );

    let Decision::AllowedIf(requirements) = &evaluation.decision else {
        panic!(
            "expected a conditional decision, got {}",
            evaluation.decision
        );
    };
    assert_eq!(requirements.len(), 1);
    let Requirement::AnyOf { gate, alternatives } = &requirements[0] else {
        panic!("expected alternatives");
    };
    assert_eq!(*gate, Gate::Grant);
    assert_eq!(alternatives.len(), 2);
    assert_eq!(
        evaluation.decision.to_string(),
        "allowed if an identity or resource policy must allow: Allow identity policy `office` statement 0 if IpAddress aws:SourceIp `203.0.113.0/24`; or Allow identity policy `vpn` statement 0 if StringEquals aws:SourceVpc `vpc-1`"
    );
}

#[test]
fn unknown_action_is_matched_literally() {
    let policy = allow("future", "brandnew:Launch");
    let evaluation = evaluate(
        &set(vec![&policy]),
        &Request::new(USER, "brandnew:Launch", "*"),
    );

    assert!(evaluation.decision.is_allowed());
    assert_eq!(evaluation.caveats.len(), 1);
    assert_eq!(
        evaluation.caveats[0].to_string(),
        "`brandnew:Launch` is not in the action catalogue; it was matched literally"
    );
}
