//! Roster's policy engines. They decide whether an identity can perform an action, on which
//! resources, under which conditions, and which statements lead to that decision.
//!
//! Each provider has its own module with its own grammar and evaluation order. The engines
//! read policy documents and evaluate requests; they do no I/O beyond the catalogues embedded
//! at build time. Collecting policies belongs to the providers, and turning answers into
//! findings belongs to `roster-analyze`.

pub mod aws;
pub mod azure;
pub mod gcp;
pub mod kubernetes;
pub mod slack;
