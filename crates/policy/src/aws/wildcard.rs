//! Wildcard matching as IAM does it: `*` matches zero or more characters, `?` exactly one.

/// The case rule for comparing letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Sensitive,
    Insensitive,
}

/// One element of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token {
    Char(char),
    /// `*`: zero or more characters.
    Any,
    /// `?`: exactly one character.
    One,
}

/// Compiles a pattern in which `*` and `?` are wildcards.
pub(crate) fn compile(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(pattern.len());
    push_pattern(&mut tokens, pattern);
    tokens
}

pub(crate) fn push_pattern(tokens: &mut Vec<Token>, pattern: &str) {
    for character in pattern.chars() {
        let token = match character {
            '*' => Token::Any,
            '?' => Token::One,
            other => Token::Char(other),
        };
        // Consecutive `*` match the same strings as one and only cost backtracking.
        if token == Token::Any && tokens.last() == Some(&Token::Any) {
            continue;
        }
        tokens.push(token);
    }
}

pub(crate) fn push_literal(tokens: &mut Vec<Token>, text: &str) {
    tokens.extend(text.chars().map(Token::Char));
}

/// Returns whether `pattern` (with `*` and `?` as wildcards) matches the whole of `text`.
pub fn wildcard_match(pattern: &str, text: &str, case: Case) -> bool {
    matches(&compile(pattern), text, case)
}

/// Returns whether the compiled pattern matches the whole of `text`.
///
/// The matcher keeps only the last `*` it passed: on a mismatch it lets that `*` take one
/// more character and retries, which is linear in practice and never recursive.
pub(crate) fn matches(tokens: &[Token], text: &str, case: Case) -> bool {
    let bytes = text.as_bytes();
    let char_at = |offset: usize| -> Option<char> {
        match bytes.get(offset) {
            None => None,
            Some(&byte) if byte.is_ascii() => Some(char::from(byte)),
            Some(_) => text[offset..].chars().next(),
        }
    };

    let mut token = 0;
    let mut offset = 0;
    let mut retry: Option<(usize, usize)> = None;

    loop {
        let next = char_at(offset);
        if let Some(current) = tokens.get(token) {
            match (*current, next) {
                // A final `*` takes whatever text is left.
                (Token::Any, _) if token + 1 == tokens.len() => return true,
                (Token::Any, _) => {
                    retry = Some((token + 1, offset));
                    token += 1;
                    continue;
                }
                (Token::One, Some(character)) => {
                    token += 1;
                    offset += character.len_utf8();
                    continue;
                }
                (Token::Char(expected), Some(character)) if same(expected, character, case) => {
                    token += 1;
                    offset += character.len_utf8();
                    continue;
                }
                _ => {}
            }
        } else if next.is_none() {
            return true;
        }

        let Some((after_star, star_offset)) = retry else {
            return false;
        };
        let Some(skipped) = char_at(star_offset) else {
            return false;
        };
        let resume = star_offset + skipped.len_utf8();
        retry = Some((after_star, resume));
        token = after_star;
        offset = resume;
    }
}

/// Returns whether the pattern has a wildcard.
pub(crate) fn has_wildcard(tokens: &[Token]) -> bool {
    tokens.iter().any(|token| !matches!(token, Token::Char(_)))
}

fn same(expected: char, actual: char, case: Case) -> bool {
    if expected == actual {
        return true;
    }
    if case == Case::Sensitive {
        return false;
    }
    if expected.is_ascii() && actual.is_ascii() {
        return expected.eq_ignore_ascii_case(&actual);
    }
    expected.to_lowercase().eq(actual.to_lowercase())
}

/// Returns whether every string that pattern `inner` matches is also matched by `outer`.
///
/// Exact when `outer` has no `?`: `outer` then covers `inner` exactly when it matches the text
/// of `inner` with `inner`'s wildcards read as plain characters, because only an `*` of `outer`
/// can absorb them. With a `?` in `outer` the result is `false` unless the two are equal,
/// which errs toward "not covered".
pub(crate) fn covers(outer: &[Token], inner: &[Token], case: Case) -> bool {
    if outer == inner || outer == [Token::Any] {
        return true;
    }
    if outer.contains(&Token::One) {
        return false;
    }
    let text: String = inner
        .iter()
        .map(|token| match token {
            Token::Char(character) => *character,
            Token::Any => '*',
            Token::One => '?',
        })
        .collect();
    // `outer` has no `?`, so a wildcard of `inner` read as a plain character can only be taken
    // by one of `outer`'s `*`, unless `outer` contains that character literally.
    matches(outer, &text, case) && !literal_wildcard_taken_by_char(outer, inner)
}

/// Returns true when `outer` contains a literal `*` or `?` character that the plain-text reading
/// could pair with a wildcard of `inner`. Patterns compiled from text never contain such
/// characters, so this only guards escaped characters (`${*}`, `${?}`).
fn literal_wildcard_taken_by_char(outer: &[Token], inner: &[Token]) -> bool {
    let inner_has_wildcard = has_wildcard(inner);
    inner_has_wildcard
        && outer
            .iter()
            .any(|token| matches!(token, Token::Char('*') | Token::Char('?')))
}

/// Returns whether some string could match both patterns. Errs toward `true` when both have
/// wildcards and their fixed prefixes agree.
pub(crate) fn may_overlap(left: &[Token], right: &[Token], case: Case) -> bool {
    if covers(left, right, case) || covers(right, left, case) {
        return true;
    }
    let left_wild = has_wildcard(left);
    let right_wild = has_wildcard(right);
    if !left_wild || !right_wild {
        return false;
    }
    left.iter()
        .zip(right.iter())
        .take_while(|(a, b)| matches!((a, b), (Token::Char(_), Token::Char(_))))
        .all(|(a, b)| match (a, b) {
            (Token::Char(x), Token::Char(y)) => same(*x, *y, case),
            _ => true,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_zero_or_more() {
        assert!(wildcard_match(
            "s3:GetObject*",
            "s3:GetObject",
            Case::Sensitive
        ));
        assert!(wildcard_match(
            "s3:GetObject*",
            "s3:GetObjectAcl",
            Case::Sensitive
        ));
        assert!(wildcard_match(
            "s3:Get*Tagging",
            "s3:GetBucketTagging",
            Case::Sensitive
        ));
        assert!(!wildcard_match(
            "s3:Get*Tagging",
            "s3:GetObjectAcl",
            Case::Sensitive
        ));
    }

    #[test]
    fn question_mark_matches_one_character() {
        assert!(wildcard_match(
            "GetObjectVersio?",
            "GetObjectVersion",
            Case::Sensitive
        ));
        assert!(!wildcard_match(
            "GetObjectVersio?",
            "GetObjectVersio",
            Case::Sensitive
        ));
        assert!(!wildcard_match(
            "GetObjectVersio?",
            "GetObjectVersions",
            Case::Sensitive
        ));
    }

    #[test]
    fn backtracking_finds_later_match() {
        assert!(wildcard_match("a*b*c", "axxbyybzzc", Case::Sensitive));
        assert!(!wildcard_match("a*b*c", "axxbyybzz", Case::Sensitive));
        assert!(wildcard_match("*a", "aaa", Case::Sensitive));
    }

    #[test]
    fn case_rule_applies() {
        assert!(wildcard_match(
            "IAM:listaccesskeys",
            "iam:ListAccessKeys",
            Case::Insensitive
        ));
        assert!(!wildcard_match(
            "IAM:listaccesskeys",
            "iam:ListAccessKeys",
            Case::Sensitive
        ));
        assert!(wildcard_match("ÉTÉ", "été", Case::Insensitive));
    }

    #[test]
    fn multibyte_text_matches_by_character() {
        assert!(wildcard_match("caf?", "café", Case::Sensitive));
        assert!(wildcard_match("*é", "café", Case::Sensitive));
    }

    #[test]
    fn covers_follows_languages() {
        let case = Case::Sensitive;
        assert!(covers(
            &compile("arn:aws:s3:::b/*"),
            &compile("arn:aws:s3:::b/x*"),
            case
        ));
        assert!(covers(&compile("a*b"), &compile("a?b"), case));
        assert!(!covers(&compile("a*"), &compile("*"), case));
        assert!(!covers(&compile("a*b"), &compile("a*"), case));
        assert!(!covers(&compile("a?"), &compile("a*"), case));
        assert!(covers(&compile("*"), &compile("anything?*"), case));
    }

    #[test]
    fn overlap_detects_shared_strings() {
        let case = Case::Sensitive;
        assert!(may_overlap(&compile("a*"), &compile("*b"), case));
        assert!(may_overlap(&compile("arn:x"), &compile("arn:*"), case));
        assert!(!may_overlap(&compile("arn:x"), &compile("arn:y"), case));
        assert!(!may_overlap(&compile("a*"), &compile("b*"), case));
    }
}
