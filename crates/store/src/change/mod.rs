//! Change computation between two snapshots of one scope.
//!
//! The same functions produce the audit events of a recorded scan (against the previous
//! complete scan of each scope and kind) and the changes between any two recorded scans.

mod credentials;
mod grants;
mod identities;
mod members;
mod trusts;

use std::fmt;
use std::str::FromStr;

use roster_model::{CoverageKind, ProviderId, ScopeId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::snapshot::ScopeSnapshot;

/// The coverage kinds that produce change events, each compared on its own.
pub(crate) const TRACKED_KINDS: [CoverageKind; 5] = [
    CoverageKind::Identities,
    CoverageKind::Groups,
    CoverageKind::Grants,
    CoverageKind::Trusts,
    CoverageKind::Credentials,
];

/// The kind of a change between two scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// An identity key appeared.
    IdentityCreated,
    /// An identity key disappeared.
    IdentityDeleted,
    /// The same key now names an identity with another provider-unique id: it was deleted
    /// and created again under the same name.
    IdentityReplaced,
    /// The value of the identity's `owner` tag or label changed.
    OwnerChanged,
    /// An identity joined a provider group.
    MemberAdded,
    /// An identity left a provider group.
    MemberRemoved,
    /// A subject gained a policy on a scope.
    GrantAdded,
    /// A subject lost a policy on a scope.
    GrantRemoved,
    /// The document of a policy granted to the subject changed.
    GrantChanged,
    /// The principals that can act as an identity changed.
    TrustChanged,
    /// A credential appeared.
    CredentialCreated,
    /// A credential was replaced by a newer one of the same kind on the same identity.
    CredentialRotated,
    /// An active credential became inactive.
    CredentialDeactivated,
    /// An inactive credential became active.
    CredentialReactivated,
    /// A credential disappeared.
    CredentialDeleted,
}

impl EventKind {
    pub const ALL: [EventKind; 15] = [
        EventKind::IdentityCreated,
        EventKind::IdentityDeleted,
        EventKind::IdentityReplaced,
        EventKind::OwnerChanged,
        EventKind::MemberAdded,
        EventKind::MemberRemoved,
        EventKind::GrantAdded,
        EventKind::GrantRemoved,
        EventKind::GrantChanged,
        EventKind::TrustChanged,
        EventKind::CredentialCreated,
        EventKind::CredentialRotated,
        EventKind::CredentialDeactivated,
        EventKind::CredentialReactivated,
        EventKind::CredentialDeleted,
    ];

    /// Returns the name stored in events and used on the command line, for example
    /// `grant-added`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::IdentityCreated => "identity-created",
            EventKind::IdentityDeleted => "identity-deleted",
            EventKind::IdentityReplaced => "identity-replaced",
            EventKind::OwnerChanged => "owner-changed",
            EventKind::MemberAdded => "member-added",
            EventKind::MemberRemoved => "member-removed",
            EventKind::GrantAdded => "grant-added",
            EventKind::GrantRemoved => "grant-removed",
            EventKind::GrantChanged => "grant-changed",
            EventKind::TrustChanged => "trust-changed",
            EventKind::CredentialCreated => "credential-created",
            EventKind::CredentialRotated => "credential-rotated",
            EventKind::CredentialDeactivated => "credential-deactivated",
            EventKind::CredentialReactivated => "credential-reactivated",
            EventKind::CredentialDeleted => "credential-deleted",
        }
    }

    /// Returns the coverage kind that must be complete in both scans for this event.
    pub fn coverage_kind(self) -> CoverageKind {
        match self {
            EventKind::IdentityCreated
            | EventKind::IdentityDeleted
            | EventKind::IdentityReplaced
            | EventKind::OwnerChanged => CoverageKind::Identities,
            EventKind::MemberAdded | EventKind::MemberRemoved => CoverageKind::Groups,
            EventKind::GrantAdded | EventKind::GrantRemoved | EventKind::GrantChanged => {
                CoverageKind::Grants
            }
            EventKind::TrustChanged => CoverageKind::Trusts,
            EventKind::CredentialCreated
            | EventKind::CredentialRotated
            | EventKind::CredentialDeactivated
            | EventKind::CredentialReactivated
            | EventKind::CredentialDeleted => CoverageKind::Credentials,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.as_str()).collect();
                format!(
                    "unknown event kind `{text}`: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// One difference between two snapshots of a scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub provider: ProviderId,
    pub scope: ScopeId,
    pub kind: EventKind,
    /// The identity key the change is about. For a grant it is the key of the identity or
    /// group that the grant belongs to.
    pub subject: String,
    /// The facts of the change: `before` and `after` values where something changed, and
    /// the keys involved (group, credential, policy).
    pub detail: Value,
}

/// Computes the changes of one coverage kind from `before` to `after`, both snapshots of the
/// same scope. The caller checks that the kind was complete in both.
pub(crate) fn changes_of_kind(
    kind: CoverageKind,
    before: &ScopeSnapshot,
    after: &ScopeSnapshot,
) -> Vec<Change> {
    let mut changes = match kind {
        CoverageKind::Identities => identities::changes(before, after),
        CoverageKind::Groups => members::changes(before, after),
        CoverageKind::Grants => grants::changes(before, after),
        CoverageKind::Trusts => trusts::changes(before, after),
        CoverageKind::Credentials => credentials::changes(before, after),
        _ => Vec::new(),
    };
    sort_changes(&mut changes);
    changes
}

/// Orders changes by scope, subject and kind, then by detail, so that the same two
/// snapshots always give the same event sequence.
pub(crate) fn sort_changes(changes: &mut [Change]) {
    changes.sort_by_cached_key(|change| {
        (
            change.scope.clone(),
            change.subject.clone(),
            change.kind,
            crate::canonical::canonical_json(&change.detail),
        )
    });
}

/// Builds a change of the snapshot's provider and scope.
fn change(after: &ScopeSnapshot, kind: EventKind, subject: &str, detail: Value) -> Change {
    Change {
        provider: after.provider,
        scope: after.scope.clone(),
        kind,
        subject: subject.to_owned(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn event_kind_names_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, Value::String(kind.as_str().to_owned()));
        }
    }

    #[test]
    fn unknown_event_kind_lists_the_names() {
        let error = "grant-given".parse::<EventKind>().unwrap_err();

        assert!(error.starts_with("unknown event kind `grant-given`: expected one of"));
        assert!(error.contains("grant-added"));
    }
}
