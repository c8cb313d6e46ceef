//! Scopes named by keys and ARNs, and the environments the roster maps them to. Shared by
//! the rules on membership, trust and environments.

use std::collections::BTreeSet;

use roster_model::{IdentityKind, Principal, ProviderId, ScopeId};

use crate::Context;

/// The parts of an identity or group key (`provider:scope:kind:native-id`).
pub(crate) struct KeyParts<'k> {
    pub provider: ProviderId,
    pub scope: ScopeId,
    /// The kind segment, for example `role` or `group`.
    pub kind: &'k str,
}

impl KeyParts<'_> {
    /// Returns the identity kind the key names, when it names one.
    pub fn identity_kind(&self) -> Option<IdentityKind> {
        IdentityKind::from_key_segment(self.provider, self.kind)
    }
}

/// Splits an identity or group key into its provider, scope and kind, or returns `None` when
/// the key has fewer than four parts or an unknown provider.
pub(crate) fn key_parts(key: &str) -> Option<KeyParts<'_>> {
    let mut segments = key.splitn(4, ':');
    let provider: ProviderId = segments.next()?.parse().ok()?;
    let scope = segments.next().filter(|scope| !scope.is_empty())?;
    let kind = segments.next()?;
    segments.next().filter(|native| !native.is_empty())?;
    Some(KeyParts {
        provider,
        scope: ScopeId::new(provider, scope),
        kind,
    })
}

/// Returns the account field (the fifth) of an ARN when it is a twelve-digit AWS account id.
/// Returns `None` for ARNs without an account (S3 buckets), with a wildcard there, and for
/// text that is not an ARN.
pub(crate) fn arn_account(arn: &str) -> Option<&str> {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _partition, _service, _region, account, _resource] = fields.as_slice() else {
        return None;
    };
    (*prefix == "arn" && is_aws_account(account)).then_some(*account)
}

/// Returns the AWS account a trusted principal names: the principal itself when it is a
/// bare account id, or the account field of its ARN. `None` for anything else, such as a GCP
/// member, whose project number may also have twelve digits.
pub(crate) fn aws_principal_account(principal: &Principal) -> Option<&str> {
    if is_aws_account(&principal.value) {
        return Some(&principal.value);
    }
    arn_account(&principal.value)
}

/// Returns whether the text is a twelve-digit AWS account id.
pub(crate) fn is_aws_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// Returns the environment of a scope: the one the graph assigned, or, for a scope the scan
/// did not collect, the one the roster's environment lists give its id.
pub(crate) fn scope_environment(context: &Context<'_>, scope: &ScopeId) -> Option<String> {
    if let Some(environment) = context.graph.environment_of_scope(scope) {
        return Some(environment.to_owned());
    }
    context
        .roster
        .and_then(|roster| roster.environment_of_scope_id(scope))
        .map(str::to_owned)
}

/// Returns the environment of an AWS account, collected or not.
pub(crate) fn aws_account_environment(context: &Context<'_>, account: &str) -> Option<String> {
    scope_environment(context, &ScopeId::new(ProviderId::Aws, account))
}

/// Returns every AWS account that the roster's environments list.
pub(crate) fn roster_aws_accounts(context: &Context<'_>) -> BTreeSet<String> {
    context
        .roster
        .into_iter()
        .flat_map(|roster| roster.environments.values())
        .filter_map(|environment| environment.aws.as_ref())
        .flat_map(|aws| aws.accounts.iter().cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn key_parts_split_identity_and_group_keys() {
        let role = key_parts("aws:111122223333:role:deploy").unwrap();
        assert_eq!(role.scope.as_str(), "aws:111122223333");
        assert_eq!(role.identity_kind(), Some(IdentityKind::AwsRole));

        let group = key_parts("k8s:prod-eu:group:ops").unwrap();
        assert_eq!(group.provider, ProviderId::Kubernetes);
        assert_eq!(group.kind, "group");
        assert_eq!(group.identity_kind(), None);
    }

    #[test]
    fn key_parts_reject_short_keys() {
        assert!(key_parts("aws:111122223333:role").is_none());
        assert!(key_parts("nowhere:1:role:x").is_none());
    }

    #[test]
    fn arn_account_reads_the_fifth_field() {
        assert_eq!(
            arn_account("arn:aws:dynamodb:eu-west-1:444455556666:table/orders"),
            Some("444455556666")
        );
        assert_eq!(
            arn_account("arn:aws-cn:iam::444455556666:role/a:b"),
            Some("444455556666")
        );
        assert_eq!(arn_account("arn:aws:s3:::bucket/key"), None);
        assert_eq!(arn_account("arn:aws:sqs:*:*:queue"), None);
        assert_eq!(arn_account("arnarnarn_my_role"), None);
    }
}
