//! Roles that amount to full administration of the project, folder or organization they are
//! bound on.
//!
//! A role counts when a member holding it on a container (organization, folder or project) can
//! take every other right there: by editing the container's IAM policy, or by minting
//! credentials for every service account in it. Minting credentials counts because a
//! project's default service accounts often have `roles/editor`, and one of its service
//! accounts usually has more. Bound on a single resource (a bucket, one service account),
//! these roles reach only that resource and are not admin-equivalent.
//!
//! Left out on purpose: `roles/iam.serviceAccountUser` (acting as a service account also needs
//! the right to run code, so it is an escalation path, not administration) and
//! `roles/iam.roleAdmin` (it edits role definitions but grants none).

use super::access::{AccessPath, IamModel};
use super::error::GcpError;
use super::hierarchy::NodeKind;
use super::member::Member;
use super::role::RoleCatalog;

/// Predefined roles that are admin-equivalent when bound on a container, listed by name so
/// that the result does not depend on a roles file.
pub const ADMIN_EQUIVALENT_ROLES: [&str; 10] = [
    // Full control, including the IAM policy.
    "roles/owner",
    // Changes almost every resource and creates keys for every service account.
    "roles/editor",
    // Sets the IAM policy of projects, folders and the organization.
    "roles/iam.securityAdmin",
    "roles/resourcemanager.projectIamAdmin",
    "roles/resourcemanager.folderIamAdmin",
    "roles/resourcemanager.folderAdmin",
    "roles/resourcemanager.organizationAdmin",
    // Mint access tokens for, or create keys of, every service account below.
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountKeyAdmin",
    "roles/iam.workloadIdentityUser",
];

/// Permissions any one of which makes a role admin-equivalent when bound on a container:
/// setting a container's IAM policy, or acting as every service account in it.
pub const ADMIN_EQUIVALENT_PERMISSIONS: [&str; 8] = [
    "resourcemanager.organizations.setIamPolicy",
    "resourcemanager.folders.setIamPolicy",
    "resourcemanager.projects.setIamPolicy",
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.implicitDelegation",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
    "iam.serviceAccountKeys.create",
];

/// Returns whether a predefined role is admin-equivalent when bound on an organization,
/// folder or project. Custom roles need their permissions:
/// see [`RoleCatalog::is_admin_equivalent`].
pub fn is_admin_equivalent_role(role: &str) -> bool {
    ADMIN_EQUIVALENT_ROLES.contains(&role)
}

impl RoleCatalog {
    /// Returns whether a role is admin-equivalent when bound on a container: by name, or
    /// because it includes one of [`ADMIN_EQUIVALENT_PERMISSIONS`]. An inactive role (deleted
    /// or disabled) grants nothing and is not admin-equivalent.
    pub fn is_admin_equivalent(&self, role: &str) -> bool {
        let known = self.get(role);
        if known.is_some_and(|role| !role.is_active()) {
            return false;
        }
        if is_admin_equivalent_role(role) {
            return true;
        }
        known
            .and_then(|role| role.permissions.as_ref())
            .is_some_and(|permissions| {
                ADMIN_EQUIVALENT_PERMISSIONS
                    .iter()
                    .any(|permission| permissions.contains(*permission))
            })
    }
}

impl IamModel {
    /// Lists the bindings in force at `node` that give `member` an admin-equivalent role on a
    /// container. Conditional bindings are included, with their condition.
    pub fn admin_paths(
        &self,
        member: &Member,
        node: &str,
    ) -> Result<Vec<AccessPath<'_>>, GcpError> {
        let mut paths = self.bindings_of(member, node)?;
        paths.retain(|path| {
            NodeKind::of(path.binding.granted_at).is_container()
                && self.roles().is_admin_equivalent(path.binding.role)
        });
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::gcp::role::Role;

    #[test]
    fn custom_role_with_set_iam_policy_is_admin() {
        let mut catalog = RoleCatalog::new();
        catalog.insert(
            Role::new(
                "projects/p/roles/iamEditor",
                ["resourcemanager.projects.setIamPolicy"],
            )
            .unwrap(),
        );
        catalog.insert(Role::new("projects/p/roles/reader", ["storage.objects.get"]).unwrap());

        assert!(catalog.is_admin_equivalent("projects/p/roles/iamEditor"));
        assert!(!catalog.is_admin_equivalent("projects/p/roles/reader"));
        assert!(catalog.is_admin_equivalent("roles/owner"));
        assert!(!catalog.is_admin_equivalent("roles/iam.serviceAccountUser"));
    }

    #[test]
    fn deleted_role_is_not_admin() {
        let mut role = Role::new(
            "projects/p/roles/old",
            ["resourcemanager.projects.setIamPolicy"],
        )
        .unwrap();
        role.deleted = true;
        let mut catalog = RoleCatalog::new();
        catalog.insert(role);

        assert!(!catalog.is_admin_equivalent("projects/p/roles/old"));
    }
}
