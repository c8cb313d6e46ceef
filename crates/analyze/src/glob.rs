//! Wildcard matching of names, as suppression targets and roster ceilings write them.

use roster_policy::aws::{Case, wildcard_match};

/// Returns whether `text` matches a pattern in which `*` matches any run of characters
/// (including none) and `?` exactly one.
pub fn glob_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let case = if ignore_case {
        Case::Insensitive
    } else {
        Case::Sensitive
    };
    wildcard_match(pattern, text, case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_follows_the_flag() {
        assert!(!glob_match(
            "arn:aws:s3:::Bucket/*",
            "arn:aws:s3:::bucket/key",
            false
        ));
        assert!(glob_match(
            "arn:aws:s3:::Bucket/*",
            "arn:aws:s3:::bucket/key",
            true
        ));
    }

    #[test]
    fn wildcards_match_runs_and_single_characters() {
        assert!(glob_match(
            "aws:*:role:deploy-*",
            "aws:1:role:deploy-web",
            false
        ));
        assert!(glob_match(
            "roles/storage.object?iewer",
            "roles/storage.objectViewer",
            false
        ));
        assert!(!glob_match(
            "roles/storage.*",
            "roles/bigquery.admin",
            false
        ));
    }
}
