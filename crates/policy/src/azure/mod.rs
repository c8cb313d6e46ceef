//! The Azure RBAC engine: role definitions, role and deny assignments, and inheritance down
//! management groups, subscriptions, resource groups and resources.
//!
//! - Definitions: [`RoleDefinitions`] reads `az role definition list` output or ARM pages. A
//!   role allows an action when a permission block matches it in `actions` and not in
//!   `notActions` (data actions apart, in `dataActions` and `notDataActions`). Patterns take
//!   `*` anywhere and compare without case ([`action_matches`]).
//! - Scopes: [`Scope`] reads ARM scope paths; [`ScopeTree`] records the management group of
//!   each subscription and management group, which their paths do not show.
//! - Checks: [`Rbac::check`] decides whether a [`Principal`] (with its groups) may perform an
//!   action at a scope. Deny assignments override every role assignment. Conditional
//!   assignments give a conditional decision, and assignments to unknown definitions are
//!   reported, never read as "no access".

mod assignment;
mod check;
mod definition;
mod error;
mod pattern;
mod scope;

pub use assignment::{DenyAssignment, DenyPrincipal, EVERYONE, Principal, RoleAssignment};
pub use check::{AssignmentPath, Decision, DenyPath, DenyReason, Rbac};
pub use definition::{
    ActionKind, Permission, ROLE_ASSIGNMENT_WRITE, RoleDefinition, RoleDefinitions,
};
pub use error::AzureError;
pub use pattern::action_matches;
pub use scope::{Scope, ScopeKind, ScopeTree};
