//! The AWS IAM policy engine.
//!
//! - Grammar: [`PolicyDocument`] reads identity, resource, trust and organization policies
//!   in every form IAM accepts, with errors that name the element (and the line and column
//!   when reading text).
//! - Evaluation: [`evaluate`] decides a [`Request`] against a [`PolicySet`] in AWS's order and
//!   returns a [`Decision`] with the statements behind it. Conditions use three-valued
//!   logic: what the request does not supply is left undetermined and named, never guessed.
//! - Effective access: [`effective_access`] lists what an identity can do after Denies, SCPs
//!   and its permission boundary; [`is_admin_equivalent`] and [`escalation_paths`] judge it.
//! - Catalogue: [`catalogue`] contains every AWS action with its access level, for expanding
//!   patterns such as `s3:Get*`.

mod action;
mod action_set;
mod arn;
mod catalogue;
mod condition;
mod condition_eval;
mod decision;
mod document;
mod effective;
mod error;
mod escalation;
mod evaluate;
mod parse;
mod policy_set;
mod request;
mod statement_match;
mod trust;
mod truth;
mod variable;
mod wildcard;

pub use action::ActionPattern;
pub use action_set::{ActionName, ActionSet};
pub use arn::{Arn, is_account_id, is_arn, principal_account};
pub use catalogue::{
    AccessLevel, ActionInfo, Catalogue, Expansion, ResourceType, Unknown, catalogue,
};
pub use condition::{Condition, Operator, OperatorKind, SetQualifier};
pub use decision::{
    Caveat, Decision, DenyReason, Evaluation, Gate, Pending, Requirement, StatementMatch,
    StatementRef,
};
pub use document::{
    ActionBlock, Effect, NamedPolicy, PolicyDocument, PrincipalBlock, PrincipalType, Principals,
    ResourceBlock, ResourcePattern, Statement, Version,
};
pub use effective::{
    AccessEntry, EffectiveAccess, EffectiveGrant, Restriction, effective_access,
    effective_access_for,
};
pub use error::PolicyError;
pub use escalation::{
    AdminEquivalence, EscalationKind, EscalationPath, PassRoleGrants, TrustEdge, TrustGraph,
    assume_role_paths, escalation_paths, escalation_paths_described, escalation_paths_kept,
    is_admin_equivalent, may_act_on, may_open_escalation_path, may_pass_role, pass_role_step,
};
pub use evaluate::evaluate;
pub use parse::Grammar;
pub use policy_set::{BoundaryState, Exemption, Layer, PolicySet};
pub use request::{Request, RequestContext, RequestPrincipal};
pub use trust::{TrustedPrincipal, classify, is_unique_id, trusted_principals};
pub use truth::Truth;
pub use variable::Template;
pub use wildcard::{Case, wildcard_match};
