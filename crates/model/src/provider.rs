use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One of the providers Roster collects from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderId {
    Aws,
    Gcp,
    Azure,
    Slack,
    Kubernetes,
}

impl ProviderId {
    pub const ALL: [ProviderId; 5] = [
        ProviderId::Aws,
        ProviderId::Gcp,
        ProviderId::Azure,
        ProviderId::Slack,
        ProviderId::Kubernetes,
    ];

    /// Returns the name used on the command line, in JSON and in roster files.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderId::Aws => "aws",
            ProviderId::Gcp => "gcp",
            ProviderId::Azure => "azure",
            ProviderId::Slack => "slack",
            ProviderId::Kubernetes => "kubernetes",
        }
    }

    /// Returns the first segment of identity keys and scope ids (`k8s` for Kubernetes).
    pub fn key_prefix(self) -> &'static str {
        match self {
            ProviderId::Kubernetes => "k8s",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderId {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "aws" => Ok(ProviderId::Aws),
            "gcp" => Ok(ProviderId::Gcp),
            "azure" => Ok(ProviderId::Azure),
            "slack" => Ok(ProviderId::Slack),
            "kubernetes" | "k8s" => Ok(ProviderId::Kubernetes),
            other => Err(format!(
                "unknown provider `{other}`: expected one of aws, gcp, azure, slack, kubernetes"
            )),
        }
    }
}
