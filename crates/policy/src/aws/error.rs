use thiserror::Error;

/// A policy document that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// The text is not JSON. Line and column are 1-based, as serde_json counts them.
    #[error("invalid JSON in policy document at line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// The JSON does not follow the policy grammar; `path` names the element, for example
    /// `Statement[1].Condition.StringEquals`.
    #[error("{}", describe_invalid(path, message))]
    Invalid { path: String, message: String },
    /// A URL-encoded document whose decoded bytes are not UTF-8.
    #[error("invalid URL-encoded policy document: {message}")]
    Encoding { message: String },
}

impl PolicyError {
    pub(crate) fn invalid(path: &str, message: impl Into<String>) -> PolicyError {
        PolicyError::Invalid {
            path: path.to_owned(),
            message: message.into(),
        }
    }

    /// Converts a serde_json error, keeping its position apart from its message.
    pub(crate) fn syntax(error: &serde_json::Error) -> PolicyError {
        let text = error.to_string();
        let location = format!(" at line {} column {}", error.line(), error.column());
        let message = text.strip_suffix(&location).unwrap_or(&text).to_owned();
        PolicyError::Syntax {
            line: error.line(),
            column: error.column(),
            message,
        }
    }
}

fn describe_invalid(path: &str, message: &str) -> String {
    if path.is_empty() {
        return format!("invalid policy document: {message}");
    }
    format!("invalid policy document at `{path}`: {message}")
}
