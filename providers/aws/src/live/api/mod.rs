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
use aws_sdk_iam::config::retry::RetryPartition;
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

/// Retry settings for throttled and failed calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySettings {
    pub mode: RetryMode,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// The base of the exponential backoff with jitter between attempts.
    pub initial_backoff: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            mode: RetryMode::Adaptive,
            max_attempts: 5,
            initial_backoff: Duration::from_secs(1),
        }
    }
}

/// The SDK's retry modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryMode {
    /// Backoff with jitter, and after a throttling error a client-side limit on the send rate
    /// that starts as low as one request every two seconds and recovers over time. It spares
    /// an account that is being throttled, at the cost of a slower scan.
    Adaptive,
    /// Backoff with jitter only.
    Standard,
}

/// The connection to AWS (profile, region, endpoint, retries and credentials) before any
/// account is chosen.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub retry: RetrySettings,
    /// Keys to use instead of the default credential chain, for programs that embed the
    /// collector and for tests; the `roster` binary leaves this unset.
    pub credentials: Option<StaticCredentials>,
}

/// An access key pair, with a session token for temporary credentials.
#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .finish_non_exhaustive()
    }
}

/// Loads the SDK configuration through aws-config's default chain: environment, profiles,
/// SSO, web identity, container and instance credentials. `AWS_ENDPOINT_URL` is read there too,
/// and an explicit endpoint takes precedence over it.
pub async fn load_sdk_config(connection: &Connection) -> SdkConfig {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(TlsProvider::Rustls(CryptoMode::Ring))
        .build_https();
    let retry = match connection.retry.mode {
        RetryMode::Adaptive => RetryConfig::adaptive(),
        RetryMode::Standard => RetryConfig::standard(),
    };
    let retry = retry
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
    if let Some(keys) = &connection.credentials {
        loader = loader.credentials_provider(Credentials::new(
            keys.access_key_id.clone(),
            keys.secret_access_key.clone(),
            keys.session_token.clone(),
            None,
            "roster-static-credentials",
        ));
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
    /// Builds the clients of one account; their calls are counted in `stats`. IAM throttles
    /// each account on its own, so the retry state (the adaptive mode's send rate and the
    /// retry budget) is kept per `partition`, one per account and collection, rather than
    /// shared by every client of the process.
    pub fn new(sdk: &SdkConfig, stats: CallStats, partition: &str) -> Self {
        let partition = RetryPartition::new(format!("roster-{partition}"));
        let iam = aws_sdk_iam::config::Builder::from(sdk)
            .interceptor(stats.interceptor())
            .retry_partition(partition.clone())
            .build();
        let sts = aws_sdk_sts::config::Builder::from(sdk)
            .interceptor(stats.interceptor())
            .retry_partition(partition.clone())
            .build();
        let organizations = aws_sdk_organizations::config::Builder::from(sdk)
            .interceptor(stats.interceptor())
            .retry_partition(partition)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use aws_config::retry::RetryMode as SdkRetryMode;

    use super::*;

    fn connection(mode: RetryMode) -> Connection {
        Connection {
            region: Some("eu-west-1".to_owned()),
            endpoint_url: Some("http://127.0.0.1:9".to_owned()),
            retry: RetrySettings {
                mode,
                ..RetrySettings::default()
            },
            credentials: Some(StaticCredentials {
                access_key_id: "AKIDEXAMPLE".to_owned(),
                secret_access_key: "secret".to_owned(),
                session_token: None,
            }),
            ..Connection::default()
        }
    }

    #[tokio::test]
    async fn default_retry_is_adaptive_and_bounded() {
        let sdk = load_sdk_config(&connection(RetrySettings::default().mode)).await;

        let retry = sdk.retry_config().unwrap();
        assert_eq!(retry.mode(), SdkRetryMode::Adaptive);
        assert_eq!(retry.max_attempts(), 5);
        assert_eq!(sdk.region().unwrap().as_ref(), "eu-west-1");
        assert_eq!(sdk.endpoint_url(), Some("http://127.0.0.1:9"));
    }

    #[tokio::test]
    async fn standard_retry_mode_is_kept() {
        let sdk = load_sdk_config(&connection(RetryMode::Standard)).await;

        assert_eq!(sdk.retry_config().unwrap().mode(), SdkRetryMode::Standard);
    }

    #[test]
    fn static_credentials_debug_hides_secret() {
        let keys = StaticCredentials {
            access_key_id: "AKIDEXAMPLE".to_owned(),
            secret_access_key: "wJalrXUtnFEMI".to_owned(),
            session_token: None,
        };
        let text = format!("{keys:?}");
        assert!(!text.contains("wJalrXUtnFEMI"), "{text}");
    }
}
