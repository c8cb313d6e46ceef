//! Sets of actions: a bit per catalogue action, plus patterns for actions the catalogue lacks.

use std::fmt;

use super::action::ActionPattern;
use super::catalogue::{ActionInfo, catalogue};

/// A set of actions. Catalogue actions are stored as bits. Actions outside the catalogue (a
/// service AWS added since, a misspelt action) are stored as the patterns that reach them.
///
/// NOTE: set operations on the patterns outside the catalogue are approximations, because a
/// pattern is kept or dropped whole, by pattern coverage.
#[derive(Clone, PartialEq, Eq)]
pub struct ActionSet {
    bits: Vec<u64>,
    outside: Outside,
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
            bits: vec![0; words()],
            outside: Outside::Listed(Vec::new()),
        }
    }

    /// Returns the set of every action, in the catalogue or not.
    pub fn all() -> ActionSet {
        ActionSet::empty().complement()
    }

    /// Returns the actions matched by any of the patterns, as an `Action` element lists them.
    pub fn from_patterns(patterns: &[ActionPattern]) -> ActionSet {
        let catalogue = catalogue();
        let mut set = ActionSet::empty();
        let mut outside = Vec::new();

        for pattern in patterns {
            if pattern.is_all() {
                return ActionSet::all();
            }
            let mut matched_any = false;
            catalogue.for_each_match(pattern, |index| {
                set.bits[index / 64] |= 1 << (index % 64);
                matched_any = true;
            });
            let reaches_outside = pattern.service_has_wildcard()
                || catalogue.unknown_part(pattern, !matched_any).is_some();
            if reaches_outside {
                outside.push(pattern.clone());
            }
        }

        set.outside = Outside::Listed(outside);
        set
    }

    /// Returns the actions that are not in this set, as `NotAction` reads its patterns.
    pub fn complement(&self) -> ActionSet {
        let mut bits: Vec<u64> = self.bits.iter().map(|word| !word).collect();
        clear_tail(&mut bits);
        let outside = match &self.outside {
            Outside::Listed(patterns) => Outside::AllExcept(patterns.clone()),
            Outside::AllExcept(patterns) => Outside::Listed(patterns.clone()),
        };
        ActionSet { bits, outside }
    }

    /// Adds every action of `other`.
    pub fn union_with(&mut self, other: &ActionSet) {
        for (word, other_word) in self.bits.iter_mut().zip(&other.bits) {
            *word |= other_word;
        }
        self.outside = match (&self.outside, &other.outside) {
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
        };
    }

    /// Keeps only the actions that are also in `other`.
    pub fn intersect_with(&mut self, other: &ActionSet) {
        for (word, other_word) in self.bits.iter_mut().zip(&other.bits) {
            *word &= other_word;
        }
        self.outside = match (&self.outside, &other.outside) {
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
        };
    }

    /// Removes every action of `other`.
    pub fn subtract(&mut self, other: &ActionSet) {
        self.intersect_with(&other.complement());
    }

    /// Returns the actions in both sets.
    pub fn intersection(&self, other: &ActionSet) -> ActionSet {
        let mut result = self.clone();
        result.intersect_with(other);
        result
    }

    /// Returns whether the set has a catalogue action that `other` lacks, without building
    /// the difference.
    pub fn has_catalogue_action_outside(&self, other: &ActionSet) -> bool {
        self.bits
            .iter()
            .zip(&other.bits)
            .any(|(own, theirs)| own & !theirs != 0)
    }

    /// Returns whether the sets share an action.
    pub fn intersects(&self, other: &ActionSet) -> bool {
        let shared_bits = self.bits.iter().zip(&other.bits).any(|(a, b)| a & b != 0);
        shared_bits || !self.intersection(other).outside_is_empty()
    }

    /// Returns whether the set contains no action.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|word| *word == 0) && self.outside_is_empty()
    }

    /// Returns whether the set contains every catalogue action and every action outside it.
    pub fn is_all(&self) -> bool {
        self.covers_catalogue() && self.outside == Outside::AllExcept(Vec::new())
    }

    /// Returns whether the set contains every catalogue action.
    pub fn covers_catalogue(&self) -> bool {
        let mut full = vec![u64::MAX; words()];
        clear_tail(&mut full);
        self.bits == full
    }

    /// Returns the number of catalogue actions in the set.
    pub fn catalogue_len(&self) -> usize {
        self.bits
            .iter()
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
            return self.bits[index / 64] & (1 << (index % 64)) != 0;
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
        self.bits
            .iter()
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

    fn outside_is_empty(&self) -> bool {
        matches!(&self.outside, Outside::Listed(patterns) if patterns.is_empty())
    }
}

impl fmt::Debug for ActionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionSet")
            .field("catalogue_actions", &self.catalogue_len())
            .field("outside", &self.outside)
            .finish()
    }
}

fn words() -> usize {
    catalogue().len().div_ceil(64)
}

/// Clears the bits past the last catalogue action.
fn clear_tail(bits: &mut [u64]) {
    let used = catalogue().len() % 64;
    if used == 0 {
        return;
    }
    if let Some(last) = bits.last_mut() {
        *last &= (1u64 << used) - 1;
    }
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
}
