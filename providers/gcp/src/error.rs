use std::path::PathBuf;

/// The exports this crate imports, named in format errors.
pub(crate) const EXPECTED_EXPORTS: &str = "expected a Cloud Asset Inventory export (JSON lines or a JSON array), `gcloud iam service-accounts list --format=json`, `gcloud iam service-accounts keys list --format=json`, `gcloud projects get-iam-policy --format=json`, or a roles file";

/// A failure to import a GCP export. Every variant names the file; lines are 1-based.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("failed to read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{}` is not a GCP IAM export: it is {found}; {EXPECTED_EXPORTS}", path.display())]
    UnrecognizedFormat { path: PathBuf, found: String },

    /// Invalid JSON, or JSON that does not have the shape of the export.
    #[error("{}:{line}: invalid {export}: {message}", path.display())]
    Json {
        path: PathBuf,
        /// The export the file was read as, for example `Cloud Asset Inventory record`.
        export: &'static str,
        line: usize,
        message: String,
    },

    #[error("`{}` is gzip-compressed but cannot be decompressed: {source}", path.display())]
    Gzip {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A value that parsed as JSON but means nothing valid: a resource name, a timestamp.
    #[error("{}:{line}: invalid {field} `{value}`: {reason}", path.display())]
    InvalidValue {
        path: PathBuf,
        line: usize,
        /// The kind of value, for example `service account key name`.
        field: &'static str,
        value: String,
        reason: String,
    },

    #[error(
        "`{}` is the output of `gcloud projects get-iam-policy`, which does not name its project; save it as `<project-id>.iam-policy.json` so the project is known",
        path.display()
    )]
    PolicyWithoutProject { path: PathBuf },
}

/// Formats a count with the singular or plural noun: `1 role`, `2 roles`.
pub(crate) fn counted(count: usize, singular: &str, plural: &str) -> String {
    if count == 1 {
        format!("{count} {singular}")
    } else {
        format!("{count} {plural}")
    }
}

/// Quotes names for a message: `` `a`, `b`, `c` ``.
pub(crate) fn quoted_list<T: std::fmt::Display>(names: &[T]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
