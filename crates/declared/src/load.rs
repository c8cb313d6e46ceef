//! Loading a roster from a `roster.yaml` file or a `roster.d/` folder.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use roster_model::Scope;
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Location, RosterError};
use crate::merge::merge;
use crate::parse::parse_file;
use crate::rules::RULE_NAMES;
use crate::source_index::SourceIndex;
use crate::types::Roster;
use crate::validate::validate_roster;

/// The maximum size of a roster file. Real rosters are far smaller, and the limit keeps a wrong
/// path (a log, a dump) from being read into memory whole.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The extensions of roster files in a folder.
const ROSTER_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// A roster with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedRoster {
    pub roster: Roster,
    /// The files read, in merge order.
    pub files: Vec<PathBuf>,
    /// SHA-256, in lowercase hex, of the files' bytes concatenated in merge order. For a
    /// single file it equals the file's `sha256sum`.
    pub digest: String,
    pub locations: SourceIndex,
}

/// Counts of a loaded roster's entries, for `roster check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RosterSummary {
    pub files: usize,
    pub environments: usize,
    pub scopes: usize,
    pub owners: usize,
    pub groups: usize,
    pub members: usize,
    pub identities: usize,
    pub suppressions: usize,
}

/// Reads, merges and validates a roster: `path` is a roster file, or a folder whose
/// `*.yaml`, `*.yml` and `*.json` files are merged in file-name order.
pub fn load(path: &Path) -> Result<LoadedRoster, RosterError> {
    let loaded = read(path)?;

    let errors = validate(&loaded, RULE_NAMES);
    if !errors.is_empty() {
        return Err(RosterError::Invalid(errors));
    }
    Ok(loaded)
}

/// Reads and merges a roster without the checks of [`validate`]. Parse errors (syntax,
/// unknown fields, duplicate keys, wrong types) and merge conflicts are still errors.
pub fn read(path: &Path) -> Result<LoadedRoster, RosterError> {
    let files = roster_files(path)?;

    let mut hasher = Sha256::new();
    let mut parsed = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for file in &files {
        let bytes = read_limited(file)?;
        hasher.update(&bytes);
        let text = String::from_utf8(bytes).map_err(|_| RosterError::NotUtf8(file.clone()))?;

        let file_path: Arc<Path> = Arc::from(file.as_path());
        match parse_file(&file_path, &Arc::from(text)) {
            Ok(file) => parsed.push(file),
            Err(diagnostic) => errors.push(diagnostic),
        }
    }
    if !errors.is_empty() {
        return Err(RosterError::Invalid(errors));
    }

    let (roster, locations) = merge(parsed).map_err(RosterError::Invalid)?;
    tracing::debug!(files = files.len(), "roster read");
    Ok(LoadedRoster {
        roster,
        files,
        digest: hex(&hasher.finalize()),
        locations,
    })
}

/// Parses and validates a roster held in memory, such as one compiled into the binary.
/// `path` is the name that messages show.
pub fn load_text(path: &Path, text: &str) -> Result<LoadedRoster, RosterError> {
    let file_path: Arc<Path> = Arc::from(path);
    let parsed = parse_file(&file_path, &Arc::from(text))
        .map_err(|diagnostic| RosterError::Invalid(vec![diagnostic]))?;
    let (roster, locations) = merge(vec![parsed]).map_err(RosterError::Invalid)?;

    let loaded = LoadedRoster {
        roster,
        files: vec![path.to_path_buf()],
        digest: hex(&Sha256::digest(text.as_bytes())),
        locations,
    };
    let errors = validate(&loaded, RULE_NAMES);
    if !errors.is_empty() {
        return Err(RosterError::Invalid(errors));
    }
    Ok(loaded)
}

/// Checks a roster read by [`read`]: the version, identity keys, environment references,
/// scopes listed twice, AWS account ids, and suppression rule names against `rule_names`
/// (`*` is always accepted). Returns the problems in file and line order.
pub fn validate(loaded: &LoadedRoster, rule_names: &[&str]) -> Vec<Diagnostic> {
    validate_roster(&loaded.roster, &loaded.locations, rule_names)
}

impl LoadedRoster {
    pub fn summary(&self) -> RosterSummary {
        let roster = &self.roster;
        RosterSummary {
            files: self.files.len(),
            environments: roster.environments.len(),
            scopes: roster.declared_scopes().count(),
            owners: roster.owners.len(),
            groups: roster.groups.len(),
            members: roster
                .groups
                .values()
                .map(|group| group.members.len())
                .sum(),
            identities: roster.identities.len(),
            suppressions: roster.suppressions.len(),
        }
    }

    /// Returns where the environment entry that contains this scope is written, when the
    /// roster lists the scope itself (parents are not followed).
    pub fn scope_location(&self, scope: &Scope) -> Option<&Location> {
        let found = self.roster.scope_declaration(scope)?;
        self.locations
            .scope(found.environment, found.list, found.index)
    }
}

impl fmt::Display for RosterSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}), {}, {} ({}), {}, {} in {}",
            counted(self.environments, "environment"),
            counted(self.scopes, "scope"),
            counted(self.owners, "owner"),
            counted(self.groups, "group"),
            counted(self.members, "member"),
            counted(self.identities, "identity declaration"),
            counted(self.suppressions, "suppression"),
            counted(self.files, "file"),
        )
    }
}

fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Lists the files to read: the file itself, or a folder's roster files by name.
fn roster_files(path: &Path) -> Result<Vec<PathBuf>, RosterError> {
    let metadata = fs::metadata(path).map_err(|source| RosterError::Read {
        path: path.to_owned(),
        source,
    })?;
    if metadata.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    if !metadata.is_dir() {
        return Err(RosterError::NotFileOrFolder(path.to_owned()));
    }

    let read_error = |source| RosterError::Read {
        path: path.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in fs::read_dir(path).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let name = entry.file_name();
        let candidate = entry.path();
        if is_roster_file_name(&name.to_string_lossy()) && candidate.is_file() {
            files.push(candidate);
        }
    }
    files.sort_by(|left, right| left.file_name().cmp(&right.file_name()));

    if files.is_empty() {
        return Err(RosterError::EmptyFolder(path.to_owned()));
    }
    Ok(files)
}

/// Tells whether a folder entry is a roster file: a known extension, and not hidden (editors
/// and tools keep their own files there under dot names).
fn is_roster_file_name(name: &str) -> bool {
    if name.starts_with('.') {
        return false;
    }
    let Some((_, extension)) = name.rsplit_once('.') else {
        return false;
    };
    ROSTER_EXTENSIONS.contains(&extension)
}

fn read_limited(path: &Path) -> Result<Vec<u8>, RosterError> {
    let read_error = |source| RosterError::Read {
        path: path.to_owned(),
        source,
    };
    let size = fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_FILE_BYTES {
        return Err(RosterError::TooLarge {
            path: path.to_owned(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    fs::read(path).map_err(read_error)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roster_file_names_need_known_extension() {
        assert!(is_roster_file_name("10-platform.yaml"));
        assert!(is_roster_file_name("20-data.yml"));
        assert!(is_roster_file_name("30-ml.json"));
        assert!(!is_roster_file_name("README.md"));
        assert!(!is_roster_file_name(".10-platform.yaml"));
        assert!(!is_roster_file_name("yaml"));
        assert!(!is_roster_file_name("roster.yaml.bak"));
    }

    #[test]
    fn summary_pluralizes() {
        let summary = RosterSummary {
            files: 1,
            environments: 2,
            scopes: 3,
            owners: 1,
            groups: 0,
            members: 0,
            identities: 1,
            suppressions: 2,
        };
        assert_eq!(
            summary.to_string(),
            "2 environments (3 scopes), 1 owner, 0 groups (0 members), 1 identity declaration, 2 suppressions in 1 file"
        );
    }
}
