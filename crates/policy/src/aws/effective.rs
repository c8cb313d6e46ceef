//! Effective access: what an identity can do once Denies, SCPs, its permission boundary and
//! session policies are applied to what its identity policies allow.
//!
//! Effective = identity allows ∩ every SCP level's allows ∩ boundary allows ∩ session allows,
//! minus Denies. Nothing from a Deny statement ever enters the result. What a Deny or a
//! limiting layer takes away only under conditions, or only on some resources, stays in the
//! result with a [`Restriction`] that records it.

use std::borrow::Cow;
use std::fmt;

use super::action_set::{ActionName, ActionSet};
use super::catalogue::ActionInfo;
use super::condition::Condition;
use super::decision::StatementRef;
use super::document::{Effect, NamedPolicy, ResourceBlock, Statement};
use super::policy_set::{BoundaryState, Exemption, Layer, PolicySet};
use super::wildcard::{self, Case, Token};

/// The actions an identity can perform, on which resources, under which conditions.
#[derive(Debug, Clone)]
pub struct EffectiveAccess<'a> {
    /// One entry per Allow statement of the identity policies that still grants something.
    pub grants: Vec<EffectiveGrant<'a>>,
    /// The boundary as known; `NotCollected` means a boundary, if any, was not applied.
    pub boundary: BoundaryState<'a>,
    /// The number of SCP levels applied.
    pub scp_levels: usize,
    /// Set when SCPs did not apply to the principal.
    pub exemption: Option<Exemption>,
}

/// The part of one Allow statement that survives Denies and limits.
#[derive(Debug, Clone)]
pub struct EffectiveGrant<'a> {
    pub source: StatementRef<'a>,
    /// The actions still granted: the statement's own set when nothing took any away, which
    /// principals that share a policy then share.
    pub actions: Cow<'a, ActionSet>,
    /// The statement's `Resource` or `NotResource`.
    pub resources: &'a ResourceBlock,
    /// The statement's own conditions, all of which must hold.
    pub conditions: &'a [Condition],
    /// Denies and limits that apply to some of the actions only under conditions or only on
    /// some resources.
    pub restrictions: Vec<Restriction<'a>>,
}

/// Something that may take away part of a grant.
#[derive(Debug, Clone)]
pub enum Restriction<'a> {
    /// A Deny with conditions: the actions are allowed unless its conditions hold.
    ConditionalDeny {
        statement: StatementRef<'a>,
        actions: ActionSet,
    },
    /// An unconditional Deny on some of the grant's resources: the actions are allowed only
    /// on the other resources.
    PartialDeny {
        statement: StatementRef<'a>,
        actions: ActionSet,
    },
    /// A limiting layer (SCP level, boundary, session policy) allows the actions only under
    /// conditions or on some resources, through these statements.
    Limited {
        layer: Layer,
        statements: Vec<StatementRef<'a>>,
        actions: ActionSet,
    },
}

impl Restriction<'_> {
    /// Returns the actions the restriction concerns.
    pub fn actions(&self) -> &ActionSet {
        match self {
            Restriction::ConditionalDeny { actions, .. }
            | Restriction::PartialDeny { actions, .. }
            | Restriction::Limited { actions, .. } => actions,
        }
    }
}

impl fmt::Display for Restriction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Restriction::ConditionalDeny { statement, .. } => {
                let conditions: Vec<String> = statement
                    .statement
                    .conditions
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                write!(f, "unless {} ({statement})", conditions.join(" and "))
            }
            Restriction::PartialDeny { statement, .. } => {
                write!(f, "except on the resources denied by {statement}")
            }
            Restriction::Limited {
                layer, statements, ..
            } => {
                let sources: Vec<String> = statements.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "only where the {layer} allows it ({})",
                    sources.join("; ")
                )
            }
        }
    }
}

impl EffectiveGrant<'_> {
    /// Returns whether the grant applies with no condition and no restriction.
    pub fn is_unconditional(&self) -> bool {
        self.conditions.is_empty() && self.restrictions.is_empty()
    }

    /// Returns whether the grant covers every resource.
    pub fn covers_all_resources(&self) -> bool {
        self.resources.covers_all()
    }

    /// Returns the restrictions that concern an action.
    pub fn restrictions_for<'g>(
        &'g self,
        action: &'g str,
    ) -> impl Iterator<Item = &'g Restriction<'g>> + 'g {
        self.restrictions_for_action(ActionName::new(action))
    }

    /// Like [`Self::restrictions_for`], for an action looked up beforehand.
    pub fn restrictions_for_action<'g>(
        &'g self,
        action: ActionName<'g>,
    ) -> impl Iterator<Item = &'g Restriction<'g>> + 'g {
        self.restrictions
            .iter()
            .filter(move |restriction| restriction.actions().contains_action(action))
    }

    /// Returns whether the action is granted without condition or restriction.
    pub fn grants_unconditionally(&self, action: &str) -> bool {
        self.conditions.is_empty()
            && self.actions.contains(action)
            && self.restrictions_for(action).next().is_none()
    }

    /// Returns whether the grant may let the action act on the resource `arn`: its resources
    /// may include it, no unconditional Deny takes it away, and every limiting layer allows
    /// the action on it through some statement. Conditions are not evaluated, so a
    /// conditional Allow or Deny counts as letting the action through.
    pub fn may_reach(&self, action: &str, arn: &str) -> bool {
        self.may_reach_action(ActionName::new(action), arn)
    }

    /// Like [`Self::may_reach`], for an action looked up beforehand.
    pub fn may_reach_action(&self, action: ActionName<'_>, arn: &str) -> bool {
        if !self.actions.contains_action(action) || !may_include(Some(self.resources), arn) {
            return false;
        }
        self.restrictions_for_action(action)
            .all(|restriction| match restriction {
                Restriction::ConditionalDeny { .. } => true,
                Restriction::PartialDeny { statement, .. } => {
                    !surely_includes(statement.statement.resources.as_ref(), arn)
                }
                Restriction::Limited { statements, .. } => statements.iter().any(|allow| {
                    allow.statement.action_set().contains_action(action)
                        && may_include(allow.statement.resources.as_ref(), arn)
                }),
            })
    }

    /// Describes what must hold for the grant to apply to an action: its conditions and the
    /// restrictions on that action. Empty when the action is granted outright.
    pub fn qualifications(&self, action: &str) -> Vec<String> {
        let mut terms: Vec<String> = self
            .conditions
            .iter()
            .map(|condition| format!("if {condition}"))
            .collect();
        terms.extend(self.restrictions_for(action).map(ToString::to_string));
        terms
    }
}

/// One (action, resources, conditions) triple of an identity's effective access.
#[derive(Debug, Clone)]
pub struct AccessEntry<'g, 'a> {
    pub action: &'static ActionInfo,
    pub grant: &'g EffectiveGrant<'a>,
}

impl<'a> EffectiveAccess<'a> {
    /// Returns the grants that cover an action (such as `iam:PassRole`).
    pub fn grants_for<'s>(
        &'s self,
        action: &'s str,
    ) -> impl Iterator<Item = &'s EffectiveGrant<'a>> + 's {
        let action = ActionName::new(action);
        self.grants
            .iter()
            .filter(move |grant| grant.actions.contains_action(action))
    }

    /// Returns whether some grant covers the action, under conditions or not.
    pub fn may_perform(&self, action: &str) -> bool {
        self.grants_for(action).next().is_some()
    }

    /// Returns every catalogue action of every grant. An admin grant yields every action of
    /// the catalogue, so prefer [`Self::grants_for`] for single questions.
    pub fn entries(&self) -> impl Iterator<Item = AccessEntry<'_, 'a>> + '_ {
        self.grants.iter().flat_map(|grant| {
            grant
                .actions
                .actions()
                .map(move |action| AccessEntry { action, grant })
        })
    }

    /// Returns the union of the actions of all grants.
    pub fn actions(&self) -> ActionSet {
        ActionSet::union_of(self.grants.iter().map(|grant| &*grant.actions))
    }

    /// Returns whether nothing that could limit the result was left uncollected.
    pub fn is_complete(&self) -> bool {
        self.boundary != BoundaryState::NotCollected
    }
}

/// A Deny statement with where it came from.
struct Deny<'a> {
    statement: StatementRef<'a>,
}

/// The allows of one limiting layer.
struct Limit<'a> {
    layer: Layer,
    /// Everything the layer allows in some way.
    any: ActionSet,
    /// The actions the layer allows on every resource without conditions.
    full: ActionSet,
    /// The statements that allow only under conditions or on some resources.
    partial: Vec<StatementRef<'a>>,
}

/// Computes what the identity policies of a set allow after Denies and limits. The resource
/// policy and RCPs take no part: they belong to single resources.
pub fn effective_access<'a>(policies: &PolicySet<'a>) -> EffectiveAccess<'a> {
    effective_access_where(policies, |_| true)
}

/// Computes the effective access like [`effective_access`], keeping only the grants whose
/// Allow statements name the action. This skips the work for the other statements when only
/// that action matters.
pub fn effective_access_for<'a>(
    policies: &PolicySet<'a>,
    action: ActionName<'_>,
) -> EffectiveAccess<'a> {
    effective_access_where(policies, |statement| {
        statement.action_set().contains_action(action)
    })
}

fn effective_access_where<'a>(
    policies: &PolicySet<'a>,
    keep: impl Fn(&Statement) -> bool,
) -> EffectiveAccess<'a> {
    let denies = collect_denies(policies);
    let limits = collect_limits(policies);

    let mut grants = Vec::new();
    for policy in &policies.identity {
        for statement in allow_statements(policy).filter(|statement| keep(statement)) {
            let source = StatementRef {
                layer: Layer::Identity,
                policy: &policy.name,
                statement,
            };
            if let Some(grant) = restrict_grant(source, &denies, &limits) {
                grants.push(grant);
            }
        }
    }

    let organization = policies.exemption.is_none();
    EffectiveAccess {
        grants,
        boundary: policies.boundary,
        scp_levels: if organization { policies.scps.len() } else { 0 },
        exemption: policies.exemption,
    }
}

fn allow_statements(policy: &NamedPolicy) -> impl Iterator<Item = &Statement> {
    policy
        .document
        .statements
        .iter()
        .filter(|statement| statement.effect == Effect::Allow && statement.principals.is_none())
}

fn collect_denies<'a>(policies: &PolicySet<'a>) -> Vec<Deny<'a>> {
    policies
        .policies()
        .filter(|(layer, _)| !matches!(layer, Layer::Resource | Layer::Rcp { .. }))
        .flat_map(|(layer, policy)| {
            policy
                .document
                .statements
                .iter()
                .filter(|statement| statement.effect == Effect::Deny)
                .map(move |statement| Deny {
                    statement: StatementRef {
                        layer,
                        policy: &policy.name,
                        statement,
                    },
                })
        })
        .collect()
}

fn collect_limits<'a>(policies: &PolicySet<'a>) -> Vec<Limit<'a>> {
    let mut layers: Vec<(Layer, Vec<&'a NamedPolicy>)> = Vec::new();
    if policies.exemption.is_none() {
        for (level, scps) in policies.scps.iter().enumerate() {
            layers.push((Layer::Scp { level }, scps.clone()));
        }
    }
    if let BoundaryState::Policy(boundary) = policies.boundary {
        layers.push((Layer::Boundary, vec![boundary]));
    }
    if !policies.session.is_empty() {
        layers.push((Layer::Session, policies.session.clone()));
    }

    layers
        .into_iter()
        .map(|(layer, layer_policies)| {
            let mut limit = Limit {
                layer,
                any: ActionSet::empty(),
                full: ActionSet::empty(),
                partial: Vec::new(),
            };
            for policy in layer_policies {
                for statement in allow_statements(policy) {
                    let set = statement.action_set();
                    limit.any.union_with(set);
                    let covers_everything = !statement.is_conditional()
                        && statement
                            .resources
                            .as_ref()
                            .is_none_or(ResourceBlock::covers_all);
                    if covers_everything {
                        limit.full.union_with(set);
                    } else {
                        limit.partial.push(StatementRef {
                            layer,
                            policy: &policy.name,
                            statement,
                        });
                    }
                }
            }
            limit
        })
        .collect()
}

/// Applies Denies and limits to one Allow statement; `None` when nothing is left.
fn restrict_grant<'a>(
    source: StatementRef<'a>,
    denies: &[Deny<'a>],
    limits: &[Limit<'a>],
) -> Option<EffectiveGrant<'a>> {
    let statement = source.statement;
    let resources = statement.resources.as_ref()?;
    let mut actions = Cow::Borrowed(statement.action_set());

    for deny in denies {
        let deny_statement = deny.statement.statement;
        let denied = deny_statement.action_set();
        if !deny_statement.is_conditional()
            && may_take_from(&actions, denied)
            && resources_covered(deny_statement.resources.as_ref(), resources)
        {
            actions.to_mut().subtract(denied);
        }
    }
    for limit in limits {
        if !actions.is_subset_of(&limit.any) {
            actions.to_mut().intersect_with(&limit.any);
        }
    }
    if actions.is_empty() {
        return None;
    }

    let mut restrictions = Vec::new();
    for limit in limits {
        if !actions.has_catalogue_action_outside(&limit.full)
            && !actions.reaches_outside_catalogue()
        {
            continue;
        }
        let mut limited = actions.clone().into_owned();
        limited.subtract(&limit.full);
        if limited.is_empty() {
            continue;
        }
        let statements = limit
            .partial
            .iter()
            .filter(|partial| partial.statement.action_set().intersects(&limited))
            .copied()
            .collect();
        restrictions.push(Restriction::Limited {
            layer: limit.layer,
            statements,
            actions: limited,
        });
    }
    for deny in denies {
        let deny_statement = deny.statement.statement;
        if !may_take_from(&actions, deny_statement.action_set())
            || !resources_overlap(deny_statement.resources.as_ref(), resources)
        {
            continue;
        }
        let affected = actions.intersection(deny_statement.action_set());
        if affected.is_empty() {
            continue;
        }
        restrictions.push(if deny_statement.is_conditional() {
            Restriction::ConditionalDeny {
                statement: deny.statement,
                actions: affected,
            }
        } else {
            Restriction::PartialDeny {
                statement: deny.statement,
                actions: affected,
            }
        });
    }

    Some(EffectiveGrant {
        source,
        actions,
        resources,
        conditions: &statement.conditions,
        restrictions,
    })
}

/// Returns whether subtracting `denied` may change `actions`. When they share no catalogue
/// action and `actions` reaches nothing outside the catalogue, it cannot, and the set
/// operations are skipped.
fn may_take_from(actions: &ActionSet, denied: &ActionSet) -> bool {
    actions.shares_catalogue_action(denied) || actions.reaches_outside_catalogue()
}

/// Returns whether a Deny's resources include every resource of a grant.
fn resources_covered(deny: Option<&ResourceBlock>, grant: &ResourceBlock) -> bool {
    let Some(deny) = deny else {
        return true;
    };
    if deny.covers_all() {
        return true;
    }
    match (deny, grant) {
        (ResourceBlock::Resource(outer), ResourceBlock::Resource(inner)) => {
            inner.iter().all(|inner| {
                let Some(inner) = inner.compiled() else {
                    return false;
                };
                outer.iter().any(|outer| {
                    outer
                        .compiled()
                        .is_some_and(|outer| wildcard::covers(outer, inner, Case::Sensitive))
                })
            })
        }
        (ResourceBlock::NotResource(excluded), ResourceBlock::Resource(inner)) => {
            inner.iter().all(|inner| {
                excluded
                    .iter()
                    .all(|excluded| !tokens_may_overlap(inner.compiled(), excluded.compiled()))
            })
        }
        _ => false,
    }
}

/// Returns whether a Deny's resources may share a resource with a grant's.
fn resources_overlap(deny: Option<&ResourceBlock>, grant: &ResourceBlock) -> bool {
    let Some(deny) = deny else {
        return true;
    };
    match (deny, grant) {
        (ResourceBlock::Resource(left), ResourceBlock::Resource(right)) => {
            left.iter().any(|left| {
                right
                    .iter()
                    .any(|right| tokens_may_overlap(left.compiled(), right.compiled()))
            })
        }
        // NOTE: overlap with a `NotResource` list is assumed, which errs toward reporting a
        // restriction that may not bite.
        _ => true,
    }
}

/// Returns whether a `Resource` or `NotResource` element may include the ARN. A pattern with
/// a policy variable may match it, and cannot be relied on to exclude it.
fn may_include(resources: Option<&ResourceBlock>, arn: &str) -> bool {
    match resources {
        None => true,
        Some(ResourceBlock::Resource(patterns)) => {
            patterns.iter().any(|pattern| pattern.may_match(arn))
        }
        Some(ResourceBlock::NotResource(patterns)) => !patterns
            .iter()
            .any(|pattern| pattern.compiled().is_some() && pattern.may_match(arn)),
    }
}

/// Returns whether a `Resource` or `NotResource` element includes the ARN whatever values its
/// policy variables take.
pub(crate) fn surely_includes(resources: Option<&ResourceBlock>, arn: &str) -> bool {
    match resources {
        None => true,
        Some(ResourceBlock::Resource(patterns)) => patterns
            .iter()
            .any(|pattern| pattern.compiled().is_some() && pattern.may_match(arn)),
        Some(ResourceBlock::NotResource(patterns)) => {
            !patterns.iter().any(|pattern| pattern.may_match(arn))
        }
    }
}

/// Patterns with policy variables have no compiled form; they may overlap anything.
fn tokens_may_overlap(left: Option<&[Token]>, right: Option<&[Token]>) -> bool {
    match (left, right) {
        (Some(left), Some(right)) => wildcard::may_overlap(left, right, Case::Sensitive),
        _ => true,
    }
}
