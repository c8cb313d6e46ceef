//! The API layer: the only code that touches the AWS SDK. It loads the SDK configuration,
//! builds one set of clients per account, makes the calls with paging, and returns the
//! crate's raw shapes or an [`ApiError`].

mod convert;
mod error;
mod iam;
mod organizations;
mod stats;
mod sts;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::config::{Credentials, SharedCredentialsProvider};
use aws_smithy_http_client::tls::Provider as TlsProvider;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub use error::ApiError;
pub use iam::{
    AccessKey, CredentialReportContent, FederationProviders, JobPolling, ServiceLastAccessed,
    TrackedAction,
};
pub use organizations::OrganizationAccount;
pub use stats::CallStats;

/// IAM is a global service whose requests are signed for this region in the `aws` partition.
const DEFAULT_REGION: &str = "us-east-1";

/// How the SDK retries throttled and failed calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySettings {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// The base of the exponential backoff with jitter between attempts.
    pub initial_backoff: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            max_attempts: 5,
            initial_backoff: Duration::from_secs(1),
        }
    }
}

/// Where and how to reach AWS, before any account is chosen.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub retry: RetrySettings,
}

/// Loads the SDK configuration through aws-config's default chain: environment, profiles,
/// SSO, web identity, container and instance credentials. `AWS_ENDPOINT_URL` is read there too,
/// and an explicit endpoint takes precedence over it.
pub async fn load_sdk_config(connection: &Connection) -> SdkConfig {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(TlsProvider::Rustls(CryptoMode::Ring))
        .build_https();
    let retry = RetryConfig::adaptive()
        .with_max_attempts(connection.retry.max_attempts.max(1))
        .with_initial_backoff(connection.retry.initial_backoff);
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(60))
        .build();

    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client)
        .retry_config(retry)
        .timeout_config(timeouts);
    if let Some(profile) = &connection.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(endpoint) = &connection.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(region) = &connection.region {
        loader = loader.region(Region::new(region.clone()));
    }
    let mut sdk = loader.load().await;

    if sdk.region().is_none() {
        tracing::debug!(
            region = DEFAULT_REGION,
            "no region configured; signing for the default region"
        );
        sdk = sdk.to_builder().region(Region::new(DEFAULT_REGION)).build();
    }
    sdk
}

/// The clients of one account, sharing one set of call counters.
#[derive(Debug, Clone)]
pub struct Clients {
    iam: aws_sdk_iam::Client,
    sts: aws_sdk_sts::Client,
    organizations: aws_sdk_organizations::Client,
    stats: CallStats,
}

impl Clients {
    /// Builds the clients of one account; their calls are counted in `stats`.
    pub fn new(sdk: &SdkConfig, stats: CallStats) -> Self {
        let iam = aws_sdk_iam::config::Builder::from(sdk)
            .interceptor(stats.interceptor())
            .build();
        let sts = aws_sdk_sts::config::Builder::from(sdk)
            .interceptor(stats.interceptor())
            .build();
        let organizations = aws_sdk_organizations::config::Builder::from(sdk)
            .interceptor(stats.interceptor())
            .build();
        Clients {
            iam: aws_sdk_iam::Client::from_conf(iam),
            sts: aws_sdk_sts::Client::from_conf(sts),
            organizations: aws_sdk_organizations::Client::from_conf(organizations),
            stats,
        }
    }

    /// Records the outcome of one call in the counters and sorts its error.
    fn record<T, E>(
        &self,
        operation: &'static str,
        page: bool,
        result: Result<T, SdkError<E, HttpResponse>>,
    ) -> Result<T, ApiError>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match result {
            Ok(output) => {
                self.stats.succeeded(operation, page);
                Ok(output)
            }
            Err(error) => {
                self.stats.failed(operation);
                let error = ApiError::from_sdk(operation, error);
                tracing::debug!(%error, "call failed");
                Err(error)
            }
        }
    }
}

/// Returns the SDK configuration with the credentials of an assumed role.
pub fn with_credentials(sdk: &SdkConfig, credentials: Credentials) -> SdkConfig {
    sdk.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build()
}
