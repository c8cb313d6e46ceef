use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{GroupKey, IdentityKey, PolicyKey, ProviderId, ScopeId};

/// What a policy is in its provider.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// A customer-managed AWS policy.
    AwsManaged,
    /// A policy managed by AWS (`arn:aws:iam::aws:policy/...`).
    AwsProvided,
    /// A policy embedded in a user, group or role.
    AwsInline,
    GcpRole,
    AzureRoleDefinition,
    K8sRole,
    K8sClusterRole,
    SlackScopes,
}

/// A permission set: an AWS policy document, a GCP role, an Azure role definition, a
/// Kubernetes role, a set of Slack scopes. Shared by every grant that attaches it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Policy {
    pub key: PolicyKey,
    pub provider: ProviderId,
    pub kind: PolicyKind,
    pub name: String,
    /// The AWS ARN or the provider's resource name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_id: Option<String>,
    /// The document in force: for AWS the default version, decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<serde_json::Value>,
    /// The version id of `document`, for example `v3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Permissions listed outright (GCP permissions, Slack scopes); empty for AWS documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
}

/// Who holds a grant.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case", tag = "type", content = "key")]
pub enum Subject {
    Identity(IdentityKey),
    Group(GroupKey),
}

/// A condition attached to a grant as a whole (a GCP conditional binding). AWS conditions live
/// inside policy documents and are read there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GrantCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The expression as written; `None` when the source lost it but said there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// A subject holds a policy on a scope, possibly under a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Grant {
    pub subject: Subject,
    pub policy: PolicyKey,
    pub scope: ScopeId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<GrantCondition>,
}
