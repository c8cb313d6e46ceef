//! Roster's GCP provider: service accounts, their keys, roles and IAM policies, from Cloud
//! Asset Inventory exports and gcloud output, as a [`roster_model::Inventory`].
//!
//! Files are recognized from their content:
//!
//! - Cloud Asset Inventory records, as JSON lines or a JSON array, in snake_case from
//!   exports to Cloud Storage or camelCase from the API;
//! - `gcloud iam service-accounts list` and `gcloud iam service-accounts keys list`;
//! - `gcloud projects get-iam-policy`, saved as `<project-id>.iam-policy.json` because the
//!   output does not name its project;
//! - roles files with permissions.
//!
//! Records of other asset types are skipped and counted.
//!
//! [`GcpProvider`] also collects from the live APIs (see [`GcpConfig`]): Resource Manager for
//! the hierarchy and IAM policies, IAM for service accounts, keys and roles, and Policy
//! Analyzer for last authentication.
//!
//! The code is layered. [`detect`] recognizes a file and `import` reads it into an `Estate`,
//! the API's own objects (`raw`); `live` fills the same `Estate` from the APIs. `service_account`, `key`, `role`, `binding` and `member`
//! translate them into model types without I/O; `scope`, `coverage` and `build` assemble the
//! inventory. Every project gets coverage for each kind, so a part that the sources do not
//! hold is marked partial with the reason, never reported as empty.

mod binding;
mod build;
mod coverage;
mod detect;
mod error;
mod estate;
mod import;
mod key;
mod live;
mod member;
mod provider;
mod raw;
mod role;
mod scope;
mod service_account;

use std::path::{Path, PathBuf};

use roster_model::Inventory;

pub use detect::{Format, detect};
pub use error::ImportError;
pub use live::{CollectError, GcpConfig, GcpCredentials, RetrySettings};
pub use provider::GcpProvider;

use crate::estate::{Estate, Origin};

/// Reads and imports GCP exports; each file is recognized from its content.
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

/// Imports GCP exports already in memory, each with the path that messages name. Files of
/// the same estate are joined: a resource export and an IAM policy export, or a service
/// account list and a roles file.
pub fn import_bytes(files: &[(PathBuf, Vec<u8>)]) -> Result<Inventory, ImportError> {
    let mut estate = Estate::new(Origin::Import);
    for (path, bytes) in files {
        import::load_file(&mut estate, Path::new(path), bytes)?;
    }
    Ok(build::build_inventory(estate))
}
