//! Reads a `GetAccountAuthorizationDetails` dump into named policies and the principals that
//! use them, for corpus tests and benchmarks. The provider crate owns the real importer; this
//! reader only does what the policy engine's tests need.

#![allow(dead_code)]

use std::collections::BTreeMap;

use roster_policy::aws::{Grammar, NamedPolicy, PolicyDocument, PolicyError};
use serde_json::Value;

/// A user or role with the policies that reach it.
pub struct GaadPrincipal {
    pub arn: String,
    /// Indices into [`Gaad::policies`]: inline policies, attached managed policies, and the
    /// policies of the user's groups.
    pub policies: Vec<usize>,
    /// The index of the permission boundary's policy, when the dump names one that it holds.
    pub boundary: Option<usize>,
    /// The role's trust policy.
    pub trust: Option<usize>,
}

pub struct Gaad {
    pub policies: Vec<NamedPolicy>,
    pub principals: Vec<GaadPrincipal>,
    /// Attached policy ARNs that the dump's policy list lacks.
    pub missing: Vec<String>,
    /// Documents that failed to parse, with the error.
    pub errors: Vec<(String, PolicyError)>,
}

impl Gaad {
    /// Returns the identity policies of a principal.
    pub fn identity_policies(&self, principal: &GaadPrincipal) -> Vec<&NamedPolicy> {
        principal
            .policies
            .iter()
            .map(|index| &self.policies[*index])
            .collect()
    }
}

pub fn load(dump: &Value) -> Gaad {
    let mut gaad = Gaad {
        policies: Vec::new(),
        principals: Vec::new(),
        missing: Vec::new(),
        errors: Vec::new(),
    };

    let mut managed: BTreeMap<String, usize> = BTreeMap::new();
    for policy in list(dump, "Policies") {
        let arn = text(policy, "Arn");
        let default = list(policy, "PolicyVersionList")
            .iter()
            .find(|version| version.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true));
        let Some(document) = default.and_then(|version| version.get("Document")) else {
            continue;
        };
        if let Some(index) = gaad.add(text(policy, "PolicyName"), document, Grammar::Identity) {
            managed.insert(arn, index);
        }
    }

    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for group in list(dump, "GroupDetailList") {
        let name = text(group, "GroupName");
        let mut policies = gaad.inline(group, "GroupPolicyList", &name);
        policies.extend(gaad.attached(group, &managed));
        groups.insert(name, policies);
    }

    for user in list(dump, "UserDetailList") {
        let name = text(user, "UserName");
        let mut policies = gaad.inline(user, "UserPolicyList", &name);
        policies.extend(gaad.attached(user, &managed));
        for group in list(user, "GroupList") {
            let group = group.as_str().unwrap_or_default();
            policies.extend(groups.get(group).into_iter().flatten().copied());
        }
        let boundary = boundary_of(user, &managed);
        gaad.principals.push(GaadPrincipal {
            arn: text(user, "Arn"),
            policies,
            boundary,
            trust: None,
        });
    }

    for role in list(dump, "RoleDetailList") {
        let name = text(role, "RoleName");
        let mut policies = gaad.inline(role, "RolePolicyList", &name);
        policies.extend(gaad.attached(role, &managed));
        let trust = role.get("AssumeRolePolicyDocument").and_then(|document| {
            gaad.add(format!("trust policy of {name}"), document, Grammar::Trust)
        });
        let boundary = boundary_of(role, &managed);
        gaad.principals.push(GaadPrincipal {
            arn: text(role, "Arn"),
            policies,
            boundary,
            trust,
        });
    }
    gaad
}

impl Gaad {
    fn add(&mut self, name: String, document: &Value, grammar: Grammar) -> Option<usize> {
        match PolicyDocument::from_value(document, grammar) {
            Ok(document) => {
                self.policies.push(NamedPolicy::new(name, document));
                Some(self.policies.len() - 1)
            }
            Err(error) => {
                self.errors.push((name, error));
                None
            }
        }
    }

    fn inline(&mut self, owner: &Value, field: &str, owner_name: &str) -> Vec<usize> {
        list(owner, field)
            .iter()
            .filter_map(|policy| {
                let name = format!(
                    "inline policy {} of {owner_name}",
                    text(policy, "PolicyName")
                );
                self.add(name, policy.get("PolicyDocument")?, Grammar::Identity)
            })
            .collect()
    }

    fn attached(&mut self, owner: &Value, managed: &BTreeMap<String, usize>) -> Vec<usize> {
        let mut found = Vec::new();
        for attachment in list(owner, "AttachedManagedPolicies") {
            let arn = text(attachment, "PolicyArn");
            match managed.get(&arn) {
                Some(index) => found.push(*index),
                None => self.missing.push(arn),
            }
        }
        found
    }
}

fn boundary_of(owner: &Value, managed: &BTreeMap<String, usize>) -> Option<usize> {
    let arn = owner
        .get("PermissionsBoundary")?
        .get("PermissionsBoundaryArn")?
        .as_str()?;
    managed.get(arn).copied()
}

fn list<'v>(value: &'v Value, field: &str) -> &'v [Value] {
    value
        .get(field)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn text(value: &Value, field: &str) -> String {
    value
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
