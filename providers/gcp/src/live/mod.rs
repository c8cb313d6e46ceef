//! Live collection from the GCP APIs.
//!
//! The steps:
//!
//! 1. Resolve the scopes requested: organizations and folders with every project below
//!    them, and single projects with their ancestors. Read the organizations' and folders'
//!    IAM policies and custom roles on the way.
//! 2. Collect each project concurrently: service accounts, their keys and IAM policies, the
//!    project's IAM policy, custom roles and Policy Analyzer activity.
//! 3. Expand the predefined roles that the bindings use.
//! 4. Build the inventory exactly as an import does.
//!
//! A call that fails leaves coverage `denied` or `partial` for its part, so it never reads
//! as an empty listing.

mod api;
mod calls;
mod hierarchy;
mod project;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use google_cloud_auth::credentials::{Credentials, anonymous, impersonated};
use roster_model::{CollectionStats, NoteKind, ProviderId, ScopeId};
use roster_provider::{Collection, Progress};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::estate::{Estate, Origin};
use crate::raw::Role;

pub use calls::RetrySettings;

use api::Api;
use calls::{CallError, CallStats};

/// The source of the credentials of a live scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum GcpCredentials {
    /// Application Default Credentials: `GOOGLE_APPLICATION_CREDENTIALS`, the gcloud
    /// application-default file (which can hold a workload identity federation or
    /// impersonation configuration), or the metadata server of the machine.
    #[default]
    ApplicationDefault,
    /// Application Default Credentials that impersonate this service account.
    Impersonate { service_account: String },
    /// No credentials at all, for a local test server.
    Anonymous,
}

/// The configuration of a live scan: the scopes to collect, endpoints, credentials and limits.
#[derive(Debug, Clone)]
pub struct GcpConfig {
    /// Project ids; each project's ancestors are read too.
    pub projects: Vec<String>,
    /// Folder numbers (`123` or `folders/123`); every project below is collected.
    pub folders: Vec<String>,
    /// Organization numbers (`456` or `organizations/456`); every project below is collected.
    pub organizations: Vec<String>,
    /// Sends every API call to this base URL instead of Google's endpoints.
    pub endpoint: Option<String>,
    pub credentials: GcpCredentials,
    pub retry: RetrySettings,
    /// Projects collected at once.
    pub concurrency: usize,
    /// Whether to read Policy Analyzer activity for last authentication.
    pub activity: bool,
}

impl Default for GcpConfig {
    fn default() -> Self {
        GcpConfig {
            projects: Vec::new(),
            folders: Vec::new(),
            organizations: Vec::new(),
            endpoint: None,
            credentials: GcpCredentials::default(),
            retry: RetrySettings::default(),
            concurrency: 4,
            activity: true,
        }
    }
}

/// A failure that stops the whole collection.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(
        "nothing to collect from GCP: give `--gcp-project`, `--gcp-folder` or `--gcp-organization`"
    )]
    NoScope,
    #[error(
        "failed to load GCP credentials: {0}; run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key or workload identity federation file"
    )]
    Credentials(String),
    #[error("failed to set up the GCP {client} client: {message}")]
    Setup {
        client: &'static str,
        message: String,
    },
}

/// The call counters and start time of each scope, by resource name.
#[derive(Default)]
struct ScopeCalls {
    scopes: BTreeMap<String, (CallStats, Instant, Option<Instant>)>,
}

impl ScopeCalls {
    fn stats(&mut self, scope: &str) -> CallStats {
        self.scopes
            .entry(scope.to_owned())
            .or_insert_with(|| (CallStats::default(), Instant::now(), None))
            .0
            .clone()
    }

    fn finish(&mut self, scope: &str) {
        if let Some(entry) = self.scopes.get_mut(scope) {
            entry.2 = Some(Instant::now());
        }
    }

    fn into_stats(self, estate: &Estate) -> Vec<CollectionStats> {
        self.scopes
            .into_iter()
            .map(|(name, (calls, started, finished))| {
                let ended = finished.unwrap_or_else(Instant::now);
                CollectionStats {
                    provider: ProviderId::Gcp,
                    scope: scope_id(estate, &name),
                    duration_ms: u64::try_from(ended.duration_since(started).as_millis())
                        .unwrap_or(u64::MAX),
                    operations: calls.operations(),
                }
            })
            .collect()
    }
}

/// Returns the scope id of a resource name, with a project number resolved to its id.
fn scope_id(estate: &Estate, name: &str) -> ScopeId {
    if name.starts_with("folders/") || name.starts_with("organizations/") {
        return ScopeId::new(ProviderId::Gcp, name);
    }
    let project = name.strip_prefix("projects/").unwrap_or(name);
    let project = estate
        .project_numbers
        .get(project)
        .map_or(project, String::as_str);
    ScopeId::new(ProviderId::Gcp, project)
}

/// Collects every scope the configuration names.
pub(crate) async fn collect(
    config: GcpConfig,
    progress: Arc<dyn Progress>,
) -> Result<Collection, CollectError> {
    if config.projects.is_empty() && config.folders.is_empty() && config.organizations.is_empty() {
        return Err(CollectError::NoScope);
    }
    install_crypto_provider();
    let credentials = load_credentials(&config.credentials)?;
    let api = Arc::new(Api::new(credentials, config.endpoint.as_deref(), config.retry).await?);

    let mut estate = Estate::new(Origin::Live);
    let mut calls = ScopeCalls::default();
    let projects = hierarchy::discover(&api, &config, &mut estate, &mut calls).await;
    tracing::info!(
        provider = "gcp",
        projects = projects.len(),
        "gcp scopes resolved"
    );

    collect_projects(&api, &config, &progress, projects, &mut estate, &mut calls).await;
    expand_predefined_roles(&api, &config, &mut estate, &mut calls).await;

    estate.sources.push(
        config
            .endpoint
            .clone()
            .unwrap_or_else(|| "GCP APIs (IAM, Resource Manager, Policy Analyzer)".to_owned()),
    );
    let mut stats = calls.into_stats(&estate);
    stats.sort();
    let inventory = crate::build::build_inventory(estate);
    Ok(Collection { inventory, stats })
}

/// Installs ring as the process's TLS crypto provider, unless another one was installed
/// first. The clients are built without a provider of their own, to keep aws-lc and its C
/// build out of Roster.
#[allow(
    deprecated,
    reason = "ring lacks post-quantum key exchange, which rustls 0.23.48 marks deprecated; it remains the provider the AWS clients use too"
)]
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn load_credentials(source: &GcpCredentials) -> Result<Credentials, CollectError> {
    let default = || {
        google_cloud_auth::credentials::Builder::default()
            .build()
            .map_err(|error| CollectError::Credentials(error.to_string()))
    };
    match source {
        GcpCredentials::Anonymous => Ok(anonymous::Builder::new().build()),
        GcpCredentials::ApplicationDefault => default(),
        GcpCredentials::Impersonate { service_account } => {
            impersonated::Builder::from_source_credentials(default()?)
                .with_target_principal(service_account.clone())
                .build()
                .map_err(|error| CollectError::Credentials(error.to_string()))
        }
    }
}

/// Collects the projects, at most `concurrency` at once, and adds what each found.
async fn collect_projects(
    api: &Arc<Api>,
    config: &GcpConfig,
    progress: &Arc<dyn Progress>,
    projects: BTreeSet<String>,
    estate: &mut Estate,
    calls: &mut ScopeCalls,
) {
    let permits = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for project in projects {
        let scope_name = format!("projects/{project}");
        let stats = calls.stats(&scope_name);
        let scope = scope_id(estate, &scope_name);
        let api = Arc::clone(api);
        let progress = Arc::clone(progress);
        let permits = Arc::clone(&permits);
        let activity = config.activity;
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let found =
                project::collect_project(&api, &project, &scope, &stats, &*progress, activity)
                    .await;
            (scope_name, found)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((scope_name, found)) => {
                calls.finish(&scope_name);
                estate.absorb(found);
            }
            Err(error) => {
                tracing::error!(provider = "gcp", %error, "a project collection task failed")
            }
        }
    }
}

/// Reads the permissions of every predefined role that a binding uses.
async fn expand_predefined_roles(
    api: &Api,
    config: &GcpConfig,
    estate: &mut Estate,
    calls: &mut ScopeCalls,
) {
    let used: BTreeSet<String> = estate
        .policies
        .iter()
        .flat_map(|entry| entry.policy.bindings.iter())
        .map(|binding| {
            binding
                .role
                .split_once("_withcond_")
                .map_or(binding.role.as_str(), |(role, _)| role)
                .to_owned()
        })
        .filter(|role| role.starts_with("roles/") && !estate.roles.contains_key(role))
        .collect();
    let Some(scope) = first_scope(config) else {
        return;
    };
    let stats = calls.stats(&scope);

    let mut unknown = Vec::new();
    for role in used {
        match api.get_role(&stats, &role).await {
            Ok(value) => match serde_json::from_value::<Role>(value) {
                Ok(read) => {
                    estate.roles.insert(role, read);
                }
                Err(error) => unknown.push(format!("`{role}` ({error})")),
            },
            Err(error) => unknown.push(format!("`{role}` ({})", error.message())),
        }
    }
    calls.finish(&scope);
    if !unknown.is_empty() {
        estate.note(
            &scope,
            NoteKind::MissingPolicy,
            None,
            format!(
                "the permissions of these predefined roles could not be read with `iam.roles.get`: {}",
                unknown.join(", ")
            ),
        );
    }
}

/// Returns the resource name that calls about no single scope are counted under: the first
/// organization, folder or project asked for.
fn first_scope(config: &GcpConfig) -> Option<String> {
    config
        .organizations
        .first()
        .map(|organization| container_name("organizations/", organization))
        .or_else(|| {
            config
                .folders
                .first()
                .map(|folder| container_name("folders/", folder))
        })
        .or_else(|| {
            config
                .projects
                .first()
                .map(|project| format!("projects/{project}"))
        })
}

/// Returns `folders/<n>` or `organizations/<n>` for a number given with or without prefix.
pub(crate) fn container_name(prefix: &str, text: &str) -> String {
    let bare = text.strip_prefix(prefix).unwrap_or(text);
    format!("{prefix}{bare}")
}

/// Records a failed call of a scope as coverage of the kinds it leaves unverified.
pub(crate) fn record_failure(
    estate: &mut Estate,
    scope: &str,
    kinds: &[(
        roster_model::CoverageKind,
        Option<roster_model::IdentityKind>,
    )],
    error: &CallError,
) {
    let status = match error {
        CallError::Denied { permission, .. } => roster_model::CoverageStatus::Denied {
            permission: permission.clone(),
        },
        CallError::NotFound { message } | CallError::Failed { message } => {
            roster_model::CoverageStatus::Partial {
                reason: message.clone(),
            }
        }
    };
    tracing::warn!(
        provider = "gcp",
        scope,
        error = error.message(),
        "a GCP call failed"
    );
    for (kind, identity_kind) in kinds {
        estate.set_coverage(scope, *kind, *identity_kind, status.clone());
    }
}
