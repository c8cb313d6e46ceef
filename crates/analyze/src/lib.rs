//! Roster's analysis: the roster diff and the risk rules over the identity graph.
//!
//! Rules are pure functions of the graph, the roster and `now`; one rule per file under
//! `rules/`. This crate also decides whether each identity is a person, resolves roster
//! declarations and applies suppressions. It reads nothing from providers and writes no
//! output: the report crate renders what [`analyze`] returns.

mod aws_access;
mod context;
mod finding;
mod glob;
mod nature;
mod rule;
pub mod rules;
mod suppress;
#[cfg(test)]
mod testing;

use jiff::Timestamp;
use rayon::prelude::*;
use roster_declared::types::{Roster, Suppression};
use roster_graph::IdentityGraph;
pub use roster_model::DriftClass;
use roster_model::{CoverageKind, Finding, IdentityKey, Nature};

pub use aws_access::{
    Admin, AwsPolicies, AwsSummary, IdentityPolicies, admin_equivalence, aws_arn, is_aws_principal,
};
pub use context::{Context, Declaration, Owner};
pub use finding::{FindingDraft, fingerprint};
pub use glob::glob_match;
pub use nature::NatureVerdict;
pub use rule::{Rule, RuleInfo};

/// The analysis verdict on one identity: nature, drift class, environment and owner.
#[derive(Debug, Clone)]
pub struct IdentityAssessment {
    pub key: IdentityKey,
    pub nature: Nature,
    pub nature_reasons: Vec<String>,
    pub drift: DriftClass,
    pub environment: Option<String>,
    pub owner: Option<Owner>,
    /// The roster entries that declare the identity, for pointing reports at their lines.
    pub declared_by: Vec<Declaration>,
}

/// The result of an analysis.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Findings sorted by severity (highest first), rule, subject and fingerprint.
    pub findings: Vec<Finding>,
    /// Every identity found, plus every declared identity that is missing.
    pub identities: Vec<IdentityAssessment>,
    /// Suppressions that matched no finding.
    pub stale_suppressions: Vec<Suppression>,
    pub warnings: Vec<String>,
}

/// Runs every rule over the graph and the roster at time `now`, then applies the roster's
/// suppressions. Without a roster, the rules that need one are skipped.
pub fn analyze(graph: &IdentityGraph, roster: Option<&Roster>, now: Timestamp) -> Analysis {
    let context = Context::new(graph, roster, now);
    // Rules run in parallel and share what the context computes on first use, so that is
    // computed before they start.
    context.prepare_aws();

    let produced: Vec<Vec<Finding>> = rules::ALL
        .par_iter()
        .filter(|rule| !rule.info.needs_roster || roster.is_some())
        .map(|rule| {
            let produced = (rule.check)(&context);
            tracing::debug!(
                rule = rule.info.name,
                findings = produced.len(),
                "rule checked"
            );
            produced
        })
        .collect();
    let mut findings: Vec<Finding> = produced.into_iter().flatten().collect();
    sort_findings(&mut findings);
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);

    let mut warnings = Vec::new();
    let stale_suppressions = match roster {
        Some(roster) => suppress::apply(&roster.suppressions, &mut findings, now, &mut warnings),
        None => Vec::new(),
    };
    let identities = assess_identities(&context, &findings);

    Analysis {
        findings,
        identities,
        stale_suppressions,
        warnings,
    }
}

/// Sorts findings by severity (highest first), rule, subject and fingerprint.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.subject.cmp(&b.subject))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
}

fn assess_identities(context: &Context<'_>, findings: &[Finding]) -> Vec<IdentityAssessment> {
    let drifted: std::collections::HashSet<&str> = findings
        .iter()
        .filter(|finding| DRIFT_RULES.contains(&finding.rule.as_str()))
        .map(|finding| finding.subject.as_str())
        .collect();

    let mut assessments: Vec<IdentityAssessment> = context
        .graph
        .identities()
        .map(|identity| {
            let verdict = context.nature(&identity.key);
            let drift = if !context.verified(identity, CoverageKind::Identities) {
                DriftClass::Unverified
            } else if !context.is_declared(&identity.key) {
                DriftClass::Undeclared
            } else if drifted.contains(identity.key.as_str()) {
                DriftClass::Drifted
            } else {
                DriftClass::Matched
            };
            IdentityAssessment {
                key: identity.key.clone(),
                nature: verdict.map_or(Nature::NonHuman, |verdict| verdict.nature),
                nature_reasons: verdict
                    .map(|verdict| verdict.reasons.clone())
                    .unwrap_or_default(),
                drift,
                environment: context.environment_of(identity),
                owner: context.owner_of(identity),
                declared_by: context.declared_at(&identity.key).to_vec(),
            }
        })
        .collect();

    for key in context.declared_absent().keys() {
        let drift = if rules::missing_identity::absence_is_verified(context, key) {
            DriftClass::Missing
        } else {
            DriftClass::Unverified
        };
        assessments.push(IdentityAssessment {
            key: key.clone(),
            nature: Nature::NonHuman,
            nature_reasons: vec!["declared in the roster".to_owned()],
            drift,
            environment: None,
            owner: None,
            declared_by: context.declared_at(key).to_vec(),
        });
    }
    assessments.sort_by(|a, b| a.key.cmp(&b.key));
    assessments
}

/// Rules whose findings mean an identity differs from its declaration.
const DRIFT_RULES: [&str; 3] = [
    "membership-drift",
    "excess-privilege",
    "expired-declaration",
];
