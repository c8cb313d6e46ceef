//! The result of evaluating a request: the decision, the statements behind it, and what it depends on.

use std::fmt;

use super::condition::Condition;
use super::document::{Effect, ResourcePattern, Statement};
use super::policy_set::{Exemption, Layer};

/// A statement, located by layer and policy, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementRef<'a> {
    pub layer: Layer,
    /// The name of the policy, as given in [`super::NamedPolicy`].
    pub policy: &'a str,
    pub statement: &'a Statement,
}

impl StatementRef<'_> {
    pub fn effect(&self) -> Effect {
        self.statement.effect
    }
}

impl fmt::Display for StatementRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} `{}` statement {}",
            self.layer, self.policy, self.statement.index
        )?;
        if let Some(sid) = self.statement.sid.as_deref().filter(|sid| !sid.is_empty()) {
            write!(f, " (`{sid}`)")?;
        }
        Ok(())
    }
}

/// Something a statement's match depends on that the request does not settle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending<'a> {
    /// A condition on a context key the request does not supply, or with a policy variable
    /// the request cannot fill.
    Condition(&'a Condition),
    /// Resource patterns with policy variables the request cannot fill. With `negated` false
    /// the resource must match one of them (`Resource`); with `negated` true it must match
    /// none (`NotResource`).
    Resource {
        patterns: Vec<&'a ResourcePattern>,
        negated: bool,
    },
}

impl fmt::Display for Pending<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pending::Condition(condition) => write!(f, "{condition}"),
            Pending::Resource { patterns, negated } => {
                let list: Vec<String> = patterns
                    .iter()
                    .map(|pattern| format!("`{pattern}`"))
                    .collect();
                let verb = if *negated {
                    "matches none of"
                } else {
                    "matches"
                };
                write!(f, "resource {verb} {}", list.join(" or "))
            }
        }
    }
}

/// A statement that applies to the request, outright or once its pending terms hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementMatch<'a> {
    pub statement: StatementRef<'a>,
    /// The terms that must hold for the statement to apply; empty when it applies outright.
    pub pending: Vec<Pending<'a>>,
}

impl StatementMatch<'_> {
    /// Returns whether the statement applies without any pending term.
    pub fn is_definite(&self) -> bool {
        self.pending.is_empty()
    }
}

impl fmt::Display for StatementMatch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.statement.effect(), self.statement)?;
        if !self.pending.is_empty() {
            let terms: Vec<String> = self.pending.iter().map(ToString::to_string).collect();
            write!(f, " if {}", terms.join(" and "))?;
        }
        Ok(())
    }
}

/// A check that a request must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gate {
    /// Within one account: an identity policy, or the resource policy, must allow.
    Grant,
    /// Across accounts: the principal's identity policies must allow.
    IdentityGrant,
    /// Across accounts: the resource policy must allow.
    ResourceGrant,
    Boundary,
    Session,
    Scp {
        level: usize,
    },
    Rcp {
        level: usize,
    },
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gate::Grant => f.write_str("an identity or resource policy"),
            Gate::IdentityGrant => f.write_str("the principal's identity policies"),
            Gate::ResourceGrant => f.write_str("the resource policy"),
            Gate::Boundary => f.write_str("the permission boundary"),
            Gate::Session => f.write_str("the session policies"),
            Gate::Scp { level } => write!(f, "the SCPs at level {level}"),
            Gate::Rcp { level } => write!(f, "the RCPs at level {level}"),
        }
    }
}

/// One thing that must hold for a request to be allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement<'a> {
    /// The gate must allow: at least one of these Allow statements must apply.
    AnyOf {
        gate: Gate,
        alternatives: Vec<StatementMatch<'a>>,
    },
    /// This Deny statement must not apply: at least one of its pending terms must fail.
    NotDenied(StatementMatch<'a>),
}

impl fmt::Display for Requirement<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::AnyOf { gate, alternatives } => {
                let options: Vec<String> = alternatives.iter().map(ToString::to_string).collect();
                write!(f, "{gate} must allow: {}", options.join("; or "))
            }
            Requirement::NotDenied(deny) => write!(f, "must not apply: {deny}"),
        }
    }
}

/// The reason a request is denied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DenyReason<'a> {
    /// A Deny statement applies.
    ExplicitDeny(StatementRef<'a>),
    /// No policy allows the request.
    ImplicitDeny,
    /// A limiting layer (SCP, RCP, boundary, session policy) allows nothing that matches.
    NotAllowedBy { gate: Gate, policies: Vec<&'a str> },
}

impl fmt::Display for DenyReason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DenyReason::ExplicitDeny(statement) => write!(f, "explicitly denied by {statement}"),
            DenyReason::ImplicitDeny => f.write_str("no policy allows it"),
            DenyReason::NotAllowedBy { gate, policies } => {
                let names: Vec<String> = policies.iter().map(|name| format!("`{name}`")).collect();
                write!(f, "not allowed by {gate}")?;
                if !names.is_empty() {
                    write!(f, " ({})", names.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

/// The decision on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<'a> {
    Allowed,
    /// Allowed when every requirement holds; the request left them undetermined.
    AllowedIf(Vec<Requirement<'a>>),
    Denied {
        reason: DenyReason<'a>,
    },
}

impl Decision<'_> {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed)
    }

    pub fn is_denied(&self) -> bool {
        matches!(self, Decision::Denied { .. })
    }
}

impl fmt::Display for Decision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Allowed => f.write_str("allowed"),
            Decision::AllowedIf(requirements) => {
                let terms: Vec<String> = requirements.iter().map(ToString::to_string).collect();
                write!(f, "allowed if {}", terms.join("; and "))
            }
            Decision::Denied { reason } => write!(f, "denied: {reason}"),
        }
    }
}

/// Facts that weaken a decision without changing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caveat {
    /// The source did not say whether the principal has a permission boundary; one may
    /// limit what the decision allows.
    BoundaryNotCollected,
    /// The action is not in the catalogue; it was matched literally.
    ActionNotInCatalogue(String),
    /// SCPs and RCPs were skipped for this principal.
    OrganizationPoliciesExempt(Exemption),
}

impl fmt::Display for Caveat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Caveat::BoundaryNotCollected => f.write_str(
                "the permission boundary was not collected; a boundary, if any, may limit this",
            ),
            Caveat::ActionNotInCatalogue(action) => {
                write!(
                    f,
                    "`{action}` is not in the action catalogue; it was matched literally"
                )
            }
            Caveat::OrganizationPoliciesExempt(Exemption::ManagementAccount) => {
                f.write_str("SCPs and RCPs do not apply to the management account")
            }
            Caveat::OrganizationPoliciesExempt(Exemption::ServiceLinkedRole) => {
                f.write_str("SCPs and RCPs do not apply to service-linked roles")
            }
        }
    }
}

/// The decision with the statements that led to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation<'a> {
    pub decision: Decision<'a>,
    /// Every statement that applies or may apply, in evaluation order.
    pub matched: Vec<StatementMatch<'a>>,
    pub caveats: Vec<Caveat>,
}
