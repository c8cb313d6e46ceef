//! The GCP IAM engine: roles, allow policies and the resource hierarchy.
//!
//! - Roles: [`RoleCatalog`] reads predefined and custom roles from a roles file or from
//!   `roles.list` pages (`view=FULL`) and returns the permissions a role includes.
//! - Members: [`Member`] reads every member form IAM writes, keeping a deleted member apart
//!   from the live principal with the same email.
//! - Policies: [`IamPolicy`] reads allow policies; a conditional binding keeps its condition.
//! - Access: [`IamModel`] walks down organization, folders, projects and resources to list
//!   the bindings in force at a node and to decide whether a member holds a permission there,
//!   naming the bindings and the path that grant it.
//! - Administration: [`is_admin_equivalent_role`] and [`RoleCatalog::is_admin_equivalent`]
//!   name the roles that amount to full control of the container they are bound on.

mod access;
mod admin;
mod error;
mod hierarchy;
mod member;
mod policy;
mod role;

pub use access::{Access, AccessPath, EffectiveBinding, IamModel, MatchedBy};
pub use admin::{ADMIN_EQUIVALENT_PERMISSIONS, ADMIN_EQUIVALENT_ROLES, is_admin_equivalent_role};
pub use error::GcpError;
pub use hierarchy::{NodeKind, ResourceHierarchy, normalize};
pub use member::{Member, MemberKind};
pub use policy::{Binding, BindingCondition, IamPolicy};
pub use role::{Role, RoleCatalog, RoleLevel, is_basic_role};
