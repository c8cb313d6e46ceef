use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the usage evidence says.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum UsageState {
    /// Used at `last_used`.
    Used,
    /// The source covers this object and saw no use.
    NeverUsed,
    /// The source does not cover this object, or was not collected: nothing may be concluded.
    Unknown,
}

/// Last-used evidence for an identity, a credential or a permission, with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Usage {
    pub state: UsageState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<Timestamp>,
    /// Where the evidence comes from, for example `aws credential report`.
    pub source: String,
    /// What the source cannot see: lag, denied attempts counted, APIs it does not record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blind_spots: Vec<String>,
    /// Where the use happened when the source says (an AWS region, a service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Usage {
    pub fn used(at: Timestamp, source: impl Into<String>) -> Self {
        Usage {
            state: UsageState::Used,
            last_used: Some(at),
            source: source.into(),
            blind_spots: Vec::new(),
            detail: None,
        }
    }

    pub fn never_used(source: impl Into<String>) -> Self {
        Usage {
            state: UsageState::NeverUsed,
            last_used: None,
            source: source.into(),
            blind_spots: Vec::new(),
            detail: None,
        }
    }

    /// Usage that was not collected; `reason` says why, for example `no credential report`.
    pub fn unknown(reason: impl Into<String>) -> Self {
        Usage {
            state: UsageState::Unknown,
            last_used: None,
            source: reason.into(),
            blind_spots: Vec::new(),
            detail: None,
        }
    }

    pub fn with_blind_spots(mut self, blind_spots: &[&str]) -> Self {
        self.blind_spots = blind_spots.iter().map(|spot| (*spot).to_owned()).collect();
        self
    }

    pub fn is_known(&self) -> bool {
        self.state != UsageState::Unknown
    }
}

/// Use of the permissions that one service grants an identity: when the identity last used
/// the service, and, where the provider tracks them, its actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceUsage {
    /// The service's namespace in permission names, for example `s3` in `s3:GetObject`.
    pub service: String,
    /// The service's display name, for example `Amazon S3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub last_used: Usage,
    /// The actions the provider tracks for this service, sorted; empty when it tracks none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionUsage>,
}

/// Use of one action, for example `s3:GetObject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ActionUsage {
    pub action: String,
    pub last_used: Usage,
}
