//! Writes the estate as `aws iam get-account-authorization-details` prints it: one merged
//! object, indented by four spaces, with the four lists and `IsTruncated`.
//!
//! Entries are generated and written one at a time, so memory stays flat however large the
//! estate is.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::ser::PrettyFormatter;
use serde_json::{Value, json};

use crate::rng::Rng;

use super::documents::{self, PROVIDED};
use super::entities::{OTHER_ACCOUNTS, TEAMS, TrustShape};
use super::time::before;
use super::{ACCOUNT, Attachments, Estate, Stream};

pub(crate) fn write_dump(estate: &Estate, path: &Path) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create `{}`", path.display()))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut writer, PrettyFormatter::with_indent(b"    "));
    Dump(estate)
        .serialize(&mut serializer)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    writer.write_all(b"\n")?;
    writer.flush()?;
    Ok(())
}

struct Dump<'a>(&'a Estate);

impl Serialize for Dump<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let estate = self.0;
        let policies: Vec<usize> = (0..estate.pool_size())
            .filter(|&policy| policy >= PROVIDED.len() || estate.attachment_counts[policy] > 0)
            .collect();

        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry(
            "UserDetailList",
            &Entries(estate.users, |user| user_detail(estate, user)),
        )?;
        map.serialize_entry(
            "GroupDetailList",
            &Entries(estate.groups, |group| group_detail(estate, group)),
        )?;
        map.serialize_entry(
            "RoleDetailList",
            &Entries(estate.roles, |role| role_detail(estate, role)),
        )?;
        map.serialize_entry(
            "Policies",
            &Entries(policies.len(), |position| {
                managed_policy(estate, policies[position])
            }),
        )?;
        map.serialize_entry("IsTruncated", &false)?;
        map.end()
    }
}

/// A list whose entries are made on demand while it is written.
struct Entries<F>(usize, F);

impl<F: Fn(usize) -> Value> Serialize for Entries<F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((0..self.0).map(&self.1))
    }
}

fn user_detail(estate: &Estate, user: usize) -> Value {
    let facts = estate.user(user);
    let team = TEAMS[user % TEAMS.len()];
    let attachments = estate.user_attachments(user);
    let groups: Vec<String> = estate
        .user_groups(user)
        .into_iter()
        .map(|group| estate.group_name(group))
        .collect();

    let mut entry = json!({
        "Path": facts.path,
        "UserName": facts.name,
        "UserId": facts.id,
        "Arn": format!("arn:aws:iam::{ACCOUNT}:user{}{}", facts.path, facts.name),
        "CreateDate": before(facts.created_days_ago, (user as u32).wrapping_mul(7919)),
        "UserPolicyList": inline_list(&attachments, &facts.name, team),
        "GroupList": groups,
        "AttachedManagedPolicies": attached_list(&attachments),
    });
    if let Some(boundary) = facts.boundary {
        entry["PermissionsBoundary"] = boundary_value(boundary);
    }
    entry["Tags"] = tag_list(&facts.tags);
    entry
}

fn group_detail(estate: &Estate, group: usize) -> Value {
    let name = estate.group_name(group);
    let attachments = estate.group_attachments(group);
    json!({
        "Path": "/",
        "GroupName": name,
        "GroupId": estate.group_id(group),
        "Arn": format!("arn:aws:iam::{ACCOUNT}:group/{name}"),
        "CreateDate": before(900 + (group as u32 % 300), (group as u32).wrapping_mul(104_729)),
        "GroupPolicyList": [],
        "AttachedManagedPolicies": attached_list(&attachments),
    })
}

fn role_detail(estate: &Estate, role: usize) -> Value {
    let facts = estate.role(role);
    let team = TEAMS[role % TEAMS.len()];
    let attachments = estate.role_attachments(role);
    let arn = format!("arn:aws:iam::{ACCOUNT}:role{}{}", facts.path, facts.name);
    let created = before(facts.created_days_ago, (role as u32).wrapping_mul(7907));
    let instance_profiles = match facts.trust {
        TrustShape::Service("ec2.amazonaws.com") => vec![json!({
            "Path": "/",
            "InstanceProfileName": facts.name,
            "InstanceProfileId": format!("AIPA{}", &facts.id[4..]),
            "Arn": format!("arn:aws:iam::{ACCOUNT}:instance-profile/{}", facts.name),
            "CreateDate": created,
            "Roles": [{
                "Path": facts.path,
                "RoleName": facts.name,
                "RoleId": facts.id,
                "Arn": arn,
                "CreateDate": created,
            }],
        })],
        _ => Vec::new(),
    };

    let mut entry = json!({
        "Path": facts.path,
        "RoleName": facts.name,
        "RoleId": facts.id,
        "Arn": arn,
        "CreateDate": created,
        "AssumeRolePolicyDocument": trust_document(estate, &facts.trust, facts.trust_deny, role),
        "InstanceProfileList": instance_profiles,
        "RolePolicyList": inline_list(&attachments, &facts.name, team),
        "AttachedManagedPolicies": attached_list(&attachments),
    });
    if let Some(description) = &facts.description {
        entry["Description"] = json!(description);
    }
    if let Some(boundary) = facts.boundary {
        entry["PermissionsBoundary"] = boundary_value(boundary);
    }
    entry["Tags"] = tag_list(&facts.tags);
    entry["RoleLastUsed"] = match facts.last_used_days_ago {
        Some(days) => json!({
            "LastUsedDate": before(days, (role as u32).wrapping_mul(613)),
            "Region": facts.last_used_region,
        }),
        None => json!({}),
    };
    entry
}

/// Returns a role's trust policy: one Allow statement for its trust shape, and for a few
/// roles a Deny statement for one outside account.
fn trust_document(estate: &Estate, shape: &TrustShape, deny: bool, role: usize) -> Value {
    let (principal, action, condition) = match shape {
        TrustShape::Service(service) | TrustShape::ServiceLinked(service) => {
            (json!({"Service": service}), "sts:AssumeRole", None)
        }
        TrustShape::SameAccountRole(other) => (
            json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:role/{}", estate.role_name(*other))}),
            "sts:AssumeRole",
            None,
        ),
        TrustShape::SameAccountRoot => (
            json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}),
            "sts:AssumeRole",
            Some(json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
        ),
        TrustShape::CrossAccount(account) => (
            json!({"AWS": format!("arn:aws:iam::{account}:root")}),
            "sts:AssumeRole",
            Some(json!({"StringEquals": {"sts:ExternalId": format!("acme-{role}")}})),
        ),
        TrustShape::GithubOidc => (
            json!({"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")}),
            "sts:AssumeRoleWithWebIdentity",
            Some(json!({
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": format!("repo:acme/{}-{role}:*", TEAMS[role % TEAMS.len()])},
            })),
        ),
        TrustShape::EksOidc => (
            json!({"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5C5D3C2E0A1B4F6E8D9C7B6A5F4E3D2C")}),
            "sts:AssumeRoleWithWebIdentity",
            Some(
                json!({"StringEquals": {"oidc.eks.eu-west-1.amazonaws.com/id/5C5D3C2E0A1B4F6E8D9C7B6A5F4E3D2C:sub": format!("system:serviceaccount:{}:worker-{role}", TEAMS[role % TEAMS.len()])}}),
            ),
        ),
        TrustShape::Saml => (
            json!({"Federated": format!("arn:aws:iam::{ACCOUNT}:saml-provider/AWSSSO_5f2e4c8a1b3d6e7f_DO_NOT_DELETE")}),
            "sts:AssumeRoleWithSAML",
            Some(json!({"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}})),
        ),
        TrustShape::DeletedPrincipal(id) => (json!({"AWS": id}), "sts:AssumeRole", None),
    };

    let mut allow = json!({"Effect": "Allow", "Principal": principal, "Action": action});
    if let Some(condition) = condition {
        allow["Condition"] = condition;
    }
    let mut statements = vec![allow];
    if deny {
        let account = OTHER_ACCOUNTS[role % OTHER_ACCOUNTS.len()];
        statements.push(json!({
            "Effect": "Deny",
            "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
            "Action": "sts:AssumeRole",
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn inline_list(attachments: &Attachments, owner: &str, team: &str) -> Value {
    let list: Vec<Value> = attachments
        .inline
        .iter()
        .enumerate()
        .map(|(position, &template)| {
            json!({
                "PolicyName": format!("inline-{template}-{position}"),
                "PolicyDocument": documents::inline_document(template, owner, team),
            })
        })
        .collect();
    Value::Array(list)
}

fn attached_list(attachments: &Attachments) -> Value {
    let list: Vec<Value> = attachments
        .managed
        .iter()
        .map(|&policy| {
            json!({
                "PolicyName": documents::policy_name(policy),
                "PolicyArn": documents::policy_arn(policy),
            })
        })
        .collect();
    Value::Array(list)
}

fn boundary_value(customer: usize) -> Value {
    json!({
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": documents::policy_arn(PROVIDED.len() + customer),
    })
}

fn tag_list(tags: &[(String, String)]) -> Value {
    let list: Vec<Value> = tags
        .iter()
        .map(|(key, value)| json!({"Key": key, "Value": value}))
        .collect();
    Value::Array(list)
}

/// Returns an entry of `Policies`: every version, with the default one flagged.
fn managed_policy(estate: &Estate, policy: usize) -> Value {
    let mut rng = Rng::stream(estate.spec.seed, Stream::Policy as u64, policy);
    let provided = policy < PROVIDED.len();
    let customer = policy.checked_sub(PROVIDED.len());
    let version_count = match customer {
        Some(customer) if customer.is_multiple_of(3) => 2,
        _ => 1,
    };
    let default_version = match customer {
        Some(customer) if version_count == 2 && customer.is_multiple_of(7) => 0,
        _ => version_count - 1,
    };
    let version_number = |version: usize| if provided { version + 3 } else { version + 1 };
    let versions: Vec<Value> = (0..version_count)
        .rev()
        .map(|version| {
            let document = match customer {
                Some(customer) => documents::customer_document(customer, version),
                None => documents::provided_document(policy),
            };
            json!({
                "Document": document,
                "VersionId": format!("v{}", version_number(version)),
                "IsDefaultVersion": version == default_version,
                "CreateDate": before(400 - 100 * version as u32, (policy as u32).wrapping_mul(331)),
            })
        })
        .collect();

    let path = match customer {
        Some(customer) => documents::customer_path(customer),
        None if documents::policy_arn(policy).contains("/service-role/") => {
            "/service-role/".to_owned()
        }
        None => "/".to_owned(),
    };
    let boundary_uses = customer
        .and_then(|customer| estate.boundary_counts.get(customer))
        .copied()
        .unwrap_or(0);
    json!({
        "PolicyName": documents::policy_name(policy),
        "PolicyId": format!("ANPA{}", rng.id_suffix(17)),
        "Arn": documents::policy_arn(policy),
        "Path": path,
        "DefaultVersionId": format!("v{}", version_number(default_version)),
        "AttachmentCount": estate.attachment_counts[policy],
        "PermissionsBoundaryUsageCount": boundary_uses,
        "IsAttachable": true,
        "CreateDate": before(1500, (policy as u32).wrapping_mul(331)),
        "UpdateDate": before(300, (policy as u32).wrapping_mul(331)),
        "PolicyVersionList": versions,
    })
}
