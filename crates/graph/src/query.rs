use roster_model::{
    Coverage, CoverageKind, CoverageStatus, Credential, Grant, Group, GroupKey, Identity,
    IdentityKey, IdentityKind, InventoryNote, Policy, PolicyKey, Scope, ScopeId, Subject, Trust,
};

use crate::IdentityGraph;

/// A grant that reaches an identity, directly or through one of its groups.
#[derive(Debug, Clone, Copy)]
pub struct ReachingGrant<'g> {
    pub grant: &'g Grant,
    /// The policy the grant attaches; `None` when the inventory lacks its document.
    pub policy: Option<&'g Policy>,
    /// The group the grant reaches the identity through; `None` for a direct grant.
    pub via_group: Option<&'g GroupKey>,
}

impl IdentityGraph {
    /// Iterates over every identity, sorted by key.
    pub fn identities(&self) -> impl Iterator<Item = &Identity> {
        self.identities.values()
    }

    pub fn identity(&self, key: &IdentityKey) -> Option<&Identity> {
        self.identities.get(key)
    }

    /// Finds the identity that holds a provider-unique id (`AROA...`, a GCP `uniqueId`).
    pub fn identity_by_unique_id(&self, unique_id: &str) -> Option<&Identity> {
        self.identity_by_unique_id
            .get(unique_id)
            .and_then(|key| self.identities.get(key))
    }

    /// Iterates over every provider group, sorted by key.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }

    pub fn group(&self, key: &GroupKey) -> Option<&Group> {
        self.groups.get(key)
    }

    /// Returns the members of a group, as the provider listed them.
    pub fn members(&self, group: &GroupKey) -> &[IdentityKey] {
        self.groups
            .get(group)
            .map_or(&[], |group| group.members.as_slice())
    }

    /// Returns the provider groups an identity belongs to.
    pub fn groups_of(&self, identity: &IdentityKey) -> &[GroupKey] {
        self.groups_by_member
            .get(identity)
            .map_or(&[], |groups| groups.as_slice())
    }

    pub fn policy(&self, key: &PolicyKey) -> Option<&Policy> {
        self.policies.get(key)
    }

    /// Iterates over every grant, sorted by subject, policy and scope.
    pub fn grants(&self) -> impl Iterator<Item = &Grant> {
        self.grants.iter()
    }

    /// Returns the grants held by a subject itself.
    pub fn grants_held_by(&self, subject: &Subject) -> impl Iterator<Item = &Grant> {
        self.grants_by_subject
            .get(subject)
            .into_iter()
            .flatten()
            .map(|&position| &self.grants[position])
    }

    /// Returns every grant that reaches an identity: its own, then those of its groups.
    pub fn grants_reaching(&self, identity: &IdentityKey) -> Vec<ReachingGrant<'_>> {
        let direct = Subject::Identity(identity.clone());
        let mut reaching: Vec<ReachingGrant<'_>> = self
            .grants_held_by(&direct)
            .map(|grant| self.reaching(grant, None))
            .collect();

        for group in self.groups_of(identity) {
            let subject = Subject::Group(group.clone());
            for grant in self.grants_held_by(&subject) {
                reaching.push(self.reaching(grant, Some(group)));
            }
        }
        reaching
    }

    fn reaching<'g>(
        &'g self,
        grant: &'g Grant,
        via_group: Option<&'g GroupKey>,
    ) -> ReachingGrant<'g> {
        ReachingGrant {
            grant,
            policy: self.policies.get(&grant.policy),
            via_group,
        }
    }

    /// Returns the trusts that let principals act as `identity`.
    pub fn trusts_to(&self, identity: &IdentityKey) -> impl Iterator<Item = &Trust> {
        self.trusts_by_target
            .get(identity)
            .into_iter()
            .flatten()
            .map(|&position| &self.trusts[position])
    }

    /// Returns the trusts that name `identity` as the principal: whom it can act as.
    pub fn trusts_from(&self, identity: &IdentityKey) -> impl Iterator<Item = &Trust> {
        self.trusts_by_principal
            .get(identity)
            .into_iter()
            .flatten()
            .map(|&position| &self.trusts[position])
    }

    /// Iterates over every trust, sorted by target.
    pub fn trusts(&self) -> impl Iterator<Item = &Trust> {
        self.trusts.iter()
    }

    /// Returns the credentials bound to an identity.
    pub fn credentials_of(&self, identity: &IdentityKey) -> impl Iterator<Item = &Credential> {
        self.credentials_by_identity
            .get(identity)
            .into_iter()
            .flatten()
            .map(|&position| &self.credentials[position])
    }

    pub fn credentials(&self) -> impl Iterator<Item = &Credential> {
        self.credentials.iter()
    }

    pub fn scopes(&self) -> impl Iterator<Item = &Scope> {
        self.scopes.values()
    }

    pub fn scope(&self, id: &ScopeId) -> Option<&Scope> {
        self.scopes.get(id)
    }

    /// Returns the environment the roster maps a scope to, looking up the scope's parents
    /// when the scope itself is not mapped.
    pub fn environment_of_scope(&self, scope: &ScopeId) -> Option<&str> {
        let mut current = Some(scope);
        let mut steps = 0;
        while let Some(id) = current {
            if let Some(environment) = self.environments.get(id) {
                return Some(environment);
            }
            current = self.scopes.get(id).and_then(|scope| scope.parent.as_ref());
            steps += 1;
            if steps > 64 {
                return None;
            }
        }
        None
    }

    /// Returns the coverage entries, merged so that each (scope, kind, identity kind) appears
    /// once with its least complete status.
    pub fn coverage(&self) -> &[Coverage] {
        &self.coverage
    }

    /// Returns the coverage status of one kind of data in a scope. An entry for the identity
    /// kind wins over a general one; no entry at all means nothing was collected.
    pub fn coverage_of(
        &self,
        scope: &ScopeId,
        kind: CoverageKind,
        identity_kind: Option<IdentityKind>,
    ) -> CoverageStatus {
        let specific = identity_kind.and_then(|_| {
            self.coverage_index
                .get(&(scope.clone(), kind, identity_kind))
        });
        let general = self.coverage_index.get(&(scope.clone(), kind, None));
        let statuses = [specific, general]
            .into_iter()
            .flatten()
            .map(|&position| &self.coverage[position].status);

        let mut result: Option<&CoverageStatus> = None;
        for status in statuses {
            match (result, status) {
                (None, _) => result = Some(status),
                (Some(CoverageStatus::Complete), not_complete) if !not_complete.is_complete() => {
                    result = Some(not_complete)
                }
                _ => {}
            }
        }
        result.cloned().unwrap_or_else(|| CoverageStatus::Partial {
            reason: format!("no {kind} were collected for scope `{scope}`"),
        })
    }

    /// Returns whether one kind of data in a scope was fully collected.
    pub fn is_verified(
        &self,
        scope: &ScopeId,
        kind: CoverageKind,
        identity_kind: Option<IdentityKind>,
    ) -> bool {
        self.coverage_of(scope, kind, identity_kind).is_complete()
    }

    pub fn notes(&self) -> &[InventoryNote] {
        &self.notes
    }

    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Returns the keys that more than one inventory held; the first copy was kept.
    pub fn duplicates(&self) -> &[String] {
        &self.duplicates
    }

    pub fn identity_count(&self) -> usize {
        self.identities.len()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{
        CoverageStatus, Group, Inventory, Principal, PrincipalKind, ProviderId, ScopeKind, Usage,
    };

    use super::*;

    fn identity(account: &str, name: &str) -> Identity {
        let key = IdentityKey::new(ProviderId::Aws, account, IdentityKind::AwsUser, name);
        Identity::new(
            ProviderId::Aws,
            key,
            ScopeId::new(ProviderId::Aws, account),
            IdentityKind::AwsUser,
            name,
            Usage::unknown("test"),
        )
    }

    fn inventory(account: &str) -> Inventory {
        let scope = Scope::new(ProviderId::Aws, ScopeKind::AwsAccount, account);
        let mut inventory = Inventory::new(ProviderId::Aws);
        let alice = identity(account, "alice");
        let ci = identity(account, "ci");
        let group_key = GroupKey::from_parts(ProviderId::Aws, account, "deployers");
        inventory.groups.push(Group {
            key: group_key.clone(),
            provider: ProviderId::Aws,
            scope: scope.id.clone(),
            name: "deployers".into(),
            unique_id: None,
            path: None,
            tags: Default::default(),
            members: vec![alice.key.clone(), ci.key.clone()],
        });
        inventory.grants.push(Grant {
            subject: Subject::Group(group_key),
            policy: PolicyKey::new("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            scope: scope.id.clone(),
            condition: None,
        });
        inventory.grants.push(Grant {
            subject: Subject::Identity(ci.key.clone()),
            policy: PolicyKey::new("inline:ci:deploy"),
            scope: scope.id.clone(),
            condition: None,
        });
        inventory.trusts.push(Trust {
            target: ci.key.clone(),
            principal: Principal {
                kind: PrincipalKind::Identity,
                value: "arn:aws:iam::1:user/alice".into(),
                account: Some(account.into()),
                identity: Some(alice.key.clone()),
            },
            actions: vec!["sts:AssumeRole".into()],
            conditions: vec![],
        });
        inventory.identities.extend([alice, ci]);
        inventory.set_coverage(
            &scope.id,
            CoverageKind::Identities,
            None,
            CoverageStatus::Complete,
        );
        inventory.scopes.push(scope);
        inventory
    }

    #[test]
    fn grants_reach_identity_through_groups() {
        let graph = IdentityGraph::build(vec![inventory("1")]);
        let ci: IdentityKey = "aws:1:user:ci".parse().unwrap();

        let reaching = graph.grants_reaching(&ci);

        assert_eq!(reaching.len(), 2);
        assert!(reaching.iter().any(|grant| grant.via_group.is_none()));
        assert!(reaching.iter().any(|grant| grant.via_group.is_some()));
    }

    #[test]
    fn members_and_groups_of_agree() {
        let graph = IdentityGraph::build(vec![inventory("1")]);
        let group = GroupKey::from_parts(ProviderId::Aws, "1", "deployers");
        let alice: IdentityKey = "aws:1:user:alice".parse().unwrap();

        assert_eq!(graph.members(&group).len(), 2);
        assert_eq!(graph.groups_of(&alice), &[group]);
    }

    #[test]
    fn trusts_index_both_directions() {
        let graph = IdentityGraph::build(vec![inventory("1")]);
        let alice: IdentityKey = "aws:1:user:alice".parse().unwrap();
        let ci: IdentityKey = "aws:1:user:ci".parse().unwrap();

        assert_eq!(graph.trusts_to(&ci).count(), 1);
        assert_eq!(graph.trusts_from(&alice).count(), 1);
        assert_eq!(graph.trusts_to(&alice).count(), 0);
    }

    #[test]
    fn merged_inventories_keep_both_scopes() {
        let mut graph = IdentityGraph::build(vec![inventory("1"), inventory("2")]);
        graph.assign_environments(|scope| (scope.native_id == "1").then(|| "prod".to_owned()));

        assert_eq!(graph.identity_count(), 4);
        assert_eq!(
            graph.environment_of_scope(&ScopeId::new(ProviderId::Aws, "1")),
            Some("prod")
        );
        assert_eq!(
            graph.environment_of_scope(&ScopeId::new(ProviderId::Aws, "2")),
            None
        );
    }

    #[test]
    fn duplicate_identity_keeps_first_copy() {
        let graph = IdentityGraph::build(vec![inventory("1"), inventory("1")]);

        assert_eq!(graph.identity_count(), 2);
        assert_eq!(graph.duplicates().len(), 3);
    }

    #[test]
    fn missing_coverage_is_unverified() {
        let graph = IdentityGraph::build(vec![inventory("1")]);
        let scope = ScopeId::new(ProviderId::Aws, "1");

        assert!(graph.is_verified(
            &scope,
            CoverageKind::Identities,
            Some(IdentityKind::AwsUser)
        ));
        assert!(!graph.is_verified(&scope, CoverageKind::CredentialUsage, None));
    }

    #[test]
    fn partial_coverage_wins_over_complete() {
        let mut first = inventory("1");
        let scope = ScopeId::new(ProviderId::Aws, "1");
        first.set_coverage(
            &scope,
            CoverageKind::Identities,
            Some(IdentityKind::AwsUser),
            CoverageStatus::Partial {
                reason: "throttled".into(),
            },
        );
        let graph = IdentityGraph::build(vec![first]);

        assert!(!graph.is_verified(
            &scope,
            CoverageKind::Identities,
            Some(IdentityKind::AwsUser)
        ));
        assert!(graph.is_verified(
            &scope,
            CoverageKind::Identities,
            Some(IdentityKind::AwsRole)
        ));
    }
}
