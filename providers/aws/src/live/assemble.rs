//! Assembles the inventory from what the calls of each account returned: the listing and
//! the credential report go through the importer's translate layer, the live-only facts are
//! added, and coverage records every failure.

use std::collections::BTreeMap;
use std::path::PathBuf;

use roster_model::{Inventory, ProviderId, ScopeId};

use crate::account::{self, Accounts, ManagedPolicies, account_parts};
use crate::credential_report::parse_report_csv;
use crate::detect::DUMP_LISTS;
use crate::dump::translate_dump;
use crate::error::ImportError;
use crate::join::apply_account_report;
use crate::pages::DumpFile;

use super::account::AccountData;
use super::api::ApiError;
use super::coverage::{self, Failures};
use super::enrich;

/// The result of collecting one account.
#[derive(Debug)]
pub(crate) enum AccountOutcome {
    Collected(Box<AccountData>),
    /// The account could not be reached, for example because its role could not be assumed.
    Unreachable(ApiError),
}

/// Builds the inventory of every account, with coverage for each.
pub(crate) fn assemble(outcomes: Vec<(String, AccountOutcome)>, sources: Vec<String>) -> Inventory {
    let mut accounts = Accounts::new();
    let mut managed = ManagedPolicies::new();
    let mut failures: BTreeMap<String, Failures> = BTreeMap::new();

    for (account, outcome) in outcomes {
        account_parts(&mut accounts, &account);
        let account_failures = match outcome {
            AccountOutcome::Unreachable(error) => Failures {
                unreachable: Some(error),
                ..Failures::default()
            },
            AccountOutcome::Collected(data) => {
                add_account(&account, *data, &mut accounts, &mut managed)
            }
        };
        failures.insert(account, account_failures);
    }

    let mut inventory = account::build_inventory(accounts, managed, sources);
    for (account, failures) in &failures {
        let scope = ScopeId::new(ProviderId::Aws, account);
        coverage::apply(&mut inventory, &scope, failures);
    }
    inventory.sort();
    inventory
}

/// Translates one account's listing and report and adds the live-only facts; returns the
/// failures for coverage.
fn add_account(
    account: &str,
    data: AccountData,
    accounts: &mut Accounts,
    managed: &mut ManagedPolicies,
) -> Failures {
    let mut failures = Failures {
        federation: data.federation.as_ref().err().cloned(),
        access_keys: data.access_keys.as_ref().err().cloned(),
        boundaries: data.boundaries.as_ref().err().cloned(),
        service_usage: data.service_usage.as_ref().err().cloned(),
        ..Failures::default()
    };

    match data.details {
        Ok(pages) => {
            if let Err(error) = add_listing(account, pages, accounts, managed) {
                failures.details = Some(error);
            }
        }
        Err(error) => failures.details = Some(error),
    }
    match data.report {
        Ok(report) => {
            if let Err(error) = add_report(account, report, accounts) {
                failures.report = Some(error);
            }
        }
        Err(error) => failures.report = Some(error),
    }

    let parts = account_parts(accounts, account);
    if let Ok(keys) = data.access_keys {
        enrich::apply_access_keys(parts, keys);
    }
    if let Ok(boundaries) = &data.boundaries {
        enrich::apply_boundaries(parts, boundaries);
    }
    if let Ok(usage) = &data.service_usage {
        enrich::apply_service_usage(parts, usage);
    }
    if let Ok(providers) = &data.federation {
        enrich::note_missing_providers(parts, providers);
    }
    failures
}

/// Translates the pages of `GetAccountAuthorizationDetails`. An account with no user, group,
/// role or customer-managed policy names no account in its ARNs; its listing is empty, not
/// missing.
fn add_listing(
    account: &str,
    pages: Vec<crate::raw::Page>,
    accounts: &mut Accounts,
    managed: &mut ManagedPolicies,
) -> Result<(), ApiError> {
    let dump = DumpFile {
        path: PathBuf::from(format!(
            "GetAccountAuthorizationDetails of account {account}"
        )),
        pages,
        truncation: None,
    };
    match translate_dump(dump, accounts, managed) {
        Ok(()) | Err(ImportError::NoAccount { .. }) => {}
        Err(error) => {
            return Err(translation_error(
                "iam:GetAccountAuthorizationDetails",
                &error,
            ));
        }
    }
    account_parts(accounts, account)
        .dump_facts()
        .lists
        .extend(DUMP_LISTS);
    Ok(())
}

fn add_report(
    account: &str,
    report: super::api::CredentialReportContent,
    accounts: &mut Accounts,
) -> Result<(), ApiError> {
    const OPERATION: &str = "iam:GetCredentialReport";
    let path = PathBuf::from(format!("credential report of account {account}"));
    let report = parse_report_csv(&path, &report.csv, report.generated)
        .map_err(|error| translation_error(OPERATION, &error))?;
    apply_account_report(report, account, accounts)
        .map_err(|error| translation_error(OPERATION, &error))
}

fn translation_error(operation: &'static str, error: &ImportError) -> ApiError {
    ApiError::invalid(operation, error.to_string())
}
