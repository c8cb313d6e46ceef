use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::IdentityKey;

/// What a trusted principal names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    /// A principal of the provider named by ARN or email (a role, a user, a service account).
    Identity,
    /// A whole AWS account (`arn:aws:iam::111122223333:root` or a bare account id): any
    /// principal there that its own account allows.
    Account,
    /// A cloud service, for example `ec2.amazonaws.com`.
    Service,
    /// An identity provider for web identity or SAML federation.
    Federated,
    /// Everyone (`"*"`, `allUsers`).
    Anyone,
    /// A bare provider-unique id: AWS rewrites a trusted principal this way once it is deleted.
    DeletedPrincipal,
    /// An AWS session of a role (`assumed-role/...`) or another principal form Roster keeps
    /// as written.
    Other,
}

/// A principal named in a trust, kept as written with what Roster made of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// The principal as the policy wrote it.
    pub value: String,
    /// The AWS account, GCP project or tenant the principal belongs to, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The identity key the principal names, whether or not the inventory holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityKey>,
}

/// One condition on a trust: operator, key and the values any of which may match.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct TrustCondition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

/// A principal that can act as an identity: an AWS trust statement, a GCP token creator, an
/// Azure federated credential, Kubernetes impersonation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Trust {
    /// The identity that can be acted as.
    pub target: IdentityKey,
    pub principal: Principal,
    /// The actions the trust allows, for example `sts:AssumeRoleWithWebIdentity`.
    pub actions: Vec<String>,
    /// Conditions that all must hold; empty when the trust is unconditional.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<TrustCondition>,
}
