//! `--provider`: collection from live provider APIs, with its flags, the async runtime, and
//! progress bars on stderr when stderr is a terminal.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use roster_model::{CollectionStats, Inventory, ProviderId, ScopeId};
use roster_provider::{Collector as _, NoProgress, Progress};
use roster_provider_aws::{
    AwsConfig, AwsProvider, Connection, OrganizationScan, RetryMode, RetrySettings,
};
use roster_provider_gcp::{GcpConfig, GcpCredentials, GcpProvider};

/// The flags of live collection.
#[derive(Debug, Clone, Args)]
pub struct LiveArgs {
    /// Collect from this provider's live API: `aws` or `gcp`. Repeatable.
    #[arg(
        long = "provider",
        value_name = "PROVIDER",
        env = "ROSTER_PROVIDER",
        value_delimiter = ','
    )]
    pub providers: Vec<ProviderId>,

    /// The AWS profile whose credentials to use, from ~/.aws/config and ~/.aws/credentials;
    /// the default is AWS_PROFILE or the default credential chain.
    #[arg(long, value_name = "NAME", env = "ROSTER_PROFILE")]
    pub profile: Option<String>,

    /// The AWS region to sign requests for; the default is AWS_REGION or the profile's
    /// region, and `us-east-1` when neither is set.
    #[arg(long, value_name = "REGION", env = "ROSTER_REGION")]
    pub region: Option<String>,

    /// Send every AWS request to this URL, for an emulator such as moto; AWS_ENDPOINT_URL
    /// is honoured too.
    #[arg(long, value_name = "URL", env = "ROSTER_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,

    /// Scan every account of the AWS organization by assuming this role in each, for example
    /// `OrganizationAccountAccessRole`. The caller's own account is scanned with the
    /// caller's credentials.
    #[arg(long, value_name = "NAME", env = "ROSTER_ORG_ROLE")]
    pub org_role: Option<String>,

    /// The external id that the `--org-role` trust policies require.
    #[arg(
        long,
        value_name = "ID",
        env = "ROSTER_EXTERNAL_ID",
        requires = "org_role"
    )]
    pub external_id: Option<String>,

    /// Scan only these accounts of the organization (12-digit ids, comma-separated).
    #[arg(long, value_name = "IDS", env = "ROSTER_ACCOUNTS", value_delimiter = ',', value_parser = parse_account_id)]
    pub accounts: Vec<String>,

    /// Skip these accounts of the organization (12-digit ids, comma-separated).
    #[arg(long, value_name = "IDS", env = "ROSTER_EXCLUDE_ACCOUNTS", value_delimiter = ',', value_parser = parse_account_id)]
    pub exclude_accounts: Vec<String>,

    /// Accounts scanned at once.
    #[arg(long, value_name = "N", default_value_t = 4, env = "ROSTER_CONCURRENCY", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// Attempts per API call, the first included, before a throttled or failed call leaves
    /// its part of the scan unverified.
    #[arg(long, value_name = "N", default_value_t = 5, env = "ROSTER_MAX_ATTEMPTS", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,

    /// The retry mode of throttled AWS calls. `adaptive` also slows every later call of the
    /// account after throttling, to as low as one request every two seconds, which spares an
    /// account that other tools share. `standard` only backs off the call that was throttled.
    #[arg(
        long,
        value_enum,
        value_name = "MODE",
        default_value = "adaptive",
        env = "ROSTER_RETRY_MODE"
    )]
    pub retry_mode: RetryModeArg,

    /// A GCP project to collect, by project id. Repeatable.
    #[arg(
        long = "gcp-project",
        value_name = "ID",
        env = "ROSTER_GCP_PROJECT",
        value_delimiter = ','
    )]
    pub gcp_projects: Vec<String>,

    /// A GCP folder to collect with every project below it, `123` or `folders/123`.
    /// Repeatable.
    #[arg(
        long = "gcp-folder",
        value_name = "FOLDER",
        env = "ROSTER_GCP_FOLDER",
        value_delimiter = ','
    )]
    pub gcp_folders: Vec<String>,

    /// A GCP organization to collect with every project below it, `456` or
    /// `organizations/456`. Repeatable.
    #[arg(
        long = "gcp-organization",
        value_name = "ORGANIZATION",
        env = "ROSTER_GCP_ORGANIZATION",
        value_delimiter = ','
    )]
    pub gcp_organizations: Vec<String>,

    /// Impersonate this GCP service account, with Application Default Credentials as the
    /// caller that needs `roles/iam.serviceAccountTokenCreator` on it.
    #[arg(
        long = "gcp-impersonate",
        value_name = "EMAIL",
        env = "ROSTER_GCP_IMPERSONATE"
    )]
    pub gcp_impersonate: Option<String>,

    /// Send every GCP API request to this base URL instead of Google's endpoints, for a
    /// local test server.
    #[arg(long = "gcp-endpoint", value_name = "URL", env = "ROSTER_GCP_ENDPOINT")]
    pub gcp_endpoint: Option<String>,

    /// Send GCP requests without credentials, to a local test server given with
    /// `--gcp-endpoint`.
    #[arg(
        long = "gcp-anonymous",
        env = "ROSTER_GCP_ANONYMOUS",
        requires = "gcp_endpoint",
        conflicts_with = "gcp_impersonate"
    )]
    pub gcp_anonymous: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RetryModeArg {
    Adaptive,
    Standard,
}

/// The inventories and call statistics of the live providers.
#[derive(Debug, Default)]
pub struct Collected {
    pub inventories: Vec<Inventory>,
    pub stats: Vec<CollectionStats>,
}

/// Collects from every `--provider`.
pub fn collect(args: &LiveArgs) -> anyhow::Result<Collected> {
    let mut collected = Collected::default();
    if args.providers.is_empty() {
        return Ok(collected);
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let progress = progress();

    let mut providers = args.providers.clone();
    providers.sort();
    providers.dedup();
    for provider in providers {
        match provider {
            ProviderId::Aws => {
                let config = aws_config(args);
                let collection = runtime
                    .block_on(AwsProvider.collect(&config, Arc::clone(&progress)))
                    .context("AWS collection failed")?;
                collected.inventories.push(collection.inventory);
                collected.stats.extend(collection.stats);
            }
            ProviderId::Gcp => {
                let collection = runtime
                    .block_on(GcpProvider.collect(&gcp_config(args), Arc::clone(&progress)))
                    .context("GCP collection failed")?;
                collected.inventories.push(collection.inventory);
                collected.stats.extend(collection.stats);
            }
            other => bail!(
                "provider `{other}` cannot collect from its live API in this build: import its exports with `--import {other}=PATH`"
            ),
        }
    }
    Ok(collected)
}

fn gcp_config(args: &LiveArgs) -> GcpConfig {
    let credentials = match (&args.gcp_impersonate, args.gcp_anonymous) {
        (_, true) => GcpCredentials::Anonymous,
        (Some(email), false) => GcpCredentials::Impersonate {
            service_account: email.clone(),
        },
        (None, false) => GcpCredentials::ApplicationDefault,
    };
    GcpConfig {
        projects: args.gcp_projects.clone(),
        folders: args.gcp_folders.clone(),
        organizations: args.gcp_organizations.clone(),
        endpoint: args.gcp_endpoint.clone(),
        credentials,
        retry: roster_provider_gcp::RetrySettings {
            max_attempts: args.max_attempts,
            ..roster_provider_gcp::RetrySettings::default()
        },
        concurrency: usize::from(args.concurrency),
        ..GcpConfig::default()
    }
}

fn aws_config(args: &LiveArgs) -> AwsConfig {
    AwsConfig {
        connection: Connection {
            profile: args.profile.clone(),
            region: args.region.clone(),
            endpoint_url: args.endpoint_url.clone(),
            retry: RetrySettings {
                mode: match args.retry_mode {
                    RetryModeArg::Adaptive => RetryMode::Adaptive,
                    RetryModeArg::Standard => RetryMode::Standard,
                },
                max_attempts: args.max_attempts,
                ..RetrySettings::default()
            },
            credentials: None,
        },
        organization: args.org_role.clone().map(|role_name| OrganizationScan {
            role_name,
            external_id: args.external_id.clone(),
        }),
        accounts: args.accounts.clone(),
        exclude_accounts: args.exclude_accounts.clone(),
        concurrency: usize::from(args.concurrency),
        ..AwsConfig::default()
    }
}

fn parse_account_id(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.len() == 12 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not an AWS account id: expected 12 digits"
        ))
    }
}

/// Returns progress bars on stderr when it is a terminal, and no progress otherwise.
fn progress() -> Arc<dyn Progress> {
    if !std::io::stderr().is_terminal() {
        return Arc::new(NoProgress);
    }
    Arc::new(Bars {
        multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
        bars: Mutex::new(BTreeMap::new()),
    })
}

/// One progress bar per scope.
struct Bars {
    multi: MultiProgress,
    bars: Mutex<BTreeMap<ScopeId, ProgressBar>>,
}

impl Bars {
    fn with_bar(&self, scope: &ScopeId, action: impl FnOnce(&ProgressBar)) {
        let bars = self.bars.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(bar) = bars.get(scope) {
            action(bar);
        }
    }
}

impl Progress for Bars {
    fn started(&self, scope: &ScopeId) {
        let bar = self.multi.add(ProgressBar::new(0));
        let style = ProgressStyle::with_template("{prefix:>18} {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(scope.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        self.bars
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(scope.clone(), bar);
    }

    fn add_work(&self, scope: &ScopeId, units: u64) {
        self.with_bar(scope, |bar| bar.inc_length(units));
    }

    fn advance(&self, scope: &ScopeId, stage: &str) {
        self.with_bar(scope, |bar| {
            bar.set_message(stage.to_owned());
            bar.inc(1);
        });
    }

    fn finished(&self, scope: &ScopeId, outcome: &str) {
        self.with_bar(scope, |bar| bar.finish_with_message(outcome.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn account_id_needs_twelve_digits() {
        assert_eq!(parse_account_id("111122223333").unwrap(), "111122223333");
        assert_eq!(
            parse_account_id("1111").unwrap_err(),
            "`1111` is not an AWS account id: expected 12 digits"
        );
    }
}
