//! The identity graph: every provider's inventory merged into one structure with indexes.
//!
//! The graph answers the questions rules ask: the members of a group, the groups of an
//! identity, the grants that reach an identity directly and through groups, who can act as an
//! identity, and the environment of every scope. It does not judge anything; that is
//! `roster-analyze`. Every lookup goes through a map, so building and querying stay linear in
//! the size of the estate.

mod build;
mod query;

pub use build::IdentityGraph;
pub use query::ReachingGrant;
