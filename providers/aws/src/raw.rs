//! The shapes of `aws iam get-account-authorization-details` output, as serde reads them.
//!
//! The fields that place an entry are required: its name, its ARN (which names the account)
//! and a role's trust policy. A file without them fails with the missing field and its
//! position. Ids, paths and dates are optional because the model can do without them and some
//! tools omit them. Unknown fields are ignored, because AWS adds fields over time. Lists that
//! exports omit when empty default to empty.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

/// One page of the dump, or the whole dump when the CLI merged the pages.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Page {
    /// `None` when the page lacks the list: a dump exported with `--filter` omits lists.
    #[serde(default)]
    pub user_detail_list: Option<Vec<UserDetail>>,
    #[serde(default)]
    pub group_detail_list: Option<Vec<GroupDetail>>,
    #[serde(default)]
    pub role_detail_list: Option<Vec<RoleDetail>>,
    #[serde(default)]
    pub policies: Option<Vec<ManagedPolicyDetail>>,
    #[serde(default)]
    pub is_truncated: Option<bool>,
    #[serde(default)]
    pub marker: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserDetail {
    pub user_name: String,
    pub arn: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default, deserialize_with = "crate::time::deserialize_option")]
    pub create_date: Option<Timestamp>,
    #[serde(default)]
    pub group_list: Vec<String>,
    #[serde(default)]
    pub user_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub permissions_boundary: Option<PermissionsBoundary>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GroupDetail {
    pub group_name: String,
    pub arn: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub group_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    /// IAM groups carry no tags today; kept in case an export adds them.
    #[serde(default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RoleDetail {
    pub role_name: String,
    pub arn: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub role_id: Option<String>,
    #[serde(default, deserialize_with = "crate::time::deserialize_option")]
    pub create_date: Option<Timestamp>,
    /// A decoded object or URL-encoded text, read by [`crate::document::decode_document`].
    pub assume_role_policy_document: Value,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub instance_profile_list: Vec<InstanceProfile>,
    #[serde(default)]
    pub role_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub permissions_boundary: Option<PermissionsBoundary>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// `None` when the export lacks the field; `Some` with no date when AWS saw no use.
    #[serde(default)]
    pub role_last_used: Option<RoleLastUsed>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InstanceProfile {
    pub arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RoleLastUsed {
    #[serde(default, deserialize_with = "crate::time::deserialize_option")]
    pub last_used_date: Option<Timestamp>,
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InlinePolicy {
    pub policy_name: String,
    pub policy_document: Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AttachedPolicy {
    pub policy_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PermissionsBoundary {
    pub permissions_boundary_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag {
    pub key: String,
    pub value: String,
}

/// A managed policy. moto omits `PolicyName` and `PolicyId`; the name then comes from the ARN.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ManagedPolicyDetail {
    pub arn: String,
    #[serde(default)]
    pub policy_name: Option<String>,
    #[serde(default)]
    pub default_version_id: Option<String>,
    #[serde(default)]
    pub policy_version_list: Vec<PolicyVersion>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PolicyVersion {
    pub version_id: String,
    #[serde(default)]
    pub is_default_version: bool,
    /// A decoded object or URL-encoded text.
    #[serde(default)]
    pub document: Option<Value>,
}
