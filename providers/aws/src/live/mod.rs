//! Live collection through the AWS SDK.
//!
//! The collect step chooses the accounts (the caller's own, or the accounts of the
//! organization through a role assumed in each), collects them concurrently within a bound,
//! and assembles one inventory. Each account's calls produce the same raw shapes the
//! importer reads, so the same translate layer serves exports and the API.

mod account;
mod api;
mod assemble;
mod coverage;
mod enrich;
mod service_usage;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use aws_config::SdkConfig;
use roster_model::{CollectionStats, ProviderId, ScopeId};
use roster_provider::{Collection, Progress};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use self::account::{AccountLimits, collect_account};
use self::api::{ApiError, CallStats, Clients, OrganizationAccount};
use self::assemble::{AccountOutcome, assemble};

pub use self::api::{Connection, JobPolling, RetryMode, RetrySettings, StaticCredentials};
pub use self::service_usage::SERVICE_USAGE_SOURCE;

/// Numbers the collections of this process, so that each keeps its own retry state.
static RUNS: AtomicU64 = AtomicU64::new(0);

/// The configuration of an AWS scan.
#[derive(Debug, Clone)]
pub struct AwsConfig {
    pub connection: Connection,
    /// Scan the accounts of the organization through this role, assumed in each.
    pub organization: Option<OrganizationScan>,
    /// Scan only these accounts of the organization; empty for all.
    pub accounts: Vec<String>,
    /// Skip these accounts of the organization.
    pub exclude_accounts: Vec<String>,
    /// Accounts scanned at once.
    pub concurrency: usize,
    /// Requests in flight at once within one account, for the calls made per identity.
    pub requests_per_account: usize,
    pub polling: JobPolling,
}

impl Default for AwsConfig {
    fn default() -> Self {
        AwsConfig {
            connection: Connection::default(),
            organization: None,
            accounts: Vec::new(),
            exclude_accounts: Vec::new(),
            concurrency: 4,
            requests_per_account: 8,
            polling: JobPolling::default(),
        }
    }
}

/// The role that an organization scan assumes in each member account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationScan {
    /// The role's name, the same in every account, for example
    /// `OrganizationAccountAccessRole`.
    pub role_name: String,
    pub external_id: Option<String>,
}

/// A failure that stops the whole collection. A failure within an account is not one: it
/// becomes that account's coverage.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(
        "cannot identify the AWS account of the credentials: {0}; check `--profile`, AWS_PROFILE, the AWS_* variables or the SSO session, and `--endpoint-url` for an emulator"
    )]
    Credentials(ApiError),

    #[error(
        "cannot list the accounts of the organization: {0}; run from the management account or a delegated administrator with `organizations:ListAccounts`, or name the accounts with `--accounts`"
    )]
    Organization(ApiError),

    #[error(
        "`--accounts` and `--exclude-accounts` select accounts of an organization: give `--org-role` too"
    )]
    AccountsWithoutOrganization,

    #[error("the organization has no account {}: check `--accounts`", crate::error::quoted_list(.0))]
    UnknownAccounts(Vec<String>),

    #[error("every account of the organization is excluded or suspended: nothing to scan")]
    NoAccounts,
}

/// Collects IAM from the live API.
pub async fn collect(
    config: &AwsConfig,
    progress: Arc<dyn Progress>,
) -> Result<Collection, CollectError> {
    if config.organization.is_none()
        && (!config.accounts.is_empty() || !config.exclude_accounts.is_empty())
    {
        return Err(CollectError::AccountsWithoutOrganization);
    }

    let sdk = api::load_sdk_config(&config.connection).await;
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let base_stats = CallStats::default();
    let base = Clients::new(&sdk, base_stats.clone(), &format!("{run}-caller"));
    let caller = base
        .caller_account()
        .await
        .map_err(CollectError::Credentials)?;
    tracing::debug!(account = %caller, "credentials identified");

    let targets = targets(config, &base, &caller).await?;
    tracing::info!(
        provider = "aws",
        accounts = targets.len(),
        "collection started"
    );

    let results = collect_targets(config, &sdk, run, targets, &progress).await;

    let mut outcomes = Vec::new();
    let mut stats = Vec::new();
    for (target, outcome, account_stats) in results {
        let scope = ScopeId::new(ProviderId::Aws, &target.account);
        let mut operations = account_stats.stats.operations();
        if target.account == caller {
            operations = merge(operations, base_stats.operations());
        }
        stats.push(CollectionStats {
            provider: ProviderId::Aws,
            scope,
            duration_ms: account_stats.duration_ms,
            operations,
        });
        outcomes.push((target.account, outcome));
    }
    stats.sort();

    let sources = vec![source(config)];
    let inventory = assemble(outcomes, sources);
    Ok(Collection { inventory, stats })
}

/// Returns the inventory's source: the endpoint when one is set, else `aws api`.
fn source(config: &AwsConfig) -> String {
    match &config.connection.endpoint_url {
        Some(endpoint) => format!("aws api at {endpoint}"),
        None => "aws api".to_owned(),
    }
}

/// An account to scan, and how to reach it.
#[derive(Debug, Clone)]
struct Target {
    account: String,
    /// The role to assume; `None` for the caller's own account.
    role_arn: Option<String>,
}

/// Chooses the accounts: the caller's own, or the active accounts of the organization less
/// the excluded ones. The caller's account is scanned with the caller's credentials.
async fn targets(
    config: &AwsConfig,
    base: &Clients,
    caller: &str,
) -> Result<Vec<Target>, CollectError> {
    let Some(organization) = &config.organization else {
        return Ok(vec![Target {
            account: caller.to_owned(),
            role_arn: None,
        }]);
    };

    let listed = match base.organization_accounts().await {
        Ok(listed) => listed,
        Err(error) if !config.accounts.is_empty() => {
            tracing::warn!(%error, "cannot list the organization's accounts; scanning the accounts that `--accounts` names");
            config
                .accounts
                .iter()
                .map(|id| OrganizationAccount {
                    id: id.clone(),
                    name: None,
                    active: true,
                })
                .collect()
        }
        Err(error) => return Err(CollectError::Organization(error)),
    };

    let chosen = choose_accounts(&listed, &config.accounts, &config.exclude_accounts)?;
    Ok(chosen
        .into_iter()
        .map(|account| {
            let role_arn = (account != caller)
                .then(|| format!("arn:aws:iam::{account}:role/{}", organization.role_name));
            Target { account, role_arn }
        })
        .collect())
}

fn choose_accounts(
    listed: &[OrganizationAccount],
    wanted: &[String],
    excluded: &[String],
) -> Result<Vec<String>, CollectError> {
    let known: BTreeSet<&str> = listed.iter().map(|account| account.id.as_str()).collect();
    let unknown: Vec<String> = wanted
        .iter()
        .filter(|id| !known.contains(id.as_str()))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(CollectError::UnknownAccounts(unknown));
    }

    let mut chosen = Vec::new();
    for account in listed {
        if !wanted.is_empty() && !wanted.contains(&account.id) {
            continue;
        }
        if excluded.contains(&account.id) {
            continue;
        }
        if !account.active {
            tracing::info!(account = %account.id, "skipping a suspended account");
            continue;
        }
        chosen.push(account.id.clone());
    }
    chosen.sort();
    chosen.dedup();
    if chosen.is_empty() {
        return Err(CollectError::NoAccounts);
    }
    Ok(chosen)
}

/// The call counters and wall time of one account.
struct AccountStats {
    stats: CallStats,
    duration_ms: u64,
}

/// Collects the accounts, at most `concurrency` at once.
async fn collect_targets(
    config: &AwsConfig,
    sdk: &SdkConfig,
    run: u64,
    targets: Vec<Target>,
    progress: &Arc<dyn Progress>,
) -> Vec<(Target, AccountOutcome, AccountStats)> {
    let gate = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let limits = AccountLimits {
        requests: config.requests_per_account,
        polling: config.polling,
    };
    let external_id = config
        .organization
        .as_ref()
        .and_then(|organization| organization.external_id.clone());

    let mut tasks = JoinSet::new();
    for target in targets {
        let gate = Arc::clone(&gate);
        let sdk = sdk.clone();
        let progress = Arc::clone(progress);
        let external_id = external_id.clone();
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let started = Instant::now();
            let stats = CallStats::default();
            let outcome = collect_target(
                &sdk,
                run,
                &target,
                external_id.as_deref(),
                limits,
                &stats,
                &progress,
            )
            .await;
            let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            (target, outcome, AccountStats { stats, duration_ms })
        });
    }

    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => results.push(result),
            Err(error) => tracing::error!(%error, "an account's collection task ended abnormally"),
        }
    }
    results
}

async fn collect_target(
    sdk: &SdkConfig,
    run: u64,
    target: &Target,
    external_id: Option<&str>,
    limits: AccountLimits,
    stats: &CallStats,
    progress: &Arc<dyn Progress>,
) -> AccountOutcome {
    let scope = ScopeId::new(ProviderId::Aws, &target.account);
    let partition = format!("{run}-{}", target.account);
    progress.started(&scope);
    tracing::info!(provider = "aws", account = %target.account, "account collection started");

    let clients = match &target.role_arn {
        None => Clients::new(sdk, stats.clone(), &partition),
        Some(role_arn) => {
            let base = Clients::new(sdk, stats.clone(), &partition);
            match base.assume_role(role_arn, external_id).await {
                Ok(credentials) => Clients::new(
                    &api::with_credentials(sdk, credentials),
                    stats.clone(),
                    &partition,
                ),
                Err(error) => {
                    tracing::warn!(provider = "aws", account = %target.account, %error, "cannot assume the scan role; the account is unverified");
                    progress.finished(&scope, "unverified: the role could not be assumed");
                    return AccountOutcome::Unreachable(error);
                }
            }
        }
    };

    let data = collect_account(&clients, &scope, limits, progress).await;
    let failed = [
        data.details.is_err(),
        data.report.is_err(),
        data.federation.is_err(),
        data.access_keys.is_err(),
        data.boundaries.is_err(),
        data.service_usage.is_err(),
    ]
    .into_iter()
    .filter(|failed| *failed)
    .count();
    let outcome = if failed == 0 {
        "complete".to_owned()
    } else {
        format!("{failed} of 6 parts unverified")
    };
    tracing::info!(provider = "aws", account = %target.account, outcome = %outcome, "account collection finished");
    progress.finished(&scope, &outcome);
    AccountOutcome::Collected(Box::new(data))
}

/// Adds the counts of `extra` to `operations`, by operation.
fn merge(
    operations: Vec<roster_model::OperationStats>,
    extra: Vec<roster_model::OperationStats>,
) -> Vec<roster_model::OperationStats> {
    let mut merged: std::collections::BTreeMap<String, roster_model::OperationStats> = operations
        .into_iter()
        .map(|operation| (operation.operation.clone(), operation))
        .collect();
    for operation in extra {
        merged
            .entry(operation.operation.clone())
            .and_modify(|existing| {
                existing.calls += operation.calls;
                existing.pages += operation.pages;
                existing.retries += operation.retries;
                existing.failures += operation.failures;
            })
            .or_insert(operation);
    }
    merged.into_values().collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn account(id: &str, active: bool) -> OrganizationAccount {
        OrganizationAccount {
            id: id.to_owned(),
            name: None,
            active,
        }
    }

    #[test]
    fn choose_skips_excluded_and_suspended() {
        let listed = [account("1", true), account("2", false), account("3", true)];
        let chosen = choose_accounts(&listed, &[], &["3".to_owned()]).unwrap();
        assert_eq!(chosen, ["1"]);
    }

    #[test]
    fn choose_rejects_unknown_accounts() {
        let listed = [account("1", true)];
        let error = choose_accounts(&listed, &["9".to_owned()], &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the organization has no account `9`: check `--accounts`"
        );
    }

    #[test]
    fn choose_keeps_only_wanted() {
        let listed = [account("1", true), account("2", true)];
        let chosen = choose_accounts(&listed, &["2".to_owned()], &[]).unwrap();
        assert_eq!(chosen, ["2"]);
    }
}
