//! RBAC objects (Role, ClusterRole, RoleBinding, ClusterRoleBinding) read from
//! `kubectl get ... -o json` or `-o yaml` output.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::error::KubernetesError;

/// One rule of a Role or ClusterRole. Empty lists match nothing, except `resource_names`,
/// where an empty list matches every name.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    #[serde(default)]
    pub verbs: Vec<String>,
    /// API groups; `""` is the core group.
    #[serde(default)]
    pub api_groups: Vec<String>,
    /// Resources, with subresources written `pods/log` and `*/scale`.
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub resource_names: Vec<String>,
    /// Paths such as `/healthz` or `/api/*`; a final `*` matches any suffix.
    #[serde(default, rename = "nonResourceURLs")]
    pub non_resource_urls: Vec<String>,
}

/// A namespaced set of rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub namespace: String,
    pub name: String,
    pub rules: Vec<PolicyRule>,
}

/// A cluster-wide set of rules, possibly gathered from other ClusterRoles by label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterRole {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub rules: Vec<PolicyRule>,
    pub aggregation_rule: Option<AggregationRule>,
}

/// The selectors whose matching ClusterRoles give their rules to an aggregated ClusterRole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AggregationRule {
    #[serde(default)]
    pub cluster_role_selectors: Vec<LabelSelector>,
}

/// A label selector: every label of `match_labels` and every expression must hold. An empty
/// selector matches every object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One expression of a label selector.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: SelectorOperator,
    #[serde(default)]
    pub values: Vec<String>,
}

/// The operator of a label selector expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl LabelSelector {
    /// Returns whether the labels satisfy the selector.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let labels_match = self
            .match_labels
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value));
        labels_match
            && self.match_expressions.iter().all(|requirement| {
                let value = labels.get(&requirement.key);
                match requirement.operator {
                    SelectorOperator::In => {
                        value.is_some_and(|value| requirement.values.contains(value))
                    }
                    SelectorOperator::NotIn => {
                        !value.is_some_and(|value| requirement.values.contains(value))
                    }
                    SelectorOperator::Exists => value.is_some(),
                    SelectorOperator::DoesNotExist => value.is_none(),
                }
            })
    }
}

/// The role a binding grants.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    #[serde(default)]
    pub api_group: String,
    /// `Role` or `ClusterRole`.
    pub kind: String,
    pub name: String,
}

/// The kind of a binding subject.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubjectKind {
    User,
    Group,
    ServiceAccount,
    /// A kind RBAC does not define, kept as written. It covers no user.
    Other(String),
}

/// A user, group or service account that a binding grants its role to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subject {
    pub kind: SubjectKind,
    pub name: String,
    /// The namespace of a ServiceAccount subject. RBAC ignores it for users and groups.
    pub namespace: Option<String>,
}

/// Grants a Role or ClusterRole within one namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleBinding {
    pub namespace: String,
    pub name: String,
    pub role_ref: RoleRef,
    pub subjects: Vec<Subject>,
}

/// Grants a ClusterRole across the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterRoleBinding {
    pub name: String,
    pub role_ref: RoleRef,
    pub subjects: Vec<Subject>,
}

/// The RBAC objects of one or more documents, in reading order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RbacObjects {
    pub roles: Vec<Role>,
    pub cluster_roles: Vec<ClusterRole>,
    pub role_bindings: Vec<RoleBinding>,
    pub cluster_role_bindings: Vec<ClusterRoleBinding>,
    /// How many objects of other kinds (ServiceAccount, Secret, ...) were passed over.
    pub skipped: usize,
}

#[derive(Debug, Default, Deserialize)]
struct RawMetadata {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRole {
    #[serde(default)]
    metadata: RawMetadata,
    #[serde(default)]
    rules: Option<Vec<PolicyRule>>,
    #[serde(default)]
    aggregation_rule: Option<AggregationRule>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBinding {
    #[serde(default)]
    metadata: RawMetadata,
    role_ref: Option<RoleRef>,
    #[serde(default)]
    subjects: Option<Vec<RawSubject>>,
}

#[derive(Debug, Deserialize)]
struct RawSubject {
    kind: String,
    name: String,
    #[serde(default)]
    namespace: Option<String>,
}

impl RbacObjects {
    /// Reads objects from JSON text: a `List` (or `RoleList`, `ClusterRoleBindingList`, ...)
    /// or a single object.
    pub fn from_json_str(text: &str) -> Result<RbacObjects, KubernetesError> {
        let value: Value =
            serde_json::from_str(text).map_err(|error| KubernetesError::json(&error))?;
        let mut objects = RbacObjects::default();
        objects.add_value(&value)?;
        Ok(objects)
    }

    /// Reads objects from YAML text with one or more documents, each a list or an object.
    pub fn from_yaml_str(text: &str) -> Result<RbacObjects, KubernetesError> {
        let documents: Vec<Value> =
            serde_saphyr::from_multiple(text).map_err(|error| KubernetesError::Yaml {
                message: error.to_string(),
            })?;
        let mut objects = RbacObjects::default();
        for document in &documents {
            objects.add_value(document)?;
        }
        Ok(objects)
    }

    /// Adds the objects of one parsed document: a list or a single object.
    pub fn add_value(&mut self, value: &Value) -> Result<(), KubernetesError> {
        if value.is_null() {
            return Ok(());
        }
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(items) = value.get("items") else {
            return self.add_object(value, kind, "");
        };
        let Some(items) = items.as_array() else {
            return Err(KubernetesError::invalid("items", "expected an array"));
        };
        // Lists from the API server omit each item's kind; `RoleList` names it.
        let item_kind = kind.strip_suffix("List").filter(|kind| !kind.is_empty());
        for (index, item) in items.iter().enumerate() {
            let kind = item
                .get("kind")
                .and_then(Value::as_str)
                .or(item_kind)
                .unwrap_or_default();
            self.add_object(item, kind, &format!("items[{index}]"))?;
        }
        Ok(())
    }

    /// Adds every object of `other`.
    pub fn extend(&mut self, other: RbacObjects) {
        self.roles.extend(other.roles);
        self.cluster_roles.extend(other.cluster_roles);
        self.role_bindings.extend(other.role_bindings);
        self.cluster_role_bindings
            .extend(other.cluster_role_bindings);
        self.skipped += other.skipped;
    }

    fn add_object(&mut self, value: &Value, kind: &str, path: &str) -> Result<(), KubernetesError> {
        match kind {
            "Role" => {
                let raw: RawRole = read(value, path)?;
                let namespace = required(raw.metadata.namespace, kind, path, "metadata.namespace")?;
                let name = required(raw.metadata.name, kind, path, "metadata.name")?;
                self.roles.push(Role {
                    namespace,
                    name,
                    rules: raw.rules.unwrap_or_default(),
                });
            }
            "ClusterRole" => {
                let raw: RawRole = read(value, path)?;
                let name = required(raw.metadata.name, kind, path, "metadata.name")?;
                self.cluster_roles.push(ClusterRole {
                    name,
                    labels: raw.metadata.labels,
                    rules: raw.rules.unwrap_or_default(),
                    aggregation_rule: raw.aggregation_rule,
                });
            }
            "RoleBinding" => {
                let raw: RawBinding = read(value, path)?;
                let namespace = required(raw.metadata.namespace, kind, path, "metadata.namespace")?;
                let name = required(raw.metadata.name, kind, path, "metadata.name")?;
                let role_ref = required(raw.role_ref, kind, path, "roleRef")?;
                self.role_bindings.push(RoleBinding {
                    namespace,
                    name,
                    role_ref,
                    subjects: subjects(raw.subjects),
                });
            }
            "ClusterRoleBinding" => {
                let raw: RawBinding = read(value, path)?;
                let name = required(raw.metadata.name, kind, path, "metadata.name")?;
                let role_ref = required(raw.role_ref, kind, path, "roleRef")?;
                self.cluster_role_bindings.push(ClusterRoleBinding {
                    name,
                    role_ref,
                    subjects: subjects(raw.subjects),
                });
            }
            "" => {
                return Err(KubernetesError::invalid(
                    join(path, "kind"),
                    "the object has no `kind` and its list does not name one: add `kind: Role`, `ClusterRole`, `RoleBinding` or `ClusterRoleBinding`",
                ));
            }
            other => {
                tracing::debug!(
                    kind = other,
                    path,
                    "skipped an object that is not an RBAC object"
                );
                self.skipped += 1;
            }
        }
        Ok(())
    }
}

fn read<T: for<'de> Deserialize<'de>>(value: &Value, path: &str) -> Result<T, KubernetesError> {
    T::deserialize(value).map_err(|error| {
        KubernetesError::invalid(
            if path.is_empty() { "(root)" } else { path },
            error.to_string(),
        )
    })
}

fn required<T>(
    value: Option<T>,
    kind: &str,
    path: &str,
    field: &str,
) -> Result<T, KubernetesError> {
    value.ok_or_else(|| {
        KubernetesError::invalid(join(path, field), format!("a {kind} needs `{field}`"))
    })
}

fn subjects(raw: Option<Vec<RawSubject>>) -> Vec<Subject> {
    raw.unwrap_or_default()
        .into_iter()
        .map(|subject| Subject {
            kind: match subject.kind.as_str() {
                "User" => SubjectKind::User,
                "Group" => SubjectKind::Group,
                "ServiceAccount" => SubjectKind::ServiceAccount,
                _ => SubjectKind::Other(subject.kind),
            },
            name: subject.name,
            namespace: subject.namespace.filter(|namespace| !namespace.is_empty()),
        })
        .collect()
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn api_list_items_take_list_kind() {
        let objects = RbacObjects::from_json_str(
            r#"{"kind": "RoleList", "apiVersion": "rbac.authorization.k8s.io/v1", "items": [
                {"metadata": {"name": "reader", "namespace": "dev"},
                 "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}]}"#,
        )
        .unwrap();

        assert_eq!(objects.roles.len(), 1);
        assert_eq!(objects.roles[0].namespace, "dev");
        assert_eq!(objects.roles[0].rules[0].verbs, ["get"]);
    }

    #[test]
    fn role_without_namespace_is_rejected() {
        let error = RbacObjects::from_json_str(
            r#"{"kind": "List", "items": [{"kind": "Role", "metadata": {"name": "x"}}]}"#,
        )
        .unwrap_err();

        assert_eq!(
            error.to_string(),
            "invalid RBAC object at `items[0].metadata.namespace`: a Role needs `metadata.namespace`"
        );
    }

    #[test]
    fn other_kinds_are_skipped() {
        let objects = RbacObjects::from_json_str(
            r#"{"kind": "List", "items": [{"kind": "ServiceAccount", "metadata": {"name": "ci", "namespace": "dev"}}]}"#,
        )
        .unwrap();

        assert_eq!(objects.skipped, 1);
    }

    #[test]
    fn yaml_documents_are_read() {
        let objects = RbacObjects::from_yaml_str(
            "kind: ClusterRole\nmetadata:\n  name: a\n  labels:\n    team: \"x\"\nrules: []\n---\nkind: ClusterRoleBinding\nmetadata:\n  name: b\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: a\nsubjects:\n- kind: Group\n  name: devs\n",
        )
        .unwrap();

        assert_eq!(objects.cluster_roles[0].labels["team"], "x");
        assert_eq!(
            objects.cluster_role_bindings[0].subjects[0].kind,
            SubjectKind::Group
        );
    }

    #[test]
    fn selector_expressions_apply() {
        let labels = BTreeMap::from([("tier".to_owned(), "web".to_owned())]);
        let selector = |operator, values: &[&str]| LabelSelector {
            match_labels: BTreeMap::new(),
            match_expressions: vec![LabelSelectorRequirement {
                key: "tier".to_owned(),
                operator,
                values: values.iter().map(|value| (*value).to_owned()).collect(),
            }],
        };

        assert!(selector(SelectorOperator::In, &["web", "db"]).matches(&labels));
        assert!(!selector(SelectorOperator::NotIn, &["web"]).matches(&labels));
        assert!(selector(SelectorOperator::Exists, &[]).matches(&labels));
        assert!(!selector(SelectorOperator::DoesNotExist, &[]).matches(&labels));
        assert!(LabelSelector::default().matches(&labels));
    }
}
