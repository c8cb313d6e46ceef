//! Every rule, one per file. [`ALL`] lists them in id order; `roster rules` prints it.

pub mod admin_equivalent;
pub mod cross_environment_access;
pub mod cross_environment_membership;
pub mod cross_environment_trust;
pub mod dangling_principal;
pub mod excess_privilege;
pub mod expired_declaration;
pub mod expiring_credential;
pub mod external_trust;
mod gcp;
pub mod human_use_of_nhi;
pub mod long_lived_credential;
pub mod membership_drift;
pub mod missing_identity;
pub mod mixed_group;
pub mod multiple_active_credentials;
pub mod orphan_identity;
pub mod privilege_escalation_path;
mod scopes;
pub mod stale_credential;
pub mod undeclared_identity;
pub mod unused_credential;
pub mod unused_identity;
pub mod unused_permission;

use crate::Rule;

/// Every rule, in id order.
pub const ALL: &[Rule] = &[
    undeclared_identity::RULE,
    missing_identity::RULE,
    membership_drift::RULE,
    excess_privilege::RULE,
    unused_identity::RULE,
    unused_permission::RULE,
    unused_credential::RULE,
    stale_credential::RULE,
    long_lived_credential::RULE,
    expiring_credential::RULE,
    multiple_active_credentials::RULE,
    orphan_identity::RULE,
    dangling_principal::RULE,
    expired_declaration::RULE,
    cross_environment_access::RULE,
    cross_environment_trust::RULE,
    cross_environment_membership::RULE,
    mixed_group::RULE,
    human_use_of_nhi::RULE,
    admin_equivalent::RULE,
    privilege_escalation_path::RULE,
    external_trust::RULE,
];

/// Finds a rule by its name or id.
pub fn find(name_or_id: &str) -> Option<&'static Rule> {
    ALL.iter()
        .find(|rule| rule.info.name == name_or_id || rule.info.id.eq_ignore_ascii_case(name_or_id))
}
