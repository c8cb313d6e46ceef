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
/// slot that the source names by position) is a rotation too. Credentials are matched across
/// the scans by provider id where both carry one (see [`match_credentials`]).
pub(super) fn changes(before: &ScopeSnapshot, after: &ScopeSnapshot) -> Vec<Change> {
    let matched = match_credentials(&before.credentials, &after.credentials);
    let mut added: BTreeMap<Slot<'_>, Vec<&Credential>> = BTreeMap::new();
    let mut removed: BTreeMap<Slot<'_>, Vec<&Credential>> = BTreeMap::new();
    let mut changes = Vec::new();

    for (previous, credential) in matched.pairs {
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
    for credential in matched.added {
        added.entry(slot(credential)).or_default().push(credential);
    }
    for credential in matched.removed {
        removed
            .entry(slot(credential))
            .or_default()
            .push(credential);
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

/// The credentials of two scans, matched up.
struct Matched<'a> {
    /// The same credential in both scans: before, then after.
    pairs: Vec<(&'a Credential, &'a Credential)>,
    /// Credentials found only in the later scan.
    added: Vec<&'a Credential>,
    /// Credentials found only in the earlier scan.
    removed: Vec<&'a Credential>,
}

/// A credential's provider id, on its identity and kind.
type NativeId<'a> = (&'a IdentityKey, CredentialKind, &'a str);

/// Matches the credentials of two scans. Two credentials that both carry a provider id (an
/// AWS access key id) are the same exactly when the ids are equal, whatever their keys,
/// because a source that names credentials by position can move one to another position.
/// For example, moto 5.2.5's credential report lists the remaining key in slot 1 once the
/// key in slot 1 is deleted. A credential without a provider id in either scan is matched
/// by key.
fn match_credentials<'a>(before: &'a [Credential], after: &'a [Credential]) -> Matched<'a> {
    let old_by_native: BTreeMap<NativeId<'a>, &'a Credential> = before
        .iter()
        .filter_map(|credential| Some((native_id(credential)?, credential)))
        .collect();
    let old_by_key: BTreeMap<&CredentialKey, &'a Credential> = before
        .iter()
        .map(|credential| (&credential.key, credential))
        .collect();
    let mut paired_old: BTreeSet<&CredentialKey> = BTreeSet::new();
    let mut pairs = Vec::new();
    let mut unmatched = Vec::new();

    for credential in after {
        let previous = native_id(credential).and_then(|id| old_by_native.get(&id));
        match previous {
            Some(previous) => {
                paired_old.insert(&previous.key);
                pairs.push((*previous, credential));
            }
            None => unmatched.push(credential),
        }
    }

    let mut added = Vec::new();
    for credential in unmatched {
        let previous = old_by_key.get(&credential.key).filter(|previous| {
            !paired_old.contains(&previous.key)
                && (previous.native_id.is_none() || credential.native_id.is_none())
        });
        match previous {
            Some(previous) => {
                paired_old.insert(&previous.key);
                pairs.push((*previous, credential));
            }
            None => added.push(credential),
        }
    }

    let removed = before
        .iter()
        .filter(|credential| !paired_old.contains(&credential.key))
        .collect();
    Matched {
        pairs,
        added,
        removed,
    }
}

fn native_id(credential: &Credential) -> Option<NativeId<'_>> {
    let id = credential.native_id.as_deref()?;
    Some((&credential.identity, credential.kind, id))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{IdentityKind, ProviderId, ScopeId, Usage};

    use super::*;
    use crate::snapshot::SNAPSHOT_FORMAT;

    fn user() -> IdentityKey {
        IdentityKey::new(ProviderId::Aws, "111122223333", IdentityKind::AwsUser, "ci")
    }

    fn snapshot(credentials: Vec<Credential>) -> ScopeSnapshot {
        ScopeSnapshot {
            format: SNAPSHOT_FORMAT,
            provider: ProviderId::Aws,
            scope: ScopeId::new(ProviderId::Aws, "111122223333"),
            info: None,
            coverage: Vec::new(),
            identities: Vec::new(),
            credentials,
            groups: Vec::new(),
            policies: Vec::new(),
            grants: Vec::new(),
            trusts: Vec::new(),
            notes: Vec::new(),
            sources: Vec::new(),
        }
    }

    /// Builds an access key named by its credential-report slot, as the live AWS scan names it.
    fn slot_key(slot: u8, key_id: Option<&str>, created: &str) -> Credential {
        Credential {
            key: CredentialKey::new(format!("{}:aws-access-key:{slot}", user())),
            identity: user(),
            provider: ProviderId::Aws,
            scope: ScopeId::new(ProviderId::Aws, "111122223333"),
            kind: CredentialKind::AwsAccessKey,
            native_id: key_id.map(str::to_owned),
            status: CredentialStatus::Active,
            created: Some(created.parse().unwrap()),
            expires: None,
            last_used: Usage::unknown("not collected"),
        }
    }

    fn kinds(changes: &[Change]) -> Vec<EventKind> {
        let mut kinds: Vec<EventKind> = changes.iter().map(|change| change.kind).collect();
        kinds.sort();
        kinds
    }

    #[test]
    fn deleted_older_key_is_not_rotation() {
        let before = snapshot(vec![
            slot_key(1, Some("AKIAOLD"), "2024-01-01T00:00:00Z"),
            slot_key(2, Some("AKIAKEPT"), "2024-03-01T00:00:00Z"),
        ]);
        // The report moves the remaining key to slot 1.
        let after = snapshot(vec![slot_key(1, Some("AKIAKEPT"), "2024-03-01T00:00:00Z")]);

        let changes = changes(&before, &after);

        assert_eq!(kinds(&changes), [EventKind::CredentialDeleted]);
        assert_eq!(changes[0].detail["before"]["native_id"], "AKIAOLD");
    }

    #[test]
    fn moved_key_keeps_its_status_changes() {
        let before = snapshot(vec![
            slot_key(1, Some("AKIAOLD"), "2024-01-01T00:00:00Z"),
            slot_key(2, Some("AKIAKEPT"), "2024-03-01T00:00:00Z"),
        ]);
        let mut remaining = slot_key(1, Some("AKIAKEPT"), "2024-03-01T00:00:00Z");
        remaining.status = CredentialStatus::Inactive;
        let after = snapshot(vec![remaining]);

        let changes = changes(&before, &after);

        assert_eq!(
            kinds(&changes),
            [
                EventKind::CredentialDeactivated,
                EventKind::CredentialDeleted
            ]
        );
    }

    #[test]
    fn new_key_id_in_same_slot_is_rotation() {
        let before = snapshot(vec![slot_key(1, Some("AKIAOLD"), "2024-01-01T00:00:00Z")]);
        let after = snapshot(vec![slot_key(1, Some("AKIANEW"), "2024-05-01T00:00:00Z")]);

        let changes = changes(&before, &after);

        assert_eq!(kinds(&changes), [EventKind::CredentialRotated]);
        assert_eq!(changes[0].detail["before"]["native_id"], "AKIAOLD");
        assert_eq!(changes[0].detail["after"]["native_id"], "AKIANEW");
    }

    #[test]
    fn key_without_id_matches_by_slot() {
        let before = snapshot(vec![slot_key(1, None, "2024-01-01T00:00:00Z")]);
        let after = snapshot(vec![slot_key(1, Some("AKIAONE"), "2024-01-01T00:00:00Z")]);

        assert_eq!(changes(&before, &after), Vec::new());
    }
}
