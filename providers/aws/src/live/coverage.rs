//! Coverage of an account collected live. The importer's coverage applies where the live
//! listing and report arrived. A failed call replaces the coverage of every kind that
//! depends on it, and the kinds only the live API collects (boundaries, permission usage)
//! are decided here.

use roster_model::{CoverageKind, CoverageStatus, IdentityKind, Inventory, ScopeId};

use super::api::ApiError;

/// The failures of one account's calls; `None` where the call succeeded.
#[derive(Debug, Default, Clone)]
pub(crate) struct Failures {
    /// The account could not be reached at all: its role could not be assumed.
    pub unreachable: Option<ApiError>,
    pub details: Option<ApiError>,
    pub report: Option<ApiError>,
    pub federation: Option<ApiError>,
    pub access_keys: Option<ApiError>,
    pub boundaries: Option<ApiError>,
    pub service_usage: Option<ApiError>,
}

/// Every coverage entry an AWS account has.
const ALL_KINDS: [(CoverageKind, Option<IdentityKind>); 11] = [
    (CoverageKind::Identities, Some(IdentityKind::AwsRole)),
    (CoverageKind::Identities, Some(IdentityKind::AwsUser)),
    (CoverageKind::Groups, None),
    (CoverageKind::Grants, None),
    (CoverageKind::Trusts, None),
    (CoverageKind::PermissionBoundaries, None),
    (CoverageKind::Credentials, None),
    (CoverageKind::CredentialUsage, None),
    (CoverageKind::IdentityUsage, Some(IdentityKind::AwsUser)),
    (CoverageKind::IdentityUsage, Some(IdentityKind::AwsRole)),
    (CoverageKind::PermissionUsage, None),
];

/// The kinds that come from `GetAccountAuthorizationDetails`.
const LISTING_KINDS: [(CoverageKind, Option<IdentityKind>); 7] = [
    (CoverageKind::Identities, Some(IdentityKind::AwsRole)),
    (CoverageKind::Groups, None),
    (CoverageKind::Grants, None),
    (CoverageKind::Trusts, None),
    (CoverageKind::PermissionBoundaries, None),
    (CoverageKind::IdentityUsage, Some(IdentityKind::AwsRole)),
    (CoverageKind::PermissionUsage, None),
];

/// The kinds that come from the credential report.
const REPORT_KINDS: [(CoverageKind, Option<IdentityKind>); 3] = [
    (CoverageKind::Credentials, None),
    (CoverageKind::CredentialUsage, None),
    (CoverageKind::IdentityUsage, Some(IdentityKind::AwsUser)),
];

/// Replaces the coverage of one account with what its live calls collected.
pub(crate) fn apply(inventory: &mut Inventory, scope: &ScopeId, failures: &Failures) {
    let mut set =
        |kind: CoverageKind, identity_kind: Option<IdentityKind>, status: CoverageStatus| {
            inventory.set_coverage(scope, kind, identity_kind, status);
        };

    if let Some(error) = &failures.unreachable {
        for (kind, identity_kind) in ALL_KINDS {
            set(kind, identity_kind, error.coverage());
        }
        return;
    }

    // Boundaries and permission usage are complete once their calls succeeded; the
    // importer's coverage calls them partial because exports lack them.
    set(
        CoverageKind::PermissionBoundaries,
        None,
        status(&failures.boundaries),
    );
    set(
        CoverageKind::PermissionUsage,
        None,
        status(&failures.service_usage),
    );

    if let Some(error) = &failures.federation {
        set(CoverageKind::Trusts, None, error.coverage());
    }
    if let Some(error) = &failures.access_keys {
        set(CoverageKind::Credentials, None, error.coverage());
        set(CoverageKind::CredentialUsage, None, error.coverage());
    }
    if let Some(error) = &failures.report {
        for (kind, identity_kind) in REPORT_KINDS {
            set(kind, identity_kind, error.coverage());
        }
    }
    if let Some(error) = &failures.details {
        for (kind, identity_kind) in LISTING_KINDS {
            set(kind, identity_kind, error.coverage());
        }
    }
    // Users are listed by the listing and by the credential report: either is enough.
    if let (Some(error), Some(_)) = (&failures.details, &failures.report) {
        set(
            CoverageKind::Identities,
            Some(IdentityKind::AwsUser),
            error.coverage(),
        );
    }
}

fn status(failure: &Option<ApiError>) -> CoverageStatus {
    match failure {
        Some(error) => error.coverage(),
        None => CoverageStatus::Complete,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::ProviderId;

    use super::*;

    fn status_of(
        inventory: &Inventory,
        kind: CoverageKind,
        identity_kind: Option<IdentityKind>,
    ) -> CoverageStatus {
        inventory
            .coverage
            .iter()
            .find(|entry| entry.kind == kind && entry.identity_kind == identity_kind)
            .map(|entry| entry.status.clone())
            .unwrap()
    }

    fn denied(operation: &'static str) -> ApiError {
        ApiError::Denied {
            operation,
            message: "AccessDenied".to_owned(),
        }
    }

    #[test]
    fn unreachable_account_is_unverified_everywhere() {
        let mut inventory = Inventory::new(ProviderId::Aws);
        let scope = ScopeId::new(ProviderId::Aws, "111122223333");
        let failures = Failures {
            unreachable: Some(denied("sts:AssumeRole")),
            ..Failures::default()
        };

        apply(&mut inventory, &scope, &failures);

        assert_eq!(inventory.coverage.len(), ALL_KINDS.len());
        assert!(inventory.coverage.iter().all(|entry| entry.status
            == CoverageStatus::Denied {
                permission: "sts:AssumeRole".to_owned()
            }));
    }

    #[test]
    fn denied_listing_keeps_users_from_report() {
        let mut inventory = Inventory::new(ProviderId::Aws);
        let scope = ScopeId::new(ProviderId::Aws, "111122223333");
        inventory.set_coverage(
            &scope,
            CoverageKind::Identities,
            Some(IdentityKind::AwsUser),
            CoverageStatus::Complete,
        );
        let failures = Failures {
            details: Some(denied("iam:GetAccountAuthorizationDetails")),
            ..Failures::default()
        };

        apply(&mut inventory, &scope, &failures);

        assert_eq!(
            status_of(&inventory, CoverageKind::Grants, None),
            CoverageStatus::Denied {
                permission: "iam:GetAccountAuthorizationDetails".to_owned()
            }
        );
        assert_eq!(
            status_of(
                &inventory,
                CoverageKind::Identities,
                Some(IdentityKind::AwsUser)
            ),
            CoverageStatus::Complete
        );
    }

    #[test]
    fn successful_calls_complete_boundaries_and_usage() {
        let mut inventory = Inventory::new(ProviderId::Aws);
        let scope = ScopeId::new(ProviderId::Aws, "111122223333");

        apply(&mut inventory, &scope, &Failures::default());

        assert_eq!(
            status_of(&inventory, CoverageKind::PermissionBoundaries, None),
            CoverageStatus::Complete
        );
        assert_eq!(
            status_of(&inventory, CoverageKind::PermissionUsage, None),
            CoverageStatus::Complete
        );
    }
}
