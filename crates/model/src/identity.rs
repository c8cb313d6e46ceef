use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{IdentityKey, PolicyKey, ProviderId, ScopeId, ServiceUsage, Usage};

/// The kind of an identity, one value per provider object type.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    AwsRole,
    AwsUser,
    GcpServiceAccount,
    AzureServicePrincipal,
    AzureManagedIdentity,
    SlackBot,
    SlackApp,
    K8sServiceAccount,
    /// A person's account, collected only so that mixing can be detected.
    Human,
}

impl IdentityKind {
    pub const ALL: [IdentityKind; 9] = [
        IdentityKind::AwsRole,
        IdentityKind::AwsUser,
        IdentityKind::GcpServiceAccount,
        IdentityKind::AzureServicePrincipal,
        IdentityKind::AzureManagedIdentity,
        IdentityKind::SlackBot,
        IdentityKind::SlackApp,
        IdentityKind::K8sServiceAccount,
        IdentityKind::Human,
    ];

    /// Returns the JSON and command-line name, for example `aws-role`.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::AwsRole => "aws-role",
            IdentityKind::AwsUser => "aws-user",
            IdentityKind::GcpServiceAccount => "gcp-service-account",
            IdentityKind::AzureServicePrincipal => "azure-service-principal",
            IdentityKind::AzureManagedIdentity => "azure-managed-identity",
            IdentityKind::SlackBot => "slack-bot",
            IdentityKind::SlackApp => "slack-app",
            IdentityKind::K8sServiceAccount => "k8s-service-account",
            IdentityKind::Human => "human",
        }
    }

    /// Returns the kind segment of identity keys, for example `role` in
    /// `aws:111122223333:role:deploy`.
    pub fn key_segment(self) -> &'static str {
        match self {
            IdentityKind::AwsRole => "role",
            IdentityKind::AwsUser => "user",
            IdentityKind::GcpServiceAccount | IdentityKind::K8sServiceAccount => "service-account",
            IdentityKind::AzureServicePrincipal => "service-principal",
            IdentityKind::AzureManagedIdentity => "managed-identity",
            IdentityKind::SlackBot => "bot",
            IdentityKind::SlackApp => "app",
            IdentityKind::Human => "human",
        }
    }

    pub fn provider(self) -> Option<ProviderId> {
        match self {
            IdentityKind::AwsRole | IdentityKind::AwsUser => Some(ProviderId::Aws),
            IdentityKind::GcpServiceAccount => Some(ProviderId::Gcp),
            IdentityKind::AzureServicePrincipal | IdentityKind::AzureManagedIdentity => {
                Some(ProviderId::Azure)
            }
            IdentityKind::SlackBot | IdentityKind::SlackApp => Some(ProviderId::Slack),
            IdentityKind::K8sServiceAccount => Some(ProviderId::Kubernetes),
            IdentityKind::Human => None,
        }
    }

    /// Finds the kind that a key segment names within one provider.
    pub fn from_key_segment(provider: ProviderId, segment: &str) -> Option<IdentityKind> {
        if segment == "human" {
            return Some(IdentityKind::Human);
        }
        IdentityKind::ALL
            .into_iter()
            .find(|kind| kind.provider() == Some(provider) && kind.key_segment() == segment)
    }
}

impl std::fmt::Display for IdentityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for IdentityKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        IdentityKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| format!("unknown identity kind `{text}`"))
    }
}

/// Whether an identity is a person or automation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Nature {
    Human,
    NonHuman,
}

/// A kind of observation that bears on whether an identity is a person.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Signal {
    /// The identity has a console password or another interactive sign-in method.
    ConsolePassword,
    /// The identity signed in interactively.
    InteractiveSignIn,
    /// The identity has an MFA device.
    MfaDevice,
    /// The identity used an access key or another programmatic credential.
    ProgrammaticUse,
    /// A tag or label says what the identity is.
    Tag,
    /// The identity's trust policy lets a service, a workload or another account act as it.
    WorkloadTrust,
    /// The identity's trust policy lets people sign in through a SAML or OIDC provider.
    FederatedHumanTrust,
    /// The provider defines the identity as automation (a role, a service account).
    ProviderKind,
}

/// One observation about the nature of an identity, with what it points to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    pub signal: Signal,
    pub points_to: Nature,
    /// A plain sentence: what was seen, for example `console password last used 2024-05-01`.
    pub detail: String,
}

/// What is known of an AWS permission boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "state", content = "policy")]
pub enum Boundary {
    /// The source does not say: an absent boundary in a bulk listing is not "none".
    NotCollected,
    /// The source is known to include boundaries and this identity has none.
    None,
    /// The identity's rights are limited by this policy.
    Policy(PolicyKey),
}

/// AWS-specific facts of a role or user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AwsIdentityDetails {
    pub arn: String,
    /// The IAM path, `/` when none was given.
    pub path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_profiles: Vec<String>,
    /// Roles under `/aws-service-role/` are created and managed by an AWS service.
    #[serde(default)]
    pub service_linked: bool,
}

/// What a Google default service account is the default of. Google creates these in a
/// project when an API is enabled, and by default they hold the Editor role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum GcpDefaultServiceAccount {
    /// `<project-number>-compute@developer.gserviceaccount.com`.
    ComputeEngine,
    /// `<project-id>@appspot.gserviceaccount.com`.
    AppEngine,
}

/// GCP-specific facts of a service account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GcpIdentityDetails {
    pub email: String,
    /// The OAuth 2.0 client id, often equal to the unique id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2_client_id: Option<String>,
    /// A Google-managed service agent (`service-<number>@gcp-sa-*.iam.gserviceaccount.com`,
    /// `<number>@cloudservices.gserviceaccount.com`, ...): Google creates and manages it.
    #[serde(default)]
    pub service_agent: bool,
    /// Set on the default service accounts that Google creates in a project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_service_account: Option<GcpDefaultServiceAccount>,
}

/// A principal in a provider: a role, a user, a service account, a bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Identity {
    pub key: IdentityKey,
    pub provider: ProviderId,
    pub scope: ScopeId,
    pub kind: IdentityKind,
    /// The name within the scope: role name, user name, service account email.
    pub name: String,
    /// The provider-unique id (AWS `AROA...`/`AIDA...`, GCP `uniqueId`, Kubernetes `uid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    /// False when the provider reports the identity disabled or deleted.
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Observations on whether this is a person; `roster-analyze` weighs them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// When the identity last authenticated, with the source of that evidence.
    pub last_used: Usage,
    pub boundary: Boundary,
    /// Use of the permissions granted per service, where the provider reports it; empty when
    /// not collected (the coverage of `permission-usage` says which).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_usage: Vec<ServiceUsage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsIdentityDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp: Option<GcpIdentityDetails>,
}

impl Identity {
    /// Creates an identity with no optional facts; the provider fills in what it knows.
    pub fn new(
        provider: ProviderId,
        key: IdentityKey,
        scope: ScopeId,
        kind: IdentityKind,
        name: impl Into<String>,
        last_used: Usage,
    ) -> Self {
        Identity {
            key,
            provider,
            scope,
            kind,
            name: name.into(),
            unique_id: None,
            display_name: None,
            description: None,
            created: None,
            enabled: true,
            tags: BTreeMap::new(),
            evidence: Vec::new(),
            last_used,
            boundary: Boundary::NotCollected,
            service_usage: Vec::new(),
            aws: None,
            gcp: None,
        }
    }

    /// Returns a tag value, matching the tag key case-insensitively.
    pub fn tag(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}
