use thiserror::Error;

/// A GCP IAM input that could not be read, or a question the engine cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GcpError {
    /// The text is not JSON, or its JSON does not have the expected shape. Line and column are
    /// 1-based, as serde_json counts them, and 0 when the input was already parsed.
    #[error("invalid {document} at line {line}, column {column}: {message}")]
    Json {
        document: &'static str,
        line: usize,
        column: usize,
        message: String,
    },
    /// An element breaks the rules of its document; `path` names it, for example
    /// `bindings[2].members[0]`.
    #[error("invalid {document} at `{path}`: {message}")]
    Invalid {
        document: &'static str,
        path: String,
        message: String,
    },
    /// A member that is not one of the forms IAM writes.
    #[error("invalid member `{member}`: {reason}")]
    Member { member: String, reason: String },
    /// A role name that is neither predefined nor custom.
    #[error(
        "invalid role name `{role}`: expected `roles/NAME`, `organizations/ID/roles/NAME` or `projects/ID/roles/NAME`"
    )]
    RoleName { role: String },
    /// Following parents from `node` came back to it.
    #[error(
        "the resource hierarchy has a cycle through `{node}`; check the parent given for each node"
    )]
    Cycle { node: String },
}

impl GcpError {
    pub(crate) fn json(document: &'static str, error: &serde_json::Error) -> GcpError {
        let text = error.to_string();
        let location = format!(" at line {} column {}", error.line(), error.column());
        let message = text.strip_suffix(&location).unwrap_or(&text).to_owned();
        GcpError::Json {
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
    ) -> GcpError {
        GcpError::Invalid {
            document,
            path: path.into(),
            message: message.into(),
        }
    }
}
