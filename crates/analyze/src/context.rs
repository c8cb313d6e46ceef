use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt};
use std::sync::OnceLock;

use jiff::Timestamp;
use roster_declared::types::{
    Duration, GroupDeclaration, IdentityDeclaration, MemberMatcher, Roster, Settings,
};
use roster_graph::IdentityGraph;
use roster_model::{CoverageKind, Identity, IdentityKey, IdentityKind, Nature, ScopeId};

use crate::aws_access::{AwsPolicies, AwsSummary};
use crate::nature::{NatureVerdict, classify};

/// A roster entry that declares an identity, so that reports can point at its line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Declaration {
    /// `roster.identities[index]`, by id or by selector.
    Identity(usize),
    /// The `member`-th entry of a roster group's `members`, by id or by selector.
    GroupMember { group: String, member: usize },
}

/// An identity's owner and the source that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub name: String,
    /// For example `declaration`, `roster group ci-deployers`, `tag owner`.
    pub source: String,
}

/// Everything a rule reads: the graph, the roster, `now`, and what was derived from them once.
pub struct Context<'a> {
    pub graph: &'a IdentityGraph,
    pub roster: Option<&'a Roster>,
    pub now: Timestamp,
    pub settings: Settings,
    /// Identity declarations that name each identity, by index into `roster.identities`.
    declarations: HashMap<IdentityKey, Vec<usize>>,
    /// Roster groups each identity is a member of, by group name.
    roster_groups_of: HashMap<IdentityKey, Vec<String>>,
    /// Members of each roster group that the graph holds.
    roster_group_members: BTreeMap<String, BTreeSet<IdentityKey>>,
    /// Identity keys declared by id (in identities or group members) that the graph lacks.
    declared_absent: BTreeMap<IdentityKey, Vec<String>>,
    natures: HashMap<IdentityKey, NatureVerdict>,
    /// The roster entries that declare each identity, found or not, in roster order.
    declared_at: HashMap<IdentityKey, Vec<Declaration>>,
    /// The AWS policy documents, parsed on first use.
    pub(crate) aws_policies: OnceLock<AwsPolicies>,
    /// What each AWS user and role can do, computed on first use.
    pub(crate) aws_summaries: OnceLock<HashMap<IdentityKey, AwsSummary>>,
}

impl<'a> Context<'a> {
    pub fn new(graph: &'a IdentityGraph, roster: Option<&'a Roster>, now: Timestamp) -> Self {
        let settings = roster
            .map(|roster| roster.settings.clone())
            .unwrap_or_default();
        let mut context = Context {
            graph,
            roster,
            now,
            settings,
            declarations: HashMap::new(),
            roster_groups_of: HashMap::new(),
            roster_group_members: BTreeMap::new(),
            declared_absent: BTreeMap::new(),
            natures: HashMap::new(),
            declared_at: HashMap::new(),
            aws_policies: OnceLock::new(),
            aws_summaries: OnceLock::new(),
        };

        if let Some(roster) = roster {
            context.resolve_identity_declarations(roster);
            context.resolve_roster_groups(roster);
        }
        context.classify_identities();
        context
    }

    fn resolve_identity_declarations(&mut self, roster: &Roster) {
        for (index, declaration) in roster.identities.iter().enumerate() {
            if let Some(id) = &declaration.id {
                let Ok(key) = id.parse::<IdentityKey>() else {
                    continue;
                };
                self.declared_at
                    .entry(key.clone())
                    .or_default()
                    .push(Declaration::Identity(index));
                if self.graph.identity(&key).is_some() {
                    self.declarations.entry(key).or_default().push(index);
                } else {
                    self.declared_absent
                        .entry(key)
                        .or_default()
                        .push(format!("identity declaration #{}", index + 1));
                }
                continue;
            }
            let Some(selector) = &declaration.selector else {
                continue;
            };
            for identity in self
                .graph
                .identities()
                .filter(|identity| selector.matches(identity))
            {
                self.declarations
                    .entry(identity.key.clone())
                    .or_default()
                    .push(index);
                self.declared_at
                    .entry(identity.key.clone())
                    .or_default()
                    .push(Declaration::Identity(index));
            }
        }
    }

    fn resolve_roster_groups(&mut self, roster: &Roster) {
        for (name, group) in &roster.groups {
            let mut members = BTreeSet::new();
            for (position, matcher) in group.members.iter().enumerate() {
                let declaration = Declaration::GroupMember {
                    group: name.clone(),
                    member: position,
                };
                match matcher {
                    MemberMatcher::Id { id } => {
                        let Ok(key) = id.parse::<IdentityKey>() else {
                            continue;
                        };
                        self.declared_at
                            .entry(key.clone())
                            .or_default()
                            .push(declaration);
                        if self.graph.identity(&key).is_some() {
                            members.insert(key);
                        } else {
                            self.declared_absent
                                .entry(key)
                                .or_default()
                                .push(format!("roster group `{name}`"));
                        }
                    }
                    MemberMatcher::Selector { selector } => {
                        for identity in self
                            .graph
                            .identities()
                            .filter(|identity| selector.matches(identity))
                        {
                            members.insert(identity.key.clone());
                            self.declared_at
                                .entry(identity.key.clone())
                                .or_default()
                                .push(declaration.clone());
                        }
                    }
                }
            }
            for key in &members {
                self.roster_groups_of
                    .entry(key.clone())
                    .or_default()
                    .push(name.clone());
            }
            self.roster_group_members.insert(name.clone(), members);
        }
    }

    fn classify_identities(&mut self) {
        let mut natures = HashMap::with_capacity(self.graph.identity_count());
        for identity in self.graph.identities() {
            let declared_human = self
                .declarations_of(&identity.key)
                .find_map(|declaration| declaration.human);
            let declared = self.is_declared(&identity.key);
            natures.insert(
                identity.key.clone(),
                classify(identity, declared_human, declared),
            );
        }
        self.natures = natures;
    }

    /// Returns the identity declarations that name an identity.
    pub fn declarations_of(&self, key: &IdentityKey) -> impl Iterator<Item = &IdentityDeclaration> {
        let roster = self.roster;
        self.declarations
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(move |&index| roster.and_then(|roster| roster.identities.get(index)))
    }

    /// Returns the roster entries that declare an identity, whether or not the scan found it:
    /// identity declarations first, in roster order, then roster group members by group name.
    pub fn declared_at(&self, key: &IdentityKey) -> &[Declaration] {
        self.declared_at.get(key).map_or(&[], Vec::as_slice)
    }

    /// Returns the names of the roster groups an identity is a member of, sorted.
    pub fn roster_groups_of(&self, key: &IdentityKey) -> &[String] {
        self.roster_groups_of
            .get(key)
            .map_or(&[], |groups| groups.as_slice())
    }

    pub fn roster_group(&self, name: &str) -> Option<&GroupDeclaration> {
        self.roster.and_then(|roster| roster.groups.get(name))
    }

    /// Returns the members of a roster group that the scan found.
    pub fn roster_group_members(&self, name: &str) -> Option<&BTreeSet<IdentityKey>> {
        self.roster_group_members.get(name)
    }

    /// Returns every roster group with its found members, by name.
    pub fn roster_groups(
        &self,
    ) -> impl Iterator<Item = (&String, &GroupDeclaration, &BTreeSet<IdentityKey>)> {
        let roster = self.roster;
        self.roster_group_members
            .iter()
            .filter_map(move |(name, members)| {
                roster
                    .and_then(|roster| roster.groups.get(name))
                    .map(|group| (name, group, members))
            })
    }

    /// Returns identity keys that the roster declares by id but the scan did not find, with
    /// where each was declared.
    pub fn declared_absent(&self) -> &BTreeMap<IdentityKey, Vec<String>> {
        &self.declared_absent
    }

    /// Returns whether any identity declaration or roster group names the identity.
    pub fn is_declared(&self, key: &IdentityKey) -> bool {
        self.declarations.contains_key(key) || self.roster_groups_of.contains_key(key)
    }

    /// Returns the nature verdict of an identity: human or not, with the reasons.
    pub fn nature(&self, key: &IdentityKey) -> Option<&NatureVerdict> {
        self.natures.get(key)
    }

    pub fn is_human(&self, key: &IdentityKey) -> bool {
        self.nature(key)
            .is_some_and(|verdict| verdict.nature == Nature::Human)
    }

    /// Returns the environment of an identity: its declaration's, then its first roster
    /// group's, then its scope's.
    pub fn environment_of(&self, identity: &Identity) -> Option<String> {
        if let Some(environment) = self
            .declarations_of(&identity.key)
            .find_map(|declaration| declaration.environment.clone())
        {
            return Some(environment);
        }
        if let Some(environment) = self
            .roster_groups_of(&identity.key)
            .iter()
            .filter_map(|name| self.roster_group(name))
            .find_map(|group| group.environment.clone())
        {
            return Some(environment);
        }
        self.graph
            .environment_of_scope(&identity.scope)
            .map(str::to_owned)
    }

    /// Returns the environment of an identity key, looking the identity up first.
    pub fn environment_of_key(&self, key: &IdentityKey) -> Option<String> {
        self.graph
            .identity(key)
            .and_then(|identity| self.environment_of(identity))
    }

    /// Returns the owner of an identity: its declaration's, its first roster group's, or an
    /// `owner` tag.
    pub fn owner_of(&self, identity: &Identity) -> Option<Owner> {
        if let Some(name) = self
            .declarations_of(&identity.key)
            .find_map(|declaration| declaration.owner.clone())
        {
            return Some(Owner {
                name,
                source: "declaration".to_owned(),
            });
        }
        for group_name in self.roster_groups_of(&identity.key) {
            if let Some(name) = self
                .roster_group(group_name)
                .and_then(|group| group.owner.clone())
            {
                return Some(Owner {
                    name,
                    source: format!("roster group `{group_name}`"),
                });
            }
        }
        OWNER_TAGS.iter().find_map(|tag| {
            identity
                .tag(tag)
                .filter(|value| !value.trim().is_empty())
                .map(|value| Owner {
                    name: value.to_owned(),
                    source: format!("tag `{tag}`"),
                })
        })
    }

    /// Returns whether the roster lists known owners and `owner` is not among them.
    pub fn owner_is_gone(&self, owner: &str) -> bool {
        self.roster
            .is_some_and(|roster| !roster.owners.is_empty() && !roster.owners.contains_key(owner))
    }

    /// Returns the maximum age of an identity's credentials and the setting it comes from:
    /// the strictest `credentials.max_age` among the identity's roster groups, else
    /// `settings.credential_max_age`.
    pub fn credential_max_age_for(&self, key: &IdentityKey) -> (Duration, String) {
        let strictest = self
            .roster_groups_of(key)
            .iter()
            .filter_map(|name| {
                let max_age = self.roster_group(name)?.credentials.as_ref()?.max_age?;
                Some((max_age, name))
            })
            .min_by_key(|(max_age, _)| *max_age);

        match strictest {
            Some((max_age, name)) => (
                max_age,
                format!("`credentials.max_age` of roster group `{name}`"),
            ),
            None => (
                self.settings.credential_max_age,
                "`settings.credential_max_age`".to_owned(),
            ),
        }
    }

    /// Returns whether one kind of data about an identity was fully collected.
    pub fn verified(&self, identity: &Identity, kind: CoverageKind) -> bool {
        self.graph
            .is_verified(&identity.scope, kind, Some(identity.kind))
    }

    /// Returns whether one kind of data in a scope was fully collected, for an identity kind.
    pub fn scope_verified(
        &self,
        scope: &ScopeId,
        kind: CoverageKind,
        identity_kind: Option<IdentityKind>,
    ) -> bool {
        self.graph.is_verified(scope, kind, identity_kind)
    }

    /// Returns the roster's known environment names.
    pub fn environment_names(&self) -> impl Iterator<Item = &String> {
        self.roster
            .into_iter()
            .flat_map(|roster| roster.environments.keys())
    }
}

/// Tags that name an identity's owner, looked up case-insensitively in this order.
pub(crate) const OWNER_TAGS: [&str; 4] = ["owner", "team", "owner-team", "contact"];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_declared::types::Selector;

    use super::*;
    use crate::testing::{Estate, declaration, now, role, roster, roster_group};

    #[test]
    fn declared_at_lists_declarations_and_group_members() {
        let deploy = role("deploy");
        let graph = Estate::new().identity(deploy.clone()).graph();
        let absent: IdentityKey = "aws:111122223333:role:gone".parse().unwrap();
        let mut declared = roster();
        declared.identities.push(declaration(&absent));
        declared.identities.push(declaration(&deploy.key));
        declared
            .groups
            .insert("ci".to_owned(), roster_group(&[&absent, &deploy.key]));
        let mut by_selector = roster_group(&[]);
        by_selector.members.push(MemberMatcher::Selector {
            selector: Selector {
                name: Some("dep*".to_owned()),
                ..Selector::default()
            },
        });
        declared.groups.insert("all".to_owned(), by_selector);

        let context = Context::new(&graph, Some(&declared), now());

        assert_eq!(
            context.declared_at(&deploy.key),
            [
                Declaration::Identity(1),
                Declaration::GroupMember {
                    group: "all".to_owned(),
                    member: 0
                },
                Declaration::GroupMember {
                    group: "ci".to_owned(),
                    member: 1
                },
            ]
        );
        assert_eq!(
            context.declared_at(&absent),
            [
                Declaration::Identity(0),
                Declaration::GroupMember {
                    group: "ci".to_owned(),
                    member: 0
                },
            ]
        );
    }

    #[test]
    fn declared_at_is_empty_for_undeclared_identity() {
        let stray = role("stray");
        let graph = Estate::new().identity(stray.clone()).graph();
        let declared = roster();

        let context = Context::new(&graph, Some(&declared), now());

        assert!(context.declared_at(&stray.key).is_empty());
    }
}
