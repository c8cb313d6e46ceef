use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{IdentityKind, ProviderId, ScopeId};

/// What part of a scope a coverage entry is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum CoverageKind {
    Identities,
    Groups,
    Grants,
    Trusts,
    Credentials,
    IdentityUsage,
    CredentialUsage,
    PermissionUsage,
    PermissionBoundaries,
}

impl CoverageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageKind::Identities => "identities",
            CoverageKind::Groups => "groups",
            CoverageKind::Grants => "grants",
            CoverageKind::Trusts => "trusts",
            CoverageKind::Credentials => "credentials",
            CoverageKind::IdentityUsage => "identity-usage",
            CoverageKind::CredentialUsage => "credential-usage",
            CoverageKind::PermissionUsage => "permission-usage",
            CoverageKind::PermissionBoundaries => "permission-boundaries",
        }
    }
}

impl std::fmt::Display for CoverageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How fully one part of a scope was collected. Anything but `complete` is unverified.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum CoverageStatus {
    Complete,
    Partial { reason: String },
    Denied { permission: String },
}

impl CoverageStatus {
    pub fn is_complete(&self) -> bool {
        matches!(self, CoverageStatus::Complete)
    }
}

/// Coverage of one (provider, scope, kind), optionally narrowed to one identity kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Coverage {
    pub provider: ProviderId,
    pub scope: ScopeId,
    pub kind: CoverageKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_kind: Option<IdentityKind>,
    #[serde(flatten)]
    pub status: CoverageStatus,
}
