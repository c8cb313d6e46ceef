//! The calls that collect one account. The listing, the credential report and the federation
//! providers come first, concurrently. Then come the calls that AWS offers only per identity
//! (access keys, boundaries missing from the listing, service last accessed), within a
//! bound on requests in flight.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use roster_model::ScopeId;
use roster_provider::Progress;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::raw;

use super::api::{
    AccessKey, ApiError, Clients, CredentialReportContent, FederationProviders, JobPolling,
    ServiceLastAccessed,
};

/// The responses of one account's calls. A failed call leaves its part as an error, which
/// coverage reports, and the other parts are still collected.
#[derive(Debug)]
pub(crate) struct AccountData {
    pub details: Result<Vec<raw::Page>, ApiError>,
    pub report: Result<CredentialReportContent, ApiError>,
    pub federation: Result<FederationProviders, ApiError>,
    /// Access keys by user name, each with its last use.
    pub access_keys: Result<BTreeMap<String, Vec<AccessKey>>, ApiError>,
    /// Permission boundaries fetched for identities that the listing returned without one,
    /// by identity ARN: `None` when the identity has none.
    pub boundaries: Result<BTreeMap<String, Option<String>>, ApiError>,
    /// Service last accessed by identity ARN.
    pub service_usage: Result<BTreeMap<String, Vec<ServiceLastAccessed>>, ApiError>,
}

/// Limits of the calls of one account.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AccountLimits {
    /// Requests in flight at once for the per-identity calls.
    pub requests: usize,
    pub polling: JobPolling,
}

/// A role or user of the listing, with what the per-identity calls need.
#[derive(Debug, Clone)]
struct Principal {
    kind: PrincipalKind,
    name: String,
    arn: String,
    has_boundary: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrincipalKind {
    Role,
    User,
}

/// Makes every call of one account.
pub(crate) async fn collect_account(
    clients: &Clients,
    scope: &ScopeId,
    limits: AccountLimits,
    progress: &Arc<dyn Progress>,
) -> AccountData {
    progress.add_work(scope, 3);
    let (details, report, federation) = tokio::join!(
        async {
            let details = clients.authorization_details().await;
            progress.advance(scope, "authorization details");
            details
        },
        async {
            let report = clients.credential_report(limits.polling).await;
            progress.advance(scope, "credential report");
            report
        },
        async {
            let federation = clients.federation_providers().await;
            progress.advance(scope, "identity providers");
            federation
        },
    );

    let principals = match &details {
        Ok(pages) => Ok(principals(pages)),
        Err(error) => Err(error.clone()),
    };
    let (access_keys, boundaries, service_usage) = match principals {
        Ok(principals) => {
            let gate = Arc::new(Semaphore::new(limits.requests.max(1)));
            tokio::join!(
                access_keys(clients, &principals, &gate, scope, progress),
                boundaries(clients, &principals, &gate, scope, progress),
                service_usage(clients, &principals, &gate, limits.polling, scope, progress),
            )
        }
        Err(error) => (Err(error.clone()), Err(error.clone()), Err(error)),
    };

    AccountData {
        details,
        report,
        federation,
        access_keys,
        boundaries,
        service_usage,
    }
}

fn principals(pages: &[raw::Page]) -> Vec<Principal> {
    let roles = pages
        .iter()
        .flat_map(|page| page.role_detail_list.iter().flatten())
        .map(|role| Principal {
            kind: PrincipalKind::Role,
            name: role.role_name.clone(),
            arn: role.arn.clone(),
            has_boundary: role.permissions_boundary.is_some(),
        });
    let users = pages
        .iter()
        .flat_map(|page| page.user_detail_list.iter().flatten())
        .map(|user| Principal {
            kind: PrincipalKind::User,
            name: user.user_name.clone(),
            arn: user.arn.clone(),
            has_boundary: user.permissions_boundary.is_some(),
        });
    roles.chain(users).collect()
}

async fn access_keys(
    clients: &Clients,
    principals: &[Principal],
    gate: &Arc<Semaphore>,
    scope: &ScopeId,
    progress: &Arc<dyn Progress>,
) -> Result<BTreeMap<String, Vec<AccessKey>>, ApiError> {
    let users: Vec<String> = principals
        .iter()
        .filter(|principal| principal.kind == PrincipalKind::User)
        .map(|principal| principal.name.clone())
        .collect();
    let keys = for_each(users, gate, scope, progress, "access keys", {
        let clients = clients.clone();
        move |user: String| {
            let clients = clients.clone();
            async move {
                let mut keys = clients.access_keys(&user).await?;
                for key in &mut keys {
                    clients.access_key_last_used(key).await?;
                }
                Ok((user, keys))
            }
        }
    })
    .await?;
    Ok(keys.into_iter().collect())
}

async fn boundaries(
    clients: &Clients,
    principals: &[Principal],
    gate: &Arc<Semaphore>,
    scope: &ScopeId,
    progress: &Arc<dyn Progress>,
) -> Result<BTreeMap<String, Option<String>>, ApiError> {
    let unknown: Vec<Principal> = principals
        .iter()
        .filter(|principal| !principal.has_boundary)
        .cloned()
        .collect();
    let boundaries = for_each(unknown, gate, scope, progress, "permission boundaries", {
        let clients = clients.clone();
        move |principal: Principal| {
            let clients = clients.clone();
            async move {
                let boundary = match principal.kind {
                    PrincipalKind::Role => clients.role_boundary(&principal.name).await?,
                    PrincipalKind::User => clients.user_boundary(&principal.name).await?,
                };
                Ok((principal.arn, boundary))
            }
        }
    })
    .await?;
    Ok(boundaries.into_iter().collect())
}

async fn service_usage(
    clients: &Clients,
    principals: &[Principal],
    gate: &Arc<Semaphore>,
    polling: JobPolling,
    scope: &ScopeId,
    progress: &Arc<dyn Progress>,
) -> Result<BTreeMap<String, Vec<ServiceLastAccessed>>, ApiError> {
    let arns: Vec<String> = principals
        .iter()
        .map(|principal| principal.arn.clone())
        .collect();
    let usage = for_each(arns, gate, scope, progress, "service last accessed", {
        let clients = clients.clone();
        move |arn: String| {
            let clients = clients.clone();
            async move {
                let services = clients.service_last_accessed(&arn, polling).await?;
                Ok((arn, services))
            }
        }
    })
    .await?;
    Ok(usage.into_iter().collect())
}

/// Runs `call` for every item, at most as many at once as `gate` has permits. The first item
/// runs alone, so that a call the account denies or does not support fails once rather than
/// once per identity. After any failure the remaining calls are cancelled, because the part
/// is unverified either way.
async fn for_each<T, R, F, Fut>(
    items: Vec<T>,
    gate: &Arc<Semaphore>,
    scope: &ScopeId,
    progress: &Arc<dyn Progress>,
    stage: &'static str,
    call: F,
) -> Result<Vec<R>, ApiError>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<R, ApiError>> + Send + 'static,
{
    progress.add_work(scope, items.len() as u64);
    let mut items = items.into_iter();
    let mut results = Vec::with_capacity(items.len());
    let Some(first) = items.next() else {
        return Ok(results);
    };
    results.push(call(first).await?);
    progress.advance(scope, stage);

    let mut tasks = JoinSet::new();
    for item in items {
        let gate = Arc::clone(gate);
        let future = call(item);
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            future.await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let result = joined.map_err(|error| ApiError::Failed {
            operation: stage,
            message: format!("a collection task ended abnormally: {error}"),
        })?;
        match result {
            Ok(value) => {
                results.push(value);
                progress.advance(scope, stage);
            }
            Err(error) => {
                tasks.abort_all();
                return Err(error);
            }
        }
    }
    Ok(results)
}
