//! Collects one project: its service accounts with their keys and IAM policies, the
//! project's IAM policy, its custom roles, and Policy Analyzer activity.

use jiff::Timestamp;
use roster_model::{CoverageKind, IdentityKind, ScopeId};
use roster_provider::Progress;
use serde_json::Value;

use crate::estate::{
    AccountRef, Activity, Estate, KeyEntry, Origin, Part, PolicyEntry, PolicyResource,
    split_account_name,
};
use crate::live::api::{ACCOUNT_ACTIVITY, Api, KEY_ACTIVITY};
use crate::live::calls::{CallError, CallStats};
use crate::live::hierarchy::{add_policy, read_custom_roles};
use crate::live::record_failure;
use crate::raw::{IamPolicy, ServiceAccount, ServiceAccountKey};

const SERVICE_ACCOUNT: Option<IdentityKind> = Some(IdentityKind::GcpServiceAccount);

/// Collects one project into an estate of its own.
pub(crate) async fn collect_project(
    api: &Api,
    project: &str,
    scope: &ScopeId,
    stats: &CallStats,
    progress: &dyn Progress,
    activity: bool,
) -> Estate {
    let name = format!("projects/{project}");
    let mut estate = Estate::new(Origin::Live);
    progress.started(scope);

    let accounts = match api.list_service_accounts(stats, project).await {
        Ok(values) => {
            estate
                .collected
                .insert((name.clone(), Part::ServiceAccounts));
            read_accounts(values, project)
        }
        Err(error) => {
            record_failure(
                &mut estate,
                &name,
                &[
                    (CoverageKind::Identities, SERVICE_ACCOUNT),
                    (CoverageKind::Credentials, None),
                    (CoverageKind::Trusts, None),
                ],
                &error,
            );
            Vec::new()
        }
    };
    progress.add_work(scope, accounts.len() as u64);

    let mut keys_complete = true;
    let mut policies_complete = true;
    for account in &accounts {
        let account_name = account
            .name
            .clone()
            .unwrap_or_else(|| format!("{name}/serviceAccounts/{}", account.email));
        if let Err(error) = read_keys(api, stats, &mut estate, &account_name).await {
            if keys_complete {
                record_failure(
                    &mut estate,
                    &name,
                    &[(CoverageKind::Credentials, None)],
                    &error,
                );
            }
            keys_complete = false;
        }
        if let Err(error) = read_account_policy(api, stats, &mut estate, &account_name).await {
            if policies_complete {
                record_failure(&mut estate, &name, &[(CoverageKind::Trusts, None)], &error);
            }
            policies_complete = false;
        }
        progress.advance(scope, "service accounts");
    }
    if keys_complete {
        estate.collected.insert((name.clone(), Part::Keys));
    }
    if policies_complete {
        estate
            .collected
            .insert((name.clone(), Part::AccountPolicies));
    }
    estate.service_accounts.extend(accounts);

    match api.get_iam_policy(stats, &name).await {
        Ok(value) => add_policy(&mut estate, &name, value),
        Err(error) => record_failure(&mut estate, &name, &[(CoverageKind::Grants, None)], &error),
    }
    read_custom_roles(api, &mut estate, stats, &name).await;
    if activity {
        read_activity(api, stats, &mut estate, project).await;
    }

    let unverified = estate.coverage.len();
    let outcome = if unverified == 0 {
        "complete".to_owned()
    } else {
        format!("{unverified} parts unverified")
    };
    progress.finished(scope, &outcome);
    estate
}

fn read_accounts(values: Vec<Value>, project: &str) -> Vec<ServiceAccount> {
    values
        .into_iter()
        .filter_map(|value| serde_json::from_value::<ServiceAccount>(value).ok())
        .map(|account| ServiceAccount {
            project_id: account
                .project_id
                .clone()
                .or_else(|| Some(project.to_owned())),
            ..account
        })
        .collect()
}

async fn read_keys(
    api: &Api,
    stats: &CallStats,
    estate: &mut Estate,
    account: &str,
) -> Result<(), CallError> {
    let keys = api.list_keys(stats, account).await?;
    let Some((project, email, _)) = split_account_name(account) else {
        return Ok(());
    };
    let owner = AccountRef {
        project: Some(project.to_owned()),
        account: email.to_owned(),
    };
    for value in keys {
        let Ok(key) = serde_json::from_value::<ServiceAccountKey>(value) else {
            continue;
        };
        let key_id = key
            .name
            .as_deref()
            .and_then(split_account_name)
            .and_then(|(_, _, key)| key)
            .unwrap_or_default()
            .to_owned();
        if key_id.is_empty() {
            continue;
        }
        estate.keys.push(KeyEntry {
            owner: owner.clone(),
            key_id,
            key,
        });
    }
    estate.keys_listed.insert(owner);
    Ok(())
}

async fn read_account_policy(
    api: &Api,
    stats: &CallStats,
    estate: &mut Estate,
    account: &str,
) -> Result<(), CallError> {
    let value = api.get_iam_policy(stats, account).await?;
    let Some((project, email, _)) = split_account_name(account) else {
        return Ok(());
    };
    let policy: IamPolicy = serde_json::from_value(value).map_err(|error| CallError::Failed {
        message: format!("the IAM policy of `{account}` could not be read: {error}"),
    })?;
    estate.policies.push(PolicyEntry {
        resource: PolicyResource::ServiceAccount(AccountRef {
            project: Some(project.to_owned()),
            account: email.to_owned(),
        }),
        policy,
        source: format!("getIamPolicy {account}"),
    });
    Ok(())
}

/// Reads the last authentication of the project's service accounts and keys. Usage counts
/// as collected only when both queries succeed.
async fn read_activity(api: &Api, stats: &CallStats, estate: &mut Estate, project: &str) {
    let name = format!("projects/{project}");
    let accounts = api.query_activity(stats, project, ACCOUNT_ACTIVITY).await;
    let keys = api.query_activity(stats, project, KEY_ACTIVITY).await;
    let (accounts, keys) = match (accounts, keys) {
        (Ok(accounts), Ok(keys)) => (accounts, keys),
        (Err(error), _) | (_, Err(error)) => {
            record_failure(
                estate,
                &name,
                &[
                    (CoverageKind::IdentityUsage, SERVICE_ACCOUNT),
                    (CoverageKind::CredentialUsage, None),
                ],
                &error,
            );
            return;
        }
    };

    let mut activity = Activity::default();
    for entry in &accounts {
        let Some(at) = last_authenticated(entry) else {
            continue;
        };
        let account = entry.pointer("/activity/serviceAccount");
        let id = account
            .and_then(|account| account.get("serviceAccountId"))
            .and_then(Value::as_str);
        let email = account
            .and_then(|account| account.get("fullResourceName"))
            .and_then(Value::as_str)
            .and_then(split_account_name)
            .map(|(_, email, _)| email.to_ascii_lowercase());
        for key in id.map(str::to_owned).into_iter().chain(email) {
            latest(&mut activity.accounts, key, at);
        }
    }
    for entry in &keys {
        let Some(at) = last_authenticated(entry) else {
            continue;
        };
        let key_id = entry
            .pointer("/activity/serviceAccountKey/fullResourceName")
            .and_then(Value::as_str)
            .and_then(split_account_name)
            .and_then(|(_, _, key)| key);
        if let Some(key_id) = key_id {
            latest(&mut activity.keys, key_id.to_owned(), at);
        }
    }
    activity.projects.insert(project.to_owned());
    estate.activity = Some(activity);
}

fn last_authenticated(entry: &Value) -> Option<Timestamp> {
    entry
        .pointer("/activity/lastAuthenticatedTime")
        .and_then(Value::as_str)
        .and_then(|text| text.parse().ok())
}

fn latest(map: &mut std::collections::BTreeMap<String, Timestamp>, key: String, at: Timestamp) {
    let entry = map.entry(key).or_insert(at);
    if at > *entry {
        *entry = at;
    }
}
