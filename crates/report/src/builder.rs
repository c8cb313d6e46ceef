use std::cmp::Reverse;
use std::collections::BTreeMap;

use jiff::Timestamp;
use roster_model::{
    Coverage, CoverageStatus, Finding, FindingStatus, IdentityKind, Inventory, InventoryNote,
};

use crate::report::{
    DriftCounts, IdentitySummary, Report, RosterSource, SchemaVersion, SeverityCounts,
    StaleSuppression, Summary, Tool, Unverified, is_counted,
};

/// Collects the parts of a [`Report`] in any order, then sorts them and computes the summary.
///
/// Every `add_*` method appends, so the caller can feed one inventory or one rule at a time.
#[derive(Debug, Clone)]
pub struct ReportBuilder {
    tool: Tool,
    generated_at: Timestamp,
    roster: Option<RosterSource>,
    sources: Vec<String>,
    coverage: Vec<Coverage>,
    notes: Vec<InventoryNote>,
    warnings: Vec<String>,
    stale_suppressions: Vec<StaleSuppression>,
    findings: Vec<Finding>,
    identities: Vec<IdentitySummary>,
    identities_by_kind: BTreeMap<IdentityKind, u64>,
}

impl ReportBuilder {
    /// Starts a report written by Roster `tool_version` at the run's `now`.
    pub fn new(tool_version: impl Into<String>, generated_at: Timestamp) -> Self {
        ReportBuilder {
            tool: Tool::new(tool_version),
            generated_at,
            roster: None,
            sources: Vec::new(),
            coverage: Vec::new(),
            notes: Vec::new(),
            warnings: Vec::new(),
            stale_suppressions: Vec::new(),
            findings: Vec::new(),
            identities: Vec::new(),
            identities_by_kind: BTreeMap::new(),
        }
    }

    pub fn set_roster(&mut self, files: Vec<String>, digest: impl Into<String>) -> &mut Self {
        self.roster = Some(RosterSource {
            files,
            digest: digest.into(),
        });
        self
    }

    /// Adds an inventory's sources, coverage and notes, and counts its identities per kind.
    /// `Summary::identities` counts only identities added this way.
    pub fn add_inventory(&mut self, inventory: &Inventory) -> &mut Self {
        self.sources.extend(inventory.sources.iter().cloned());
        self.coverage.extend(inventory.coverage.iter().cloned());
        self.notes.extend(inventory.notes.iter().cloned());

        for identity in &inventory.identities {
            *self.identities_by_kind.entry(identity.kind).or_default() += 1;
        }
        self
    }

    pub fn add_sources(&mut self, sources: impl IntoIterator<Item = String>) -> &mut Self {
        self.sources.extend(sources);
        self
    }

    pub fn add_coverage(&mut self, entries: impl IntoIterator<Item = Coverage>) -> &mut Self {
        self.coverage.extend(entries);
        self
    }

    pub fn add_notes(&mut self, notes: impl IntoIterator<Item = InventoryNote>) -> &mut Self {
        self.notes.extend(notes);
        self
    }

    pub fn add_warning(&mut self, warning: impl Into<String>) -> &mut Self {
        self.warnings.push(warning.into());
        self
    }

    pub fn add_stale_suppressions(
        &mut self,
        suppressions: impl IntoIterator<Item = StaleSuppression>,
    ) -> &mut Self {
        self.stale_suppressions.extend(suppressions);
        self
    }

    pub fn add_findings(&mut self, findings: impl IntoIterator<Item = Finding>) -> &mut Self {
        self.findings.extend(findings);
        self
    }

    pub fn add_identities(
        &mut self,
        identities: impl IntoIterator<Item = IdentitySummary>,
    ) -> &mut Self {
        self.identities.extend(identities);
        self
    }

    /// Sorts and deduplicates every list, derives the unverified entries from coverage, and
    /// computes the summary.
    pub fn build(mut self) -> Report {
        self.sort();

        let unverified = self.coverage.iter().filter_map(unverified_entry).collect();
        let summary = self.summarize();

        Report {
            schema_version: SchemaVersion::V1,
            tool: self.tool,
            generated_at: self.generated_at,
            roster: self.roster,
            sources: self.sources,
            summary,
            coverage: self.coverage,
            unverified,
            notes: self.notes,
            warnings: self.warnings,
            stale_suppressions: self.stale_suppressions,
            findings: self.findings,
            identities: self.identities,
            chain_head: None,
            collection: Vec::new(),
        }
    }

    fn sort(&mut self) {
        self.sources.sort();
        self.sources.dedup();
        self.coverage.sort();
        self.coverage.dedup();
        self.notes.sort();
        self.notes.dedup();
        self.warnings.sort();
        self.warnings.dedup();
        self.stale_suppressions.sort();
        self.stale_suppressions.dedup();
        self.findings
            .sort_by(|a, b| finding_order(a).cmp(&finding_order(b)));
        self.identities.sort_by(|a, b| a.key.cmp(&b.key));
    }

    fn summarize(&self) -> Summary {
        let mut findings = SeverityCounts::default();
        let mut suppressed = 0;
        let mut by_rule: BTreeMap<String, u64> = BTreeMap::new();
        for finding in &self.findings {
            if finding.status == FindingStatus::Suppressed {
                suppressed += 1;
                continue;
            }
            if is_counted(finding) {
                findings.add(finding.severity);
                *by_rule.entry(finding.rule.clone()).or_default() += 1;
            }
        }

        let mut drift = DriftCounts::default();
        for identity in &self.identities {
            drift.add(identity.drift);
        }

        Summary {
            identities: self.identities_by_kind.values().sum(),
            identities_by_kind: self.identities_by_kind.clone(),
            findings,
            suppressed,
            by_rule,
            drift,
            complete: self.coverage.iter().all(|entry| entry.status.is_complete()),
        }
    }
}

/// Returns the sort key of a finding: severity (highest first), rule, subject, fingerprint.
fn finding_order(finding: &Finding) -> (Reverse<roster_model::Severity>, &str, &str, &str) {
    (
        Reverse(finding.severity),
        &finding.rule,
        &finding.subject,
        &finding.fingerprint,
    )
}

/// Builds the unverified entry for a coverage entry, with its cause and fix, or `None` when
/// the entry is complete.
fn unverified_entry(coverage: &Coverage) -> Option<Unverified> {
    let (reason, fix) = match &coverage.status {
        CoverageStatus::Complete => return None,
        CoverageStatus::Partial { reason } => (
            reason.clone(),
            format!(
                "remove the cause, then scan `{}` again from the live API or from a complete export",
                coverage.scope
            ),
        ),
        CoverageStatus::Denied { permission } => (
            format!("access denied: the scanning identity lacks `{permission}`"),
            format!("grant `{permission}` to the identity that runs the scan"),
        ),
    };

    Some(Unverified {
        provider: coverage.provider,
        scope: coverage.scope.clone(),
        kind: coverage.kind,
        identity_kind: coverage.identity_kind,
        reason,
        fix,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{CoverageKind, ProviderId, ScopeId, Severity};

    use super::*;
    use crate::sample::{empty_report, sample_report};
    use roster_model::DriftClass;

    #[test]
    fn build_sorts_findings_by_severity_then_rule() {
        let report = sample_report();
        let order: Vec<(Severity, &str)> = report
            .findings
            .iter()
            .map(|finding| (finding.severity, finding.rule.as_str()))
            .collect();

        assert_eq!(
            order,
            vec![
                (Severity::Critical, "admin-equivalent"),
                (Severity::High, "external-trust"),
                (Severity::High, "human-use-of-nhi"),
                (Severity::Medium, "stale-credential"),
                (Severity::Low, "undeclared-identity"),
                (Severity::Low, "unused-identity"),
                (Severity::Info, "expiring-credential"),
            ]
        );
    }

    #[test]
    fn build_sorts_identities_by_key() {
        let report = sample_report();
        let keys: Vec<&str> = report.identities.iter().map(|i| i.key.as_str()).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();

        assert_eq!(keys, sorted);
    }

    #[test]
    fn summary_counts_only_counted_findings() {
        let summary = sample_report().summary;

        assert_eq!(summary.findings.critical, 1);
        assert_eq!(summary.findings.high, 1);
        assert_eq!(summary.findings.medium, 1);
        assert_eq!(summary.findings.low, 1);
        assert_eq!(summary.findings.info, 1);
        assert_eq!(summary.suppressed, 2);
        assert_eq!(summary.by_rule.get("human-use-of-nhi"), None);
        assert_eq!(summary.by_rule.get("stale-credential"), Some(&1));
    }

    #[test]
    fn summary_counts_found_identities_per_kind() {
        let summary = sample_report().summary;

        assert_eq!(summary.identities, 5);
        assert_eq!(
            summary.identities_by_kind.get(&IdentityKind::AwsRole),
            Some(&3)
        );
        assert_eq!(
            summary.identities_by_kind.get(&IdentityKind::AwsUser),
            Some(&1)
        );
        assert_eq!(
            summary
                .identities_by_kind
                .get(&IdentityKind::GcpServiceAccount),
            Some(&1)
        );
    }

    #[test]
    fn summary_counts_drift_classes() {
        let drift = sample_report().summary.drift;

        assert_eq!(drift.get(DriftClass::Matched), 2);
        assert_eq!(drift.get(DriftClass::Undeclared), 1);
        assert_eq!(drift.get(DriftClass::Missing), 1);
        assert_eq!(drift.get(DriftClass::Drifted), 1);
        assert_eq!(drift.get(DriftClass::Unverified), 1);
    }

    #[test]
    fn summary_incomplete_when_any_coverage_is_not_complete() {
        assert!(!sample_report().summary.complete);
        assert!(empty_report().summary.complete);
    }

    #[test]
    fn unverified_lists_each_incomplete_entry() {
        let report = sample_report();
        let parts: Vec<(&str, CoverageKind)> = report
            .unverified
            .iter()
            .map(|entry| (entry.scope.as_str(), entry.kind))
            .collect();

        assert_eq!(
            parts,
            vec![
                ("aws:111122223333", CoverageKind::PermissionUsage),
                ("aws:444455556666", CoverageKind::IdentityUsage),
                ("gcp:acme-prod", CoverageKind::Grants),
            ]
        );
    }

    #[test]
    fn unverified_denied_entry_names_the_permission() {
        let coverage = Coverage {
            provider: ProviderId::Aws,
            scope: ScopeId::new(ProviderId::Aws, "111122223333"),
            kind: CoverageKind::Identities,
            identity_kind: None,
            status: CoverageStatus::Denied {
                permission: "iam:ListRoles".into(),
            },
        };

        let entry = unverified_entry(&coverage).unwrap();

        assert_eq!(
            entry.reason,
            "access denied: the scanning identity lacks `iam:ListRoles`"
        );
        assert_eq!(
            entry.fix,
            "grant `iam:ListRoles` to the identity that runs the scan"
        );
    }

    #[test]
    fn unverified_partial_entry_keeps_the_provider_reason() {
        let coverage = Coverage {
            provider: ProviderId::Aws,
            scope: ScopeId::new(ProviderId::Aws, "111122223333"),
            kind: CoverageKind::Identities,
            identity_kind: None,
            status: CoverageStatus::Partial {
                reason: "throttled after 5 retries".into(),
            },
        };

        let entry = unverified_entry(&coverage).unwrap();

        assert_eq!(entry.reason, "throttled after 5 retries");
        assert!(entry.fix.contains("`aws:111122223333`"), "{}", entry.fix);
    }

    #[test]
    fn build_deduplicates_sources_and_warnings() {
        let mut builder = ReportBuilder::new("0.1.0", Timestamp::UNIX_EPOCH);
        builder
            .add_sources([
                "b.json".to_owned(),
                "a.json".to_owned(),
                "b.json".to_owned(),
            ])
            .add_warning("second")
            .add_warning("first")
            .add_warning("second");

        let report = builder.build();

        assert_eq!(report.sources, vec!["a.json", "b.json"]);
        assert_eq!(report.warnings, vec!["first", "second"]);
    }
}
