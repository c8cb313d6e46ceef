//! Writing a scan's report: which formats go where, the GitHub Actions extras, and the
//! baseline that decides which findings fail the run.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::ValueEnum;
use roster_report::{
    AnnotationLimits, Locations, MarkdownOptions, PrometheusOptions, Report, RuleDoc, TableStyle,
};

use crate::cli::{Format, ScanArgs};
use crate::output;

/// One destination of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub format: Format,
    /// `None` is stdout.
    pub path: Option<PathBuf>,
}

/// Every destination of one scan's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outputs {
    pub targets: Vec<Target>,
}

impl Outputs {
    /// Resolves `--format` and the `--output` values. A value `FORMAT=PATH` whose FORMAT is
    /// a known format writes that format to PATH; any other value is a plain FILE that
    /// receives `--format`, and at most one is allowed. Without a plain FILE, `--format`
    /// (or, when no `--output` is given, the default format) goes to stdout.
    pub fn resolve(format: Option<Format>, outputs: &[String]) -> anyhow::Result<Outputs> {
        let mut targets = Vec::new();
        let mut plain: Option<PathBuf> = None;

        for value in outputs {
            if let Some(target) = format_target(value)? {
                targets.push(target);
                continue;
            }
            if value.is_empty() {
                bail!("invalid `--output`: the path is empty; expected FILE or FORMAT=PATH");
            }
            if let Some(first) = &plain {
                bail!(
                    "`--output {value}` is the second plain output file after `{}`: name every further output as FORMAT=PATH, for example `--output sarif=roster.sarif`",
                    first.display()
                );
            }
            plain = Some(PathBuf::from(value));
        }

        let stdout_format = match (format, &plain, targets.is_empty()) {
            (Some(format), _, _) => Some(format),
            (None, Some(_), _) | (None, None, true) => Some(default_format(plain.is_some())),
            (None, None, false) => None,
        };
        if let Some(format) = stdout_format {
            targets.insert(
                0,
                Target {
                    format,
                    path: plain,
                },
            );
        }
        Ok(Outputs { targets })
    }
}

/// Parses `FORMAT=PATH`, or returns `None` when the text before `=` is not a format name.
fn format_target(value: &str) -> anyhow::Result<Option<Target>> {
    let Some((name, path)) = value.split_once('=') else {
        return Ok(None);
    };
    let Ok(format) = Format::from_str(name, true) else {
        return Ok(None);
    };
    if path.is_empty() {
        bail!("invalid `--output {value}`: the path is empty; expected FORMAT=PATH");
    }
    Ok(Some(Target {
        format,
        path: Some(PathBuf::from(path)),
    }))
}

/// Returns the format when none is given: a table on a terminal, JSON otherwise.
fn default_format(to_file: bool) -> Format {
    if !to_file && output::stdout_is_terminal() {
        Format::Table
    } else {
        Format::Json
    }
}

/// Writes the report to every target, then the GitHub Actions extras when `--github` is set.
pub fn write_all(
    report: &Report,
    outputs: &Outputs,
    args: &ScanArgs,
    color: bool,
    locations: &Locations,
    duration: Duration,
) -> anyhow::Result<()> {
    let previous = match &args.previous {
        Some(path) => Some(read_report(path, "--previous")?),
        None => None,
    };
    let rules = rule_docs();
    let context = Context {
        report,
        args,
        rules: &rules,
        locations,
        previous: previous.as_ref(),
        duration,
    };

    for target in &outputs.targets {
        let mut out = output::open(target.path.as_deref())?;
        let to_stdout = target.path.is_none();
        write_one(
            &context,
            target.format,
            to_stdout,
            color && to_stdout,
            &mut out,
        )
        .with_context(|| match &target.path {
            Some(path) => format!("cannot write the report to `{}`", path.display()),
            None => "cannot write the report".to_owned(),
        })?;
        out.flush().context("cannot write the report")?;
    }

    if args.github {
        write_github(&context, outputs)?;
    }
    Ok(())
}

/// The inputs that emitters read besides the report.
struct Context<'a> {
    report: &'a Report,
    args: &'a ScanArgs,
    rules: &'a [RuleDoc],
    locations: &'a Locations,
    previous: Option<&'a Report>,
    duration: Duration,
}

fn write_one(
    context: &Context<'_>,
    format: Format,
    to_stdout: bool,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let report = context.report;
    match format {
        Format::Json => roster_report::write_json(report, out),
        Format::Table => {
            let style = TableStyle {
                color,
                width: to_stdout.then(output::terminal_width).flatten(),
                show_suppressed: context.args.show_suppressed,
            };
            roster_report::write_table(report, out, style)
        }
        Format::Sarif => roster_report::write_sarif(report, context.rules, context.locations, out),
        Format::Markdown => roster_report::write_markdown(report, markdown_options(context), out),
        Format::Junit => roster_report::write_junit(report, context.rules, out),
        Format::Ocsf => roster_report::write_ocsf(report, context.rules, out),
        Format::Prometheus => {
            let options = PrometheusOptions {
                scan_duration: Some(context.duration),
            };
            roster_report::write_prometheus(report, options, out)
        }
    }
}

fn markdown_options<'a>(context: &Context<'a>) -> MarkdownOptions<'a> {
    MarkdownOptions {
        previous: context.previous,
        ..MarkdownOptions::default()
    }
}

/// Writes annotations to stderr, where the runner reads workflow commands as it does on
/// stdout, so that stdout keeps only the report. Appends the Markdown summary to
/// `$GITHUB_STEP_SUMMARY` when it is set.
fn write_github(context: &Context<'_>, outputs: &Outputs) -> anyhow::Result<()> {
    let stderr = io::stderr();
    let mut err = stderr.lock();
    roster_report::write_github_annotations(
        context.report,
        context.locations,
        AnnotationLimits::default(),
        &mut err,
    )
    .context("cannot write GitHub annotations")?;

    let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|path| !path.is_empty())
    else {
        tracing::debug!("GITHUB_STEP_SUMMARY is not set: no step summary written");
        return Ok(());
    };
    let summary = PathBuf::from(summary);
    let same_file = outputs
        .targets
        .iter()
        .any(|target| target.format == Format::Markdown && target.path.as_ref() == Some(&summary));
    if same_file {
        return Ok(());
    }
    append_summary(context, &summary)
}

fn append_summary(context: &Context<'_>, path: &Path) -> anyhow::Result<()> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open the step summary `{}`", path.display()))?;
    let mut out = BufWriter::new(file);
    roster_report::write_markdown(context.report, markdown_options(context), &mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("cannot write the step summary `{}`", path.display()))
}

/// Counts the findings that fail the run: those at or above `--fail-on` that count, less
/// those whose fingerprints the `--baseline-findings` report holds.
pub fn failing_count(report: &Report, args: &ScanArgs) -> anyhow::Result<usize> {
    let Some(path) = &args.baseline_findings else {
        return Ok(report.counts_at_or_above(args.fail_on));
    };
    let baseline = read_report(path, "--baseline-findings")?;
    let accepted: BTreeSet<&str> = baseline
        .findings
        .iter()
        .map(|finding| finding.fingerprint.as_str())
        .collect();

    let new = report
        .counted_findings()
        .filter(|finding| finding.severity >= args.fail_on)
        .filter(|finding| !accepted.contains(finding.fingerprint.as_str()))
        .count();
    tracing::info!(
        baseline = %path.display(),
        new,
        "findings compared with the baseline"
    );
    Ok(new)
}

/// Reads a JSON report written by `roster scan --format json`.
pub fn read_report(path: &Path, flag: &str) -> anyhow::Result<Report> {
    let file = File::open(path)
        .with_context(|| format!("cannot open the `{flag}` report `{}`", path.display()))?;
    serde_json::from_reader(io::BufReader::new(file)).with_context(|| {
        format!(
            "`{}` given to `{flag}` is not a Roster JSON report; write one with `roster scan --format json`",
            path.display()
        )
    })
}

/// Returns every rule's documentation, in id order.
pub fn rule_docs() -> Vec<RuleDoc> {
    roster_analyze::rules::ALL
        .iter()
        .map(|rule| RuleDoc {
            id: rule.info.id.to_owned(),
            name: rule.info.name.to_owned(),
            severity: rule.info.severity,
            owasp: rule.info.owasp.to_owned(),
            summary: rule.info.summary.to_owned(),
            why: rule.info.why.to_owned(),
            fix: rule.info.fix.to_owned(),
            needs_roster: rule.info.needs_roster,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn resolve(format: Option<Format>, outputs: &[&str]) -> anyhow::Result<Outputs> {
        let outputs: Vec<String> = outputs.iter().map(|value| (*value).to_owned()).collect();
        Outputs::resolve(format, &outputs)
    }

    fn target(format: Format, path: Option<&str>) -> Target {
        Target {
            format,
            path: path.map(PathBuf::from),
        }
    }

    #[test]
    fn plain_output_takes_the_format() {
        let outputs = resolve(Some(Format::Sarif), &["roster.sarif"]).unwrap();

        assert_eq!(
            outputs.targets,
            vec![target(Format::Sarif, Some("roster.sarif"))]
        );
    }

    #[test]
    fn plain_output_without_format_is_json() {
        let outputs = resolve(None, &["report.json"]).unwrap();

        assert_eq!(
            outputs.targets,
            vec![target(Format::Json, Some("report.json"))]
        );
    }

    #[test]
    fn format_pairs_beside_stdout_format() {
        let outputs = resolve(
            Some(Format::Json),
            &["sarif=out/roster.sarif", "Markdown=summary.md"],
        )
        .unwrap();

        assert_eq!(
            outputs.targets,
            vec![
                target(Format::Json, None),
                target(Format::Sarif, Some("out/roster.sarif")),
                target(Format::Markdown, Some("summary.md")),
            ]
        );
    }

    #[test]
    fn format_pairs_alone_leave_stdout_empty() {
        let outputs = resolve(None, &["junit=junit.xml"]).unwrap();

        assert_eq!(
            outputs.targets,
            vec![target(Format::Junit, Some("junit.xml"))]
        );
    }

    #[test]
    fn unknown_prefix_is_a_plain_path() {
        let outputs = resolve(Some(Format::Json), &["reports/a=b.json"]).unwrap();

        assert_eq!(
            outputs.targets,
            vec![target(Format::Json, Some("reports/a=b.json"))]
        );
    }

    #[test]
    fn second_plain_output_is_rejected() {
        let error = resolve(None, &["a.json", "b.json"])
            .unwrap_err()
            .to_string();

        assert_eq!(
            error,
            "`--output b.json` is the second plain output file after `a.json`: name every further output as FORMAT=PATH, for example `--output sarif=roster.sarif`"
        );
    }

    #[test]
    fn empty_format_path_is_rejected() {
        let error = resolve(None, &["sarif="]).unwrap_err().to_string();

        assert_eq!(
            error,
            "invalid `--output sarif=`: the path is empty; expected FORMAT=PATH"
        );
    }

    #[test]
    fn rule_docs_cover_every_rule() {
        let docs = rule_docs();

        assert_eq!(docs.len(), roster_analyze::rules::ALL.len());
        assert!(docs.iter().all(|doc| !doc.summary.is_empty()));
    }
}
