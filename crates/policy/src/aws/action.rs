//! Action patterns: `service:Action` with wildcards, compared case-insensitively.

use std::fmt;

use super::wildcard::{self, Case, Token};

/// An entry of `Action` or `NotAction`, such as `s3:Get*`, `*` or `*:*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPattern {
    text: String,
    /// `None` for `*`, which matches every action including ones with no colon.
    parts: Option<Parts>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Parts {
    service: Vec<Token>,
    name: Vec<Token>,
}

impl ActionPattern {
    /// Reads a pattern; the text must be `*` or `service:name`, either part possibly with
    /// wildcards.
    pub fn parse(text: &str) -> Result<ActionPattern, String> {
        if text == "*" {
            return Ok(ActionPattern {
                text: text.to_owned(),
                parts: None,
            });
        }
        let Some((service, name)) = text.split_once(':') else {
            return Err(format!(
                "invalid action `{text}`: expected `service:action`, for example `s3:GetObject`, or `*`"
            ));
        };
        if service.is_empty() || name.is_empty() {
            return Err(format!(
                "invalid action `{text}`: the service prefix and the action name must not be empty"
            ));
        }

        Ok(ActionPattern {
            text: text.to_owned(),
            parts: Some(Parts {
                service: wildcard::compile(&service.to_ascii_lowercase()),
                name: wildcard::compile(&name.to_ascii_lowercase()),
            }),
        })
    }

    /// Returns the pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Returns whether the pattern matches every action: `*`, `*:*` or a similar spelling.
    pub fn is_all(&self) -> bool {
        match &self.parts {
            None => true,
            Some(parts) => parts.service == [Token::Any] && parts.name == [Token::Any],
        }
    }

    /// Returns whether the service prefix holds a wildcard. Such a pattern never names an
    /// unknown service.
    pub fn service_has_wildcard(&self) -> bool {
        self.parts
            .as_ref()
            .is_none_or(|parts| wildcard::has_wildcard(&parts.service))
    }

    /// Returns whether the action name holds a wildcard.
    pub fn name_has_wildcard(&self) -> bool {
        self.parts
            .as_ref()
            .is_none_or(|parts| wildcard::has_wildcard(&parts.name))
    }

    /// Returns the service prefix, lowercased, when it has no wildcard.
    pub fn service(&self) -> Option<String> {
        let parts = self.parts.as_ref()?;
        if wildcard::has_wildcard(&parts.service) {
            return None;
        }
        Some(literal_text(&parts.service))
    }

    /// Returns whether the pattern matches an action such as `iam:ListAccessKeys`. Service
    /// prefixes and action names compare case-insensitively.
    pub fn matches(&self, action: &str) -> bool {
        let Some(parts) = &self.parts else {
            return true;
        };
        let Some((service, name)) = action.split_once(':') else {
            return false;
        };
        wildcard::matches(&parts.service, service, Case::Insensitive)
            && wildcard::matches(&parts.name, name, Case::Insensitive)
    }

    /// Returns whether the pattern matches the service prefix alone.
    pub(crate) fn matches_service(&self, service: &str) -> bool {
        self.parts
            .as_ref()
            .is_none_or(|parts| wildcard::matches(&parts.service, service, Case::Insensitive))
    }

    /// Returns whether the pattern matches the action name alone.
    pub(crate) fn matches_name(&self, name: &str) -> bool {
        self.parts
            .as_ref()
            .is_none_or(|parts| wildcard::matches(&parts.name, name, Case::Insensitive))
    }

    /// Returns whether every action this pattern matches is also matched by `outer`.
    pub(crate) fn covered_by(&self, outer: &ActionPattern) -> bool {
        match (&outer.parts, &self.parts) {
            _ if outer.is_all() => true,
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(outer), Some(inner)) => {
                wildcard::covers(&outer.service, &inner.service, Case::Insensitive)
                    && wildcard::covers(&outer.name, &inner.name, Case::Insensitive)
            }
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
    fn pattern_without_colon_is_rejected() {
        let error = ActionPattern::parse("s3GetObject").unwrap_err();
        assert_eq!(
            error,
            "invalid action `s3GetObject`: expected `service:action`, for example `s3:GetObject`, or `*`"
        );
    }

    #[test]
    fn coverage_between_patterns() {
        assert!(pattern("iam:CreateUser").covered_by(&pattern("iam:Create*")));
        assert!(pattern("iam:Create*").covered_by(&pattern("*")));
        assert!(!pattern("iam:*").covered_by(&pattern("iam:Create*")));
    }
}
