//! `cargo xtask`: developer tasks that are not part of the `roster` binary.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use xtask::estate::{DUMP_FILE, Estate, REPORT_FILE, Spec};
use xtask::floor::{Depth, parse_files};

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
}

fn main() -> anyhow::Result<()> {
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
    }
    Ok(())
}
