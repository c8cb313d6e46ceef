//! Effective bindings and permission checks down the resource hierarchy.
//!
//! A binding on a node applies to the node and everything below it, so the bindings in force
//! at a node are those of the node and of each ancestor up to the organization.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt;

use super::error::GcpError;
use super::hierarchy::{ResourceHierarchy, normalize};
use super::member::{Member, MemberKind};
use super::policy::{Binding, BindingCondition, IamPolicy};
use super::role::RoleCatalog;

/// The roles, hierarchy, allow policies and group memberships that permission checks read.
///
/// NOTE: IAM deny policies and principal access boundary policies are not modelled, so a
/// result of [`Access::Granted`] can still be refused by one of them.
#[derive(Debug, Clone, Default)]
pub struct IamModel {
    roles: RoleCatalog,
    hierarchy: ResourceHierarchy,
    policies: BTreeMap<String, IamPolicy>,
    /// For each member, the groups that list it directly.
    member_of: BTreeMap<Member, BTreeSet<Member>>,
}

/// A binding in force at a node, for one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveBinding<'a> {
    pub member: &'a Member,
    pub role: &'a str,
    pub condition: Option<&'a BindingCondition>,
    /// The node whose policy contains the binding.
    pub granted_at: &'a str,
}

/// The way a binding's member covers the requested member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy<'a> {
    /// The binding names the member itself.
    Direct,
    /// The binding names a group the member belongs to, directly or through nested groups.
    Group(&'a Member),
    /// The binding names the domain of the member's email (`domain:`).
    Domain,
    /// `allUsers`
    AllUsers,
    /// `allAuthenticatedUsers`
    AllAuthenticatedUsers,
    /// A `principalSet://.../*` that contains the `principal://` asked about.
    PrincipalSet,
    /// `projectOwner:`, `projectEditor:` or `projectViewer:`: the member has that basic role on
    /// the project.
    ProjectRole,
}

/// One binding that grants, or may grant, a permission, with the nodes from the requested
/// node up to the node whose policy contains the binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPath<'a> {
    pub binding: EffectiveBinding<'a>,
    pub matched_by: MatchedBy<'a>,
    /// The node asked about first, then its ancestors up to and including `granted_at`.
    pub path: Vec<String>,
}

/// The result of checking whether a member has a permission on a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access<'a> {
    /// At least one unconditional binding grants the permission; `via` lists them all.
    Granted { via: Vec<AccessPath<'a>> },
    /// Only conditional bindings grant it, so it is granted when one of their conditions
    /// holds. `unknown` lists bindings whose role permissions are not known, which might
    /// grant it without a condition.
    Conditional {
        conditions: Vec<AccessPath<'a>>,
        unknown: Vec<AccessPath<'a>>,
    },
    /// No known role grants it, but the member holds roles whose permissions are not known
    /// (missing from the catalog, or listed without permissions).
    Unknown { roles: Vec<AccessPath<'a>> },
    /// No binding grants it.
    Denied,
}

impl Access<'_> {
    pub fn is_granted(&self) -> bool {
        matches!(self, Access::Granted { .. })
    }

    pub fn is_denied(&self) -> bool {
        matches!(self, Access::Denied)
    }
}

/// Whether a role includes a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoleAnswer {
    Yes,
    No,
    Unknown,
}

impl IamModel {
    pub fn new(roles: RoleCatalog, hierarchy: ResourceHierarchy) -> IamModel {
        IamModel {
            roles,
            hierarchy,
            policies: BTreeMap::new(),
            member_of: BTreeMap::new(),
        }
    }

    /// Sets the allow policy of a node, replacing an earlier one.
    pub fn set_policy(&mut self, node: &str, policy: IamPolicy) {
        self.policies.insert(normalize(node).to_owned(), policy);
    }

    /// Records that `member` belongs to `group` (a `group:` member). Groups may nest.
    pub fn add_group_member(&mut self, group: Member, member: Member) {
        self.member_of.entry(member).or_default().insert(group);
    }

    pub fn roles(&self) -> &RoleCatalog {
        &self.roles
    }

    pub fn hierarchy(&self) -> &ResourceHierarchy {
        &self.hierarchy
    }

    pub fn policy(&self, node: &str) -> Option<&IamPolicy> {
        self.policies.get(normalize(node))
    }

    /// Lists every (member, role, condition, granted-at) in force at a node: the bindings of
    /// the node first, then those of each ancestor, in policy order.
    pub fn effective_bindings(&self, node: &str) -> Result<Vec<EffectiveBinding<'_>>, GcpError> {
        let mut effective = Vec::new();
        for at in self.hierarchy.ancestry(node)? {
            let Some((granted_at, policy)) = self.policies.get_key_value(at) else {
                continue;
            };
            for binding in &policy.bindings {
                for member in &binding.members {
                    effective.push(effective_binding(binding, member, granted_at));
                }
            }
        }
        Ok(effective)
    }

    /// Decides whether `member` holds `permission` on `node`, through the bindings of the node
    /// and its ancestors, the member's groups, and the public and domain members.
    ///
    /// A deleted member matches only bindings that name it, because it can no longer sign in.
    pub fn member_has_permission(
        &self,
        member: &Member,
        permission: &str,
        node: &str,
    ) -> Result<Access<'_>, GcpError> {
        let mut granted = Vec::new();
        let mut conditional = Vec::new();
        let mut unknown = Vec::new();

        self.walk(member, node, |hit, chain| {
            let list = match (
                self.role_includes(hit.binding.role.as_str(), permission),
                &hit.binding.condition,
            ) {
                (RoleAnswer::No, _) => return,
                (RoleAnswer::Unknown, _) => &mut unknown,
                (RoleAnswer::Yes, None) => &mut granted,
                (RoleAnswer::Yes, Some(_)) => &mut conditional,
            };
            list.push(hit.into_path(chain));
        })?;

        Ok(if !granted.is_empty() {
            Access::Granted { via: granted }
        } else if !conditional.is_empty() {
            Access::Conditional {
                conditions: conditional,
                unknown,
            }
        } else if !unknown.is_empty() {
            Access::Unknown { roles: unknown }
        } else {
            Access::Denied
        })
    }

    /// Lists the bindings in force at `node` that cover `member`, each with how it matched.
    pub fn bindings_of(
        &self,
        member: &Member,
        node: &str,
    ) -> Result<Vec<AccessPath<'_>>, GcpError> {
        let mut paths = Vec::new();
        self.walk(member, node, |hit, chain| paths.push(hit.into_path(chain)))?;
        Ok(paths)
    }

    /// Calls `visit` for each binding member in force at `node` that covers `member`, nearest
    /// node first, with the chain of nodes from `node` up to the root.
    fn walk<'a>(
        &'a self,
        member: &Member,
        node: &str,
        mut visit: impl FnMut(Hit<'a>, &[&str]),
    ) -> Result<(), GcpError> {
        let chain = self.hierarchy.ancestry(node)?;
        let groups = self.groups_of(member);

        for (depth, at) in chain.iter().enumerate() {
            let Some((granted_at, policy)) = self.policies.get_key_value(*at) else {
                continue;
            };
            for binding in &policy.bindings {
                for binding_member in &binding.members {
                    let Some(matched_by) = self.covers(binding_member, member, &groups, true)
                    else {
                        continue;
                    };
                    let hit = Hit {
                        binding,
                        binding_member,
                        matched_by,
                        granted_at,
                        depth,
                    };
                    visit(hit, &chain);
                }
            }
        }
        Ok(())
    }

    fn role_includes(&self, role: &str, permission: &str) -> RoleAnswer {
        let Some(role) = self.roles.get(role) else {
            return RoleAnswer::Unknown;
        };
        if !role.is_active() {
            return RoleAnswer::No;
        }
        match role.includes(permission) {
            Some(true) => RoleAnswer::Yes,
            Some(false) => RoleAnswer::No,
            None => RoleAnswer::Unknown,
        }
    }

    /// Lists the groups that contain `member`, directly or through nested groups.
    fn groups_of(&self, member: &Member) -> BTreeSet<&Member> {
        let mut groups = BTreeSet::new();
        let mut pending = vec![member];
        while let Some(current) = pending.pop() {
            let Some(direct) = self.member_of.get(current) else {
                continue;
            };
            for group in direct {
                if groups.insert(group) {
                    pending.push(group);
                }
            }
        }
        groups
    }

    /// Returns how `binding_member` covers `member`, or `None`. Convenience members
    /// (`projectOwner:` ...) are followed only when `follow_project_roles` is set, so that
    /// resolving them cannot recurse.
    fn covers<'a>(
        &'a self,
        binding_member: &'a Member,
        member: &Member,
        groups: &BTreeSet<&Member>,
        follow_project_roles: bool,
    ) -> Option<MatchedBy<'a>> {
        if binding_member == member {
            return Some(MatchedBy::Direct);
        }
        if member.is_deleted() || binding_member.is_deleted() {
            return None;
        }
        match binding_member.kind() {
            MemberKind::AllUsers => Some(MatchedBy::AllUsers),
            MemberKind::AllAuthenticatedUsers => {
                (member.kind() != MemberKind::AllUsers).then_some(MatchedBy::AllAuthenticatedUsers)
            }
            MemberKind::Group => groups
                .contains(binding_member)
                .then_some(MatchedBy::Group(binding_member)),
            MemberKind::Domain => (member.kind() == MemberKind::User
                && member.email_domain() == Some(binding_member.id()))
            .then_some(MatchedBy::Domain),
            MemberKind::PrincipalSet => principal_set_contains(binding_member.id(), member)
                .then_some(MatchedBy::PrincipalSet),
            MemberKind::ProjectOwner | MemberKind::ProjectEditor | MemberKind::ProjectViewer
                if follow_project_roles =>
            {
                self.holds_project_role(binding_member, member, groups)
                    .then_some(MatchedBy::ProjectRole)
            }
            _ => None,
        }
    }

    /// Returns whether `member` holds the basic role that a `projectOwner:`, `projectEditor:`
    /// or `projectViewer:` member stands for, on that project.
    ///
    /// NOTE: only unconditional bindings count, and the project must be named in the hierarchy
    /// and policies by the id that the convenience member uses (`projects/ID`, not its number).
    fn holds_project_role(
        &self,
        convenience: &Member,
        member: &Member,
        groups: &BTreeSet<&Member>,
    ) -> bool {
        let Some(role) = convenience.kind().project_role() else {
            return false;
        };
        let project = format!("projects/{}", convenience.id());
        let Ok(chain) = self.hierarchy.ancestry(&project) else {
            return false;
        };
        chain
            .iter()
            .filter_map(|at| self.policies.get(*at))
            .flat_map(|policy| &policy.bindings)
            .filter(|binding| binding.role == role && binding.condition.is_none())
            .flat_map(|binding| &binding.members)
            .any(|binding_member| self.covers(binding_member, member, groups, false).is_some())
    }
}

/// A binding member that covers the member asked about, found at `depth` in the chain.
struct Hit<'a> {
    binding: &'a Binding,
    binding_member: &'a Member,
    matched_by: MatchedBy<'a>,
    granted_at: &'a str,
    depth: usize,
}

impl<'a> Hit<'a> {
    fn into_path(self, chain: &[&str]) -> AccessPath<'a> {
        AccessPath {
            binding: effective_binding(self.binding, self.binding_member, self.granted_at),
            matched_by: self.matched_by,
            path: chain[..=self.depth]
                .iter()
                .map(|node| (*node).to_owned())
                .collect(),
        }
    }
}

fn effective_binding<'a>(
    binding: &'a Binding,
    member: &'a Member,
    granted_at: &'a str,
) -> EffectiveBinding<'a> {
    EffectiveBinding {
        member,
        role: &binding.role,
        condition: binding.condition.as_ref(),
        granted_at,
    }
}

/// Returns whether a `principalSet://` URI ending in `/*` (every identity of a pool) contains
/// the `principal://` member.
///
/// NOTE: sets chosen by group or attribute (`.../group/G`, `.../attribute.A/V`) depend on
/// token claims that IAM policies do not show, so they cover only themselves.
fn principal_set_contains(set: &str, member: &Member) -> bool {
    if member.kind() != MemberKind::Principal {
        return false;
    }
    let Some(pool) = set
        .strip_prefix("principalSet://")
        .and_then(|rest| rest.strip_suffix("/*"))
    else {
        return false;
    };
    member
        .id()
        .strip_prefix("principal://")
        .and_then(|rest| rest.strip_prefix(pool))
        .is_some_and(|rest| rest.starts_with("/subject/"))
}

impl fmt::Display for EffectiveBinding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` has `{}` on `{}`",
            self.member, self.role, self.granted_at
        )?;
        if let Some(condition) = self.condition {
            match (&condition.title, &condition.expression) {
                (Some(title), _) => write!(f, " if `{title}`")?,
                (None, Some(expression)) => write!(f, " if `{expression}`")?,
                (None, None) => f.write_str(" under a condition")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for AccessPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.binding)?;
        match self.matched_by {
            MatchedBy::Direct => {}
            MatchedBy::Group(group) => write!(f, " (member of `{group}`)")?,
            MatchedBy::Domain => f.write_str(" (by email domain)")?,
            MatchedBy::AllUsers | MatchedBy::AllAuthenticatedUsers => {
                f.write_str(" (public member)")?;
            }
            MatchedBy::PrincipalSet => f.write_str(" (in the principal set)")?,
            MatchedBy::ProjectRole => f.write_str(" (has the project's basic role)")?,
        }
        if self.path.len() > 1 {
            let down: Vec<&str> = self.path.iter().rev().map(String::as_str).collect();
            write!(f, ", inherited along `{}`", down.join("` > `"))?;
        }
        Ok(())
    }
}
