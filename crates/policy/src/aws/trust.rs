//! Reading role trust policies: who may assume the role, and how.

use roster_model::PrincipalKind;

use super::arn::{Arn, is_account_id};
use super::document::{Effect, PolicyDocument, PrincipalBlock, PrincipalType, Principals};

/// A principal that a trust policy lets act as the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedPrincipal {
    pub kind: PrincipalKind,
    /// The principal as the policy wrote it (`*` for `"Principal": "*"`).
    pub value: String,
    /// The account the principal belongs to, when it names one.
    pub account: Option<String>,
    /// The actions the statement allows, as written (`sts:AssumeRole`, ...).
    pub actions: Vec<String>,
    /// The statement's conditions, as sentences; empty when unconditional.
    pub conditions: Vec<String>,
    /// The statement's position in the policy.
    pub statement: usize,
}

impl TrustedPrincipal {
    /// Returns whether the principal lies outside `own_account`: an account root or identity
    /// of another account. `:root` names the whole account (any principal there that its own
    /// account allows), not the root user.
    pub fn is_cross_account(&self, own_account: &str) -> bool {
        matches!(
            self.kind,
            PrincipalKind::Account | PrincipalKind::Identity | PrincipalKind::Other
        ) && self
            .account
            .as_deref()
            .is_some_and(|account| account != own_account)
    }
}

/// Lists the principals that the Allow statements of a trust policy name. A `NotPrincipal` in
/// an Allow statement trusts everyone it does not list, so it reads as `Anyone`.
pub fn trusted_principals(document: &PolicyDocument) -> Vec<TrustedPrincipal> {
    let mut trusted = Vec::new();
    for statement in document
        .statements
        .iter()
        .filter(|statement| statement.effect == Effect::Allow)
    {
        let actions: Vec<String> = statement
            .actions
            .patterns()
            .iter()
            .map(|pattern| pattern.as_str().to_owned())
            .collect();
        let conditions: Vec<String> = statement
            .conditions
            .iter()
            .map(ToString::to_string)
            .collect();
        let entry = |kind, value: &str, account: Option<&str>| TrustedPrincipal {
            kind,
            value: value.to_owned(),
            account: account.map(str::to_owned),
            actions: actions.clone(),
            conditions: conditions.clone(),
            statement: statement.index,
        };

        match &statement.principals {
            None => {}
            Some(PrincipalBlock::NotPrincipal(_))
            | Some(PrincipalBlock::Principal(Principals::Anyone)) => {
                trusted.push(entry(PrincipalKind::Anyone, "*", None));
            }
            Some(PrincipalBlock::Principal(Principals::Typed(typed))) => {
                for (principal_type, values) in typed {
                    for value in values {
                        let (kind, account) = classify(*principal_type, value);
                        trusted.push(entry(kind, value, account));
                    }
                }
            }
        }
    }
    trusted
}

/// Classifies one principal value and finds its account.
pub fn classify(principal_type: PrincipalType, value: &str) -> (PrincipalKind, Option<&str>) {
    match principal_type {
        PrincipalType::Service => (PrincipalKind::Service, None),
        PrincipalType::Federated => {
            let account = Arn::parse(value)
                .map(|arn| arn.account)
                .filter(|account| is_account_id(account));
            (PrincipalKind::Federated, account)
        }
        PrincipalType::CanonicalUser => (PrincipalKind::Other, None),
        PrincipalType::Aws => classify_aws(value),
    }
}

fn classify_aws(value: &str) -> (PrincipalKind, Option<&str>) {
    if value == "*" {
        return (PrincipalKind::Anyone, None);
    }
    if is_account_id(value) {
        return (PrincipalKind::Account, Some(value));
    }
    if is_unique_id(value) {
        return (PrincipalKind::DeletedPrincipal, None);
    }
    let Some(arn) = Arn::parse(value) else {
        return (PrincipalKind::Other, None);
    };
    let account = Some(arn.account).filter(|account| is_account_id(account));
    match (arn.service, arn.resource_type()) {
        ("iam", "root") => (PrincipalKind::Account, account),
        ("iam", "user" | "role") => (PrincipalKind::Identity, account),
        _ => (PrincipalKind::Other, account),
    }
}

/// Returns whether the text is an IAM unique id, such as `AROA1234567890EXAMPLE`: AWS rewrites
/// a trusted principal to its unique id once the principal is deleted.
pub fn is_unique_id(text: &str) -> bool {
    const PREFIXES: [&str; 6] = ["AROA", "AIDA", "AGPA", "ANPA", "AIPA", "ASIA"];
    PREFIXES.iter().any(|prefix| text.starts_with(prefix))
        && (16..=32).contains(&text.len())
        && text
            .bytes()
            .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::super::parse::Grammar;
    use super::*;

    #[test]
    fn root_principal_is_cross_account_trust() {
        let document = PolicyDocument::from_value(
            &json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}),
            Grammar::Trust,
        )
        .unwrap();
        let trusted = trusted_principals(&document);

        assert_eq!(trusted.len(), 1);
        assert_eq!(trusted[0].kind, PrincipalKind::Account);
        assert_eq!(trusted[0].account.as_deref(), Some("444455556666"));
        assert_eq!(trusted[0].actions, vec!["sts:AssumeRole"]);
        assert!(trusted[0].is_cross_account("111122223333"));
        assert!(!trusted[0].is_cross_account("444455556666"));
    }

    #[test]
    fn unique_id_is_deleted_principal() {
        let (kind, account) = classify(PrincipalType::Aws, "AROA1234567890EXAMPLE");

        assert_eq!(kind, PrincipalKind::DeletedPrincipal);
        assert_eq!(account, None);
    }

    #[test]
    fn service_and_federated_principals() {
        assert_eq!(
            classify(PrincipalType::Service, "ec2.amazonaws.com").0,
            PrincipalKind::Service
        );
        let (kind, account) = classify(
            PrincipalType::Federated,
            "arn:aws:iam::111122223333:saml-provider/okta",
        );
        assert_eq!(kind, PrincipalKind::Federated);
        assert_eq!(account, Some("111122223333"));
    }
}
