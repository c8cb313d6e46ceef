use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{CredentialKey, IdentityKey, ProviderId, ScopeId, Usage};

/// The kind of a credential bound to an identity.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    AwsAccessKey,
    GcpSaKey,
    AzureClientSecret,
    AzureCertificate,
    AzureFederatedCredential,
    SlackToken,
    K8sTokenSecret,
    ConsolePassword,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::AwsAccessKey => "aws-access-key",
            CredentialKind::GcpSaKey => "gcp-sa-key",
            CredentialKind::AzureClientSecret => "azure-client-secret",
            CredentialKind::AzureCertificate => "azure-certificate",
            CredentialKind::AzureFederatedCredential => "azure-federated-credential",
            CredentialKind::SlackToken => "slack-token",
            CredentialKind::K8sTokenSecret => "k8s-token-secret",
            CredentialKind::ConsolePassword => "console-password",
        }
    }

    /// Returns whether the credential is a static secret or key, as opposed to a console
    /// password or a federation link that holds no secret.
    pub fn is_static_secret(self) -> bool {
        !matches!(
            self,
            CredentialKind::ConsolePassword | CredentialKind::AzureFederatedCredential
        )
    }
}

impl std::fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialStatus {
    Active,
    Inactive,
}

/// A key, secret, token or password bound to an identity. Secret values are never held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Credential {
    pub key: CredentialKey,
    pub identity: IdentityKey,
    pub provider: ProviderId,
    pub scope: ScopeId,
    pub kind: CredentialKind,
    /// The public id of the credential (access key id, key id), never its secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_id: Option<String>,
    pub status: CredentialStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    pub last_used: Usage,
}
