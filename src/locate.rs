//! Points each finding at a line of a file, for SARIF results and GitHub annotations.
//!
//! A finding about a declared identity points at the roster entry that declares it: its
//! identity declaration, else its roster group member entry. A finding about a roster
//! group points at the group, and one about a provider group at the roster group that mirrors
//! it. Anything else, an undeclared identity for one, points at the environment entry that
//! lists its scope. When none of these exists, the finding points at line 1 of the first
//! roster file. Without a roster it points at line 1 of the first input file, because the
//! report does not record which input file each identity came from.

use std::collections::BTreeMap;
use std::path::Path;

use roster_analyze::Declaration;
use roster_declared::{LoadedRoster, Location};
use roster_model::{IdentityKey, Scope, ScopeId};
use roster_report::{Locations, SourceLocation};

use crate::commands::scan::Scan;

/// Builds the location of every finding subject of a scan.
pub fn locations(scan: &Scan, roster: Option<&LoadedRoster>) -> Locations {
    let mut locations = Locations::new(fallback(scan, roster));
    let Some(roster) = roster else {
        return locations;
    };

    let scopes: BTreeMap<&ScopeId, &Scope> =
        scan.scopes.iter().map(|scope| (&scope.id, scope)).collect();
    let identity_scopes: BTreeMap<&str, &ScopeId> = scan
        .report
        .identities
        .iter()
        .map(|identity| (identity.key.as_str(), &identity.scope))
        .collect();

    for finding in &scan.report.findings {
        let subject = finding.subject.as_str();
        let declared = subject
            .parse::<IdentityKey>()
            .ok()
            .and_then(|key| scan.declared_by.get(&key))
            .and_then(|declarations| first_location(roster, declarations));
        let located = declared
            .or_else(|| roster_group_location(roster, subject))
            .or_else(|| {
                let scope = finding
                    .scope
                    .as_ref()
                    .or_else(|| identity_scopes.get(subject).copied())?;
                roster.scope_location(scopes.get(scope)?)
            });
        if let Some(location) = located {
            locations.insert(subject, source_location(location));
        }
    }
    locations
}

/// Returns the location of the first declaration that the roster's source index contains.
fn first_location<'a>(
    roster: &'a LoadedRoster,
    declarations: &[Declaration],
) -> Option<&'a Location> {
    declarations
        .iter()
        .find_map(|declaration| match declaration {
            Declaration::Identity(index) => roster.locations.identity(*index),
            Declaration::GroupMember { group, member } => roster
                .locations
                .member(group, *member)
                .or_else(|| roster.locations.group(group)),
        })
}

/// Locates `roster:group:NAME`, and a provider group key through the roster group whose
/// `provider_group` names it.
fn roster_group_location<'a>(roster: &'a LoadedRoster, subject: &str) -> Option<&'a Location> {
    if let Some(name) = subject.strip_prefix("roster:group:") {
        return roster.locations.group(name);
    }
    let (name, _) = roster
        .roster
        .groups
        .iter()
        .find(|(_, group)| group.provider_group.as_deref() == Some(subject))?;
    roster.locations.group(name)
}

fn fallback(scan: &Scan, roster: Option<&LoadedRoster>) -> SourceLocation {
    if let Some(file) = roster.and_then(|roster| roster.files.first()) {
        return SourceLocation::new(display_path(file), 1, 1);
    }
    match scan.report.sources.first() {
        Some(source) => SourceLocation::new(display_path(Path::new(source)), 1, 1),
        None => SourceLocation::new("roster.yaml", 1, 1),
    }
}

fn source_location(location: &Location) -> SourceLocation {
    SourceLocation::new(display_path(&location.file), location.line, location.column)
}

/// Returns the path relative to the working folder when it lies inside it, since code
/// scanning and annotations resolve paths against the repository root.
fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    let path = relative.as_deref().unwrap_or(path);
    let text = path.display().to_string();
    text.strip_prefix("./").map_or(text.clone(), str::to_owned)
}
