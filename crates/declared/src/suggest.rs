//! "Did you mean" suggestions for misspelled field names, environments and rules.

/// Returns the Levenshtein distance between two strings, counted in characters.
pub(crate) fn edit_distance(left: &str, right: &str) -> usize {
    let right: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    let mut current = vec![0; right.len() + 1];

    for (i, left_char) in left.chars().enumerate() {
        current[0] = i + 1;
        for (j, right_char) in right.iter().enumerate() {
            let substitution = previous[j] + usize::from(left_char != *right_char);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
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
        assert_eq!(edit_distance("prod", "dorp"), 4);
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
