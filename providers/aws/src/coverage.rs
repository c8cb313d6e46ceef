//! Coverage of an account: which parts the imported files collected fully, and why the
//! others are partial.

use roster_model::{CoverageKind, CoverageStatus, IdentityKind};

use crate::account::{AccountParts, PolicyGaps};
use crate::error::{counted, quoted_list};

const USERS: &str = "UserDetailList";
const GROUPS: &str = "GroupDetailList";
const ROLES: &str = "RoleDetailList";
const POLICIES: &str = "Policies";

/// One coverage entry: kind, identity kind when the entry is about one, status.
pub(crate) type CoverageEntry = (CoverageKind, Option<IdentityKind>, CoverageStatus);

/// Decides the coverage of every kind for one account. `policy_gaps` are the policies the
/// account uses whose permissions are unknown.
pub(crate) fn account_coverage(
    account: &str,
    parts: &AccountParts,
    policy_gaps: &PolicyGaps,
) -> Vec<CoverageEntry> {
    let gaps = |lists: &[&str]| dump_gaps(account, parts, lists);

    let users = if parts.report.is_some() {
        // The credential report lists every user of the account.
        Vec::new()
    } else {
        gaps(&[USERS])
    };

    let mut grant_gaps = gaps(&[USERS, GROUPS, ROLES, POLICIES]);
    if !policy_gaps.absent.is_empty() {
        grant_gaps.push(format!(
            "the permissions of the managed policies {} are unknown because the dump lacks their documents",
            quoted_list(&policy_gaps.absent)
        ));
    }
    if !policy_gaps.unreadable.is_empty() {
        grant_gaps.push(format!(
            "the permissions of the policies {} are unknown because their documents are invalid",
            quoted_list(&policy_gaps.unreadable)
        ));
    }

    let mut role_usage = gaps(&[ROLES]);
    if let Some(dump) = &parts.dump
        && dump.roles_without_last_used > 0
    {
        role_usage.push(format!(
            "the dump of account {account} has no RoleLastUsed for {}",
            counted(dump.roles_without_last_used, "role", "roles")
        ));
    }

    let credentials = report_gaps(account, parts);

    vec![
        (CoverageKind::Identities, Some(IdentityKind::AwsRole), status(gaps(&[ROLES]))),
        (CoverageKind::Identities, Some(IdentityKind::AwsUser), status(users)),
        (CoverageKind::Groups, None, status(gaps(&[GROUPS, USERS]))),
        (CoverageKind::Grants, None, status(grant_gaps)),
        (CoverageKind::Trusts, None, status(gaps(&[ROLES]))),
        (CoverageKind::PermissionBoundaries, None, partial(boundary_reason(account, parts))),
        (CoverageKind::Credentials, None, status(credentials.clone())),
        (CoverageKind::CredentialUsage, None, status(credentials.clone())),
        (CoverageKind::IdentityUsage, Some(IdentityKind::AwsUser), status(credentials)),
        (CoverageKind::IdentityUsage, Some(IdentityKind::AwsRole), status(role_usage)),
        (
            CoverageKind::PermissionUsage,
            None,
            partial(
                "service last accessed is not part of these exports: neither the account-authorization dump nor the credential report records which services or actions an identity used"
                    .to_owned(),
            ),
        ),
    ]
}

/// Returns why the dumps of the account do not fully cover the given lists.
fn dump_gaps(account: &str, parts: &AccountParts, lists: &[&str]) -> Vec<String> {
    let Some(dump) = &parts.dump else {
        return vec![no_dump(account)];
    };
    let mut reasons = dump.truncations.clone();
    for list in lists {
        if !dump.lists.contains(list) {
            reasons.push(format!(
                "the dump of account {account} has no `{list}`, as when it is exported with `--filter`; export it without `--filter`"
            ));
        }
    }
    reasons
}

fn no_dump(account: &str) -> String {
    format!(
        "no account-authorization dump for account {account}: import the output of `aws iam get-account-authorization-details`"
    )
}

fn report_gaps(account: &str, parts: &AccountParts) -> Vec<String> {
    let Some(report) = &parts.report else {
        return vec![format!(
            "no credential report for account {account}: access keys and console passwords not collected; import the output of `aws iam get-credential-report`"
        )];
    };
    if report.users_without_row.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "the credential report `{}` has no row for {} of the dump ({}), probably because they were created after it was generated",
        report.path.display(),
        counted(report.users_without_row.len(), "user", "users"),
        quoted_list(&report.users_without_row)
    )]
}

fn boundary_reason(account: &str, parts: &AccountParts) -> String {
    if parts.dump.is_none() {
        return no_dump(account);
    }
    "an account-authorization dump can omit permission boundaries, so an identity without one is marked not collected rather than unbounded".to_owned()
}

fn status(reasons: Vec<String>) -> CoverageStatus {
    if reasons.is_empty() {
        return CoverageStatus::Complete;
    }
    partial(reasons.join("; "))
}

fn partial(reason: String) -> CoverageStatus {
    CoverageStatus::Partial { reason }
}
