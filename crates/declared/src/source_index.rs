//! Positions of a roster's entries, so that errors and findings point at the lines that
//! declared them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::Location;
use crate::scope::ScopeList;
use crate::tree::{Node, Position, Segment, render_path};

/// The position of one entry and of the values inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub at: Location,
    /// The entry's position in its own file's list, for entries of `identities` and
    /// `suppressions`. Messages name this index because it matches the file the author wrote.
    pub local_index: usize,
    /// Field path inside the entry (`selector.provider`, `members[2].id`) to the position and
    /// width of its value.
    fields: BTreeMap<String, (Location, usize)>,
}

impl Entry {
    /// Returns the position of a field's value, or of the entry when the field is absent.
    pub fn field(&self, path: &str) -> (&Location, usize) {
        self.fields
            .get(path)
            .map_or((&self.at, 1), |(location, width)| (location, *width))
    }
}

/// File, line and column of each environment, scope entry, owner, group, group member,
/// identity declaration and suppression of a loaded roster.
///
/// Identities and suppressions are indexed as in the merged [`crate::Roster`]: files'
/// lists are concatenated in file-name order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceIndex {
    pub(crate) version: Option<Entry>,
    pub(crate) settings: Option<Entry>,
    pub(crate) environments: BTreeMap<String, Entry>,
    pub(crate) scopes: BTreeMap<(String, ScopeList, usize), Location>,
    pub(crate) owners: BTreeMap<String, Entry>,
    pub(crate) groups: BTreeMap<String, Entry>,
    pub(crate) members: BTreeMap<(String, usize), Entry>,
    pub(crate) identities: Vec<Entry>,
    pub(crate) suppressions: Vec<Entry>,
    /// The text of every file, for showing the offending line under an error.
    pub(crate) sources: BTreeMap<Arc<Path>, Arc<str>>,
}

impl SourceIndex {
    /// Returns where the environment's name is written.
    pub fn environment(&self, name: &str) -> Option<&Location> {
        self.environments.get(name).map(|entry| &entry.at)
    }

    /// Returns where a scope entry is written: the `index`-th item of `list` in the
    /// environment.
    pub fn scope(&self, environment: &str, list: ScopeList, index: usize) -> Option<&Location> {
        self.scopes.get(&(environment.to_owned(), list, index))
    }

    pub fn owner(&self, name: &str) -> Option<&Location> {
        self.owners.get(name).map(|entry| &entry.at)
    }

    /// Returns where the group's name is written.
    pub fn group(&self, name: &str) -> Option<&Location> {
        self.groups.get(name).map(|entry| &entry.at)
    }

    /// Returns where the `index`-th member of the group is written.
    pub fn member(&self, group: &str, index: usize) -> Option<&Location> {
        self.members
            .get(&(group.to_owned(), index))
            .map(|entry| &entry.at)
    }

    /// Returns where `roster.identities[index]` is written.
    pub fn identity(&self, index: usize) -> Option<&Location> {
        self.identities.get(index).map(|entry| &entry.at)
    }

    /// Returns where `roster.suppressions[index]` is written.
    pub fn suppression(&self, index: usize) -> Option<&Location> {
        self.suppressions.get(index).map(|entry| &entry.at)
    }

    /// Returns where the `settings` block is written, when a file gives one.
    pub fn settings(&self) -> Option<&Location> {
        self.settings.as_ref().map(|entry| &entry.at)
    }

    /// Returns the text of a line of a loaded file, without its line break.
    pub fn source_line(&self, location: &Location) -> Option<&str> {
        self.sources
            .get(&location.file)
            .and_then(|text| text.lines().nth(location.line.saturating_sub(1)))
    }

    pub(crate) fn source(&self, file: &Path) -> Option<&str> {
        self.sources.get(file).map(AsRef::as_ref)
    }

    /// Indexes one file from its tree.
    pub(crate) fn of_file(file: &Arc<Path>, text: &Arc<str>, root: &Node) -> SourceIndex {
        let locate = |position: Position| Location {
            file: Arc::clone(file),
            line: position.line,
            column: position.column,
        };
        let entry = |key_at: Position, value: &Node, local_index: usize| {
            let mut fields = BTreeMap::new();
            collect_fields(value, &mut Vec::new(), &locate, &mut fields);
            Entry {
                at: locate(key_at),
                local_index,
                fields,
            }
        };
        let mut index = SourceIndex::default();
        index.sources.insert(Arc::clone(file), Arc::clone(text));

        for (key, value) in root.entries() {
            match key.as_scalar() {
                Some("version") => index.version = Some(entry(value.at, value, 0)),
                Some("settings") => index.settings = Some(entry(key.at, value, 0)),
                Some("environments") => {
                    for (name_node, scopes) in value.entries() {
                        let name = name_of(name_node);
                        index.index_scopes(&name, scopes, &locate);
                        index
                            .environments
                            .insert(name, entry(name_node.at, scopes, 0));
                    }
                }
                Some("owners") => {
                    for (name, owner) in value.entries() {
                        index.owners.insert(name_of(name), entry(name.at, owner, 0));
                    }
                }
                Some("groups") => {
                    for (name, group) in value.entries() {
                        let group_name = name_of(name);
                        for (position, member) in group
                            .get("members")
                            .into_iter()
                            .flat_map(Node::items)
                            .enumerate()
                        {
                            index.members.insert(
                                (group_name.clone(), position),
                                entry(member.at, member, position),
                            );
                        }
                        index.groups.insert(group_name, entry(name.at, group, 0));
                    }
                }
                Some("identities") => {
                    index.identities = value
                        .items()
                        .enumerate()
                        .map(|(position, item)| entry(item.at, item, position))
                        .collect();
                }
                Some("suppressions") => {
                    index.suppressions = value
                        .items()
                        .enumerate()
                        .map(|(position, item)| entry(item.at, item, position))
                        .collect();
                }
                _ => {}
            }
        }
        index
    }

    fn index_scopes(
        &mut self,
        environment: &str,
        scopes: &Node,
        locate: &impl Fn(Position) -> Location,
    ) {
        for list in ScopeList::ALL {
            let (provider, field) = list.field_path().split_once('.').unwrap_or_default();
            let items = scopes
                .get(provider)
                .and_then(|lists| lists.get(field))
                .into_iter()
                .flat_map(Node::items);
            for (position, item) in items.enumerate() {
                self.scopes
                    .insert((environment.to_owned(), list, position), locate(item.at));
            }
        }
    }

    /// Adds another file's index, whose identities and suppressions follow this one's.
    pub(crate) fn absorb(&mut self, other: SourceIndex) {
        if self.version.is_none() {
            self.version = other.version;
        }
        if self.settings.is_none() {
            self.settings = other.settings;
        }
        for (name, entry) in other.environments {
            self.environments.entry(name).or_insert(entry);
        }
        for (key, location) in other.scopes {
            self.scopes.entry(key).or_insert(location);
        }
        for (name, entry) in other.owners {
            self.owners.entry(name).or_insert(entry);
        }
        for (name, entry) in other.groups {
            self.groups.entry(name).or_insert(entry);
        }
        for (key, entry) in other.members {
            self.members.entry(key).or_insert(entry);
        }
        self.identities.extend(other.identities);
        self.suppressions.extend(other.suppressions);
        self.sources.extend(other.sources);
    }
}

/// Returns the text of a mapping key, or an empty string for a key that is not a scalar.
pub(crate) fn name_of(key: &Node) -> String {
    key.as_scalar().unwrap_or_default().to_owned()
}

fn collect_fields(
    node: &Node,
    path: &mut Vec<Segment>,
    locate: &impl Fn(Position) -> Location,
    fields: &mut BTreeMap<String, (Location, usize)>,
) {
    if !path.is_empty() {
        fields.insert(render_path(path), (locate(node.at), node.at.width));
    }
    for (key, value) in node.entries() {
        path.push(Segment::Key(name_of(key)));
        collect_fields(value, path, locate, fields);
        path.pop();
    }
    for (position, item) in node.items().enumerate() {
        path.push(Segment::Index(position));
        collect_fields(item, path, locate, fields);
        path.pop();
    }
}

impl SourceIndex {
    /// Builds a diagnostic at `location`, with the line from the loaded file.
    pub(crate) fn diagnostic(
        &self,
        location: &Location,
        width: usize,
        message: impl Into<String>,
    ) -> crate::diagnostic::Diagnostic {
        let diagnostic = crate::diagnostic::Diagnostic::new(location.clone(), message);
        match self.source(&location.file) {
            Some(text) => diagnostic.with_source(text, width),
            None => diagnostic,
        }
    }
}
