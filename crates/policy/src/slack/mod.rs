//! Slack OAuth scopes, classified by risk: administration, write, read and identity.
//!
//! [`classify_scope`] reads one scope from a table of documented scopes or, failing that,
//! from its form; a scope that neither explains is [`ScopeClass::Unknown`]. [`ScopeSummary`]
//! groups a token's or app's scopes and keeps the unknown ones apart.

mod scopes;

pub use scopes::{
    Basis, KNOWN_SCOPES, ScopeClass, ScopeRisk, ScopeSummary, classify_scope, split_scopes,
};
