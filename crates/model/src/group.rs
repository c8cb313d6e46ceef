use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{GroupKey, IdentityKey, ProviderId, ScopeId};

/// A provider group: an IAM group, a Google group, an Entra group, a Slack user group or a
/// Kubernetes group subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Group {
    pub key: GroupKey,
    pub provider: ProviderId,
    pub scope: ScopeId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Members, sorted; a member the provider names but the inventory lacks is still listed.
    pub members: Vec<IdentityKey>,
}
