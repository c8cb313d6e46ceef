//! Decisions that turn on conditions: every operator family, absent keys, set qualifiers and
//! policy variables.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_policy::aws::{
    Decision, Grammar, NamedPolicy, Pending, PolicyDocument, PolicySet, Request, Requirement,
    evaluate,
};
use serde_json::{Value, json};

const USER: &str = "arn:aws:iam::111122223333:user/ana";

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Allowed,
    /// Allowed once the named conditions (operator and key) are known to hold.
    AllowedIf(Vec<String>),
    Denied,
}

fn policy(statement: Value) -> NamedPolicy {
    let document = json!({"Version": "2012-10-17", "Statement": [statement]});
    NamedPolicy::new(
        "test",
        PolicyDocument::from_value(&document, Grammar::Identity).unwrap(),
    )
}

fn outcome_of(policies: &[&NamedPolicy], request: &Request) -> Outcome {
    let set = PolicySet::new(policies.to_vec());
    match evaluate(&set, request).decision {
        Decision::Allowed => Outcome::Allowed,
        Decision::Denied { .. } => Outcome::Denied,
        Decision::AllowedIf(requirements) => Outcome::AllowedIf(
            requirements
                .iter()
                .flat_map(|requirement| match requirement {
                    Requirement::AnyOf { alternatives, .. } => alternatives.clone(),
                    Requirement::NotDenied(deny) => vec![deny.clone()],
                })
                .flat_map(|matched| matched.pending)
                .map(|pending| match pending {
                    Pending::Condition(condition) => {
                        format!("{} {}", condition.operator_text(), condition.key())
                    }
                    other => other.to_string(),
                })
                .collect(),
        ),
    }
}

/// Allows `s3:GetObject` on `*` under the condition block and decides the request.
fn decide(condition: Value, request: &Request) -> Outcome {
    let allow = policy(
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}),
    );
    outcome_of(&[&allow], request)
}

fn request() -> Request {
    Request::new(USER, "s3:GetObject", "arn:aws:s3:::bucket/key")
}

fn with(key: &str, value: &str) -> Request {
    request().with_context(key, value)
}

#[test]
fn string_operators() {
    let equals = json!({"StringEquals": {"s3:prefix": ["home/", "public/"]}});
    assert_eq!(
        decide(equals.clone(), &with("s3:prefix", "public/")),
        Outcome::Allowed
    );
    assert_eq!(
        decide(equals, &with("s3:prefix", "PUBLIC/")),
        Outcome::Denied
    );

    let ignore_case = json!({"StringEqualsIgnoreCase": {"s3:prefix": "Public/"}});
    assert_eq!(
        decide(ignore_case, &with("s3:prefix", "PUBLIC/")),
        Outcome::Allowed
    );

    let not_equals = json!({"StringNotEquals": {"s3:prefix": ["home/", "public/"]}});
    assert_eq!(
        decide(not_equals.clone(), &with("s3:prefix", "other/")),
        Outcome::Allowed
    );
    assert_eq!(
        decide(not_equals, &with("s3:prefix", "home/")),
        Outcome::Denied
    );

    let not_equals_ignore_case = json!({"StringNotEqualsIgnoreCase": {"s3:prefix": "HOME/"}});
    assert_eq!(
        decide(not_equals_ignore_case, &with("s3:prefix", "home/")),
        Outcome::Denied
    );

    let like = json!({"StringLike": {"s3:prefix": "home/*/docs?"}});
    assert_eq!(
        decide(like.clone(), &with("s3:prefix", "home/ana/docs1")),
        Outcome::Allowed
    );
    assert_eq!(
        decide(like, &with("s3:prefix", "home/ana/docs")),
        Outcome::Denied
    );

    let not_like = json!({"StringNotLike": {"s3:prefix": ["tmp/*", "cache/*"]}});
    assert_eq!(
        decide(not_like.clone(), &with("s3:prefix", "home/x")),
        Outcome::Allowed
    );
    assert_eq!(
        decide(not_like, &with("s3:prefix", "cache/x")),
        Outcome::Denied
    );
}

#[test]
fn numeric_operators() {
    let cases = [
        ("NumericEquals", "10", true),
        ("NumericEquals", "10.0", true),
        ("NumericNotEquals", "10", false),
        ("NumericLessThan", "10", false),
        ("NumericLessThanEquals", "10", true),
        ("NumericGreaterThan", "9", true),
        ("NumericGreaterThanEquals", "11", false),
    ];
    for (operator, policy_value, allowed) in cases {
        let outcome = decide(
            json!({operator: {"s3:max-keys": policy_value}}),
            &with("s3:max-keys", "10"),
        );
        let expected = if allowed {
            Outcome::Allowed
        } else {
            Outcome::Denied
        };
        assert_eq!(outcome, expected, "{operator} {policy_value}");
    }
    let not_a_number = decide(
        json!({"NumericEquals": {"s3:max-keys": 10}}),
        &with("s3:max-keys", "ten"),
    );
    assert_eq!(not_a_number, Outcome::Denied);
}

#[test]
fn date_operators() {
    let now = "2024-06-01T12:00:00Z";
    let cases = [
        ("DateEquals", "2024-06-01T12:00:00Z", true),
        ("DateNotEquals", "2024-06-01T12:00:00Z", false),
        ("DateLessThan", "2024-01-01T00:00:00Z", false),
        ("DateLessThanEquals", "2024-06-01T12:00:00Z", true),
        ("DateGreaterThan", "2024-01-01", true),
        ("DateGreaterThanEquals", "1717243200", true),
    ];
    for (operator, policy_value, allowed) in cases {
        let outcome = decide(
            json!({operator: {"aws:CurrentTime": policy_value}}),
            &with("aws:CurrentTime", now),
        );
        let expected = if allowed {
            Outcome::Allowed
        } else {
            Outcome::Denied
        };
        assert_eq!(outcome, expected, "{operator} {policy_value}");
    }
}

#[test]
fn bool_and_binary_operators() {
    let secure = json!({"Bool": {"aws:SecureTransport": "true"}});
    assert_eq!(
        decide(secure.clone(), &with("aws:SecureTransport", "true")),
        Outcome::Allowed
    );
    assert_eq!(
        decide(secure, &with("aws:SecureTransport", "false")),
        Outcome::Denied
    );

    let binary = json!({"BinaryEquals": {"s3:x-amz-binary": "QmluYXJ5VmFsdWU="}});
    assert_eq!(
        decide(binary.clone(), &with("s3:x-amz-binary", "QmluYXJ5VmFsdWU=")),
        Outcome::Allowed
    );
    assert_eq!(
        decide(binary, &with("s3:x-amz-binary", "qmluyxj5vmfsdwu=")),
        Outcome::Denied
    );
}

#[test]
fn ip_address_operators() {
    let office = json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}});
    assert_eq!(
        decide(office.clone(), &with("aws:SourceIp", "203.0.113.9")),
        Outcome::Allowed
    );
    assert_eq!(
        decide(office.clone(), &with("aws:SourceIp", "2001:db8:1::5")),
        Outcome::Allowed
    );
    assert_eq!(
        decide(office, &with("aws:SourceIp", "198.51.100.1")),
        Outcome::Denied
    );

    let not_office = json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}});
    assert_eq!(
        decide(not_office.clone(), &with("aws:SourceIp", "198.51.100.1")),
        Outcome::Allowed
    );
    assert_eq!(
        decide(not_office, &with("aws:SourceIp", "203.0.113.9")),
        Outcome::Denied
    );
}

#[test]
fn arn_operators() {
    let source = "arn:aws:sns:eu-west-1:111122223333:alerts";
    let cases = [
        (
            "ArnEquals",
            "arn:aws:sns:eu-west-1:111122223333:alerts",
            true,
        ),
        ("ArnLike", "arn:aws:sns:*:111122223333:*", true),
        ("ArnLike", "arn:aws:sns:*:444455556666:*", false),
        (
            "ArnNotEquals",
            "arn:aws:sns:eu-west-1:111122223333:alerts",
            false,
        ),
        ("ArnNotLike", "arn:aws:sqs:*:*:*", true),
        // ARNs compare case-sensitively.
        (
            "ArnEquals",
            "arn:aws:sns:eu-west-1:111122223333:Alerts",
            false,
        ),
    ];
    for (operator, policy_value, allowed) in cases {
        let outcome = decide(
            json!({operator: {"aws:SourceArn": policy_value}}),
            &with("aws:SourceArn", source),
        );
        let expected = if allowed {
            Outcome::Allowed
        } else {
            Outcome::Denied
        };
        assert_eq!(outcome, expected, "{operator} {policy_value}");
    }
}

#[test]
fn null_operator() {
    let must_be_absent = json!({"Null": {"aws:TokenIssueTime": "true"}});
    let must_be_present = json!({"Null": {"aws:TokenIssueTime": "false"}});

    assert_eq!(decide(must_be_absent.clone(), &request()), Outcome::Allowed);
    assert_eq!(
        decide(
            must_be_absent,
            &with("aws:TokenIssueTime", "2024-01-01T00:00:00Z")
        ),
        Outcome::Denied
    );
    assert_eq!(decide(must_be_present.clone(), &request()), Outcome::Denied);
    assert_eq!(
        decide(
            must_be_present,
            &with("aws:TokenIssueTime", "2024-01-01T00:00:00Z")
        ),
        Outcome::Allowed
    );
}

#[test]
fn absent_key_is_undetermined() {
    let outcome = decide(
        json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}),
        &request(),
    );

    assert_eq!(
        outcome,
        Outcome::AllowedIf(vec!["StringEquals aws:PrincipalOrgID".to_owned()])
    );
}

#[test]
fn absent_key_in_complete_context_follows_aws() {
    let positive = decide(
        json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}),
        &request().with_complete_context(),
    );
    let negated = decide(
        json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}),
        &request().with_complete_context(),
    );

    assert_eq!(positive, Outcome::Denied);
    assert_eq!(negated, Outcome::Allowed);
}

#[test]
fn if_exists_with_absent_key_holds() {
    let condition = json!({"StringEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"}});

    assert_eq!(decide(condition.clone(), &request()), Outcome::Allowed);
    assert_eq!(
        decide(condition.clone(), &with("aws:RequestedRegion", "eu-west-1")),
        Outcome::Allowed
    );
    assert_eq!(
        decide(condition, &with("aws:RequestedRegion", "us-east-1")),
        Outcome::Denied
    );
}

#[test]
fn set_qualifiers_with_absent_or_empty_set() {
    let for_all = json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "owner"]}});
    let for_any = json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "owner"]}});
    let empty = request().with_context_values("aws:TagKeys", &[]);

    assert_eq!(decide(for_all.clone(), &request()), Outcome::Allowed);
    assert_eq!(decide(for_all, &empty), Outcome::Allowed);
    assert_eq!(decide(for_any.clone(), &request()), Outcome::Denied);
    assert_eq!(decide(for_any, &empty), Outcome::Denied);
}

#[test]
fn set_qualifiers_with_values() {
    let for_all = json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "owner"]}});
    let for_any = json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "owner"]}});
    let subset = request().with_context_values("aws:TagKeys", &["team"]);
    let mixed = request().with_context_values("aws:TagKeys", &["team", "cost-centre"]);
    let disjoint = request().with_context_values("aws:TagKeys", &["cost-centre"]);

    assert_eq!(decide(for_all.clone(), &subset), Outcome::Allowed);
    assert_eq!(decide(for_all, &mixed), Outcome::Denied);
    assert_eq!(decide(for_any.clone(), &mixed), Outcome::Allowed);
    assert_eq!(decide(for_any, &disjoint), Outcome::Denied);

    let none_forbidden = json!({"ForAllValues:StringNotLike": {"aws:TagKeys": "aws:*"}});
    assert_eq!(decide(none_forbidden.clone(), &subset), Outcome::Allowed);
    let forbidden = request().with_context_values("aws:TagKeys", &["team", "aws:cloudformation"]);
    assert_eq!(decide(none_forbidden, &forbidden), Outcome::Denied);
}

#[test]
fn keys_of_one_operator_all_hold() {
    let condition =
        json!({"StringEquals": {"aws:RequestedRegion": "eu-west-1", "s3:prefix": "home/"}});
    let both = with("aws:RequestedRegion", "eu-west-1").with_context("s3:prefix", "home/");
    let one_wrong = with("aws:RequestedRegion", "eu-west-1").with_context("s3:prefix", "tmp/");

    assert_eq!(decide(condition.clone(), &both), Outcome::Allowed);
    assert_eq!(decide(condition, &one_wrong), Outcome::Denied);
}

#[test]
fn condition_keys_ignore_case() {
    let condition = json!({"StringEquals": {"AWS:RequestedRegion": "eu-west-1"}});

    assert_eq!(
        decide(condition, &with("aws:requestedregion", "eu-west-1")),
        Outcome::Allowed
    );
}

#[test]
fn username_variable_in_resource() {
    let home = policy(
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/*"}),
    );
    let own = Request::new(USER, "s3:GetObject", "arn:aws:s3:::home/ana/notes.txt");
    let other = Request::new(USER, "s3:GetObject", "arn:aws:s3:::home/bob/notes.txt");

    assert_eq!(outcome_of(&[&home], &own), Outcome::Allowed);
    assert_eq!(outcome_of(&[&home], &other), Outcome::Denied);
}

#[test]
fn missing_variable_leaves_match_undetermined() {
    let by_id = policy(
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:userid}/*"}),
    );
    let matching_shape = Request::new(
        USER,
        "s3:GetObject",
        "arn:aws:s3:::home/AIDAEXAMPLE/notes.txt",
    );
    let other_bucket = Request::new(
        USER,
        "s3:GetObject",
        "arn:aws:s3:::other/AIDAEXAMPLE/notes.txt",
    );

    assert_eq!(
        outcome_of(&[&by_id], &matching_shape),
        Outcome::AllowedIf(vec![
            "resource matches `arn:aws:s3:::home/${aws:userid}/*`".to_owned()
        ])
    );
    assert_eq!(outcome_of(&[&by_id], &other_bucket), Outcome::Denied);
    assert_eq!(
        outcome_of(&[&by_id], &matching_shape.clone().with_complete_context()),
        Outcome::Denied
    );
    assert_eq!(
        outcome_of(
            &[&by_id],
            &matching_shape.with_context("aws:userid", "AIDAEXAMPLE")
        ),
        Outcome::Allowed
    );
}

#[test]
fn principal_tag_variable_in_condition() {
    let team = json!({"StringEquals": {"s3:ExistingObjectTag/team": "${aws:PrincipalTag/team}"}});
    let blue = with("s3:ExistingObjectTag/team", "blue").with_principal_tag("team", "blue");
    let red = with("s3:ExistingObjectTag/team", "blue").with_principal_tag("team", "red");
    let untagged = with("s3:ExistingObjectTag/team", "blue");

    assert_eq!(decide(team.clone(), &blue), Outcome::Allowed);
    assert_eq!(decide(team.clone(), &red), Outcome::Denied);
    assert_eq!(
        decide(team, &untagged),
        Outcome::AllowedIf(vec!["StringEquals s3:ExistingObjectTag/team".to_owned()])
    );
}

#[test]
fn account_variable_in_arn_condition() {
    let condition = json!({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:${aws:PrincipalAccount}:alerts"}});
    let same = with("aws:SourceArn", "arn:aws:sns:eu-west-1:111122223333:alerts");
    let other = with("aws:SourceArn", "arn:aws:sns:eu-west-1:444455556666:alerts");

    assert_eq!(decide(condition.clone(), &same), Outcome::Allowed);
    assert_eq!(decide(condition, &other), Outcome::Denied);
}

#[test]
fn escaped_characters_are_literal() {
    let literal_star = json!({"StringLike": {"s3:prefix": "a${*}b"}});

    assert_eq!(
        decide(literal_star.clone(), &with("s3:prefix", "a*b")),
        Outcome::Allowed
    );
    assert_eq!(
        decide(literal_star, &with("s3:prefix", "axxb")),
        Outcome::Denied
    );
    let dollar = json!({"StringEquals": {"s3:prefix": "${$}{x}"}});
    assert_eq!(decide(dollar, &with("s3:prefix", "${x}")), Outcome::Allowed);
}

#[test]
fn old_version_takes_variables_literally() {
    let document = json!({"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/*"}]});
    let old = NamedPolicy::new(
        "old",
        PolicyDocument::from_value(&document, Grammar::Identity).unwrap(),
    );
    let literal = Request::new(USER, "s3:GetObject", "arn:aws:s3:::home/${aws:username}/x");
    let substituted = Request::new(USER, "s3:GetObject", "arn:aws:s3:::home/ana/x");

    assert_eq!(outcome_of(&[&old], &literal), Outcome::Allowed);
    assert_eq!(outcome_of(&[&old], &substituted), Outcome::Denied);
}

#[test]
fn conditional_deny_becomes_requirement() {
    let allow = policy(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}));
    let deny = policy(
        json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
    );

    assert_eq!(
        outcome_of(&[&allow, &deny], &request()),
        Outcome::AllowedIf(vec!["Bool aws:SecureTransport".to_owned()])
    );
    assert_eq!(
        outcome_of(&[&allow, &deny], &with("aws:SecureTransport", "false")),
        Outcome::Denied
    );
    assert_eq!(
        outcome_of(&[&allow, &deny], &with("aws:SecureTransport", "true")),
        Outcome::Allowed
    );
}
