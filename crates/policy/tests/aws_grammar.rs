//! The policy grammar: every form IAM accepts, and errors that name the element at fault.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_policy::aws::{
    ActionBlock, Effect, Grammar, OperatorKind, PolicyDocument, PolicyError, PrincipalBlock,
    PrincipalType, Principals, ResourceBlock, SetQualifier, Version,
};
use serde_json::json;

fn parse(value: serde_json::Value) -> PolicyDocument {
    PolicyDocument::from_value(&value, Grammar::Any).unwrap()
}

fn error(value: serde_json::Value, grammar: Grammar) -> PolicyError {
    PolicyDocument::from_value(&value, grammar).unwrap_err()
}

#[test]
fn statement_object_or_array() {
    let single = parse(
        json!({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}}}),
    );
    let list = parse(
        json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}}]}),
    );

    assert_eq!(single, list);
    assert_eq!(single.statements.len(), 1);
    let Some(PrincipalBlock::Principal(Principals::Typed(typed))) =
        &single.statements[0].principals
    else {
        panic!("expected a typed principal");
    };
    assert_eq!(typed[&PrincipalType::Service], vec!["ec2.amazonaws.com"]);
}

#[test]
fn scalar_or_list_elements() {
    let document = parse(json!({"Version":"2012-10-17","Statement":[
        {"Sid":"One","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
        {"Effect":"Deny","NotAction":["iam:*","sts:*"],"NotResource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}
    ]}));

    let first = &document.statements[0];
    assert_eq!(first.sid.as_deref(), Some("One"));
    assert_eq!(first.effect, Effect::Allow);
    assert!(matches!(&first.actions, ActionBlock::Action(patterns) if patterns.len() == 1));
    assert!(
        matches!(&first.resources, Some(ResourceBlock::Resource(patterns)) if patterns.len() == 1)
    );

    let second = &document.statements[1];
    assert_eq!(second.index, 1);
    assert!(matches!(&second.actions, ActionBlock::NotAction(patterns) if patterns.len() == 2));
    assert!(
        matches!(&second.resources, Some(ResourceBlock::NotResource(patterns)) if patterns.len() == 2)
    );
}

#[test]
fn principal_forms() {
    let document = parse(json!({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},
        {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","444455556666"],"Federated":"cognito-identity.amazonaws.com","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:GetObject","Resource":"*"},
        {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":"s3:*","Resource":"*"}
    ]}));

    assert_eq!(
        document.statements[0].principals,
        Some(PrincipalBlock::Principal(Principals::Anyone))
    );
    let Some(PrincipalBlock::Principal(Principals::Typed(typed))) =
        &document.statements[1].principals
    else {
        panic!("expected a typed principal");
    };
    assert_eq!(typed[&PrincipalType::Aws].len(), 2);
    assert_eq!(
        typed[&PrincipalType::Federated],
        vec!["cognito-identity.amazonaws.com"]
    );
    assert_eq!(typed[&PrincipalType::CanonicalUser].len(), 1);
    assert!(matches!(
        document.statements[2].principals,
        Some(PrincipalBlock::NotPrincipal(_))
    ));
}

#[test]
fn condition_value_types() {
    let document = parse(
        json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
            "Bool":{"aws:SecureTransport":true},
            "NumericLessThan":{"s3:max-keys":10},
            "ForAnyValue:StringLike":{"aws:TagKeys":["team-*","owner"]},
            "StringEqualsIfExists":{"aws:RequestedRegion":"eu-west-1"}
        }}]}),
    );
    let conditions = &document.statements[0].conditions;

    assert_eq!(conditions.len(), 4);
    assert_eq!(conditions[0].operator.kind, OperatorKind::Bool);
    assert_eq!(conditions[0].values().collect::<Vec<_>>(), vec!["true"]);
    assert_eq!(conditions[1].values().collect::<Vec<_>>(), vec!["10"]);
    assert_eq!(
        conditions[2].operator.qualifier,
        Some(SetQualifier::ForAnyValue)
    );
    assert_eq!(
        conditions[2].values().collect::<Vec<_>>(),
        vec!["team-*", "owner"]
    );
    assert!(conditions[3].operator.if_exists);
    assert_eq!(conditions[3].key(), "aws:RequestedRegion");
}

#[test]
fn version_default_and_values() {
    assert_eq!(
        parse(json!({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})).version,
        Version::V2008_10_17
    );
    assert_eq!(
        parse(json!({"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})).version,
        Version::V2008_10_17
    );
    assert_eq!(
        error(json!({"Version":"2020-01-01","Statement":[]}), Grammar::Any).to_string(),
        "invalid policy document at `Version`: unknown version `2020-01-01`; use `2012-10-17`"
    );
}

#[test]
fn url_encoded_documents_are_decoded() {
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A444455556666%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    let from_text = PolicyDocument::from_text(encoded, Grammar::Trust).unwrap();
    let from_value = PolicyDocument::from_value(&json!(encoded), Grammar::Trust).unwrap();
    let decoded = PolicyDocument::from_value(
        &json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}),
        Grammar::Trust,
    )
    .unwrap();

    assert_eq!(from_text, decoded);
    assert_eq!(from_value, decoded);
}

#[test]
fn json_error_names_line_and_column() {
    let text = "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}";
    let error = PolicyDocument::from_text(text, Grammar::Any).unwrap_err();

    let PolicyError::Syntax { line, column, .. } = &error else {
        panic!("expected a syntax error, got {error}");
    };
    assert_eq!((*line, *column), (3, 24));
    assert!(
        error
            .to_string()
            .starts_with("invalid JSON in policy document at line 3, column 24: ")
    );
}

#[test]
fn grammar_errors_name_the_element() {
    let cases = [
        (
            json!({"Statement":[{"Effect":"Permit","Action":"*","Resource":"*"}]}),
            "invalid policy document at `Statement[0].Effect`: expected `Allow` or `Deny`, found `Permit`",
        ),
        (
            json!({"Statement":[{"Effect":"Allow","Resource":"*"}]}),
            "invalid policy document at `Statement[0]`: missing `Action` or `NotAction`",
        ),
        (
            json!({"Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}),
            "invalid policy document at `Statement[0]`: both `Action` and `NotAction` are present; keep one of them",
        ),
        (
            json!({"Statement":[{"Effect":"Allow","Action":["s3:GetObject", 3],"Resource":"*"}]}),
            "invalid policy document at `Statement[0].Action[1]`: expected a string, found a number",
        ),
        (
            json!({"Statement":[{"Effect":"Allow","Action":"","Resource":"*"}]}),
            "invalid policy document at `Statement[0].Action`: invalid action ``: expected `service:action`, for example `s3:GetObject`, or `*`",
        ),
        (
            json!({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringSortOf":{"k":"v"}}}}),
            "invalid policy document at `Statement.Condition.StringSortOf`: unknown condition operator `StringSortOf`",
        ),
        (
            json!({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":{"nested":1}}}}]}),
            "invalid policy document at `Statement[0].Condition.StringEquals.k`: expected a string, a number or a boolean, found an object",
        ),
        (
            json!({"Statement":[{"Effect":"Allow","Principal":{"Person":"bob"},"Action":"*","Resource":"*"}]}),
            "invalid policy document at `Statement[0].Principal.Person`: unknown principal type; use `AWS`, `Service`, `Federated` or `CanonicalUser`",
        ),
        (
            json!({"Statement":[{"Effect":"Allow","Actions":"*","Resource":"*"}]}),
            "invalid policy document at `Statement[0].Actions`: unknown element; a statement has `Sid`, `Effect`, `Action` or `NotAction`, `Resource` or `NotResource`, `Principal` or `NotPrincipal`, and `Condition`",
        ),
        (
            json!({"Version":"2012-10-17"}),
            "invalid policy document at `Statement`: missing; a policy needs at least one statement",
        ),
        (
            json!([1, 2]),
            "invalid policy document: expected a JSON object, found an array",
        ),
    ];

    for (document, expected) in cases {
        assert_eq!(error(document, Grammar::Any).to_string(), expected);
    }
}

#[test]
fn trust_policy_grammar() {
    let trust = json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]});
    let with_resource = json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole","Resource":"*"}]});
    let without_principal = json!({"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]});

    assert!(PolicyDocument::from_value(&trust, Grammar::Trust).is_ok());
    assert_eq!(
        error(with_resource, Grammar::Trust).to_string(),
        "invalid policy document at `Statement[0]`: `Resource` is not allowed in a trust policy; the role itself is the resource"
    );
    assert_eq!(
        error(without_principal, Grammar::Trust).to_string(),
        "invalid policy document at `Statement[0]`: missing `Principal` or `NotPrincipal`; name who the statement applies to"
    );
    assert_eq!(
        error(trust, Grammar::Identity).to_string(),
        "invalid policy document at `Statement[0]`: `Principal` is not allowed in an identity policy; remove it, or read the document as a resource policy"
    );
}

#[test]
fn identity_policy_needs_resource() {
    let document = json!({"Statement":[{"Effect":"Allow","Action":"s3:*"}]});

    assert_eq!(
        error(document, Grammar::Identity).to_string(),
        "invalid policy document at `Statement[0]`: missing `Resource` or `NotResource`; add `\"Resource\": \"*\"` to cover every resource"
    );
}

#[test]
fn original_spelling_is_kept() {
    let document = parse(
        json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"IAM:listaccesskeys","Resource":"arn:aws:iam::111122223333:user/CI"}]}),
    );

    assert_eq!(
        document.statements[0].actions.patterns()[0].as_str(),
        "IAM:listaccesskeys"
    );
    assert_eq!(
        document.statements[0]
            .resources
            .as_ref()
            .unwrap()
            .patterns()[0]
            .as_str(),
        "arn:aws:iam::111122223333:user/CI"
    );
}
