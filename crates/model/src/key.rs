use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{IdentityKind, ProviderId};

/// An error in the text of a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "invalid identity key `{0}`: expected `provider:scope:kind:native-id`, for example `aws:111122223333:role:deploy`"
    )]
    Shape(String),
    #[error("invalid identity key `{key}`: {reason}")]
    Part { key: String, reason: String },
}

/// The stable key of an identity: `provider:scope:kind:native-id`.
///
/// The native id is the name a person recognises (an AWS role name, a service account email,
/// `namespace/name` for Kubernetes), so keys survive in roster files. The provider-unique id
/// (`AROA...`, `uniqueId`, `uid`) is kept beside it on [`crate::Identity`] so that an identity
/// deleted and recreated under the same name is seen as replaced.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct IdentityKey(Arc<str>);

impl IdentityKey {
    pub fn new(
        provider: ProviderId,
        scope_native_id: &str,
        kind: IdentityKind,
        native_id: &str,
    ) -> Self {
        IdentityKey(
            format!(
                "{}:{scope_native_id}:{}:{native_id}",
                provider.key_prefix(),
                kind.key_segment()
            )
            .into(),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns the native id: everything after the third colon.
    pub fn native_id(&self) -> &str {
        self.0.splitn(4, ':').nth(3).unwrap_or_default()
    }

    /// Returns whether the key names a principal that its provider reports as deleted.
    pub fn names_deleted_principal(&self) -> bool {
        self.native_id().starts_with(DELETED_MEMBER_PREFIX)
    }
}

/// The prefix of the native id of a principal that its provider reports as deleted. GCP
/// writes a deleted member of an IAM policy as
/// `deleted:serviceAccount:ci@p.iam.gserviceaccount.com?uid=123`, and a key built from that
/// text never equals the key of a live principal with the same email.
pub const DELETED_MEMBER_PREFIX: &str = "deleted:";

impl fmt::Display for IdentityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for IdentityKey {
    type Err = KeyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = text.splitn(4, ':').collect();
        let [provider, scope, kind, native] = parts.as_slice() else {
            return Err(KeyError::Shape(text.to_owned()));
        };
        if scope.is_empty() || native.is_empty() {
            return Err(KeyError::Shape(text.to_owned()));
        }
        let provider: ProviderId = provider.parse().map_err(|reason| KeyError::Part {
            key: text.to_owned(),
            reason,
        })?;
        if IdentityKind::from_key_segment(provider, kind).is_none() {
            return Err(KeyError::Part {
                key: text.to_owned(),
                reason: format!("`{kind}` is not an identity kind of provider `{provider}`"),
            });
        }
        Ok(IdentityKey(text.into()))
    }
}

macro_rules! string_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
        )]
        #[serde(transparent)]
        pub struct $name(Arc<str>);

        impl $name {
            pub fn new(text: impl Into<String>) -> Self {
                $name(text.into().into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_key!(
    /// The key of a provider group: `provider:scope:group:native-id`, for example
    /// `aws:111122223333:group:deployers`.
    GroupKey
);

string_key!(
    /// The key of a credential: the identity key, the credential kind and the credential's
    /// public id, for example `aws:111122223333:user:ci:aws-access-key:AKIA...`. Never a secret.
    CredentialKey
);

string_key!(
    /// The key of a policy or role definition: the AWS policy ARN, `inline:<identity>:<name>`
    /// for inline policies, a GCP role name, an Azure role definition id.
    PolicyKey
);

impl GroupKey {
    /// Returns whether the key names a group that its provider reports as deleted.
    pub fn names_deleted_principal(&self) -> bool {
        self.0
            .splitn(4, ':')
            .nth(3)
            .is_some_and(|native| native.starts_with(DELETED_MEMBER_PREFIX))
    }

    pub fn from_parts(provider: ProviderId, scope_native_id: &str, native_id: &str) -> Self {
        GroupKey(
            format!(
                "{}:{scope_native_id}:group:{native_id}",
                provider.key_prefix()
            )
            .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_key_round_trips() {
        let key = IdentityKey::new(
            ProviderId::Aws,
            "111122223333",
            IdentityKind::AwsRole,
            "deploy",
        );
        assert_eq!(key.as_str(), "aws:111122223333:role:deploy");
        assert_eq!(key.native_id(), "deploy");
        assert_eq!(key.as_str().parse::<IdentityKey>(), Ok(key));
    }

    #[test]
    fn kubernetes_key_uses_k8s_prefix() {
        let key = IdentityKey::new(
            ProviderId::Kubernetes,
            "prod-eu",
            IdentityKind::K8sServiceAccount,
            "payments/api",
        );
        assert_eq!(key.as_str(), "k8s:prod-eu:service-account:payments/api");
    }

    #[test]
    fn deleted_member_key_differs_from_live_key() {
        let live = IdentityKey::new(
            ProviderId::Gcp,
            "p",
            IdentityKind::GcpServiceAccount,
            "ci@p.iam.gserviceaccount.com",
        );
        let deleted = IdentityKey::new(
            ProviderId::Gcp,
            "p",
            IdentityKind::GcpServiceAccount,
            "deleted:serviceAccount:ci@p.iam.gserviceaccount.com?uid=123",
        );
        assert_ne!(live, deleted);
        assert!(!live.names_deleted_principal());
        assert!(deleted.names_deleted_principal());
        assert!(
            GroupKey::new("gcp:example.com:group:deleted:group:ops@example.com?uid=7")
                .names_deleted_principal()
        );
    }

    #[test]
    fn identity_key_rejects_unknown_kind() {
        let error = "aws:1:bucket:x".parse::<IdentityKey>();
        assert!(matches!(error, Err(KeyError::Part { .. })));
    }

    #[test]
    fn identity_key_rejects_missing_parts() {
        assert!(matches!(
            "aws:1:role".parse::<IdentityKey>(),
            Err(KeyError::Shape(_))
        ));
    }
}
