//! Sets of actions: a bit per catalogue action, plus patterns for actions the catalogue lacks.

use std::fmt;

use super::action::ActionPattern;
use super::catalogue::{ActionInfo, catalogue};

/// A set of actions. Catalogue actions are stored as bits. Actions outside the catalogue (a
/// service AWS added since, a misspelt action) are stored as the patterns that reach them.
///
/// NOTE: set operations on the patterns outside the catalogue are approximations, because a
/// pattern is kept or dropped whole, by pattern coverage.
#[derive(Clone)]
pub struct ActionSet {
    words: Words,
    outside: Outside,
}

/// The catalogue bits, a word of 64 actions at a time. The catalogue is ordered by service,
/// so a set of a few services changes few words: such a set lists only the words that differ
/// from a fill word, and a set that differs in many words keeps them all.
///
/// In every stored word, the bits past the last catalogue action equal the fill's bits
/// (cleared in a dense set), so that words can be compared whole.
#[derive(Clone)]
enum Words {
    /// The words that differ from the fill, ascending by index. The others are all zeros,
    /// or all ones when `filled` is set.
    Sparse {
        filled: bool,
        listed: Box<[(u16, u64)]>,
    },
    /// Every word, the bits past the last catalogue action cleared.
    Dense(Box<[u64]>),
}

/// An action name such as `iam:PassRole` with its place in the catalogue, looked up once.
/// Code that tests many sets for one action resolves it first and passes this instead of
/// the name, so that each test is a bit test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionName<'a> {
    name: &'a str,
    /// The catalogue index; `None` for an action the catalogue lacks.
    index: Option<usize>,
}

impl<'a> ActionName<'a> {
    /// Looks the action up in the catalogue (case-insensitively).
    pub fn new(name: &'a str) -> ActionName<'a> {
        ActionName {
            name,
            index: catalogue().index_of(name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outside {
    /// The actions outside the catalogue that these patterns match.
    Listed(Vec<ActionPattern>),
    /// Every action outside the catalogue except those these patterns match.
    AllExcept(Vec<ActionPattern>),
}

impl ActionSet {
    /// Returns the empty set.
    pub fn empty() -> ActionSet {
        ActionSet {
            words: Words::filled_with(false),
            outside: Outside::Listed(Vec::new()),
        }
    }

    /// Returns the set of every action, in the catalogue or not.
    pub fn all() -> ActionSet {
        ActionSet {
            words: Words::filled_with(true),
            outside: Outside::AllExcept(Vec::new()),
        }
    }

    /// Returns the actions matched by any of the patterns, as an `Action` element lists them.
    pub fn from_patterns(patterns: &[ActionPattern]) -> ActionSet {
        let catalogue = catalogue();
        let mut bits = vec![0u64; words()];
        let mut outside = Vec::new();

        for pattern in patterns {
            if pattern.is_all() {
                return ActionSet::all();
            }
            let mut matched_any = false;
            catalogue.for_each_match(pattern, |index| {
                bits[index / 64] |= 1 << (index % 64);
                matched_any = true;
            });
            let reaches_outside = pattern.service_has_wildcard()
                || catalogue.unknown_part(pattern, !matched_any).is_some();
            if reaches_outside {
                outside.push(pattern.clone());
            }
        }

        ActionSet {
            words: Words::from_dense(bits),
            outside: Outside::Listed(outside),
        }
    }

    /// Returns the union of the sets. Their words are gathered in one buffer, so this is
    /// cheaper than joining them one by one.
    pub fn union_of<'s>(sets: impl IntoIterator<Item = &'s ActionSet>) -> ActionSet {
        let mut bits = vec![0u64; words()];
        let mut outside = Outside::Listed(Vec::new());
        for set in sets {
            match &set.words {
                Words::Sparse {
                    filled: false,
                    listed,
                } => {
                    for (index, word) in listed.iter() {
                        bits[usize::from(*index)] |= word;
                    }
                }
                words => {
                    for (bit_word, word) in bits.iter_mut().zip(words.values()) {
                        *bit_word |= word;
                    }
                }
            }
            if set.reaches_outside_catalogue() {
                outside = union_outside(&outside, &set.outside);
            }
        }
        let last = bits.len() - 1;
        bits[last] &= tail_mask(last);
        ActionSet {
            words: Words::from_dense(bits),
            outside,
        }
    }

    /// Returns the actions that are not in this set, as `NotAction` reads its patterns.
    pub fn complement(&self) -> ActionSet {
        let outside = match &self.outside {
            Outside::Listed(patterns) => Outside::AllExcept(patterns.clone()),
            Outside::AllExcept(patterns) => Outside::Listed(patterns.clone()),
        };
        ActionSet {
            words: self.words.complement(),
            outside,
        }
    }

    /// Adds every action of `other`.
    pub fn union_with(&mut self, other: &ActionSet) {
        self.words = Words::combine(&self.words, &other.words, |own, theirs| own | theirs);
        self.outside = union_outside(&self.outside, &other.outside);
    }

    /// Keeps only the actions that are also in `other`.
    pub fn intersect_with(&mut self, other: &ActionSet) {
        self.words = Words::combine(&self.words, &other.words, |own, theirs| own & theirs);
        self.outside = intersect_outside(&self.outside, &other.outside);
    }

    /// Removes every action of `other`.
    pub fn subtract(&mut self, other: &ActionSet) {
        self.words = Words::combine(&self.words, &other.words, |own, theirs| own & !theirs);
        let kept = match &other.outside {
            Outside::Listed(patterns) => Outside::AllExcept(patterns.clone()),
            Outside::AllExcept(patterns) => Outside::Listed(patterns.clone()),
        };
        self.outside = intersect_outside(&self.outside, &kept);
    }

    /// Returns the actions in both sets.
    pub fn intersection(&self, other: &ActionSet) -> ActionSet {
        ActionSet {
            words: Words::combine(&self.words, &other.words, |own, theirs| own & theirs),
            outside: intersect_outside(&self.outside, &other.outside),
        }
    }

    /// Returns whether the set has a catalogue action that `other` lacks, without building
    /// the difference.
    pub fn has_catalogue_action_outside(&self, other: &ActionSet) -> bool {
        Words::any_pair(&self.words, &other.words, |own, theirs| own & !theirs != 0)
    }

    /// Returns whether every action of the set is in `other`. Actions outside the catalogue
    /// are compared by their patterns, as the other set operations compare them.
    pub fn is_subset_of(&self, other: &ActionSet) -> bool {
        !self.has_catalogue_action_outside(other)
            && intersect_outside(&self.outside, &other.outside) == self.outside
    }

    /// Returns whether the sets share an action.
    pub fn intersects(&self, other: &ActionSet) -> bool {
        self.shares_catalogue_action(other)
            || !outside_is_empty(&intersect_outside(&self.outside, &other.outside))
    }

    /// Returns whether the sets share a catalogue action.
    pub fn shares_catalogue_action(&self, other: &ActionSet) -> bool {
        Words::any_pair(&self.words, &other.words, |own, theirs| own & theirs != 0)
    }

    /// Returns whether the set reaches actions outside the catalogue.
    pub fn reaches_outside_catalogue(&self) -> bool {
        !outside_is_empty(&self.outside)
    }

    /// Returns whether the set contains no action.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && outside_is_empty(&self.outside)
    }

    /// Returns whether the set contains every catalogue action and every action outside it.
    pub fn is_all(&self) -> bool {
        self.covers_catalogue() && self.outside == Outside::AllExcept(Vec::new())
    }

    /// Returns whether the set contains every catalogue action.
    pub fn covers_catalogue(&self) -> bool {
        match &self.words {
            Words::Sparse {
                filled: true,
                listed,
            } => listed.is_empty(),
            words => words
                .values()
                .enumerate()
                .all(|(index, word)| word == tail_mask(index)),
        }
    }

    /// Returns the number of catalogue actions in the set.
    pub fn catalogue_len(&self) -> usize {
        self.words
            .values()
            .map(|word| word.count_ones() as usize)
            .sum()
    }

    /// Returns whether the set contains an action such as `iam:PassRole` (case-insensitive).
    pub fn contains(&self, action: &str) -> bool {
        self.contains_action(ActionName::new(action))
    }

    /// Returns whether the set contains the action, looked up in the catalogue beforehand.
    pub fn contains_action(&self, action: ActionName<'_>) -> bool {
        if let Some(index) = action.index {
            return self.words.word(index / 64) & (1 << (index % 64)) != 0;
        }
        let name = action.name;
        match &self.outside {
            Outside::Listed(patterns) => patterns.iter().any(|pattern| pattern.matches(name)),
            Outside::AllExcept(patterns) => !patterns.iter().any(|pattern| pattern.matches(name)),
        }
    }

    /// Returns the catalogue actions in the set, in catalogue order.
    pub fn actions(&self) -> impl Iterator<Item = &'static ActionInfo> + '_ {
        let actions = catalogue().actions();
        self.words
            .values()
            .enumerate()
            .flat_map(move |(word_index, word)| {
                (0..64).filter_map(move |bit| {
                    if word & (1 << bit) == 0 {
                        return None;
                    }
                    actions.get(word_index * 64 + bit)
                })
            })
    }

    /// Returns the patterns through which the set reaches actions outside the catalogue, and
    /// whether the set contains every such action except those the patterns match.
    pub fn outside_catalogue(&self) -> (&[ActionPattern], bool) {
        match &self.outside {
            Outside::Listed(patterns) => (patterns, false),
            Outside::AllExcept(patterns) => (patterns, true),
        }
    }
}

impl PartialEq for ActionSet {
    fn eq(&self, other: &ActionSet) -> bool {
        !Words::any_pair(&self.words, &other.words, |own, theirs| own != theirs)
            && self.outside == other.outside
    }
}

impl Eq for ActionSet {}

impl fmt::Debug for ActionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionSet")
            .field("catalogue_actions", &self.catalogue_len())
            .field("outside", &self.outside)
            .finish()
    }
}

impl Words {
    fn filled_with(filled: bool) -> Words {
        Words::Sparse {
            filled,
            listed: Box::new([]),
        }
    }

    /// Stores every word, sparsely when that is smaller. The bits past the last catalogue
    /// action must be clear.
    fn from_dense(words: Vec<u64>) -> Words {
        let count = words.len();
        let zeros = words.iter().filter(|word| **word == 0).count();
        let ones = words
            .iter()
            .enumerate()
            .filter(|(index, word)| with_fill_tail(**word, true, *index) == u64::MAX)
            .count();
        let filled = ones > zeros;
        let differing = count - zeros.max(ones);
        if !is_sparse_enough(differing) {
            return Words::Dense(words.into_boxed_slice());
        }
        let listed = words
            .into_iter()
            .enumerate()
            .filter_map(|(index, word)| {
                let word = with_fill_tail(word, filled, index);
                (word != fill_word(filled)).then_some((index as u16, word))
            })
            .collect();
        Words::Sparse { filled, listed }
    }

    fn complement(&self) -> Words {
        match self {
            Words::Sparse { filled, listed } => Words::Sparse {
                filled: !filled,
                listed: listed.iter().map(|(index, word)| (*index, !word)).collect(),
            },
            Words::Dense(words) => {
                let mut words: Box<[u64]> = words.iter().map(|word| !word).collect();
                let last = words.len() - 1;
                words[last] &= tail_mask(last);
                Words::Dense(words)
            }
        }
    }

    /// Returns the fill of a sparse set. A dense set lists every word, so its fill is never read.
    fn filled(&self) -> bool {
        matches!(self, Words::Sparse { filled: true, .. })
    }

    /// Returns the word at `index`, with its tail bits as stored.
    fn word(&self, index: usize) -> u64 {
        match self {
            Words::Sparse { filled, listed } => {
                match listed.binary_search_by_key(&(index as u16), |(at, _)| *at) {
                    Ok(position) => listed[position].1,
                    Err(_) => fill_word(*filled),
                }
            }
            Words::Dense(words) => words[index],
        }
    }

    /// Returns the `position`-th stored word with its index.
    fn stored(&self, position: usize) -> Option<(usize, u64)> {
        match self {
            Words::Sparse { listed, .. } => listed
                .get(position)
                .map(|(index, word)| (usize::from(*index), *word)),
            Words::Dense(words) => words.get(position).map(|word| (position, *word)),
        }
    }

    /// Returns every word in order, the bits past the last catalogue action cleared.
    fn values(&self) -> impl Iterator<Item = u64> + '_ {
        let count = words();
        let mut position = 0;
        (0..count).map(move |index| {
            let word = match self.stored(position) {
                Some((at, word)) if at == index => {
                    position += 1;
                    word
                }
                _ => fill_word(self.filled()),
            };
            word & tail_mask(index)
        })
    }

    fn is_empty(&self) -> bool {
        match self {
            Words::Sparse {
                filled: false,
                listed,
            } => listed.is_empty(),
            _ => self.values().all(|word| word == 0),
        }
    }

    /// Applies a bitwise operation word by word. Only the words that either side stores are
    /// visited, because the others are fills, and the operation on two fills gives the
    /// result's fill.
    fn combine(left: &Words, right: &Words, operation: impl Fn(u64, u64) -> u64) -> Words {
        if let (Words::Dense(left), Words::Dense(right)) = (left, right) {
            let mut words: Vec<u64> = left
                .iter()
                .zip(right.iter())
                .map(|(own, theirs)| operation(*own, *theirs))
                .collect();
            let last = words.len() - 1;
            words[last] &= tail_mask(last);
            return Words::from_dense(words);
        }

        let filled = operation(fill_word(left.filled()), fill_word(right.filled())) != 0;
        let mut listed = Vec::new();
        merge_stored(left, right, |index, own, theirs| {
            let word = with_fill_tail(operation(own, theirs), filled, index);
            if word != fill_word(filled) {
                listed.push((index as u16, word));
            }
            true
        });

        let fits = is_sparse_enough(listed.len());
        let sparse = Words::Sparse {
            filled,
            listed: listed.into_boxed_slice(),
        };
        if fits {
            return sparse;
        }
        Words::from_dense(sparse.values().collect())
    }

    /// Returns whether the test holds for some pair of words at one index, the bits past the
    /// last catalogue action cleared.
    fn any_pair(left: &Words, right: &Words, test: impl Fn(u64, u64) -> bool) -> bool {
        let mut visited = 0;
        let mut last_visited = false;
        let last = words() - 1;
        let mut found = false;
        merge_stored(left, right, |index, own, theirs| {
            visited += 1;
            last_visited |= index == last;
            let mask = tail_mask(index);
            found = test(own & mask, theirs & mask);
            !found
        });
        if found {
            return true;
        }

        let left_fill = fill_word(left.filled());
        let right_fill = fill_word(right.filled());
        let unvisited_full_words = words() - visited - usize::from(!last_visited) > 0;
        let unvisited_last = !last_visited;
        (unvisited_full_words && test(left_fill, right_fill))
            || (unvisited_last && test(left_fill & tail_mask(last), right_fill & tail_mask(last)))
    }
}

/// Visits every index that either side stores, with both words there, in index order,
/// while `visit` returns true.
fn merge_stored(left: &Words, right: &Words, mut visit: impl FnMut(usize, u64, u64) -> bool) {
    let left_fill = left.filled();
    let right_fill = right.filled();
    let (mut left_position, mut right_position) = (0, 0);
    loop {
        let left_next = left.stored(left_position);
        let right_next = right.stored(right_position);
        let index = match (left_next, right_next) {
            (None, None) => return,
            (Some((index, _)), None) | (None, Some((index, _))) => index,
            (Some((left_index, _)), Some((right_index, _))) => left_index.min(right_index),
        };
        let own = match left_next {
            Some((at, word)) if at == index => {
                left_position += 1;
                word
            }
            _ => fill_word(left_fill),
        };
        let theirs = match right_next {
            Some((at, word)) if at == index => {
                right_position += 1;
                word
            }
            _ => fill_word(right_fill),
        };
        if !visit(index, own, theirs) {
            return;
        }
    }
}

fn words() -> usize {
    catalogue().len().div_ceil(64)
}

/// Returns whether a set that differs from its fill in `differing` words is smaller stored
/// sparsely. A listed word takes twice the room of a dense one.
fn is_sparse_enough(differing: usize) -> bool {
    differing * 2 <= words()
}

/// Returns the bits of the word at `index` that stand for catalogue actions.
fn tail_mask(index: usize) -> u64 {
    let used = catalogue().len() % 64;
    if used == 0 || index + 1 < words() {
        return u64::MAX;
    }
    (1u64 << used) - 1
}

fn fill_word(filled: bool) -> u64 {
    if filled { u64::MAX } else { 0 }
}

/// Sets the bits of `word` past the last catalogue action to the fill.
fn with_fill_tail(word: u64, filled: bool, index: usize) -> u64 {
    let mask = tail_mask(index);
    (word & mask) | (fill_word(filled) & !mask)
}

fn union_outside(left: &Outside, right: &Outside) -> Outside {
    match (left, right) {
        (Outside::Listed(left), Outside::Listed(right)) => {
            Outside::Listed(left.iter().chain(right).cloned().collect())
        }
        (Outside::Listed(listed), Outside::AllExcept(except))
        | (Outside::AllExcept(except), Outside::Listed(listed)) => {
            Outside::AllExcept(not_covered_by(except, listed))
        }
        (Outside::AllExcept(left), Outside::AllExcept(right)) => {
            Outside::AllExcept(covered_by_any(left, right))
        }
    }
}

fn intersect_outside(left: &Outside, right: &Outside) -> Outside {
    match (left, right) {
        (Outside::Listed(left), Outside::Listed(right)) => {
            let mut kept = covered_by_any(left, right);
            kept.extend(covered_by_any(right, left));
            Outside::Listed(kept)
        }
        (Outside::Listed(listed), Outside::AllExcept(except))
        | (Outside::AllExcept(except), Outside::Listed(listed)) => {
            Outside::Listed(not_covered_by(listed, except))
        }
        (Outside::AllExcept(left), Outside::AllExcept(right)) => {
            Outside::AllExcept(left.iter().chain(right).cloned().collect())
        }
    }
}

fn outside_is_empty(outside: &Outside) -> bool {
    matches!(outside, Outside::Listed(patterns) if patterns.is_empty())
}

fn covered_by_any(patterns: &[ActionPattern], outer: &[ActionPattern]) -> Vec<ActionPattern> {
    patterns
        .iter()
        .filter(|pattern| outer.iter().any(|candidate| pattern.covered_by(candidate)))
        .cloned()
        .collect()
}

fn not_covered_by(patterns: &[ActionPattern], outer: &[ActionPattern]) -> Vec<ActionPattern> {
    patterns
        .iter()
        .filter(|pattern| !outer.iter().any(|candidate| pattern.covered_by(candidate)))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn set(patterns: &[&str]) -> ActionSet {
        let patterns: Vec<ActionPattern> = patterns
            .iter()
            .map(|text| ActionPattern::parse(text).unwrap())
            .collect();
        ActionSet::from_patterns(&patterns)
    }

    #[test]
    fn star_is_all_actions() {
        assert!(set(&["*"]).is_all());
        assert!(set(&["*:*"]).is_all());
        assert!(set(&["*"]).contains("brandnew:Thing"));
    }

    #[test]
    fn subtract_removes_denied_actions() {
        let mut allowed = set(&["*"]);
        allowed.subtract(&set(&[
            "iam:Create*",
            "iam:Put*",
            "iam:Attach*",
            "iam:PassRole",
        ]));

        assert!(!allowed.contains("iam:CreateUser"));
        assert!(!allowed.contains("iam:PutRolePolicy"));
        assert!(!allowed.contains("iam:PassRole"));
        assert!(allowed.contains("iam:ListRoles"));
        assert!(allowed.contains("s3:GetObject"));
        assert!(!allowed.covers_catalogue());
    }

    #[test]
    fn unknown_action_is_kept_literally() {
        let unknown = set(&["s3:GetObject", "nosuch:DoThing"]);

        assert!(unknown.contains("nosuch:DoThing"));
        assert!(unknown.contains("NOSUCH:dothing"));
        assert!(!unknown.contains("nosuch:Other"));
        assert_eq!(unknown.catalogue_len(), 1);
        assert_eq!(unknown.outside_catalogue().0.len(), 1);
    }

    #[test]
    fn complement_reads_not_action() {
        let not_iam = set(&["iam:*"]).complement();

        assert!(!not_iam.contains("iam:PassRole"));
        assert!(not_iam.contains("s3:GetObject"));
        assert!(not_iam.contains("brandnew:Thing"));
    }

    #[test]
    fn intersection_keeps_shared_actions() {
        let shared = set(&["s3:*", "ec2:RunInstances"]).intersection(&set(&["s3:Get*", "iam:*"]));

        assert!(shared.contains("s3:GetObject"));
        assert!(!shared.contains("s3:PutObject"));
        assert!(!shared.contains("ec2:RunInstances"));
        assert!(set(&["s3:*"]).intersects(&set(&["s3:GetObject"])));
        assert!(!set(&["s3:*"]).intersects(&set(&["iam:*"])));
    }

    #[test]
    fn actions_iterates_catalogue_members() {
        let names: Vec<String> = set(&["s3:GetObjectVersio?"])
            .actions()
            .map(ToString::to_string)
            .collect();
        assert_eq!(names, vec!["s3:GetObjectVersion"]);
    }

    /// Computes the catalogue bits of a pattern list without the set type.
    fn reference_bits(patterns: &[&str]) -> Vec<u64> {
        let mut bits = vec![0u64; words()];
        for text in patterns {
            let pattern = ActionPattern::parse(text).unwrap();
            if pattern.is_all() {
                bits = vec![u64::MAX; words()];
                continue;
            }
            catalogue().for_each_match(&pattern, |index| bits[index / 64] |= 1 << (index % 64));
        }
        masked(bits)
    }

    fn masked(bits: Vec<u64>) -> Vec<u64> {
        bits.into_iter()
            .enumerate()
            .map(|(index, word)| word & tail_mask(index))
            .collect()
    }

    const BASES: [&[&str]; 8] = [
        &["*"],
        &["iam:*"],
        &["s3:Get*", "s3:List*"],
        &["*:Describe*"],
        &["*:Describe*", "*:List*", "*:Get*"],
        &["ec2:RunInstances", "iam:PassRole"],
        &["sts:AssumeRole"],
        &["lambda:*", "iam:Create*", "cloudformation:*"],
    ];

    #[derive(Debug, Clone)]
    enum Step {
        Union(usize),
        Intersect(usize),
        Subtract(usize),
        Complement,
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            (0..BASES.len()).prop_map(Step::Union),
            (0..BASES.len()).prop_map(Step::Intersect),
            (0..BASES.len()).prop_map(Step::Subtract),
            Just(Step::Complement),
        ]
    }

    proptest::proptest! {
        #[test]
        fn words_agree_with_plain_bits(
            start in 0..BASES.len(),
            steps in proptest::collection::vec(step(), 0..8),
        ) {
            let mut actual = set(BASES[start]);
            let mut expected = reference_bits(BASES[start]);
            for step in &steps {
                let (other, other_bits) = match step {
                    Step::Union(base) | Step::Intersect(base) | Step::Subtract(base) => {
                        (set(BASES[*base]), reference_bits(BASES[*base]))
                    }
                    Step::Complement => (ActionSet::empty(), Vec::new()),
                };
                match step {
                    Step::Union(_) => actual.union_with(&other),
                    Step::Intersect(_) => actual.intersect_with(&other),
                    Step::Subtract(_) => actual.subtract(&other),
                    Step::Complement => actual = actual.complement(),
                }
                expected = masked(match step {
                    Step::Union(_) => expected.iter().zip(&other_bits).map(|(a, b)| a | b).collect(),
                    Step::Intersect(_) => expected.iter().zip(&other_bits).map(|(a, b)| a & b).collect(),
                    Step::Subtract(_) => expected.iter().zip(&other_bits).map(|(a, b)| a & !b).collect(),
                    Step::Complement => expected.iter().map(|word| !word).collect(),
                });

                let values: Vec<u64> = actual.words.values().collect();
                proptest::prop_assert_eq!(&values, &expected);
                let ones: usize = expected.iter().map(|word| word.count_ones() as usize).sum();
                proptest::prop_assert_eq!(actual.catalogue_len(), ones);
                proptest::prop_assert_eq!(actual.words.is_empty(), ones == 0);
                proptest::prop_assert_eq!(actual.covers_catalogue(), ones == catalogue().len());
                for (index, base) in BASES.iter().enumerate() {
                    let base_set = set(base);
                    let base_bits = reference_bits(base);
                    let shares = expected.iter().zip(&base_bits).any(|(a, b)| a & b != 0);
                    let exceeds = expected.iter().zip(&base_bits).any(|(a, b)| a & !b != 0);
                    proptest::prop_assert_eq!(
                        Words::any_pair(&actual.words, &base_set.words, |a, b| a & b != 0),
                        shares,
                        "intersects base {}", index
                    );
                    proptest::prop_assert_eq!(
                        actual.has_catalogue_action_outside(&base_set),
                        exceeds,
                        "exceeds base {}", index
                    );
                    proptest::prop_assert_eq!(
                        Words::any_pair(&actual.words, &base_set.words, |a, b| a != b),
                        expected != base_bits,
                        "differs from base {}", index
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn union_of_matches_repeated_unions(
            members in proptest::collection::vec((0..BASES.len(), proptest::bool::ANY), 0..6),
        ) {
            let sets: Vec<ActionSet> = members
                .iter()
                .map(|(base, complement)| {
                    let base = set(BASES[*base]);
                    if *complement { base.complement() } else { base }
                })
                .collect();
            let mut one_by_one = ActionSet::empty();
            for member in &sets {
                one_by_one.union_with(member);
            }

            let gathered = ActionSet::union_of(&sets);

            proptest::prop_assert_eq!(gathered.words.values().collect::<Vec<_>>(),
                one_by_one.words.values().collect::<Vec<_>>());
            proptest::prop_assert_eq!(gathered.outside, one_by_one.outside);
        }
    }

    #[test]
    fn few_services_store_few_words() {
        let few = set(&["s3:Get*", "iam:PassRole"]);
        let not_iam = set(&["iam:*"]).complement();

        assert!(matches!(&few.words, Words::Sparse { filled: false, listed } if listed.len() <= 4));
        assert!(
            matches!(&not_iam.words, Words::Sparse { filled: true, listed } if listed.len() <= 4)
        );
        assert!(
            matches!(&ActionSet::all().words, Words::Sparse { filled: true, listed } if listed.is_empty())
        );
    }

    #[test]
    fn equal_sets_compare_equal() {
        let mut built = set(&["*:Describe*", "*:List*", "*:Get*"]);
        built.union_with(&set(&["*"]));

        assert_eq!(built, ActionSet::all());
        assert_eq!(set(&["*"]).complement().complement(), ActionSet::all());
        assert_ne!(set(&["iam:*"]), set(&["iam:*", "s3:GetObject"]));
    }
}
