//! Coverage of every scope: which parts the sources collected in full, and why the others
//! are partial.
//!
//! NOTE: an export filtered by asset type cannot be distinguished from a project that has no
//! assets of that type. A part counts as collected when the files hold at least one record of it for
//! the project, so a project with no service accounts at all stays unverified.

use std::collections::BTreeSet;

use roster_model::{CoverageKind, CoverageStatus, IdentityKind, ScopeId, ScopeKind};

use crate::estate::{Estate, Origin, Part};
use crate::scope::Scopes;
use crate::service_account::Accounts;

/// One coverage entry: scope, kind, identity kind when the entry is about one, status.
pub(crate) type CoverageEntry = (ScopeId, CoverageKind, Option<IdentityKind>, CoverageStatus);

const SERVICE_ACCOUNT: Option<IdentityKind> = Some(IdentityKind::GcpServiceAccount);

/// Decides the coverage of every kind for every scope. Entries that a live collector set
/// explicitly come last, so they replace the defaults.
pub(crate) fn coverage(
    estate: &Estate,
    scopes: &Scopes,
    accounts: &Accounts,
) -> Vec<CoverageEntry> {
    let collected: BTreeSet<(ScopeId, Part)> = estate
        .collected
        .iter()
        .map(|(name, part)| (scopes.id_of(name), *part))
        .collect();
    let has = |scope: &ScopeId, part: Part| collected.contains(&(scope.clone(), part));

    let mut entries = Vec::new();
    for scope in scopes.iter() {
        let id = &scope.id;
        let name = scope.native_id.as_str();
        if scope.kind != ScopeKind::GcpProject {
            entries.push((
                id.clone(),
                CoverageKind::Grants,
                None,
                when(has(id, Part::Policy), || no_policy(estate.origin, name)),
            ));
            continue;
        }

        let listed = has(id, Part::ServiceAccounts);
        let keys = has(id, Part::Keys) || (listed && every_key_listed(estate, accounts, id));
        let missing_policies: Vec<String> = std::iter::once(id.clone())
            .chain(scopes.ancestors(id))
            .filter(|scope| !has(scope, Part::Policy))
            .map(|scope| scope.native_id().to_owned())
            .collect();
        let account_policies = has(id, Part::AccountPolicies);

        entries.push((
            id.clone(),
            CoverageKind::Identities,
            SERVICE_ACCOUNT,
            when(listed, || no_accounts(estate.origin, name)),
        ));
        entries.push((
            id.clone(),
            CoverageKind::Credentials,
            None,
            when(keys, || no_keys(estate.origin, name)),
        ));
        entries.push((
            id.clone(),
            CoverageKind::Grants,
            None,
            when(has(id, Part::Policy), || no_policy(estate.origin, name)),
        ));
        entries.push((
            id.clone(),
            CoverageKind::Trusts,
            None,
            trust_status(estate.origin, name, &missing_policies, account_policies),
        ));
        entries.push((
            id.clone(),
            CoverageKind::Groups,
            None,
            partial(GROUPS_REASON),
        ));
        entries.push((
            id.clone(),
            CoverageKind::PermissionUsage,
            None,
            partial(PERMISSION_USAGE_REASON),
        ));
        entries.push((
            id.clone(),
            CoverageKind::PermissionBoundaries,
            None,
            partial(BOUNDARY_REASON),
        ));
        let usage = usage_status(estate, name);
        entries.push((
            id.clone(),
            CoverageKind::IdentityUsage,
            SERVICE_ACCOUNT,
            usage.clone(),
        ));
        entries.push((id.clone(), CoverageKind::CredentialUsage, None, usage));
    }

    for explicit in &estate.coverage {
        entries.push((
            scopes.id_of(&explicit.scope),
            explicit.kind,
            explicit.identity_kind,
            explicit.status.clone(),
        ));
    }
    entries
}

const GROUPS_REASON: &str =
    "Google group memberships are not collected, so the members of `group:` bindings are unknown";
const PERMISSION_USAGE_REASON: &str = "which permissions each principal used is not collected; Policy Analyzer activity gives only the latest authentication";
const BOUNDARY_REASON: &str = "IAM deny policies and principal access boundary policies are not collected, so a grant may be narrower than it looks";

/// Returns whether every listed service account of a project had its keys listed.
fn every_key_listed(estate: &Estate, accounts: &Accounts, project: &ScopeId) -> bool {
    let listed: BTreeSet<String> = estate
        .keys_listed
        .iter()
        .map(|owner| owner.account.to_ascii_lowercase())
        .collect();
    accounts.in_project(project).iter().all(|key| {
        let email = key.native_id().to_ascii_lowercase();
        listed.contains(&email)
    })
}

fn trust_status(
    origin: Origin,
    project: &str,
    missing: &[String],
    account_policies: bool,
) -> CoverageStatus {
    let mut reasons = Vec::new();
    if !missing.is_empty() {
        reasons.push(format!(
            "the IAM policies of {} are not among the {}, so trusts they grant to service accounts of project `{project}` are unknown",
            crate::error::quoted_list(missing),
            sources(origin)
        ));
    }
    if !account_policies {
        reasons.push(format!(
            "the IAM policies of the service accounts of project `{project}` are not among the {}: {}",
            sources(origin),
            match origin {
                Origin::Import => "import a Cloud Asset Inventory export with `--content-type=iam-policy`",
                Origin::Live => "`iam.serviceAccounts.getIamPolicy` failed",
            }
        ));
    }
    if reasons.is_empty() {
        return CoverageStatus::Complete;
    }
    partial(&reasons.join("; "))
}

fn usage_status(estate: &Estate, project: &str) -> CoverageStatus {
    let collected = estate
        .activity
        .as_ref()
        .is_some_and(|activity| activity.projects.contains(project));
    when(collected, || {
        match estate.origin {
        Origin::Import => "Policy Analyzer activity is not part of the imported files, so the last authentication of service accounts and keys is unknown; scan with `--provider gcp` to read it".to_owned(),
        Origin::Live => format!("Policy Analyzer activity of project `{project}` was not read"),
    }
    })
}

fn sources(origin: Origin) -> &'static str {
    match origin {
        Origin::Import => "imported files",
        Origin::Live => "collected data",
    }
}

fn no_accounts(origin: Origin, project: &str) -> String {
    match origin {
        Origin::Import => format!(
            "no service accounts of project `{project}` are in the imported files: import `gcloud iam service-accounts list --project {project} --format=json`, or a Cloud Asset Inventory export with `--content-type=resource`"
        ),
        Origin::Live => format!("the service accounts of project `{project}` were not listed"),
    }
}

fn no_keys(origin: Origin, project: &str) -> String {
    match origin {
        Origin::Import => format!(
            "no service account keys of project `{project}` are in the imported files: import `gcloud iam service-accounts keys list --format=json` for each service account, or a Cloud Asset Inventory export with `--content-type=resource`"
        ),
        Origin::Live => {
            format!("the keys of the service accounts of project `{project}` were not listed")
        }
    }
}

fn no_policy(origin: Origin, name: &str) -> String {
    match origin {
        Origin::Import => format!(
            "the IAM policy of `{name}` is not in the imported files: import a Cloud Asset Inventory export with `--content-type=iam-policy`, or `gcloud projects get-iam-policy` saved as `<project-id>.iam-policy.json`"
        ),
        Origin::Live => format!("the IAM policy of `{name}` was not read"),
    }
}

fn when(complete: bool, reason: impl FnOnce() -> String) -> CoverageStatus {
    if complete {
        CoverageStatus::Complete
    } else {
        CoverageStatus::Partial { reason: reason() }
    }
}

fn partial(reason: &str) -> CoverageStatus {
    CoverageStatus::Partial {
        reason: reason.to_owned(),
    }
}
