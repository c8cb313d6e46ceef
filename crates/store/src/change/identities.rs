use std::collections::BTreeMap;

use roster_model::{Identity, IdentityKey};
use serde_json::{Value, json};

use super::{Change, EventKind, change};
use crate::snapshot::ScopeSnapshot;

/// The tag or label whose value names an identity's owner, matched case-insensitively.
const OWNER_TAG: &str = "owner";

/// Computes identity-created, identity-deleted, identity-replaced and owner-changed events.
pub(super) fn changes(before: &ScopeSnapshot, after: &ScopeSnapshot) -> Vec<Change> {
    let old = by_key(&before.identities);
    let new = by_key(&after.identities);
    let mut changes = Vec::new();

    for (key, identity) in &new {
        let Some(previous) = old.get(key) else {
            let detail = json!({"identity": key, "before": null, "after": summary(identity)});
            changes.push(change(
                after,
                EventKind::IdentityCreated,
                key.as_str(),
                detail,
            ));
            continue;
        };
        if is_replaced(previous, identity) {
            let detail = json!({
                "identity": key,
                "before": summary(previous),
                "after": summary(identity),
            });
            changes.push(change(
                after,
                EventKind::IdentityReplaced,
                key.as_str(),
                detail,
            ));
        }
        let (owner_before, owner_after) = (previous.tag(OWNER_TAG), identity.tag(OWNER_TAG));
        if owner_before != owner_after {
            let detail = json!({"identity": key, "before": owner_before, "after": owner_after});
            changes.push(change(after, EventKind::OwnerChanged, key.as_str(), detail));
        }
    }

    for (key, identity) in &old {
        if !new.contains_key(key) {
            let detail = json!({"identity": key, "before": summary(identity), "after": null});
            changes.push(change(
                after,
                EventKind::IdentityDeleted,
                key.as_str(),
                detail,
            ));
        }
    }
    changes
}

fn by_key(identities: &[Identity]) -> BTreeMap<&IdentityKey, &Identity> {
    identities
        .iter()
        .map(|identity| (&identity.key, identity))
        .collect()
}

/// Returns whether the provider-unique id changed. An id missing on either side proves
/// nothing, so it never counts as a replacement.
fn is_replaced(before: &Identity, after: &Identity) -> bool {
    match (&before.unique_id, &after.unique_id) {
        (Some(old), Some(new)) => old != new,
        _ => false,
    }
}

fn summary(identity: &Identity) -> Value {
    json!({
        "kind": identity.kind.as_str(),
        "name": identity.name,
        "unique_id": identity.unique_id,
        "enabled": identity.enabled,
        "owner": identity.tag(OWNER_TAG),
    })
}
