//! Roster's AWS provider: collects IAM through the SDK, or imports IAM exports, into a
//! [`roster_model::Inventory`].
//!
//! Two exports are read, each recognized from its content: the output of
//! `aws iam get-account-authorization-details` (users, groups, roles, trust policies, inline
//! and managed policies) and of `aws iam get-credential-report` (access keys, console
//! passwords, their last use). Files of the same account are joined; the account comes from
//! the ARNs inside. Every account gets coverage for each kind, so a part that the files do not
//! hold is marked partial with the reason, never reported as empty.
//!
//! The code is layered. [`detect`] recognizes a file. `raw`, `pages` and `credential_report`
//! read the AWS shapes with serde. `user`, `group`, `role`, `trust`, `policy` and
//! `credential` translate them into model types without I/O. `account`, `join` and
//! `coverage` assemble the accounts. [`live`] collects from the API: its API layer returns
//! the same raw shapes that exports give, so both paths share the translate layer, and it
//! adds what only the API has (access key ids, service last accessed, permission boundaries
//! that listings omit, identity providers).

mod account;
mod arn;
mod coverage;
mod credential;
mod credential_report;
mod detect;
mod document;
mod dump;
mod error;
mod group;
mod join;
pub mod live;
mod pages;
mod policy;
mod provider;
mod raw;
mod role;
mod tags;
mod time;
mod trust;
mod user;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use roster_model::Inventory;

pub use detect::{Format, detect};
pub use error::ImportError;
pub use live::{
    AwsConfig, CollectError, Connection, JobPolling, OrganizationScan, RetryMode, RetrySettings,
    StaticCredentials,
};
pub use provider::{AwsProvider, READ_PERMISSIONS};

use crate::credential_report::{ReportFile, parse_report_csv, parse_report_json};
use crate::pages::{DumpFile, parse_dump};

/// Reads and imports AWS exports. Each file is an account-authorization dump or a
/// credential report, recognized from its content.
pub fn import_paths(paths: &[PathBuf]) -> Result<Inventory, ImportError> {
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
            path: path.clone(),
            source,
        })?;
        files.push((path.clone(), bytes));
    }
    import_bytes(&files)
}

/// Imports AWS exports already in memory, each with the path that messages name.
pub fn import_bytes(files: &[(PathBuf, Vec<u8>)]) -> Result<Inventory, ImportError> {
    let mut dumps = Vec::new();
    let mut reports = Vec::new();
    // The files are parsed side by side, and their errors are reported in file order.
    let loaded: Vec<Result<Export, ImportError>> = files
        .par_iter()
        .map(|(path, bytes)| load(path, bytes))
        .collect();
    for export in loaded {
        match export? {
            Export::Dump(dump) => dumps.push(dump),
            Export::Report(report) => reports.push(report),
        }
    }

    let sources = files
        .iter()
        .map(|(path, _)| path.display().to_string())
        .collect();
    let mut accounts = account::Accounts::new();
    let mut managed = account::ManagedPolicies::new();
    for dump in dumps {
        dump::translate_dump(dump, &mut accounts, &mut managed)?;
    }
    join::apply_reports(reports, &mut accounts)?;
    Ok(account::build_inventory(accounts, managed, sources))
}

/// One parsed file.
enum Export {
    Dump(DumpFile),
    Report(ReportFile),
}

fn load(path: &Path, bytes: &[u8]) -> Result<Export, ImportError> {
    let format = detect(bytes);
    tracing::debug!(path = %path.display(), ?format, "detected export format");
    match format {
        Format::AuthorizationDetails => parse_dump(path, bytes).map(Export::Dump),
        Format::CredentialReport => parse_report_json(path, bytes).map(Export::Report),
        Format::CredentialReportCsv => parse_report_csv(path, bytes, None).map(Export::Report),
        Format::Unrecognized(found) => Err(ImportError::UnrecognizedFormat {
            path: path.to_path_buf(),
            found,
        }),
    }
}

#[cfg(test)]
mod tests;
