//! Action patterns of role definitions: `*` matches any run of characters, `/` included, and
//! letters compare without case, as Azure compares operation names.

/// Returns whether `pattern` matches the whole of `action`.
///
/// The matcher remembers only the last `*` it passed and, on a mismatch, lets that `*` take
/// one more character, so it runs in linear time for typical patterns and never recurses.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let pattern = pattern.as_bytes();
    let action = action.as_bytes();
    let mut p = 0;
    let mut a = 0;
    let mut retry: Option<(usize, usize)> = None;

    while a < action.len() {
        match pattern.get(p) {
            Some(b'*') => {
                retry = Some((p + 1, a));
                p += 1;
            }
            Some(expected) if expected.eq_ignore_ascii_case(&action[a]) => {
                p += 1;
                a += 1;
            }
            _ => {
                let Some((after_star, start)) = retry else {
                    return false;
                };
                retry = Some((after_star, start + 1));
                p = after_star;
                a = start + 1;
            }
        }
    }
    pattern[p..].iter().all(|byte| *byte == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_anywhere() {
        assert!(action_matches(
            "*",
            "Microsoft.Compute/virtualMachines/write"
        ));
        assert!(action_matches(
            "*/read",
            "Microsoft.Compute/virtualMachines/read"
        ));
        assert!(action_matches(
            "Microsoft.Compute/*",
            "Microsoft.Compute/disks/delete"
        ));
        assert!(action_matches(
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/roleAssignments/write"
        ));
        assert!(!action_matches(
            "*/read",
            "Microsoft.Compute/virtualMachines/write"
        ));
        assert!(!action_matches(
            "Microsoft.Compute/*",
            "Microsoft.Storage/x/read"
        ));
    }

    #[test]
    fn letters_compare_without_case() {
        assert!(action_matches(
            "microsoft.storage/storageaccounts/READ",
            "Microsoft.Storage/storageAccounts/read"
        ));
    }

    #[test]
    fn backtracking_finds_later_match() {
        assert!(action_matches("a*b*c", "axxbyybzzc"));
        assert!(!action_matches("a*b*c", "axxbyybzz"));
        assert!(action_matches("*a", "aaa"));
        assert!(action_matches("a**", "a"));
    }
}
