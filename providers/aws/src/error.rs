use std::path::PathBuf;

/// The two commands whose output this crate imports, named in format errors.
pub(crate) const EXPECTED_EXPORTS: &str = "expected the output of `aws iam get-account-authorization-details` or `aws iam get-credential-report`";

/// A failure to import an AWS export. Every variant names the file, and positions are 1-based.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("failed to read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{}` is not an AWS IAM export: it is {found}; {EXPECTED_EXPORTS}", path.display())]
    UnrecognizedFormat { path: PathBuf, found: String },

    /// Invalid JSON, or JSON that does not have the shape of the export.
    #[error("{}:{line}:{column}: invalid {export}: {message}", path.display())]
    Json {
        path: PathBuf,
        /// The export the file was read as, for example `account-authorization dump`.
        export: &'static str,
        line: usize,
        column: usize,
        message: String,
    },

    #[error(
        "`{}`: page {page} has none of `UserDetailList`, `GroupDetailList`, `RoleDetailList` or `Policies`, so it is not a page of an account-authorization dump",
        path.display()
    )]
    NotAPage { path: PathBuf, page: usize },

    #[error(
        "`{}`: page {page} repeats the Marker `{marker}` of an earlier page, so the pages loop; export the dump again",
        path.display()
    )]
    RepeatedMarker {
        path: PathBuf,
        page: usize,
        marker: String,
    },

    /// A value that parsed as JSON but means nothing valid: an ARN, a policy document.
    #[error("`{}`: invalid {field} of `{subject}`: {reason}", path.display())]
    InvalidValue {
        path: PathBuf,
        /// The kind of value, for example `trust policy` or `role ARN`.
        field: &'static str,
        subject: String,
        reason: String,
    },

    #[error(
        "`{}`: no ARN in the file names an AWS account, so it cannot be placed in one; export a dump or report that lists at least one user, group, role or customer-managed policy",
        path.display()
    )]
    NoAccount { path: PathBuf },

    #[error(
        "`{}`: unsupported credential report format `{format}`: expected `text/csv`",
        path.display()
    )]
    ReportFormat { path: PathBuf, format: String },

    #[error("`{}`: the credential report `Content` is not valid base64: {source}", path.display())]
    Base64 {
        path: PathBuf,
        #[source]
        source: base64::DecodeError,
    },

    #[error("{}:{line}: invalid credential report CSV: {message}", path.display())]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },

    #[error(
        "`{}`: the credential report lacks the columns {columns}; export it again with `aws iam get-credential-report`",
        path.display()
    )]
    MissingColumns { path: PathBuf, columns: String },

    #[error(
        "{}:{line}: invalid value `{value}` in column `{column}` of the credential report: expected {expected}",
        path.display()
    )]
    ReportValue {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
        expected: &'static str,
    },
}

impl ImportError {
    /// Builds a [`ImportError::Json`] from a serde_json error, keeping its line and column.
    pub(crate) fn json(
        path: &std::path::Path,
        export: &'static str,
        error: &serde_json::Error,
    ) -> Self {
        ImportError::Json {
            path: path.to_path_buf(),
            export,
            line: error.line(),
            column: error.column(),
            message: message_without_position(error),
        }
    }
}

/// Returns serde_json's message without the ` at line L column C` suffix that its `Display`
/// appends, because [`ImportError::Json`] prints the position in front.
fn message_without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
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
