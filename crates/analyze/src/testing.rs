//! Hand-made estates and rosters for the rules' unit tests.
//!
//! An [`Estate`] collects identities, credentials, groups, policies, grants and trusts. It
//! adds one scope per provider they belong to and records complete coverage of every kind in
//! each scope, unless a test marks a kind partial. Every test runs at [`now`].

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use roster_declared::types::{GroupDeclaration, IdentityDeclaration, MemberMatcher, Roster};
use roster_graph::IdentityGraph;
use roster_model::{
    CoverageKind, CoverageStatus, Credential, CredentialKey, CredentialKind, CredentialStatus,
    Finding, Grant, Group, GroupKey, Identity, IdentityKey, IdentityKind, Inventory, Policy,
    PolicyKey, PolicyKind, Principal, PrincipalKind, ProviderId, Scope, ScopeId, ScopeKind,
    Subject, Trust, Usage,
};

use crate::{Context, Rule};

/// Every coverage kind, so that an estate can mark them all complete.
const COVERAGE_KINDS: [CoverageKind; 9] = [
    CoverageKind::Identities,
    CoverageKind::Groups,
    CoverageKind::Grants,
    CoverageKind::Trusts,
    CoverageKind::Credentials,
    CoverageKind::IdentityUsage,
    CoverageKind::CredentialUsage,
    CoverageKind::PermissionUsage,
    CoverageKind::PermissionBoundaries,
];

/// Returns the moment every test runs at, 2025-06-01T00:00:00Z.
pub fn now() -> Timestamp {
    "2025-06-01T00:00:00Z".parse().unwrap()
}

pub fn days_ago(days: i64) -> Timestamp {
    now()
        .checked_sub(SignedDuration::from_hours(days * 24))
        .unwrap()
}

pub fn days_ahead(days: i64) -> Timestamp {
    now()
        .checked_add(SignedDuration::from_hours(days * 24))
        .unwrap()
}

/// Returns the native id of the one scope a test estate holds for a provider.
pub fn scope_native_id(provider: ProviderId) -> &'static str {
    match provider {
        ProviderId::Aws => "111122223333",
        ProviderId::Gcp => "acme-prod",
        ProviderId::Azure => "00000000-0000-0000-0000-000000000001",
        ProviderId::Slack => "T0001",
        ProviderId::Kubernetes => "prod-eu",
    }
}

pub fn scope_of(provider: ProviderId) -> ScopeId {
    ScopeId::new(provider, scope_native_id(provider))
}

/// Returns an enabled identity with no optional facts and unknown usage. Human accounts live
/// in the AWS scope.
pub fn identity(kind: IdentityKind, name: &str) -> Identity {
    let provider = kind.provider().unwrap_or(ProviderId::Aws);
    let key = IdentityKey::new(provider, scope_native_id(provider), kind, name);
    Identity::new(
        provider,
        key,
        scope_of(provider),
        kind,
        name,
        Usage::unknown("not collected in this test"),
    )
}

pub fn role(name: &str) -> Identity {
    identity(IdentityKind::AwsRole, name)
}

pub fn user(name: &str) -> Identity {
    identity(IdentityKind::AwsUser, name)
}

/// Returns an active credential of `owner` with no dates and unknown usage.
pub fn credential(owner: &Identity, kind: CredentialKind, native_id: &str) -> Credential {
    Credential {
        key: CredentialKey::new(format!("{}:{kind}:{native_id}", owner.key)),
        identity: owner.key.clone(),
        provider: owner.provider,
        scope: owner.scope.clone(),
        kind,
        native_id: Some(native_id.to_owned()),
        status: CredentialStatus::Active,
        created: None,
        expires: None,
        last_used: Usage::unknown("not collected in this test"),
    }
}

/// Returns a roster of version 1 with default settings and nothing declared.
pub fn roster() -> Roster {
    Roster {
        version: 1,
        ..Roster::default()
    }
}

/// Returns a declaration of one identity by key, with nothing else set.
pub fn declaration(key: &IdentityKey) -> IdentityDeclaration {
    IdentityDeclaration {
        id: Some(key.to_string()),
        selector: None,
        owner: None,
        purpose: None,
        environment: None,
        expires: None,
        human: None,
    }
}

/// Returns a roster group that lists `members` by key, with nothing else set.
pub fn roster_group(members: &[&IdentityKey]) -> GroupDeclaration {
    GroupDeclaration {
        members: members
            .iter()
            .map(|key| MemberMatcher::Id {
                id: key.to_string(),
            })
            .collect(),
        ..GroupDeclaration::default()
    }
}

/// Runs one rule over a graph and an optional roster at [`now`], with the findings sorted by
/// subject and fingerprint.
pub fn run(rule: &Rule, graph: &IdentityGraph, roster: Option<&Roster>) -> Vec<Finding> {
    let context = Context::new(graph, roster, now());
    let mut findings = (rule.check)(&context);
    findings.sort_by(|a, b| {
        a.subject
            .cmp(&b.subject)
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    findings
}

/// The contents of a test inventory, spread over one scope per provider.
#[derive(Default)]
pub struct Estate {
    identities: Vec<Identity>,
    credentials: Vec<Credential>,
    groups: Vec<Group>,
    policies: Vec<Policy>,
    grants: Vec<Grant>,
    trusts: Vec<Trust>,
    partial: Vec<CoverageKind>,
    /// AWS accounts beside the estate's own, each with its own scope and coverage.
    accounts: Vec<String>,
}

impl Estate {
    pub fn new() -> Self {
        Estate::default()
    }

    pub fn identity(mut self, identity: Identity) -> Self {
        self.identities.push(identity);
        self
    }

    pub fn credential(mut self, credential: Credential) -> Self {
        self.credentials.push(credential);
        self
    }

    /// Marks one kind of data as partly collected in every scope of the estate.
    pub fn partial(mut self, kind: CoverageKind) -> Self {
        self.partial.push(kind);
        self
    }

    /// Builds the identity graph: one scope per provider that anything in the estate belongs
    /// to, each with its coverage. The graph ignores which inventory contains an object, so
    /// the objects all go into the first.
    pub fn graph(self) -> IdentityGraph {
        let providers: BTreeSet<ProviderId> = self
            .identities
            .iter()
            .map(|identity| identity.provider)
            .chain(
                self.credentials
                    .iter()
                    .map(|credential| credential.provider),
            )
            .chain(self.groups.iter().map(|group| group.provider))
            .chain(self.policies.iter().map(|policy| policy.provider))
            .collect();

        let mut inventories: Vec<Inventory> = providers
            .into_iter()
            .map(|provider| self.scoped_inventory(provider))
            .collect();

        let accounts: Vec<Inventory> = self
            .accounts
            .iter()
            .map(|account| self.account_inventory(account))
            .collect();
        if let Some(first) = inventories.first_mut() {
            first.identities = self.identities;
            first.credentials = self.credentials;
            first.groups = self.groups;
            first.policies = self.policies;
            first.grants = self.grants;
            first.trusts = self.trusts;
        }
        inventories.extend(accounts);
        IdentityGraph::build(inventories)
    }

    /// Returns an inventory holding only the provider's scope and its coverage.
    fn scoped_inventory(&self, provider: ProviderId) -> Inventory {
        let mut inventory = Inventory::new(provider);
        let scope = scope_of(provider);
        inventory.scopes.push(Scope::new(
            provider,
            scope_kind(provider),
            scope_native_id(provider),
        ));
        for kind in COVERAGE_KINDS {
            let status = if self.partial.contains(&kind) {
                CoverageStatus::Partial {
                    reason: "marked partial by the test".to_owned(),
                }
            } else {
                CoverageStatus::Complete
            };
            inventory.set_coverage(&scope, kind, None, status);
        }
        inventory
    }
}

#[allow(
    dead_code,
    reason = "kept for tests of rules over groups, grants and trusts"
)]
impl Estate {
    pub fn group(mut self, group: Group) -> Self {
        self.groups.push(group);
        self
    }

    pub fn policy(mut self, policy: Policy) -> Self {
        self.policies.push(policy);
        self
    }

    pub fn grant(mut self, grant: Grant) -> Self {
        self.grants.push(grant);
        self
    }

    pub fn trust(mut self, trust: Trust) -> Self {
        self.trusts.push(trust);
        self
    }
}

fn scope_kind(provider: ProviderId) -> ScopeKind {
    match provider {
        ProviderId::Aws => ScopeKind::AwsAccount,
        ProviderId::Gcp => ScopeKind::GcpProject,
        ProviderId::Azure => ScopeKind::AzureTenant,
        ProviderId::Slack => ScopeKind::SlackWorkspace,
        ProviderId::Kubernetes => ScopeKind::K8sCluster,
    }
}

/// Returns an AWS identity in `account`, which need not be the estate's own account.
pub fn identity_in(account: &str, kind: IdentityKind, name: &str) -> Identity {
    let key = IdentityKey::new(ProviderId::Aws, account, kind, name);
    Identity::new(
        ProviderId::Aws,
        key,
        ScopeId::new(ProviderId::Aws, account),
        kind,
        name,
        Usage::unknown("not collected in this test"),
    )
}

/// Assigns every scope of the graph the environment the roster maps it to.
pub fn assign_environments(graph: &mut IdentityGraph, roster: &Roster) {
    graph.assign_environments(|scope| roster.environment_of_scope(scope).map(str::to_owned));
}

impl Estate {
    /// Adds an AWS account beside the estate's own, with the same coverage.
    pub fn account(mut self, native_id: &str) -> Self {
        self.accounts.push(native_id.to_owned());
        self
    }

    /// Returns an inventory holding only one more AWS account and its coverage.
    fn account_inventory(&self, native_id: &str) -> Inventory {
        let mut inventory = self.scoped_inventory(ProviderId::Aws);
        let scope = Scope::new(ProviderId::Aws, ScopeKind::AwsAccount, native_id);
        for coverage in &mut inventory.coverage {
            coverage.scope = scope.id.clone();
        }
        inventory.scopes = vec![scope];
        inventory
    }
}

/// Returns an IAM group of the estate's AWS account with these members, sorted.
pub fn aws_group(name: &str, members: &[&IdentityKey]) -> Group {
    let mut members: Vec<IdentityKey> = members.iter().map(|key| (*key).clone()).collect();
    members.sort();
    Group {
        key: GroupKey::from_parts(ProviderId::Aws, scope_native_id(ProviderId::Aws), name),
        provider: ProviderId::Aws,
        scope: scope_of(ProviderId::Aws),
        name: name.to_owned(),
        unique_id: None,
        path: None,
        tags: BTreeMap::new(),
        members,
    }
}

/// Returns a customer-managed policy of the estate's AWS account with this document.
pub fn aws_policy(name: &str, document: serde_json::Value) -> Policy {
    let arn = format!(
        "arn:aws:iam::{}:policy/{name}",
        scope_native_id(ProviderId::Aws)
    );
    Policy {
        key: PolicyKey::new(arn.clone()),
        provider: ProviderId::Aws,
        kind: PolicyKind::AwsManaged,
        name: name.to_owned(),
        native_id: Some(arn),
        document: Some(document),
        version: Some("v1".to_owned()),
        permissions: Vec::new(),
    }
}

/// Returns an unconditional grant of `policy` to an identity, on the identity's scope.
pub fn grant_to(identity: &Identity, policy: &Policy) -> Grant {
    Grant {
        subject: Subject::Identity(identity.key.clone()),
        policy: policy.key.clone(),
        scope: identity.scope.clone(),
        condition: None,
    }
}

/// Returns an unconditional `sts:AssumeRole` trust from a principal written as `value` to
/// `target`. The principal names no account or identity until the test sets them.
pub fn trust_to(target: &Identity, kind: PrincipalKind, value: &str) -> Trust {
    Trust {
        target: target.key.clone(),
        principal: Principal {
            kind,
            value: value.to_owned(),
            account: None,
            identity: None,
        },
        actions: vec!["sts:AssumeRole".to_owned()],
        conditions: Vec::new(),
    }
}

/// Returns a GCP role with these permissions; an empty list means they are unknown.
pub fn gcp_role(name: &str, permissions: &[&str]) -> Policy {
    Policy {
        key: PolicyKey::new(name),
        provider: ProviderId::Gcp,
        kind: PolicyKind::GcpRole,
        name: name.to_owned(),
        native_id: Some(name.to_owned()),
        document: None,
        version: None,
        permissions: permissions
            .iter()
            .map(|permission| (*permission).to_owned())
            .collect(),
    }
}

/// Returns an unconditional grant of a GCP role to an identity on a project.
pub fn gcp_grant(identity: &Identity, role: &Policy, project: &str) -> Grant {
    Grant {
        subject: Subject::Identity(identity.key.clone()),
        policy: role.key.clone(),
        scope: ScopeId::new(ProviderId::Gcp, project),
        condition: None,
    }
}
