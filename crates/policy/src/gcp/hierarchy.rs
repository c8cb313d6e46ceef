//! The resource hierarchy: organization, folders, projects and resources, each with its parent.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use super::error::GcpError;

/// The prefix Cloud Asset Inventory puts before organization, folder and project names.
const RESOURCE_MANAGER_PREFIX: &str = "//cloudresourcemanager.googleapis.com/";

/// The kind of a hierarchy node, read from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    /// `organizations/ID`
    Organization,
    /// `folders/ID`
    Folder,
    /// `projects/ID` or `projects/NUMBER`
    Project,
    /// Anything else, for example `//storage.googleapis.com/projects/_/buckets/b`.
    Resource,
}

impl NodeKind {
    /// Reads the kind from a node name.
    pub fn of(node: &str) -> NodeKind {
        let node = normalize(node);
        let Some((collection, id)) = node.split_once('/') else {
            return NodeKind::Resource;
        };
        if id.is_empty() || id.contains('/') {
            return NodeKind::Resource;
        }
        match collection {
            "organizations" => NodeKind::Organization,
            "folders" => NodeKind::Folder,
            "projects" => NodeKind::Project,
            _ => NodeKind::Resource,
        }
    }

    /// Returns whether the node contains other nodes: an organization, a folder or a project.
    pub fn is_container(self) -> bool {
        !matches!(self, NodeKind::Resource)
    }
}

/// Strips the Cloud Asset Inventory prefix from organization, folder and project names, so
/// `//cloudresourcemanager.googleapis.com/projects/acme` and `projects/acme` name one node.
pub fn normalize(node: &str) -> &str {
    node.strip_prefix(RESOURCE_MANAGER_PREFIX).unwrap_or(node)
}

/// Each node's parent. Nodes without a recorded parent are roots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceHierarchy {
    parents: BTreeMap<String, String>,
}

impl ResourceHierarchy {
    pub fn new() -> ResourceHierarchy {
        ResourceHierarchy::default()
    }

    /// Records the parent of a node, replacing an earlier one.
    pub fn set_parent(&mut self, child: &str, parent: &str) {
        self.parents
            .insert(normalize(child).to_owned(), normalize(parent).to_owned());
    }

    pub fn parent(&self, node: &str) -> Option<&str> {
        self.parents.get(normalize(node)).map(String::as_str)
    }

    /// Lists the node and its ancestors, nearest first, ending at a root.
    pub fn ancestry<'a>(&'a self, node: &'a str) -> Result<Vec<&'a str>, GcpError> {
        let mut chain = vec![normalize(node)];
        let mut seen = BTreeSet::from([normalize(node)]);
        let mut current = normalize(node);
        while let Some(parent) = self.parents.get(current) {
            if !seen.insert(parent.as_str()) {
                return Err(GcpError::Cycle {
                    node: parent.clone(),
                });
            }
            chain.push(parent);
            current = parent;
        }
        Ok(chain)
    }

    /// Iterates over (child, parent) pairs in child name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.parents
            .iter()
            .map(|(child, parent)| (child.as_str(), parent.as_str()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn node_kind_reads_name() {
        assert_eq!(NodeKind::of("organizations/1"), NodeKind::Organization);
        assert_eq!(NodeKind::of("folders/2"), NodeKind::Folder);
        assert_eq!(NodeKind::of("projects/acme"), NodeKind::Project);
        assert_eq!(
            NodeKind::of("//cloudresourcemanager.googleapis.com/projects/acme"),
            NodeKind::Project
        );
        assert_eq!(
            NodeKind::of("projects/acme/serviceAccounts/ci@acme.iam.gserviceaccount.com"),
            NodeKind::Resource
        );
        assert_eq!(
            NodeKind::of("//storage.googleapis.com/projects/_/buckets/b"),
            NodeKind::Resource
        );
    }

    #[test]
    fn ancestry_climbs_to_root() {
        let mut hierarchy = ResourceHierarchy::new();
        hierarchy.set_parent("folders/2", "organizations/1");
        hierarchy.set_parent(
            "//cloudresourcemanager.googleapis.com/projects/acme",
            "folders/2",
        );
        hierarchy.set_parent(
            "//storage.googleapis.com/projects/_/buckets/b",
            "projects/acme",
        );

        let chain = hierarchy
            .ancestry("//storage.googleapis.com/projects/_/buckets/b")
            .unwrap();

        assert_eq!(
            chain,
            [
                "//storage.googleapis.com/projects/_/buckets/b",
                "projects/acme",
                "folders/2",
                "organizations/1"
            ]
        );
    }

    #[test]
    fn ancestry_rejects_cycle() {
        let mut hierarchy = ResourceHierarchy::new();
        hierarchy.set_parent("folders/2", "folders/3");
        hierarchy.set_parent("folders/3", "folders/2");

        let error = hierarchy.ancestry("folders/2").unwrap_err();

        assert_eq!(
            error,
            GcpError::Cycle {
                node: "folders/2".to_owned()
            }
        );
    }
}
