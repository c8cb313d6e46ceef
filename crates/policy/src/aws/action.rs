//! Action patterns: `service:Action` with wildcards, compared case-insensitively.

use std::fmt;

use super::wildcard::{self, Case, Token};

/// An entry of `Action` or `NotAction`, such as `s3:Get*`, `*` or `*:*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPattern {
    text: String,
    shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// `*`, which matches every action.
    All,
    /// `service:name`, each part lowercased and compiled.
    Split {
        service: Vec<Token>,
        name: Vec<Token>,
    },
    /// Text that is not `service:name`, such as a placeholder (`<action>`) left in a sample
    /// policy. IAM rejects such a policy; Roster keeps it and matches the text literally.
    Malformed(String),
}

impl ActionPattern {
    /// Reads a pattern: `*`, or `service:name` with wildcards in either part. Other non-empty
    /// text is kept and matches only itself (see [`Self::is_well_formed`]).
    pub fn parse(text: &str) -> Result<ActionPattern, String> {
        if text.is_empty() {
            return Err(
                "invalid action ``: expected `service:action`, for example `s3:GetObject`, or `*`"
                    .to_owned(),
            );
        }
        let shape = match text.split_once(':') {
            _ if text == "*" => Shape::All,
            Some((service, name)) if !service.is_empty() && !name.is_empty() => Shape::Split {
                service: wildcard::compile(&service.to_ascii_lowercase()),
                name: wildcard::compile(&name.to_ascii_lowercase()),
            },
            _ => Shape::Malformed(text.to_ascii_lowercase()),
        };
        Ok(ActionPattern {
            text: text.to_owned(),
            shape,
        })
    }

    /// Returns the pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Returns whether the pattern is `*` or `service:name`, the forms IAM accepts.
    pub fn is_well_formed(&self) -> bool {
        !matches!(self.shape, Shape::Malformed(_))
    }

    /// Returns whether the pattern matches every action: `*`, `*:*` or a similar spelling.
    pub fn is_all(&self) -> bool {
        match &self.shape {
            Shape::All => true,
            Shape::Split { service, name } => service == &[Token::Any] && name == &[Token::Any],
            Shape::Malformed(_) => false,
        }
    }

    /// Returns whether the service prefix contains a wildcard. Such a pattern never names an
    /// unknown service.
    pub fn service_has_wildcard(&self) -> bool {
        match &self.shape {
            Shape::All => true,
            Shape::Split { service, .. } => wildcard::has_wildcard(service),
            Shape::Malformed(_) => false,
        }
    }

    /// Returns whether the action name contains a wildcard.
    pub fn name_has_wildcard(&self) -> bool {
        match &self.shape {
            Shape::All => true,
            Shape::Split { name, .. } => wildcard::has_wildcard(name),
            Shape::Malformed(_) => false,
        }
    }

    /// Returns the service prefix, lowercased, when it has no wildcard. A malformed pattern
    /// has no service and returns its whole text, which names no catalogue service.
    pub fn service(&self) -> Option<String> {
        match &self.shape {
            Shape::All => None,
            Shape::Split { service, .. } => {
                (!wildcard::has_wildcard(service)).then(|| literal_text(service))
            }
            Shape::Malformed(text) => Some(text.clone()),
        }
    }

    /// Returns the lowercased characters of the action name before its first wildcard: the
    /// whole name when it has none.
    pub(crate) fn name_prefix(&self) -> String {
        match &self.shape {
            Shape::Split { name, .. } => name
                .iter()
                .map_while(|token| match token {
                    Token::Char(character) => Some(*character),
                    _ => None,
                })
                .collect(),
            Shape::All | Shape::Malformed(_) => String::new(),
        }
    }

    /// Returns whether the pattern matches an action such as `iam:ListAccessKeys`. Service
    /// prefixes and action names compare case-insensitively.
    pub fn matches(&self, action: &str) -> bool {
        self.matches_split(action, action.split_once(':'))
    }

    /// Matches an action already split at its first colon (`None` when it has none), so that
    /// one request is split once for all the patterns it meets.
    pub(crate) fn matches_split(&self, action: &str, split: Option<(&str, &str)>) -> bool {
        match &self.shape {
            Shape::All => true,
            Shape::Split { service, name } => {
                let Some((action_service, action_name)) = split else {
                    return false;
                };
                wildcard::matches(service, action_service, Case::Insensitive)
                    && wildcard::matches(name, action_name, Case::Insensitive)
            }
            Shape::Malformed(text) => text.eq_ignore_ascii_case(action),
        }
    }

    /// Returns whether the pattern matches the service prefix alone.
    pub(crate) fn matches_service(&self, prefix: &str) -> bool {
        match &self.shape {
            Shape::All => true,
            Shape::Split { service, .. } => wildcard::matches(service, prefix, Case::Insensitive),
            Shape::Malformed(_) => false,
        }
    }

    /// Returns whether the pattern matches the action name alone.
    pub(crate) fn matches_name(&self, action_name: &str) -> bool {
        match &self.shape {
            Shape::All => true,
            Shape::Split { name, .. } => wildcard::matches(name, action_name, Case::Insensitive),
            Shape::Malformed(_) => false,
        }
    }

    /// Returns whether every action this pattern matches is also matched by `outer`.
    pub(crate) fn covered_by(&self, outer: &ActionPattern) -> bool {
        if outer.is_all() {
            return true;
        }
        match (&outer.shape, &self.shape) {
            (
                Shape::Split {
                    service: outer_service,
                    name: outer_name,
                },
                Shape::Split { service, name },
            ) => {
                wildcard::covers(outer_service, service, Case::Insensitive)
                    && wildcard::covers(outer_name, name, Case::Insensitive)
            }
            (_, Shape::Malformed(text)) => outer.matches(text),
            _ => false,
        }
    }
}

impl fmt::Display for ActionPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn literal_text(tokens: &[Token]) -> String {
    tokens
        .iter()
        .filter_map(|token| match token {
            Token::Char(character) => Some(*character),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn pattern(text: &str) -> ActionPattern {
        ActionPattern::parse(text).unwrap()
    }

    #[test]
    fn action_case_is_ignored() {
        assert!(pattern("IAM:listaccesskeys").matches("iam:ListAccessKeys"));
        assert!(pattern("iam:ListAccessKeys").matches("IAM:LISTACCESSKEYS"));
    }

    #[test]
    fn star_forms_match_every_action() {
        for text in ["*", "*:*"] {
            let all = pattern(text);
            assert!(all.is_all(), "{text}");
            assert!(all.matches("s3:GetObject"), "{text}");
            assert!(all.matches("newservice:DoThing"), "{text}");
            assert!(all.service_has_wildcard(), "{text}");
        }
    }

    #[test]
    fn wildcards_match_within_name() {
        let candidates = [
            "s3:GetObject",
            "s3:GetObjectAcl",
            "s3:GetBucketTagging",
            "s3:GetObjectTagging",
            "s3:GetObjectVersion",
        ];
        let matching = |text: &str| -> Vec<&str> {
            let compiled = pattern(text);
            candidates
                .iter()
                .copied()
                .filter(|action| compiled.matches(action))
                .collect()
        };

        assert_eq!(
            matching("s3:GetObject*"),
            vec![
                "s3:GetObject",
                "s3:GetObjectAcl",
                "s3:GetObjectTagging",
                "s3:GetObjectVersion"
            ]
        );
        assert_eq!(
            matching("s3:Get*Tagging"),
            vec!["s3:GetBucketTagging", "s3:GetObjectTagging"]
        );
        assert_eq!(matching("s3:GetObjectVersio?"), vec!["s3:GetObjectVersion"]);
    }

    #[test]
    fn malformed_pattern_matches_only_itself() {
        let placeholder = pattern("<action>");

        assert!(!placeholder.is_well_formed());
        assert!(placeholder.matches("<ACTION>"));
        assert!(!placeholder.matches("s3:GetObject"));
        assert!(!placeholder.is_all());
        assert!(ActionPattern::parse("").is_err());
    }

    #[test]
    fn coverage_between_patterns() {
        assert!(pattern("iam:CreateUser").covered_by(&pattern("iam:Create*")));
        assert!(pattern("iam:Create*").covered_by(&pattern("*")));
        assert!(!pattern("iam:*").covered_by(&pattern("iam:Create*")));
    }
}
