//! The Kubernetes RBAC engine.
//!
//! - Objects: [`RbacObjects`] reads Roles, ClusterRoles, RoleBindings and
//!   ClusterRoleBindings from `kubectl get ... -o json` or `-o yaml` output.
//! - Authorization: [`Rbac`] resolves each binding's role (a RoleBinding's Role in the
//!   binding's own namespace, a ClusterRoleBinding's ClusterRole), gathers the rules of
//!   aggregated ClusterRoles, and decides requests with [`Rbac::can`] and [`Rbac::authorize`],
//!   naming the bindings and rules that allow them. A RoleBinding to a ClusterRole grants its
//!   rules only on namespaced resources of the binding's namespace.
//! - Subjects: [`UserInfo::service_account`] gives a service account the groups the API server
//!   gives it, so `system:serviceaccounts`, `system:serviceaccounts:<namespace>` and
//!   `system:authenticated` Group subjects cover it.
//! - Administration: [`Rbac::is_cluster_admin_equivalent`] and
//!   [`Rbac::cluster_role_admin_reason`] name grants equal to cluster administration.
//! - Dangling bindings: [`Rbac::dangling_bindings`] lists bindings whose role is missing.

mod error;
mod objects;
mod rbac;
mod request;
mod resources;
mod user;

pub use error::KubernetesError;
pub use objects::{
    AggregationRule, ClusterRole, ClusterRoleBinding, LabelSelector, LabelSelectorRequirement,
    PolicyRule, RbacObjects, Role, RoleBinding, RoleRef, SelectorOperator, Subject, SubjectKind,
};
pub use rbac::{
    AdminEquivalence, AdminReason, BindingRef, DanglingBinding, DanglingReason, Decision,
    GrantPath, Rbac, RoleRule,
};
pub use request::{Request, ResourceRequest};
pub use resources::{ResourceScope, built_in_group, resource_scope};
pub use user::{ALL_SERVICE_ACCOUNTS, AUTHENTICATED, UserInfo};
