use rayon::slice::ParallelSliceMut;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    Coverage, CoverageKind, CoverageStatus, Credential, Grant, Group, Identity, IdentityKind,
    Policy, ProviderId, Scope, ScopeId, Trust,
};

/// What an inventory note is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum NoteKind {
    /// A policy is attached but its document is absent from the source.
    MissingPolicy,
    /// The source lost information (a dump without conditions, a truncated listing).
    LossyInput,
    /// Records the provider skipped on purpose, with a count.
    Skipped,
    /// A reference to an object the source does not hold.
    UnresolvedReference,
}

/// A fact about the collection that the report must show: never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct InventoryNote {
    pub kind: NoteKind,
    pub scope: ScopeId,
    /// The object the note is about, for example a policy ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub message: String,
}

/// Everything one provider collected from one or more scopes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Inventory {
    pub provider: ProviderId,
    pub scopes: Vec<Scope>,
    pub identities: Vec<Identity>,
    pub credentials: Vec<Credential>,
    pub groups: Vec<Group>,
    pub policies: Vec<Policy>,
    pub grants: Vec<Grant>,
    pub trusts: Vec<Trust>,
    pub coverage: Vec<Coverage>,
    pub notes: Vec<InventoryNote>,
    /// Where the data came from: file paths or API endpoints.
    pub sources: Vec<String>,
}

impl Inventory {
    pub fn new(provider: ProviderId) -> Self {
        Inventory {
            provider,
            scopes: Vec::new(),
            identities: Vec::new(),
            credentials: Vec::new(),
            groups: Vec::new(),
            policies: Vec::new(),
            grants: Vec::new(),
            trusts: Vec::new(),
            coverage: Vec::new(),
            notes: Vec::new(),
            sources: Vec::new(),
        }
    }

    /// Records coverage of one kind, replacing an earlier entry for the same
    /// (scope, kind, identity kind) so the last word wins.
    pub fn set_coverage(
        &mut self,
        scope: &ScopeId,
        kind: CoverageKind,
        identity_kind: Option<IdentityKind>,
        status: CoverageStatus,
    ) {
        self.coverage.retain(|entry| {
            !(entry.scope == *scope && entry.kind == kind && entry.identity_kind == identity_kind)
        });
        self.coverage.push(Coverage {
            provider: self.provider,
            scope: scope.clone(),
            kind,
            identity_kind,
            status,
        });
    }

    /// Appends another inventory of the same provider, for example a second account.
    pub fn extend(&mut self, other: Inventory) {
        self.scopes.extend(other.scopes);
        self.identities.extend(other.identities);
        self.credentials.extend(other.credentials);
        self.groups.extend(other.groups);
        self.policies.extend(other.policies);
        self.grants.extend(other.grants);
        self.trusts.extend(other.trusts);
        self.coverage.extend(other.coverage);
        self.notes.extend(other.notes);
        self.sources.extend(other.sources);
    }

    /// Sorts every list by key so that output built from the inventory is deterministic. The
    /// long lists are sorted on every core, because an estate may have a million grants.
    pub fn sort(&mut self) {
        self.scopes.sort_by(|a, b| a.id.cmp(&b.id));
        self.scopes.dedup_by(|a, b| a.id == b.id);
        self.identities.par_sort_by(|a, b| a.key.cmp(&b.key));
        self.credentials.par_sort_by(|a, b| a.key.cmp(&b.key));
        self.groups.par_sort_by(|a, b| a.key.cmp(&b.key));
        self.policies.par_sort_by(|a, b| a.key.cmp(&b.key));
        self.policies.dedup_by(|a, b| a.key == b.key);
        self.grants.par_sort_by(|a, b| {
            (&a.subject, &a.policy, &a.scope).cmp(&(&b.subject, &b.policy, &b.scope))
        });
        self.trusts
            .par_sort_by(|a, b| (&a.target, &a.principal).cmp(&(&b.target, &b.principal)));
        self.coverage.sort();
        self.notes.sort();
        self.sources.sort();
        self.sources.dedup();
    }
}
