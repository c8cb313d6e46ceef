//! Access checks: role assignments inherited down the scope tree, limited by deny
//! assignments.

use std::fmt;

use super::assignment::{DenyAssignment, Principal, RoleAssignment};
use super::definition::{ActionKind, RoleDefinition, RoleDefinitions};
use super::error::AzureError;
use super::scope::{Scope, ScopeTree};

/// Role definitions, assignments, deny assignments and the management group tree: what the
/// engine decides from.
#[derive(Debug, Clone, Default)]
pub struct Rbac {
    definitions: RoleDefinitions,
    tree: ScopeTree,
    assignments: Vec<RoleAssignment>,
    denies: Vec<DenyAssignment>,
}

/// A role assignment in force at a scope, with its definition and the scopes from the one
/// asked about up to the assignment's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentPath<'a> {
    pub assignment: &'a RoleAssignment,
    /// `None` when no known definition has the assignment's `roleDefinitionId`.
    pub definition: Option<&'a RoleDefinition>,
    /// The scope asked about first, then each scope above it up to the assignment's scope.
    pub path: Vec<String>,
}

/// A deny assignment that applies to a request, with the scopes from the one asked about up
/// to the deny's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyPath<'a> {
    pub deny: &'a DenyAssignment,
    pub path: Vec<String>,
}

/// The decision on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<'a> {
    /// At least one unconditional assignment allows the action and no deny assignment
    /// applies; `via` lists every such assignment.
    Allowed {
        via: Vec<AssignmentPath<'a>>,
    },
    /// Only assignments with an ABAC condition (on the assignment or on the definition's
    /// permission block) allow it. `unresolved` lists assignments whose definition is
    /// missing, which might allow it without a condition.
    AllowedIf {
        conditions: Vec<AssignmentPath<'a>>,
        unresolved: Vec<AssignmentPath<'a>>,
    },
    /// No known definition allows it, but the principal has assignments whose definition is
    /// missing.
    Unknown {
        unresolved: Vec<AssignmentPath<'a>>,
    },
    Denied {
        reason: DenyReason<'a>,
    },
}

impl Decision<'_> {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    pub fn is_denied(&self) -> bool {
        matches!(self, Decision::Denied { .. })
    }
}

/// The reason a request is denied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DenyReason<'a> {
    /// Deny assignments apply; they override every role assignment.
    DenyAssignments(Vec<DenyPath<'a>>),
    /// No role assignment in force at the scope allows the action.
    NoAssignment,
}

/// Whether a definition allows an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Yes,
    IfCondition,
    No,
}

impl Rbac {
    pub fn new(definitions: RoleDefinitions, tree: ScopeTree) -> Rbac {
        Rbac {
            definitions,
            tree,
            assignments: Vec::new(),
            denies: Vec::new(),
        }
    }

    pub fn add_assignments(&mut self, assignments: impl IntoIterator<Item = RoleAssignment>) {
        self.assignments.extend(assignments);
    }

    pub fn add_deny_assignments(&mut self, denies: impl IntoIterator<Item = DenyAssignment>) {
        self.denies.extend(denies);
    }

    pub fn definitions(&self) -> &RoleDefinitions {
        &self.definitions
    }

    pub fn tree(&self) -> &ScopeTree {
        &self.tree
    }

    /// Decides whether the principal may perform a control plane action (such as
    /// `Microsoft.Compute/virtualMachines/write`) at a scope.
    pub fn check(
        &self,
        principal: &Principal,
        action: &str,
        scope: &str,
    ) -> Result<Decision<'_>, AzureError> {
        self.check_action(principal, action, ActionKind::Control, scope)
    }

    /// Decides whether the principal may perform a data action (such as
    /// `Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read`) at a scope.
    pub fn check_data_action(
        &self,
        principal: &Principal,
        action: &str,
        scope: &str,
    ) -> Result<Decision<'_>, AzureError> {
        self.check_action(principal, action, ActionKind::Data, scope)
    }

    /// Decides a request: a deny assignment that applies wins; otherwise an assignment at the
    /// scope or above it whose definition allows the action grants it.
    pub fn check_action(
        &self,
        principal: &Principal,
        action: &str,
        kind: ActionKind,
        scope: &str,
    ) -> Result<Decision<'_>, AzureError> {
        let scope = Scope::parse(scope)?;
        let chain = self.tree.ancestry(&scope)?;

        let denies = self.applying_denies(principal, action, kind, &chain);
        if !denies.is_empty() {
            return Ok(Decision::Denied {
                reason: DenyReason::DenyAssignments(denies),
            });
        }

        let mut granted = Vec::new();
        let mut conditional = Vec::new();
        let mut unresolved = Vec::new();
        for path in self.paths_in_force(principal, &chain) {
            let Some(definition) = path.definition else {
                unresolved.push(path);
                continue;
            };
            match (answer(definition, action, kind), &path.assignment.condition) {
                (Answer::No, _) => {}
                (Answer::Yes, None) => granted.push(path),
                _ => conditional.push(path),
            }
        }

        Ok(if !granted.is_empty() {
            Decision::Allowed { via: granted }
        } else if !conditional.is_empty() {
            Decision::AllowedIf {
                conditions: conditional,
                unresolved,
            }
        } else if !unresolved.is_empty() {
            Decision::Unknown { unresolved }
        } else {
            Decision::Denied {
                reason: DenyReason::NoAssignment,
            }
        })
    }

    /// Lists the role assignments in force at a scope for the principal: those at the scope
    /// or above it that name the principal or one of its groups.
    pub fn assignments_of(
        &self,
        principal: &Principal,
        scope: &str,
    ) -> Result<Vec<AssignmentPath<'_>>, AzureError> {
        let scope = Scope::parse(scope)?;
        let chain = self.tree.ancestry(&scope)?;
        Ok(self.paths_in_force(principal, &chain))
    }

    /// Lists the assignments whose `roleDefinitionId` names no known definition.
    pub fn unresolved_assignments(&self) -> Vec<&RoleAssignment> {
        self.assignments
            .iter()
            .filter(|assignment| {
                self.definitions
                    .get(&assignment.role_definition_id)
                    .is_none()
            })
            .collect()
    }

    fn paths_in_force(&self, principal: &Principal, chain: &[Scope]) -> Vec<AssignmentPath<'_>> {
        self.assignments
            .iter()
            .filter(|assignment| principal.is_or_belongs_to(&assignment.principal_id))
            .filter_map(|assignment| {
                let depth = chain.iter().position(|scope| *scope == assignment.scope)?;
                Some(AssignmentPath {
                    assignment,
                    definition: self.definitions.get(&assignment.role_definition_id),
                    path: path_text(&chain[..=depth]),
                })
            })
            .collect()
    }

    fn applying_denies(
        &self,
        principal: &Principal,
        action: &str,
        kind: ActionKind,
        chain: &[Scope],
    ) -> Vec<DenyPath<'_>> {
        self.denies
            .iter()
            .filter(|deny| deny.applies_to(principal) && deny.denies(action, kind))
            .filter_map(|deny| {
                let depth = chain.iter().position(|scope| *scope == deny.scope)?;
                if deny.do_not_apply_to_child_scopes && depth > 0 {
                    return None;
                }
                Some(DenyPath {
                    deny,
                    path: path_text(&chain[..=depth]),
                })
            })
            .collect()
    }
}

fn answer(definition: &RoleDefinition, action: &str, kind: ActionKind) -> Answer {
    let mut result = Answer::No;
    for permission in &definition.permissions {
        if !permission.allows(action, kind) {
            continue;
        }
        if permission.condition.is_none() {
            return Answer::Yes;
        }
        result = Answer::IfCondition;
    }
    result
}

fn path_text(scopes: &[Scope]) -> Vec<String> {
    scopes
        .iter()
        .map(|scope| scope.as_str().to_owned())
        .collect()
}

impl fmt::Display for AssignmentPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let role = self
            .definition
            .map_or(self.assignment.role_definition_id.as_str(), |definition| {
                definition.role_name.as_str()
            });
        write!(
            f,
            "`{}` has `{role}` at `{}`",
            self.assignment.principal_id, self.assignment.scope
        )?;
        if let Some(condition) = &self.assignment.condition {
            write!(f, " if `{condition}`")?;
        }
        if self.path.len() > 1 {
            let down: Vec<&str> = self.path.iter().rev().map(String::as_str).collect();
            write!(f, ", inherited along `{}`", down.join("` > `"))?;
        }
        Ok(())
    }
}

impl fmt::Display for DenyReason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DenyReason::DenyAssignments(denies) => {
                let names: Vec<String> = denies
                    .iter()
                    .map(|path| {
                        format!(
                            "`{}` at `{}`",
                            path.deny.name.as_deref().unwrap_or("(unnamed)"),
                            path.deny.scope
                        )
                    })
                    .collect();
                write!(f, "denied by deny assignment {}", names.join(", "))
            }
            DenyReason::NoAssignment => f.write_str("no role assignment allows it"),
        }
    }
}
