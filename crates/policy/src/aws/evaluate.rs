//! Deciding a request the way AWS does. An explicit Deny anywhere wins. Then RCPs and SCPs
//! must allow at every level, an identity or resource policy must grant (both of them across
//! accounts), and the permission boundary and session policies must allow.

use super::catalogue::catalogue;
use super::decision::{
    Caveat, Decision, DenyReason, Evaluation, Gate, Pending, Requirement, StatementMatch,
    StatementRef,
};
use super::document::{Effect, NamedPolicy};
use super::policy_set::{BoundaryState, Layer, PolicySet};
use super::request::{ContextView, Request};
use super::statement_match::{PrincipalMatch, match_statement};

/// A statement that applies, or may apply, to the request.
struct Hit<'a> {
    statement: StatementRef<'a>,
    pending: Vec<Pending<'a>>,
    principal: PrincipalMatch,
}

impl<'a> Hit<'a> {
    fn is_definite(&self) -> bool {
        self.pending.is_empty()
    }

    fn to_match(&self) -> StatementMatch<'a> {
        StatementMatch {
            statement: self.statement,
            pending: self.pending.clone(),
        }
    }
}

/// Decides a request against a set of policies, and explains the decision.
///
/// Within one account a resource policy that names the principal grants on its own. When it
/// names the very user or role session making the request, the permission boundary and
/// session policies do not limit that grant, as AWS documents. Naming the account (`:root`)
/// only delegates to the account's identity policies.
pub fn evaluate<'a>(policies: &PolicySet<'a>, request: &Request) -> Evaluation<'a> {
    let view = ContextView::new(request);

    let mut hits = Vec::with_capacity(8);
    for (layer, policy) in policies.policies() {
        for statement in &policy.document.statements {
            let Some((pending, principal)) = match_statement(statement, request, &view) else {
                continue;
            };
            hits.push(Hit {
                statement: StatementRef {
                    layer,
                    policy: &policy.name,
                    statement,
                },
                pending,
                principal,
            });
        }
    }

    let decision = match decide(policies, request, &hits) {
        Ok(requirements) if requirements.is_empty() => Decision::Allowed,
        Ok(requirements) => Decision::AllowedIf(requirements),
        Err(reason) => Decision::Denied { reason },
    };
    let caveats = caveats(policies, request, &decision);
    let matched = hits.iter().map(Hit::to_match).collect();
    Evaluation {
        decision,
        matched,
        caveats,
    }
}

fn decide<'a>(
    policies: &PolicySet<'a>,
    request: &Request,
    hits: &[Hit<'a>],
) -> Result<Vec<Requirement<'a>>, DenyReason<'a>> {
    let mut requirements = Vec::new();

    for deny in hits
        .iter()
        .filter(|hit| hit.statement.effect() == Effect::Deny)
    {
        if deny.is_definite() {
            return Err(DenyReason::ExplicitDeny(deny.statement));
        }
        requirements.push(Requirement::NotDenied(deny.to_match()));
    }

    if policies.exemption.is_none() {
        for (level, layer) in policies.rcps.iter().enumerate() {
            let gate = Gate::Rcp { level };
            require(
                &mut requirements,
                gate,
                hits,
                |hit| allows_in(hit, Layer::Rcp { level }),
                layer,
            )?;
        }
        for (level, layer) in policies.scps.iter().enumerate() {
            let gate = Gate::Scp { level };
            require(
                &mut requirements,
                gate,
                hits,
                |hit| allows_in(hit, Layer::Scp { level }),
                layer,
            )?;
        }
    }

    let same_account = match (
        request.principal.account.as_deref(),
        request.resource_owner(),
    ) {
        (Some(principal), Some(owner)) => principal == owner,
        _ => true,
    };
    if same_account {
        // Within the account a resource policy that names the principal, or everyone, grants
        // on its own. One that names the account only delegates to identity policies.
        let direct = |hit: &Hit<'a>| {
            allows_in(hit, Layer::Resource)
                && matches!(
                    hit.principal,
                    PrincipalMatch::Named { .. } | PrincipalMatch::Anyone
                )
        };
        let grants = |hit: &Hit<'a>| allows_in(hit, Layer::Identity) || direct(hit);
        require(&mut requirements, Gate::Grant, hits, grants, &[])?;

        let names_requester = hits.iter().any(|hit| {
            direct(hit)
                && hit.is_definite()
                && hit.principal == PrincipalMatch::Named { exact: true }
        });
        if names_requester {
            return Ok(requirements);
        }
    } else {
        let identity = |hit: &Hit<'a>| allows_in(hit, Layer::Identity);
        let resource = |hit: &Hit<'a>| allows_in(hit, Layer::Resource);
        require(&mut requirements, Gate::IdentityGrant, hits, identity, &[])?;
        require(&mut requirements, Gate::ResourceGrant, hits, resource, &[])?;
    }

    if let BoundaryState::Policy(boundary) = policies.boundary {
        let boundary_allows = |hit: &Hit<'a>| allows_in(hit, Layer::Boundary);
        require(
            &mut requirements,
            Gate::Boundary,
            hits,
            boundary_allows,
            &[boundary],
        )?;
    }
    if !policies.session.is_empty() {
        let session_allows = |hit: &Hit<'a>| allows_in(hit, Layer::Session);
        require(
            &mut requirements,
            Gate::Session,
            hits,
            session_allows,
            &policies.session,
        )?;
    }
    Ok(requirements)
}

fn allows_in(hit: &Hit<'_>, layer: Layer) -> bool {
    hit.statement.layer == layer && hit.statement.effect() == Effect::Allow
}

/// Requires a gate to allow: passes when one of the Allow statements `selects` keeps applies
/// outright, fails when none may apply, and otherwise records them as a requirement.
fn require<'a>(
    requirements: &mut Vec<Requirement<'a>>,
    gate: Gate,
    hits: &[Hit<'a>],
    selects: impl Fn(&Hit<'a>) -> bool,
    policies: &[&'a NamedPolicy],
) -> Result<(), DenyReason<'a>> {
    let mut any_selected = false;
    for hit in hits.iter().filter(|hit| selects(hit)) {
        if hit.is_definite() {
            return Ok(());
        }
        any_selected = true;
    }
    if !any_selected {
        return Err(match gate {
            Gate::Grant | Gate::IdentityGrant | Gate::ResourceGrant => DenyReason::ImplicitDeny,
            _ => DenyReason::NotAllowedBy {
                gate,
                policies: policies.iter().map(|policy| policy.name.as_str()).collect(),
            },
        });
    }
    requirements.push(Requirement::AnyOf {
        gate,
        alternatives: hits
            .iter()
            .filter(|hit| selects(hit))
            .map(Hit::to_match)
            .collect(),
    });
    Ok(())
}

fn caveats(policies: &PolicySet<'_>, request: &Request, decision: &Decision<'_>) -> Vec<Caveat> {
    let mut caveats = Vec::new();
    if policies.boundary == BoundaryState::NotCollected && !decision.is_denied() {
        caveats.push(Caveat::BoundaryNotCollected);
    }
    if catalogue().index_of(&request.action).is_none() {
        caveats.push(Caveat::ActionNotInCatalogue(request.action.clone()));
    }
    if let Some(exemption) = policies.exemption
        && !(policies.scps.is_empty() && policies.rcps.is_empty())
    {
        caveats.push(Caveat::OrganizationPoliciesExempt(exemption));
    }
    caveats
}
