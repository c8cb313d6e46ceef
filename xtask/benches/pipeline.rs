//! Benchmarks of the stages of `roster scan --import aws=...` on a generated estate: import,
//! graph build, policy evaluation, each rule that needs no roster, and the JSON report.
//!
//! The estate has 1,000 principals with 10 policy attachments each (seed 1); set
//! `ROSTER_BENCH_PRINCIPALS` for another size. Run with `cargo bench -p xtask --bench pipeline`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use roster_analyze::{Context, rules};
use roster_graph::IdentityGraph;
use roster_report::ReportBuilder;
use xtask::estate::{Estate, Spec};
use xtask::pipeline;

const NOW: &str = "2026-12-01T00:00:00Z";

fn principals() -> usize {
    std::env::var("ROSTER_BENCH_PRINCIPALS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000)
}

fn stages(c: &mut Criterion) {
    let principals = principals();
    let folder = tempfile::tempdir().unwrap();
    Estate::plan(Spec::with_default_attachments(principals, 1))
        .unwrap()
        .write(folder.path())
        .unwrap();
    let now = NOW.parse().unwrap();

    let mut group = c.benchmark_group(format!("pipeline/{principals} principals"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));

    group.bench_function("import", |b| {
        b.iter(|| black_box(pipeline::import(folder.path()).unwrap()));
    });

    let inventory = pipeline::import(folder.path()).unwrap();
    group.bench_function("graph build", |b| {
        b.iter_batched(
            || vec![inventory.clone()],
            |inventories| black_box(IdentityGraph::build(inventories)),
            BatchSize::LargeInput,
        );
    });

    let graph = IdentityGraph::build(vec![inventory.clone()]);
    group.bench_function("policy evaluation", |b| {
        b.iter(|| {
            let context = Context::new(&graph, None, now);
            black_box(pipeline::evaluate_policies(&context))
        });
    });

    let context = Context::new(&graph, None, now);
    pipeline::evaluate_policies(&context);
    for rule in rules::ALL.iter().filter(|rule| !rule.info.needs_roster) {
        group.bench_function(format!("rule {}", rule.info.name), |b| {
            b.iter(|| black_box((rule.check)(&context)));
        });
    }

    let (findings, _) = pipeline::run_rules(&context, &[]);
    group.bench_function("JSON report", |b| {
        b.iter_batched(
            || {
                let mut builder = ReportBuilder::new("bench", now);
                builder.add_inventory(&inventory);
                (builder, findings.clone())
            },
            |(builder, findings)| {
                let report = pipeline::build_report(builder, &graph, findings);
                black_box(pipeline::write_json(&report).unwrap())
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
