//! Policy variables: `${aws:username}` and its kin in `Resource` and condition values.
//!
//! Under policy language version 2012-10-17, `${key}` is replaced by the request's value of
//! that context key, and `${key, 'default'}` falls back to the default when the request lacks
//! the key. `${*}`, `${?}` and `${$}` are the literal characters `*`, `?` and `$`. Under
//! 2008-10-17 the text is taken literally.

use std::borrow::Cow;

use super::wildcard::{self, Token};

/// A policy string that may hold policy variables, kept as written for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    text: String,
    /// `None` when the text contains no `${...}` at all, which is the common case.
    parts: Option<Vec<Part>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Text as written; `*` and `?` in it are wildcards where the operator allows them.
    Text(String),
    /// A character written as `${*}`, `${?}` or `${$}`: never a wildcard.
    Escaped(char),
    Variable {
        /// The key lowercased, for lookups.
        key: String,
        default: Option<String>,
    },
}

/// Supplies the values of policy variables.
pub(crate) trait VariableSource {
    /// Returns the single value of a context key (lowercased), or `None` when the request
    /// lacks it or has several values.
    fn variable(&self, key_lower: &str) -> Option<Cow<'_, str>>;
}

/// Whether every variable of a template had a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolution {
    Complete,
    /// At least one variable had no value; its place matches any text.
    Missing,
}

impl Template {
    /// Reads a policy string; `expand` is true under policy language version 2012-10-17.
    pub fn parse(text: &str, expand: bool) -> Template {
        let parts = if expand && text.contains("${") {
            Some(split_parts(text))
        } else {
            None
        };
        Template {
            text: text.to_owned(),
            parts,
        }
    }

    /// Returns the text as written in the policy.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Returns whether the text contains no `${...}` to interpret, so it reads as written.
    pub(crate) fn is_plain(&self) -> bool {
        self.parts.is_none()
    }

    /// Returns whether the template refers to a context key.
    pub fn has_variables(&self) -> bool {
        self.variables().next().is_some()
    }

    /// Returns the lowercased context keys the template refers to.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().flatten().filter_map(|part| match part {
            Part::Variable { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }

    /// Returns the text with variables replaced, or `None` when a variable has no value.
    /// Escapes become their characters, so the result is meant for exact comparisons.
    pub(crate) fn resolve(&self, source: &dyn VariableSource) -> Option<Cow<'_, str>> {
        let Some(parts) = &self.parts else {
            return Some(Cow::Borrowed(&self.text));
        };
        let mut text = String::with_capacity(self.text.len());
        for part in parts {
            match part {
                Part::Text(literal) => text.push_str(literal),
                Part::Escaped(character) => text.push(*character),
                Part::Variable { key, default } => {
                    let value = source
                        .variable(key)
                        .or_else(|| default.as_deref().map(Cow::Borrowed))?;
                    text.push_str(&value);
                }
            }
        }
        Some(Cow::Owned(text))
    }

    /// Appends the template as wildcard tokens. `wildcards` tells whether `*` and `?` written
    /// in the text are wildcards. A variable without a value becomes `*`, so a failed match
    /// against the result is a definite non-match.
    pub(crate) fn push_tokens(
        &self,
        source: &dyn VariableSource,
        wildcards: bool,
        tokens: &mut Vec<Token>,
    ) -> Resolution {
        let push_text = |tokens: &mut Vec<Token>, text: &str| {
            if wildcards {
                wildcard::push_pattern(tokens, text);
            } else {
                wildcard::push_literal(tokens, text);
            }
        };
        let Some(parts) = &self.parts else {
            push_text(tokens, &self.text);
            return Resolution::Complete;
        };

        let mut resolution = Resolution::Complete;
        for part in parts {
            match part {
                Part::Text(literal) => push_text(tokens, literal),
                Part::Escaped(character) => tokens.push(Token::Char(*character)),
                Part::Variable { key, default } => {
                    match source
                        .variable(key)
                        .or_else(|| default.as_deref().map(Cow::Borrowed))
                    {
                        Some(value) => wildcard::push_literal(tokens, &value),
                        None => {
                            resolution = Resolution::Missing;
                            if tokens.last() != Some(&Token::Any) {
                                tokens.push(Token::Any);
                            }
                        }
                    }
                }
            }
        }
        resolution
    }
}

/// Splits text at each `${...}`. A `${` without a closing brace, or with an empty or
/// malformed body, stays literal text.
fn split_parts(text: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;

    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            break;
        };
        let body = &after[..end];
        let Some(part) = parse_body(body) else {
            literal.push_str(&rest[..start + 2]);
            rest = after;
            continue;
        };

        literal.push_str(&rest[..start]);
        if !literal.is_empty() {
            parts.push(Part::Text(std::mem::take(&mut literal)));
        }
        parts.push(part);
        rest = &after[end + 1..];
    }

    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    parts
}

fn parse_body(body: &str) -> Option<Part> {
    match body {
        "*" => return Some(Part::Escaped('*')),
        "?" => return Some(Part::Escaped('?')),
        "$" => return Some(Part::Escaped('$')),
        _ => {}
    }

    let (key, default) = match body.split_once(',') {
        Some((key, default)) => {
            let default = default.trim();
            let unquoted = default
                .strip_prefix('\'')
                .and_then(|inner| inner.strip_suffix('\''))?;
            (key.trim(), Some(unquoted.to_owned()))
        }
        None => (body.trim(), None),
    };
    if key.is_empty() || key.contains(char::is_whitespace) || key.contains('$') {
        return None;
    }
    Some(Part::Variable {
        key: key.to_ascii_lowercase(),
        default,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use super::super::wildcard::{Case, matches};
    use super::*;

    struct Values(BTreeMap<&'static str, &'static str>);

    impl VariableSource for Values {
        fn variable(&self, key_lower: &str) -> Option<Cow<'_, str>> {
            self.0.get(key_lower).map(|value| Cow::Borrowed(*value))
        }
    }

    fn values(pairs: &[(&'static str, &'static str)]) -> Values {
        Values(pairs.iter().copied().collect())
    }

    #[test]
    fn username_is_substituted() {
        let template = Template::parse("arn:aws:s3:::home/${aws:username}/*", true);
        let resolved = template
            .resolve(&values(&[("aws:username", "ana")]))
            .unwrap();

        assert_eq!(resolved, "arn:aws:s3:::home/ana/*");
        assert_eq!(
            template.variables().collect::<Vec<_>>(),
            vec!["aws:username"]
        );
    }

    #[test]
    fn old_version_keeps_text_literal() {
        let template = Template::parse("home/${aws:username}", false);

        assert!(!template.has_variables());
        assert_eq!(
            template.resolve(&values(&[])).unwrap(),
            "home/${aws:username}"
        );
    }

    #[test]
    fn missing_variable_resolves_to_none() {
        let template = Template::parse("${aws:PrincipalTag/team}-bucket", true);

        assert_eq!(template.resolve(&values(&[])), None);
        assert_eq!(
            template
                .resolve(&values(&[("aws:principaltag/team", "blue")]))
                .unwrap(),
            "blue-bucket"
        );
    }

    #[test]
    fn default_value_fills_missing_variable() {
        let template = Template::parse("${aws:username, 'nobody'}", true);

        assert_eq!(template.resolve(&values(&[])).unwrap(), "nobody");
        assert_eq!(
            template
                .resolve(&values(&[("aws:username", "ana")]))
                .unwrap(),
            "ana"
        );
    }

    #[test]
    fn escapes_are_literal_characters() {
        let template = Template::parse("a${*}b${?}c${$}", true);
        let mut tokens = Vec::new();
        let resolution = template.push_tokens(&values(&[]), true, &mut tokens);

        assert_eq!(resolution, Resolution::Complete);
        assert_eq!(template.resolve(&values(&[])).unwrap(), "a*b?c$");
        assert!(matches(&tokens, "a*b?c$", Case::Sensitive));
        assert!(!matches(&tokens, "aXbYc$", Case::Sensitive));
    }

    #[test]
    fn missing_variable_becomes_any_text() {
        let template = Template::parse("arn:aws:iam::${Account}:role/admin", true);
        let mut tokens = Vec::new();
        let resolution = template.push_tokens(&values(&[]), false, &mut tokens);

        assert_eq!(resolution, Resolution::Missing);
        assert!(matches(
            &tokens,
            "arn:aws:iam::111122223333:role/admin",
            Case::Sensitive
        ));
        assert!(!matches(
            &tokens,
            "arn:aws:iam::111122223333:root",
            Case::Sensitive
        ));
    }

    #[test]
    fn unclosed_variable_stays_literal() {
        let template = Template::parse("prefix-${aws:username", true);

        assert_eq!(
            template.resolve(&values(&[])).unwrap(),
            "prefix-${aws:username"
        );
    }
}
