//! Access keys, console passwords and user usage from the credential report.

use roster_model::{
    AwsIdentityDetails, Credential, CredentialKey, CredentialKind, CredentialStatus, Evidence,
    Identity, IdentityKey, IdentityKind, Nature, ProviderId, ScopeId, Signal, Usage,
};

use crate::arn::Arn;
use crate::credential_report::{AccessKeySlot, Cell, ReportRow};
use crate::error::counted;

/// The source named in usage that comes from the credential report.
pub(crate) const REPORT_SOURCE: &str = "aws credential report";

const REPORT_AGE: &str = "the report can be up to 4 hours old, so the latest use may be missing";

const ACCESS_KEY_BLIND_SPOTS: [&str; 2] = [
    REPORT_AGE,
    "when a key is used several times within 15 minutes, only the first use is recorded",
];

const PASSWORD_BLIND_SPOTS: [&str; 3] = [
    REPORT_AGE,
    "`no_information` means no sign-in since IAM began tracking password use",
    "sign-ins from 2018-05-03 to 2018-05-23 are missing because of an AWS service issue",
];

const USER_BLIND_SPOTS: [&str; 2] = [
    REPORT_AGE,
    "covers console passwords and access keys only: signing certificates, SSH keys and service-specific credentials are not seen",
];

/// Returns the usage of a user of an account that no credential report covers.
pub(crate) fn no_report_usage(account: &str) -> Usage {
    Usage::unknown(format!("no credential report for account {account}"))
}

/// Facts of one report row: the user's credentials, nature evidence and last use.
#[derive(Debug)]
pub(crate) struct RowFacts {
    pub credentials: Vec<Credential>,
    pub evidence: Vec<Evidence>,
    pub last_used: Usage,
}

/// Translates the credentials, nature evidence and last use of one user's row.
pub(crate) fn translate_row(row: &ReportRow, identity: &IdentityKey, scope: &ScopeId) -> RowFacts {
    let mut credentials = Vec::new();
    let mut evidence = Vec::new();

    if row.password_enabled.is_true() {
        credentials.push(console_password(row, identity, scope));
        evidence.push(nature(
            Signal::ConsolePassword,
            Nature::Human,
            "console password enabled".to_owned(),
        ));
    }
    if let Some(at) = row.password_last_used.timestamp() {
        evidence.push(nature(
            Signal::InteractiveSignIn,
            Nature::Human,
            format!("console password last used {}", at.strftime("%Y-%m-%d")),
        ));
    }
    if row.mfa_active.is_true() {
        evidence.push(nature(
            Signal::MfaDevice,
            Nature::Human,
            "MFA device active".to_owned(),
        ));
    }

    for slot in row.access_keys.iter().filter(|slot| slot.exists()) {
        credentials.push(access_key(slot, identity, scope));
        if let Some(at) = slot.last_used.timestamp() {
            evidence.push(nature(
                Signal::ProgrammaticUse,
                Nature::NonHuman,
                format!(
                    "access key {} last used {}",
                    slot.number,
                    at.strftime("%Y-%m-%d")
                ),
            ));
        }
    }

    RowFacts {
        credentials,
        evidence,
        last_used: user_last_used(row),
    }
}

fn nature(signal: Signal, points_to: Nature, detail: String) -> Evidence {
    Evidence {
        signal,
        points_to,
        detail,
    }
}

fn console_password(row: &ReportRow, identity: &IdentityKey, scope: &ScopeId) -> Credential {
    let last_used = match row.password_last_used {
        Cell::At(at) => Usage::used(at, REPORT_SOURCE),
        _ => Usage::never_used(REPORT_SOURCE),
    };
    Credential {
        key: CredentialKey::new(format!("{identity}:{}", CredentialKind::ConsolePassword)),
        identity: identity.clone(),
        provider: ProviderId::Aws,
        scope: scope.clone(),
        kind: CredentialKind::ConsolePassword,
        native_id: None,
        status: CredentialStatus::Active,
        created: row.password_last_changed.timestamp(),
        expires: row.password_next_rotation.timestamp(),
        last_used: last_used.with_blind_spots(&PASSWORD_BLIND_SPOTS),
    }
}

/// Builds the credential of one access key slot. The report has no access key id, so the
/// key is named by its slot number: `<identity key>:aws-access-key:<1 or 2>`.
fn access_key(slot: &AccessKeySlot, identity: &IdentityKey, scope: &ScopeId) -> Credential {
    let mut last_used = match slot.last_used {
        Cell::At(at) => Usage::used(at, REPORT_SOURCE),
        _ => Usage::never_used(REPORT_SOURCE),
    }
    .with_blind_spots(&ACCESS_KEY_BLIND_SPOTS);
    last_used.detail = key_use_detail(slot);

    let status = if slot.active.is_true() {
        CredentialStatus::Active
    } else {
        CredentialStatus::Inactive
    };
    Credential {
        key: CredentialKey::new(format!(
            "{identity}:{}:{}",
            CredentialKind::AwsAccessKey,
            slot.number
        )),
        identity: identity.clone(),
        provider: ProviderId::Aws,
        scope: scope.clone(),
        kind: CredentialKind::AwsAccessKey,
        native_id: None,
        status,
        created: slot.last_rotated.timestamp(),
        expires: None,
        last_used,
    }
}

/// Returns `service in region` of a key's last use, or whichever of the two is known.
fn key_use_detail(slot: &AccessKeySlot) -> Option<String> {
    match (&slot.last_used_service, &slot.last_used_region) {
        (Some(service), Some(region)) => Some(format!("{service} in {region}")),
        (Some(only), None) | (None, Some(only)) => Some(only.clone()),
        (None, None) => None,
    }
}

/// Returns the user's latest sign-in or access key use, as the report shows it.
fn user_last_used(row: &ReportRow) -> Usage {
    let password = row
        .password_last_used
        .timestamp()
        .map(|at| (at, "console password".to_owned()));
    let keys = row.access_keys.iter().filter_map(|slot| {
        slot.last_used
            .timestamp()
            .map(|at| (at, format!("access key {}", slot.number)))
    });
    let latest = password.into_iter().chain(keys).max_by_key(|(at, _)| *at);

    let usage = match latest {
        Some((at, credential)) => {
            let mut usage = Usage::used(at, REPORT_SOURCE);
            usage.detail = Some(credential);
            usage
        }
        None => Usage::never_used(REPORT_SOURCE),
    };
    usage.with_blind_spots(&USER_BLIND_SPOTS)
}

/// Builds a user from its report row alone, for a user that no dump lists.
pub(crate) fn identity_from_row(row: &ReportRow, arn: &Arn, key: IdentityKey) -> Identity {
    let scope = ScopeId::new(ProviderId::Aws, &arn.account);
    let mut identity = Identity::new(
        ProviderId::Aws,
        key,
        scope,
        IdentityKind::AwsUser,
        row.user.clone(),
        Usage::never_used(REPORT_SOURCE),
    );
    identity.created = row.user_creation_time.timestamp();
    identity.aws = Some(AwsIdentityDetails {
        arn: row.arn.clone(),
        path: arn.resource_path(),
        instance_profiles: Vec::new(),
        service_linked: false,
    });
    identity
}

/// Describes the root user's row for an inventory note. The root user is the account
/// owner's sign-in, never a machine identity, so it becomes no identity.
pub(crate) fn root_summary(row: &ReportRow) -> String {
    let active_keys = row
        .access_keys
        .iter()
        .filter(|slot| slot.active.is_true())
        .count();
    let active_keys = counted(active_keys, "active access key", "active access keys");
    let mfa = if row.mfa_active.is_true() {
        "MFA active"
    } else {
        "no MFA device"
    };
    format!(
        "the credential report row of the root user was skipped because the root user is the account owner's sign-in, not a machine identity ({active_keys}, {mfa})"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::path::Path;

    use roster_model::UsageState;

    use super::*;
    use crate::credential_report::parse_report_csv;
    use crate::credential_report::tests::report_csv;

    fn rows() -> Vec<ReportRow> {
        parse_report_csv(Path::new("report.csv"), report_csv().as_bytes(), None)
            .unwrap()
            .rows
    }

    fn facts(index: usize) -> (IdentityKey, RowFacts) {
        let row = &rows()[index];
        let key = IdentityKey::new(
            ProviderId::Aws,
            "111122223333",
            IdentityKind::AwsUser,
            &row.user,
        );
        let scope = ScopeId::new(ProviderId::Aws, "111122223333");
        let facts = translate_row(row, &key, &scope);
        (key, facts)
    }

    #[test]
    fn access_keys_become_credentials() {
        let (_, facts) = facts(1);
        let keys: Vec<&str> = facts.credentials.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "aws:111122223333:user:ci:aws-access-key:1",
                "aws:111122223333:user:ci:aws-access-key:2"
            ]
        );

        let first = &facts.credentials[0];
        assert_eq!(first.status, CredentialStatus::Active);
        assert_eq!(first.native_id, None);
        assert_eq!(first.created.unwrap().to_string(), "2023-01-01T00:00:00Z");
        assert_eq!(first.last_used.state, UsageState::Used);
        assert_eq!(first.last_used.source, REPORT_SOURCE);
        assert_eq!(first.last_used.detail.as_deref(), Some("s3 in us-east-1"));

        let second = &facts.credentials[1];
        assert_eq!(second.status, CredentialStatus::Inactive);
        assert_eq!(second.last_used.state, UsageState::NeverUsed);
    }

    #[test]
    fn key_use_points_to_automation() {
        let (_, facts) = facts(1);
        assert_eq!(facts.evidence.len(), 1);
        assert_eq!(facts.evidence[0].signal, Signal::ProgrammaticUse);
        assert_eq!(facts.evidence[0].points_to, Nature::NonHuman);
        assert_eq!(facts.last_used.state, UsageState::Used);
        assert_eq!(facts.last_used.detail.as_deref(), Some("access key 1"));
    }

    #[test]
    fn console_password_and_mfa_point_to_people() {
        let (_, facts) = facts(2);
        let password = facts
            .credentials
            .iter()
            .find(|c| c.kind == CredentialKind::ConsolePassword)
            .unwrap();
        assert_eq!(
            password.key.as_str(),
            "aws:111122223333:user:alice:console-password"
        );
        assert_eq!(password.last_used.state, UsageState::NeverUsed);
        assert!(
            password
                .last_used
                .blind_spots
                .iter()
                .any(|spot| spot.contains("no_information"))
        );
        assert_eq!(
            password.created.unwrap().to_string(),
            "2023-06-01T00:00:00Z"
        );

        let signals: Vec<Signal> = facts.evidence.iter().map(|e| e.signal).collect();
        assert_eq!(signals, [Signal::ConsolePassword, Signal::MfaDevice]);
        assert_eq!(facts.last_used.state, UsageState::NeverUsed);
    }

    #[test]
    fn root_summary_counts_keys() {
        let summary = root_summary(&rows()[0]);
        assert!(
            summary.contains("(0 active access keys, MFA active)"),
            "{summary}"
        );
    }
}
