//! The stages of `roster scan --import aws=FOLDER`, callable one at a time so that each can
//! be timed: import, graph build, policy evaluation, rules and the JSON report.
//!
//! The stages call the same library functions as the binary, in the same order. The report
//! differs from the binary's in one respect: identities are listed without the analysis's
//! nature and drift verdicts, which only `roster_analyze::analyze` computes.

use std::path::Path;
use std::time::{Duration, Instant};

use roster_analyze::{Context, DriftClass, rules};
use roster_graph::IdentityGraph;
use roster_model::{Finding, Inventory, Nature};
use roster_report::{IdentitySummary, Report, ReportBuilder};

use crate::estate::{DUMP_FILE, REPORT_FILE};

/// Imports the account-authorization dump and the credential report of a generated estate.
pub fn import(folder: &Path) -> anyhow::Result<Inventory> {
    let inventory =
        roster_provider_aws::import_paths(&[folder.join(DUMP_FILE), folder.join(REPORT_FILE)])?;
    Ok(inventory)
}

/// Parses every AWS policy of the graph and computes the effective access of every AWS user
/// and role, which the context keeps for the rules. Returns how many principals it evaluated.
pub fn evaluate_policies(context: &Context<'_>) -> usize {
    let mut summarized = 0;
    for identity in context.graph.identities() {
        if context.aws_summary(&identity.key).is_some() {
            summarized += 1;
        }
    }
    summarized
}

/// One rule's run.
#[derive(Debug)]
pub struct RuleRun {
    pub name: &'static str,
    pub elapsed: Duration,
    pub findings: usize,
}

/// Runs every rule that needs no roster, except those named in `skip`, and returns the
/// findings sorted and deduplicated as the analysis does, with each rule's time.
pub fn run_rules(context: &Context<'_>, skip: &[String]) -> (Vec<Finding>, Vec<RuleRun>) {
    let mut findings = Vec::new();
    let mut runs = Vec::new();
    for rule in rules::ALL {
        if rule.info.needs_roster || skip.iter().any(|name| name == rule.info.name) {
            continue;
        }
        let started = Instant::now();
        let produced = (rule.check)(context);
        runs.push(RuleRun {
            name: rule.info.name,
            elapsed: started.elapsed(),
            findings: produced.len(),
        });
        findings.extend(produced);
    }
    roster_analyze::sort_findings(&mut findings);
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    (findings, runs)
}

/// Builds the report of a scan: the inventory's sources and coverage, the findings and
/// every identity of the graph.
pub fn build_report(
    builder: ReportBuilder,
    graph: &IdentityGraph,
    findings: Vec<Finding>,
) -> Report {
    let mut builder = builder;
    builder.add_findings(findings);
    builder.add_identities(graph.identities().map(|identity| {
        IdentitySummary::from_identity(identity, Nature::NonHuman, DriftClass::Undeclared)
    }));
    builder.build()
}

/// Serializes a report as the `--format json` output does.
pub fn write_json(report: &Report) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    roster_report::write_json(report, &mut out)?;
    Ok(out)
}
