//! The `roster` binary: argument parsing, wiring of the library crates, and exit codes.
//!
//! stdout carries the report only; every message and log goes to stderr.

mod cli;
mod commands;
mod demo;
mod emit;
mod exit;
mod live;
mod locate;
mod output;
mod providers;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::exit::Outcome;

fn main() -> ExitCode {
    let keeps_freed_memory = roster_allocator::keep_freed_memory();
    let cli = Cli::parse();
    init_logging(&cli.log);
    tracing::debug!(keeps_freed_memory, "allocator set up");
    let color = output::color_enabled(cli.color);

    let outcome = match cli.command {
        Command::Scan(args) => commands::scan::run(args, color),
        Command::Check(args) => commands::check::run(&args),
        Command::Rules(args) => commands::rules::run(&args, color),
        Command::Providers => commands::providers::run(),
        Command::Suppress(args) => commands::suppress::run(&args),
        Command::Init(args) => commands::init::run(&args),
        Command::Audit(args) => commands::audit::run(args, color),
        Command::Diff(args) => commands::diff::run(args, color),
    };

    match outcome {
        Ok(outcome) => outcome.code(),
        Err(error) if output::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            Outcome::UsageError.code()
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}
