//! The stored form of a scan: one snapshot per scope, holding everything collected there.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use roster_model::{
    Coverage, CoverageKind, Credential, Grant, Group, Identity, IdentityKey, Inventory,
    InventoryNote, Policy, PolicyKey, ProviderId, Scope, ScopeId, Trust,
};
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// The version of the snapshot JSON layout, stored in each snapshot.
pub(crate) const SNAPSHOT_FORMAT: u32 = 1;

/// Every coverage kind, in the order of its bit in the stored `complete_kinds` mask. The
/// positions are part of the schema: append new kinds, never reorder.
const KIND_BITS: [CoverageKind; 9] = [
    CoverageKind::Identities,
    CoverageKind::Groups,
    CoverageKind::Grants,
    CoverageKind::Trusts,
    CoverageKind::Credentials,
    CoverageKind::IdentityUsage,
    CoverageKind::CredentialUsage,
    CoverageKind::PermissionUsage,
    CoverageKind::PermissionBoundaries,
];

/// Returns the bit of a coverage kind in the `complete_kinds` mask.
pub(crate) fn kind_bit(kind: CoverageKind) -> i64 {
    let position = KIND_BITS
        .iter()
        .position(|candidate| *candidate == kind)
        .unwrap_or_default();
    1 << position
}

/// Everything one scan collected in one scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ScopeSnapshot {
    pub format: u32,
    pub provider: ProviderId,
    pub scope: ScopeId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Scope>,
    pub coverage: Vec<Coverage>,
    pub identities: Vec<Identity>,
    pub credentials: Vec<Credential>,
    pub groups: Vec<Group>,
    /// The policies that the scope's grants attach, and unattached policies of the provider
    /// when this is the provider's first scope in the scan.
    pub policies: Vec<Policy>,
    pub grants: Vec<Grant>,
    pub trusts: Vec<Trust>,
    pub notes: Vec<InventoryNote>,
    pub sources: Vec<String>,
}

impl ScopeSnapshot {
    fn empty(provider: ProviderId, scope: ScopeId) -> Self {
        ScopeSnapshot {
            format: SNAPSHOT_FORMAT,
            provider,
            scope,
            info: None,
            coverage: Vec::new(),
            identities: Vec::new(),
            credentials: Vec::new(),
            groups: Vec::new(),
            policies: Vec::new(),
            grants: Vec::new(),
            trusts: Vec::new(),
            notes: Vec::new(),
            sources: Vec::new(),
        }
    }

    /// Returns whether a kind was fully collected: at least one coverage entry for it, and
    /// every entry for it (general or narrowed to an identity kind) complete.
    pub fn is_complete(&self, kind: CoverageKind) -> bool {
        let mut entries = self
            .coverage
            .iter()
            .filter(|entry| entry.kind == kind)
            .peekable();
        entries.peek().is_some() && entries.all(|entry| entry.status.is_complete())
    }

    /// Returns the mask of fully collected kinds, one bit per kind (see [`kind_bit`]).
    pub fn complete_mask(&self) -> i64 {
        KIND_BITS
            .into_iter()
            .filter(|kind| self.is_complete(*kind))
            .fold(0, |mask, kind| mask | kind_bit(kind))
    }

    /// Returns whether every kind that has coverage entries was fully collected.
    pub fn is_fully_complete(&self) -> bool {
        !self.coverage.is_empty() && self.coverage.iter().all(|entry| entry.status.is_complete())
    }

    fn sort(&mut self) {
        self.coverage.sort();
        self.coverage.dedup();
        self.identities.sort_by(|a, b| a.key.cmp(&b.key));
        self.credentials.sort_by(|a, b| a.key.cmp(&b.key));
        self.groups.sort_by(|a, b| a.key.cmp(&b.key));
        self.policies.sort_by(|a, b| a.key.cmp(&b.key));
        self.policies.dedup_by(|a, b| a.key == b.key);
        self.grants.sort_by(|a, b| {
            (&a.subject, &a.policy, &a.scope).cmp(&(&b.subject, &b.policy, &b.scope))
        });
        self.trusts
            .sort_by(|a, b| (&a.target, &a.principal).cmp(&(&b.target, &b.principal)));
        self.notes.sort();
        self.notes.dedup();
        self.sources.sort();
        self.sources.dedup();
    }
}

/// Splits the inventories of one scan into one snapshot per scope.
///
/// A scope gets a snapshot when it is listed in `scanned`, listed in an inventory, or named
/// by an entity or a coverage entry. Grants belong to the scope they are granted on, trusts
/// to the scope of their target identity.
pub(crate) fn split_by_scope(
    inventories: &[Inventory],
    coverage: &[Coverage],
    scanned: &[ScopeId],
) -> Result<BTreeMap<ScopeId, ScopeSnapshot>, StoreError> {
    let mut snapshots = Snapshots::default();

    for scope in scanned {
        snapshots.entry(scope)?;
    }
    for inventory in inventories {
        snapshots.add_inventory(inventory)?;
    }
    for entry in coverage {
        snapshots.entry(&entry.scope)?.coverage.push(entry.clone());
    }
    snapshots.add_policies(inventories);

    let mut result = snapshots.by_scope;
    for snapshot in result.values_mut() {
        snapshot.sort();
    }
    Ok(result)
}

#[derive(Default)]
struct Snapshots {
    by_scope: BTreeMap<ScopeId, ScopeSnapshot>,
}

impl Snapshots {
    fn entry(&mut self, scope: &ScopeId) -> Result<&mut ScopeSnapshot, StoreError> {
        if !self.by_scope.contains_key(scope) {
            let provider = provider_of(scope)?;
            self.by_scope
                .insert(scope.clone(), ScopeSnapshot::empty(provider, scope.clone()));
        }
        self.by_scope
            .get_mut(scope)
            .ok_or_else(|| StoreError::InvalidScope(scope.to_string()))
    }

    fn add_inventory(&mut self, inventory: &Inventory) -> Result<(), StoreError> {
        let identity_scopes: HashMap<&IdentityKey, &ScopeId> = inventory
            .identities
            .iter()
            .map(|identity| (&identity.key, &identity.scope))
            .collect();
        let mut touched: BTreeSet<ScopeId> = BTreeSet::new();

        for scope in &inventory.scopes {
            self.entry(&scope.id)?.info = Some(scope.clone());
            touched.insert(scope.id.clone());
        }
        for identity in &inventory.identities {
            self.entry(&identity.scope)?
                .identities
                .push(identity.clone());
            touched.insert(identity.scope.clone());
        }
        for credential in &inventory.credentials {
            self.entry(&credential.scope)?
                .credentials
                .push(credential.clone());
            touched.insert(credential.scope.clone());
        }
        for group in &inventory.groups {
            self.entry(&group.scope)?.groups.push(group.clone());
            touched.insert(group.scope.clone());
        }
        for grant in &inventory.grants {
            self.entry(&grant.scope)?.grants.push(grant.clone());
            touched.insert(grant.scope.clone());
        }
        for trust in &inventory.trusts {
            let scope = match identity_scopes.get(&trust.target) {
                Some(scope) => (*scope).clone(),
                None => scope_of_key(&trust.target)?,
            };
            self.entry(&scope)?.trusts.push(trust.clone());
            touched.insert(scope);
        }
        for entry in &inventory.coverage {
            self.entry(&entry.scope)?.coverage.push(entry.clone());
            touched.insert(entry.scope.clone());
        }
        for note in &inventory.notes {
            self.entry(&note.scope)?.notes.push(note.clone());
            touched.insert(note.scope.clone());
        }

        for scope in &touched {
            let snapshot = self.entry(scope)?;
            snapshot.sources.extend(inventory.sources.iter().cloned());
        }
        Ok(())
    }

    /// Copies each policy into every scope whose grants attach it. A policy that no grant
    /// attaches goes to the first scope of its inventory, so loading a scan back loses none.
    fn add_policies(&mut self, inventories: &[Inventory]) {
        let mut policies: BTreeMap<&PolicyKey, &Policy> = BTreeMap::new();
        let mut attached: BTreeSet<&PolicyKey> = BTreeSet::new();
        for inventory in inventories {
            for policy in &inventory.policies {
                policies.entry(&policy.key).or_insert(policy);
            }
            attached.extend(inventory.grants.iter().map(|grant| &grant.policy));
        }

        for snapshot in self.by_scope.values_mut() {
            let keys: BTreeSet<&PolicyKey> =
                snapshot.grants.iter().map(|grant| &grant.policy).collect();
            for key in keys {
                if let Some(policy) = policies.get(key) {
                    snapshot.policies.push((*policy).clone());
                }
            }
        }

        for inventory in inventories {
            let Some(first) = first_scope(inventory) else {
                continue;
            };
            let Some(snapshot) = self.by_scope.get_mut(&first) else {
                continue;
            };
            for policy in &inventory.policies {
                if !attached.contains(&policy.key) {
                    snapshot.policies.push(policy.clone());
                }
            }
        }
    }
}

/// Returns the first scope an inventory lists or, failing that, the first scope its
/// identities live in.
fn first_scope(inventory: &Inventory) -> Option<ScopeId> {
    let listed = inventory.scopes.iter().map(|scope| &scope.id).min();
    let of_identities = || {
        inventory
            .identities
            .iter()
            .map(|identity| &identity.scope)
            .min()
    };
    listed.or_else(of_identities).cloned()
}

/// Returns the provider that a scope id names in its first segment.
pub(crate) fn provider_of(scope: &ScopeId) -> Result<ProviderId, StoreError> {
    let text = scope.as_str();
    let Some((prefix, native)) = text.split_once(':') else {
        return Err(StoreError::InvalidScope(text.to_owned()));
    };
    if native.is_empty() {
        return Err(StoreError::InvalidScope(text.to_owned()));
    }
    prefix
        .parse()
        .map_err(|_| StoreError::InvalidScope(text.to_owned()))
}

/// Returns the scope that an identity key names in its first two segments, for a trust
/// whose target identity the inventory does not hold.
fn scope_of_key(key: &IdentityKey) -> Result<ScopeId, StoreError> {
    let mut parts = key.as_str().splitn(3, ':');
    let (Some(prefix), Some(native)) = (parts.next(), parts.next()) else {
        return Err(StoreError::InvalidScope(key.to_string()));
    };
    let provider: ProviderId = prefix
        .parse()
        .map_err(|_| StoreError::InvalidScope(key.to_string()))?;
    Ok(ScopeId::new(provider, native))
}

/// Rebuilds one inventory per provider from the snapshots of a scan.
pub(crate) fn join_snapshots(snapshots: Vec<ScopeSnapshot>) -> Vec<Inventory> {
    let mut inventories: BTreeMap<ProviderId, Inventory> = BTreeMap::new();

    for snapshot in snapshots {
        let inventory = inventories
            .entry(snapshot.provider)
            .or_insert_with(|| Inventory::new(snapshot.provider));
        inventory.scopes.extend(snapshot.info);
        inventory.identities.extend(snapshot.identities);
        inventory.credentials.extend(snapshot.credentials);
        inventory.groups.extend(snapshot.groups);
        inventory.policies.extend(snapshot.policies);
        inventory.grants.extend(snapshot.grants);
        inventory.trusts.extend(snapshot.trusts);
        inventory.coverage.extend(snapshot.coverage);
        inventory.notes.extend(snapshot.notes);
        inventory.sources.extend(snapshot.sources);
    }

    let mut result: Vec<Inventory> = inventories.into_values().collect();
    for inventory in &mut result {
        inventory.sort();
        inventory.coverage.dedup();
        inventory.notes.dedup();
    }
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{CoverageStatus, IdentityKind, PolicyKind, Subject, Usage};

    use super::*;

    fn scope(account: &str) -> ScopeId {
        ScopeId::new(ProviderId::Aws, account)
    }

    fn role(account: &str, name: &str) -> Identity {
        Identity::new(
            ProviderId::Aws,
            IdentityKey::new(ProviderId::Aws, account, IdentityKind::AwsRole, name),
            scope(account),
            IdentityKind::AwsRole,
            name,
            Usage::unknown("not collected"),
        )
    }

    fn policy(key: &str) -> Policy {
        Policy {
            key: PolicyKey::new(key),
            provider: ProviderId::Aws,
            kind: PolicyKind::AwsManaged,
            name: key.to_owned(),
            native_id: None,
            document: None,
            version: None,
            permissions: Vec::new(),
        }
    }

    fn two_account_inventory() -> Inventory {
        let mut inventory = Inventory::new(ProviderId::Aws);
        inventory.identities = vec![role("111", "a"), role("222", "b")];
        inventory.policies = vec![policy("p-shared"), policy("p-unattached")];
        inventory.grants = ["111", "222"]
            .into_iter()
            .map(|account| Grant {
                subject: Subject::Identity(IdentityKey::new(
                    ProviderId::Aws,
                    account,
                    IdentityKind::AwsRole,
                    if account == "111" { "a" } else { "b" },
                )),
                policy: PolicyKey::new("p-shared"),
                scope: scope(account),
                condition: None,
            })
            .collect();
        inventory.set_coverage(
            &scope("111"),
            CoverageKind::Identities,
            None,
            CoverageStatus::Complete,
        );
        inventory
    }

    #[test]
    fn split_puts_entities_in_their_scopes() {
        let snapshots = split_by_scope(&[two_account_inventory()], &[], &[]).unwrap();

        assert_eq!(snapshots.len(), 2);
        assert_eq!(snapshots[&scope("111")].identities[0].name, "a");
        assert_eq!(snapshots[&scope("222")].identities[0].name, "b");
    }

    #[test]
    fn attached_policy_is_copied_to_each_scope() {
        let snapshots = split_by_scope(&[two_account_inventory()], &[], &[]).unwrap();

        let keys = |account: &str| -> Vec<String> {
            snapshots[&scope(account)]
                .policies
                .iter()
                .map(|policy| policy.key.to_string())
                .collect()
        };
        assert_eq!(keys("111"), ["p-shared", "p-unattached"]);
        assert_eq!(keys("222"), ["p-shared"]);
    }

    #[test]
    fn scanned_scope_without_data_gets_a_snapshot() {
        let snapshots = split_by_scope(&[], &[], &[scope("333")]).unwrap();

        assert!(snapshots[&scope("333")].identities.is_empty());
        assert_eq!(snapshots[&scope("333")].provider, ProviderId::Aws);
    }

    #[test]
    fn completeness_needs_every_entry_complete() {
        let mut snapshot = ScopeSnapshot::empty(ProviderId::Aws, scope("111"));
        assert!(!snapshot.is_complete(CoverageKind::Identities));

        let mut inventory = Inventory::new(ProviderId::Aws);
        inventory.set_coverage(
            &scope("111"),
            CoverageKind::Identities,
            Some(IdentityKind::AwsRole),
            CoverageStatus::Complete,
        );
        inventory.set_coverage(
            &scope("111"),
            CoverageKind::Identities,
            Some(IdentityKind::AwsUser),
            CoverageStatus::Denied {
                permission: "iam:ListUsers".to_owned(),
            },
        );
        snapshot.coverage = inventory.coverage;

        assert!(!snapshot.is_complete(CoverageKind::Identities));
        assert_eq!(snapshot.complete_mask(), 0);
    }

    #[test]
    fn invalid_scope_id_is_rejected() {
        let error = split_by_scope(&[], &[], &[ScopeId::new(ProviderId::Aws, "")]).unwrap_err();

        assert!(matches!(error, StoreError::InvalidScope(text) if text == "aws:"));
    }

    #[test]
    fn join_restores_one_inventory_per_provider() {
        let inventory = two_account_inventory();
        let snapshots = split_by_scope(std::slice::from_ref(&inventory), &[], &[]).unwrap();

        let joined = join_snapshots(snapshots.into_values().collect());

        let mut expected = inventory;
        expected.sort();
        assert_eq!(joined, vec![expected]);
    }
}
