//! What every provider shares: the [`Provider`] trait, its description, and the in-memory
//! form of an import source; the [`Collector`] trait of providers that read a live API, with
//! the [`Progress`] they report.
//!
//! A provider crate turns a provider's data into a [`roster_model::Inventory`] with coverage
//! for every (scope, kind). This crate contains no provider's code and no I/O beyond reading the
//! files an import names.

mod collect;

use std::path::{Path, PathBuf};

use roster_model::{IdentityKind, Inventory, ProviderId};

pub use collect::{Collection, Collector, NoProgress, Progress};

/// One input of an import: the name shown in messages (usually the file path) and its bytes.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A failure to read or understand an import source.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` holds no files to import: give a file or a folder with exports in it")]
    EmptyFolder { path: PathBuf },
    /// A provider-specific error, already phrased with the source name and the fix.
    #[error("{0}")]
    Provider(Box<dyn std::error::Error + Send + Sync>),
}

/// A provider's description and requirements, for `roster providers` and the docs.
#[derive(Debug)]
pub struct ProviderInfo {
    pub id: ProviderId,
    /// The identity kinds the provider produces.
    pub kinds: &'static [IdentityKind],
    /// The exports the provider imports, one line each.
    pub imports: &'static [&'static str],
    /// The read-only permissions a live scan needs.
    pub read_permissions: &'static [&'static str],
}

/// A provider: its description and its importer of native exports.
pub trait Provider {
    fn info(&self) -> &'static ProviderInfo;

    /// Builds an inventory from exports, detected from their content.
    fn import(&self, sources: Vec<Source>) -> Result<Inventory, ImportError>;
}

/// Reads a file, or every regular file directly inside a folder, in name order. Subfolders
/// and hidden files are not read, so a folder can keep other material beside the exports.
pub fn read_sources(path: &Path) -> Result<Vec<Source>, ImportError> {
    let read_error = |source| ImportError::Read {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if metadata.is_file() {
        let bytes = std::fs::read(path).map_err(read_error)?;
        return Ok(vec![Source {
            name: path.display().to_string(),
            bytes,
        }]);
    }

    let mut files = Vec::new();
    collect_files(path, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(ImportError::EmptyFolder {
            path: path.to_owned(),
        });
    }
    files
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(&file).map_err(|source| ImportError::Read {
                path: file.clone(),
                source,
            })?;
            Ok(Source {
                name: file.display().to_string(),
                bytes,
            })
        })
        .collect()
}

fn collect_files(folder: &Path, files: &mut Vec<PathBuf>) -> Result<(), ImportError> {
    let read_error = |source| ImportError::Read {
        path: folder.to_owned(),
        source,
    };
    for entry in std::fs::read_dir(folder).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let path = entry.path();
        let is_hidden = entry.file_name().to_string_lossy().starts_with('.');
        if is_hidden {
            continue;
        }
        let file_type = entry.file_type().map_err(read_error)?;
        if file_type.is_file() {
            files.push(path);
        }
    }
    Ok(())
}
