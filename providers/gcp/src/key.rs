//! Service account keys: the user-managed keys become credentials.
//!
//! Google holds the private half of a system-managed key, rotates it about every two weeks
//! and never hands it out, so such a key is not a secret anyone can leak. Those keys are
//! counted, not inventoried.

use jiff::Timestamp;
use roster_model::{
    Credential, CredentialKey, CredentialKind, CredentialStatus, IdentityKey, ProviderId, ScopeId,
    Usage,
};

use crate::estate::{Activity, KeyEntry};
use crate::service_account::{ACTIVITY_BLIND_SPOTS, ACTIVITY_SOURCE};

/// The key type of keys that Google manages.
const SYSTEM_MANAGED: &str = "SYSTEM_MANAGED";

/// Returns whether a key is system-managed. A key without a type is treated as user-managed,
/// since older exports leave the type out and a user-managed key must not be missed.
pub(crate) fn is_system_managed(entry: &KeyEntry) -> bool {
    entry.key.key_type.as_deref() == Some(SYSTEM_MANAGED)
}

/// Translates a user-managed key. Returns the credential and, for a timestamp that cannot
/// be read, a description of the problem.
pub(crate) fn translate_key(
    entry: &KeyEntry,
    owner: &IdentityKey,
    project: &str,
    activity: Option<&Activity>,
) -> (Credential, Vec<String>) {
    let mut problems = Vec::new();
    let mut read = |field: &str, text: Option<&str>| {
        let text = text?;
        match parse_key_time(text) {
            Ok(time) => time,
            Err(error) => {
                problems.push(format!(
                    "`{field}` `{text}` of key `{}` is not a timestamp ({error})",
                    entry.key_id
                ));
                None
            }
        }
    };
    let created = read("validAfterTime", entry.key.valid_after_time.as_deref());
    let expires = read("validBeforeTime", entry.key.valid_before_time.as_deref());

    let credential = Credential {
        key: CredentialKey::new(format!(
            "{owner}:{}:{}",
            CredentialKind::GcpSaKey,
            entry.key_id
        )),
        identity: owner.clone(),
        provider: ProviderId::Gcp,
        scope: ScopeId::new(ProviderId::Gcp, project),
        kind: CredentialKind::GcpSaKey,
        native_id: Some(entry.key_id.clone()),
        status: if entry.key.disabled {
            CredentialStatus::Inactive
        } else {
            CredentialStatus::Active
        },
        created,
        expires,
        last_used: key_usage(entry, project, activity),
    };
    (credential, problems)
}

/// Parses a key's validity bound. GCP writes `9999-12-31T23:59:59Z` for a key that never
/// expires, which lies past the latest instant `jiff` represents, so year 9999 reads as no
/// bound.
fn parse_key_time(text: &str) -> Result<Option<Timestamp>, jiff::Error> {
    if text.starts_with("9999-") {
        return Ok(None);
    }
    text.trim().parse::<Timestamp>().map(Some)
}

fn key_usage(entry: &KeyEntry, project: &str, activity: Option<&Activity>) -> Usage {
    let Some(activity) = activity.filter(|activity| activity.projects.contains(project)) else {
        return Usage::unknown("policy analyzer activity not collected");
    };
    let usage = match activity.keys.get(&entry.key_id) {
        Some(at) => Usage::used(*at, ACTIVITY_SOURCE),
        None => Usage::never_used(ACTIVITY_SOURCE),
    };
    usage.with_blind_spots(&ACTIVITY_BLIND_SPOTS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use roster_model::IdentityKind;

    use super::*;
    use crate::estate::AccountRef;
    use crate::raw::ServiceAccountKey;

    fn entry(after: &str, before: &str, key_type: Option<&str>) -> KeyEntry {
        KeyEntry {
            owner: AccountRef {
                project: Some("p".to_owned()),
                account: "ci@p.iam.gserviceaccount.com".to_owned(),
            },
            key_id: "abc".to_owned(),
            key: ServiceAccountKey {
                name: None,
                key_type: key_type.map(str::to_owned),
                valid_after_time: Some(after.to_owned()),
                valid_before_time: Some(before.to_owned()),
                disabled: false,
            },
        }
    }

    fn owner() -> IdentityKey {
        IdentityKey::new(
            ProviderId::Gcp,
            "p",
            IdentityKind::GcpServiceAccount,
            "ci@p.iam.gserviceaccount.com",
        )
    }

    #[test]
    fn never_expiring_key_has_no_expiry() {
        let (credential, problems) = translate_key(
            &entry(
                "2024-01-01T00:00:00Z",
                "9999-12-31T23:59:59Z",
                Some("USER_MANAGED"),
            ),
            &owner(),
            "p",
            None,
        );
        assert!(problems.is_empty());
        assert_eq!(credential.expires, None);
        assert_eq!(
            credential.key.as_str(),
            "gcp:p:service-account:ci@p.iam.gserviceaccount.com:gcp-sa-key:abc"
        );
        assert_eq!(
            credential.created,
            Some("2024-01-01T00:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn bad_timestamp_is_reported() {
        let (credential, problems) = translate_key(
            &entry("yesterday", "2030-01-01T00:00:00Z", None),
            &owner(),
            "p",
            None,
        );
        assert_eq!(credential.created, None);
        assert!(
            problems[0].contains("`validAfterTime` `yesterday`"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn key_type_decides_system_managed() {
        assert!(is_system_managed(&entry("a", "b", Some("SYSTEM_MANAGED"))));
        assert!(!is_system_managed(&entry("a", "b", Some("USER_MANAGED"))));
        assert!(!is_system_managed(&entry("a", "b", None)));
    }
}
