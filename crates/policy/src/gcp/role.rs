//! Roles and the permissions they include.
//!
//! Predefined roles come from a roles file or from the IAM API. Custom roles live in an
//! organization or a project. Role names are matched exactly: GCP has no wildcards in
//! permissions or role names.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

use super::error::GcpError;

const ROLES_FILE: &str = "roles file";

/// The level at which a role is defined, read from its name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoleLevel {
    /// `roles/owner`, `roles/editor` and `roles/viewer`.
    Basic,
    /// Any other `roles/...` role, defined by Google.
    Predefined,
    /// `organizations/ID/roles/NAME`, with the organization id.
    Organization(String),
    /// `projects/ID/roles/NAME`, with the project id.
    Project(String),
}

impl RoleLevel {
    /// Reads the level from a role name.
    pub fn of(name: &str) -> Result<RoleLevel, GcpError> {
        let invalid = || GcpError::RoleName {
            role: name.to_owned(),
        };
        let parts: Vec<&str> = name.split('/').collect();
        match parts.as_slice() {
            ["roles", role] if !role.is_empty() => Ok(if is_basic_role(name) {
                RoleLevel::Basic
            } else {
                RoleLevel::Predefined
            }),
            ["organizations", id, "roles", role] if !id.is_empty() && !role.is_empty() => {
                Ok(RoleLevel::Organization((*id).to_owned()))
            }
            ["projects", id, "roles", role] if !id.is_empty() && !role.is_empty() => {
                Ok(RoleLevel::Project((*id).to_owned()))
            }
            _ => Err(invalid()),
        }
    }

    /// Returns whether the role is a custom role of an organization or a project.
    pub fn is_custom(&self) -> bool {
        matches!(self, RoleLevel::Organization(_) | RoleLevel::Project(_))
    }
}

/// Returns whether the role is one of the basic roles `roles/owner`, `roles/editor` and
/// `roles/viewer` (once called primitive roles).
pub fn is_basic_role(name: &str) -> bool {
    matches!(name, "roles/owner" | "roles/editor" | "roles/viewer")
}

/// A role with its permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// The full role name, for example `roles/storage.admin` or `projects/p/roles/deployer`.
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// The permissions the role includes; `None` when the source did not list them (the BASIC
    /// view of `roles.list` leaves `includedPermissions` out).
    pub permissions: Option<BTreeSet<String>>,
    /// The launch stage: `GA`, `BETA`, `ALPHA`, `DEPRECATED`, `DISABLED`, `EAP`.
    pub stage: Option<String>,
    /// Whether the role is deleted (a custom role within its 7-day undelete window).
    pub deleted: bool,
    pub etag: Option<String>,
    pub level: RoleLevel,
}

impl Role {
    /// Builds an active role with the given permissions.
    pub fn new<I, S>(name: &str, permissions: I) -> Result<Role, GcpError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Ok(Role {
            name: name.to_owned(),
            title: None,
            description: None,
            permissions: Some(permissions.into_iter().map(Into::into).collect()),
            stage: None,
            deleted: false,
            etag: None,
            level: RoleLevel::of(name)?,
        })
    }

    /// Returns whether bindings of the role grant its permissions. Bindings of a deleted
    /// role, or of a custom role in the `DISABLED` stage, grant nothing.
    pub fn is_active(&self) -> bool {
        !self.deleted && self.stage.as_deref() != Some("DISABLED")
    }

    /// Returns whether the role includes the permission: `Some(true)` or `Some(false)`, or
    /// `None` when the permissions were not collected.
    pub fn includes(&self, permission: &str) -> Option<bool> {
        self.permissions
            .as_ref()
            .map(|permissions| permissions.contains(permission))
    }
}

/// A role as `gcloud iam roles list --format=json` and the IAM API write it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRole {
    name: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    included_permissions: Option<Vec<String>>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    etag: Option<String>,
}

/// The roles known to the engine, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleCatalog {
    roles: BTreeMap<String, Role>,
}

impl RoleCatalog {
    pub fn new() -> RoleCatalog {
        RoleCatalog::default()
    }

    /// Reads roles from JSON text: an array of roles (`gcloud iam roles list --format=json`),
    /// a `roles.list` page (`{"roles": [...], "nextPageToken": ...}`), an array of such pages,
    /// or one role (`roles.get`).
    pub fn from_json_str(text: &str) -> Result<RoleCatalog, GcpError> {
        let value: Value =
            serde_json::from_str(text).map_err(|error| GcpError::json(ROLES_FILE, &error))?;
        RoleCatalog::from_value(&value)
    }

    /// Reads roles from parsed JSON, in the shapes [`RoleCatalog::from_json_str`] accepts.
    pub fn from_value(value: &Value) -> Result<RoleCatalog, GcpError> {
        let mut catalog = RoleCatalog::new();
        catalog.add_value(value, "")?;
        Ok(catalog)
    }

    /// Adds a role, replacing one of the same name.
    pub fn insert(&mut self, role: Role) {
        self.roles.insert(role.name.clone(), role);
    }

    /// Adds every role of `other`, replacing roles of the same name.
    pub fn extend(&mut self, other: RoleCatalog) {
        self.roles.extend(other.roles);
    }

    pub fn get(&self, name: &str) -> Option<&Role> {
        self.roles.get(name)
    }

    /// Returns the permissions of a role, or `None` when the role is unknown or its
    /// permissions were not collected.
    pub fn permissions(&self, name: &str) -> Option<&BTreeSet<String>> {
        self.roles.get(name)?.permissions.as_ref()
    }

    pub fn len(&self) -> usize {
        self.roles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    /// Iterates over the roles in name order.
    pub fn iter(&self) -> impl Iterator<Item = &Role> {
        self.roles.values()
    }

    fn add_value(&mut self, value: &Value, path: &str) -> Result<(), GcpError> {
        match value {
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.add_value(item, &format!("{path}[{index}]"))?;
                }
                Ok(())
            }
            Value::Object(object) if object.contains_key("name") => {
                self.insert(read_role(value, path)?);
                Ok(())
            }
            Value::Object(object) => {
                let Some(roles) = object.get("roles") else {
                    // An empty `roles.list` page has no `roles` key at all.
                    return if object.is_empty() || object.contains_key("nextPageToken") {
                        Ok(())
                    } else {
                        Err(GcpError::invalid(
                            ROLES_FILE,
                            path_or_root(path),
                            "expected a role (with `name`), a `roles.list` page (with `roles`) or an array of them",
                        ))
                    };
                };
                self.add_value(roles, &child(path, "roles"))
            }
            _ => Err(GcpError::invalid(
                ROLES_FILE,
                path_or_root(path),
                "expected a role object or an array of roles",
            )),
        }
    }
}

fn read_role(value: &Value, path: &str) -> Result<Role, GcpError> {
    let raw = RawRole::deserialize(value)
        .map_err(|error| GcpError::invalid(ROLES_FILE, path_or_root(path), error.to_string()))?;
    let level = RoleLevel::of(&raw.name)
        .map_err(|error| GcpError::invalid(ROLES_FILE, child(path, "name"), error.to_string()))?;
    Ok(Role {
        name: raw.name,
        title: raw.title,
        description: raw.description,
        permissions: raw
            .included_permissions
            .map(|permissions| permissions.into_iter().collect()),
        stage: raw.stage,
        deleted: raw.deleted,
        etag: raw.etag,
        level,
    })
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn path_or_root(path: &str) -> String {
    if path.is_empty() {
        "(root)".to_owned()
    } else {
        path.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn role_level_reads_name() {
        assert_eq!(RoleLevel::of("roles/owner").unwrap(), RoleLevel::Basic);
        assert_eq!(
            RoleLevel::of("roles/storage.admin").unwrap(),
            RoleLevel::Predefined
        );
        assert_eq!(
            RoleLevel::of("organizations/123/roles/auditor").unwrap(),
            RoleLevel::Organization("123".to_owned())
        );
        assert_eq!(
            RoleLevel::of("projects/acme/roles/deployer").unwrap(),
            RoleLevel::Project("acme".to_owned())
        );
        for invalid in [
            "owner",
            "roles/",
            "projects/acme/roles",
            "folders/1/roles/x",
        ] {
            assert!(RoleLevel::of(invalid).is_err(), "`{invalid}` was accepted");
        }
    }

    #[test]
    fn catalog_reads_every_shape() {
        let role = r#"{"name": "roles/viewer", "includedPermissions": ["a.b.get"]}"#;
        let shapes = [
            format!("[{role}]"),
            format!(r#"{{"roles": [{role}], "nextPageToken": "t"}}"#),
            format!(r#"[{{"roles": [{role}]}}, {{}}]"#),
            role.to_owned(),
        ];

        for shape in shapes {
            let catalog = RoleCatalog::from_json_str(&shape).unwrap();
            assert_eq!(catalog.len(), 1, "{shape}");
            assert!(
                catalog
                    .permissions("roles/viewer")
                    .unwrap()
                    .contains("a.b.get")
            );
        }
    }

    #[test]
    fn missing_permissions_are_unknown() {
        let catalog =
            RoleCatalog::from_json_str(r#"[{"name": "roles/x.y", "title": "Y"}]"#).unwrap();

        assert_eq!(catalog.permissions("roles/x.y"), None);
        assert_eq!(catalog.get("roles/x.y").unwrap().includes("a.b.c"), None);
    }

    #[test]
    fn deleted_or_disabled_role_is_inactive() {
        let catalog = RoleCatalog::from_json_str(
            r#"[{"name": "projects/p/roles/a", "deleted": true, "includedPermissions": []},
                {"name": "projects/p/roles/b", "stage": "DISABLED", "includedPermissions": []},
                {"name": "projects/p/roles/c", "stage": "GA", "etag": "BwX=", "includedPermissions": []}]"#,
        )
        .unwrap();

        assert!(!catalog.get("projects/p/roles/a").unwrap().is_active());
        assert!(!catalog.get("projects/p/roles/b").unwrap().is_active());
        assert!(catalog.get("projects/p/roles/c").unwrap().is_active());
    }

    #[test]
    fn invalid_role_names_its_path() {
        let error = RoleCatalog::from_json_str(r#"{"roles": [{"name": "owner"}]}"#).unwrap_err();

        assert_eq!(
            error.to_string(),
            "invalid roles file at `roles[0].name`: invalid role name `owner`: expected `roles/NAME`, `organizations/ID/roles/NAME` or `projects/ID/roles/NAME`"
        );
    }
}
