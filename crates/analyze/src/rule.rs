use roster_model::{Finding, Severity};

use crate::Context;

/// A rule's fixed description, from which `roster rules`, the docs and SARIF help are built.
#[derive(Debug)]
pub struct RuleInfo {
    /// The stable id, for example `RST001`.
    pub id: &'static str,
    /// The kebab-case name that describes the problem, for example `undeclared-identity`.
    pub name: &'static str,
    pub severity: Severity,
    /// The OWASP Top 10 for Non-Human Identities (2025) risk the rule covers, for example
    /// `NHI1 Improper Offboarding`.
    pub owasp: &'static str,
    /// One sentence: what the rule flags.
    pub summary: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix a finding.
    pub fix: &'static str,
    /// Whether the rule needs a roster; rules without one still run when none is given.
    pub needs_roster: bool,
}

/// A rule: its description and the check that produces its findings.
pub struct Rule {
    pub info: &'static RuleInfo,
    pub check: fn(&Context<'_>) -> Vec<Finding>,
}
