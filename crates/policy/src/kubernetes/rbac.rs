//! The RBAC authorizer over a set of objects: role resolution, ClusterRole aggregation, and
//! decisions that name the bindings and rules behind them.

use std::collections::BTreeMap;
use std::fmt;

use super::objects::{
    ClusterRole, ClusterRoleBinding, PolicyRule, RbacObjects, Role, RoleBinding, RoleRef, Subject,
};
use super::request::Request;
use super::user::UserInfo;

/// A rule of a role, with the ClusterRole that defines it when aggregation gathered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRule {
    pub rule: PolicyRule,
    /// The labelled ClusterRole the rule came from; `None` for the role's own rules.
    pub aggregated_from: Option<String>,
}

/// A RoleBinding or a ClusterRoleBinding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingRef<'a> {
    RoleBinding(&'a RoleBinding),
    ClusterRoleBinding(&'a ClusterRoleBinding),
}

impl<'a> BindingRef<'a> {
    pub fn role_ref(&self) -> &'a RoleRef {
        match self {
            BindingRef::RoleBinding(binding) => &binding.role_ref,
            BindingRef::ClusterRoleBinding(binding) => &binding.role_ref,
        }
    }

    pub fn subjects(&self) -> &'a [Subject] {
        match self {
            BindingRef::RoleBinding(binding) => &binding.subjects,
            BindingRef::ClusterRoleBinding(binding) => &binding.subjects,
        }
    }

    /// Returns the namespace of a RoleBinding, or `None` for a ClusterRoleBinding.
    pub fn namespace(&self) -> Option<&'a str> {
        match self {
            BindingRef::RoleBinding(binding) => Some(&binding.namespace),
            BindingRef::ClusterRoleBinding(_) => None,
        }
    }
}

/// The reason a binding grants nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DanglingReason {
    /// A RoleBinding names a Role that does not exist in the binding's namespace. A Role of
    /// the same name in another namespace does not count.
    MissingRole,
    /// The binding names a ClusterRole that does not exist.
    MissingClusterRole,
    /// A ClusterRoleBinding names a Role; only ClusterRoles can be bound cluster-wide.
    RoleInClusterRoleBinding,
    /// `roleRef.kind` is neither `Role` nor `ClusterRole`.
    UnknownRoleKind,
}

/// A binding whose role reference does not resolve, so it grants nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DanglingBinding<'a> {
    pub binding: BindingRef<'a>,
    pub reason: DanglingReason,
}

/// One rule that allows a request, and how it reaches the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantPath<'a> {
    pub binding: BindingRef<'a>,
    /// The binding's subject that covers the user.
    pub subject: &'a Subject,
    pub rule: &'a RoleRule,
    /// The rule's position in the role's rules after aggregation.
    pub rule_index: usize,
}

/// The decision on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<'a> {
    /// Every rule that allows the request, through every binding.
    Allowed { via: Vec<GrantPath<'a>> },
    /// No rule allows it. `dangling` lists bindings that cover the user and would apply to the
    /// request if their role existed.
    Denied { dangling: Vec<DanglingBinding<'a>> },
}

impl Decision<'_> {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }
}

/// The grant that makes a subject or a ClusterRole equal to cluster administration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminReason {
    /// Every verb on every resource of every API group, cluster-wide.
    AllResources,
    /// Create ClusterRoleBindings and bind the `cluster-admin` ClusterRole: it can bind
    /// itself to `cluster-admin`.
    BindClusterRoles,
    /// Escalate and update ClusterRoles: it can add any rule to the ClusterRole that grants
    /// it these rights.
    EscalateClusterRoles,
    /// Impersonate any user, including the members of `cluster-admin`.
    ImpersonateUsers,
}

/// A subject's cluster-admin equivalence, with the rules behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminEquivalence<'a> {
    pub reason: AdminReason,
    pub via: Vec<GrantPath<'a>>,
}

/// The RBAC objects of a cluster, indexed for authorization.
///
/// Objects with the same name (and namespace) replace earlier ones.
#[derive(Debug, Clone, Default)]
pub struct Rbac {
    roles: BTreeMap<(String, String), Role>,
    role_rules: BTreeMap<(String, String), Vec<RoleRule>>,
    cluster_roles: BTreeMap<String, ClusterRole>,
    cluster_role_rules: BTreeMap<String, Vec<RoleRule>>,
    /// RoleBindings by namespace, then name.
    role_bindings: BTreeMap<String, BTreeMap<String, RoleBinding>>,
    cluster_role_bindings: BTreeMap<String, ClusterRoleBinding>,
}

impl Rbac {
    /// Indexes the objects and gathers the rules of aggregated ClusterRoles.
    pub fn new(objects: RbacObjects) -> Rbac {
        let mut rbac = Rbac::default();
        for role in objects.roles {
            let rules = own_rules(&role.rules);
            let key = (role.namespace.clone(), role.name.clone());
            rbac.role_rules.insert(key.clone(), rules);
            rbac.roles.insert(key, role);
        }
        for role in objects.cluster_roles {
            rbac.cluster_role_rules
                .insert(role.name.clone(), own_rules(&role.rules));
            rbac.cluster_roles.insert(role.name.clone(), role);
        }
        for binding in objects.role_bindings {
            rbac.role_bindings
                .entry(binding.namespace.clone())
                .or_default()
                .insert(binding.name.clone(), binding);
        }
        for binding in objects.cluster_role_bindings {
            rbac.cluster_role_bindings
                .insert(binding.name.clone(), binding);
        }
        rbac.aggregate();
        rbac
    }

    pub fn role(&self, namespace: &str, name: &str) -> Option<&Role> {
        self.roles.get(&(namespace.to_owned(), name.to_owned()))
    }

    pub fn cluster_role(&self, name: &str) -> Option<&ClusterRole> {
        self.cluster_roles.get(name)
    }

    /// Returns the rules of a ClusterRole, aggregated ones included.
    pub fn cluster_role_rules(&self, name: &str) -> Option<&[RoleRule]> {
        self.cluster_role_rules.get(name).map(Vec::as_slice)
    }

    /// Iterates over the ClusterRoles in name order.
    pub fn cluster_roles(&self) -> impl Iterator<Item = &ClusterRole> {
        self.cluster_roles.values()
    }

    /// Iterates over every binding: ClusterRoleBindings by name, then RoleBindings by
    /// namespace and name.
    pub fn bindings(&self) -> impl Iterator<Item = BindingRef<'_>> {
        let cluster = self
            .cluster_role_bindings
            .values()
            .map(BindingRef::ClusterRoleBinding);
        let namespaced = self
            .role_bindings
            .values()
            .flat_map(BTreeMap::values)
            .map(BindingRef::RoleBinding);
        cluster.chain(namespaced)
    }

    /// Lists the bindings whose role reference does not resolve.
    pub fn dangling_bindings(&self) -> Vec<DanglingBinding<'_>> {
        self.bindings()
            .filter_map(|binding| {
                self.rules_of(binding)
                    .err()
                    .map(|reason| DanglingBinding { binding, reason })
            })
            .collect()
    }

    /// Decides whether the service account or user may make the request with `verb` on
    /// `resource` (in `kubectl auth can-i` notation, such as `pods/log` or `deployments.apps`)
    /// in `namespace`, or cluster-wide when `namespace` is `None`.
    pub fn can(
        &self,
        user: &UserInfo,
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> Decision<'_> {
        self.authorize(user, &Request::resource(verb, resource, namespace))
    }

    /// Decides a request as the RBAC authorizer does: ClusterRoleBindings apply everywhere,
    /// RoleBindings only to requests in their own namespace, so never to cluster-scoped
    /// resources or non-resource URLs.
    pub fn authorize(&self, user: &UserInfo, request: &Request) -> Decision<'_> {
        let mut via = Vec::new();
        let mut dangling = Vec::new();

        let cluster = self
            .cluster_role_bindings
            .values()
            .map(BindingRef::ClusterRoleBinding);
        let namespaced = request
            .namespace()
            .and_then(|namespace| self.role_bindings.get(namespace))
            .into_iter()
            .flat_map(BTreeMap::values)
            .map(BindingRef::RoleBinding);

        for binding in cluster.chain(namespaced) {
            let Some(subject) = binding
                .subjects()
                .iter()
                .find(|subject| subject.covers(user, binding.namespace()))
            else {
                continue;
            };
            let rules = match self.rules_of(binding) {
                Ok(rules) => rules,
                Err(reason) => {
                    dangling.push(DanglingBinding { binding, reason });
                    continue;
                }
            };
            for (rule_index, rule) in rules.iter().enumerate() {
                if rule.rule.allows(request) {
                    via.push(GrantPath {
                        binding,
                        subject,
                        rule,
                        rule_index,
                    });
                }
            }
        }

        if via.is_empty() {
            Decision::Denied { dangling }
        } else {
            Decision::Allowed { via }
        }
    }

    /// Returns how the user equals cluster administration, if it does. Only cluster-wide
    /// grants count, so only ClusterRoleBindings can make a subject admin-equivalent.
    pub fn is_cluster_admin_equivalent(&self, user: &UserInfo) -> Option<AdminEquivalence<'_>> {
        admin_checks().into_iter().find_map(|(reason, requests)| {
            let mut via = Vec::new();
            for request in &requests {
                let Decision::Allowed { via: paths } = self.authorize(user, request) else {
                    return None;
                };
                via.extend(paths);
            }
            Some(AdminEquivalence { reason, via })
        })
    }

    /// Returns how a ClusterRole, bound cluster-wide, equals cluster administration, judged on
    /// its rules after aggregation. `None` when it does not, or when no such ClusterRole exists.
    pub fn cluster_role_admin_reason(&self, name: &str) -> Option<AdminReason> {
        let rules = self.cluster_role_rules.get(name)?;
        admin_checks().into_iter().find_map(|(reason, requests)| {
            requests
                .iter()
                .all(|request| rules.iter().any(|rule| rule.rule.allows(request)))
                .then_some(reason)
        })
    }

    /// Resolves a binding's role: a RoleBinding's Role in the binding's namespace, or a
    /// ClusterRole.
    fn rules_of(&self, binding: BindingRef<'_>) -> Result<&[RoleRule], DanglingReason> {
        let role_ref = binding.role_ref();
        match (role_ref.kind.as_str(), binding.namespace()) {
            ("ClusterRole", _) => self
                .cluster_role_rules
                .get(&role_ref.name)
                .map(Vec::as_slice)
                .ok_or(DanglingReason::MissingClusterRole),
            ("Role", Some(namespace)) => self
                .role_rules
                .get(&(namespace.to_owned(), role_ref.name.clone()))
                .map(Vec::as_slice)
                .ok_or(DanglingReason::MissingRole),
            ("Role", None) => Err(DanglingReason::RoleInClusterRoleBinding),
            _ => Err(DanglingReason::UnknownRoleKind),
        }
    }

    /// Gives each aggregated ClusterRole the rules of every ClusterRole its selectors match,
    /// in name order, as the aggregation controller does. Rounds repeat until nothing changes,
    /// so that aggregated roles can feed each other (`view` into `edit` into `admin`). Rules
    /// already stored on the aggregated role come first: the controller wrote them from the
    /// same sources.
    fn aggregate(&mut self) {
        let aggregated: Vec<&ClusterRole> = self
            .cluster_roles
            .values()
            .filter(|role| role.aggregation_rule.is_some())
            .collect();
        if aggregated.is_empty() {
            return;
        }

        let mut rules = self.cluster_role_rules.clone();
        // Each round can only add rules, and every rule comes from a finite set of roles, so
        // the rounds end. The bound guards against a mistake in that reasoning.
        for _ in 0..=self.cluster_roles.len() {
            let mut changed = false;
            for target in &aggregated {
                let gathered = self.gather(target, &rules);
                if rules.get(&target.name) != Some(&gathered) {
                    rules.insert(target.name.clone(), gathered);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        self.cluster_role_rules = rules;
    }

    /// Lists the target's own rules, then the current rules of every ClusterRole its
    /// selectors match, without repeats.
    fn gather(
        &self,
        target: &ClusterRole,
        current: &BTreeMap<String, Vec<RoleRule>>,
    ) -> Vec<RoleRule> {
        let mut gathered = own_rules(&target.rules);
        let Some(aggregation) = &target.aggregation_rule else {
            return gathered;
        };
        let sources = self.cluster_roles.values().filter(|source| {
            source.name != target.name
                && aggregation
                    .cluster_role_selectors
                    .iter()
                    .any(|selector| selector.matches(&source.labels))
        });
        for source in sources {
            for rule in current.get(&source.name).into_iter().flatten() {
                if gathered.iter().any(|existing| existing.rule == rule.rule) {
                    continue;
                }
                gathered.push(RoleRule {
                    rule: rule.rule.clone(),
                    aggregated_from: Some(
                        rule.aggregated_from
                            .clone()
                            .unwrap_or_else(|| source.name.clone()),
                    ),
                });
            }
        }
        gathered
    }
}

fn own_rules(rules: &[PolicyRule]) -> Vec<RoleRule> {
    rules
        .iter()
        .map(|rule| RoleRule {
            rule: rule.clone(),
            aggregated_from: None,
        })
        .collect()
}

/// Lists, for each kind of cluster-admin equivalence, the requests that together make it.
fn admin_checks() -> [(AdminReason, Vec<Request>); 4] {
    [
        (
            AdminReason::AllResources,
            vec![Request::resource("*", "*", None).with_group("*")],
        ),
        (
            AdminReason::BindClusterRoles,
            vec![
                Request::resource("create", "clusterrolebindings", None),
                Request::resource("bind", "clusterroles", None).with_name("cluster-admin"),
            ],
        ),
        (
            AdminReason::EscalateClusterRoles,
            vec![
                Request::resource("escalate", "clusterroles", None),
                Request::resource("update", "clusterroles", None),
            ],
        ),
        (
            AdminReason::ImpersonateUsers,
            vec![Request::resource("impersonate", "users", None)],
        ),
    ]
}

impl fmt::Display for BindingRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindingRef::RoleBinding(binding) => {
                write!(f, "RoleBinding `{}/{}`", binding.namespace, binding.name)
            }
            BindingRef::ClusterRoleBinding(binding) => {
                write!(f, "ClusterRoleBinding `{}`", binding.name)
            }
        }
    }
}

impl fmt::Display for DanglingReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DanglingReason::MissingRole => "its Role does not exist in the binding's namespace",
            DanglingReason::MissingClusterRole => "its ClusterRole does not exist",
            DanglingReason::RoleInClusterRoleBinding => {
                "a ClusterRoleBinding can reference only a ClusterRole"
            }
            DanglingReason::UnknownRoleKind => "`roleRef.kind` is neither `Role` nor `ClusterRole`",
        })
    }
}

impl fmt::Display for DanglingBinding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let role_ref = self.binding.role_ref();
        write!(
            f,
            "{} grants nothing through {} `{}`: {}",
            self.binding, role_ref.kind, role_ref.name, self.reason
        )
    }
}

impl fmt::Display for GrantPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let role_ref = self.binding.role_ref();
        write!(
            f,
            "{} grants {} `{}` to {} (rule {}",
            self.binding, role_ref.kind, role_ref.name, self.subject, self.rule_index
        )?;
        if let Some(source) = &self.rule.aggregated_from {
            write!(f, ", aggregated from ClusterRole `{source}`")?;
        }
        f.write_str(")")
    }
}
