//! The GCP shapes, read with serde.
//!
//! The objects inside a Cloud Asset Inventory record (`resource.data`, `iamPolicy`) are the
//! IAM and Resource Manager API objects, which gcloud prints too, so one set of types reads
//! every source. Record fields come in camelCase from the API and gcloud, and in snake_case
//! from exports written to Cloud Storage: both spellings are accepted.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// One Cloud Asset Inventory record: an asset with its resource content, its IAM policy, or
/// (skipped) its organization policy.
#[derive(Debug, Deserialize)]
pub(crate) struct AssetRecord {
    /// The full resource name, for example
    /// `//iam.googleapis.com/projects/p/serviceAccounts/1234`.
    pub name: String,
    #[serde(rename = "assetType", alias = "asset_type")]
    pub asset_type: String,
    #[serde(default)]
    pub resource: Option<AssetResource>,
    #[serde(default, rename = "iamPolicy", alias = "iam_policy")]
    pub iam_policy: Option<IamPolicy>,
    /// `projects/123`, `folders/456`, `organizations/789`, nearest first.
    #[serde(default)]
    pub ancestors: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssetResource {
    #[serde(default)]
    pub data: Option<Value>,
    /// The full resource name of the parent, for example
    /// `//cloudresourcemanager.googleapis.com/projects/123`.
    #[serde(default)]
    pub parent: Option<String>,
}

/// An IAM policy. Its version is not read: a version-1 read of a policy with conditional
/// bindings drops the conditions and marks each such role with `_withcond_`, so the bindings
/// show the loss. Audit configurations are ignored: they name who is exempt from logging, and
/// grant nothing.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct IamPolicy {
    #[serde(default)]
    pub bindings: Vec<Binding>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Binding {
    pub role: String,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub condition: Option<Condition>,
}

/// A binding's condition, a CEL expression with a title.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Condition {
    #[serde(default)]
    pub expression: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceAccount {
    /// `projects/<project>/serviceAccounts/<email>`.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub unique_id: Option<String>,
    pub email: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub oauth2_client_id: Option<String>,
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceAccountKey {
    /// `projects/<project>/serviceAccounts/<email>/keys/<key-id>`; Cloud Asset Inventory
    /// records may leave it out, and then the record name says the same.
    #[serde(default)]
    pub name: Option<String>,
    /// `USER_MANAGED` or `SYSTEM_MANAGED`.
    #[serde(default)]
    pub key_type: Option<String>,
    #[serde(default)]
    pub valid_after_time: Option<String>,
    #[serde(default)]
    pub valid_before_time: Option<String>,
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Role {
    /// `roles/<name>` for predefined roles, `projects/<p>/roles/<name>` or
    /// `organizations/<n>/roles/<name>` for custom roles.
    pub name: String,
    #[serde(default)]
    pub included_permissions: Vec<String>,
    #[serde(default)]
    pub deleted: bool,
}

/// A project, as Resource Manager v1 (inside older exports) or v3 returns it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Project {
    /// v3: `projects/<number>`; v1: the display name.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default, deserialize_with = "text_or_number")]
    pub project_number: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub parent: Option<ParentRef>,
}

/// A project's parent: `folders/123` in v3, `{"type": "folder", "id": "123"}` in v1.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum ParentRef {
    Name(String),
    Typed {
        #[serde(rename = "type")]
        kind: String,
        id: String,
    },
}

impl ParentRef {
    /// Returns the parent as a resource name: `folders/123` or `organizations/456`.
    pub fn resource_name(&self) -> String {
        match self {
            ParentRef::Name(name) => name.clone(),
            ParentRef::Typed { kind, id } => match kind.as_str() {
                "organization" => format!("organizations/{id}"),
                "folder" => format!("folders/{id}"),
                other => format!("{other}s/{id}"),
            },
        }
    }
}

/// A folder or an organization: `folders/<n>` or `organizations/<n>`, with a display name.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Container {
    #[serde(default)]
    pub display_name: Option<String>,
    /// A folder's parent: `folders/<n>` or `organizations/<n>`.
    #[serde(default)]
    pub parent: Option<String>,
}

/// A page of `serviceAccounts.list`.
#[derive(Debug, Deserialize)]
pub(crate) struct ServiceAccountPage {
    #[serde(default)]
    pub accounts: Vec<ServiceAccount>,
}

/// The response of `serviceAccounts.keys.list`.
#[derive(Debug, Deserialize)]
pub(crate) struct KeyPage {
    #[serde(default)]
    pub keys: Vec<ServiceAccountKey>,
}

/// A page of `roles.list`.
#[derive(Debug, Deserialize)]
pub(crate) struct RolePage {
    #[serde(default)]
    pub roles: Vec<Role>,
}

/// Reads an id that may be written as a JSON number or a string.
fn text_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a string or a number, found `{other}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn record_reads_both_spellings() {
        let snake: AssetRecord = serde_json::from_str(
            r#"{"name": "//x/projects/1", "asset_type": "cloudresourcemanager.googleapis.com/Project", "iam_policy": {"version": 1, "bindings": []}}"#,
        )
        .unwrap();
        let camel: AssetRecord = serde_json::from_str(
            r#"{"name": "//x/projects/1", "assetType": "cloudresourcemanager.googleapis.com/Project", "iamPolicy": {"version": "3"}}"#,
        )
        .unwrap();
        assert_eq!(snake.asset_type, camel.asset_type);
        assert_eq!(snake.name, camel.name);
        assert!(snake.iam_policy.unwrap().bindings.is_empty());
        assert!(camel.iam_policy.is_some());
    }

    #[test]
    fn project_parent_in_both_versions() {
        let v1: Project = serde_json::from_str(
            r#"{"projectId": "p", "projectNumber": "12", "parent": {"type": "folder", "id": "7"}}"#,
        )
        .unwrap();
        let v3: Project = serde_json::from_str(
            r#"{"name": "projects/12", "projectId": "p", "parent": "organizations/9"}"#,
        )
        .unwrap();
        assert_eq!(v1.parent.unwrap().resource_name(), "folders/7");
        assert_eq!(v3.parent.unwrap().resource_name(), "organizations/9");
        assert_eq!(v1.project_number.as_deref(), Some("12"));
    }
}
