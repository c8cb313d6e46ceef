//! Converts the SDK's shapes of `GetAccountAuthorizationDetails` into the crate's raw shapes,
//! the ones the importer reads from exports, so that one translate layer serves both.
//!
//! Policy documents stay as the API returns them (URL-encoded text, or JSON where the API
//! does not encode); the translate layer decodes either.

use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_sdk_iam::types as sdk;
use aws_smithy_types::DateTime;
use jiff::Timestamp;
use serde_json::Value;

use crate::raw;

use super::ApiError;

const OPERATION: &str = "iam:GetAccountAuthorizationDetails";

/// Converts one response into a page with all four lists.
pub fn page(output: GetAccountAuthorizationDetailsOutput) -> Result<raw::Page, ApiError> {
    let users = output
        .user_detail_list()
        .iter()
        .map(user)
        .collect::<Result<_, _>>()?;
    let groups = output
        .group_detail_list()
        .iter()
        .map(group)
        .collect::<Result<_, _>>()?;
    let roles = output
        .role_detail_list()
        .iter()
        .map(role)
        .collect::<Result<_, _>>()?;
    let policies = output
        .policies()
        .iter()
        .map(managed_policy)
        .collect::<Result<_, _>>()?;
    Ok(raw::Page {
        user_detail_list: Some(users),
        group_detail_list: Some(groups),
        role_detail_list: Some(roles),
        policies: Some(policies),
        is_truncated: Some(output.is_truncated()),
        marker: output.marker().map(str::to_owned),
        next_token: None,
    })
}

/// Returns a field that the translate layer requires, or names the entry that lacks it.
fn required(value: Option<&str>, field: &str, entry: &str) -> Result<String, ApiError> {
    value
        .map(str::to_owned)
        .ok_or_else(|| ApiError::invalid(OPERATION, format!("{entry} without `{field}`")))
}

fn user(detail: &sdk::UserDetail) -> Result<raw::UserDetail, ApiError> {
    let user_name = required(detail.user_name(), "UserName", "a user")?;
    let entry = format!("user `{user_name}`");
    Ok(raw::UserDetail {
        arn: required(detail.arn(), "Arn", &entry)?,
        user_name,
        path: detail.path().map(str::to_owned),
        user_id: detail.user_id().map(str::to_owned),
        create_date: detail.create_date().and_then(timestamp),
        group_list: detail.group_list().to_vec(),
        user_policy_list: inline_policies(detail.user_policy_list(), &entry)?,
        attached_managed_policies: attached(detail.attached_managed_policies(), &entry)?,
        permissions_boundary: boundary(detail.permissions_boundary()),
        tags: tags(detail.tags()),
    })
}

fn group(detail: &sdk::GroupDetail) -> Result<raw::GroupDetail, ApiError> {
    let group_name = required(detail.group_name(), "GroupName", "a group")?;
    let entry = format!("group `{group_name}`");
    Ok(raw::GroupDetail {
        arn: required(detail.arn(), "Arn", &entry)?,
        group_name,
        path: detail.path().map(str::to_owned),
        group_id: detail.group_id().map(str::to_owned),
        group_policy_list: inline_policies(detail.group_policy_list(), &entry)?,
        attached_managed_policies: attached(detail.attached_managed_policies(), &entry)?,
        tags: Vec::new(),
    })
}

fn role(detail: &sdk::RoleDetail) -> Result<raw::RoleDetail, ApiError> {
    let role_name = required(detail.role_name(), "RoleName", "a role")?;
    let entry = format!("role `{role_name}`");
    let trust = required(
        detail.assume_role_policy_document(),
        "AssumeRolePolicyDocument",
        &entry,
    )?;
    Ok(raw::RoleDetail {
        arn: required(detail.arn(), "Arn", &entry)?,
        role_name,
        path: detail.path().map(str::to_owned),
        role_id: detail.role_id().map(str::to_owned),
        create_date: detail.create_date().and_then(timestamp),
        assume_role_policy_document: Value::String(trust),
        description: None,
        instance_profile_list: detail
            .instance_profile_list()
            .iter()
            .map(|profile| raw::InstanceProfile {
                arn: profile.arn().to_owned(),
            })
            .collect(),
        role_policy_list: inline_policies(detail.role_policy_list(), &entry)?,
        attached_managed_policies: attached(detail.attached_managed_policies(), &entry)?,
        permissions_boundary: boundary(detail.permissions_boundary()),
        tags: tags(detail.tags()),
        role_last_used: detail.role_last_used().map(|used| raw::RoleLastUsed {
            last_used_date: used.last_used_date().and_then(timestamp),
            region: used.region().map(str::to_owned),
        }),
    })
}

fn managed_policy(detail: &sdk::ManagedPolicyDetail) -> Result<raw::ManagedPolicyDetail, ApiError> {
    let arn = required(detail.arn(), "Arn", "a managed policy")?;
    Ok(raw::ManagedPolicyDetail {
        policy_name: detail.policy_name().map(str::to_owned),
        default_version_id: detail.default_version_id().map(str::to_owned),
        policy_version_list: detail
            .policy_version_list()
            .iter()
            .map(|version| {
                Ok(raw::PolicyVersion {
                    version_id: required(
                        version.version_id(),
                        "VersionId",
                        &format!("a version of managed policy `{arn}`"),
                    )?,
                    is_default_version: version.is_default_version(),
                    document: version
                        .document()
                        .map(|text| Value::String(text.to_owned())),
                })
            })
            .collect::<Result<_, ApiError>>()?,
        arn,
    })
}

fn inline_policies(
    policies: &[sdk::PolicyDetail],
    entry: &str,
) -> Result<Vec<raw::InlinePolicy>, ApiError> {
    policies
        .iter()
        .map(|policy| {
            let policy_name = required(
                policy.policy_name(),
                "PolicyName",
                &format!("an inline policy of {entry}"),
            )?;
            let document = required(
                policy.policy_document(),
                "PolicyDocument",
                &format!("inline policy `{policy_name}` of {entry}"),
            )?;
            Ok(raw::InlinePolicy {
                policy_name,
                policy_document: Value::String(document),
            })
        })
        .collect()
}

fn attached(
    policies: &[sdk::AttachedPolicy],
    entry: &str,
) -> Result<Vec<raw::AttachedPolicy>, ApiError> {
    policies
        .iter()
        .map(|policy| {
            Ok(raw::AttachedPolicy {
                policy_arn: required(
                    policy.policy_arn(),
                    "PolicyArn",
                    &format!("a managed policy attachment of {entry}"),
                )?,
            })
        })
        .collect()
}

fn boundary(
    boundary: Option<&sdk::AttachedPermissionsBoundary>,
) -> Option<raw::PermissionsBoundary> {
    let arn = boundary?.permissions_boundary_arn()?;
    Some(raw::PermissionsBoundary {
        permissions_boundary_arn: arn.to_owned(),
    })
}

fn tags(tags: &[sdk::Tag]) -> Vec<raw::Tag> {
    tags.iter()
        .map(|tag| raw::Tag {
            key: tag.key().to_owned(),
            value: tag.value().to_owned(),
        })
        .collect()
}

/// Converts an SDK timestamp, or returns `None` for one outside jiff's range (years -9999 to
/// 9999), which no IAM date reaches.
pub fn timestamp(at: &DateTime) -> Option<Timestamp> {
    let nanos = i32::try_from(at.subsec_nanos()).ok()?;
    Timestamp::new(at.secs(), nanos).ok()
}
