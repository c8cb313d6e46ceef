//! The API layer: the only code that touches the Google Cloud clients and HTTP.
//!
//! IAM and Resource Manager calls go through the official clients
//! (`google-cloud-iam-admin-v1`, `google-cloud-resourcemanager-v3`), built with their own
//! retries off so that [`CallStats::run`] retries and counts every attempt. Policy Analyzer
//! has no Rust client, so its activity query is a plain HTTPS call with the same
//! credentials. Every response is returned as the JSON the API sends, which the crate's raw
//! types read, the same types that read exports.

use std::collections::BTreeSet;
use std::time::Duration;

use google_cloud_auth::credentials::{CacheableResource, Credentials};
use google_cloud_gax::error::Error as GaxError;
use google_cloud_gax::error::rpc::Code;
use google_cloud_gax::retry_policy::NeverRetry;
use google_cloud_iam_admin_v1::client::Iam;
use google_cloud_iam_admin_v1::model::RoleView;
use google_cloud_iam_v1::model::GetPolicyOptions;
use google_cloud_resourcemanager_v3::client::{Folders, Organizations, Projects};
use serde::Serialize;
use serde_json::Value;

use crate::live::CollectError;
use crate::live::calls::{CallError, CallStats, Failure, RetrySettings};

const IAM_ENDPOINT: &str = "https://iam.googleapis.com";
const RESOURCE_MANAGER_ENDPOINT: &str = "https://cloudresourcemanager.googleapis.com";
const POLICY_ANALYZER_ENDPOINT: &str = "https://policyanalyzer.googleapis.com";

/// IAM policies are read with this version, so conditional bindings keep their conditions.
const POLICY_VERSION: i32 = 3;

/// The largest page the listings ask for.
const PAGE_SIZE: i32 = 100;

/// The Policy Analyzer activity types Roster reads.
pub(crate) const ACCOUNT_ACTIVITY: &str = "serviceAccountLastAuthentication";
pub(crate) const KEY_ACTIVITY: &str = "serviceAccountKeyLastAuthentication";

/// The clients, the credentials they share, and the retry settings.
pub(crate) struct Api {
    iam: Iam,
    projects: Projects,
    folders: Folders,
    organizations: Organizations,
    http: reqwest::Client,
    credentials: Credentials,
    analyzer_endpoint: String,
    retry: RetrySettings,
}

impl Api {
    /// Builds the clients. `endpoint` sends every API to one base URL, for a local test
    /// server; `None` uses Google's endpoints.
    pub async fn new(
        credentials: Credentials,
        endpoint: Option<&str>,
        retry: RetrySettings,
    ) -> Result<Api, CollectError> {
        let iam_endpoint = endpoint.unwrap_or(IAM_ENDPOINT).to_owned();
        let manager_endpoint = endpoint.unwrap_or(RESOURCE_MANAGER_ENDPOINT).to_owned();
        let setup = |client: &'static str| {
            move |error: google_cloud_gax::client_builder::Error| CollectError::Setup {
                client,
                message: error.to_string(),
            }
        };

        let iam = Iam::builder()
            .with_endpoint(iam_endpoint)
            .with_credentials(credentials.clone())
            .with_retry_policy(NeverRetry)
            .build()
            .await
            .map_err(setup("IAM"))?;
        let projects = Projects::builder()
            .with_endpoint(manager_endpoint.clone())
            .with_credentials(credentials.clone())
            .with_retry_policy(NeverRetry)
            .build()
            .await
            .map_err(setup("Resource Manager projects"))?;
        let folders = Folders::builder()
            .with_endpoint(manager_endpoint.clone())
            .with_credentials(credentials.clone())
            .with_retry_policy(NeverRetry)
            .build()
            .await
            .map_err(setup("Resource Manager folders"))?;
        let organizations = Organizations::builder()
            .with_endpoint(manager_endpoint)
            .with_credentials(credentials.clone())
            .with_retry_policy(NeverRetry)
            .build()
            .await
            .map_err(setup("Resource Manager organizations"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|error| CollectError::Setup {
                client: "Policy Analyzer",
                message: error.to_string(),
            })?;

        Ok(Api {
            iam,
            projects,
            folders,
            organizations,
            http,
            credentials,
            analyzer_endpoint: endpoint
                .unwrap_or(POLICY_ANALYZER_ENDPOINT)
                .trim_end_matches('/')
                .to_owned(),
            retry,
        })
    }

    pub async fn get_project(&self, stats: &CallStats, name: &str) -> Result<Value, CallError> {
        let response = stats
            .run(
                &self.retry,
                "resourcemanager.projects.get",
                false,
                || async {
                    self.projects
                        .get_project()
                        .set_name(name)
                        .send()
                        .await
                        .map_err(failure)
                },
            )
            .await?;
        to_json(&response)
    }

    pub async fn get_folder(&self, stats: &CallStats, name: &str) -> Result<Value, CallError> {
        let response = stats
            .run(
                &self.retry,
                "resourcemanager.folders.get",
                false,
                || async {
                    self.folders
                        .get_folder()
                        .set_name(name)
                        .send()
                        .await
                        .map_err(failure)
                },
            )
            .await?;
        to_json(&response)
    }

    pub async fn get_organization(
        &self,
        stats: &CallStats,
        name: &str,
    ) -> Result<Value, CallError> {
        let response = stats
            .run(
                &self.retry,
                "resourcemanager.organizations.get",
                false,
                || async {
                    self.organizations
                        .get_organization()
                        .set_name(name)
                        .send()
                        .await
                        .map_err(failure)
                },
            )
            .await?;
        to_json(&response)
    }

    /// Lists the projects directly under a folder or an organization.
    pub async fn list_projects(
        &self,
        stats: &CallStats,
        parent: &str,
    ) -> Result<Vec<Value>, CallError> {
        let mut items = Vec::new();
        let mut pages = PageTokens::default();
        loop {
            let token = pages.current();
            let response = stats
                .run(
                    &self.retry,
                    "resourcemanager.projects.list",
                    true,
                    || async {
                        self.projects
                            .list_projects()
                            .set_parent(parent)
                            .set_page_size(PAGE_SIZE)
                            .set_page_token(token.clone())
                            .send()
                            .await
                            .map_err(failure)
                    },
                )
                .await?;
            items.extend(each_json(&response.projects)?);
            if !pages.advance(&response.next_page_token)? {
                return Ok(items);
            }
        }
    }

    /// Lists the folders directly under a folder or an organization.
    pub async fn list_folders(
        &self,
        stats: &CallStats,
        parent: &str,
    ) -> Result<Vec<Value>, CallError> {
        let mut items = Vec::new();
        let mut pages = PageTokens::default();
        loop {
            let token = pages.current();
            let response = stats
                .run(
                    &self.retry,
                    "resourcemanager.folders.list",
                    true,
                    || async {
                        self.folders
                            .list_folders()
                            .set_parent(parent)
                            .set_page_size(PAGE_SIZE)
                            .set_page_token(token.clone())
                            .send()
                            .await
                            .map_err(failure)
                    },
                )
                .await?;
            items.extend(each_json(&response.folders)?);
            if !pages.advance(&response.next_page_token)? {
                return Ok(items);
            }
        }
    }

    /// Reads the IAM policy of `projects/<p>`, `folders/<n>`, `organizations/<n>` or
    /// `projects/<p>/serviceAccounts/<email>`, asking for version 3.
    pub async fn get_iam_policy(
        &self,
        stats: &CallStats,
        resource: &str,
    ) -> Result<Value, CallError> {
        let options = || GetPolicyOptions::new().set_requested_policy_version(POLICY_VERSION);
        let policy = if resource.contains("/serviceAccounts/") {
            stats
                .run(
                    &self.retry,
                    "iam.serviceAccounts.getIamPolicy",
                    false,
                    || async {
                        self.iam
                            .get_iam_policy()
                            .set_resource(resource)
                            .set_options(options())
                            .send()
                            .await
                            .map_err(failure)
                    },
                )
                .await?
        } else if resource.starts_with("folders/") {
            stats
                .run(
                    &self.retry,
                    "resourcemanager.folders.getIamPolicy",
                    false,
                    || async {
                        self.folders
                            .get_iam_policy()
                            .set_resource(resource)
                            .set_options(options())
                            .send()
                            .await
                            .map_err(failure)
                    },
                )
                .await?
        } else if resource.starts_with("organizations/") {
            stats
                .run(
                    &self.retry,
                    "resourcemanager.organizations.getIamPolicy",
                    false,
                    || async {
                        self.organizations
                            .get_iam_policy()
                            .set_resource(resource)
                            .set_options(options())
                            .send()
                            .await
                            .map_err(failure)
                    },
                )
                .await?
        } else {
            stats
                .run(
                    &self.retry,
                    "resourcemanager.projects.getIamPolicy",
                    false,
                    || async {
                        self.projects
                            .get_iam_policy()
                            .set_resource(resource)
                            .set_options(options())
                            .send()
                            .await
                            .map_err(failure)
                    },
                )
                .await?
        };
        to_json(&policy)
    }

    pub async fn list_service_accounts(
        &self,
        stats: &CallStats,
        project: &str,
    ) -> Result<Vec<Value>, CallError> {
        let name = format!("projects/{project}");
        let mut items = Vec::new();
        let mut pages = PageTokens::default();
        loop {
            let token = pages.current();
            let response = stats
                .run(&self.retry, "iam.serviceAccounts.list", true, || async {
                    self.iam
                        .list_service_accounts()
                        .set_name(&name)
                        .set_page_size(PAGE_SIZE)
                        .set_page_token(token.clone())
                        .send()
                        .await
                        .map_err(failure)
                })
                .await?;
            items.extend(each_json(&response.accounts)?);
            if !pages.advance(&response.next_page_token)? {
                return Ok(items);
            }
        }
    }

    /// Lists the keys of a service account, `projects/<p>/serviceAccounts/<email>`, of
    /// both types; the listing has no pages.
    pub async fn list_keys(
        &self,
        stats: &CallStats,
        account: &str,
    ) -> Result<Vec<Value>, CallError> {
        let response = stats
            .run(&self.retry, "iam.serviceAccountKeys.list", true, || async {
                self.iam
                    .list_service_account_keys()
                    .set_name(account)
                    .send()
                    .await
                    .map_err(failure)
            })
            .await?;
        response
            .keys
            .iter()
            .map(|key| {
                // The client writes enums as numbers; the key type is needed by name, as the
                // API and exports write it.
                let mut value = to_json(key)?;
                if let (Some(object), Some(name)) = (value.as_object_mut(), key.key_type.name()) {
                    object.insert("keyType".to_owned(), Value::String(name.to_owned()));
                }
                Ok(value)
            })
            .collect()
    }

    /// Lists the custom roles of `projects/<p>` or `organizations/<n>` with their
    /// permissions, deleted ones included so that bindings to them are explained.
    pub async fn list_roles(
        &self,
        stats: &CallStats,
        parent: &str,
    ) -> Result<Vec<Value>, CallError> {
        let mut items = Vec::new();
        let mut pages = PageTokens::default();
        loop {
            let token = pages.current();
            let response = stats
                .run(&self.retry, "iam.roles.list", true, || async {
                    self.iam
                        .list_roles()
                        .set_parent(parent)
                        .set_view(RoleView::Full)
                        .set_show_deleted(true)
                        .set_page_size(PAGE_SIZE)
                        .set_page_token(token.clone())
                        .send()
                        .await
                        .map_err(failure)
                })
                .await?;
            items.extend(each_json(&response.roles)?);
            if !pages.advance(&response.next_page_token)? {
                return Ok(items);
            }
        }
    }

    pub async fn get_role(&self, stats: &CallStats, name: &str) -> Result<Value, CallError> {
        let role = stats
            .run(&self.retry, "iam.roles.get", false, || async {
                self.iam
                    .get_role()
                    .set_name(name)
                    .send()
                    .await
                    .map_err(failure)
            })
            .await?;
        to_json(&role)
    }

    /// Queries the Policy Analyzer activities of one type in a project, every page.
    pub async fn query_activity(
        &self,
        stats: &CallStats,
        project: &str,
        activity_type: &str,
    ) -> Result<Vec<Value>, CallError> {
        let operation = match activity_type {
            KEY_ACTIVITY => "policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query",
            _ => "policyanalyzer.serviceAccountLastAuthenticationActivities.query",
        };
        let url = format!(
            "{}/v1/projects/{project}/locations/global/activityTypes/{activity_type}/activities:query",
            self.analyzer_endpoint
        );
        let mut items = Vec::new();
        let mut pages = PageTokens::default();
        loop {
            let token = pages.current();
            let page = stats
                .run(&self.retry, operation, true, || self.get_json(&url, &token))
                .await?;
            if let Some(Value::Array(activities)) = page.get("activities") {
                items.extend(activities.iter().cloned());
            }
            let next = page
                .get("nextPageToken")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !pages.advance(next)? {
                return Ok(items);
            }
        }
    }

    async fn get_json(&self, url: &str, page_token: &str) -> Result<Value, Failure> {
        let headers = match self.credentials.headers(http::Extensions::new()).await {
            Ok(CacheableResource::New { data, .. }) => data,
            Ok(CacheableResource::NotModified) => http::HeaderMap::new(),
            Err(error) => {
                return Err(Failure {
                    status: None,
                    retry_after: None,
                    transient: error.is_transient(),
                    message: format!("failed to get credentials: {error}"),
                });
            }
        };
        let mut request = self
            .http
            .get(url)
            .headers(headers)
            .query(&[("pageSize", "1000")]);
        if !page_token.is_empty() {
            request = request.query(&[("pageToken", page_token)]);
        }
        let response = request.send().await.map_err(|error| Failure {
            status: None,
            retry_after: None,
            transient: true,
            message: error.to_string(),
        })?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let body = response.bytes().await.map_err(|error| Failure {
            status: None,
            retry_after: None,
            transient: true,
            message: error.to_string(),
        })?;
        if !status.is_success() {
            return Err(Failure {
                status: Some(status.as_u16()),
                retry_after,
                transient: false,
                message: error_message(status.as_u16(), &body),
            });
        }
        serde_json::from_slice(&body).map_err(|error| Failure {
            status: Some(status.as_u16()),
            retry_after: None,
            transient: false,
            message: format!("invalid JSON in the response: {error}"),
        })
    }
}

/// Page tokens of one listing: a token seen twice means the pages loop.
#[derive(Default)]
struct PageTokens {
    current: String,
    seen: BTreeSet<String>,
}

impl PageTokens {
    fn current(&self) -> String {
        self.current.clone()
    }

    /// Moves to the next token; returns false when there is none.
    fn advance(&mut self, next: &str) -> Result<bool, CallError> {
        if next.is_empty() {
            return Ok(false);
        }
        if !self.seen.insert(next.to_owned()) {
            return Err(CallError::Failed {
                message: format!("the page token `{next}` repeats, so the listing loops"),
            });
        }
        self.current = next.to_owned();
        Ok(true)
    }
}

/// Describes a client error as a [`Failure`]: its HTTP status (from the response, or mapped
/// from the RPC code), `Retry-After`, and whether it came before any response.
fn failure(error: GaxError) -> Failure {
    let status = error.http_status_code().or_else(|| {
        error.status().map(|status| match status.code {
            Code::PermissionDenied => 403,
            Code::NotFound => 404,
            Code::Unauthenticated => 401,
            Code::ResourceExhausted => 429,
            Code::Unavailable => 503,
            Code::DeadlineExceeded => 504,
            Code::Internal => 500,
            _ => 400,
        })
    });
    let retry_after = error.http_headers().and_then(retry_after);
    let transient = status.is_none()
        && (error.is_io() || error.is_connect() || error.is_timeout() || error.is_transport());
    let message = match error.status() {
        Some(status) if !status.message.is_empty() => status.message.clone(),
        _ => error.to_string(),
    };
    Failure {
        status,
        retry_after,
        transient,
        message,
    }
}

fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Returns the `error.message` of a Google API error body, or the status.
fn error_message(status: u16, body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|value| {
            value
                .pointer("/error/message")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| format!("HTTP {status}"))
}

fn to_json<T: Serialize>(item: &T) -> Result<Value, CallError> {
    serde_json::to_value(item).map_err(|error| CallError::Failed {
        message: format!("failed to read the response: {error}"),
    })
}

fn each_json<T: Serialize>(items: &[T]) -> Result<Vec<Value>, CallError> {
    items.iter().map(to_json).collect()
}
