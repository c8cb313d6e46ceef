//! Hand-built estates for the history store tests and benchmark.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use jiff::Timestamp;
use roster_model::{
    CoverageKind, CoverageStatus, Credential, CredentialKey, CredentialKind, CredentialStatus,
    Grant, Group, GroupKey, Identity, IdentityKey, IdentityKind, Inventory, Policy, PolicyKey,
    PolicyKind, Principal, PrincipalKind, ProviderId, Scope, ScopeId, ScopeKind, Subject, Trust,
    Usage,
};
use roster_store::{RecordedScan, ScanRecord, Store};
use serde_json::json;

pub const ACCOUNT: &str = "111122223333";
pub const OTHER_ACCOUNT: &str = "444455556666";

pub const TRACKED: [CoverageKind; 5] = [
    CoverageKind::Identities,
    CoverageKind::Groups,
    CoverageKind::Grants,
    CoverageKind::Trusts,
    CoverageKind::Credentials,
];

pub fn scope(account: &str) -> ScopeId {
    ScopeId::new(ProviderId::Aws, account)
}

pub fn role_key(account: &str, name: &str) -> IdentityKey {
    IdentityKey::new(ProviderId::Aws, account, IdentityKind::AwsRole, name)
}

pub fn user_key(account: &str, name: &str) -> IdentityKey {
    IdentityKey::new(ProviderId::Aws, account, IdentityKind::AwsUser, name)
}

pub fn group_key(account: &str, name: &str) -> GroupKey {
    GroupKey::from_parts(ProviderId::Aws, account, name)
}

pub fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// An AWS account's inventory, built step by step. Every tracked kind starts complete.
#[derive(Clone)]
pub struct Estate {
    pub account: String,
    pub inventory: Inventory,
}

impl Estate {
    pub fn new(account: &str) -> Self {
        let mut inventory = Inventory::new(ProviderId::Aws);
        inventory
            .scopes
            .push(Scope::new(ProviderId::Aws, ScopeKind::AwsAccount, account));
        for kind in TRACKED {
            inventory.set_coverage(&scope(account), kind, None, CoverageStatus::Complete);
        }
        Estate {
            account: account.to_owned(),
            inventory,
        }
    }

    pub fn scope(&self) -> ScopeId {
        scope(&self.account)
    }

    pub fn role(mut self, name: &str, unique_id: &str) -> Self {
        let key = role_key(&self.account, name);
        self.push_identity(key, IdentityKind::AwsRole, name, unique_id);
        self
    }

    pub fn user(mut self, name: &str, unique_id: &str) -> Self {
        let key = user_key(&self.account, name);
        self.push_identity(key, IdentityKind::AwsUser, name, unique_id);
        self
    }

    fn push_identity(&mut self, key: IdentityKey, kind: IdentityKind, name: &str, unique_id: &str) {
        let mut identity = Identity::new(
            ProviderId::Aws,
            key,
            self.scope(),
            kind,
            name,
            Usage::unknown("not collected"),
        );
        identity.unique_id = Some(unique_id.to_owned());
        self.inventory.identities.push(identity);
    }

    pub fn tag(mut self, key: &IdentityKey, tag: &str, value: &str) -> Self {
        let identity = self
            .inventory
            .identities
            .iter_mut()
            .find(|identity| &identity.key == key)
            .unwrap();
        identity.tags.insert(tag.to_owned(), value.to_owned());
        self
    }

    pub fn group(mut self, name: &str, members: &[&IdentityKey]) -> Self {
        let mut members: Vec<IdentityKey> = members.iter().map(|key| (*key).clone()).collect();
        members.sort();
        self.inventory.groups.push(Group {
            key: group_key(&self.account, name),
            provider: ProviderId::Aws,
            scope: self.scope(),
            name: name.to_owned(),
            unique_id: None,
            path: None,
            tags: Default::default(),
            members,
        });
        self
    }

    /// Adds a customer-managed policy allowing `actions` on everything.
    pub fn policy(mut self, name: &str, actions: &[&str]) -> Self {
        let key = self.policy_key(name);
        self.inventory.policies.retain(|policy| policy.key != key);
        self.inventory.policies.push(Policy {
            key,
            provider: ProviderId::Aws,
            kind: PolicyKind::AwsManaged,
            name: name.to_owned(),
            native_id: None,
            document: Some(json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
            })),
            version: Some("v1".to_owned()),
            permissions: Vec::new(),
        });
        self
    }

    pub fn policy_key(&self, name: &str) -> PolicyKey {
        PolicyKey::new(format!("arn:aws:iam::{}:policy/{name}", self.account))
    }

    pub fn grant(mut self, subject: Subject, policy: &str) -> Self {
        let policy = self.policy_key(policy);
        self.inventory.grants.push(Grant {
            subject,
            policy,
            scope: self.scope(),
            condition: None,
        });
        self
    }

    pub fn trust(mut self, target: &IdentityKey, principal: &str, kind: PrincipalKind) -> Self {
        self.inventory.trusts.push(Trust {
            target: target.clone(),
            principal: Principal {
                kind,
                value: principal.to_owned(),
                account: None,
                identity: None,
            },
            actions: vec!["sts:AssumeRole".to_owned()],
            conditions: Vec::new(),
        });
        self
    }

    pub fn access_key(
        mut self,
        user: &IdentityKey,
        key_id: &str,
        created: &str,
        status: CredentialStatus,
    ) -> Self {
        self.inventory.credentials.push(Credential {
            key: CredentialKey::new(format!("{user}:aws-access-key:{key_id}")),
            identity: user.clone(),
            provider: ProviderId::Aws,
            scope: self.scope(),
            kind: CredentialKind::AwsAccessKey,
            native_id: Some(key_id.to_owned()),
            status,
            created: Some(at(created)),
            expires: None,
            last_used: Usage::unknown("not collected"),
        });
        self
    }

    pub fn coverage(mut self, kind: CoverageKind, status: CoverageStatus) -> Self {
        let scope = self.scope();
        self.inventory.set_coverage(&scope, kind, None, status);
        self
    }
}

pub fn denied(permission: &str) -> CoverageStatus {
    CoverageStatus::Denied {
        permission: permission.to_owned(),
    }
}

/// Records the inventories as one scan that finished at `finished`.
pub fn record_at(store: &mut Store, inventories: &[Inventory], finished: &str) -> RecordedScan {
    let finished = at(finished);
    store
        .record(&ScanRecord {
            started: finished,
            finished,
            tool_version: "0.1.0-test",
            roster_digest: None,
            scopes: &[],
            coverage: &[],
            inventory: inventories,
            findings: &[],
        })
        .unwrap()
}

pub fn open(folder: &Path) -> Store {
    Store::open(&folder.join("history.sqlite")).unwrap()
}

/// A generated estate of `size` identities in one account, alternating roles (each with a
/// trust) and users (each with an access key, in one of 50 groups). Every identity has an
/// owner tag and is granted one of 100 policies. `round` changes a few: every 500th identity
/// (offset by the round) moves group, gains a policy, rotates its key or changes its trust,
/// and one policy document changes.
pub fn generated_estate(account: &str, size: usize, round: usize) -> Inventory {
    let mut estate = Estate::new(account);
    let changed = |index: usize| round > 0 && index % 500 == round % 500;

    for policy in 0..100 {
        let mut actions = vec![
            format!("s3:GetObject{policy}"),
            "sts:GetCallerIdentity".to_owned(),
        ];
        if round > 0 && policy == round % 100 {
            actions.push(format!("ec2:Describe{round}"));
        }
        let actions: Vec<&str> = actions.iter().map(String::as_str).collect();
        estate = estate.policy(&format!("policy-{policy:03}"), &actions);
    }

    let mut groups: Vec<Vec<IdentityKey>> = vec![Vec::new(); 50];
    for index in 0..size {
        let name = format!("svc-{index:06}");
        let is_role = index % 2 == 0;
        let key = if is_role {
            estate = estate.role(&name, &format!("AROA{index:016}"));
            role_key(account, &name)
        } else {
            estate = estate.user(&name, &format!("AIDA{index:016}"));
            user_key(account, &name)
        };
        if let Some(identity) = estate.inventory.identities.last_mut() {
            identity
                .tags
                .insert("owner".to_owned(), format!("team-{}", index % 20));
        }

        estate = estate.grant(
            Subject::Identity(key.clone()),
            &format!("policy-{:03}", index % 100),
        );
        if changed(index) {
            estate = estate.grant(
                Subject::Identity(key.clone()),
                &format!("policy-{:03}", (index + 1) % 100),
            );
        }

        if is_role {
            let principal = if changed(index) {
                format!("arn:aws:iam::{OTHER_ACCOUNT}:root")
            } else {
                format!("arn:aws:iam::{account}:root")
            };
            estate = estate.trust(&key, &principal, PrincipalKind::Account);
            continue;
        }

        let group = if changed(index) {
            (index + round) % 50
        } else {
            index % 50
        };
        groups[group].push(key.clone());
        let (key_id, created) = if changed(index) {
            (
                format!("AKIA{index:010}R{round:05}"),
                "2024-06-01T00:00:00Z",
            )
        } else {
            (format!("AKIA{index:016}"), "2024-01-01T00:00:00Z")
        };
        estate = estate.access_key(&key, &key_id, created, CredentialStatus::Active);
    }

    for (index, members) in groups.iter().enumerate() {
        let members: Vec<&IdentityKey> = members.iter().collect();
        estate = estate.group(&format!("group-{index:02}"), &members);
    }
    estate.inventory
}
