use std::collections::BTreeMap;

use foldhash::HashMap;

use roster_model::{
    Coverage, CoverageKind, CoverageStatus, Credential, Grant, Group, GroupKey, Identity,
    IdentityKey, IdentityKind, Inventory, InventoryNote, Policy, PolicyKey, ProviderId, Scope,
    ScopeId, Subject, Trust,
};

/// Every inventory merged, with the indexes the queries need.
#[derive(Debug, Default)]
pub struct IdentityGraph {
    pub(crate) identities: BTreeMap<IdentityKey, Identity>,
    pub(crate) groups: BTreeMap<GroupKey, Group>,
    pub(crate) policies: HashMap<PolicyKey, Policy>,
    pub(crate) credentials: Vec<Credential>,
    pub(crate) grants: Vec<Grant>,
    pub(crate) trusts: Vec<Trust>,
    pub(crate) scopes: BTreeMap<ScopeId, Scope>,
    pub(crate) coverage: Vec<Coverage>,
    pub(crate) notes: Vec<InventoryNote>,
    pub(crate) sources: Vec<String>,
    pub(crate) environments: BTreeMap<ScopeId, String>,

    pub(crate) credentials_by_identity: HashMap<IdentityKey, Vec<usize>>,
    pub(crate) grants_by_subject: HashMap<Subject, Vec<usize>>,
    pub(crate) trusts_by_target: HashMap<IdentityKey, Vec<usize>>,
    pub(crate) trusts_by_principal: HashMap<IdentityKey, Vec<usize>>,
    pub(crate) groups_by_member: HashMap<IdentityKey, Vec<GroupKey>>,
    pub(crate) identity_by_unique_id: HashMap<String, IdentityKey>,
    pub(crate) coverage_index: HashMap<(ScopeId, CoverageKind, Option<IdentityKind>), usize>,
    pub(crate) duplicates: Vec<String>,
}

impl IdentityGraph {
    /// Merges inventories from any providers and scopes. An identity, group or policy that
    /// two inventories both hold keeps its first copy; the later one is counted in
    /// [`IdentityGraph::duplicates`].
    pub fn build(inventories: Vec<Inventory>) -> IdentityGraph {
        let mut graph = IdentityGraph::default();
        for inventory in inventories {
            graph.absorb(inventory);
        }

        graph.sort_lists();
        graph.index();
        tracing::debug!(
            identities = graph.identities.len(),
            groups = graph.groups.len(),
            grants = graph.grants.len(),
            trusts = graph.trusts.len(),
            "identity graph built"
        );
        graph
    }

    /// Assigns an environment to every scope for which `resolve` returns one.
    pub fn assign_environments(&mut self, resolve: impl Fn(&Scope) -> Option<String>) {
        self.environments = self
            .scopes
            .values()
            .filter_map(|scope| resolve(scope).map(|environment| (scope.id.clone(), environment)))
            .collect();
    }

    fn absorb(&mut self, inventory: Inventory) {
        for scope in inventory.scopes {
            self.scopes.entry(scope.id.clone()).or_insert(scope);
        }
        for identity in inventory.identities {
            if self.identities.contains_key(&identity.key) {
                self.duplicates.push(identity.key.to_string());
                continue;
            }
            self.identities.insert(identity.key.clone(), identity);
        }
        for group in inventory.groups {
            if self.groups.contains_key(&group.key) {
                self.duplicates.push(group.key.to_string());
                continue;
            }
            self.groups.insert(group.key.clone(), group);
        }
        for policy in inventory.policies {
            self.policies.entry(policy.key.clone()).or_insert(policy);
        }
        self.credentials.extend(inventory.credentials);
        self.grants.extend(inventory.grants);
        self.trusts.extend(inventory.trusts);
        self.coverage.extend(inventory.coverage);
        self.notes.extend(inventory.notes);
        self.sources.extend(inventory.sources);
    }

    fn sort_lists(&mut self) {
        self.credentials.sort_by(|a, b| a.key.cmp(&b.key));
        self.credentials.dedup_by(|a, b| a.key == b.key);
        self.grants.sort_by(|a, b| {
            (&a.subject, &a.policy, &a.scope).cmp(&(&b.subject, &b.policy, &b.scope))
        });
        self.grants.dedup();
        self.trusts
            .sort_by(|a, b| (&a.target, &a.principal).cmp(&(&b.target, &b.principal)));
        self.trusts.dedup();
        self.coverage.sort();
        self.coverage.dedup();
        self.notes.sort();
        self.notes.dedup();
        self.sources.sort();
        self.sources.dedup();
    }

    fn index(&mut self) {
        for (position, credential) in self.credentials.iter().enumerate() {
            self.credentials_by_identity
                .entry(credential.identity.clone())
                .or_default()
                .push(position);
        }
        for (position, grant) in self.grants.iter().enumerate() {
            self.grants_by_subject
                .entry(grant.subject.clone())
                .or_default()
                .push(position);
        }
        for (position, trust) in self.trusts.iter().enumerate() {
            self.trusts_by_target
                .entry(trust.target.clone())
                .or_default()
                .push(position);
            if let Some(principal) = &trust.principal.identity {
                self.trusts_by_principal
                    .entry(principal.clone())
                    .or_default()
                    .push(position);
            }
        }
        for group in self.groups.values() {
            for member in &group.members {
                self.groups_by_member
                    .entry(member.clone())
                    .or_default()
                    .push(group.key.clone());
            }
        }
        for identity in self.identities.values() {
            if let Some(unique_id) = &identity.unique_id {
                self.identity_by_unique_id
                    .insert(unique_id.clone(), identity.key.clone());
            }
        }
        self.index_coverage();
    }

    /// Keeps, for each (scope, kind, identity kind), the least complete status reported.
    fn index_coverage(&mut self) {
        let mut merged: Vec<Coverage> = Vec::with_capacity(self.coverage.len());
        for entry in std::mem::take(&mut self.coverage) {
            let slot = (entry.scope.clone(), entry.kind, entry.identity_kind);
            match self.coverage_index.get(&slot) {
                Some(&position) => {
                    if rank(&entry.status) > rank(&merged[position].status) {
                        merged[position] = entry;
                    }
                }
                None => {
                    self.coverage_index.insert(slot, merged.len());
                    merged.push(entry);
                }
            }
        }
        self.coverage = merged;
    }

    /// Returns the provider of a scope, when the graph holds it.
    pub fn provider_of(&self, scope: &ScopeId) -> Option<ProviderId> {
        self.scopes.get(scope).map(|scope| scope.provider)
    }
}

/// Orders coverage statuses from complete (0) to denied (2).
fn rank(status: &CoverageStatus) -> u8 {
    match status {
        CoverageStatus::Complete => 0,
        CoverageStatus::Partial { .. } => 1,
        CoverageStatus::Denied { .. } => 2,
    }
}
