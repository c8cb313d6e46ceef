//! Parsing one roster file: YAML (JSON included) into a [`Roster`] and a located tree, with
//! errors that name the position, the entry and the fix.

use std::path::Path;
use std::sync::Arc;

use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::options::DuplicateKeyPolicy;
use serde_saphyr::{Error as YamlError, MessageFormatter, UserMessageFormatter};

use crate::describe::describe_path;
use crate::diagnostic::{Diagnostic, Location};
use crate::member::{BOTH_ID_AND_SELECTOR, NEITHER_ID_NOR_SELECTOR};
use crate::source_index::SourceIndex;
use crate::suggest::{backticked, did_you_mean};
use crate::tree::{Node, Role, Segment, Value};
use crate::types::Roster;

/// Parser limits. These leave room for rosters that declare a hundred thousand identities one
/// by one, and stop alias bombs (a few lines of nested aliases that expand to billions of
/// nodes) long before they use much memory.
const MAX_NODES: usize = 2_000_000;
const MAX_EVENTS: usize = 8_000_000;
const MAX_DEPTH: usize = 32;
const MAX_ANCHORS: usize = 10_000;
const MAX_ALIASES: usize = 10_000;
/// Nodes that aliases may repeat, over the whole file.
const MAX_REPLAYED_EVENTS: usize = 100_000;

/// One parsed roster file.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    pub path: Arc<Path>,
    pub roster: Roster,
    pub tree: Node,
    pub index: SourceIndex,
}

/// Parses the text of one roster file.
pub(crate) fn parse_file(path: &Arc<Path>, text: &Arc<str>) -> Result<ParsedFile, Diagnostic> {
    let diagnostics = Diagnostics { path, text };

    let mut tree: Node =
        serde_saphyr::from_str_with_options(text, options(DuplicateKeyPolicy::PassThrough))
            .map_err(|error| diagnostics.yaml(None, error))?;
    tree.restore_spelling(text);

    if !matches!(tree.value, Value::Map(_)) {
        return Err(diagnostics.not_a_mapping(&tree));
    }
    if let Some((map_path, first, repeated)) = tree.find_duplicate_key() {
        return Err(diagnostics.duplicate_key(&tree, &map_path, first, repeated));
    }

    let roster: Roster =
        serde_saphyr::from_str_with_options(text, options(DuplicateKeyPolicy::Error))
            .map_err(|error| diagnostics.yaml(Some(&tree), error))?;

    let index = SourceIndex::of_file(path, text, &tree);
    Ok(ParsedFile {
        path: Arc::clone(path),
        roster,
        tree,
        index,
    })
}

fn options(duplicate_keys: DuplicateKeyPolicy) -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: MAX_NODES,
            max_events: MAX_EVENTS,
            max_depth: MAX_DEPTH,
            max_anchors: MAX_ANCHORS,
            max_aliases: MAX_ALIASES,
            max_documents: 1,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_REPLAYED_EVENTS,
        },
        duplicate_keys: duplicate_keys,
        // YAML 1.1 reads `no`, `off` and `n` as false, but a roster means the words.
        strict_booleans: true,
        // Keeps `012345678901` an account id instead of the number 12345678901.
        leading_zero_numbers_as_strings: true,
        with_snippet: false,
    }
}

/// Builds the diagnostics of one file.
struct Diagnostics<'a> {
    path: &'a Arc<Path>,
    text: &'a str,
}

impl Diagnostics<'_> {
    fn at(&self, position: (usize, usize), width: usize, message: String) -> Diagnostic {
        let location = Location {
            file: Arc::clone(self.path),
            line: position.0.max(1),
            column: position.1.max(1),
        };
        Diagnostic::new(location, message).with_source(self.text, width)
    }

    fn not_a_mapping(&self, tree: &Node) -> Diagnostic {
        let found = match tree.value {
            Value::Null => "is empty".to_owned(),
            _ => format!("holds {}", tree.describe()),
        };
        self.at(
            (tree.at.line, tree.at.column),
            tree.at.width,
            format!(
                "the roster {found}, but a roster is a mapping of `version`, `environments`, `groups` and the other sections"
            ),
        )
        .with_help("start the file with `version: 1`")
    }

    fn duplicate_key(
        &self,
        tree: &Node,
        map_path: &[Segment],
        first: &Node,
        repeated: &Node,
    ) -> Diagnostic {
        let name = repeated.as_scalar().unwrap_or_default();
        let place = describe_path(tree, map_path);
        self.at(
            (repeated.at.line, repeated.at.column),
            repeated.at.width,
            format!(
                "duplicate key `{name}` in {place}: it is already given at line {}",
                first.at.line
            ),
        )
        .with_help("remove one of the two, or merge them into one")
    }

    /// Translates a parser error. Without a tree (the file did not parse as YAML), the
    /// message cannot name the entry.
    fn yaml(&self, tree: Option<&Node>, error: YamlError) -> Diagnostic {
        let error = innermost(error);
        let Some(location) = error.location() else {
            return self.at(
                (1, 1),
                1,
                format!("invalid YAML: {}", plain_message(&error)),
            );
        };
        let line = usize::try_from(location.line()).unwrap_or(usize::MAX);
        let column = usize::try_from(location.column()).unwrap_or(usize::MAX);
        let at = Located {
            line,
            column,
            width: usize::try_from(location.span().len()).unwrap_or(0),
        };

        match (tree, &error) {
            (_, YamlError::Budget { .. })
            | (_, YamlError::AliasReplayLimitExceeded { .. })
            | (_, YamlError::AliasExpansionLimitExceeded { .. })
            | (_, YamlError::AliasReplayStackDepthExceeded { .. }) => self.budget(at, &error),
            (
                Some(tree),
                YamlError::SerdeUnknownField {
                    field, expected, ..
                },
            ) => self.unknown_field(tree, at, field, expected),
            (Some(tree), YamlError::SerdeMissingField { field, .. }) => {
                self.missing_field(tree, at, field)
            }
            (
                Some(tree),
                YamlError::SerdeUnknownVariant {
                    variant, expected, ..
                },
            ) => self.unknown_variant(tree, at, variant, expected),
            (Some(tree), YamlError::Message { msg, .. }) => self.custom(tree, at, msg),
            (Some(tree), YamlError::SerdeInvalidType { expected, .. })
            | (Some(tree), YamlError::SerdeInvalidValue { expected, .. }) => {
                self.wrong_type(tree, at, expected)
            }
            (Some(tree), YamlError::InvalidScalar { ty, .. }) => self.wrong_type(tree, at, ty),
            (Some(tree), YamlError::Unexpected { expected, .. }) => {
                self.wrong_type(tree, at, expected)
            }
            (Some(tree), YamlError::NullIntoString { .. }) => self.wrong_type(tree, at, "string"),
            (Some(tree), YamlError::InvalidBooleanStrict { .. }) => {
                self.wrong_type(tree, at, "bool")
            }
            _ => self.at(
                (line, column),
                at.width,
                format!("invalid YAML: {}", plain_message(&error)),
            ),
        }
    }

    fn budget(&self, at: Located, error: &YamlError) -> Diagnostic {
        if let YamlError::Budget {
            breach: BudgetBreach::Documents { .. },
            ..
        } = error
        {
            return self
                .at(
                    (at.line, at.column),
                    3,
                    format!(
                        "`{}` holds more than one YAML document, but a roster file is one document",
                        self.path.display()
                    ),
                )
                .with_help(
                    "remove the `---` line, or move each document into its own file of a `roster.d/` folder",
                );
        }

        self.at(
            (at.line, at.column),
            1,
            format!(
                "`{}` exceeds the limits of a roster file: {}",
                self.path.display(),
                plain_message(error)
            ),
        )
        .with_help(
            "anchors and aliases that repeat large parts of a file trip this limit; write the entries out",
        )
    }

    fn unknown_field(
        &self,
        tree: &Node,
        at: Located,
        field: &str,
        expected: &[&'static str],
    ) -> Diagnostic {
        let key = tree
            .nodes_at(at.line, at.column)
            .into_iter()
            .find(|(_, role, node)| *role == Role::Key && node.as_scalar() == Some(field));
        let (key_path, width) = key.map_or_else(
            || (tree.path_before(at.line, at.column), field.chars().count()),
            |(path, _, node)| (path, node.at.width),
        );
        let container = &key_path[..key_path.len().saturating_sub(1)];
        let place = describe_path(tree, container);

        let suggestion = did_you_mean(field, expected.iter().copied())
            .map(|name| format!(" (did you mean `{name}`?)"))
            .unwrap_or_default();
        let help = if expected.is_empty() {
            "remove the field".to_owned()
        } else {
            format!("expected one of {}", backticked(expected.iter().copied()))
        };
        self.at(
            (at.line, at.column),
            width,
            format!("unknown field `{field}` in {place}{suggestion}"),
        )
        .with_help(help)
    }

    fn missing_field(&self, tree: &Node, at: Located, field: &str) -> Diagnostic {
        let map_path = enclosing_map(tree, at);
        let place = describe_path(tree, &map_path);
        let start = node_at_path(tree, &map_path)
            .map_or((at.line, at.column), |node| (node.at.line, node.at.column));
        self.at(start, 1, format!("missing field `{field}` in {place}"))
            .with_help(format!("add `{field}:` with a value"))
    }

    fn unknown_variant(
        &self,
        tree: &Node,
        at: Located,
        variant: &str,
        expected: &[&'static str],
    ) -> Diagnostic {
        let (path, width) = value_at(tree, at);
        let suggestion = did_you_mean(variant, expected.iter().copied())
            .map(|name| format!(" (did you mean `{name}`?)"))
            .unwrap_or_default();
        self.at(
            (at.line, at.column),
            width,
            format!(
                "invalid value `{variant}` for {}{suggestion}",
                describe_path(tree, &path)
            ),
        )
        .with_help(format!(
            "expected one of {}",
            backticked(expected.iter().copied())
        ))
    }

    fn wrong_type(&self, tree: &Node, at: Located, expected: &str) -> Diagnostic {
        let (path, width) = value_at(tree, at);
        let found = tree
            .nodes_at(at.line, at.column)
            .into_iter()
            .find(|(_, role, _)| *role == Role::Value)
            .map_or_else(
                || "another value".to_owned(),
                |(_, _, node)| node.describe(),
            );
        self.at(
            (at.line, at.column),
            width,
            format!(
                "invalid type for {}: expected {}, found {found}",
                describe_path(tree, &path),
                plain_expectation(expected)
            ),
        )
    }

    fn custom(&self, tree: &Node, at: Located, message: &str) -> Diagnostic {
        let (path, width) = value_at(tree, at);

        if message == BOTH_ID_AND_SELECTOR || message == NEITHER_ID_NOR_SELECTOR {
            return self.member_shape(tree, at, &path, message);
        }

        let place = describe_path(tree, &path);
        let is_date = matches!(path.last(), Some(Segment::Key(key)) if key == "expires");
        if is_date {
            let text = node_text(tree, at);
            return self
                .at(
                    (at.line, at.column),
                    width,
                    format!("invalid date `{text}` for {place}: {message}"),
                )
                .with_help("write the date as `YYYY-MM-DD`, for example `2026-06-30`");
        }

        self.at((at.line, at.column), width, insert_place(message, &place))
    }

    fn member_shape(
        &self,
        tree: &Node,
        at: Located,
        path: &[Segment],
        message: &str,
    ) -> Diagnostic {
        let item_end = path
            .iter()
            .rposition(|segment| matches!(segment, Segment::Index(_)))
            .map_or(path.len(), |position| position + 1);
        let place = describe_path(tree, &path[..item_end]);
        let detail = message.trim_start_matches("a member ");
        self.at((at.line, at.column), 1, format!("{place} {detail}"))
            .with_help("give exactly one of `id` (an identity key) or `selector`")
    }
}

/// The position of a parser error.
#[derive(Debug, Clone, Copy)]
struct Located {
    line: usize,
    column: usize,
    width: usize,
}

/// Finds the value an error points at: its path, and its width for the underline.
fn value_at(tree: &Node, at: Located) -> (Vec<Segment>, usize) {
    tree.nodes_at(at.line, at.column)
        .into_iter()
        .find(|(_, role, _)| *role == Role::Value)
        .map_or_else(
            || (tree.path_before(at.line, at.column), at.width),
            |(path, _, node)| (path, node.at.width),
        )
}

/// Finds the mapping a missing-field error is about. The parser reports it at the mapping's
/// last key, or at the mapping itself when it is empty.
fn enclosing_map(tree: &Node, at: Located) -> Vec<Segment> {
    let found = tree.nodes_at(at.line, at.column);
    if let Some((path, _, _)) = found.iter().find(|(_, role, _)| *role == Role::Key) {
        return path[..path.len().saturating_sub(1)].to_vec();
    }
    found
        .into_iter()
        .filter(|(_, _, node)| matches!(node.value, Value::Map(_)))
        .map(|(path, _, _)| path)
        .next_back()
        .unwrap_or_else(|| tree.path_before(at.line, at.column))
}

fn node_at_path<'a>(tree: &'a Node, path: &[Segment]) -> Option<&'a Node> {
    path.iter().try_fold(tree, |node, segment| match segment {
        Segment::Key(key) => node.get(key),
        Segment::Index(index) => node.items().nth(*index),
    })
}

fn node_text(tree: &Node, at: Located) -> String {
    tree.nodes_at(at.line, at.column)
        .into_iter()
        .find_map(|(_, _, node)| node.as_scalar().map(str::to_owned))
        .unwrap_or_default()
}

/// Puts the place into a message of the form ``invalid duration `90`: reason``, giving
/// ``invalid duration `90` for `settings.unused_after`: reason``. Other messages get a
/// prefix.
fn insert_place(message: &str, place: &str) -> String {
    match message.split_once("`: ") {
        Some((head, reason)) if message.starts_with("invalid ") => {
            format!("{head}` for {place}: {reason}")
        }
        _ => format!("invalid value for {place}: {message}"),
    }
}

/// Says what a parser expectation means in roster terms.
fn plain_expectation(expected: &str) -> String {
    let expected = expected.trim();
    let plain = match expected {
        "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "usize" | "isize"
        | "an integer" | "integer" => "a whole number",
        "bool" | "a boolean" | "boolean" => "`true` or `false`",
        "string" | "a string" | "String" | "str" | "string scalar" => "a string",
        "sequence start" | "a sequence" | "sequence" => "a list",
        "mapping start" | "a map" | "map" | "mapping" => "a mapping",
        other if other.starts_with("struct ") || other.starts_with("enum ") => "a mapping",
        other => other,
    };
    plain.to_owned()
}

/// Unwraps alias and snippet wrappers down to the error that happened.
fn innermost(error: YamlError) -> YamlError {
    match error {
        YamlError::AliasError { error, .. } | YamlError::WithSnippet { error, .. } => {
            innermost(*error)
        }
        other => other,
    }
}

/// Returns the parser's message without its position suffix.
fn plain_message(error: &YamlError) -> String {
    UserMessageFormatter.format_message(error).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_place_names_the_field() {
        assert_eq!(
            insert_place(
                "invalid duration `90`: the unit is missing",
                "`settings.unused_after`"
            ),
            "invalid duration `90` for `settings.unused_after`: the unit is missing"
        );
        assert_eq!(
            insert_place("something broke", "`version`"),
            "invalid value for `version`: something broke"
        );
    }

    #[test]
    fn plain_expectation_uses_roster_words() {
        assert_eq!(plain_expectation("u32"), "a whole number");
        assert_eq!(plain_expectation("sequence start"), "a list");
        assert_eq!(plain_expectation("struct Selector"), "a mapping");
    }
}
