//! "Did you mean" suggestions for misspelled field names, environments and rules.

/// Returns the edit distance between two strings, counted in characters: insertions,
/// deletions, substitutions, and swaps of two neighbouring characters (`gpc` is one edit from
/// `gcp`), each edit counting 1. This is the optimal string alignment distance.
pub(crate) fn edit_distance(left: &str, right: &str) -> usize {
    let left: Vec<char> = left.chars().collect();
    let right: Vec<char> = right.chars().collect();
    let width = right.len() + 1;
    let mut before_previous = vec![0; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current = vec![0; width];

    for i in 1..=left.len() {
        current[0] = i;
        for j in 1..=right.len() {
            let substitution = previous[j - 1] + usize::from(left[i - 1] != right[j - 1]);
            let mut best = substitution.min(previous[j] + 1).min(current[j - 1] + 1);
            let swapped =
                i > 1 && j > 1 && left[i - 1] == right[j - 2] && left[i - 2] == right[j - 1];
            if swapped {
                best = best.min(before_previous[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before_previous, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }

    previous[right.len()]
}

/// Returns the candidate closest to `word`, when it is close enough to be a misspelling: at
/// most a third of the longer word's characters differ (one at least). Ties go to the
/// earlier candidate.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_length = word.chars().count();

    candidates
        .into_iter()
        .filter(|candidate| *candidate != word)
        .map(|candidate| (edit_distance(word, candidate), candidate))
        .filter(|(distance, candidate)| {
            let longer = word_length.max(candidate.chars().count());
            *distance <= (longer / 3).max(1)
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Formats names as a list in backticks: `` `a`, `b`, `c` ``.
pub(crate) fn backticked<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("owner", "owner"), 0);
        assert_eq!(edit_distance("ownr", "owner"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("prod", "dorp"), 3);
    }

    #[test]
    fn edit_distance_counts_a_swap_as_one_edit() {
        assert_eq!(edit_distance("gpc", "gcp"), 1);
        assert_eq!(edit_distance("ownre", "owner"), 1);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("abc", "ca"), 3);
    }

    #[test]
    fn edit_distance_counts_characters_not_bytes() {
        assert_eq!(edit_distance("é", "e"), 1);
    }

    #[test]
    fn did_you_mean_picks_closest() {
        let fields = ["environment", "owner", "purpose", "members"];
        assert_eq!(did_you_mean("ownr", fields), Some("owner"));
        assert_eq!(did_you_mean("member", fields), Some("members"));
        assert_eq!(did_you_mean("enviroment", fields), Some("environment"));
    }

    #[test]
    fn did_you_mean_rejects_distant_words() {
        let fields = ["environment", "owner", "purpose", "members"];
        assert_eq!(did_you_mean("team", fields), None);
        assert_eq!(did_you_mean("x", fields), None);
    }

    #[test]
    fn backticked_joins_names() {
        assert_eq!(backticked(["a", "b"]), "`a`, `b`");
    }
}
