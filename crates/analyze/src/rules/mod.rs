//! Every rule, one per file. [`ALL`] lists them in id order; `roster rules` prints it.

pub mod admin_equivalent;
pub mod missing_identity;
pub mod undeclared_identity;
pub mod unused_credential;

use crate::Rule;

/// Every rule, in id order.
pub const ALL: &[Rule] = &[
    undeclared_identity::RULE,
    missing_identity::RULE,
    unused_credential::RULE,
    admin_equivalent::RULE,
];

/// Finds a rule by its name or id.
pub fn find(name_or_id: &str) -> Option<&'static Rule> {
    ALL.iter()
        .find(|rule| rule.info.name == name_or_id || rule.info.id.eq_ignore_ascii_case(name_or_id))
}
