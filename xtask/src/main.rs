//! `cargo xtask`: developer tasks that are not part of the `roster` binary.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use roster_graph::IdentityGraph;
use roster_report::ReportBuilder;
use xtask::estate::{DUMP_FILE, Estate, REPORT_FILE, Spec};
use xtask::floor::{Depth, parse_files};
use xtask::pipeline;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Roster's developer tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a synthetic AWS estate: an account-authorization dump and its credential report.
    GenEstate {
        /// Users plus roles.
        #[arg(long)]
        principals: usize,
        /// Managed policy attachments plus inline policies over users, roles and groups
        /// [default: 10 per principal].
        #[arg(long)]
        attachments: Option<usize>,
        /// Seed of the generator; the same seed writes the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Folder to write `account-authorization.json` and `credential-report.json` into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Read JSON files and parse them with serde_json, printing the seconds it took.
    ParseFloor {
        /// Check the syntax only instead of building a `serde_json::Value` tree.
        #[arg(long)]
        syntax_only: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run the stages of `roster scan --import aws=FOLDER` on a generated estate and print the
    /// seconds each took: import, graph build, policy evaluation, each rule, JSON report.
    ProfileScan {
        /// The instant that ages are computed against (RFC 3339).
        #[arg(long, default_value = "2026-12-01T00:00:00Z")]
        now: String,
        /// Leave out the rule with this name. Repeatable.
        #[arg(long = "skip-rule", value_name = "NAME")]
        skip_rules: Vec<String>,
        /// Folder holding `account-authorization.json` and `credential-report.json`.
        folder: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    // The result matters only to the timings, which are read on Linux, where it is true.
    let _ = roster_allocator::keep_freed_memory();
    match Cli::parse().command {
        Command::GenEstate {
            principals,
            attachments,
            seed,
            out,
        } => {
            let mut spec = Spec::with_default_attachments(principals, seed);
            if let Some(attachments) = attachments {
                spec.attachments = attachments;
            }
            let estate = Estate::plan(spec)?;
            estate.write(&out)?;
            let size = std::fs::metadata(out.join(DUMP_FILE))
                .with_context(|| format!("cannot read `{}`", out.join(DUMP_FILE).display()))?
                .len();
            eprintln!(
                "wrote {} and {} to `{}`: {} roles, {} users, {} groups, {} customer-managed policies, {} policy attachments, dump {:.1} MB",
                DUMP_FILE,
                REPORT_FILE,
                out.display(),
                estate.roles,
                estate.users,
                estate.groups,
                estate.customer_policies,
                spec.attachments,
                size as f64 / 1e6
            );
        }
        Command::ParseFloor { syntax_only, files } => {
            let depth = if syntax_only {
                Depth::Syntax
            } else {
                Depth::Tree
            };
            let (elapsed, bytes) = parse_files(&files, depth)?;
            println!(
                "parsed {:.1} MB in {:.3} s",
                bytes as f64 / 1e6,
                elapsed.as_secs_f64()
            );
        }
        Command::ProfileScan {
            now,
            skip_rules,
            folder,
        } => profile_scan(&folder, &now, &skip_rules)?,
    }
    Ok(())
}

/// Times each stage of an import scan and prints one `seconds stage` line per stage.
fn profile_scan(folder: &Path, now: &str, skip_rules: &[String]) -> anyhow::Result<()> {
    let now = now
        .parse()
        .with_context(|| format!("invalid `--now {now}`: expected an RFC 3339 instant"))?;
    let total = Instant::now();

    let started = Instant::now();
    let inventory = pipeline::import(folder)?;
    println!("{:9.3} import", started.elapsed().as_secs_f64());

    let started = Instant::now();
    let mut builder = ReportBuilder::new(env!("CARGO_PKG_VERSION"), now);
    builder.add_inventory(&inventory);
    let graph = IdentityGraph::build(vec![inventory]);
    println!("{:9.3} graph build", started.elapsed().as_secs_f64());

    let context = roster_analyze::Context::new(&graph, None, now);
    let started = Instant::now();
    let summarized = pipeline::evaluate_policies(&context);
    println!(
        "{:9.3} policy evaluation ({summarized} principals)",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let (findings, runs) = pipeline::run_rules(&context, skip_rules);
    for run in &runs {
        println!(
            "{:9.3}   rule {} ({} findings)",
            run.elapsed.as_secs_f64(),
            run.name,
            run.findings
        );
    }
    println!("{:9.3} rules", started.elapsed().as_secs_f64());

    let started = Instant::now();
    let report = pipeline::build_report(builder, &graph, findings);
    println!("{:9.3} report assembly", started.elapsed().as_secs_f64());

    let started = Instant::now();
    let json = pipeline::write_json(&report)?;
    println!(
        "{:9.3} JSON report ({:.1} MB)",
        started.elapsed().as_secs_f64(),
        json.len() as f64 / 1e6
    );
    println!("{:9.3} total", total.elapsed().as_secs_f64());
    Ok(())
}
