//! Command-line arguments. Every flag has a `ROSTER_*` environment twin.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use roster_model::Severity;

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "Keeps machine identities honest: inventory, drift and risk across cloud providers",
    long_about = None,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour output: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        env = "ROSTER_COLOR"
    )]
    pub color: ColorChoice,

    /// Log level for messages on stderr: error, warn, info, debug or trace.
    #[arg(long, global = true, default_value = "warn", env = "ROSTER_LOG")]
    pub log: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan identities, compare them with the roster and report findings.
    Scan(ScanArgs),
    /// Validate a roster file or folder.
    Check(CheckArgs),
    /// List every rule with its id, severity and documentation.
    Rules(RulesArgs),
    /// List the providers, what they import and the permissions they need.
    Providers,
    /// Waive one finding: add a suppression to the roster file, keeping its comments.
    Suppress(crate::commands::suppress::SuppressArgs),
    /// Write a roster file from the current state, to adopt Roster on an existing estate.
    Init(crate::commands::init::InitArgs),
    /// Query and check the change history that `roster scan --record` keeps.
    Audit(crate::commands::audit::AuditArgs),
    /// Show what changed between two recorded scans.
    Diff(crate::commands::diff::DiffArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Import a provider's exports instead of calling its API: PROVIDER=PATH, where PATH is a
    /// file or a folder of files. Repeatable.
    #[arg(
        long = "import",
        value_name = "PROVIDER=PATH",
        env = "ROSTER_IMPORT",
        value_delimiter = ','
    )]
    pub imports: Vec<String>,

    /// The roster file (roster.yaml) or folder (roster.d/) to compare with.
    #[arg(long, value_name = "FILE|DIR", env = "ROSTER_ROSTER")]
    pub roster: Option<PathBuf>,

    /// Scan the bundled demo estate; needs no credentials.
    #[arg(long, env = "ROSTER_DEMO", conflicts_with_all = ["imports", "roster"])]
    pub demo: bool,

    #[command(flatten)]
    pub live: Box<crate::live::LiveArgs>,

    /// Output format; the default is table on a terminal and json otherwise.
    #[arg(long, value_enum, env = "ROSTER_FORMAT")]
    pub format: Option<Format>,

    /// Write the report to FILE in the `--format` format instead of stdout, or to PATH in
    /// FORMAT (for example `sarif=roster.sarif`). FORMAT=PATH is repeatable, so one scan can
    /// write several formats.
    #[arg(
        long = "output",
        value_name = "FILE|FORMAT=PATH",
        env = "ROSTER_OUTPUT",
        value_delimiter = ','
    )]
    pub outputs: Vec<String>,

    /// A previous JSON report: the Markdown summary lists findings that are new or resolved
    /// since it.
    #[arg(long, value_name = "REPORT.json", env = "ROSTER_PREVIOUS")]
    pub previous: Option<PathBuf>,

    /// Running in GitHub Actions: write annotations for the top findings to stderr, and
    /// append the Markdown summary to $GITHUB_STEP_SUMMARY when it is set.
    #[arg(long, env = "ROSTER_GITHUB")]
    pub github: bool,

    /// A JSON report whose findings are accepted: only findings that are not in it make the
    /// exit code 1.
    #[arg(long, value_name = "REPORT.json", env = "ROSTER_BASELINE_FINDINGS")]
    pub baseline_findings: Option<PathBuf>,

    /// Ignore roster suppressions that expire more than this many days after `now`; the
    /// findings they would hide count, with a warning.
    #[arg(long, value_name = "DAYS", env = "ROSTER_MAX_SUPPRESSION_DAYS")]
    pub max_suppression_days: Option<u32>,

    /// Exit with code 1 when a finding at or above this severity counts.
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity, env = "ROSTER_FAIL_ON")]
    pub fail_on: Severity,

    /// Exit with code 0 rather than 3 when parts of the scan could not be verified.
    #[arg(long, env = "ROSTER_ALLOW_INCOMPLETE")]
    pub allow_incomplete: bool,

    /// The instant to compute ages and expiries against (RFC 3339), for reproducible runs;
    /// the default is the clock.
    #[arg(long, value_name = "RFC3339", env = "ROSTER_NOW")]
    pub now: Option<jiff::Timestamp>,

    /// List suppressed findings in the table too.
    #[arg(long, env = "ROSTER_SHOW_SUPPRESSED")]
    pub show_suppressed: bool,

    /// Record the scan, its inventory, findings and change events in the history store at
    /// DB; without DB, in `$XDG_DATA_HOME/roster/history.sqlite`.
    #[arg(
        long,
        value_name = "DB",
        num_args = 0..=1,
        default_missing_value = "",
        env = "ROSTER_RECORD"
    )]
    pub record: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The roster file (roster.yaml) or folder (roster.d/) to validate.
    #[arg(
        long,
        value_name = "FILE|DIR",
        default_value = "roster.yaml",
        env = "ROSTER_ROSTER"
    )]
    pub roster: PathBuf,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print the rules as JSON instead of a table.
    #[arg(long, value_enum, default_value = "table", env = "ROSTER_FORMAT")]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
    Junit,
    Ocsf,
    Prometheus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

pub fn parse_severity(text: &str) -> Result<Severity, String> {
    text.parse()
}
