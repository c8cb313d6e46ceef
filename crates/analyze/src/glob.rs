//! Minimal matching of AWS action names and patterns.
//!
//! Service prefixes and action names compare case-insensitively, `*` matches any run of
//! characters (including none) and `?` exactly one. Resource ARNs compare case-sensitively.
//! NOTE: this covers pattern matching only; conditions are recorded, not evaluated.

/// Returns whether `text` matches a pattern with `*` and `?` wildcards.
pub fn glob_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let same = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };

    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len()
            && (pattern[p] == '?' || (pattern[p] != '*' && same(pattern[p], text[t])))
        {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Returns whether an action pattern from a policy matches an action, case-insensitively.
/// `*` alone matches every action; so does `*:*`.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob_match(pattern, action, true)
}

/// Returns whether every action that `pattern` matches is also matched by `ceiling`.
///
/// A wildcard in `pattern` must be covered by a wildcard in `ceiling`: a `*` only by a `*`,
/// a `?` by a `?` or a `*`. The check is sound (a `true` is always right) and exact for the
/// patterns policies use in practice.
pub fn pattern_within(pattern: &str, ceiling: &str) -> bool {
    let pattern: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let ceiling: Vec<char> = ceiling.to_ascii_lowercase().chars().collect();
    let (rows, columns) = (pattern.len(), ceiling.len());

    // covered[i][j]: pattern[i..] is contained in ceiling[j..].
    let mut covered = vec![vec![false; columns + 1]; rows + 1];
    covered[rows][columns] = true;
    for j in (0..columns).rev() {
        covered[rows][j] = ceiling[j] == '*' && covered[rows][j + 1];
    }
    for i in (0..rows).rev() {
        for j in (0..=columns).rev() {
            covered[i][j] = match ceiling.get(j) {
                None => false,
                Some('*') => covered[i][j + 1] || covered[i + 1][j],
                Some('?') => pattern[i] != '*' && covered[i + 1][j + 1],
                Some(&literal) => pattern[i] == literal && covered[i + 1][j + 1],
            };
        }
    }
    covered[0][0]
}

/// Returns whether a pattern stands for every action of every service (`*` or `*:*`).
pub fn is_all_actions(pattern: &str) -> bool {
    pattern == "*" || pattern == "*:*"
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn wildcards_match_anywhere_in_the_name() {
        let candidates = [
            "s3:GetObject",
            "s3:GetObjectAcl",
            "s3:GetBucketTagging",
            "s3:GetObjectTagging",
            "s3:GetObjectVersion",
        ];
        let matched = |pattern: &str| {
            candidates
                .iter()
                .filter(|action| action_matches(pattern, action))
                .copied()
                .collect::<Vec<_>>()
        };

        assert_eq!(
            matched("s3:GetObject*"),
            vec![
                "s3:GetObject",
                "s3:GetObjectAcl",
                "s3:GetObjectTagging",
                "s3:GetObjectVersion"
            ]
        );
        assert_eq!(
            matched("s3:Get*Tagging"),
            vec!["s3:GetBucketTagging", "s3:GetObjectTagging"]
        );
        assert_eq!(matched("s3:GetObjectVersio?"), vec!["s3:GetObjectVersion"]);
    }

    #[test]
    fn action_names_ignore_case() {
        assert!(action_matches("IAM:listaccesskeys", "iam:ListAccessKeys"));
    }

    #[test]
    fn resource_arns_keep_case() {
        assert!(!glob_match(
            "arn:aws:s3:::Bucket/*",
            "arn:aws:s3:::bucket/key",
            false
        ));
        assert!(glob_match(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/key",
            false
        ));
    }

    #[test]
    fn star_and_star_colon_star_match_everything() {
        assert!(action_matches("*", "ec2:RunInstances"));
        assert!(action_matches("*:*", "ec2:RunInstances"));
        assert!(is_all_actions("*:*"));
    }

    #[test]
    fn pattern_within_ceiling_cases() {
        assert!(pattern_within("s3:GetObject", "s3:Get*"));
        assert!(pattern_within("s3:Get*Tagging", "s3:Get*"));
        assert!(pattern_within("S3:GETOBJECT", "s3:get*"));
        assert!(!pattern_within("s3:*", "s3:Get*"));
        assert!(!pattern_within("s3:Get*", "s3:Get?"));
        assert!(pattern_within("s3:Get?", "s3:Get*"));
        assert!(pattern_within("*", "*"));
        assert!(!pattern_within("*", "s3:*"));
        assert!(!pattern_within("iam:PassRole", "s3:*"));
    }

    proptest! {
        #[test]
        fn literal_pattern_matches_only_itself(action in "[a-z0-9]{1,6}:[A-Za-z]{1,12}", other in "[a-z0-9]{1,6}:[A-Za-z]{1,12}") {
            prop_assert!(action_matches(&action, &action));
            prop_assert_eq!(action_matches(&action, &other), action.eq_ignore_ascii_case(&other));
        }

        #[test]
        fn star_matches_any_suffix(prefix in "[a-z]{1,5}:[A-Za-z]{0,8}", suffix in "[A-Za-z]{0,8}") {
            let pattern = format!("{prefix}*");
            let action = format!("{prefix}{suffix}");
            prop_assert!(action_matches(&pattern, &action));
        }

        #[test]
        fn question_mark_matches_exactly_one(prefix in "[a-z]{1,5}:[A-Za-z]{1,8}", extra in "[A-Za-z]{2,4}") {
            let pattern = format!("{prefix}?");
            let one = format!("{prefix}X");
            let more = format!("{prefix}{extra}");
            prop_assert!(action_matches(&pattern, &one));
            prop_assert!(!action_matches(&pattern, &more));
            prop_assert!(!action_matches(&pattern, &prefix));
        }

        #[test]
        fn within_implies_match_for_literals(action in "[a-z]{1,4}:[A-Za-z]{1,8}", ceiling in "[a-z*]{1,4}:[A-Za-z*?]{1,8}") {
            if pattern_within(&action, &ceiling) {
                prop_assert!(action_matches(&ceiling, &action));
            }
        }
    }
}
