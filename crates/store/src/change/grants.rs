use std::collections::{BTreeMap, BTreeSet};

use roster_model::{Grant, Policy, PolicyKey, Subject};
use serde_json::{Value, json};

use super::{Change, EventKind, change};
use crate::canonical::{canonical_json, pretty_json};
use crate::snapshot::ScopeSnapshot;

/// Computes grant-added, grant-removed and grant-changed events.
///
/// A grant is identified by its subject, policy, scope and condition, so a changed condition
/// shows as one grant removed and one added. A grant changes when the document of its policy
/// changed and both scans hold that document.
pub(super) fn changes(before: &ScopeSnapshot, after: &ScopeSnapshot) -> Vec<Change> {
    let old = grants_by_identity(before);
    let new = grants_by_identity(after);
    let ids: BTreeSet<&GrantId> = old.keys().chain(new.keys()).collect();
    let mut changes = Vec::new();

    for id in ids {
        let (kind, old_text, new_text) = match (old.get(id), new.get(id)) {
            (None, Some(entry)) => (EventKind::GrantAdded, None, entry.text.clone()),
            (Some(entry), None) => (EventKind::GrantRemoved, entry.text.clone(), None),
            (Some(old_entry), Some(new_entry)) => {
                let (Some(old_text), Some(new_text)) = (&old_entry.text, &new_entry.text) else {
                    continue;
                };
                if old_text == new_text {
                    continue;
                }
                (
                    EventKind::GrantChanged,
                    Some(old_text.clone()),
                    Some(new_text.clone()),
                )
            }
            (None, None) => continue,
        };

        let entry = new.get(id).or_else(|| old.get(id));
        let detail = json!({
            "subject": id.subject_key(),
            "subject_type": id.subject_type(),
            "policy": id.policy,
            "policy_name": entry.and_then(|entry| entry.policy_name.clone()),
            "scope": id.scope,
            "condition": entry.and_then(|entry| entry.condition.clone()),
            "before": old_text,
            "after": new_text,
        });
        changes.push(change(after, kind, id.subject_key(), detail));
    }
    changes
}

/// The fields that identify a grant across scans.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct GrantId {
    subject: Subject,
    policy: PolicyKey,
    scope: String,
    /// The grant's condition as canonical JSON, empty when unconditional.
    condition: String,
}

impl GrantId {
    fn subject_key(&self) -> &str {
        match &self.subject {
            Subject::Identity(key) => key.as_str(),
            Subject::Group(key) => key.as_str(),
        }
    }

    fn subject_type(&self) -> &'static str {
        match self.subject {
            Subject::Identity(_) => "identity",
            Subject::Group(_) => "group",
        }
    }
}

struct GrantEntry {
    policy_name: Option<String>,
    condition: Option<Value>,
    /// The policy's content as text, `None` when the scan did not hold it.
    text: Option<String>,
}

fn grants_by_identity(snapshot: &ScopeSnapshot) -> BTreeMap<GrantId, GrantEntry> {
    let policies: BTreeMap<&PolicyKey, &Policy> = snapshot
        .policies
        .iter()
        .map(|policy| (&policy.key, policy))
        .collect();

    snapshot
        .grants
        .iter()
        .map(|grant| {
            let policy = policies.get(&grant.policy).copied();
            (grant_id(grant), grant_entry(grant, policy))
        })
        .collect()
}

fn grant_id(grant: &Grant) -> GrantId {
    let condition = grant
        .condition
        .as_ref()
        .and_then(|condition| serde_json::to_value(condition).ok())
        .map(|value| canonical_json(&value))
        .unwrap_or_default();
    GrantId {
        subject: grant.subject.clone(),
        policy: grant.policy.clone(),
        scope: grant.scope.to_string(),
        condition,
    }
}

fn grant_entry(grant: &Grant, policy: Option<&Policy>) -> GrantEntry {
    GrantEntry {
        policy_name: policy.map(|policy| policy.name.clone()),
        condition: grant
            .condition
            .as_ref()
            .and_then(|condition| serde_json::to_value(condition).ok()),
        text: policy.and_then(policy_text),
    }
}

/// Renders a policy's content as text for storage and line diffs: the document
/// pretty-printed with sorted keys, or else the listed permissions one per line, sorted.
/// Returns `None` when the scan held neither.
pub(crate) fn policy_text(policy: &Policy) -> Option<String> {
    if let Some(document) = &policy.document {
        return Some(format!("{}\n", pretty_json(document)));
    }
    if policy.permissions.is_empty() {
        return None;
    }

    let mut permissions: Vec<&str> = policy.permissions.iter().map(String::as_str).collect();
    permissions.sort_unstable();
    permissions.dedup();
    let mut text = permissions.join("\n");
    text.push('\n');
    Some(text)
}
