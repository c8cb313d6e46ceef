//! Service accounts: identities, their usage, and the lookups that resolve the members and
//! key owners that name them.

use std::collections::{BTreeMap, HashMap};

use roster_model::{
    Evidence, GcpDefaultServiceAccount, GcpIdentityDetails, Identity, IdentityKey, IdentityKind,
    Nature, ProviderId, ScopeId, Signal, Usage,
};

use crate::estate::{AccountRef, Activity};
use crate::member::{EmailHome, email_home};
use crate::raw::ServiceAccount;
use crate::scope::Scopes;

/// The source named in the usage of service accounts and keys.
pub(crate) const ACTIVITY_SOURCE: &str = "gcp policy analyzer activity";

/// Blind spots of Policy Analyzer's last-authentication activity.
pub(crate) const ACTIVITY_BLIND_SPOTS: [&str; 3] = [
    "records only the latest authentication to a Google API, not which permissions were used",
    "does not record requests authenticated with API keys bound to the service account",
    "is computed over daily observation periods, so it can trail the latest use",
];

/// Every service account found, with lookups by email, unique id and project.
#[derive(Debug, Default)]
pub(crate) struct Accounts {
    pub identities: BTreeMap<IdentityKey, Identity>,
    by_email: HashMap<String, IdentityKey>,
    by_unique_id: HashMap<String, IdentityKey>,
    by_project: HashMap<ScopeId, Vec<IdentityKey>>,
}

impl Accounts {
    /// Translates the listed service accounts. A service account listed twice is kept once.
    pub fn new(
        listed: &[ServiceAccount],
        scopes: &Scopes,
        activity: Option<&Activity>,
    ) -> Accounts {
        let mut accounts = Accounts::default();
        for account in listed {
            let Some(project) = account.project_id.as_deref() else {
                continue;
            };
            let project = scopes.project_id(project);
            let identity = translate_account(account, project, activity);
            accounts.insert(identity);
        }
        accounts
    }

    fn insert(&mut self, identity: Identity) {
        if self.identities.contains_key(&identity.key) {
            return;
        }
        self.by_email
            .insert(identity.name.to_ascii_lowercase(), identity.key.clone());
        if let Some(unique_id) = &identity.unique_id {
            self.by_unique_id
                .insert(unique_id.clone(), identity.key.clone());
        }
        self.by_project
            .entry(identity.scope.clone())
            .or_default()
            .push(identity.key.clone());
        self.identities.insert(identity.key.clone(), identity);
    }

    /// Finds a listed service account by email or unique id.
    pub fn find(&self, account: &str) -> Option<&IdentityKey> {
        self.by_email
            .get(&account.to_ascii_lowercase())
            .or_else(|| self.by_unique_id.get(account))
    }

    /// Returns the key of the service account a key or policy names, adding an identity
    /// for it when no listing had it. The second value is true when the identity is new.
    pub fn resolve_or_add(
        &mut self,
        reference: &AccountRef,
        scopes: &Scopes,
        activity: Option<&Activity>,
    ) -> (IdentityKey, bool) {
        if let Some(key) = self.find(&reference.account) {
            return (key.clone(), false);
        }
        let project = reference
            .project
            .as_deref()
            .filter(|project| *project != "-")
            .map(|project| scopes.project_id(project).to_owned())
            .unwrap_or_else(|| home_project(&reference.account, scopes));
        let account = ServiceAccount {
            name: None,
            project_id: Some(project.clone()),
            unique_id: None,
            email: reference.account.clone(),
            display_name: None,
            description: None,
            oauth2_client_id: None,
            disabled: false,
        };
        let identity = translate_account(&account, &project, activity);
        let key = identity.key.clone();
        self.insert(identity);
        (key, true)
    }

    /// Returns the keys of the service accounts of a project, in the order they were found.
    pub fn in_project(&self, project: &ScopeId) -> &[IdentityKey] {
        self.by_project.get(project).map_or(&[], Vec::as_slice)
    }

    /// Returns the identity key a `serviceAccount:` member names: the listed account with
    /// that email, or else a key in the project its email names.
    pub fn member_key(&self, email: &str, scopes: &Scopes) -> IdentityKey {
        if let Some(key) = self.find(email) {
            return key.clone();
        }
        account_key(&home_project(email, scopes), email)
    }
}

pub(crate) fn account_key(project: &str, email: &str) -> IdentityKey {
    IdentityKey::new(
        ProviderId::Gcp,
        project,
        IdentityKind::GcpServiceAccount,
        email,
    )
}

/// Returns the project a service account email names, or its domain when it names none.
pub(crate) fn home_project(email: &str, scopes: &Scopes) -> String {
    match email_home(email) {
        EmailHome::Project(project) | EmailHome::AppEngineDefault(project) => project,
        EmailHome::ComputeDefault(number) | EmailHome::ServiceAgent(number) => {
            scopes.project_id(&number).to_owned()
        }
        EmailHome::Unknown(domain) => domain,
    }
}

/// Translates one service account of a project.
fn translate_account(
    account: &ServiceAccount,
    project: &str,
    activity: Option<&Activity>,
) -> Identity {
    let key = account_key(project, &account.email);
    let scope = ScopeId::new(ProviderId::Gcp, project);
    let home = email_home(&account.email);
    let default_service_account = match home {
        EmailHome::ComputeDefault(_) => Some(GcpDefaultServiceAccount::ComputeEngine),
        EmailHome::AppEngineDefault(_) => Some(GcpDefaultServiceAccount::AppEngine),
        _ => None,
    };
    let service_agent = matches!(home, EmailHome::ServiceAgent(_));

    let mut evidence = vec![Evidence {
        signal: Signal::ProviderKind,
        points_to: Nature::NonHuman,
        detail: "a Google Cloud service account, which has no password".to_owned(),
    }];
    if let Some(default) = default_service_account {
        evidence.push(Evidence {
            signal: Signal::ProviderKind,
            points_to: Nature::NonHuman,
            detail: format!("the {} default service account", default_name(default)),
        });
    }

    let mut identity = Identity::new(
        ProviderId::Gcp,
        key,
        scope,
        IdentityKind::GcpServiceAccount,
        account.email.clone(),
        account_usage(account, project, activity),
    );
    identity.unique_id = account.unique_id.clone();
    identity.display_name = account.display_name.clone().filter(|name| !name.is_empty());
    identity.description = account.description.clone().filter(|text| !text.is_empty());
    identity.enabled = !account.disabled;
    identity.evidence = evidence;
    identity.gcp = Some(GcpIdentityDetails {
        email: account.email.clone(),
        oauth2_client_id: account.oauth2_client_id.clone(),
        service_agent,
        default_service_account,
    });
    identity
}

fn default_name(default: GcpDefaultServiceAccount) -> &'static str {
    match default {
        GcpDefaultServiceAccount::ComputeEngine => "Compute Engine",
        GcpDefaultServiceAccount::AppEngine => "App Engine",
    }
}

/// Returns the last authentication of a service account, when its project's activity was
/// collected.
fn account_usage(account: &ServiceAccount, project: &str, activity: Option<&Activity>) -> Usage {
    let Some(activity) = activity.filter(|activity| activity.projects.contains(project)) else {
        return Usage::unknown("policy analyzer activity not collected");
    };
    let seen = account
        .unique_id
        .as_ref()
        .and_then(|unique_id| activity.accounts.get(unique_id))
        .or_else(|| activity.accounts.get(&account.email.to_ascii_lowercase()));
    let usage = match seen {
        Some(at) => Usage::used(*at, ACTIVITY_SOURCE),
        None => Usage::never_used(ACTIVITY_SOURCE),
    };
    usage.with_blind_spots(&ACTIVITY_BLIND_SPOTS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::estate::{Estate, Origin};

    fn listed(email: &str, project: &str, unique_id: &str) -> ServiceAccount {
        ServiceAccount {
            name: None,
            project_id: Some(project.to_owned()),
            unique_id: Some(unique_id.to_owned()),
            email: email.to_owned(),
            display_name: Some(String::new()),
            description: None,
            oauth2_client_id: None,
            disabled: true,
        }
    }

    #[test]
    fn default_account_is_marked() {
        let scopes = Scopes::resolve(&Estate::new(Origin::Import));
        let accounts = Accounts::new(
            &[listed("42-compute@developer.gserviceaccount.com", "p", "1")],
            &scopes,
            None,
        );
        let identity = accounts.identities.values().next().unwrap();
        assert_eq!(
            identity.key.as_str(),
            "gcp:p:service-account:42-compute@developer.gserviceaccount.com"
        );
        assert!(!identity.enabled);
        assert_eq!(identity.display_name, None);
        assert_eq!(
            identity.gcp.as_ref().unwrap().default_service_account,
            Some(GcpDefaultServiceAccount::ComputeEngine)
        );
        assert!(!identity.last_used.is_known());
    }

    #[test]
    fn members_resolve_by_email_then_home() {
        let scopes = Scopes::resolve(&Estate::new(Origin::Import));
        let accounts = Accounts::new(
            &[listed("ci@p.iam.gserviceaccount.com", "p", "7")],
            &scopes,
            None,
        );
        assert_eq!(
            accounts
                .member_key("CI@p.iam.gserviceaccount.com", &scopes)
                .as_str(),
            "gcp:p:service-account:ci@p.iam.gserviceaccount.com"
        );
        assert_eq!(
            accounts
                .member_key("x@other.iam.gserviceaccount.com", &scopes)
                .as_str(),
            "gcp:other:service-account:x@other.iam.gserviceaccount.com"
        );
        assert_eq!(
            accounts.find("7").unwrap().native_id(),
            "ci@p.iam.gserviceaccount.com"
        );
    }
}
