use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ProviderId, ScopeId};

/// How serious a finding is, from `info` to `critical`; ordered so that `>=` compares.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str() == text)
            .ok_or_else(|| {
                format!("unknown severity `{text}`: expected critical, high, medium, low or info")
            })
    }
}

/// Whether a finding counts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FindingStatus {
    Open,
    Suppressed,
    /// A suppression matched but has expired: the finding counts again.
    SuppressionExpired,
}

/// A rule's result about one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// The rule's stable id, for example `RST001`.
    pub rule_id: String,
    /// The rule's kebab-case name, for example `undeclared-identity`.
    pub rule: String,
    pub severity: Severity,
    pub status: FindingStatus,
    /// The identity, group or credential key the finding is about.
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// One sentence: what is wrong.
    pub message: String,
    /// The facts behind the finding, one per line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Other keys the finding involves: a trusted principal, a group, a credential.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// SHA-256 of the rule, the subject and the discriminating facts: stable across runs.
    pub fingerprint: String,
    /// The suppression that matched, with its reason, when `status` is not `open`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<String>,
}
