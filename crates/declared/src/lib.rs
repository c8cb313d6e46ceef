//! The roster file: the declared state of an estate's machine identities.
//!
//! This crate owns the roster's types, reading them from `roster.yaml` or a `roster.d/`
//! folder (YAML, JSON accepted), the errors that point at a file, line and column, the
//! checks that run after parsing, the positions of each entry for reports, the JSON Schema,
//! and the queries the analysis runs on a roster: which environment a scope belongs to, and
//! which identities a selector matches. Comparing the roster with live identities belongs to
//! `roster-analyze`.

mod describe;
mod diagnostic;
mod duration;
mod load;
mod member;
mod merge;
mod parse;
mod rules;
mod schema;
mod scope;
mod selector;
mod source_index;
mod suggest;
mod tree;
pub mod types;
mod validate;

pub use diagnostic::{Diagnostic, Location, RosterError};
pub use load::{LoadedRoster, RosterSummary, load, load_text, read, validate};
pub use rules::{ANY_RULE, RULE_NAMES};
pub use schema::{roster_json_schema, roster_json_schema_text};
pub use scope::{DeclaredScope, ScopeList};
pub use selector::glob_matches;
pub use source_index::SourceIndex;
pub use types::*;
pub use validate::ROSTER_VERSION;
