use thiserror::Error;

/// An Azure RBAC input that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AzureError {
    /// The text is not JSON. Line and column are 1-based, as serde_json counts them.
    #[error("invalid JSON in {document} at line {line}, column {column}: {message}")]
    Json {
        document: &'static str,
        line: usize,
        column: usize,
        message: String,
    },
    /// An element breaks the shape of its document; `path` names it, for example
    /// `[3].properties.principalId`.
    #[error("invalid {document} at `{path}`: {message}")]
    Invalid {
        document: &'static str,
        path: String,
        message: String,
    },
    /// A scope that is not an absolute ARM path.
    #[error("invalid scope `{scope}`: {reason}")]
    Scope { scope: String, reason: String },
    /// Following parents from `scope` came back to it.
    #[error(
        "the management group hierarchy has a cycle through `{scope}`; check the parent given for each management group and subscription"
    )]
    Cycle { scope: String },
}

impl AzureError {
    pub(crate) fn json(document: &'static str, error: &serde_json::Error) -> AzureError {
        let text = error.to_string();
        let location = format!(" at line {} column {}", error.line(), error.column());
        let message = text.strip_suffix(&location).unwrap_or(&text).to_owned();
        AzureError::Json {
            document,
            line: error.line(),
            column: error.column(),
            message,
        }
    }

    pub(crate) fn invalid(
        document: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> AzureError {
        AzureError::Invalid {
            document,
            path: path.into(),
            message: message.into(),
        }
    }
}
