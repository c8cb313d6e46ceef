//! What some emitters need beyond the report: the rules' documentation and the file lines
//! that findings point at. The binary builds both, from the analysis crate's rule list and
//! from the roster's source positions, so this crate stays independent of the analysis.

use std::collections::BTreeMap;

use roster_model::{Finding, Severity};

/// A rule's documentation, as SARIF rules, JUnit suites and OCSF findings show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDoc {
    /// The stable id, for example `RST001`.
    pub id: String,
    /// The kebab-case name, for example `undeclared-identity`.
    pub name: String,
    pub severity: Severity,
    /// The OWASP Top 10 for Non-Human Identities (2025) risk, for example
    /// `NHI1 Improper Offboarding`.
    pub owasp: String,
    /// One sentence: what the rule flags.
    pub summary: String,
    /// Why it matters.
    pub why: String,
    /// How to fix a finding.
    pub fix: String,
    /// Whether the rule runs only when a roster is given.
    pub needs_roster: bool,
}

/// A position in a file: a path relative to the working folder (or an absolute one), and a
/// line and column that start at 1.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceLocation {
    pub path: String,
    pub line: usize,
    pub column: usize,
}

impl SourceLocation {
    pub fn new(path: impl Into<String>, line: usize, column: usize) -> Self {
        SourceLocation {
            path: path.into(),
            line: line.max(1),
            column: column.max(1),
        }
    }

    /// Returns the path with forward slashes, as SARIF and GitHub expect.
    pub fn uri_path(&self) -> String {
        self.path.replace('\\', "/")
    }
}

/// The file line each finding points at: the roster entry that declares its subject, or
/// the environment entry of the subject's scope, else a fallback that is always there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    by_subject: BTreeMap<String, SourceLocation>,
    fallback: SourceLocation,
}

impl Locations {
    /// Starts with no subject located: every finding points at `fallback`.
    pub fn new(fallback: SourceLocation) -> Self {
        Locations {
            by_subject: BTreeMap::new(),
            fallback,
        }
    }

    /// Points the findings about `subject` at `location`.
    pub fn insert(&mut self, subject: impl Into<String>, location: SourceLocation) {
        self.by_subject.insert(subject.into(), location);
    }

    /// Returns where a finding points.
    pub fn of(&self, finding: &Finding) -> &SourceLocation {
        self.of_subject(&finding.subject)
    }

    pub fn of_subject(&self, subject: &str) -> &SourceLocation {
        self.by_subject.get(subject).unwrap_or(&self.fallback)
    }

    pub fn fallback(&self) -> &SourceLocation {
        &self.fallback
    }
}

/// Builds rule documentation for the rules of the sample report's findings, for emitter tests.
#[cfg(test)]
pub(crate) fn sample_rules() -> Vec<RuleDoc> {
    let report = crate::sample::sample_report();
    let mut rules: Vec<RuleDoc> = report
        .findings
        .iter()
        .map(|finding| RuleDoc {
            id: finding.rule_id.clone(),
            name: finding.rule.clone(),
            severity: finding.severity,
            owasp: "NHI1 Improper Offboarding".to_owned(),
            summary: format!("Flags `{}`.", finding.rule),
            why: "It matters.".to_owned(),
            fix: "Fix it.".to_owned(),
            needs_roster: finding.rule == "undeclared-identity",
        })
        .collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules.dedup_by(|a, b| a.id == b.id);
    rules
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn locations_fall_back_for_unknown_subject() {
        let mut locations = Locations::new(SourceLocation::new("roster.yaml", 1, 1));
        locations.insert("aws:1:role:a", SourceLocation::new("roster.yaml", 12, 5));

        assert_eq!(locations.of_subject("aws:1:role:a").line, 12);
        assert_eq!(locations.of_subject("aws:1:role:b").line, 1);
    }

    #[test]
    fn source_location_lines_start_at_one() {
        let location = SourceLocation::new("dir\\roster.yaml", 0, 0);

        assert_eq!((location.line, location.column), (1, 1));
        assert_eq!(location.uri_path(), "dir/roster.yaml");
    }
}
