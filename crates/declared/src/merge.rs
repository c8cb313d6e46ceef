//! Merging the files of a `roster.d/` folder into one roster.
//!
//! Environments, owners and groups merge by name, and a name defined in two files is an
//! error. Identities and suppressions concatenate in file order. Every file gives the same
//! `version`, and at most one file gives `settings`.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Location};
use crate::parse::ParsedFile;
use crate::source_index::{Entry, SourceIndex};
use crate::types::Roster;

/// Merges parsed files, given in file-name order.
pub(crate) fn merge(files: Vec<ParsedFile>) -> Result<(Roster, SourceIndex), Vec<Diagnostic>> {
    let mut roster = Roster::default();
    let mut index = SourceIndex::default();
    let mut errors = Vec::new();
    let mut first_version: Option<(u32, Location)> = None;

    for file in files {
        let ParsedFile {
            path,
            roster: part,
            tree,
            index: part_index,
        } = file;

        let version_at = part_index
            .version
            .as_ref()
            .map_or_else(|| start_of(&path), |entry| entry.at.clone());
        match &first_version {
            None => {
                roster.version = part.version;
                first_version = Some((part.version, version_at.clone()));
            }
            Some((version, first_at)) if *version != part.version => {
                errors.push(
                    part_index
                        .diagnostic(
                            &version_at,
                            part.version.to_string().len(),
                            format!(
                                "version `{}` differs from version `{version}` in `{}`",
                                part.version,
                                first_at.file.display()
                            ),
                        )
                        .with_help("give every file of the folder `version: 1`"),
                );
            }
            Some(_) => {}
        }

        if tree.get("settings").is_some() {
            match &index.settings {
                Some(first) => errors.push(
                    part_index
                        .diagnostic(
                            part_index
                                .settings
                                .as_ref()
                                .map_or(&version_at, |entry| &entry.at),
                            "settings".len(),
                            format!(
                                "`settings` is already given in `{}` at line {}",
                                first.at.file.display(),
                                first.at.line
                            ),
                        )
                        .with_help("keep one `settings` block for the whole folder"),
                ),
                None => {
                    roster.settings = part.settings;
                    index.settings.clone_from(&part_index.settings);
                }
            }
        }

        merge_named(
            "environment",
            part.environments,
            &mut roster.environments,
            &part_index.environments,
            &index.environments,
            &part_index,
            &mut errors,
        );
        merge_named(
            "owner",
            part.owners,
            &mut roster.owners,
            &part_index.owners,
            &index.owners,
            &part_index,
            &mut errors,
        );
        merge_named(
            "group",
            part.groups,
            &mut roster.groups,
            &part_index.groups,
            &index.groups,
            &part_index,
            &mut errors,
        );
        roster.identities.extend(part.identities);
        roster.suppressions.extend(part.suppressions);

        index.absorb(part_index);
    }

    if errors.is_empty() {
        Ok((roster, index))
    } else {
        Err(errors)
    }
}

/// Moves the named entries of one file into the merged map, reporting names that an earlier
/// file already defined.
fn merge_named<T>(
    kind: &str,
    part: BTreeMap<String, T>,
    merged: &mut BTreeMap<String, T>,
    part_entries: &BTreeMap<String, Entry>,
    merged_entries: &BTreeMap<String, Entry>,
    part_index: &SourceIndex,
    errors: &mut Vec<Diagnostic>,
) {
    for (name, value) in part {
        let Some(first) = merged_entries.get(&name) else {
            merged.insert(name, value);
            continue;
        };
        let Some(second) = part_entries.get(&name) else {
            continue;
        };
        errors.push(
            part_index
                .diagnostic(
                    &second.at,
                    name.chars().count(),
                    format!(
                        "{kind} `{name}` is already defined in `{}` at line {}",
                        first.at.file.display(),
                        first.at.line
                    ),
                )
                .with_help(format!(
                    "define each {kind} in one file: rename one of the two, or merge them"
                )),
        );
    }
}

fn start_of(path: &std::sync::Arc<std::path::Path>) -> Location {
    Location {
        file: std::sync::Arc::clone(path),
        line: 1,
        column: 1,
    }
}
