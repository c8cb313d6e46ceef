//! The AWS policy grammar and evaluation cases that IAM scanners have got wrong.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_model::PrincipalKind;
use roster_policy::aws::{
    AdminEquivalence, Arn, BoundaryState, Caveat, Decision, DenyReason, Exemption, Grammar, Layer,
    NamedPolicy, PolicyDocument, PolicySet, Request, Restriction, catalogue, effective_access,
    escalation_paths, evaluate, is_admin_equivalent, is_arn, trusted_principals,
};
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const USER: &str = "arn:aws:iam::111122223333:user/ci";

fn named(name: &str, statements: Value, grammar: Grammar) -> NamedPolicy {
    let document = json!({"Version": "2012-10-17", "Statement": statements});
    NamedPolicy::new(
        name,
        PolicyDocument::from_value(&document, grammar).unwrap(),
    )
}

fn identity(name: &str, statements: Value) -> NamedPolicy {
    named(name, statements, Grammar::Identity)
}

fn admin() -> NamedPolicy {
    identity(
        "AdministratorAccess",
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    )
}

fn known_boundary(policies: Vec<&NamedPolicy>) -> PolicySet<'_> {
    let mut set = PolicySet::new(policies);
    set.boundary = BoundaryState::None;
    set
}

// A1. A Deny statement never grants.
#[test]
fn deny_statement_never_grants() {
    let policy = identity(
        "token-age",
        json!([
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}}}
        ]),
    );
    let set = known_boundary(vec![&policy]);
    let effective = effective_access(&set);

    assert_eq!(effective.grants.len(), 1);
    let grant = &effective.grants[0];
    let actions: Vec<String> = grant.actions.actions().map(ToString::to_string).collect();
    assert_eq!(actions, vec!["s3:GetObject"]);
    assert_eq!(grant.actions.outside_catalogue(), (&[][..], false));
    assert!(!grant.is_unconditional());
    assert_eq!(grant.restrictions.len(), 1);
    let Restriction::ConditionalDeny { statement, actions } = &grant.restrictions[0] else {
        panic!(
            "expected a conditional Deny, got {:?}",
            grant.restrictions[0]
        );
    };
    assert_eq!(statement.statement.index, 1);
    assert!(actions.contains("s3:GetObject"));
    assert_eq!(
        grant.qualifications("s3:GetObject"),
        vec![
            "unless DateLessThan aws:TokenIssueTime `2024-01-01T00:00:00Z` (identity policy `token-age` statement 1)"
        ]
    );
    assert_eq!(is_admin_equivalent(&effective), AdminEquivalence::No);
}

// A1. An unconditional Deny removes actions.
#[test]
fn unconditional_deny_removes_actions() {
    let policy = identity(
        "no-delete",
        json!([
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}
        ]),
    );
    let set = known_boundary(vec![&policy]);
    let effective = effective_access(&set);

    assert!(effective.may_perform("s3:GetObject"));
    assert!(!effective.may_perform("s3:DeleteObject"));
    assert!(!effective.may_perform("s3:DeleteBucket"));
    assert!(effective.grants[0].is_unconditional());
}

// A2. One representation of conditions for every rule.
#[test]
fn condition_set_travels_with_grant() {
    let policy = identity(
        "owner-only",
        json!([{"Effect": "Allow", "Action": ["ec2:RunInstances", "iam:PassRole"], "Resource": "*",
                "Condition": {"StringEquals": {"ec2:Owner": "111122223333"}}}]),
    );
    let set = known_boundary(vec![&policy]);
    let effective = effective_access(&set);

    let grant = &effective.grants[0];
    assert_eq!(grant.conditions.len(), 1);
    assert_eq!(
        grant.qualifications("ec2:RunInstances"),
        vec!["if StringEquals ec2:Owner `111122223333`"]
    );
    assert!(!grant.grants_unconditionally("ec2:RunInstances"));

    let evaluation = evaluate(&set, &Request::new(USER, "ec2:RunInstances", "*"));
    assert_eq!(
        evaluation.decision.to_string(),
        "allowed if an identity or resource policy must allow: Allow identity policy `owner-only` statement 0 if StringEquals ec2:Owner `111122223333`"
    );

    let paths = escalation_paths(&effective, USER);
    assert_eq!(paths.len(), 1);
    assert_eq!(
        paths[0].conditions,
        vec!["if StringEquals ec2:Owner `111122223333`"]
    );
}

// A3. `*` and `*:*` mean every action of every service.
#[test]
fn star_forms_mean_every_action() {
    let star = identity(
        "star",
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    );
    let star_colon_star = identity(
        "star-colon-star",
        json!([{"Effect": "Allow", "Action": ["*:*"], "Resource": "*"}]),
    );

    for policy in [&star, &star_colon_star] {
        let set = known_boundary(vec![policy]);
        for action in [
            "s3:GetObject",
            "iam:CreateUser",
            "brandnewservice:DoSomething",
        ] {
            let decision = evaluate(&set, &Request::new(USER, action, "*")).decision;
            assert_eq!(decision, Decision::Allowed, "{} {action}", policy.name);
        }
        let effective = effective_access(&set);
        assert!(effective.grants[0].actions.is_all(), "{}", policy.name);
        assert!(matches!(
            is_admin_equivalent(&effective),
            AdminEquivalence::Yes {
                confirmed: true,
                ..
            }
        ));
    }
}

// A3. A pattern whose service prefix is a wildcard is never an unknown service.
#[test]
fn wildcard_service_is_never_unknown() {
    let wildcard = roster_policy::aws::ActionPattern::parse("*:Get*").unwrap();
    let expansion = catalogue().expand(&wildcard);

    assert_eq!(expansion.unknown, None);
    assert!(
        expansion
            .actions
            .iter()
            .any(|action| action.to_string() == "s3:GetObject")
    );
}

// A4. Wildcards match zero or more characters anywhere in the name.
#[test]
fn wildcards_match_anywhere_in_name() {
    let candidates = [
        "s3:GetObject",
        "s3:GetObjectAcl",
        "s3:GetBucketTagging",
        "s3:GetObjectTagging",
        "s3:GetObjectVersion",
    ];
    let cases = [
        (
            "s3:GetObject*",
            vec![
                "s3:GetObject",
                "s3:GetObjectAcl",
                "s3:GetObjectTagging",
                "s3:GetObjectVersion",
            ],
        ),
        (
            "s3:Get*Tagging",
            vec!["s3:GetBucketTagging", "s3:GetObjectTagging"],
        ),
        ("s3:GetObjectVersio?", vec!["s3:GetObjectVersion"]),
    ];

    for (pattern, expected) in cases {
        let policy = identity(
            "p",
            json!([{"Effect": "Allow", "Action": pattern, "Resource": "*"}]),
        );
        let set = known_boundary(vec![&policy]);
        let allowed: Vec<&str> = candidates
            .iter()
            .copied()
            .filter(|action| {
                evaluate(&set, &Request::new(USER, action, "*"))
                    .decision
                    .is_allowed()
            })
            .collect();
        assert_eq!(allowed, expected, "{pattern}");

        let effective = effective_access(&set);
        for action in candidates {
            assert_eq!(
                effective.may_perform(action),
                expected.contains(&action),
                "{pattern} {action}"
            );
        }
    }
}

// A5. Case rules differ by field.
#[test]
fn case_rules_differ_by_field() {
    let policy = identity(
        "mixed-case",
        json!([
            {"Effect": "Allow", "Action": "IAM:listaccesskeys", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::Reports/*"}
        ]),
    );
    let set = known_boundary(vec![&policy]);
    let decide = |action: &str, resource: &str| {
        evaluate(&set, &Request::new(USER, action, resource)).decision
    };

    assert!(decide("iam:ListAccessKeys", "*").is_allowed());
    assert!(decide("s3:GetObject", "arn:aws:s3:::Reports/q1.csv").is_allowed());
    assert!(decide("s3:GetObject", "arn:aws:s3:::reports/q1.csv").is_denied());
    assert_eq!(
        policy.document.statements[0].actions.patterns()[0].as_str(),
        "IAM:listaccesskeys"
    );
}

// A6. Trust policies have their own grammar.
#[test]
fn trust_policy_grammar_and_cross_account() {
    let trust = named(
        "trust of deploy",
        json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}]),
        Grammar::Trust,
    );

    let trusted = trusted_principals(&trust.document);
    assert_eq!(trusted.len(), 1);
    assert_eq!(trusted[0].kind, PrincipalKind::Account);
    assert_eq!(trusted[0].account.as_deref(), Some("444455556666"));
    assert!(trusted[0].is_cross_account(ACCOUNT));

    // `:root` names the account: any principal there whose own policies allow the call.
    let caller_policy = identity(
        "assume",
        json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]),
    );
    let role = "arn:aws:iam::111122223333:role/deploy";
    let request = Request::new(
        "arn:aws:iam::444455556666:user/builder",
        "sts:AssumeRole",
        role,
    );

    let mut allowed_by_both = PolicySet::new(vec![&caller_policy]);
    allowed_by_both.resource = Some(&trust);
    allowed_by_both.boundary = BoundaryState::None;
    assert_eq!(
        evaluate(&allowed_by_both, &request).decision,
        Decision::Allowed
    );

    let mut trust_only = PolicySet::new(Vec::new());
    trust_only.resource = Some(&trust);
    trust_only.boundary = BoundaryState::None;
    assert_eq!(
        evaluate(&trust_only, &request).decision,
        Decision::Denied {
            reason: DenyReason::ImplicitDeny
        }
    );

    let stranger = Request::new(
        "arn:aws:iam::777788889999:user/builder",
        "sts:AssumeRole",
        role,
    );
    assert!(evaluate(&allowed_by_both, &stranger).decision.is_denied());
}

// A8. `...IfExists` with a missing key.
#[test]
fn if_exists_deny_locks_out_access_keys() {
    let mfa = identity(
        "require-mfa",
        json!([{"Effect": "Deny", "Action": "*", "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]),
    );
    let admin = admin();
    let set = known_boundary(vec![&admin, &mfa]);

    // A long-term access key never carries the MFA key: the Deny applies.
    let access_key = Request::new(USER, "s3:ListAllMyBuckets", "*").with_complete_context();
    let Decision::Denied {
        reason: DenyReason::ExplicitDeny(statement),
    } = evaluate(&set, &access_key).decision
    else {
        panic!("expected an explicit Deny");
    };
    assert_eq!(statement.policy, "require-mfa");
    // Without a complete context the key is still absent, and IfExists makes the Deny apply.
    assert!(
        evaluate(&set, &Request::new(USER, "s3:ListAllMyBuckets", "*"))
            .decision
            .is_denied()
    );

    let with_mfa = Request::new(USER, "s3:ListAllMyBuckets", "*")
        .with_context("aws:MultiFactorAuthPresent", "true");
    assert_eq!(evaluate(&set, &with_mfa).decision, Decision::Allowed);
    let without_mfa = Request::new(USER, "s3:ListAllMyBuckets", "*")
        .with_context("aws:MultiFactorAuthPresent", "false");
    assert!(evaluate(&set, &without_mfa).decision.is_denied());

    // Effective access: administration only with MFA, not a flat yes or no.
    let AdminEquivalence::Conditional { qualifications, .. } =
        is_admin_equivalent(&effective_access(&set))
    else {
        panic!("expected conditional administration");
    };
    assert_eq!(
        qualifications,
        vec![
            "unless BoolIfExists aws:MultiFactorAuthPresent `false` (identity policy `require-mfa` statement 0)"
        ]
    );
}

fn scp_deny_iam_writes() -> NamedPolicy {
    identity(
        "deny-iam-writes",
        json!([
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": ["iam:Create*", "iam:Put*", "iam:Attach*", "iam:PassRole"], "Resource": "*"}
        ]),
    )
}

// A9. SCPs and boundaries come before the "admin" label.
#[test]
fn scp_limits_before_admin_label() {
    let admin = admin();
    let scp = scp_deny_iam_writes();
    let mut set = known_boundary(vec![&admin]);
    set.scps = vec![vec![&scp]];

    let effective = effective_access(&set);
    assert_eq!(is_admin_equivalent(&effective), AdminEquivalence::No);
    assert!(!effective.may_perform("iam:CreateUser"));
    assert!(!effective.may_perform("iam:PutRolePolicy"));
    assert!(!effective.may_perform("iam:PassRole"));
    assert!(effective.may_perform("iam:ListRoles"));
    assert!(effective.may_perform("s3:GetObject"));
    assert!(
        escalation_paths(&effective, USER)
            .iter()
            .all(|path| !path.steps[0].contains("iam:PassRole"))
    );

    let denied = evaluate(&set, &Request::new(USER, "iam:CreateUser", "*")).decision;
    let Decision::Denied {
        reason: DenyReason::ExplicitDeny(statement),
    } = denied
    else {
        panic!("expected the SCP's Deny");
    };
    assert_eq!(statement.layer, Layer::Scp { level: 0 });
}

// A9. Effective access is the intersection of identity, SCP and boundary allows.
#[test]
fn effective_is_intersection_of_layers() {
    let admin = admin();
    let scp = identity(
        "scp-s3-ec2",
        json!([{"Effect": "Allow", "Action": ["s3:*", "ec2:*"], "Resource": "*"}]),
    );
    let boundary = identity(
        "boundary-s3-iam",
        json!([{"Effect": "Allow", "Action": ["s3:*", "iam:*"], "Resource": "*"}]),
    );
    let mut set = PolicySet::new(vec![&admin]);
    set.scps = vec![vec![&scp]];
    set.boundary = BoundaryState::Policy(&boundary);

    let effective = effective_access(&set);
    assert!(effective.may_perform("s3:GetObject"));
    assert!(!effective.may_perform("ec2:RunInstances"));
    assert!(!effective.may_perform("iam:CreateUser"));
    assert_eq!(is_admin_equivalent(&effective), AdminEquivalence::No);

    let ec2 = evaluate(&set, &Request::new(USER, "ec2:RunInstances", "*")).decision;
    assert_eq!(
        ec2.to_string(),
        "denied: not allowed by the permission boundary (`boundary-s3-iam`)"
    );
    let iam = evaluate(&set, &Request::new(USER, "iam:CreateUser", "*")).decision;
    assert_eq!(
        iam.to_string(),
        "denied: not allowed by the SCPs at level 0 (`scp-s3-ec2`)"
    );
}

// A9. SCPs do not apply to the management account or to service-linked roles.
#[test]
fn scps_skip_management_account_and_service_linked_roles() {
    let admin = admin();
    let scp = scp_deny_iam_writes();
    let linked_role = "arn:aws:iam::111122223333:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM";
    assert!(Arn::parse(linked_role).unwrap().is_service_linked_role());

    for exemption in [Exemption::ManagementAccount, Exemption::ServiceLinkedRole] {
        let mut set = known_boundary(vec![&admin]);
        set.scps = vec![vec![&scp]];
        set.exemption = Some(exemption);

        let evaluation = evaluate(&set, &Request::new(linked_role, "iam:CreateUser", "*"));
        assert_eq!(evaluation.decision, Decision::Allowed, "{exemption:?}");
        assert!(
            evaluation
                .caveats
                .contains(&Caveat::OrganizationPoliciesExempt(exemption))
        );
        assert!(matches!(
            is_admin_equivalent(&effective_access(&set)),
            AdminEquivalence::Yes {
                confirmed: true,
                ..
            }
        ));
    }
}

// A11. An absent PermissionsBoundary is unknown, not "none".
#[test]
fn uncollected_boundary_is_never_confirmed_admin() {
    let admin = admin();
    let not_collected = PolicySet::new(vec![&admin]);
    let none = known_boundary(vec![&admin]);

    assert_eq!(not_collected.boundary, BoundaryState::NotCollected);
    let AdminEquivalence::Yes { confirmed, sources } =
        is_admin_equivalent(&effective_access(&not_collected))
    else {
        panic!("expected administration");
    };
    assert!(!confirmed);
    assert_eq!(sources[0].policy, "AdministratorAccess");
    assert!(matches!(
        is_admin_equivalent(&effective_access(&none)),
        AdminEquivalence::Yes {
            confirmed: true,
            ..
        }
    ));

    let evaluation = evaluate(&not_collected, &Request::new(USER, "s3:GetObject", "*"));
    assert_eq!(evaluation.decision, Decision::Allowed);
    assert_eq!(evaluation.caveats, vec![Caveat::BoundaryNotCollected]);
    assert!(!effective_access(&not_collected).is_complete());
}

// A12. Scalar or list, object or array.
#[test]
fn single_statement_object_trust_policy() {
    let document = PolicyDocument::from_value(
        &json!({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}}}),
        Grammar::Trust,
    )
    .unwrap();
    let trust = NamedPolicy::new("trust", document);

    let mut set = PolicySet::new(Vec::new());
    set.resource = Some(&trust);
    let request = Request::new(
        "ec2.amazonaws.com",
        "sts:AssumeRole",
        "arn:aws:iam::111122223333:role/web",
    );
    assert_eq!(evaluate(&set, &request).decision, Decision::Allowed);
    assert_eq!(
        trusted_principals(&trust.document)[0].kind,
        PrincipalKind::Service
    );
}

// A13. ARNs with paths.
#[test]
fn arns_with_paths_and_partitions() {
    let text = "arn:aws:iam::111122223333:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM";
    let arn = Arn::parse(text).unwrap();

    assert_eq!(arn.resource_name(), "AWSServiceRoleForAmazonSSM");
    assert_eq!(arn.resource_path(), "/aws-service-role/ssm.amazonaws.com/");
    assert!(!is_arn("arnarnarn_my_role"));
    assert_eq!(
        Arn::parse("arn:aws-cn:iam::111122223333:role/x")
            .unwrap()
            .partition,
        "aws-cn"
    );
    assert_eq!(
        Arn::parse("arn:aws-us-gov:iam::111122223333:role/x")
            .unwrap()
            .partition,
        "aws-us-gov"
    );

    let pass = identity(
        "pass-service-roles",
        json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/aws-service-role/*"}]),
    );
    let set = known_boundary(vec![&pass]);
    assert!(
        evaluate(&set, &Request::new(USER, "iam:PassRole", text))
            .decision
            .is_allowed()
    );
    assert!(
        evaluate(
            &set,
            &Request::new(USER, "iam:PassRole", "arn:aws:iam::111122223333:role/admin")
        )
        .decision
        .is_denied()
    );
}
