//! Role definitions: which control plane and data actions a role allows.
//!
//! Each permission block allows the actions matched by `actions` and not by `notActions`, and
//! the data actions matched by `dataActions` and not by `notDataActions`. A role allows what
//! any of its blocks allows. `notActions` only narrows the `actions` of its own block: it is
//! not a deny, and another role can still grant what it leaves out.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::error::AzureError;
use super::pattern::action_matches;

const DEFINITIONS: &str = "role definitions";

/// The action that writes role assignments; a role that allows it can grant any role,
/// itself included.
pub const ROLE_ASSIGNMENT_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";

/// Whether an action is on the control plane (ARM) or on data (blobs, keys, messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionKind {
    Control,
    Data,
}

/// One permission block of a role definition or deny assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    #[serde(default, deserialize_with = "strings")]
    pub actions: Vec<String>,
    #[serde(default, deserialize_with = "strings")]
    pub not_actions: Vec<String>,
    #[serde(default, deserialize_with = "strings")]
    pub data_actions: Vec<String>,
    #[serde(default, deserialize_with = "strings")]
    pub not_data_actions: Vec<String>,
    /// An ABAC condition on the block, kept as written.
    #[serde(default)]
    pub condition: Option<String>,
}

/// Reads a list of strings that may be `null`.
fn strings<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
}

impl Permission {
    /// Returns whether the block allows the action: a pattern of `actions` (or `dataActions`)
    /// matches it and no pattern of `notActions` (or `notDataActions`) does.
    pub fn allows(&self, action: &str, kind: ActionKind) -> bool {
        let (included, excluded) = self.patterns(kind);
        included
            .iter()
            .any(|pattern| action_matches(pattern, action))
            && !excluded
                .iter()
                .any(|pattern| action_matches(pattern, action))
    }

    /// Returns the (allowed, excluded) patterns for a kind of action: the block's effective
    /// actions are the first minus the second.
    pub fn patterns(&self, kind: ActionKind) -> (&[String], &[String]) {
        match kind {
            ActionKind::Control => (&self.actions, &self.not_actions),
            ActionKind::Data => (&self.data_actions, &self.not_data_actions),
        }
    }
}

/// A built-in or custom role definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDefinition {
    /// The full id, `/.../providers/Microsoft.Authorization/roleDefinitions/GUID`, when given.
    pub id: Option<String>,
    /// The GUID.
    pub name: String,
    /// The display name, such as `Contributor`.
    pub role_name: String,
    /// `BuiltInRole` or `CustomRole`.
    pub role_type: Option<String>,
    pub description: Option<String>,
    pub permissions: Vec<Permission>,
    pub assignable_scopes: Vec<String>,
}

impl RoleDefinition {
    /// Returns whether any permission block allows the action.
    pub fn allows(&self, action: &str, kind: ActionKind) -> bool {
        self.permissions
            .iter()
            .any(|permission| permission.allows(action, kind))
    }

    /// Returns whether the role can write role assignments, and so grant itself any role.
    /// Owner, User Access Administrator and Role Based Access Control Administrator can.
    pub fn is_admin_equivalent(&self) -> bool {
        self.allows(ROLE_ASSIGNMENT_WRITE, ActionKind::Control)
    }
}

/// A definition as the CLI writes it (flat) or as ARM does (the body under `properties`).
#[derive(Debug, Deserialize)]
struct RawDefinition {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    properties: Option<RawBody>,
    #[serde(flatten)]
    flat: RawBody,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBody {
    #[serde(default)]
    role_name: Option<String>,
    #[serde(default)]
    role_type: Option<String>,
    /// ARM's `properties.type` is the role type; the CLI's top-level `type` is the resource
    /// type and is ignored.
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    permissions: Vec<Permission>,
    #[serde(default, deserialize_with = "strings")]
    assignable_scopes: Vec<String>,
}

/// Role definitions by GUID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleDefinitions {
    by_guid: BTreeMap<String, RoleDefinition>,
}

impl RoleDefinitions {
    pub fn new() -> RoleDefinitions {
        RoleDefinitions::default()
    }

    /// Reads definitions from JSON text: `az role definition list` output, an ARM list page
    /// (`{"value": [...]}`), an array of pages, or one definition. Both the CLI's flat shape
    /// and ARM's `properties` shape are accepted.
    pub fn from_json_str(text: &str) -> Result<RoleDefinitions, AzureError> {
        let value: Value =
            serde_json::from_str(text).map_err(|error| AzureError::json(DEFINITIONS, &error))?;
        RoleDefinitions::from_value(&value)
    }

    /// Reads definitions from parsed JSON, in the shapes [`RoleDefinitions::from_json_str`]
    /// accepts.
    pub fn from_value(value: &Value) -> Result<RoleDefinitions, AzureError> {
        let mut definitions = RoleDefinitions::new();
        for (path, item) in super::assignment::list_items(value, DEFINITIONS)? {
            definitions.insert(read_definition(item, &path)?);
        }
        Ok(definitions)
    }

    /// Adds a definition, replacing one with the same GUID.
    pub fn insert(&mut self, definition: RoleDefinition) {
        self.by_guid
            .insert(definition.name.to_ascii_lowercase(), definition);
    }

    /// Finds a definition by its full id or its GUID, without case. Assignments name
    /// definitions under different scopes (`/subscriptions/S/providers/...` or
    /// `/providers/...`), so only the final GUID counts.
    pub fn get(&self, id: &str) -> Option<&RoleDefinition> {
        let guid = id.rsplit('/').next().unwrap_or(id);
        self.by_guid.get(&guid.to_ascii_lowercase())
    }

    /// Finds a definition by its display name, without case.
    pub fn by_role_name(&self, role_name: &str) -> Option<&RoleDefinition> {
        self.by_guid
            .values()
            .find(|definition| definition.role_name.eq_ignore_ascii_case(role_name))
    }

    pub fn len(&self) -> usize {
        self.by_guid.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_guid.is_empty()
    }

    /// Iterates over the definitions in GUID order.
    pub fn iter(&self) -> impl Iterator<Item = &RoleDefinition> {
        self.by_guid.values()
    }
}

fn read_definition(value: &Value, path: &str) -> Result<RoleDefinition, AzureError> {
    let raw = RawDefinition::deserialize(value)
        .map_err(|error| AzureError::invalid(DEFINITIONS, path, error.to_string()))?;
    let (body, role_type) = match raw.properties {
        Some(body) => {
            let role_type = body.role_type.clone().or(body.kind.clone());
            (body, role_type)
        }
        None => {
            let role_type = raw.flat.role_type.clone();
            (raw.flat, role_type)
        }
    };

    let guid_of_id = raw
        .id
        .as_deref()
        .and_then(|id| id.rsplit('/').next())
        .map(str::to_owned);
    let Some(name) = raw.name.or(guid_of_id).filter(|name| !name.is_empty()) else {
        return Err(AzureError::invalid(
            DEFINITIONS,
            path,
            "a role definition needs `name` (its GUID) or `id`",
        ));
    };
    let Some(role_name) = body.role_name else {
        return Err(AzureError::invalid(
            DEFINITIONS,
            path,
            "a role definition needs `roleName`",
        ));
    };
    Ok(RoleDefinition {
        id: raw.id,
        name,
        role_name,
        role_type,
        description: body.description,
        permissions: body.permissions,
        assignable_scopes: body.assignable_scopes,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const CONTRIBUTOR: &str = r#"{"assignableScopes": ["/"], "name": "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "id": "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
        "permissions": [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write"],
                         "dataActions": [], "notDataActions": [], "condition": null}],
        "roleName": "Contributor", "roleType": "BuiltInRole", "type": "Microsoft.Authorization/roleDefinitions"}"#;

    #[test]
    fn not_actions_narrow_actions() {
        let definitions = RoleDefinitions::from_json_str(&format!("[{CONTRIBUTOR}]")).unwrap();
        let contributor = definitions.by_role_name("contributor").unwrap();

        assert!(contributor.allows(
            "Microsoft.Compute/virtualMachines/write",
            ActionKind::Control
        ));
        assert!(!contributor.allows(ROLE_ASSIGNMENT_WRITE, ActionKind::Control));
        assert!(!contributor.allows(
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
            ActionKind::Data
        ));
        assert!(!contributor.is_admin_equivalent());
        assert_eq!(contributor.role_type.as_deref(), Some("BuiltInRole"));
    }

    #[test]
    fn arm_shape_is_read() {
        let definitions = RoleDefinitions::from_json_str(
            r#"{"value": [{"id": "/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/AAAA",
                "name": "AAAA", "type": "Microsoft.Authorization/roleDefinitions",
                "properties": {"roleName": "Blob Reader", "type": "CustomRole",
                    "permissions": [{"actions": [], "notActions": [],
                        "dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"], "notDataActions": []}],
                    "assignableScopes": ["/subscriptions/S"]}}]}"#,
        )
        .unwrap();

        let reader = definitions
            .get("/providers/Microsoft.Authorization/roleDefinitions/aaaa")
            .unwrap();
        assert_eq!(reader.role_name, "Blob Reader");
        assert_eq!(reader.role_type.as_deref(), Some("CustomRole"));
        assert!(reader.allows(
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
            ActionKind::Data
        ));
        assert!(!reader.allows(
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
            ActionKind::Control
        ));
    }

    #[test]
    fn definition_without_role_name_is_rejected() {
        let error = RoleDefinitions::from_json_str(r#"[{"name": "x"}]"#).unwrap_err();

        assert_eq!(
            error.to_string(),
            "invalid role definitions at `[0]`: a role definition needs `roleName`"
        );
    }
}
