use std::collections::{BTreeMap, BTreeSet};

use roster_model::{Credential, CredentialKey, CredentialKind, CredentialStatus, IdentityKey};
use serde_json::{Value, json};

use super::{Change, EventKind, change};
use crate::snapshot::ScopeSnapshot;

/// One identity's credentials of one kind: an AWS user's access key slots, a service
/// account's keys.
type Slot<'a> = (&'a IdentityKey, CredentialKind);

/// Computes credential events.
///
/// A static secret (see [`CredentialKind::is_static_secret`]) that disappeared while a newer
/// one of the same kind appeared on the same identity is one rotation, not a deletion and a
/// creation. A credential kept under the same key whose created date moved forward (a key
/// slot that the source names by position) is a rotation too.
pub(super) fn changes(before: &ScopeSnapshot, after: &ScopeSnapshot) -> Vec<Change> {
    let old = by_key(&before.credentials);
    let new = by_key(&after.credentials);
    let mut added: BTreeMap<Slot<'_>, Vec<&Credential>> = BTreeMap::new();
    let mut removed: BTreeMap<Slot<'_>, Vec<&Credential>> = BTreeMap::new();
    let mut changes = Vec::new();

    for (key, credential) in &new {
        let Some(previous) = old.get(key) else {
            added.entry(slot(credential)).or_default().push(credential);
            continue;
        };
        if is_newer(previous, credential) && credential.kind.is_static_secret() {
            changes.push(event(
                after,
                EventKind::CredentialRotated,
                credential,
                Some(previous),
                Some(credential),
            ));
        }
        if let Some(kind) = status_change(previous.status, credential.status) {
            changes.push(event(
                after,
                kind,
                credential,
                Some(previous),
                Some(credential),
            ));
        }
    }
    for (key, credential) in &old {
        if !new.contains_key(key) {
            removed
                .entry(slot(credential))
                .or_default()
                .push(credential);
        }
    }

    let slots: BTreeSet<Slot<'_>> = added.keys().chain(removed.keys()).copied().collect();
    for slot in slots {
        let mut appeared = added.remove(&slot).unwrap_or_default();
        let mut disappeared = removed.remove(&slot).unwrap_or_default();
        pair_rotations(after, &mut appeared, &mut disappeared, &mut changes);

        for credential in appeared {
            changes.push(event(
                after,
                EventKind::CredentialCreated,
                credential,
                None,
                Some(credential),
            ));
        }
        for credential in disappeared {
            changes.push(event(
                after,
                EventKind::CredentialDeleted,
                credential,
                Some(credential),
                None,
            ));
        }
    }
    changes
}

/// Pairs each new credential, oldest first, with the oldest disappeared one created before
/// it, and removes the pairs from both lists as rotations.
fn pair_rotations<'a>(
    after: &ScopeSnapshot,
    appeared: &mut Vec<&'a Credential>,
    disappeared: &mut Vec<&'a Credential>,
    changes: &mut Vec<Change>,
) {
    appeared.sort_by(|a, b| (a.created, &a.key).cmp(&(b.created, &b.key)));
    disappeared.sort_by(|a, b| (a.created, &a.key).cmp(&(b.created, &b.key)));

    let mut unpaired = Vec::new();
    for credential in appeared.drain(..) {
        let partner = disappeared
            .iter()
            .position(|old| credential.kind.is_static_secret() && is_newer(old, credential));
        match partner {
            Some(position) => {
                let old = disappeared.remove(position);
                changes.push(event(
                    after,
                    EventKind::CredentialRotated,
                    credential,
                    Some(old),
                    Some(credential),
                ));
            }
            None => unpaired.push(credential),
        }
    }
    *appeared = unpaired;
}

fn by_key(credentials: &[Credential]) -> BTreeMap<&CredentialKey, &Credential> {
    credentials
        .iter()
        .map(|credential| (&credential.key, credential))
        .collect()
}

fn slot(credential: &Credential) -> Slot<'_> {
    (&credential.identity, credential.kind)
}

/// Returns whether `after` was created later than `before`; unknown dates prove nothing.
fn is_newer(before: &Credential, after: &Credential) -> bool {
    match (before.created, after.created) {
        (Some(old), Some(new)) => new > old,
        _ => false,
    }
}

fn status_change(before: CredentialStatus, after: CredentialStatus) -> Option<EventKind> {
    match (before, after) {
        (CredentialStatus::Active, CredentialStatus::Inactive) => {
            Some(EventKind::CredentialDeactivated)
        }
        (CredentialStatus::Inactive, CredentialStatus::Active) => {
            Some(EventKind::CredentialReactivated)
        }
        _ => None,
    }
}

/// Builds a credential event; `current` is the newer of the two sides that exist.
fn event(
    after_snapshot: &ScopeSnapshot,
    kind: EventKind,
    current: &Credential,
    before: Option<&Credential>,
    after: Option<&Credential>,
) -> Change {
    let detail = json!({
        "identity": current.identity,
        "credential": current.key,
        "kind": current.kind.as_str(),
        "before": before.map(summary),
        "after": after.map(summary),
    });
    change(after_snapshot, kind, current.identity.as_str(), detail)
}

fn summary(credential: &Credential) -> Value {
    json!({
        "credential": credential.key,
        "native_id": credential.native_id,
        "status": credential.status,
        "created": credential.created,
        "expires": credential.expires,
    })
}
