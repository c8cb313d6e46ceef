//! The user a request comes from, and which binding subjects cover it.

use std::collections::BTreeSet;
use std::fmt;

use super::objects::{Subject, SubjectKind};

/// The prefix of a service account's user name: `system:serviceaccount:<namespace>:<name>`.
const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";
/// The group of every service account in the cluster.
pub const ALL_SERVICE_ACCOUNTS: &str = "system:serviceaccounts";
/// The group of every authenticated user, service accounts included.
pub const AUTHENTICATED: &str = "system:authenticated";

/// A user name with its groups, as the authenticator passes it to RBAC.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserInfo {
    pub name: String,
    pub groups: BTreeSet<String>,
}

impl UserInfo {
    /// Builds the user of a service account with the groups the API server gives every
    /// service account: `system:serviceaccounts`, `system:serviceaccounts:<namespace>` and
    /// `system:authenticated`.
    pub fn service_account(namespace: &str, name: &str) -> UserInfo {
        UserInfo {
            name: format!("{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"),
            groups: BTreeSet::from([
                ALL_SERVICE_ACCOUNTS.to_owned(),
                format!("{ALL_SERVICE_ACCOUNTS}:{namespace}"),
                AUTHENTICATED.to_owned(),
            ]),
        }
    }

    /// Builds a user with the given groups.
    pub fn user<I, S>(name: &str, groups: I) -> UserInfo
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        UserInfo {
            name: name.to_owned(),
            groups: groups.into_iter().map(Into::into).collect(),
        }
    }

    /// Returns the (namespace, name) of a service account user.
    pub fn service_account_name(&self) -> Option<(&str, &str)> {
        self.name
            .strip_prefix(SERVICE_ACCOUNT_PREFIX)?
            .split_once(':')
            .filter(|(namespace, name)| !namespace.is_empty() && !name.is_empty())
    }
}

impl fmt::Display for UserInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.service_account_name() {
            Some((namespace, name)) => write!(f, "service account `{namespace}/{name}`"),
            None => write!(f, "user `{}`", self.name),
        }
    }
}

impl Subject {
    /// Returns whether the subject covers the user. `binding_namespace` is the namespace of a
    /// RoleBinding, which a ServiceAccount subject without a namespace defaults to; a
    /// ClusterRoleBinding passes `None`.
    pub fn covers(&self, user: &UserInfo, binding_namespace: Option<&str>) -> bool {
        match &self.kind {
            SubjectKind::User => self.name == user.name,
            // A Group subject's namespace field is ignored.
            SubjectKind::Group => user.groups.contains(&self.name),
            SubjectKind::ServiceAccount => {
                let Some(namespace) = self.namespace.as_deref().or(binding_namespace) else {
                    return false;
                };
                user.service_account_name() == Some((namespace, self.name.as_str()))
            }
            SubjectKind::Other(_) => false,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.namespace) {
            (SubjectKind::ServiceAccount, Some(namespace)) => {
                write!(f, "ServiceAccount `{namespace}/{}`", self.name)
            }
            (SubjectKind::ServiceAccount, None) => write!(f, "ServiceAccount `{}`", self.name),
            (SubjectKind::User, _) => write!(f, "User `{}`", self.name),
            (SubjectKind::Group, _) => write!(f, "Group `{}`", self.name),
            (SubjectKind::Other(kind), _) => write!(f, "{kind} `{}`", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(kind: SubjectKind, name: &str, namespace: Option<&str>) -> Subject {
        Subject {
            kind,
            name: name.to_owned(),
            namespace: namespace.map(str::to_owned),
        }
    }

    #[test]
    fn service_account_user_has_groups() {
        let user = UserInfo::service_account("ci", "deployer");

        assert_eq!(user.name, "system:serviceaccount:ci:deployer");
        assert_eq!(user.service_account_name(), Some(("ci", "deployer")));
        assert!(user.groups.contains("system:serviceaccounts"));
        assert!(user.groups.contains("system:serviceaccounts:ci"));
        assert!(user.groups.contains("system:authenticated"));
    }

    #[test]
    fn service_account_subject_defaults_namespace() {
        let user = UserInfo::service_account("dev", "ci");
        let bare = subject(SubjectKind::ServiceAccount, "ci", None);

        assert!(bare.covers(&user, Some("dev")));
        assert!(!bare.covers(&user, Some("prod")));
        assert!(!bare.covers(&user, None));
    }

    #[test]
    fn user_subject_names_service_account() {
        let user = UserInfo::service_account("dev", "ci");
        let by_name = subject(SubjectKind::User, "system:serviceaccount:dev:ci", None);

        assert!(by_name.covers(&user, None));
    }
}
