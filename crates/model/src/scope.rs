use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ProviderId;

/// The id of a scope: `provider:native-id`, for example `aws:111122223333`,
/// `gcp:projects/acme-prod` or `k8s:prod-eu/payments`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct ScopeId(Arc<str>);

impl ScopeId {
    pub fn new(provider: ProviderId, native_id: &str) -> Self {
        ScopeId(format!("{}:{native_id}", provider.key_prefix()).into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns the part after the provider prefix, for example the AWS account id.
    pub fn native_id(&self) -> &str {
        self.0.split_once(':').map_or(&*self.0, |(_, rest)| rest)
    }
}

impl fmt::Display for ScopeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a scope is in its provider's hierarchy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeKind {
    AwsAccount,
    GcpOrganization,
    GcpFolder,
    GcpProject,
    AzureTenant,
    AzureManagementGroup,
    AzureSubscription,
    AzureResourceGroup,
    SlackWorkspace,
    SlackOrg,
    K8sCluster,
    K8sNamespace,
}

/// A place where identities and grants live: an AWS account, a GCP project, a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Scope {
    pub id: ScopeId,
    pub provider: ProviderId,
    pub kind: ScopeKind,
    /// The provider's native id: account id, project id, subscription id, cluster name.
    pub native_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The enclosing scope (a folder's organization, a namespace's cluster), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ScopeId>,
}

impl Scope {
    pub fn new(provider: ProviderId, kind: ScopeKind, native_id: &str) -> Self {
        Scope {
            id: ScopeId::new(provider, native_id),
            provider,
            kind,
            native_id: native_id.to_owned(),
            display_name: None,
            parent: None,
        }
    }
}
