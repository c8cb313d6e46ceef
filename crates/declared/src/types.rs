//! The types of a roster file, version 1. The JSON Schema under `schema/` is generated from
//! these types.

use std::collections::BTreeMap;

use jiff::civil::Date;
use roster_model::IdentityKind;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A duration written as a number and a unit: `90d`, `12h`, `2w`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schemars(with = "String")]
pub struct Duration {
    /// The length in hours.
    pub hours: u64,
}

/// The declared state of an estate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// The roster format version; only `1` exists.
    pub version: u32,
    #[serde(default)]
    pub settings: Settings,
    /// Known owners (teams or people). When the list is given, an owner not in it is gone.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owners: BTreeMap<String, OwnerDeclaration>,
    /// Environment name to the scopes it holds. A scope belongs to one environment.
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentScopes>,
    #[serde(default)]
    pub groups: BTreeMap<String, GroupDeclaration>,
    #[serde(default)]
    pub identities: Vec<IdentityDeclaration>,
    #[serde(default)]
    pub suppressions: Vec<Suppression>,
}

/// Thresholds and organization facts that rules use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// No use within this long makes an identity, credential or permission unused.
    #[serde(default = "default_unused_after")]
    pub unused_after: Duration,
    /// A credential older than this is stale.
    #[serde(default = "default_credential_max_age")]
    pub credential_max_age: Duration,
    /// A credential that expires within this window is reported as expiring.
    #[serde(default = "default_expiring_within")]
    pub expiring_within: Duration,
    /// Accounts, organizations and vendors that trust may name without being external.
    #[serde(default)]
    pub organization: Organization,
}

/// What counts as inside the organization for the external-trust rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// AWS account ids of the organization beyond those the environments list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aws_accounts: Vec<String>,
    /// AWS Organizations ids (`o-...`); a trust narrowed by `aws:PrincipalOrgID` to one of
    /// them is internal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aws_organization_ids: Vec<String>,
    /// Vendor name to the AWS accounts it uses, so external trust names the vendor.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vendors: BTreeMap<String, Vec<String>>,
}

/// A known owner.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerDeclaration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// The scopes of one environment, per provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentScopes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsScopes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp: Option<GcpScopes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure: Option<AzureScopes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<SlackScopes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<KubernetesScopes>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwsScopes {
    /// Twelve-digit account ids.
    #[serde(default)]
    pub accounts: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GcpScopes {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organizations: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AzureScopes {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tenants: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub management_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_groups: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackScopes {
    #[serde(default)]
    pub workspaces: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubernetesScopes {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<String>,
    /// `cluster/namespace` pairs, for clusters shared between environments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
}

/// A declared group of identities.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupDeclaration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The provider group this declaration mirrors (a group key such as
    /// `aws:111122223333:group:deployers`); membership drift compares the two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_group: Option<String>,
    #[serde(default)]
    pub members: Vec<MemberMatcher>,
    /// The ceiling of rights a member may hold, per provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<AllowedRights>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<CredentialPolicy>,
}

/// Names identities: exactly one of `id` or `selector`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum MemberMatcher {
    Id {
        /// An identity key, for example `aws:111122223333:role:deploy`.
        id: String,
    },
    Selector {
        selector: Selector,
    },
}

/// Matches identities on their attributes; every given field must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<IdentityKind>,
    /// The scope's native id, for example an AWS account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// A name pattern where `*` matches any run of characters and `?` one character.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An IAM path prefix, for example `/ci/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Tags that must all be present with these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// The ceiling of rights, per provider. Patterns use the provider's wildcard rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowedRights {
    /// AWS action patterns, for example `s3:Get*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<Vec<String>>,
    /// GCP roles or permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp: Option<Vec<String>>,
    /// Azure actions or role names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure: Option<Vec<String>>,
    /// Slack OAuth scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<Vec<String>>,
    /// Kubernetes `verb resource` pairs, for example `get pods`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<Vec<String>>,
}

/// Rules for the credentials of a group's members.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialPolicy {
    /// Overrides `settings.credential_max_age` for the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<Duration>,
    /// Whether members may hold static keys or secrets; `false` forbids them.
    #[serde(default = "default_true")]
    pub long_lived: bool,
}

/// A single identity's declaration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityDeclaration {
    /// An identity key; give `id` or `selector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<Selector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The date the identity must be retired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub expires: Option<Date>,
    /// Whether the identity is a person's account; overrides the evidence Roster gathers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human: Option<bool>,
}

/// A waiver of one rule for one target, until a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// A rule name such as `stale-credential`, or `*` for every rule.
    pub rule: String,
    /// A finding fingerprint, or a subject key where `*` matches any run of characters.
    pub target: String,
    pub reason: String,
    pub owner: String,
    #[schemars(with = "String")]
    pub expires: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

fn default_unused_after() -> Duration {
    Duration { hours: 90 * 24 }
}

fn default_credential_max_age() -> Duration {
    Duration { hours: 90 * 24 }
}

fn default_expiring_within() -> Duration {
    Duration { hours: 30 * 24 }
}

fn default_true() -> bool {
    true
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            unused_after: default_unused_after(),
            credential_max_age: default_credential_max_age(),
            expiring_within: default_expiring_within(),
            organization: Organization::default(),
        }
    }
}

impl TryFrom<String> for Duration {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let (number, unit) = text.split_at(text.len().saturating_sub(1));
        let count: u64 = number.parse().map_err(|_| {
            format!("invalid duration `{text}`: expected a number and a unit, for example `90d`")
        })?;
        let hours_per_unit = match unit {
            "h" => 1,
            "d" => 24,
            "w" => 24 * 7,
            _ => {
                return Err(format!(
                    "invalid duration `{text}`: the unit must be `h`, `d` or `w`, for example `90d`"
                ));
            }
        };
        Ok(Duration {
            hours: count * hours_per_unit,
        })
    }
}

impl From<Duration> for String {
    fn from(days: Duration) -> String {
        if days.hours % 24 == 0 {
            format!("{}d", days.hours / 24)
        } else {
            format!("{}h", days.hours)
        }
    }
}
