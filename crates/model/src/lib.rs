//! The inventory model shared by every Roster crate.
//!
//! A provider turns what it collected from one scope into an [`Inventory`]: identities,
//! credentials, groups, policies, grants, trusts, usage evidence and coverage. The model does
//! no I/O and makes no judgements. Deciding whether an identity is a person, or whether a
//! grant is too wide, belongs to `roster-analyze`, and merging inventories to `roster-graph`.
//! [`Finding`] lives here too so that analysis and the report emitters share one type.

mod collection;
mod coverage;
mod credential;
mod drift;
mod finding;
mod group;
mod identity;
mod inventory;
mod key;
mod policy;
mod provider;
mod scope;
mod trust;
mod usage;

pub use collection::{CollectionStats, OperationStats};
pub use coverage::{Coverage, CoverageKind, CoverageStatus};
pub use credential::{Credential, CredentialKind, CredentialStatus};
pub use drift::DriftClass;
pub use finding::{Finding, FindingStatus, Severity};
pub use group::Group;
pub use identity::{
    AwsIdentityDetails, Boundary, Evidence, GcpDefaultServiceAccount, GcpIdentityDetails, Identity,
    IdentityKind, Nature, Signal,
};
pub use inventory::{Inventory, InventoryNote, NoteKind};
pub use key::{CredentialKey, DELETED_MEMBER_PREFIX, GroupKey, IdentityKey, KeyError, PolicyKey};
pub use policy::{Grant, GrantCondition, Policy, PolicyKind, Subject};
pub use provider::ProviderId;
pub use scope::{Scope, ScopeId, ScopeKind};
pub use trust::{Principal, PrincipalKind, Trust, TrustCondition};
pub use usage::{ActionUsage, ServiceUsage, Usage, UsageState};
