//! A located tree of one roster file: every mapping key, value and list item with the line
//! and column where it starts.
//!
//! The typed parse into [`crate::Roster`] keeps no positions, so the loader parses each file
//! a second time into this tree. The tree names the entry an error sits in, records the
//! positions of the [`crate::SourceIndex`], and finds duplicate keys with both positions.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// The start of a node (line and column from 1), with its extent in the source when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Position {
    pub line: usize,
    pub column: usize,
    /// The node's length in characters, or 0 for collections and empty values.
    pub width: usize,
    byte_offset: Option<usize>,
    byte_len: Option<usize>,
}

impl Position {
    pub fn from_saphyr(location: serde_saphyr::Location) -> Self {
        let span = location.span();
        Position {
            line: usize::try_from(location.line()).unwrap_or(usize::MAX),
            column: usize::try_from(location.column()).unwrap_or(usize::MAX),
            width: usize::try_from(span.len()).unwrap_or(0),
            byte_offset: span
                .byte_offset()
                .and_then(|offset| usize::try_from(offset).ok()),
            byte_len: span.byte_len().and_then(|len| usize::try_from(len).ok()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    /// A scalar as written (plain scalars) or after unescaping (quoted ones).
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub at: Position,
    pub value: Value,
    /// True when the parser resolved the scalar to a number or a boolean, whose text is then
    /// taken back from the source so that `1.10` stays `1.10`.
    resolved: bool,
}

/// One step of a path from the root to a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// Whether a node found by position is a mapping key or a value (list items included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Key,
    Value,
}

impl Node {
    /// Returns the value under `key` of a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .find(|(name, _)| name.as_scalar() == Some(key))
            .map(|(_, value)| value)
    }

    /// Iterates over the (key, value) pairs of a mapping node, or over nothing for other nodes.
    pub fn entries(&self) -> impl Iterator<Item = (&Node, &Node)> {
        let pairs = match &self.value {
            Value::Map(pairs) => pairs.as_slice(),
            _ => &[],
        };
        pairs.iter().map(|(key, value)| (key, value))
    }

    /// Iterates over the items of a list node, or over nothing for other nodes.
    pub fn items(&self) -> impl Iterator<Item = &Node> {
        let items = match &self.value {
            Value::Seq(items) => items.as_slice(),
            _ => &[],
        };
        items.iter()
    }

    pub fn as_scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text) => Some(text),
            _ => None,
        }
    }

    /// Describes the node for an error message: the scalar in backticks, or its shape.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Null => "an empty value".to_owned(),
            Value::Scalar(text) => format!("`{text}`"),
            Value::Seq(_) => "a list".to_owned(),
            Value::Map(_) => "a mapping".to_owned(),
        }
    }

    /// Replaces the text of scalars the parser resolved to numbers or booleans with their
    /// spelling in `source`.
    pub fn restore_spelling(&mut self, source: &str) {
        match &mut self.value {
            Value::Scalar(text) if self.resolved => {
                let spelled = self
                    .at
                    .byte_offset
                    .zip(self.at.byte_len)
                    .and_then(|(offset, len)| source.get(offset..offset.saturating_add(len)));
                if let Some(spelled) = spelled {
                    *text = spelled.to_owned();
                }
            }
            Value::Seq(items) => items
                .iter_mut()
                .for_each(|item| item.restore_spelling(source)),
            Value::Map(pairs) => pairs.iter_mut().for_each(|(key, value)| {
                key.restore_spelling(source);
                value.restore_spelling(source);
            }),
            Value::Null | Value::Scalar(_) => {}
        }
    }

    /// Collects every node that starts at `line:column`, outermost first, with its path.
    pub fn nodes_at(&self, line: usize, column: usize) -> Vec<(Vec<Segment>, Role, &Node)> {
        let mut found = Vec::new();
        let mut path = Vec::new();
        self.collect_at(line, column, Role::Value, &mut path, &mut found);
        found
    }

    fn collect_at<'a>(
        &'a self,
        line: usize,
        column: usize,
        role: Role,
        path: &mut Vec<Segment>,
        found: &mut Vec<(Vec<Segment>, Role, &'a Node)>,
    ) {
        if (self.at.line, self.at.column) == (line, column) {
            found.push((path.clone(), role, self));
        }

        match &self.value {
            Value::Seq(items) => {
                for (index, item) in items.iter().enumerate() {
                    path.push(Segment::Index(index));
                    item.collect_at(line, column, Role::Value, path, found);
                    path.pop();
                }
            }
            Value::Map(pairs) => {
                for (key, value) in pairs {
                    let name = key.as_scalar().unwrap_or_default().to_owned();
                    path.push(Segment::Key(name));
                    key.collect_at(line, column, Role::Key, path, found);
                    value.collect_at(line, column, Role::Value, path, found);
                    path.pop();
                }
            }
            Value::Null | Value::Scalar(_) => {}
        }
    }

    /// Returns the path of the last value that starts at or before `line:column`, for errors
    /// whose position is not the start of any node.
    pub fn path_before(&self, line: usize, column: usize) -> Vec<Segment> {
        let mut best = Vec::new();
        let mut path = Vec::new();
        self.walk_before((line, column), &mut path, &mut best);
        best
    }

    fn walk_before(&self, limit: (usize, usize), path: &mut Vec<Segment>, best: &mut Vec<Segment>) {
        if (self.at.line, self.at.column) > limit {
            return;
        }
        best.clone_from(path);

        match &self.value {
            Value::Seq(items) => {
                for (index, item) in items.iter().enumerate() {
                    path.push(Segment::Index(index));
                    item.walk_before(limit, path, best);
                    path.pop();
                }
            }
            Value::Map(pairs) => {
                for (key, value) in pairs {
                    if (key.at.line, key.at.column) > limit {
                        break;
                    }
                    let name = key.as_scalar().unwrap_or_default().to_owned();
                    path.push(Segment::Key(name));
                    best.clone_from(path);
                    value.walk_before(limit, path, best);
                    path.pop();
                }
            }
            Value::Null | Value::Scalar(_) => {}
        }
    }

    /// Finds the first mapping key that repeats an earlier key of the same mapping, as
    /// (path of the mapping, first key, repeated key).
    pub fn find_duplicate_key(&self) -> Option<(Vec<Segment>, &Node, &Node)> {
        let mut path = Vec::new();
        self.duplicate_below(&mut path)
    }

    fn duplicate_below(&self, path: &mut Vec<Segment>) -> Option<(Vec<Segment>, &Node, &Node)> {
        match &self.value {
            Value::Seq(items) => items.iter().enumerate().find_map(|(index, item)| {
                path.push(Segment::Index(index));
                let found = item.duplicate_below(path);
                path.pop();
                found
            }),
            Value::Map(pairs) => {
                let mut seen: std::collections::HashMap<&str, &Node> =
                    std::collections::HashMap::new();
                for (key, _) in pairs {
                    let Some(name) = key.as_scalar() else {
                        continue;
                    };
                    if let Some(first) = seen.insert(name, key) {
                        return Some((path.clone(), first, key));
                    }
                }
                pairs.iter().find_map(|(key, value)| {
                    path.push(Segment::Key(key.as_scalar().unwrap_or_default().to_owned()));
                    let found = value.duplicate_below(path);
                    path.pop();
                    found
                })
            }
            Value::Null | Value::Scalar(_) => None,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned: Spanned<Parsed> = Spanned::deserialize(deserializer)?;
        Ok(Node {
            at: Position::from_saphyr(spanned.referenced),
            value: spanned.value.value,
            resolved: spanned.value.resolved,
        })
    }
}

/// A node's value before its position is attached.
struct Parsed {
    value: Value,
    resolved: bool,
}

impl Parsed {
    fn resolved(text: String) -> Self {
        Parsed {
            value: Value::Scalar(text),
            resolved: true,
        }
    }

    fn plain(value: Value) -> Self {
        Parsed {
            value,
            resolved: false,
        }
    }
}

impl<'de> Deserialize<'de> for Parsed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ParsedVisitor)
    }
}

struct ParsedVisitor;

impl<'de> Visitor<'de> for ParsedVisitor {
    type Value = Parsed;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any YAML node")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Parsed, E> {
        Ok(Parsed::plain(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Parsed, E> {
        Ok(Parsed::plain(Value::Null))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Parsed, E> {
        Ok(Parsed::resolved(value.to_string()))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Parsed, E> {
        Ok(Parsed::resolved(value.to_string()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Parsed, E> {
        Ok(Parsed::resolved(value.to_string()))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Parsed, E> {
        Ok(Parsed::resolved(value.to_string()))
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Parsed, E> {
        Ok(Parsed::resolved(value.to_string()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Parsed, E> {
        Ok(Parsed::resolved(value.to_string()))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Parsed, E> {
        Ok(Parsed::plain(Value::Scalar(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Parsed, E> {
        Ok(Parsed::plain(Value::Scalar(value)))
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<Parsed, E> {
        Ok(Parsed::plain(Value::Scalar(
            String::from_utf8_lossy(value).into_owned(),
        )))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Parsed, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = access.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Parsed::plain(Value::Seq(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Parsed, A::Error> {
        let mut pairs = Vec::new();
        while let Some(key) = access.next_key::<Node>()? {
            let value = access.next_value::<Node>()?;
            pairs.push((key, value));
        }
        Ok(Parsed::plain(Value::Map(pairs)))
    }
}

/// Renders a path relative to an entry, for example `members[0].selector`.
pub(crate) fn render_path(path: &[Segment]) -> String {
    let mut text = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) if text.is_empty() => text.push_str(key),
            Segment::Key(key) => {
                text.push('.');
                text.push_str(key);
            }
            Segment::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}
