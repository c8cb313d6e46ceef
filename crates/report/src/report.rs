use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use roster_model::{
    CollectionStats, Coverage, CoverageKind, DriftClass, Finding, FindingStatus, Identity,
    IdentityKey, IdentityKind, InventoryNote, Nature, ProviderId, ScopeId, Severity,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The name that [`Tool`] carries in every report.
pub const TOOL_NAME: &str = "roster";

/// The result of one Roster run: what was collected, how completely, and what was found.
///
/// Every list is sorted, so that equal runs give byte-identical JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// The version of this format. A new version is issued when a field is removed or changes
    /// meaning. New fields may appear within a version, so readers should ignore unknown ones.
    pub schema_version: SchemaVersion,
    pub tool: Tool,
    /// The `now` of the run: the instant that every age and expiry was computed against.
    pub generated_at: Timestamp,
    /// The roster the live state was compared with, absent when the run had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roster: Option<RosterSource>,
    /// The input files or API endpoints the inventory came from, sorted.
    pub sources: Vec<String>,
    pub summary: Summary,
    /// Coverage of every (provider, scope, kind) the run collected, sorted.
    pub coverage: Vec<Coverage>,
    /// The coverage entries that are not complete, each with its reason and fix.
    pub unverified: Vec<Unverified>,
    /// Facts about the collection, such as lossy input or unresolved references.
    pub notes: Vec<InventoryNote>,
    /// Plain sentences about the run, for example expired suppressions, sorted.
    pub warnings: Vec<String>,
    /// Suppressions in the roster that matched no finding.
    pub stale_suppressions: Vec<StaleSuppression>,
    /// Every finding, suppressed ones included, sorted by severity (highest first), rule,
    /// subject and fingerprint.
    pub findings: Vec<Finding>,
    /// Every identity the run found or the roster declared, sorted by key.
    pub identities: Vec<IdentitySummary>,
    /// The head of the audit log's hash chain after this run was recorded, as
    /// `<sha256 hex> (event N)`. Keeping it outside the store lets `roster audit verify`
    /// results be checked against it; absent when the run was not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_head: Option<String>,
    /// What collecting each scope from a live API took: calls per operation, pages, retries
    /// and wall time, sorted by provider and scope. Empty when every inventory was imported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collection: Vec<CollectionStats>,
}

impl Report {
    /// Sets the statistics of live collection, sorted by provider and scope.
    pub fn set_collection(&mut self, mut stats: Vec<CollectionStats>) {
        stats.sort();
        self.collection = stats;
    }

    /// Counts the findings that count (status `open` or `suppression-expired`) whose severity
    /// is `severity` or higher, for `--fail-on`.
    pub fn counts_at_or_above(&self, severity: Severity) -> usize {
        self.counted_findings()
            .filter(|finding| finding.severity >= severity)
            .count()
    }

    /// Returns the findings whose status is `open` or `suppression-expired`.
    pub fn counted_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|finding| is_counted(finding))
    }
}

/// Tells whether a finding counts towards the totals and `--fail-on`: a suppressed finding does
/// not, a finding whose suppression expired does.
pub fn is_counted(finding: &Finding) -> bool {
    match finding.status {
        FindingStatus::Open | FindingStatus::SuppressionExpired => true,
        FindingStatus::Suppressed => false,
    }
}

/// The report format version. `1` is the only one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum SchemaVersion {
    #[default]
    #[serde(rename = "1")]
    V1,
}

/// The program that wrote the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    /// Always `roster`.
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn new(version: impl Into<String>) -> Self {
        Tool {
            name: TOOL_NAME.to_owned(),
            version: version.into(),
        }
    }
}

/// The roster files a run read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RosterSource {
    /// The files in the order they were merged.
    pub files: Vec<String>,
    /// A digest of the merged roster, so that two reports can be seen to use the same roster.
    pub digest: String,
}

/// Counts that a dashboard can show without reading the lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Identities in the collected inventories. Declared identities that were not found are
    /// counted only under `drift`.
    pub identities: u64,
    /// The found identities per kind, for example `aws-role`.
    pub identities_by_kind: BTreeMap<IdentityKind, u64>,
    /// Findings that count (status `open` or `suppression-expired`) per severity.
    pub findings: SeverityCounts,
    /// Findings that a roster suppression hides.
    pub suppressed: u64,
    /// Findings that count, per rule name.
    pub by_rule: BTreeMap<String, u64>,
    /// Identities per drift class.
    pub drift: DriftCounts,
    /// True when every coverage entry is complete. A report without coverage entries is
    /// complete because it claims nothing.
    pub complete: bool,
}

/// A count per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeverityCounts {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub info: u64,
}

impl SeverityCounts {
    pub fn get(&self, severity: Severity) -> u64 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    pub fn add(&mut self, severity: Severity) {
        let count = match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        };
        *count += 1;
    }

    pub fn total(&self) -> u64 {
        self.critical + self.high + self.medium + self.low + self.info
    }
}

/// A count per drift class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DriftCounts {
    pub matched: u64,
    pub undeclared: u64,
    pub missing: u64,
    pub drifted: u64,
    pub unverified: u64,
}

impl DriftCounts {
    pub fn get(&self, class: DriftClass) -> u64 {
        match class {
            DriftClass::Matched => self.matched,
            DriftClass::Undeclared => self.undeclared,
            DriftClass::Missing => self.missing,
            DriftClass::Drifted => self.drifted,
            DriftClass::Unverified => self.unverified,
        }
    }

    pub fn add(&mut self, class: DriftClass) {
        let count = match class {
            DriftClass::Matched => &mut self.matched,
            DriftClass::Undeclared => &mut self.undeclared,
            DriftClass::Missing => &mut self.missing,
            DriftClass::Drifted => &mut self.drifted,
            DriftClass::Unverified => &mut self.unverified,
        };
        *count += 1;
    }
}

/// A coverage entry that is not complete, with its cause and the way to complete it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Unverified {
    pub provider: ProviderId,
    pub scope: ScopeId,
    pub kind: CoverageKind,
    /// The identity kind the entry is narrowed to, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_kind: Option<IdentityKind>,
    /// The cause, for example a denied permission or a listing cut short by throttling.
    pub reason: String,
    /// The permission or input that would complete it.
    pub fix: String,
}

/// A roster suppression that matched no finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct StaleSuppression {
    /// A rule name, or `*` for every rule.
    pub rule: String,
    /// A finding fingerprint or a subject pattern.
    pub target: String,
    pub reason: String,
    pub owner: String,
    pub expires: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

/// One identity as the report shows it: where it lives, what it is, and how it compares with
/// the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IdentitySummary {
    pub key: IdentityKey,
    pub provider: ProviderId,
    pub kind: IdentityKind,
    pub scope: ScopeId,
    /// The environment the roster maps the scope to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    pub nature: Nature,
    /// The observations that decided `nature`, one sentence each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nature_evidence: Vec<String>,
    pub drift: DriftClass,
    /// The owner from the roster or from an owner tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl IdentitySummary {
    /// Creates a summary with no environment, owner or nature evidence.
    pub fn new(
        key: IdentityKey,
        provider: ProviderId,
        kind: IdentityKind,
        scope: ScopeId,
        nature: Nature,
        drift: DriftClass,
    ) -> Self {
        IdentitySummary {
            key,
            provider,
            kind,
            scope,
            environment: None,
            nature,
            nature_evidence: Vec::new(),
            drift,
            owner: None,
        }
    }

    /// Creates a summary from the parts of a key (`provider:scope:kind:native-id`), for a
    /// declared identity that was not found. Returns `None` when the key does not have that
    /// shape.
    pub fn from_key(key: IdentityKey, nature: Nature, drift: DriftClass) -> Option<Self> {
        let mut parts = key.as_str().splitn(4, ':');
        let (Some(prefix), Some(scope), Some(segment), Some(_)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };

        let provider: ProviderId = prefix.parse().ok()?;
        let kind = IdentityKind::from_key_segment(provider, segment)?;
        let scope = ScopeId::new(provider, scope);
        Some(IdentitySummary::new(
            key, provider, kind, scope, nature, drift,
        ))
    }

    /// Creates a summary of a live identity with no environment, owner or nature evidence.
    pub fn from_identity(identity: &Identity, nature: Nature, drift: DriftClass) -> Self {
        IdentitySummary::new(
            identity.key.clone(),
            identity.provider,
            identity.kind,
            identity.scope.clone(),
            nature,
            drift,
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::sample::{empty_report, sample_report};

    #[test]
    fn counts_at_or_above_includes_higher_severities() {
        let report = sample_report();

        assert_eq!(report.counts_at_or_above(Severity::Critical), 1);
        assert_eq!(report.counts_at_or_above(Severity::High), 2);
        assert_eq!(report.counts_at_or_above(Severity::Medium), 3);
        assert_eq!(report.counts_at_or_above(Severity::Low), 4);
        assert_eq!(report.counts_at_or_above(Severity::Info), 5);
    }

    #[test]
    fn counts_at_or_above_skips_suppressed_findings() {
        let mut report = sample_report();
        for finding in &mut report.findings {
            finding.status = FindingStatus::Suppressed;
        }

        assert_eq!(report.counts_at_or_above(Severity::Info), 0);
    }

    #[test]
    fn counts_at_or_above_counts_expired_suppressions() {
        let report = sample_report();
        let expired: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|finding| finding.status == FindingStatus::SuppressionExpired)
            .collect();

        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].severity, Severity::Medium);
        assert_eq!(report.counts_at_or_above(Severity::Medium), 3);
    }

    #[test]
    fn counts_at_or_above_empty_report_is_zero() {
        assert_eq!(empty_report().counts_at_or_above(Severity::Info), 0);
    }

    #[test]
    fn identity_summary_from_key_splits_the_key() {
        let key: IdentityKey = "k8s:prod-eu:service-account:payments/api".parse().unwrap();

        let summary =
            IdentitySummary::from_key(key, Nature::NonHuman, DriftClass::Missing).unwrap();

        assert_eq!(summary.provider, ProviderId::Kubernetes);
        assert_eq!(summary.kind, IdentityKind::K8sServiceAccount);
        assert_eq!(summary.scope.as_str(), "k8s:prod-eu");
        assert_eq!(summary.drift, DriftClass::Missing);
    }

    #[test]
    fn identity_summary_from_key_rejects_malformed_key() {
        let key: IdentityKey = serde_json::from_str("\"aws:111122223333:bucket:logs\"").unwrap();

        assert_eq!(
            IdentitySummary::from_key(key, Nature::NonHuman, DriftClass::Missing),
            None
        );
    }

    #[test]
    fn schema_version_serializes_as_string_one() {
        let text = serde_json::to_string(&SchemaVersion::V1).unwrap();

        assert_eq!(text, "\"1\"");
        assert!(serde_json::from_str::<SchemaVersion>("\"2\"").is_err());
    }

    #[test]
    fn drift_class_names_match_serde() {
        for class in DriftClass::ALL {
            let json = serde_json::to_value(class).unwrap();
            assert_eq!(json.as_str(), Some(class.as_str()));
        }
    }
}
