//! IAM roles from an account-authorization dump: identity, trusts, usage and policies.

use std::path::Path;

use roster_model::{
    AwsIdentityDetails, Evidence, Identity, IdentityKey, IdentityKind, Nature, ProviderId, ScopeId,
    Signal, Subject, Trust, Usage,
};

use crate::arn::parse_iam_arn;
use crate::document::decode_document;
use crate::error::ImportError;
use crate::policy::{Attachments, boundary, translate_attachments};
use crate::raw::{RoleDetail, RoleLastUsed};
use crate::tags::{tag_evidence, tag_map};
use crate::trust::translate_trust_policy;

/// The source named in the usage of roles.
pub(crate) const ROLE_LAST_USED_SOURCE: &str = "aws role last used";

/// Blind spots of `RoleLastUsed`.
const ROLE_LAST_USED_BLIND_SPOTS: [&str; 4] = [
    "records only the latest time the role was assumed, not each use of its sessions",
    "covers only the trailing 400 days, or less in regions that began tracking within the last year",
    "can lag behind the latest use",
    "names only the region of the latest use",
];

/// Path under which AWS services create and manage their own roles.
const SERVICE_ROLE_PATH: &str = "/aws-service-role/";

/// Prefix of the roles that IAM Identity Center creates for a permission set.
const IDENTITY_CENTER_ROLE_PREFIX: &str = "AWSReservedSSO_";

/// A role with its trusts and policies.
#[derive(Debug)]
pub(crate) struct RoleParts {
    pub account: String,
    pub identity: Identity,
    pub attachments: Attachments,
    pub trusts: Vec<Trust>,
    /// Deny statements of the trust policy, which are not turned into trusts.
    pub deny_statements: usize,
    /// Whether the dump carried `RoleLastUsed` for the role.
    pub has_last_used: bool,
}

/// Translates one entry of `RoleDetailList`.
pub(crate) fn translate_role(path: &Path, raw: RoleDetail) -> Result<RoleParts, ImportError> {
    let invalid = |field: &'static str, reason: String| ImportError::InvalidValue {
        path: path.to_path_buf(),
        field,
        subject: raw.role_name.clone(),
        reason,
    };
    let arn = parse_iam_arn(&raw.arn, "role").map_err(|reason| invalid("role ARN", reason))?;
    let path_in_account = raw.path.unwrap_or_else(|| arn.resource_path());
    let account = arn.account;
    let scope = ScopeId::new(ProviderId::Aws, &account);
    let key = IdentityKey::new(
        ProviderId::Aws,
        &account,
        IdentityKind::AwsRole,
        &raw.role_name,
    );

    let trust_document = decode_document(raw.assume_role_policy_document)
        .map_err(|reason| invalid("trust policy", reason))?;
    let trust = translate_trust_policy(&key, &trust_document)
        .map_err(|reason| invalid("trust policy", reason))?;

    let attachments = translate_attachments(
        path,
        &Subject::Identity(key.clone()),
        key.as_str(),
        &scope,
        raw.role_policy_list,
        raw.attached_managed_policies,
    )?;

    let tags = tag_map(raw.tags);
    let mut evidence = vec![Evidence {
        signal: Signal::ProviderKind,
        points_to: Nature::NonHuman,
        detail: "an IAM role, which has no password or access key of its own".to_owned(),
    }];
    if raw.role_name.starts_with(IDENTITY_CENTER_ROLE_PREFIX) {
        evidence.push(Evidence {
            signal: Signal::FederatedHumanTrust,
            points_to: Nature::Human,
            detail: format!(
                "IAM Identity Center creates `{IDENTITY_CENTER_ROLE_PREFIX}*` roles for the people assigned a permission set"
            ),
        });
    }
    evidence.extend(trust.evidence);
    evidence.extend(tag_evidence(&tags));
    evidence.sort();
    evidence.dedup();

    let has_last_used = raw.role_last_used.is_some();
    let mut identity = Identity::new(
        ProviderId::Aws,
        key,
        scope,
        IdentityKind::AwsRole,
        raw.role_name,
        role_usage(raw.role_last_used),
    );
    identity.unique_id = raw.role_id;
    identity.description = raw.description;
    identity.created = raw.create_date;
    identity.tags = tags;
    identity.evidence = evidence;
    identity.boundary = boundary(raw.permissions_boundary);
    identity.aws = Some(AwsIdentityDetails {
        arn: raw.arn,
        service_linked: path_in_account.starts_with(SERVICE_ROLE_PATH),
        path: path_in_account,
        instance_profiles: raw
            .instance_profile_list
            .into_iter()
            .map(|profile| profile.arn)
            .collect(),
    });

    Ok(RoleParts {
        account,
        identity,
        attachments,
        trusts: trust.trusts,
        deny_statements: trust.deny_statements,
        has_last_used,
    })
}

/// Reads `RoleLastUsed`. A date is a use. An object without a date means that AWS saw no use
/// within its tracking period. Without the object the usage is unknown.
fn role_usage(raw: Option<RoleLastUsed>) -> Usage {
    let Some(raw) = raw else {
        return Usage::unknown("the dump has no RoleLastUsed for the role");
    };
    let usage = match raw.last_used_date {
        Some(at) => Usage::used(at, ROLE_LAST_USED_SOURCE),
        None => Usage::never_used(ROLE_LAST_USED_SOURCE),
    };
    let mut usage = usage.with_blind_spots(&ROLE_LAST_USED_BLIND_SPOTS);
    if raw.last_used_date.is_some() {
        usage.detail = raw.region;
    }
    usage
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{PrincipalKind, UsageState};
    use serde_json::{Value, json};

    use super::*;

    fn role_json(name: &str, path: &str) -> Value {
        json!({
            "Path": path,
            "RoleName": name,
            "RoleId": "AROAEXAMPLEROLEAAAAAA",
            "Arn": format!("arn:aws:iam::111122223333:role{path}{name}"),
            "CreateDate": "2022-08-07 12:55:43+00:00",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ]},
            "InstanceProfileList": [],
            "RolePolicyList": [],
            "AttachedManagedPolicies": [],
            "Tags": [],
            "RoleLastUsed": {}
        })
    }

    fn role(value: Value) -> RoleParts {
        let raw: RoleDetail = serde_json::from_value(value).unwrap();
        translate_role(Path::new("dump.json"), raw).unwrap()
    }

    #[test]
    fn service_linked_role_is_detected() {
        let parts = role(role_json(
            "AWSServiceRoleForAmazonSSM",
            "/aws-service-role/ssm.amazonaws.com/",
        ));
        let details = parts.identity.aws.unwrap();
        assert!(details.service_linked);
        assert_eq!(details.path, "/aws-service-role/ssm.amazonaws.com/");
        assert_eq!(
            parts.identity.key.as_str(),
            "aws:111122223333:role:AWSServiceRoleForAmazonSSM"
        );
    }

    #[test]
    fn plain_role_is_not_service_linked() {
        let parts = role(role_json("deploy", "/"));
        assert!(!parts.identity.aws.unwrap().service_linked);
        assert_eq!(parts.trusts[0].principal.kind, PrincipalKind::Service);
    }

    #[test]
    fn empty_role_last_used_is_never_used() {
        let parts = role(role_json("deploy", "/"));
        assert!(parts.has_last_used);
        assert_eq!(parts.identity.last_used.state, UsageState::NeverUsed);
        assert_eq!(parts.identity.last_used.source, ROLE_LAST_USED_SOURCE);
        assert!(
            parts
                .identity
                .last_used
                .blind_spots
                .iter()
                .any(|spot| spot.contains("400 days"))
        );
    }

    #[test]
    fn role_last_used_date_and_region() {
        let mut value = role_json("deploy", "/");
        value["RoleLastUsed"] =
            json!({"LastUsedDate": "2022-08-07 12:56:48+00:00", "Region": "us-east-1"});
        let usage = role(value).identity.last_used;
        assert_eq!(usage.state, UsageState::Used);
        assert_eq!(usage.last_used.unwrap().to_string(), "2022-08-07T12:56:48Z");
        assert_eq!(usage.detail.as_deref(), Some("us-east-1"));
    }

    #[test]
    fn absent_role_last_used_is_unknown() {
        let mut value = role_json("deploy", "/");
        value.as_object_mut().unwrap().remove("RoleLastUsed");
        let parts = role(value);
        assert!(!parts.has_last_used);
        assert_eq!(parts.identity.last_used.state, UsageState::Unknown);
    }

    #[test]
    fn identity_center_role_points_to_people() {
        let parts = role(role_json(
            "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
            "/aws-reserved/sso.amazonaws.com/",
        ));
        assert!(
            parts
                .identity
                .evidence
                .iter()
                .any(|evidence| evidence.signal == Signal::FederatedHumanTrust
                    && evidence.points_to == Nature::Human)
        );
    }

    #[test]
    fn url_encoded_trust_policy_is_decoded() {
        let mut value = role_json("deploy", "/");
        value["AssumeRolePolicyDocument"] = json!(
            "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A444455556666%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"
        );
        let parts = role(value);
        assert_eq!(parts.trusts[0].principal.kind, PrincipalKind::Account);
        assert_eq!(
            parts.trusts[0].principal.account.as_deref(),
            Some("444455556666")
        );
    }

    #[test]
    fn instance_profiles_and_boundary() {
        let mut value = role_json("web", "/");
        value["InstanceProfileList"] = json!([{
            "Path": "/", "InstanceProfileName": "web", "InstanceProfileId": "AIPAEXAMPLE",
            "Arn": "arn:aws:iam::111122223333:instance-profile/web", "CreateDate": "2022-08-07T12:55:43Z", "Roles": []
        }]);
        value["PermissionsBoundary"] = json!({
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/boundary"
        });
        let identity = role(value).identity;
        assert_eq!(
            identity.aws.unwrap().instance_profiles,
            ["arn:aws:iam::111122223333:instance-profile/web"]
        );
        assert_eq!(
            identity.boundary,
            roster_model::Boundary::Policy(roster_model::PolicyKey::new(
                "arn:aws:iam::111122223333:policy/boundary"
            ))
        );
    }

    #[test]
    fn invalid_trust_policy_names_role() {
        let mut value = role_json("deploy", "/");
        value["AssumeRolePolicyDocument"] = json!(42);
        let raw: RoleDetail = serde_json::from_value(value).unwrap();
        let error = translate_role(Path::new("dump.json"), raw).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("invalid trust policy of `deploy`"),
            "{error}"
        );
    }
}
