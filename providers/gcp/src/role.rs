//! Roles and their permissions, and which roles let a member act as a service account.
//!
//! Custom roles come with the data. Predefined roles (`roles/...`) are expanded from a roles
//! file when one is imported, or from `roles.get` during a live scan; without either, their
//! permissions are unknown and the inventory says so.

use std::collections::BTreeMap;

use roster_model::{Policy, PolicyKey, PolicyKind, ProviderId};

use crate::raw::Role;

/// Predefined roles that let a member act as a service account: run code as it, mint its
/// access and ID tokens, sign as it, or create keys for it.
///
/// NOTE: `roles/owner` and `roles/editor` include some of these permissions too. They are
/// left out, so every owner and editor of a project is not reported as able to act as each
/// of its service accounts; the admin-equivalent rule reports those roles instead.
pub(crate) const ACT_AS_ROLES: [&str; 5] = [
    "roles/iam.serviceAccountUser",
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountKeyAdmin",
    "roles/iam.workloadIdentityUser",
    "roles/iam.serviceAccountOpenIdTokenCreator",
];

/// Permissions with which a custom role lets a member act as a service account.
pub(crate) const ACT_AS_PERMISSIONS: [&str; 7] = [
    "iam.serviceAccounts.actAs",
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.getOpenIdToken",
    "iam.serviceAccounts.implicitDelegation",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
    "iam.serviceAccountKeys.create",
];

/// The roles the estate knows, by name.
pub(crate) struct Roles<'e> {
    roles: &'e BTreeMap<String, Role>,
}

impl<'e> Roles<'e> {
    pub fn new(roles: &'e BTreeMap<String, Role>) -> Self {
        Roles { roles }
    }

    /// Returns the permissions of a role, or `None` when the role is unknown.
    pub fn permissions(&self, name: &str) -> Option<&'e [String]> {
        self.roles
            .get(name)
            .map(|role| role.included_permissions.as_slice())
    }

    /// Returns whether a role lets its members act as the service accounts it reaches.
    pub fn lets_act_as(&self, name: &str) -> bool {
        if ACT_AS_ROLES.contains(&name) {
            return true;
        }
        if is_predefined(name) {
            return false;
        }
        self.permissions(name).is_some_and(|permissions| {
            permissions
                .iter()
                .any(|permission| ACT_AS_PERMISSIONS.contains(&permission.as_str()))
        })
    }

    /// Builds the policy of a role, with its permissions sorted; empty when unknown.
    pub fn policy(&self, name: &str) -> Policy {
        let mut permissions = self
            .permissions(name)
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        permissions.sort();
        permissions.dedup();
        Policy {
            key: PolicyKey::new(name),
            provider: ProviderId::Gcp,
            kind: PolicyKind::GcpRole,
            name: name.to_owned(),
            native_id: Some(name.to_owned()),
            document: None,
            version: None,
            permissions,
        }
    }

    /// Returns the custom roles, which the inventory lists whether or not a binding uses them.
    pub fn custom(&self) -> impl Iterator<Item = &'e str> {
        self.roles
            .keys()
            .filter(|name| !is_predefined(name))
            .map(String::as_str)
    }

    /// Returns whether a custom role was deleted; its bindings then grant nothing.
    pub fn is_deleted(&self, name: &str) -> bool {
        self.roles.get(name).is_some_and(|role| role.deleted)
    }
}

pub(crate) fn is_predefined(name: &str) -> bool {
    name.starts_with("roles/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(name: &str, permissions: &[&str]) -> (String, Role) {
        (
            name.to_owned(),
            Role {
                name: name.to_owned(),
                included_permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
                deleted: false,
            },
        )
    }

    #[test]
    fn custom_role_with_token_permission_acts_as() {
        let known = BTreeMap::from([
            role(
                "projects/p/roles/minter",
                &["iam.serviceAccounts.getAccessToken"],
            ),
            role("projects/p/roles/reader", &["storage.objects.get"]),
            role("roles/owner", &["iam.serviceAccounts.actAs"]),
        ]);
        let roles = Roles::new(&known);
        assert!(roles.lets_act_as("projects/p/roles/minter"));
        assert!(!roles.lets_act_as("projects/p/roles/reader"));
        assert!(!roles.lets_act_as("roles/owner"));
        assert!(roles.lets_act_as("roles/iam.serviceAccountTokenCreator"));
        assert_eq!(roles.custom().count(), 2);
    }

    #[test]
    fn unknown_role_has_no_permissions() {
        let known = BTreeMap::new();
        let policy = Roles::new(&known).policy("roles/editor");
        assert!(policy.permissions.is_empty());
        assert_eq!(policy.kind, PolicyKind::GcpRole);
    }
}
