//! `roster suppress`: adds a suppression to a roster file, and the `--max-suppression-days`
//! limit that scans apply to the roster's suppressions.
//!
//! The entry is inserted as text into the file's `suppressions:` block (or a new block at
//! the end), so that the file keeps its comments, order and layout. The YAML is never
//! serialized again. The new text is validated before it is written, and the written file
//! is loaded again and restored if it does not load.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _};
use roster_declared::{Duration, LoadedRoster, RULE_NAMES};
use roster_model::Finding;

use crate::emit::read_report;
use crate::exit::Outcome;

#[derive(Debug, Args)]
pub struct SuppressArgs {
    /// The fingerprint of the finding to waive, as the report prints it.
    #[arg(value_name = "FINGERPRINT")]
    pub fingerprint: String,

    /// The reason the finding is accepted.
    #[arg(long, env = "ROSTER_SUPPRESS_REASON")]
    pub reason: String,

    /// The team or person who accepts the finding.
    #[arg(long, env = "ROSTER_SUPPRESS_OWNER")]
    pub owner: String,

    /// When the waiver ends: a duration from today such as `90d` or `12w`, or a date
    /// `YYYY-MM-DD`. The suppression applies through that day.
    #[arg(long, value_name = "DURATION|DATE", env = "ROSTER_SUPPRESS_EXPIRES")]
    pub expires: String,

    /// A tracking ticket for the accepted finding.
    #[arg(long, env = "ROSTER_SUPPRESS_TICKET")]
    pub ticket: Option<String>,

    /// The roster file to add the suppression to.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "roster.yaml",
        env = "ROSTER_ROSTER"
    )]
    pub roster: PathBuf,

    /// A JSON report that contains the finding, to look up its rule and subject.
    #[arg(long, value_name = "REPORT.json", env = "ROSTER_REPORT")]
    pub report: Option<PathBuf>,

    /// The finding's rule name, when no `--report` is given.
    #[arg(long, env = "ROSTER_SUPPRESS_RULE")]
    pub rule: Option<String>,

    /// Reject an `--expires` more than this many days after today.
    #[arg(long, value_name = "DAYS", env = "ROSTER_MAX_SUPPRESSION_DAYS")]
    pub max_suppression_days: Option<u32>,

    /// The instant "today" is taken from (RFC 3339), for reproducible runs; the default is
    /// the clock.
    #[arg(long, value_name = "RFC3339", env = "ROSTER_NOW")]
    pub now: Option<Timestamp>,
}

/// The suppression to add.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    rule: String,
    target: String,
    reason: String,
    owner: String,
    expires: Date,
    ticket: Option<String>,
    /// The finding's subject and message, written as a comment above the entry.
    about: Option<String>,
}

pub fn run(args: &SuppressArgs) -> anyhow::Result<Outcome> {
    let today = args
        .now
        .unwrap_or_else(Timestamp::now)
        .to_zoned(TimeZone::UTC)
        .date();
    let expires = parse_expires(&args.expires, today)?;
    check_expiry(expires, today, args.max_suppression_days)?;

    let finding = match &args.report {
        Some(path) => Some(find_finding(
            &read_report(path, "--report")?,
            &args.fingerprint,
        )?),
        None => None,
    };
    let rule = resolve_rule(finding.as_ref(), args.rule.as_deref(), &args.fingerprint)?;
    let entry = Entry {
        rule,
        target: finding.as_ref().map_or_else(
            || args.fingerprint.clone(),
            |finding| finding.fingerprint.clone(),
        ),
        reason: required("--reason", &args.reason)?,
        owner: required("--owner", &args.owner)?,
        expires,
        ticket: args
            .ticket
            .clone()
            .filter(|ticket| !ticket.trim().is_empty()),
        about: finding.map(|finding| format!("{}: {}", finding.subject, finding.message)),
    };

    add_to_file(&args.roster, &entry)?;
    eprintln!(
        "added a suppression of `{}` for `{}` until {} to `{}`",
        entry.rule,
        entry.target,
        entry.expires,
        args.roster.display()
    );
    Ok(Outcome::Clean)
}

/// Removes the suppressions that expire more than `max_days` after `now`, and returns one
/// warning for each, naming where it is written.
pub fn drop_long_suppressions(
    roster: &mut LoadedRoster,
    now: Timestamp,
    max_days: u32,
) -> Vec<String> {
    let today = now.to_zoned(TimeZone::UTC).date();
    let Ok(limit) = today.checked_add(i64::from(max_days).days()) else {
        return Vec::new();
    };

    let mut warnings = Vec::new();
    let mut kept = Vec::with_capacity(roster.roster.suppressions.len());
    for (index, suppression) in roster.roster.suppressions.drain(..).enumerate() {
        if suppression.expires <= limit {
            kept.push(suppression);
            continue;
        }
        let at = roster
            .locations
            .suppression(index)
            .map(|location| format!(" at {location}"))
            .unwrap_or_default();
        warnings.push(format!(
            "suppression of `{}` for `{}`{at} expires on {}, more than {max_days} days after {today} (`--max-suppression-days`): it is ignored and the finding counts",
            suppression.rule, suppression.target, suppression.expires
        ));
    }
    roster.roster.suppressions = kept;
    warnings
}

/// Parses `90d`-style durations (counted in whole days from `today`) and `YYYY-MM-DD`.
fn parse_expires(text: &str, today: Date) -> anyhow::Result<Date> {
    if let Ok(date) = text.parse::<Date>() {
        return Ok(date);
    }
    let duration = Duration::try_from(text.to_owned()).map_err(|_| {
        anyhow::anyhow!(
            "invalid `--expires {text}`: expected a duration such as `90d` or `12w`, or a date `YYYY-MM-DD`"
        )
    })?;
    let days = i64::try_from(duration.hours.div_ceil(24)).unwrap_or(i64::MAX);
    today
        .checked_add(days.days())
        .with_context(|| format!("invalid `--expires {text}`: the date is out of range"))
}

fn check_expiry(expires: Date, today: Date, max_days: Option<u32>) -> anyhow::Result<()> {
    if expires < today {
        bail!("`--expires` {expires} is in the past (today is {today}): give a later date");
    }
    let Some(max_days) = max_days else {
        return Ok(());
    };
    let limit = today
        .checked_add(i64::from(max_days).days())
        .context("`--max-suppression-days` is out of range")?;
    if expires > limit {
        bail!(
            "`--expires` {expires} is more than {max_days} days after {today}, the most `--max-suppression-days` allows: give {limit} or earlier"
        );
    }
    Ok(())
}

/// Finds the finding with this fingerprint, or with a fingerprint that starts with it when
/// exactly one does.
fn find_finding(report: &roster_report::Report, fingerprint: &str) -> anyhow::Result<Finding> {
    if let Some(finding) = report
        .findings
        .iter()
        .find(|finding| finding.fingerprint == fingerprint)
    {
        return Ok(finding.clone());
    }

    let matches: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|finding| fingerprint.len() >= 8 && finding.fingerprint.starts_with(fingerprint))
        .collect();
    match matches.as_slice() {
        [finding] => Ok((*finding).clone()),
        [] => bail!(
            "no finding in the report has the fingerprint `{fingerprint}`: copy it from the report's `fingerprint` field"
        ),
        _ => bail!(
            "`{fingerprint}` starts {} fingerprints in the report: give more of it",
            matches.len()
        ),
    }
}

fn resolve_rule(
    finding: Option<&Finding>,
    rule: Option<&str>,
    fingerprint: &str,
) -> anyhow::Result<String> {
    match (finding, rule) {
        (Some(finding), Some(rule)) if finding.rule != rule && finding.rule_id != rule => bail!(
            "`--rule {rule}` does not match the finding `{fingerprint}`, which rule `{}` reported",
            finding.rule
        ),
        (Some(finding), _) => Ok(finding.rule.clone()),
        (None, Some(rule)) => {
            let Some(known) = roster_analyze::rules::find(rule) else {
                bail!(
                    "unknown rule `{rule}`: `roster rules` lists them; expected one of {}",
                    RULE_NAMES.join(", ")
                );
            };
            Ok(known.info.name.to_owned())
        }
        (None, None) => bail!(
            "the rule of `{fingerprint}` is unknown: give `--report REPORT.json` (a report that contains the finding) or `--rule RULE`"
        ),
    }
}

fn required(flag: &str, value: &str) -> anyhow::Result<String> {
    let value = value.trim();
    if value.is_empty() {
        bail!("`{flag}` is empty: say who accepts the finding and why");
    }
    Ok(value.to_owned())
}

/// Inserts the entry into the file, checks that the result loads, writes it, loads the
/// written file again and restores the original when that fails.
fn add_to_file(path: &Path, entry: &Entry) -> anyhow::Result<()> {
    if path.is_dir() {
        bail!(
            "`{}` is a folder: give the roster file to add the suppression to, for example `--roster {}`",
            path.display(),
            path.join("suppressions.yaml").display()
        );
    }
    if path
        .extension()
        .is_some_and(|extension| extension == "json")
    {
        bail!(
            "`{}` is a JSON roster: `roster suppress` edits YAML files only, so add the entry by hand",
            path.display()
        );
    }
    let original = fs::read_to_string(path)
        .with_context(|| format!("cannot read the roster file `{}`", path.display()))?;

    let before = roster_declared::load_text(path, &original)
        .with_context(|| format!("`{}` does not load; fix it first", path.display()))?;
    if let Some(existing) = before.roster.suppressions.iter().position(|suppression| {
        suppression.rule == entry.rule && suppression.target == entry.target
    }) {
        let at = before
            .locations
            .suppression(existing)
            .map(|location| format!(" at {location}"))
            .unwrap_or_default();
        bail!(
            "`{}` already suppresses `{}` for `{}`{at}: edit that entry instead",
            path.display(),
            entry.rule,
            entry.target
        );
    }

    let updated = insert_entry(&original, entry)?;
    roster_declared::load_text(path, &updated).with_context(|| {
        format!(
            "the suppression would make `{}` invalid; the file was not changed",
            path.display()
        )
    })?;

    fs::write(path, &updated)
        .with_context(|| format!("cannot write the roster file `{}`", path.display()))?;
    if let Err(error) = roster_declared::load(path) {
        fs::write(path, &original).with_context(|| {
            format!(
                "`{}` no longer loads and restoring it failed: restore it from version control",
                path.display()
            )
        })?;
        return Err(anyhow::Error::new(error).context(format!(
            "`{}` did not load after the edit, so it was restored",
            path.display()
        )));
    }
    Ok(())
}

/// Returns the text with the entry added to the top-level `suppressions:` block, or with a
/// new block at the end.
fn insert_entry(text: &str, entry: &Entry) -> anyhow::Result<String> {
    let lines: Vec<&str> = text.lines().collect();
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };

    let Some(key_line) = lines.iter().position(|line| is_suppressions_key(line)) else {
        let mut updated = text.to_owned();
        if !updated.is_empty() && !updated.ends_with('\n') {
            updated.push_str(newline);
        }
        if !updated.trim().is_empty() {
            updated.push_str(newline);
        }
        updated.push_str("suppressions:");
        updated.push_str(newline);
        updated.push_str(&render_entry(entry, 2, newline));
        return Ok(updated);
    };

    let value = value_after_key(lines[key_line]);
    let mut output: Vec<String> = Vec::with_capacity(lines.len() + 8);
    match value {
        "" => {}
        "[]" => {
            output.extend(lines[..key_line].iter().map(|line| (*line).to_owned()));
            output.push(lines[key_line].replacen("[]", "", 1).trim_end().to_owned());
            output.push(render_entry(entry, 2, "\n").trim_end().to_owned());
            output.extend(lines[key_line + 1..].iter().map(|line| (*line).to_owned()));
            return Ok(join(&output, newline, text));
        }
        _ => bail!(
            "the `suppressions` list on line {} is written in flow style (`{value}`): rewrite it as a block list, one `- rule: ...` entry per item, and run the command again",
            key_line + 1
        ),
    }

    let block = Block::find(&lines, key_line);
    let mut rendered = render_entry(entry, block.indent, "\n");
    if block.spaced && block.last_content > key_line {
        rendered.insert(0, '\n');
    }
    output.extend(
        lines[..=block.last_content]
            .iter()
            .map(|line| (*line).to_owned()),
    );
    output.push(rendered.trim_end().to_owned());
    output.extend(
        lines[block.last_content + 1..]
            .iter()
            .map(|line| (*line).to_owned()),
    );
    Ok(join(&output, newline, text))
}

/// The shape of an existing `suppressions:` block.
struct Block {
    /// The last line that belongs to the block (the key line when the block is empty).
    last_content: usize,
    /// The indentation of the block's `-` items.
    indent: usize,
    /// Whether blank lines separate the existing items.
    spaced: bool,
}

impl Block {
    fn find(lines: &[&str], key_line: usize) -> Block {
        let mut last_content = key_line;
        let mut indent = None;
        let mut spaced = false;
        let mut saw_blank = false;

        for (number, line) in lines.iter().enumerate().skip(key_line + 1) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                saw_blank |= trimmed.is_empty();
                continue;
            }
            let column = line.len() - trimmed.len();
            let is_item = trimmed.starts_with("- ") || trimmed == "-";
            if column == 0 && !is_item {
                break;
            }
            if is_item {
                if indent.is_none() {
                    indent = Some(column);
                } else if saw_blank {
                    spaced = true;
                }
            }
            saw_blank = false;
            last_content = number;
        }

        Block {
            last_content,
            indent: indent.unwrap_or(2),
            spaced,
        }
    }
}

fn is_suppressions_key(line: &str) -> bool {
    line.strip_prefix("suppressions")
        .map(str::trim_start)
        .is_some_and(|rest| rest.starts_with(':'))
}

/// Returns the value written on the key's line, without a trailing comment.
fn value_after_key(line: &str) -> &str {
    let after = line.split_once(':').map_or("", |(_, rest)| rest);
    let value = match after.find(" #") {
        Some(position) => &after[..position],
        None => after,
    };
    let value = value.trim();
    if value.starts_with('#') { "" } else { value }
}

fn render_entry(entry: &Entry, indent: usize, newline: &str) -> String {
    let pad = " ".repeat(indent);
    let mut text = String::new();
    if let Some(about) = &entry.about {
        text.push_str(&format!("{pad}# {}{newline}", single_line(about)));
    }
    text.push_str(&format!("{pad}- rule: {}{newline}", entry.rule));
    let fields = [
        ("target", Some(entry.target.as_str())),
        ("reason", Some(entry.reason.as_str())),
        ("owner", Some(entry.owner.as_str())),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            text.push_str(&format!("{pad}  {name}: {}{newline}", quoted(value)));
        }
    }
    text.push_str(&format!("{pad}  expires: {}{newline}", entry.expires));
    if let Some(ticket) = &entry.ticket {
        text.push_str(&format!("{pad}  ticket: {}{newline}", quoted(ticket)));
    }
    text
}

/// Writes a YAML double-quoted scalar.
fn quoted(value: &str) -> String {
    let mut text = String::with_capacity(value.len() + 2);
    text.push('"');
    for character in value.chars() {
        match character {
            '"' => text.push_str("\\\""),
            '\\' => text.push_str("\\\\"),
            '\n' => text.push_str("\\n"),
            '\r' => text.push_str("\\r"),
            '\t' => text.push_str("\\t"),
            character if character.is_control() => {
                text.push_str(&format!("\\u{:04x}", u32::from(character)));
            }
            character => text.push(character),
        }
    }
    text.push('"');
    text
}

fn single_line(text: &str) -> String {
    text.split(['\r', '\n']).collect::<Vec<_>>().join(" ")
}

/// Joins lines with the file's line break, keeping a final line break when the original had
/// one.
fn join(lines: &[String], newline: &str, original: &str) -> String {
    let mut text = lines
        .iter()
        .flat_map(|line| line.split('\n'))
        .collect::<Vec<_>>()
        .join(newline);
    if original.ends_with('\n') || original.is_empty() {
        text.push_str(newline);
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use jiff::civil::date;

    use super::*;

    fn entry() -> Entry {
        Entry {
            rule: "stale-credential".to_owned(),
            target: "ab12".to_owned(),
            reason: "moves to OIDC \"soon\"".to_owned(),
            owner: "web".to_owned(),
            expires: date(2026, 8, 30),
            ticket: Some("WEB-1".to_owned()),
            about: Some("aws:1:user:ci: key is old".to_owned()),
        }
    }

    #[test]
    fn insert_appends_to_existing_block_with_its_spacing() {
        let text = "version: 1\n# waivers\nsuppressions:\n  - rule: a\n    target: b\n\n  - rule: c\n    target: d\n\n# the end\nowners: {}\n";

        let updated = insert_entry(text, &entry()).unwrap();

        assert_eq!(
            updated,
            "version: 1\n# waivers\nsuppressions:\n  - rule: a\n    target: b\n\n  - rule: c\n    target: d\n\n  # aws:1:user:ci: key is old\n  - rule: stale-credential\n    target: \"ab12\"\n    reason: \"moves to OIDC \\\"soon\\\"\"\n    owner: \"web\"\n    expires: 2026-08-30\n    ticket: \"WEB-1\"\n\n# the end\nowners: {}\n"
        );
    }

    #[test]
    fn insert_keeps_unindented_items() {
        let text = "suppressions:\n- rule: a\n  target: b\nversion: 1\n";

        let updated = insert_entry(text, &entry()).unwrap();

        assert!(
            updated.starts_with("suppressions:\n- rule: a\n  target: b\n# aws:1"),
            "{updated}"
        );
        assert!(
            updated.contains("\n- rule: stale-credential\n  target: \"ab12\"\n"),
            "{updated}"
        );
        assert!(updated.ends_with("version: 1\n"), "{updated}");
    }

    #[test]
    fn insert_creates_block_at_end() {
        let updated = insert_entry("version: 1\n# last comment", &entry()).unwrap();

        assert!(
            updated.starts_with("version: 1\n# last comment\n\nsuppressions:\n  # aws:1"),
            "{updated}"
        );
    }

    #[test]
    fn insert_fills_empty_flow_list() {
        let updated = insert_entry("version: 1\nsuppressions: []\n", &entry()).unwrap();

        assert!(
            updated.starts_with("version: 1\nsuppressions:\n  # aws:1"),
            "{updated}"
        );
    }

    #[test]
    fn insert_rejects_flow_list_with_items() {
        let error = insert_entry("suppressions: [{rule: a}]\n", &entry())
            .unwrap_err()
            .to_string();

        assert!(error.contains("flow style"), "{error}");
    }

    #[test]
    fn insert_keeps_crlf_line_breaks() {
        let updated =
            insert_entry("version: 1\r\nsuppressions:\r\n  - rule: a\r\n", &entry()).unwrap();

        assert!(!updated.replace("\r\n", "").contains('\n'), "{updated:?}");
    }

    #[test]
    fn expires_accepts_durations_and_dates() {
        let today = date(2026, 6, 1);

        assert_eq!(parse_expires("90d", today).unwrap(), date(2026, 8, 30));
        assert_eq!(parse_expires("2w", today).unwrap(), date(2026, 6, 15));
        assert_eq!(
            parse_expires("2026-07-01", today).unwrap(),
            date(2026, 7, 1)
        );
        assert!(parse_expires("soon", today).is_err());
    }

    #[test]
    fn expiry_past_limit_is_rejected() {
        let today = date(2026, 6, 1);

        let error = check_expiry(date(2026, 12, 1), today, Some(90))
            .unwrap_err()
            .to_string();

        assert_eq!(
            error,
            "`--expires` 2026-12-01 is more than 90 days after 2026-06-01, the most `--max-suppression-days` allows: give 2026-08-30 or earlier"
        );
        assert!(check_expiry(date(2026, 8, 30), today, Some(90)).is_ok());
        assert!(check_expiry(date(2026, 5, 1), today, None).is_err());
    }

    #[test]
    fn yaml_quoting_escapes_quotes_and_controls() {
        assert_eq!(quoted("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
    }
}
