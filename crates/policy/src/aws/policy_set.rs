//! The policies that take part in a decision, by the role each plays.

use std::fmt;

use super::document::NamedPolicy;

/// The role a policy plays in evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// A policy attached to the principal, directly or through a group.
    Identity,
    /// The policy of the resource: a bucket policy, a key policy, a role's trust policy.
    Resource,
    /// The principal's permission boundary.
    Boundary,
    /// A policy passed when the session was created.
    Session,
    /// A service control policy at one level of the organization (0 = root).
    Scp { level: usize },
    /// A resource control policy at one level of the organization (0 = root).
    Rcp { level: usize },
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Identity => f.write_str("identity policy"),
            Layer::Resource => f.write_str("resource policy"),
            Layer::Boundary => f.write_str("permission boundary"),
            Layer::Session => f.write_str("session policy"),
            Layer::Scp { level } => write!(f, "SCP at level {level}"),
            Layer::Rcp { level } => write!(f, "RCP at level {level}"),
        }
    }
}

/// The known state of a principal's permission boundary. A bulk listing can omit boundaries, so
/// "no boundary" must be stated, never assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundaryState<'a> {
    /// The source did not say whether the principal has a boundary.
    NotCollected,
    /// The source is known to list boundaries and the principal has none.
    None,
    Policy(&'a NamedPolicy),
}

/// The reason SCPs and RCPs do not apply to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exemption {
    /// The principal belongs to the organization's management account.
    ManagementAccount,
    /// The principal is a service-linked role (path `/aws-service-role/`).
    ServiceLinkedRole,
}

/// Every policy that can take part in decisions for one principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySet<'a> {
    pub identity: Vec<&'a NamedPolicy>,
    /// The resource's own policy, for decisions on one resource. Effective access ignores it.
    pub resource: Option<&'a NamedPolicy>,
    pub boundary: BoundaryState<'a>,
    /// Session policies; empty when the session has none.
    pub session: Vec<&'a NamedPolicy>,
    /// SCPs by organization level, root first: every level must allow. Empty outside an
    /// organization.
    pub scps: Vec<Vec<&'a NamedPolicy>>,
    /// RCPs by organization level, root first: every level must allow. Pass them only for
    /// requests to services that RCPs cover.
    pub rcps: Vec<Vec<&'a NamedPolicy>>,
    /// Set when SCPs and RCPs do not apply to the principal.
    pub exemption: Option<Exemption>,
}

impl<'a> PolicySet<'a> {
    /// Creates a set of identity policies with an uncollected boundary and no other policy.
    pub fn new(identity: Vec<&'a NamedPolicy>) -> PolicySet<'a> {
        PolicySet {
            identity,
            resource: None,
            boundary: BoundaryState::NotCollected,
            session: Vec::new(),
            scps: Vec::new(),
            rcps: Vec::new(),
            exemption: None,
        }
    }

    /// Returns every policy that applies with its layer, in AWS's evaluation order:
    /// organization policies (unless exempt), the resource policy, identity policies, the
    /// boundary, session policies.
    pub fn policies(&self) -> impl Iterator<Item = (Layer, &'a NamedPolicy)> + '_ {
        let organization = self.exemption.is_none();
        let rcps = by_level(&self.rcps, organization, |level| Layer::Rcp { level });
        let scps = by_level(&self.scps, organization, |level| Layer::Scp { level });
        let resource = self.resource.map(|policy| (Layer::Resource, policy));
        let identity = self
            .identity
            .iter()
            .map(|policy| (Layer::Identity, *policy));
        let boundary = match self.boundary {
            BoundaryState::Policy(policy) => Some((Layer::Boundary, policy)),
            BoundaryState::NotCollected | BoundaryState::None => None,
        };
        let session = self.session.iter().map(|policy| (Layer::Session, *policy));

        rcps.chain(scps)
            .chain(resource)
            .chain(identity)
            .chain(boundary)
            .chain(session)
    }
}

fn by_level<'s, 'a>(
    levels: &'s [Vec<&'a NamedPolicy>],
    applies: bool,
    layer: fn(usize) -> Layer,
) -> impl Iterator<Item = (Layer, &'a NamedPolicy)> + 's {
    levels
        .iter()
        .enumerate()
        .filter(move |_| applies)
        .flat_map(move |(level, policies)| {
            policies.iter().map(move |policy| (layer(level), *policy))
        })
}
