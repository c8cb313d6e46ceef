//! The types of a roster file, version 1. The JSON Schema under `schema/` is generated from
//! these types.

use std::collections::BTreeMap;

use jiff::civil::Date;
use roster_model::IdentityKind;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A duration written as a number and a unit: `90d`, `12h`, `2w`.
// The JSON Schema is written by hand in `duration.rs`, so that it carries the pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Duration {
    /// The length in hours.
    pub hours: u64,
}

/// The declared state of an estate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// The roster format version; only `1` exists.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
    /// Thresholds that rules use, and what counts as inside the organization.
    #[serde(default)]
    pub settings: Settings,
    /// Known owners (teams or people). When the list is given, an owner not in it is gone.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owners: BTreeMap<String, OwnerDeclaration>,
    /// Environment name to the scopes it holds. A scope belongs to one environment.
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentScopes>,
    /// Group name to its declaration.
    #[serde(default)]
    pub groups: BTreeMap<String, GroupDeclaration>,
    /// Declarations of single identities, by key or by selector.
    #[serde(default)]
    pub identities: Vec<IdentityDeclaration>,
    /// Waivers of rules for targets, each until a date.
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
    #[schemars(inner(regex(pattern = r"^[0-9]{12}$")))]
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
    /// The owner's contact: a mailing list, a chat channel or a pager rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// The scopes of one environment, per provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentScopes {
    /// AWS accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsScopes>,
    /// GCP organizations, folders and projects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp: Option<GcpScopes>,
    /// Azure tenants, management groups, subscriptions and resource groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure: Option<AzureScopes>,
    /// Slack workspaces and Enterprise Grid organizations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<SlackScopes>,
    /// Kubernetes clusters and namespaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<KubernetesScopes>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwsScopes {
    /// Twelve-digit account ids.
    #[serde(default)]
    #[schemars(inner(regex(pattern = r"^[0-9]{12}$")))]
    pub accounts: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GcpScopes {
    /// Organization ids, bare (`123456789012`) or as `organizations/123456789012`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organizations: Vec<String>,
    /// Folder ids, bare or as `folders/123456789012`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<String>,
    /// Project ids, bare (`acme-prod`) or as `projects/acme-prod`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AzureScopes {
    /// Tenant ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tenants: Vec<String>,
    /// Management group names, bare or as ARM ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub management_groups: Vec<String>,
    /// Subscription ids, bare or as `/subscriptions/<id>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<String>,
    /// Resource groups as `<subscription-id>/<name>` or as ARM ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_groups: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackScopes {
    /// Workspace ids (`T...`) or Enterprise Grid organization ids (`E...`).
    #[serde(default)]
    pub workspaces: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubernetesScopes {
    /// Cluster names, as the inventory names them.
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
    /// The environment the group's members belong to, which `environments` must declare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The team or person accountable for the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The purpose of the group's identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The provider group this declaration mirrors (a group key such as
    /// `aws:111122223333:group:deployers`); membership drift compares the two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_group: Option<String>,
    /// The identities in the group, each by key or by selector.
    #[serde(default)]
    pub members: Vec<MemberMatcher>,
    /// The ceiling of rights a member may hold, per provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<AllowedRights>,
    /// Rules for the members' credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<CredentialPolicy>,
}

/// Names identities: exactly one of `id` or `selector`.
// Deserialization is written by hand in `member.rs`, so that an unknown field, or a member
// that gives both or neither, is an error with a position instead of a failed guess between
// variants.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum MemberMatcher {
    Id {
        /// An identity key, for example `aws:111122223333:role:deploy`.
        id: String,
    },
    Selector {
        /// Attributes that the member identities match.
        selector: Selector,
    },
}

/// Matches identities on their attributes; every given field must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// A provider: `aws`, `gcp`, `azure`, `slack` or `kubernetes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// An identity kind, for example `aws-role`.
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
    /// Attributes that the declared identities match. Give `id` or `selector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<Selector>,
    /// The team or person accountable for the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The purpose of the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The environment the identity belongs to, which `environments` must declare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The date the identity must be retired, as `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    #[schemars(schema_with = "crate::rules::rule_name_schema")]
    pub rule: String,
    /// A finding fingerprint, or a subject key where `*` matches any run of characters.
    pub target: String,
    /// The reason the finding is accepted.
    pub reason: String,
    /// The team or person who accepted the finding.
    pub owner: String,
    /// The last day the suppression applies, as `YYYY-MM-DD`.
    pub expires: Date,
    /// A tracking ticket for the accepted finding.
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
