//! Adds to an account's parts what only the live API gives: access key ids and their latest
//! use, permission boundaries that the listing left out, per-service usage, and the identity
//! providers that federated trusts name.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use roster_model::{
    Boundary, Credential, CredentialKey, CredentialKind, CredentialStatus, IdentityKind, NoteKind,
    PolicyKey, PrincipalKind, ProviderId, Usage,
};

use crate::account::AccountParts;

use super::api::{AccessKey, FederationProviders, ServiceLastAccessed};
use super::service_usage;

/// The source named in the usage of access keys that `GetAccessKeyLastUsed` reported newer
/// than the credential report.
pub(crate) const KEY_LAST_USED_SOURCE: &str = "aws access key last used";

const KEY_LAST_USED_BLIND_SPOTS: [&str; 2] = [
    "when a key is used several times within 15 minutes, only the first use is recorded",
    "covers use since 2015-04-22 only",
];

/// Adds access key ids to the credentials of each user, and the latest use where
/// `GetAccessKeyLastUsed` saw one newer than the credential report. A key that the report
/// lacks (created after the report) is added, named by its id.
pub(crate) fn apply_access_keys(parts: &mut AccountParts, keys: BTreeMap<String, Vec<AccessKey>>) {
    for (user, keys) in keys {
        let identity = roster_model::IdentityKey::new(
            ProviderId::Aws,
            parts.scope.native_id(),
            IdentityKind::AwsUser,
            &user,
        );
        let mut slots: Vec<usize> = parts
            .credentials
            .iter()
            .enumerate()
            .filter(|(_, credential)| {
                credential.identity == identity && credential.kind == CredentialKind::AwsAccessKey
            })
            .map(|(index, _)| index)
            .collect();
        slots.sort_by_key(|index| {
            (
                parts.credentials[*index].created,
                parts.credentials[*index].key.clone(),
            )
        });

        let mut keys = keys;
        keys.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        for key in keys {
            let matched = take_slot(&mut slots, &parts.credentials, &key);
            match matched {
                Some(index) => update_credential(&mut parts.credentials[index], &key),
                None => {
                    let credential = new_credential(parts, &identity, &key);
                    parts.credentials.push(credential);
                }
            }
        }
    }
}

/// Finds the report's slot for a key: the one created in the same second, or else the
/// oldest slot left. The report has no key ids, so creation time is the only link.
fn take_slot(slots: &mut Vec<usize>, credentials: &[Credential], key: &AccessKey) -> Option<usize> {
    let second = |at: Option<Timestamp>| at.map(|at| at.as_second());
    let position = slots
        .iter()
        .position(|index| second(credentials[*index].created) == second(key.created))
        .or_else(|| (!slots.is_empty()).then_some(0))?;
    Some(slots.remove(position))
}

fn update_credential(credential: &mut Credential, key: &AccessKey) {
    credential.native_id = Some(key.id.clone());
    credential.status = status(key);
    let Some(at) = key.last_used else {
        return;
    };
    let newer = match credential.last_used.last_used {
        Some(reported) => at.as_second() > reported.as_second(),
        None => true,
    };
    if newer {
        credential.last_used = key_usage(at, key);
    }
}

fn new_credential(
    parts: &AccountParts,
    identity: &roster_model::IdentityKey,
    key: &AccessKey,
) -> Credential {
    let last_used = match key.last_used {
        Some(at) => key_usage(at, key),
        None => {
            Usage::never_used(KEY_LAST_USED_SOURCE).with_blind_spots(&KEY_LAST_USED_BLIND_SPOTS)
        }
    };
    Credential {
        key: CredentialKey::new(format!(
            "{identity}:{}:{}",
            CredentialKind::AwsAccessKey,
            key.id
        )),
        identity: identity.clone(),
        provider: ProviderId::Aws,
        scope: parts.scope.clone(),
        kind: CredentialKind::AwsAccessKey,
        native_id: Some(key.id.clone()),
        status: status(key),
        created: key.created,
        expires: None,
        last_used,
    }
}

fn status(key: &AccessKey) -> CredentialStatus {
    if key.active {
        CredentialStatus::Active
    } else {
        CredentialStatus::Inactive
    }
}

fn key_usage(at: Timestamp, key: &AccessKey) -> Usage {
    let mut usage =
        Usage::used(at, KEY_LAST_USED_SOURCE).with_blind_spots(&KEY_LAST_USED_BLIND_SPOTS);
    usage.detail = match (&key.last_used_service, &key.last_used_region) {
        (Some(service), Some(region)) => Some(format!("{service} in {region}")),
        (Some(only), None) | (None, Some(only)) => Some(only.clone()),
        (None, None) => None,
    };
    usage
}

/// Sets the boundary of every identity that the listing returned without one, from
/// `GetRole` or `GetUser`: the policy, or none.
pub(crate) fn apply_boundaries(
    parts: &mut AccountParts,
    boundaries: &BTreeMap<String, Option<String>>,
) {
    for identity in parts.identities.values_mut() {
        if identity.boundary != Boundary::NotCollected {
            continue;
        }
        let Some(arn) = identity.aws.as_ref().map(|aws| aws.arn.as_str()) else {
            continue;
        };
        let Some(boundary) = boundaries.get(arn) else {
            continue;
        };
        identity.boundary = match boundary {
            Some(policy) => Boundary::Policy(PolicyKey::new(policy.clone())),
            None => Boundary::None,
        };
    }
}

/// Sets the per-service usage of every identity that has a report.
pub(crate) fn apply_service_usage(
    parts: &mut AccountParts,
    usage: &BTreeMap<String, Vec<ServiceLastAccessed>>,
) {
    for identity in parts.identities.values_mut() {
        let Some(arn) = identity.aws.as_ref().map(|aws| aws.arn.as_str()) else {
            continue;
        };
        if let Some(services) = usage.get(arn) {
            identity.service_usage = service_usage::translate(services);
        }
    }
}

/// Notes every federated trust that names an identity provider of this account which the
/// account does not have: the provider was deleted, or its ARN is mistyped.
pub(crate) fn note_missing_providers(parts: &mut AccountParts, providers: &FederationProviders) {
    let known: BTreeSet<&str> = providers
        .oidc
        .iter()
        .chain(&providers.saml)
        .map(String::as_str)
        .collect();
    let prefix = format!("arn:aws:iam::{}:", parts.scope.native_id());

    let mut missing: Vec<(String, String)> = parts
        .trusts
        .iter()
        .filter(|trust| trust.principal.kind == PrincipalKind::Federated)
        .filter(|trust| trust.principal.value.starts_with(&prefix))
        .filter(|trust| !known.contains(trust.principal.value.as_str()))
        .map(|trust| (trust.principal.value.clone(), trust.target.to_string()))
        .collect();
    missing.sort();
    missing.dedup();

    for (provider, role) in missing {
        parts.note(
            NoteKind::UnresolvedReference,
            Some(provider.clone()),
            format!(
                "the trust policy of `{role}` names the identity provider `{provider}`, which the account does not have"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{IdentityKey, UsageState};

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn reported_key(
        parts: &AccountParts,
        slot: u8,
        created: &str,
        used: Option<&str>,
    ) -> Credential {
        let identity =
            IdentityKey::new(ProviderId::Aws, "111122223333", IdentityKind::AwsUser, "ci");
        Credential {
            key: CredentialKey::new(format!("{identity}:aws-access-key:{slot}")),
            identity,
            provider: ProviderId::Aws,
            scope: parts.scope.clone(),
            kind: CredentialKind::AwsAccessKey,
            native_id: None,
            status: CredentialStatus::Active,
            created: Some(at(created)),
            expires: None,
            last_used: match used {
                Some(used) => Usage::used(at(used), "aws credential report"),
                None => Usage::never_used("aws credential report"),
            },
        }
    }

    fn live_key(id: &str, created: &str, used: Option<&str>) -> AccessKey {
        AccessKey {
            id: id.to_owned(),
            active: true,
            created: Some(at(created)),
            last_used: used.map(at),
            last_used_service: used.map(|_| "s3".to_owned()),
            last_used_region: used.map(|_| "us-east-1".to_owned()),
        }
    }

    #[test]
    fn key_ids_join_report_slots_by_creation() {
        let mut parts = AccountParts::new("111122223333");
        parts.credentials.push(reported_key(
            &parts,
            1,
            "2024-01-01T00:00:00Z",
            Some("2024-06-01T00:00:00Z"),
        ));
        parts
            .credentials
            .push(reported_key(&parts, 2, "2024-03-01T00:00:00Z", None));
        let keys = BTreeMap::from([(
            "ci".to_owned(),
            vec![
                live_key("AKIASECOND", "2024-03-01T00:00:00.400Z", None),
                live_key(
                    "AKIAFIRST",
                    "2024-01-01T00:00:00Z",
                    Some("2024-06-01T00:00:00.900Z"),
                ),
            ],
        )]);

        apply_access_keys(&mut parts, keys);

        assert_eq!(parts.credentials.len(), 2);
        assert_eq!(parts.credentials[0].native_id.as_deref(), Some("AKIAFIRST"));
        assert_eq!(
            parts.credentials[0].last_used.source,
            "aws credential report"
        );
        assert_eq!(
            parts.credentials[1].native_id.as_deref(),
            Some("AKIASECOND")
        );
        assert_eq!(parts.credentials[1].last_used.state, UsageState::NeverUsed);
    }

    #[test]
    fn newer_key_use_replaces_report() {
        let mut parts = AccountParts::new("111122223333");
        parts.credentials.push(reported_key(
            &parts,
            1,
            "2024-01-01T00:00:00Z",
            Some("2024-06-01T00:00:00Z"),
        ));
        let keys = BTreeMap::from([(
            "ci".to_owned(),
            vec![live_key(
                "AKIAFIRST",
                "2024-01-01T00:00:00Z",
                Some("2024-06-02T00:00:00Z"),
            )],
        )]);

        apply_access_keys(&mut parts, keys);

        let usage = &parts.credentials[0].last_used;
        assert_eq!(usage.source, KEY_LAST_USED_SOURCE);
        assert_eq!(usage.last_used, Some(at("2024-06-02T00:00:00Z")));
        assert_eq!(usage.detail.as_deref(), Some("s3 in us-east-1"));
    }

    #[test]
    fn key_missing_from_report_is_added() {
        let mut parts = AccountParts::new("111122223333");
        let keys = BTreeMap::from([(
            "ci".to_owned(),
            vec![live_key("AKIANEW", "2024-01-01T00:00:00Z", None)],
        )]);

        apply_access_keys(&mut parts, keys);

        assert_eq!(
            parts.credentials[0].key.as_str(),
            "aws:111122223333:user:ci:aws-access-key:AKIANEW"
        );
    }
}
