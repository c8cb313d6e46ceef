//! The shapes of `aws iam get-account-authorization-details` output, as serde reads them.
//!
//! The fields that place an entry are required: its name, its ARN (which names the account)
//! and a role's trust policy. A file without them fails with the missing field and its
//! position. Ids, paths and dates are optional because the model can do without them and some
//! tools omit them. Unknown fields are ignored, because AWS adds fields over time. Lists that
//! exports omit when empty default to empty.

use std::fmt;
use std::marker::PhantomData;

use jiff::Timestamp;
use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
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
    /// Set by the AWS CLI instead of `IsTruncated` and `Marker` when `--max-items` stopped it
    /// before the last page.
    #[serde(default)]
    pub next_token: Option<String>,
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
    #[serde(default, deserialize_with = "optional_object")]
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
    #[serde(default, deserialize_with = "optional_object")]
    pub permissions_boundary: Option<PermissionsBoundary>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// `None` when the export lacks the field; `Some` with no date when AWS saw no use.
    #[serde(default, deserialize_with = "optional_object")]
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

/// Deserializes an optional struct that must be written as a JSON object. serde also reads a
/// struct from an array of its field values, so without this `"RoleLastUsed": []` would read
/// as an object without a date, which means that AWS saw no use.
fn optional_object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_option(OptionalObject(PhantomData))
}

struct OptionalObject<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for OptionalObject<T> {
    type Value = Option<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an object or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Some)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn role(last_used: &str) -> Result<RoleDetail, serde_json::Error> {
        serde_json::from_str(&format!(
            r#"{{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r", "AssumeRolePolicyDocument": {{}}, "RoleLastUsed": {last_used}}}"#
        ))
    }

    #[test]
    fn role_last_used_array_is_rejected() {
        let error = role("[]").unwrap_err().to_string();
        assert!(
            error.contains("invalid type: sequence, expected an object"),
            "{error}"
        );
        assert!(role(r#"["2024-01-01T00:00:00Z"]"#).is_err());
    }

    #[test]
    fn role_last_used_object_and_null_are_read() {
        let empty = role("{}").unwrap().role_last_used.unwrap();
        assert_eq!(empty.last_used_date, None);
        assert!(role("null").unwrap().role_last_used.is_none());
        let used = role(r#"{"LastUsedDate": "2024-01-01T00:00:00Z"}"#).unwrap();
        assert!(used.role_last_used.unwrap().last_used_date.is_some());
    }

    #[test]
    fn permissions_boundary_array_is_rejected() {
        let text = r#"{"UserName": "u", "Arn": "arn:aws:iam::111122223333:user/u", "PermissionsBoundary": ["arn:aws:iam::111122223333:policy/b"]}"#;
        assert!(serde_json::from_str::<UserDetail>(text).is_err());
    }
}
