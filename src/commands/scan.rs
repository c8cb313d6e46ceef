//! `roster scan`: import or collect, build the graph, analyze, report.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use jiff::Timestamp;
use roster_analyze::{Analysis, Declaration, IdentityAssessment};
use roster_declared::LoadedRoster;
use roster_graph::IdentityGraph;
use roster_model::{IdentityKey, Inventory, ProviderId, Scope};
use roster_provider::Source;
use roster_report::{IdentitySummary, Report, ReportBuilder, StaleSuppression};

use crate::cli::ScanArgs;
use crate::commands::suppress;
use crate::demo;
use crate::exit::Outcome;
use crate::providers;

/// Runs a scan and writes its report; returns the outcome that sets the exit code.
pub fn run(args: ScanArgs, color: bool) -> anyhow::Result<Outcome> {
    let started = std::time::Instant::now();
    let now = match (args.now, args.demo) {
        (Some(now), _) => now,
        (None, true) => demo::now()?,
        (None, false) => Timestamp::now(),
    };

    let mut collection = Vec::new();
    let (mut roster, inventories) = if args.demo {
        (Some(demo::roster()?), demo::inventories()?)
    } else {
        let roster = match &args.roster {
            Some(path) => Some(crate::commands::check::load_roster(path)?),
            None => None,
        };
        let live = crate::live::collect(&args.live)?;
        collection = live.stats;
        let mut inventories = live.inventories;
        if !args.imports.is_empty() || inventories.is_empty() {
            inventories.extend(import_all(&args.imports)?);
        }
        (roster, inventories)
    };

    let waiver_warnings = match (&mut roster, args.max_suppression_days) {
        (Some(roster), Some(days)) => suppress::drop_long_suppressions(roster, now, days),
        _ => Vec::new(),
    };
    let recorded_inventories = args.record.is_some().then(|| inventories.clone());
    let scan = analyze(inventories, roster.as_ref(), now);
    let locations = crate::locate::locations(&scan, roster.as_ref());
    let scopes: Vec<_> = scan.scopes.iter().map(|scope| scope.id.clone()).collect();
    let mut report = scan.report;
    report.set_collection(collection);
    report.warnings.extend(waiver_warnings);
    report.warnings.sort();

    if let (Some(path), Some(inventories)) = (&args.record, recorded_inventories) {
        let recorded =
            crate::commands::record::record(path, &report, &inventories, &scopes, now, started)?;
        report.chain_head = Some(recorded);
    }

    let outputs = crate::emit::Outputs::resolve(args.format, &args.outputs)?;
    crate::emit::write_all(
        &report,
        &outputs,
        &args,
        color,
        &locations,
        started.elapsed(),
    )?;

    let failing = crate::emit::failing_count(&report, &args)?;
    let outcome = Outcome::of_scan(failing, report.summary.complete, args.allow_incomplete);
    // The process exits next, and freeing a report of hundreds of thousands of findings one
    // string at a time only delays that. Leak checkers will list the report.
    std::mem::forget(report);
    Ok(outcome)
}

/// A scan's report, with what pointing findings at roster lines needs.
pub struct Scan {
    pub report: Report,
    /// The roster entries that declare each identity.
    pub declared_by: BTreeMap<IdentityKey, Vec<Declaration>>,
    /// Every scope the inventories contain.
    pub scopes: Vec<Scope>,
}

/// Builds the graph from the inventories, runs the rules and assembles the report, with
/// the declarations and scopes that locating findings needs.
pub fn analyze(inventories: Vec<Inventory>, roster: Option<&LoadedRoster>, now: Timestamp) -> Scan {
    let scopes: Vec<Scope> = inventories
        .iter()
        .flat_map(|inventory| inventory.scopes.iter().cloned())
        .collect();
    let mut builder = ReportBuilder::new(env!("CARGO_PKG_VERSION"), now);
    for inventory in &inventories {
        builder.add_inventory(inventory);
    }

    let mut graph = IdentityGraph::build(inventories);
    if let Some(roster) = roster {
        graph.assign_environments(|scope| {
            roster.roster.environment_of_scope(scope).map(str::to_owned)
        });
        let files = roster
            .files
            .iter()
            .map(|file| file.display().to_string())
            .collect();
        builder.set_roster(files, roster.digest.clone());
    }
    for duplicate in graph.duplicates() {
        builder.add_warning(format!(
            "`{duplicate}` appears in more than one input: the first copy was used"
        ));
    }

    let analysis = roster_analyze::analyze(&graph, roster.map(|roster| &roster.roster), now);
    let declared_by = analysis
        .identities
        .iter()
        .filter(|assessment| !assessment.declared_by.is_empty())
        .map(|assessment| (assessment.key.clone(), assessment.declared_by.clone()))
        .collect();
    add_analysis(&mut builder, &graph, analysis);
    // Freeing a graph of 100,000 identities and a million grants takes over a second, which
    // another thread can spend while the report is written.
    std::thread::spawn(move || drop(graph));
    Scan {
        report: builder.build(),
        declared_by,
        scopes,
    }
}

fn add_analysis(builder: &mut ReportBuilder, graph: &IdentityGraph, analysis: Analysis) {
    builder.add_findings(analysis.findings);
    for warning in analysis.warnings {
        builder.add_warning(warning);
    }
    builder.add_stale_suppressions(analysis.stale_suppressions.into_iter().map(|suppression| {
        StaleSuppression {
            rule: suppression.rule,
            target: suppression.target,
            reason: suppression.reason,
            owner: suppression.owner,
            expires: suppression.expires,
            ticket: suppression.ticket,
        }
    }));
    builder.add_identities(
        analysis
            .identities
            .into_iter()
            .filter_map(|assessment| summarize(graph, assessment)),
    );
}

fn summarize(graph: &IdentityGraph, assessment: IdentityAssessment) -> Option<IdentitySummary> {
    let mut summary = match graph.identity(&assessment.key) {
        Some(identity) => {
            IdentitySummary::from_identity(identity, assessment.nature, assessment.drift)
        }
        None => IdentitySummary::from_key(assessment.key, assessment.nature, assessment.drift)?,
    };
    summary.environment = assessment.environment;
    summary.nature_evidence = assessment.nature_reasons;
    summary.owner = assessment.owner.map(|owner| owner.name);
    Some(summary)
}

/// Reads every `--import PROVIDER=PATH`, grouped by provider so that files of one provider
/// are joined (an AWS dump and its credential report), and imports them.
pub(crate) fn import_all(imports: &[String]) -> anyhow::Result<Vec<Inventory>> {
    if imports.is_empty() {
        bail!(
            "nothing to scan: give `--provider aws` to collect from the live API, `--import PROVIDER=PATH` for exported files, or `--demo` for the bundled demo estate"
        );
    }

    let mut by_provider: BTreeMap<ProviderId, Vec<Source>> = BTreeMap::new();
    for import in imports {
        let (provider, path) = parse_import(import)?;
        let sources = roster_provider::read_sources(&path)?;
        by_provider.entry(provider).or_default().extend(sources);
    }

    let mut inventories = Vec::with_capacity(by_provider.len());
    for (provider, sources) in by_provider {
        let importer = providers::importer(provider).with_context(|| {
            format!(
                "provider `{provider}` cannot import files yet: {}",
                providers::importable_list()
            )
        })?;
        let inventory = importer.import(sources)?;
        tracing::info!(
            provider = %provider,
            identities = inventory.identities.len(),
            scopes = inventory.scopes.len(),
            "import finished"
        );
        inventories.push(inventory);
    }
    Ok(inventories)
}

/// Splits `PROVIDER=PATH`.
fn parse_import(text: &str) -> anyhow::Result<(ProviderId, PathBuf)> {
    let Some((provider, path)) = text.split_once('=') else {
        bail!(
            "invalid `--import {text}`: expected PROVIDER=PATH, for example `--import aws=account-dump.json`"
        );
    };
    let provider: ProviderId = provider
        .parse()
        .map_err(|message: String| anyhow::anyhow!("invalid `--import {text}`: {message}"))?;
    if path.is_empty() {
        bail!("invalid `--import {text}`: the path is empty; expected PROVIDER=PATH");
    }
    Ok((provider, PathBuf::from(path)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn import_argument_splits_provider_and_path() {
        let (provider, path) = parse_import("aws=dumps/prod.json").unwrap();
        assert_eq!(provider, ProviderId::Aws);
        assert_eq!(path, PathBuf::from("dumps/prod.json"));
    }

    #[test]
    fn import_argument_without_equals_is_rejected() {
        let error = parse_import("dumps/prod.json").unwrap_err().to_string();
        assert_eq!(
            error,
            "invalid `--import dumps/prod.json`: expected PROVIDER=PATH, for example `--import aws=account-dump.json`"
        );
    }

    #[test]
    fn import_argument_with_unknown_provider_is_rejected() {
        let error = parse_import("oracle=x.json").unwrap_err().to_string();
        assert!(error.contains("unknown provider `oracle`"));
    }
}
