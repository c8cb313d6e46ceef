//! Trust policies (`AssumeRolePolicyDocument`): who can assume a role, under which conditions.

use std::collections::BTreeMap;

use roster_model::{
    Evidence, IdentityKey, IdentityKind, Nature, Principal, PrincipalKind, ProviderId, Signal,
    Trust, TrustCondition,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::arn::{Arn, is_account_id};
use crate::document::{OneOrMany, condition_values, describe};

/// The trusts of one role and the nature evidence they give.
#[derive(Debug, Default)]
pub(crate) struct TrustPolicy {
    pub trusts: Vec<Trust>,
    pub evidence: Vec<Evidence>,
    /// Deny statements, which are not turned into trusts.
    pub deny_statements: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TrustDocument {
    /// One statement object or an array of them. [`statements`] reads it, so that an invalid
    /// statement is reported with its own error rather than as a mismatch of both forms.
    statement: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Statement {
    effect: Effect,
    #[serde(default)]
    principal: Option<PrincipalBlock>,
    #[serde(default)]
    not_principal: Option<Value>,
    #[serde(default)]
    action: Option<OneOrMany<String>>,
    #[serde(default)]
    not_action: Option<OneOrMany<String>>,
    #[serde(default)]
    condition: Option<Map<String, Value>>,
}

#[derive(Deserialize, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// `"Principal": "*"`, or a map of principal type (`AWS`, `Service`, `Federated`,
/// `CanonicalUser`) to one value or a list.
enum PrincipalBlock {
    Text(String),
    ByType(BTreeMap<String, OneOrMany<String>>),
}

impl<'de> Deserialize<'de> for PrincipalBlock {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        principal_block(value).map_err(serde::de::Error::custom)
    }
}

/// Reads a `Principal` value, naming the part that has the wrong type.
fn principal_block(value: Value) -> Result<PrincipalBlock, String> {
    let by_type = match value {
        Value::String(text) => return Ok(PrincipalBlock::Text(text)),
        Value::Object(by_type) => by_type,
        other => {
            return Err(format!(
                "`Principal` holds {}: expected `\"*\"` or an object that maps `AWS`, `Service`, `Federated` or `CanonicalUser` to a string or an array of strings",
                describe(&other)
            ));
        }
    };

    let mut principals = BTreeMap::new();
    for (principal_type, values) in by_type {
        let values = match values {
            Value::String(text) => OneOrMany::One(text),
            Value::Array(items) => OneOrMany::Many(
                items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(text) => Ok(text),
                        other => Err(principal_type_error(
                            &principal_type,
                            "an array with",
                            &other,
                        )),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            other => return Err(principal_type_error(&principal_type, "", &other)),
        };
        principals.insert(principal_type, values);
    }
    Ok(PrincipalBlock::ByType(principals))
}

fn principal_type_error(principal_type: &str, container: &str, found: &Value) -> String {
    let found = describe(found);
    let found = if container.is_empty() {
        found.to_owned()
    } else {
        format!("{container} {found}")
    };
    format!(
        "`Principal.{principal_type}` holds {found}: expected a string or an array of strings, such as `\"arn:aws:iam::111122223333:root\"`"
    )
}

/// Turns a decoded trust policy into one [`Trust`] per (Allow statement, principal).
pub(crate) fn translate_trust_policy(
    target: &IdentityKey,
    document: &Value,
) -> Result<TrustPolicy, String> {
    let parsed = TrustDocument::deserialize(document).map_err(|error| error.to_string())?;

    let mut policy = TrustPolicy::default();
    for statement in statements(parsed.statement)? {
        // NOTE: a Deny statement narrows who can assume the role, but only Allow statements
        // become trusts, so a trust can be wider than what AWS allows. The caller records an
        // inventory note for every role whose trust policy has Deny statements.
        if statement.effect == Effect::Deny {
            policy.deny_statements += 1;
            continue;
        }

        let actions = statement_actions(&statement);
        let conditions = statement_conditions(statement.condition.as_ref())?;
        for principal in statement_principals(&statement) {
            policy
                .evidence
                .extend(principal_evidence(&principal, &actions));
            policy.trusts.push(Trust {
                target: target.clone(),
                principal,
                actions: actions.clone(),
                conditions: conditions.clone(),
            });
        }
    }
    Ok(policy)
}

fn statements(value: Value) -> Result<Vec<Statement>, String> {
    let items = match value {
        Value::Array(items) => items,
        Value::Object(_) => vec![value],
        other => {
            return Err(format!(
                "`Statement` holds {}: expected an object or an array of objects",
                describe(&other)
            ));
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            Statement::deserialize(item)
                .map_err(|error| format!("statement {}: {error}", index + 1))
        })
        .collect()
}

/// Returns the actions as written; `NotAction` entries are kept with a `NotAction:` prefix
/// because they allow every action except the one named.
fn statement_actions(statement: &Statement) -> Vec<String> {
    let mut actions: Vec<String> = statement
        .action
        .clone()
        .map(OneOrMany::into_vec)
        .unwrap_or_default();
    if let Some(not_action) = statement.not_action.clone() {
        actions.extend(
            not_action
                .into_vec()
                .into_iter()
                .map(|action| format!("NotAction:{action}")),
        );
    }
    actions
}

fn statement_conditions(
    condition: Option<&Map<String, Value>>,
) -> Result<Vec<TrustCondition>, String> {
    let mut conditions = Vec::new();
    for (operator, block) in condition.into_iter().flatten() {
        let Value::Object(entries) = block else {
            return Err(format!(
                "condition operator `{operator}` holds {}: expected an object of condition keys",
                describe(block)
            ));
        };
        for (key, value) in entries {
            conditions.push(TrustCondition {
                operator: operator.clone(),
                key: key.clone(),
                values: condition_values(value),
            });
        }
    }
    Ok(conditions)
}

fn statement_principals(statement: &Statement) -> Vec<Principal> {
    let mut principals = Vec::new();
    match &statement.principal {
        Some(PrincipalBlock::Text(text)) => principals.push(aws_principal(text)),
        Some(PrincipalBlock::ByType(by_type)) => {
            for (principal_type, values) in by_type {
                for value in values.clone().into_vec() {
                    principals.push(typed_principal(principal_type, &value));
                }
            }
        }
        None => {}
    }

    // `NotPrincipal` in an Allow statement trusts everyone except the principals it names.
    if let Some(not_principal) = &statement.not_principal {
        principals.push(Principal {
            kind: PrincipalKind::Anyone,
            value: format!("NotPrincipal:{not_principal}"),
            account: None,
            identity: None,
        });
    }
    principals
}

fn typed_principal(principal_type: &str, value: &str) -> Principal {
    match principal_type {
        "AWS" => aws_principal(value),
        "Service" => principal(PrincipalKind::Service, value, None),
        "Federated" => {
            let account = Arn::parse(value)
                .filter(Arn::has_account_id)
                .map(|arn| arn.account);
            principal(PrincipalKind::Federated, value, account)
        }
        _ => principal(PrincipalKind::Other, value, None),
    }
}

/// Classifies a value of an `AWS` principal: `*`, an account (`:root` ARN or bare id), a
/// role or user ARN, a session ARN, or the bare unique id that AWS leaves in place of a
/// deleted principal.
pub(crate) fn aws_principal(value: &str) -> Principal {
    if value == "*" {
        return principal(PrincipalKind::Anyone, value, None);
    }
    if is_account_id(value) {
        return principal(PrincipalKind::Account, value, Some(value.to_owned()));
    }
    if let Some(arn) = Arn::parse(value) {
        return arn_principal(value, &arn);
    }
    if is_unique_id(value) {
        return principal(PrincipalKind::DeletedPrincipal, value, None);
    }
    principal(PrincipalKind::Other, value, None)
}

fn arn_principal(value: &str, arn: &Arn) -> Principal {
    let account = arn.has_account_id().then(|| arn.account.clone());
    let identity_kind = match (arn.service.as_str(), arn.resource_type()) {
        ("iam", "root") => return principal(PrincipalKind::Account, value, account),
        ("iam", "role") | ("sts", "assumed-role") => IdentityKind::AwsRole,
        ("iam", "user") => IdentityKind::AwsUser,
        _ => return principal(PrincipalKind::Other, value, account),
    };

    // A session `assumed-role/<role name>/<session name>` acts as its role.
    let name = match arn.resource_type() {
        "assumed-role" => session_role_name(&arn.resource),
        _ => arn.resource_name(),
    };
    let Some(account) = account.clone().filter(|_| !name.is_empty()) else {
        return principal(PrincipalKind::Other, value, account);
    };
    let key = IdentityKey::new(ProviderId::Aws, &account, identity_kind, name);
    Principal {
        kind: PrincipalKind::Identity,
        value: value.to_owned(),
        account: Some(account),
        identity: Some(key),
    }
}

/// Returns the role name of an assumed-role session resource, or an empty text when the
/// resource has no session name after it.
fn session_role_name(resource: &str) -> &str {
    let mut segments = resource.splitn(3, '/').skip(1);
    match (segments.next(), segments.next()) {
        (Some(role), Some(_)) => role,
        _ => "",
    }
}

/// Returns whether the value has the shape of an IAM unique id such as
/// `AROA1234567890EXAMPLE`: 21 upper-case letters and digits, no colon.
fn is_unique_id(value: &str) -> bool {
    value.len() == 21
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn principal(kind: PrincipalKind, value: &str, account: Option<String>) -> Principal {
    Principal {
        kind,
        value: value.to_owned(),
        account,
        identity: None,
    }
}

/// Returns the nature evidence that a trusted principal gives. Services, other roles and web
/// identity providers point to automation, and a SAML provider points to people.
fn principal_evidence(principal: &Principal, actions: &[String]) -> Option<Evidence> {
    let value = &principal.value;
    let (signal, points_to, detail) = match principal.kind {
        PrincipalKind::Service => (
            Signal::WorkloadTrust,
            Nature::NonHuman,
            format!("trust policy lets the service `{value}` assume the role"),
        ),
        PrincipalKind::Identity if names_role(principal) => (
            Signal::WorkloadTrust,
            Nature::NonHuman,
            format!("trust policy lets the role `{value}` assume the role"),
        ),
        PrincipalKind::Federated if is_saml(value, actions) => (
            Signal::FederatedHumanTrust,
            Nature::Human,
            format!(
                "trust policy lets people who sign in through the SAML provider `{value}` assume the role"
            ),
        ),
        // Cognito identity pools federate an application's end users. That does not show
        // whether the role serves the organization's people or its automation.
        PrincipalKind::Federated if value == "cognito-identity.amazonaws.com" => return None,
        PrincipalKind::Federated => (
            Signal::WorkloadTrust,
            Nature::NonHuman,
            format!(
                "trust policy lets tokens of the web identity provider `{value}` assume the role"
            ),
        ),
        _ => return None,
    };
    Some(Evidence {
        signal,
        points_to,
        detail,
    })
}

fn names_role(principal: &Principal) -> bool {
    principal.identity.as_ref().is_some_and(|key| {
        key.as_str().split(':').nth(2) == Some(IdentityKind::AwsRole.key_segment())
    })
}

fn is_saml(value: &str, actions: &[String]) -> bool {
    value.contains(":saml-provider/")
        || actions
            .iter()
            .any(|action| action.eq_ignore_ascii_case("sts:AssumeRoleWithSAML"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::json;

    use super::*;

    fn target() -> IdentityKey {
        IdentityKey::new(
            ProviderId::Aws,
            "111122223333",
            IdentityKind::AwsRole,
            "target",
        )
    }

    fn trusts(document: Value) -> Vec<Trust> {
        translate_trust_policy(&target(), &document).unwrap().trusts
    }

    fn allow(principal: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
        ]})
    }

    #[test]
    fn root_principal_is_whole_account() {
        let trusts = trusts(allow(json!({"AWS": "arn:aws:iam::444455556666:root"})));
        assert_eq!(trusts.len(), 1);
        assert_eq!(trusts[0].principal.kind, PrincipalKind::Account);
        assert_eq!(trusts[0].principal.account.as_deref(), Some("444455556666"));
        assert_eq!(trusts[0].principal.identity, None);
    }

    #[test]
    fn bare_account_id_is_whole_account() {
        let trusts = trusts(allow(json!({"AWS": "444455556666"})));
        assert_eq!(trusts[0].principal.kind, PrincipalKind::Account);
        assert_eq!(trusts[0].principal.account.as_deref(), Some("444455556666"));
    }

    #[test]
    fn bare_unique_id_is_deleted_principal() {
        let trusts = trusts(allow(
            json!({"AWS": ["AROA1234567890EXAMPLE", "AIDAABCDEFGHIJKLMNOPQ"]}),
        ));
        assert_eq!(trusts.len(), 2);
        for trust in &trusts {
            assert_eq!(trust.principal.kind, PrincipalKind::DeletedPrincipal);
            assert_eq!(trust.principal.account, None);
        }
        assert_eq!(trusts[0].principal.value, "AROA1234567890EXAMPLE");
    }

    #[test]
    fn role_arn_names_identity_in_other_account() {
        let arn = "arn:aws:iam::444455556666:role/aws-service-role/stacksets.cloudformation.amazonaws.com/AWSServiceRoleForCloudFormationStackSetsOrgAdmin";
        let trusts = trusts(allow(json!({"AWS": arn})));
        let principal = &trusts[0].principal;
        assert_eq!(principal.kind, PrincipalKind::Identity);
        assert_eq!(principal.value, arn);
        assert_eq!(
            principal.identity.as_ref().map(IdentityKey::as_str),
            Some("aws:444455556666:role:AWSServiceRoleForCloudFormationStackSetsOrgAdmin")
        );
    }

    #[test]
    fn user_arn_names_user_identity() {
        let trusts = trusts(allow(
            json!({"AWS": "arn:aws-cn:iam::111122223333:user/ops/alice"}),
        ));
        assert_eq!(
            trusts[0]
                .principal
                .identity
                .as_ref()
                .map(IdentityKey::as_str),
            Some("aws:111122223333:user:alice")
        );
    }

    #[test]
    fn assumed_role_session_names_its_role() {
        let arn =
            "arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_Admin_0123/user@example.com";
        let trusts = trusts(allow(json!({"AWS": arn})));
        assert_eq!(trusts[0].principal.kind, PrincipalKind::Identity);
        assert_eq!(trusts[0].principal.value, arn);
        assert_eq!(trusts[0].principal.account.as_deref(), Some("444455556666"));
        assert_eq!(
            trusts[0].principal.identity.as_ref().unwrap().as_str(),
            "aws:444455556666:role:AWSReservedSSO_Admin_0123"
        );
    }

    #[test]
    fn session_without_session_name_is_other() {
        let arn = "arn:aws:sts::444455556666:assumed-role/deploy";
        let trusts = trusts(allow(json!({"AWS": arn})));
        assert_eq!(trusts[0].principal.kind, PrincipalKind::Other);
        assert_eq!(trusts[0].principal.account.as_deref(), Some("444455556666"));
    }

    #[test]
    fn principal_of_wrong_type_is_named() {
        let error = translate_trust_policy(&target(), &allow(json!(["*"])))
            .err()
            .unwrap();
        assert!(error.contains("`Principal` holds an array"), "{error}");

        let error = translate_trust_policy(&target(), &allow(json!({"AWS": 444455556666_u64})))
            .err()
            .unwrap();
        assert!(error.contains("`Principal.AWS` holds a number"), "{error}");

        let error = translate_trust_policy(&target(), &allow(json!({"Service": ["a", null]})))
            .err()
            .unwrap();
        assert!(
            error.contains("`Principal.Service` holds an array with null"),
            "{error}"
        );
        assert!(!error.contains("untagged"), "{error}");
    }

    #[test]
    fn wildcard_principal_is_anyone() {
        assert_eq!(
            trusts(allow(json!("*")))[0].principal.kind,
            PrincipalKind::Anyone
        );
        assert_eq!(
            trusts(allow(json!({"AWS": "*"})))[0].principal.kind,
            PrincipalKind::Anyone
        );
    }

    #[test]
    fn statement_object_and_scalar_service() {
        let document = json!({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}
        }});
        let policy = translate_trust_policy(&target(), &document).unwrap();
        assert_eq!(policy.trusts.len(), 1);
        assert_eq!(policy.trusts[0].principal.kind, PrincipalKind::Service);
        assert_eq!(policy.trusts[0].principal.value, "ec2.amazonaws.com");
        assert_eq!(policy.trusts[0].actions, ["sts:AssumeRole"]);
        assert_eq!(policy.evidence[0].signal, Signal::WorkloadTrust);
        assert_eq!(policy.evidence[0].points_to, Nature::NonHuman);
    }

    #[test]
    fn one_trust_per_principal_of_every_type() {
        let document = allow(json!({
            "AWS": ["arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/b"],
            "Service": ["lambda.amazonaws.com"],
            "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
        }));
        let kinds: Vec<PrincipalKind> = trusts(document)
            .into_iter()
            .map(|trust| trust.principal.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                PrincipalKind::Identity,
                PrincipalKind::Identity,
                PrincipalKind::Other,
                PrincipalKind::Service
            ]
        );
    }

    #[test]
    fn saml_federation_points_to_people() {
        let document = json!({"Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
        }]});
        let policy = translate_trust_policy(&target(), &document).unwrap();
        let trust = &policy.trusts[0];
        assert_eq!(trust.principal.kind, PrincipalKind::Federated);
        assert_eq!(trust.principal.account.as_deref(), Some("111122223333"));
        assert_eq!(trust.actions, ["sts:AssumeRoleWithSAML", "sts:TagSession"]);
        assert_eq!(policy.evidence[0].signal, Signal::FederatedHumanTrust);
        assert_eq!(policy.evidence[0].points_to, Nature::Human);
    }

    #[test]
    fn web_identity_providers_are_kept_as_written() {
        let github = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
        let document = json!({"Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": [github, "cognito-identity.amazonaws.com"]},
            "Action": "sts:AssumeRoleWithWebIdentity"
        }]});
        let policy = translate_trust_policy(&target(), &document).unwrap();
        let values: Vec<&str> = policy
            .trusts
            .iter()
            .map(|trust| trust.principal.value.as_str())
            .collect();
        assert_eq!(values, [github, "cognito-identity.amazonaws.com"]);
        assert_eq!(policy.evidence.len(), 1);
        assert_eq!(policy.evidence[0].points_to, Nature::NonHuman);
    }

    #[test]
    fn condition_values_of_several_types() {
        let document = json!({"Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"sts:ExternalId": "x-123", "aws:PrincipalTag/team": ["a", "b"]},
                "Bool": {"aws:MultiFactorAuthPresent": true},
                "NumericLessThan": {"aws:MultiFactorAuthAge": 3600}
            }
        }]});
        let conditions = &trusts(document)[0].conditions;
        let rendered: Vec<(&str, &str, Vec<&str>)> = conditions
            .iter()
            .map(|condition| {
                (
                    condition.operator.as_str(),
                    condition.key.as_str(),
                    condition.values.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            rendered,
            [
                ("StringEquals", "sts:ExternalId", vec!["x-123"]),
                ("StringEquals", "aws:PrincipalTag/team", vec!["a", "b"]),
                ("Bool", "aws:MultiFactorAuthPresent", vec!["true"]),
                ("NumericLessThan", "aws:MultiFactorAuthAge", vec!["3600"]),
            ]
        );
    }

    #[test]
    fn deny_statement_is_counted_not_trusted() {
        let document = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::444455556666:user/mallory"}, "Action": "sts:AssumeRole"}
        ]});
        let policy = translate_trust_policy(&target(), &document).unwrap();
        assert_eq!(policy.trusts.len(), 1);
        assert_eq!(policy.deny_statements, 1);
    }

    #[test]
    fn not_principal_trusts_anyone_else() {
        let document = json!({"Statement": [{
            "Effect": "Allow",
            "NotPrincipal": {"AWS": "arn:aws:iam::444455556666:user/mallory"},
            "NotAction": "sts:AssumeRoleWithSAML"
        }]});
        let trusts = trusts(document);
        assert_eq!(trusts.len(), 1);
        assert_eq!(trusts[0].principal.kind, PrincipalKind::Anyone);
        assert_eq!(
            trusts[0].principal.value,
            r#"NotPrincipal:{"AWS":"arn:aws:iam::444455556666:user/mallory"}"#
        );
        assert_eq!(trusts[0].actions, ["NotAction:sts:AssumeRoleWithSAML"]);
    }

    #[test]
    fn invalid_effect_is_an_error() {
        let document = json!({"Statement": [{"Effect": "allow", "Principal": "*", "Action": "sts:AssumeRole"}]});
        let error = translate_trust_policy(&target(), &document).unwrap_err();
        assert!(
            error.starts_with("statement 1: unknown variant `allow`"),
            "{error}"
        );
    }

    #[test]
    fn condition_operator_must_hold_object() {
        let document = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {"Bool": true}}]});
        let error = translate_trust_policy(&target(), &document).unwrap_err();
        assert!(error.contains("`Bool`"), "{error}");
    }

    #[test]
    fn arn_without_name_is_other() {
        let trusts = trusts(allow(json!({"AWS": "arn:aws:iam::444455556666:role/"})));
        assert_eq!(trusts[0].principal.kind, PrincipalKind::Other);
        assert_eq!(trusts[0].principal.account.as_deref(), Some("444455556666"));
    }

    #[test]
    fn name_that_starts_with_arn_is_other() {
        let trusts = trusts(allow(json!({"AWS": "arnarnarn_my_role"})));
        assert_eq!(trusts[0].principal.kind, PrincipalKind::Other);
    }
}
