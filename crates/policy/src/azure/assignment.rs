//! Role assignments and deny assignments, from `az role assignment list` output or ARM list
//! responses.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

use super::definition::{ActionKind, Permission};
use super::error::AzureError;
use super::scope::Scope;

const ASSIGNMENTS: &str = "role assignments";
const DENY_ASSIGNMENTS: &str = "deny assignments";

/// The principal id that a deny assignment uses for every principal (type `SystemDefined`).
pub const EVERYONE: &str = "00000000-0000-0000-0000-000000000000";

/// A principal making a request: its object id and the ids of the groups it belongs to,
/// directly or through nested groups. Ids compare without case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    id: String,
    groups: BTreeSet<String>,
}

impl Principal {
    pub fn new(id: &str) -> Principal {
        Principal {
            id: id.to_ascii_lowercase(),
            groups: BTreeSet::new(),
        }
    }

    /// Adds the groups the principal belongs to.
    pub fn with_groups<I, S>(mut self, groups: I) -> Principal
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.groups.extend(
            groups
                .into_iter()
                .map(|group| group.as_ref().to_ascii_lowercase()),
        );
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Returns whether `id` names the principal itself or one of its groups.
    pub fn is_or_belongs_to(&self, id: &str) -> bool {
        let id = id.to_ascii_lowercase();
        self.id == id || self.groups.contains(&id)
    }
}

/// A role granted to a principal at a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    pub id: Option<String>,
    pub name: Option<String>,
    pub principal_id: String,
    /// `User`, `Group`, `ServicePrincipal`, ... as ARM last recorded it. It keeps its old value
    /// after the principal is deleted, so it proves nothing about the principal's existence.
    pub principal_type: Option<String>,
    pub role_definition_id: String,
    pub scope: Scope,
    /// An ABAC condition; while present, the assignment grants only when it holds.
    pub condition: Option<String>,
    pub condition_version: Option<String>,
}

/// A principal listed in a deny assignment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DenyPrincipal {
    pub id: String,
    #[serde(default, rename = "type")]
    pub principal_type: Option<String>,
}

/// Denies actions to principals at a scope, overriding every role assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyAssignment {
    pub id: Option<String>,
    /// `denyAssignmentName`, or the resource name when that is absent.
    pub name: Option<String>,
    pub permissions: Vec<Permission>,
    pub scope: Scope,
    pub principals: Vec<DenyPrincipal>,
    pub exclude_principals: Vec<DenyPrincipal>,
    /// When set, the deny applies at its scope only, not below it.
    pub do_not_apply_to_child_scopes: bool,
    pub is_system_protected: bool,
}

impl DenyAssignment {
    /// Returns whether the deny applies to the principal: it lists the principal, one of its
    /// groups or everyone, and excludes none of them.
    pub fn applies_to(&self, principal: &Principal) -> bool {
        let listed = self
            .principals
            .iter()
            .any(|listed| listed.id == EVERYONE || principal.is_or_belongs_to(&listed.id));
        let excluded = self
            .exclude_principals
            .iter()
            .any(|excluded| principal.is_or_belongs_to(&excluded.id));
        listed && !excluded
    }

    /// Returns whether a permission block of the deny matches the action.
    pub fn denies(&self, action: &str, kind: ActionKind) -> bool {
        self.permissions
            .iter()
            .any(|permission| permission.allows(action, kind))
    }
}

#[derive(Debug, Deserialize)]
struct RawEnvelope<T> {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    properties: Option<T>,
    #[serde(flatten)]
    flat: T,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAssignment {
    #[serde(default)]
    principal_id: Option<String>,
    #[serde(default)]
    principal_type: Option<String>,
    #[serde(default)]
    role_definition_id: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    condition_version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDeny {
    #[serde(default)]
    deny_assignment_name: Option<String>,
    #[serde(default)]
    permissions: Vec<Permission>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    principals: Vec<DenyPrincipal>,
    #[serde(default)]
    exclude_principals: Vec<DenyPrincipal>,
    #[serde(default)]
    do_not_apply_to_child_scopes: bool,
    #[serde(default)]
    is_system_protected: bool,
}

impl RoleAssignment {
    /// Reads assignments from JSON text: `az role assignment list` output (flat), an ARM list
    /// page (`{"value": [...]}` with `properties`), an array of pages, or one assignment.
    pub fn list_from_json_str(text: &str) -> Result<Vec<RoleAssignment>, AzureError> {
        let value: Value =
            serde_json::from_str(text).map_err(|error| AzureError::json(ASSIGNMENTS, &error))?;
        RoleAssignment::list_from_value(&value)
    }

    /// Reads assignments from parsed JSON, in the shapes
    /// [`RoleAssignment::list_from_json_str`] accepts.
    pub fn list_from_value(value: &Value) -> Result<Vec<RoleAssignment>, AzureError> {
        list_items(value, ASSIGNMENTS)?
            .into_iter()
            .map(|(path, item)| read_assignment(item, &path))
            .collect()
    }
}

impl DenyAssignment {
    /// Reads deny assignments from JSON text: an ARM list page, an array of pages or of deny
    /// assignments, or one deny assignment.
    pub fn list_from_json_str(text: &str) -> Result<Vec<DenyAssignment>, AzureError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|error| AzureError::json(DENY_ASSIGNMENTS, &error))?;
        DenyAssignment::list_from_value(&value)
    }

    /// Reads deny assignments from parsed JSON.
    pub fn list_from_value(value: &Value) -> Result<Vec<DenyAssignment>, AzureError> {
        list_items(value, DENY_ASSIGNMENTS)?
            .into_iter()
            .map(|(path, item)| read_deny(item, &path))
            .collect()
    }
}

fn read_assignment(value: &Value, path: &str) -> Result<RoleAssignment, AzureError> {
    let raw: RawEnvelope<RawAssignment> = RawEnvelope::deserialize(value)
        .map_err(|error| AzureError::invalid(ASSIGNMENTS, path, error.to_string()))?;
    let (body, body_path) = match raw.properties {
        Some(body) => (body, format!("{path}.properties")),
        None => (raw.flat, path.to_owned()),
    };
    let missing = |field: &str| {
        AzureError::invalid(
            ASSIGNMENTS,
            format!("{body_path}.{field}"),
            format!("a role assignment needs `{field}`"),
        )
    };

    let principal_id = body.principal_id.ok_or_else(|| missing("principalId"))?;
    let role_definition_id = body
        .role_definition_id
        .ok_or_else(|| missing("roleDefinitionId"))?;
    let scope = body.scope.ok_or_else(|| missing("scope"))?;
    let scope = Scope::parse(&scope).map_err(|error| {
        AzureError::invalid(ASSIGNMENTS, format!("{body_path}.scope"), error.to_string())
    })?;
    Ok(RoleAssignment {
        id: raw.id,
        name: raw.name,
        principal_id,
        principal_type: body.principal_type,
        role_definition_id,
        scope,
        condition: body.condition.filter(|condition| !condition.is_empty()),
        condition_version: body.condition_version,
    })
}

fn read_deny(value: &Value, path: &str) -> Result<DenyAssignment, AzureError> {
    let raw: RawEnvelope<RawDeny> = RawEnvelope::deserialize(value)
        .map_err(|error| AzureError::invalid(DENY_ASSIGNMENTS, path, error.to_string()))?;
    let (body, body_path) = match raw.properties {
        Some(body) => (body, format!("{path}.properties")),
        None => (raw.flat, path.to_owned()),
    };

    let Some(scope) = body.scope else {
        return Err(AzureError::invalid(
            DENY_ASSIGNMENTS,
            format!("{body_path}.scope"),
            "a deny assignment needs `scope`",
        ));
    };
    let scope = Scope::parse(&scope).map_err(|error| {
        AzureError::invalid(
            DENY_ASSIGNMENTS,
            format!("{body_path}.scope"),
            error.to_string(),
        )
    })?;
    Ok(DenyAssignment {
        id: raw.id,
        name: body.deny_assignment_name.or(raw.name),
        permissions: body.permissions,
        scope,
        principals: body.principals,
        exclude_principals: body.exclude_principals,
        do_not_apply_to_child_scopes: body.do_not_apply_to_child_scopes,
        is_system_protected: body.is_system_protected,
    })
}

/// Lists the items of a document that contains a list: an array of items or of ARM pages
/// (`{"value": [...]}`), one page, or one item. Each item comes with its path for errors.
pub(crate) fn list_items<'a>(
    value: &'a Value,
    document: &'static str,
) -> Result<Vec<(String, &'a Value)>, AzureError> {
    let mut items = Vec::new();
    collect_items(value, "", document, &mut items)?;
    Ok(items)
}

fn collect_items<'a>(
    value: &'a Value,
    path: &str,
    document: &'static str,
    items: &mut Vec<(String, &'a Value)>,
) -> Result<(), AzureError> {
    match value {
        Value::Array(elements) => {
            for (index, element) in elements.iter().enumerate() {
                let element_path = format!("{path}[{index}]");
                match element.get("value") {
                    Some(page) if page.is_array() => {
                        collect_items(page, &format!("{element_path}.value"), document, items)?;
                    }
                    _ => items.push((element_path, element)),
                }
            }
            Ok(())
        }
        Value::Object(object) => match object.get("value") {
            Some(page) if page.is_array() => {
                collect_items(page, &join(path, "value"), document, items)
            }
            _ => {
                items.push((
                    if path.is_empty() {
                        "(root)".to_owned()
                    } else {
                        path.to_owned()
                    },
                    value,
                ));
                Ok(())
            }
        },
        _ => Err(AzureError::invalid(
            document,
            if path.is_empty() { "(root)" } else { path },
            "expected an object or an array",
        )),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn arm_and_cli_assignments_are_read() {
        let arm = RoleAssignment::list_from_json_str(
            r#"{"value": [{"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/0b5fe924-9a61-425c-96af-cfe6e287ca2d",
                "principalId": "ce2ce14e-85d7-4629-bdbc-454d0519d987", "principalType": "User",
                "scope": "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2", "condition": null},
                "id": "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/providers/Microsoft.Authorization/roleAssignments/b0f43c54",
                "type": "Microsoft.Authorization/roleAssignments", "name": "b0f43c54"}]}"#,
        )
        .unwrap();
        let cli = RoleAssignment::list_from_json_str(
            r#"[{"principalId": "P", "principalType": "ServicePrincipal", "roleDefinitionName": "Reader",
                "roleDefinitionId": "/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/acdd72a7",
                "scope": "/subscriptions/S/resourcegroups/rg", "condition": "@Resource[x] StringEquals 'y'", "conditionVersion": "2.0"}]"#,
        )
        .unwrap();

        assert_eq!(arm.len(), 1);
        assert_eq!(arm[0].name.as_deref(), Some("b0f43c54"));
        assert_eq!(arm[0].condition, None);
        assert_eq!(cli[0].scope.as_str(), "/subscriptions/S/resourcegroups/rg");
        assert_eq!(cli[0].condition_version.as_deref(), Some("2.0"));
    }

    #[test]
    fn assignment_without_principal_is_rejected() {
        let error = RoleAssignment::list_from_json_str(
            r#"{"value": [{"properties": {"roleDefinitionId": "x", "scope": "/"}}]}"#,
        )
        .unwrap_err();

        assert_eq!(
            error.to_string(),
            "invalid role assignments at `value[0].properties.principalId`: a role assignment needs `principalId`"
        );
    }

    #[test]
    fn deny_applies_unless_excluded() {
        let denies = DenyAssignment::list_from_json_str(
            r#"[{"name": "d1", "properties": {"denyAssignmentName": "locked", "scope": "/subscriptions/S",
                "permissions": [{"actions": ["*"], "notActions": ["*/read"]}],
                "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}],
                "excludePrincipals": [{"id": "ADMINS", "type": "Group"}]}}]"#,
        )
        .unwrap();
        let deny = &denies[0];

        assert_eq!(deny.name.as_deref(), Some("locked"));
        assert!(deny.applies_to(&Principal::new("anyone")));
        assert!(!deny.applies_to(&Principal::new("ops").with_groups(["admins"])));
        assert!(deny.denies(
            "Microsoft.Compute/virtualMachines/delete",
            ActionKind::Control
        ));
        assert!(!deny.denies(
            "Microsoft.Compute/virtualMachines/read",
            ActionKind::Control
        ));
        assert_eq!(deny.scope, Scope::parse("/subscriptions/s").unwrap());
    }
}
