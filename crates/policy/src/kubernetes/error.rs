use thiserror::Error;

/// Kubernetes RBAC objects that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KubernetesError {
    /// The text is not JSON. Line and column are 1-based, as serde_json counts them.
    #[error("invalid JSON in RBAC objects at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// The text is not YAML.
    #[error("invalid YAML in RBAC objects: {message}")]
    Yaml { message: String },
    /// An object breaks the RBAC schema; `path` names the element, for example
    /// `items[3].roleRef.kind`.
    #[error("invalid RBAC object at `{path}`: {message}")]
    Invalid { path: String, message: String },
}

impl KubernetesError {
    pub(crate) fn json(error: &serde_json::Error) -> KubernetesError {
        let text = error.to_string();
        let location = format!(" at line {} column {}", error.line(), error.column());
        let message = text.strip_suffix(&location).unwrap_or(&text).to_owned();
        KubernetesError::Json {
            line: error.line(),
            column: error.column(),
            message,
        }
    }

    pub(crate) fn invalid(path: impl Into<String>, message: impl Into<String>) -> KubernetesError {
        KubernetesError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}
