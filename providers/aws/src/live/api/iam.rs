//! IAM calls: the account-authorization listing, the credential report, access keys,
//! permission boundaries, service last accessed, and federation providers.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_iam::types::{
    AccessAdvisorUsageGranularityType, JobStatusType, ReportFormatType, ReportStateType, StatusType,
};
use jiff::Timestamp;

use crate::raw;

use super::convert::{page, timestamp};
use super::{ApiError, Clients};

/// Items per page asked of IAM listings; IAM's maximum is 1,000.
const PAGE_SIZE: i32 = 1000;

/// How long to wait for an IAM report job (the credential report, service last accessed),
/// and how often to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobPolling {
    /// The wait after the first check that finds the job still running; it doubles up to
    /// `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// The job counts as timed out after this long.
    pub deadline: Duration,
}

impl Default for JobPolling {
    fn default() -> Self {
        JobPolling {
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
            deadline: Duration::from_secs(300),
        }
    }
}

/// A wait that doubles between checks of a job, up to a deadline.
struct Poll {
    polling: JobPolling,
    started: Instant,
    delay: Duration,
}

impl Poll {
    fn new(polling: JobPolling) -> Self {
        Poll {
            polling,
            started: Instant::now(),
            delay: polling.first_delay,
        }
    }

    /// Waits before the next check, or fails once the deadline has passed.
    async fn wait(&mut self, operation: &'static str) -> Result<(), ApiError> {
        if self.started.elapsed() >= self.polling.deadline {
            return Err(ApiError::TimedOut {
                operation,
                seconds: self.polling.deadline.as_secs(),
            });
        }
        tokio::time::sleep(self.delay).await;
        self.delay = (self.delay * 2).min(self.polling.max_delay);
        Ok(())
    }
}

/// The markers of a listing so far, to stop a listing whose pages loop.
struct Markers {
    operation: &'static str,
    seen: BTreeSet<String>,
}

impl Markers {
    fn new(operation: &'static str) -> Self {
        Markers {
            operation,
            seen: BTreeSet::new(),
        }
    }

    /// Returns the marker of the next page, `None` after the last page.
    fn next(&mut self, truncated: bool, marker: Option<&str>) -> Result<Option<String>, ApiError> {
        if !truncated {
            return Ok(None);
        }
        let Some(marker) = marker else {
            return Err(ApiError::invalid(
                self.operation,
                "IsTruncated is true but the page has no Marker",
            ));
        };
        if !self.seen.insert(marker.to_owned()) {
            return Err(ApiError::RepeatedMarker {
                operation: self.operation,
                marker: marker.to_owned(),
            });
        }
        Ok(Some(marker.to_owned()))
    }
}

/// The credential report as IAM returns it: the CSV and when it was generated.
#[derive(Debug, Clone)]
pub struct CredentialReportContent {
    pub csv: Vec<u8>,
    pub generated: Option<Timestamp>,
}

/// An access key of a user, with its last use as `GetAccessKeyLastUsed` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    pub active: bool,
    pub created: Option<Timestamp>,
    pub last_used: Option<Timestamp>,
    pub last_used_service: Option<String>,
    pub last_used_region: Option<String>,
}

/// One service of a service-last-accessed report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLastAccessed {
    pub namespace: String,
    pub name: String,
    pub last_authenticated: Option<Timestamp>,
    pub region: Option<String>,
    /// The actions IAM tracks for the service; `None` when it tracks none.
    pub tracked_actions: Option<Vec<TrackedAction>>,
}

/// One tracked action of a service-last-accessed report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedAction {
    pub action: String,
    pub last_accessed: Option<Timestamp>,
    pub region: Option<String>,
}

/// The ARNs of the account's OIDC and SAML identity providers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FederationProviders {
    pub oidc: Vec<String>,
    pub saml: Vec<String>,
}

impl Clients {
    /// Lists the account's users, groups, roles and managed policies, page by page.
    pub async fn authorization_details(&self) -> Result<Vec<raw::Page>, ApiError> {
        const OPERATION: &str = "iam:GetAccountAuthorizationDetails";
        let mut markers = Markers::new(OPERATION);
        let mut pages = Vec::new();
        let mut marker = None;
        loop {
            let result = self
                .iam
                .get_account_authorization_details()
                .set_marker(marker.take())
                .max_items(PAGE_SIZE)
                .send()
                .await;
            let output = self.record(OPERATION, true, result)?;
            let next = markers.next(output.is_truncated(), output.marker())?;
            pages.push(page(output)?);
            tracing::trace!(operation = OPERATION, page = pages.len(), "page received");
            match next {
                Some(next) => marker = Some(next),
                None => return Ok(pages),
            }
        }
    }

    /// Generates the credential report, waits for it, and reads it.
    pub async fn credential_report(
        &self,
        polling: JobPolling,
    ) -> Result<CredentialReportContent, ApiError> {
        const GENERATE: &str = "iam:GenerateCredentialReport";
        const GET: &str = "iam:GetCredentialReport";
        let mut poll = Poll::new(polling);
        loop {
            let result = self.iam.generate_credential_report().send().await;
            let output = self.record(GENERATE, false, result)?;
            if output.state() == Some(&ReportStateType::Complete) {
                break;
            }
            poll.wait(GENERATE).await?;
        }

        let result = self.iam.get_credential_report().send().await;
        let output = self.record(GET, false, result)?;
        if let Some(format) = output.report_format()
            && *format != ReportFormatType::TextCsv
        {
            return Err(ApiError::invalid(
                GET,
                format!(
                    "unsupported report format `{}`: expected `text/csv`",
                    format.as_str()
                ),
            ));
        }
        let Some(content) = output.content() else {
            return Err(ApiError::invalid(GET, "the report has no Content"));
        };
        Ok(CredentialReportContent {
            csv: content.as_ref().to_vec(),
            generated: output.generated_time().and_then(timestamp),
        })
    }

    /// Lists a user's access keys.
    pub async fn access_keys(&self, user: &str) -> Result<Vec<AccessKey>, ApiError> {
        const OPERATION: &str = "iam:ListAccessKeys";
        let mut markers = Markers::new(OPERATION);
        let mut keys = Vec::new();
        let mut marker = None;
        loop {
            let result = self
                .iam
                .list_access_keys()
                .user_name(user)
                .set_marker(marker.take())
                .max_items(PAGE_SIZE)
                .send()
                .await;
            let output = self.record(OPERATION, true, result)?;
            for metadata in output.access_key_metadata() {
                let Some(id) = metadata.access_key_id() else {
                    return Err(ApiError::invalid(
                        OPERATION,
                        format!("an access key of user `{user}` has no AccessKeyId"),
                    ));
                };
                keys.push(AccessKey {
                    id: id.to_owned(),
                    active: metadata.status() == Some(&StatusType::Active),
                    created: metadata.create_date().and_then(timestamp),
                    last_used: None,
                    last_used_service: None,
                    last_used_region: None,
                });
            }
            match markers.next(output.is_truncated(), output.marker())? {
                Some(next) => marker = Some(next),
                None => return Ok(keys),
            }
        }
    }

    /// Fills in when an access key was last used, and where.
    pub async fn access_key_last_used(&self, key: &mut AccessKey) -> Result<(), ApiError> {
        const OPERATION: &str = "iam:GetAccessKeyLastUsed";
        let result = self
            .iam
            .get_access_key_last_used()
            .access_key_id(&key.id)
            .send()
            .await;
        let output = self.record(OPERATION, false, result)?;
        let Some(used) = output.access_key_last_used() else {
            return Ok(());
        };
        key.last_used = used.last_used_date().and_then(timestamp);
        key.last_used_service = known(used.service_name());
        key.last_used_region = known(used.region());
        Ok(())
    }

    /// Returns the ARN of a role's permission boundary, `None` when it has none.
    pub async fn role_boundary(&self, role: &str) -> Result<Option<String>, ApiError> {
        const OPERATION: &str = "iam:GetRole";
        let result = self.iam.get_role().role_name(role).send().await;
        let output = self.record(OPERATION, false, result)?;
        let Some(role) = output.role() else {
            return Err(ApiError::invalid(OPERATION, "the response has no Role"));
        };
        Ok(role
            .permissions_boundary()
            .and_then(|boundary| boundary.permissions_boundary_arn())
            .map(str::to_owned))
    }

    /// Returns the ARN of a user's permission boundary, `None` when it has none.
    pub async fn user_boundary(&self, user: &str) -> Result<Option<String>, ApiError> {
        const OPERATION: &str = "iam:GetUser";
        let result = self.iam.get_user().user_name(user).send().await;
        let output = self.record(OPERATION, false, result)?;
        let Some(user) = output.user() else {
            return Err(ApiError::invalid(OPERATION, "the response has no User"));
        };
        Ok(user
            .permissions_boundary()
            .and_then(|boundary| boundary.permissions_boundary_arn())
            .map(str::to_owned))
    }

    /// Runs a service-last-accessed job at action level for a role or user and reads its
    /// report: the services the identity's policies allow, and when each was last used.
    pub async fn service_last_accessed(
        &self,
        arn: &str,
        polling: JobPolling,
    ) -> Result<Vec<ServiceLastAccessed>, ApiError> {
        const GENERATE: &str = "iam:GenerateServiceLastAccessedDetails";
        let result = self
            .iam
            .generate_service_last_accessed_details()
            .arn(arn)
            .granularity(AccessAdvisorUsageGranularityType::ActionLevel)
            .send()
            .await;
        let output = self.record(GENERATE, false, result)?;
        let Some(job) = output.job_id() else {
            return Err(ApiError::invalid(GENERATE, "the response has no JobId"));
        };

        self.service_last_accessed_report(job, polling).await
    }

    async fn service_last_accessed_report(
        &self,
        job: &str,
        polling: JobPolling,
    ) -> Result<Vec<ServiceLastAccessed>, ApiError> {
        const OPERATION: &str = "iam:GetServiceLastAccessedDetails";
        let mut poll = Poll::new(polling);
        let mut markers = Markers::new(OPERATION);
        let mut services = Vec::new();
        let mut marker = None;
        loop {
            let result = self
                .iam
                .get_service_last_accessed_details()
                .job_id(job)
                .set_marker(marker.take())
                .max_items(PAGE_SIZE)
                .send()
                .await;
            let output = self.record(OPERATION, true, result)?;
            match output.job_status() {
                JobStatusType::Completed => {}
                JobStatusType::InProgress => {
                    poll.wait(OPERATION).await?;
                    continue;
                }
                other => {
                    let detail = output
                        .error()
                        .map(|error| format!(": {}: {}", error.code(), error.message()))
                        .unwrap_or_default();
                    return Err(ApiError::invalid(
                        OPERATION,
                        format!("job `{job}` ended with status {}{detail}", other.as_str()),
                    ));
                }
            }

            services.extend(output.services_last_accessed().iter().map(service));
            match markers.next(output.is_truncated(), output.marker())? {
                Some(next) => marker = Some(next),
                None => return Ok(services),
            }
        }
    }

    /// Lists the account's OIDC and SAML identity providers.
    pub async fn federation_providers(&self) -> Result<FederationProviders, ApiError> {
        let result = self.iam.list_open_id_connect_providers().send().await;
        let oidc = self.record("iam:ListOpenIDConnectProviders", true, result)?;
        let result = self.iam.list_saml_providers().send().await;
        let saml = self.record("iam:ListSAMLProviders", true, result)?;

        let mut providers = FederationProviders {
            oidc: oidc
                .open_id_connect_provider_list()
                .iter()
                .filter_map(|entry| entry.arn().map(str::to_owned))
                .collect(),
            saml: saml
                .saml_provider_list()
                .iter()
                .filter_map(|entry| entry.arn().map(str::to_owned))
                .collect(),
        };
        providers.oidc.sort();
        providers.saml.sort();
        Ok(providers)
    }
}

fn service(raw: &aws_sdk_iam::types::ServiceLastAccessed) -> ServiceLastAccessed {
    let tracked = raw.tracked_actions_last_accessed();
    let tracked_actions = (!tracked.is_empty()).then(|| {
        tracked
            .iter()
            .filter_map(|action| {
                Some(TrackedAction {
                    action: action.action_name()?.to_owned(),
                    last_accessed: action.last_accessed_time().and_then(timestamp),
                    region: action.last_accessed_region().map(str::to_owned),
                })
            })
            .collect()
    });
    ServiceLastAccessed {
        namespace: raw.service_namespace().to_owned(),
        name: raw.service_name().to_owned(),
        last_authenticated: raw.last_authenticated().and_then(timestamp),
        region: raw.last_authenticated_region().map(str::to_owned),
        tracked_actions,
    }
}

/// Returns a value of `GetAccessKeyLastUsed`, which writes `N/A` for a key never used.
fn known(value: &str) -> Option<String> {
    (!value.is_empty() && value != "N/A").then(|| value.to_owned())
}
