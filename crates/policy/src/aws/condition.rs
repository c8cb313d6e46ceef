//! The `Condition` element: operator, then context key, then the values any of which may match.

use std::fmt;

use super::variable::Template;
use super::wildcard::{self, Token};

/// A condition operator without its `ForAllValues:`/`ForAnyValue:` prefix and `IfExists`
/// suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OperatorKind {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const OPERATOR_NAMES: [(&str, OperatorKind); 27] = [
    ("StringEquals", OperatorKind::StringEquals),
    ("StringNotEquals", OperatorKind::StringNotEquals),
    (
        "StringEqualsIgnoreCase",
        OperatorKind::StringEqualsIgnoreCase,
    ),
    (
        "StringNotEqualsIgnoreCase",
        OperatorKind::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", OperatorKind::StringLike),
    ("StringNotLike", OperatorKind::StringNotLike),
    ("NumericEquals", OperatorKind::NumericEquals),
    ("NumericNotEquals", OperatorKind::NumericNotEquals),
    ("NumericLessThan", OperatorKind::NumericLessThan),
    ("NumericLessThanEquals", OperatorKind::NumericLessThanEquals),
    ("NumericGreaterThan", OperatorKind::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        OperatorKind::NumericGreaterThanEquals,
    ),
    ("DateEquals", OperatorKind::DateEquals),
    ("DateNotEquals", OperatorKind::DateNotEquals),
    ("DateLessThan", OperatorKind::DateLessThan),
    ("DateLessThanEquals", OperatorKind::DateLessThanEquals),
    ("DateGreaterThan", OperatorKind::DateGreaterThan),
    ("DateGreaterThanEquals", OperatorKind::DateGreaterThanEquals),
    ("Bool", OperatorKind::Bool),
    ("BinaryEquals", OperatorKind::BinaryEquals),
    ("IpAddress", OperatorKind::IpAddress),
    ("NotIpAddress", OperatorKind::NotIpAddress),
    ("ArnEquals", OperatorKind::ArnEquals),
    ("ArnLike", OperatorKind::ArnLike),
    ("ArnNotEquals", OperatorKind::ArnNotEquals),
    ("ArnNotLike", OperatorKind::ArnNotLike),
    ("Null", OperatorKind::Null),
];

impl OperatorKind {
    /// Returns the operator name as AWS documents it.
    pub fn name(self) -> &'static str {
        OPERATOR_NAMES
            .iter()
            .find(|(_, kind)| *kind == self)
            .map_or("", |(name, _)| name)
    }

    /// Returns whether the operator is a negated match (`StringNotEquals`, `NotIpAddress`,
    /// ...): its policy values combine with NOR instead of OR, and a key the request lacks
    /// makes it true.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            OperatorKind::StringNotEquals
                | OperatorKind::StringNotEqualsIgnoreCase
                | OperatorKind::StringNotLike
                | OperatorKind::NumericNotEquals
                | OperatorKind::DateNotEquals
                | OperatorKind::NotIpAddress
                | OperatorKind::ArnNotEquals
                | OperatorKind::ArnNotLike
        )
    }

    /// Returns whether `*` and `?` in the policy values are wildcards.
    pub(crate) fn has_wildcards(self) -> bool {
        matches!(
            self,
            OperatorKind::StringLike
                | OperatorKind::StringNotLike
                | OperatorKind::ArnEquals
                | OperatorKind::ArnLike
                | OperatorKind::ArnNotEquals
                | OperatorKind::ArnNotLike
        )
    }
}

/// `ForAllValues:` or `ForAnyValue:`, for context keys that hold several values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SetQualifier {
    /// Every value of the request must match; true when the request has no value.
    ForAllValues,
    /// At least one value of the request must match; false when the request has no value.
    ForAnyValue,
}

/// A full condition operator such as `ForAnyValue:StringLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Operator {
    pub kind: OperatorKind,
    pub qualifier: Option<SetQualifier>,
    /// The `IfExists` suffix: the condition is true when the request lacks the key.
    pub if_exists: bool,
}

impl Operator {
    /// Reads an operator; names compare case-insensitively. Returns `None` for an unknown
    /// operator.
    pub fn parse(text: &str) -> Option<Operator> {
        let (qualifier, rest) = strip_prefix_ignore_case(text, "ForAllValues:")
            .map(|rest| (Some(SetQualifier::ForAllValues), rest))
            .or_else(|| {
                strip_prefix_ignore_case(text, "ForAnyValue:")
                    .map(|rest| (Some(SetQualifier::ForAnyValue), rest))
            })
            .unwrap_or((None, text));
        let (if_exists, name) = match strip_suffix_ignore_case(rest, "IfExists") {
            Some(name) => (true, name),
            None => (false, rest),
        };
        let kind = OPERATOR_NAMES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, kind)| *kind)?;
        if kind == OperatorKind::Null && (if_exists || qualifier.is_some()) {
            return None;
        }
        Some(Operator {
            kind,
            qualifier,
            if_exists,
        })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(self.kind.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// One operator applied to one context key: `"StringEquals": {"aws:username": ["a", "b"]}`
/// gives one condition whose values are `a` and `b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: Operator,
    operator_text: String,
    key: String,
    key_lower: String,
    values: Vec<Template>,
    /// The wildcard form of each value, compiled once when the operator uses wildcards and
    /// the value has no `${...}`.
    compiled: Vec<Option<Vec<Token>>>,
}

impl Condition {
    pub(crate) fn new(
        operator: Operator,
        operator_text: &str,
        key: &str,
        values: Vec<Template>,
    ) -> Condition {
        let compiled = values
            .iter()
            .map(|value| {
                let wildcards = operator.kind.has_wildcards() && value.is_plain();
                wildcards.then(|| wildcard::compile(value.as_str()))
            })
            .collect();
        Condition {
            operator,
            operator_text: operator_text.to_owned(),
            key: key.to_owned(),
            key_lower: key.to_ascii_lowercase(),
            values,
            compiled,
        }
    }

    /// Returns the operator as the policy wrote it.
    pub fn operator_text(&self) -> &str {
        &self.operator_text
    }

    /// Returns the context key as the policy wrote it.
    pub fn key(&self) -> &str {
        &self.key
    }

    pub(crate) fn key_lower(&self) -> &str {
        &self.key_lower
    }

    /// Returns the policy values as written.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(Template::as_str)
    }

    pub(crate) fn templates(&self) -> &[Template] {
        &self.values
    }

    pub(crate) fn compiled(&self, index: usize) -> Option<&[Token]> {
        self.compiled.get(index).and_then(Option::as_deref)
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.operator_text, self.key)?;
        match self.values.as_slice() {
            [single] => write!(f, "`{}`", single.as_str()),
            values => {
                f.write_str("[")?;
                for (index, value) in values.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{}`", value.as_str())?;
                }
                f.write_str("]")
            }
        }
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let start = text.len().checked_sub(suffix.len())?;
    let tail = text.get(start..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..start])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn operator_parts_are_read() {
        let operator = Operator::parse("ForAnyValue:StringLikeIfExists").unwrap();

        assert_eq!(operator.kind, OperatorKind::StringLike);
        assert_eq!(operator.qualifier, Some(SetQualifier::ForAnyValue));
        assert!(operator.if_exists);
        assert_eq!(operator.to_string(), "ForAnyValue:StringLikeIfExists");
    }

    #[test]
    fn every_operator_name_round_trips() {
        for (name, kind) in OPERATOR_NAMES {
            let operator = Operator::parse(name).unwrap();
            assert_eq!(operator.kind, kind);
            assert_eq!(operator.to_string(), name);
        }
    }

    #[test]
    fn operator_names_ignore_case() {
        assert_eq!(
            Operator::parse("stringequals").unwrap().kind,
            OperatorKind::StringEquals
        );
        assert_eq!(
            Operator::parse("BoolIfExists").unwrap().kind,
            OperatorKind::Bool
        );
    }

    #[test]
    fn unknown_operator_is_none() {
        assert_eq!(Operator::parse("StringSortOf"), None);
        assert_eq!(Operator::parse("NullIfExists"), None);
    }

    #[test]
    fn condition_display_lists_values() {
        let operator = Operator::parse("StringEquals").unwrap();
        let values = vec![Template::parse("a", true), Template::parse("b", true)];
        let condition = Condition::new(operator, "StringEquals", "aws:PrincipalTag/team", values);

        assert_eq!(
            condition.to_string(),
            "StringEquals aws:PrincipalTag/team [`a`, `b`]"
        );
        assert_eq!(condition.key_lower(), "aws:principaltag/team");
    }
}
