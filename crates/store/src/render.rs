//! Events and changes as table rows and text diffs, for the command line.

use std::fmt::Write as _;

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::canonical::pretty_json;
use crate::chain::Event;
use crate::change::{Change, EventKind};
use crate::query::ScanSummary;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// One event as a table row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub sequence: i64,
    pub time: String,
    pub kind: EventKind,
    pub scope: String,
    pub subject: String,
    /// One line: what changed, for example ``added to group `aws:1:group:ops` ``.
    pub change: String,
}

impl EventRow {
    pub const HEADERS: [&'static str; 6] = ["event", "time", "kind", "scope", "subject", "change"];

    pub fn cells(&self) -> [String; 6] {
        [
            self.sequence.to_string(),
            self.time.clone(),
            self.kind.to_string(),
            self.scope.clone(),
            self.subject.clone(),
            self.change.clone(),
        ]
    }
}

/// One change between two scans as a table row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub kind: EventKind,
    pub scope: String,
    pub subject: String,
    pub change: String,
}

impl ChangeRow {
    pub const HEADERS: [&'static str; 4] = ["kind", "scope", "subject", "change"];

    pub fn cells(&self) -> [String; 4] {
        [
            self.kind.to_string(),
            self.scope.clone(),
            self.subject.clone(),
            self.change.clone(),
        ]
    }
}

/// One recorded scan as a table row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRow {
    pub id: i64,
    pub finished: String,
    pub scopes: usize,
    pub identities: u64,
    pub findings: u64,
    pub events_added: u64,
    /// `yes`, or `no` when some scope or kind was not collected completely.
    pub complete: &'static str,
    /// `kept`, `pruned`, or `partly pruned` for the scan's scope snapshots.
    pub snapshots: &'static str,
    pub chain_head: String,
}

impl ScanRow {
    pub const HEADERS: [&'static str; 9] = [
        "scan",
        "finished",
        "scopes",
        "identities",
        "findings",
        "events",
        "complete",
        "snapshots",
        "chain head",
    ];

    pub fn cells(&self) -> [String; 9] {
        [
            self.id.to_string(),
            self.finished.clone(),
            self.scopes.to_string(),
            self.identities.to_string(),
            self.findings.to_string(),
            self.events_added.to_string(),
            self.complete.to_owned(),
            self.snapshots.to_owned(),
            self.chain_head.clone(),
        ]
    }
}

/// Returns one row per scan, in the given order.
pub fn scan_rows(scans: &[ScanSummary]) -> Vec<ScanRow> {
    scans
        .iter()
        .map(|scan| ScanRow {
            id: scan.id,
            finished: scan.finished.to_string(),
            scopes: scan.scopes.len(),
            identities: scan.identities,
            findings: scan.findings,
            events_added: scan.events_added,
            complete: if scan.complete { "yes" } else { "no" },
            snapshots: match scan.pruned_snapshots {
                0 => "kept",
                pruned if pruned >= scan.scopes.len() as u64 => "pruned",
                _ => "partly pruned",
            },
            chain_head: scan.chain_head.clone(),
        })
        .collect()
}

/// Returns one row per event, in the given order.
pub fn event_rows(events: &[Event]) -> Vec<EventRow> {
    events
        .iter()
        .map(|event| EventRow {
            sequence: event.sequence,
            time: event.time.to_string(),
            kind: event.kind,
            scope: event.scope.to_string(),
            subject: event.subject.clone(),
            change: event.summary(),
        })
        .collect()
}

/// Returns one row per change, in the given order.
pub fn change_rows(changes: &[Change]) -> Vec<ChangeRow> {
    changes
        .iter()
        .map(|change| ChangeRow {
            kind: change.kind,
            scope: change.scope.to_string(),
            subject: change.subject.clone(),
            change: change.summary(),
        })
        .collect()
}

impl Event {
    /// Returns a one-line summary of the change.
    pub fn summary(&self) -> String {
        summarize(self.kind, &self.detail)
    }

    /// Returns the line diff of the policy document or trust set before and after, for grant
    /// and trust events, and `None` for other kinds.
    pub fn document_diff(&self, color: bool) -> Option<String> {
        document_diff(self.kind, &self.detail, color)
    }
}

impl Change {
    /// Returns a one-line summary of the change.
    pub fn summary(&self) -> String {
        summarize(self.kind, &self.detail)
    }

    /// Returns the line diff of the policy document or trust set before and after, for grant
    /// and trust changes, and `None` for other kinds.
    pub fn document_diff(&self, color: bool) -> Option<String> {
        document_diff(self.kind, &self.detail, color)
    }
}

/// Renders a unified diff of two texts with three lines of context, coloured with ANSI
/// escapes when `color` is set. Returns an empty string when the texts are equal.
pub fn unified_diff(before: &str, after: &str, labels: (&str, &str), color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    };
    let diff = TextDiff::from_lines(before, after);
    let mut output = String::new();

    for (index, hunk) in diff.unified_diff().iter_hunks().enumerate() {
        if index == 0 {
            output.push_str(&paint(BOLD, &format!("--- {}", labels.0)));
            output.push('\n');
            output.push_str(&paint(BOLD, &format!("+++ {}", labels.1)));
            output.push('\n');
        }
        output.push_str(&paint(CYAN, &hunk.header().to_string()));
        output.push('\n');

        for line in hunk.iter_changes() {
            let (sign, code) = match line.tag() {
                ChangeTag::Delete => ('-', RED),
                ChangeTag::Insert => ('+', GREEN),
                ChangeTag::Equal => (' ', ""),
            };
            let text = format!("{sign}{}", line.to_string_lossy().trim_end_matches('\n'));
            if code.is_empty() {
                output.push_str(&text);
            } else {
                output.push_str(&paint(code, &text));
            }
            output.push('\n');
            if line.missing_newline() {
                output.push_str("\\ No newline at end of file\n");
            }
        }
    }
    output
}

fn document_diff(kind: EventKind, detail: &Value, color: bool) -> Option<String> {
    let (before, after) = match kind {
        EventKind::GrantAdded | EventKind::GrantRemoved | EventKind::GrantChanged => (
            text_or_empty(&detail["before"]),
            text_or_empty(&detail["after"]),
        ),
        EventKind::TrustChanged => (
            format!("{}\n", pretty_json(&detail["before"])),
            format!("{}\n", pretty_json(&detail["after"])),
        ),
        _ => return None,
    };
    Some(unified_diff(&before, &after, ("before", "after"), color))
}

fn text_or_empty(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// Summarizes an event or change in one line, read from its detail.
fn summarize(kind: EventKind, detail: &Value) -> String {
    let text = |value: &Value| value.as_str().unwrap_or("none").to_owned();

    match kind {
        EventKind::IdentityCreated => format!(
            "{} `{}` created",
            text(&detail["after"]["kind"]),
            text(&detail["after"]["name"])
        ),
        EventKind::IdentityDeleted => format!(
            "{} `{}` deleted",
            text(&detail["before"]["kind"]),
            text(&detail["before"]["name"])
        ),
        EventKind::IdentityReplaced => format!(
            "deleted and created again: unique id `{}` is now `{}`",
            text(&detail["before"]["unique_id"]),
            text(&detail["after"]["unique_id"])
        ),
        EventKind::OwnerChanged => format!(
            "owner changed from {} to {}",
            quoted(&detail["before"]),
            quoted(&detail["after"])
        ),
        EventKind::MemberAdded => format!("added to group `{}`", text(&detail["group"])),
        EventKind::MemberRemoved => format!("removed from group `{}`", text(&detail["group"])),
        EventKind::GrantAdded => format!("granted {}", grant_phrase(detail)),
        EventKind::GrantRemoved => format!("revoked {}", grant_phrase(detail)),
        EventKind::GrantChanged => format!("policy document changed: {}", grant_phrase(detail)),
        EventKind::TrustChanged => trust_phrase(detail),
        EventKind::CredentialCreated => format!("{} created", credential_phrase(detail, "after")),
        EventKind::CredentialRotated => format!(
            "{} rotated to `{}`",
            credential_phrase(detail, "before"),
            credential_id(&detail["after"])
        ),
        EventKind::CredentialDeactivated => {
            format!("{} deactivated", credential_phrase(detail, "after"))
        }
        EventKind::CredentialReactivated => {
            format!("{} reactivated", credential_phrase(detail, "after"))
        }
        EventKind::CredentialDeleted => format!("{} deleted", credential_phrase(detail, "before")),
    }
}

fn quoted(value: &Value) -> String {
    match value.as_str() {
        Some(text) => format!("`{text}`"),
        None => "none".to_owned(),
    }
}

/// Returns ``policy `name` on `scope` `` with the condition title when there is one.
fn grant_phrase(detail: &Value) -> String {
    let policy = detail["policy_name"]
        .as_str()
        .or_else(|| detail["policy"].as_str())
        .unwrap_or("none");
    let scope = detail["scope"].as_str().unwrap_or("none");
    let mut phrase = format!("`{policy}` on `{scope}`");

    let condition = &detail["condition"];
    let label = condition["title"]
        .as_str()
        .or_else(|| condition["expression"].as_str());
    if let Some(label) = label {
        let _ = write!(phrase, " under condition `{label}`");
    } else if !condition.is_null() {
        phrase.push_str(" under a condition");
    }
    phrase
}

/// Names the principals added to and removed from a trust set.
fn trust_phrase(detail: &Value) -> String {
    let principals = |side: &str| -> Vec<String> {
        let mut values: Vec<String> = detail[side]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|trust| trust["principal"]["value"].as_str())
            .map(str::to_owned)
            .collect();
        values.sort();
        values.dedup();
        values
    };
    let before = principals("before");
    let after = principals("after");
    let added: Vec<String> = after
        .iter()
        .filter(|value| !before.contains(value))
        .map(|value| format!("`{value}`"))
        .collect();
    let removed: Vec<String> = before
        .iter()
        .filter(|value| !after.contains(value))
        .map(|value| format!("`{value}`"))
        .collect();

    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("trust added for {}", added.join(", ")));
    }
    if !removed.is_empty() {
        parts.push(format!("trust removed for {}", removed.join(", ")));
    }
    if parts.is_empty() {
        return "trust conditions or actions changed".to_owned();
    }
    parts.join("; ")
}

/// Returns ``aws-access-key `AKIA...` `` for one side of a credential event.
fn credential_phrase(detail: &Value, side: &str) -> String {
    let kind = detail["kind"].as_str().unwrap_or("credential");
    format!("{kind} `{}`", credential_id(&detail[side]))
}

/// Returns the credential's public id, or its key when the source gave no id.
fn credential_id(side: &Value) -> String {
    side["native_id"]
        .as_str()
        .or_else(|| side["credential"].as_str())
        .unwrap_or("none")
        .to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::json;

    use super::*;

    #[test]
    fn unified_diff_marks_changed_lines() {
        let diff = unified_diff("a\nb\nc\n", "a\nB\nc\n", ("before", "after"), false);

        assert_eq!(
            diff,
            "--- before\n+++ after\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        );
    }

    #[test]
    fn unified_diff_colours_when_asked() {
        let diff = unified_diff("a\n", "b\n", ("before", "after"), true);

        assert!(diff.contains("\x1b[31m-a\x1b[0m"));
        assert!(diff.contains("\x1b[32m+b\x1b[0m"));
    }

    #[test]
    fn equal_texts_give_empty_diff() {
        assert_eq!(unified_diff("a\n", "a\n", ("x", "y"), false), "");
    }

    #[test]
    fn grant_summary_names_policy_scope_and_condition() {
        let detail = json!({
            "policy": "roles/storage.admin",
            "policy_name": null,
            "scope": "gcp:acme",
            "condition": {"title": "office hours"},
        });

        assert_eq!(
            summarize(EventKind::GrantAdded, &detail),
            "granted `roles/storage.admin` on `gcp:acme` under condition `office hours`"
        );
    }

    #[test]
    fn trust_summary_names_added_and_removed_principals() {
        let detail = json!({
            "before": [{"principal": {"value": "arn:aws:iam::1:root"}}],
            "after": [{"principal": {"value": "ec2.amazonaws.com"}}],
        });

        assert_eq!(
            summarize(EventKind::TrustChanged, &detail),
            "trust added for `ec2.amazonaws.com`; trust removed for `arn:aws:iam::1:root`"
        );
    }

    #[test]
    fn rotation_summary_names_both_keys() {
        let detail = json!({
            "kind": "aws-access-key",
            "before": {"native_id": "AKIAOLD"},
            "after": {"native_id": "AKIANEW"},
        });

        assert_eq!(
            summarize(EventKind::CredentialRotated, &detail),
            "aws-access-key `AKIAOLD` rotated to `AKIANEW`"
        );
    }
}
