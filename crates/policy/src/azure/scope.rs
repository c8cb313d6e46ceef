//! ARM scopes and their inheritance: management groups, subscriptions, resource groups and
//! resources.
//!
//! Below a subscription, a scope is inside another when the other's path segments are a
//! prefix of its own, compared without case (ARM ids arrive as `resourceGroups` and
//! `resourcegroups`). Above it, management groups and subscriptions name no parent in their
//! paths, so [`ScopeTree`] records each one's parent.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt;

use super::error::AzureError;

/// The kind of a scope, read from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScopeKind {
    /// `/`, the root of the tenant.
    Root,
    /// `/providers/Microsoft.Management/managementGroups/NAME`
    ManagementGroup,
    /// `/subscriptions/ID`
    Subscription,
    /// `/subscriptions/ID/resourceGroups/NAME`
    ResourceGroup,
    /// A resource, for example
    /// `/subscriptions/ID/resourceGroups/NAME/providers/Microsoft.Storage/storageAccounts/x`.
    Resource,
}

/// A scope path, kept as written and compared without case.
#[derive(Debug, Clone)]
pub struct Scope {
    text: String,
    /// The lowercased segments, for comparison.
    segments: Vec<String>,
    kind: ScopeKind,
}

impl Scope {
    /// Parses an absolute scope path. A trailing `/` is ignored.
    pub fn parse(text: &str) -> Result<Scope, AzureError> {
        let invalid = |reason: &str| AzureError::Scope {
            scope: text.to_owned(),
            reason: reason.to_owned(),
        };
        if !text.starts_with('/') {
            return Err(invalid(
                "a scope starts with `/`, for example `/subscriptions/ID`",
            ));
        }
        let trimmed = text.trim_end_matches('/');
        let segments: Vec<String> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed[1..]
                .split('/')
                .map(str::to_ascii_lowercase)
                .collect()
        };
        if segments.iter().any(String::is_empty) {
            return Err(invalid("the path has an empty segment (`//`)"));
        }
        let kind = kind_of(&segments);
        Ok(Scope {
            text: if trimmed.is_empty() {
                "/".to_owned()
            } else {
                trimmed.to_owned()
            },
            segments,
            kind,
        })
    }

    /// Returns the root scope `/`.
    pub fn root() -> Scope {
        Scope {
            text: "/".to_owned(),
            segments: Vec::new(),
            kind: ScopeKind::Root,
        }
    }

    /// Returns the scope as written, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn kind(&self) -> ScopeKind {
        self.kind
    }

    /// Returns whether this scope is `other` or lies below it by path. Management group
    /// membership is not in the path: see [`ScopeTree::ancestry`].
    pub fn is_within(&self, other: &Scope) -> bool {
        self.segments.starts_with(&other.segments)
    }

    /// Lists the scopes above this one that its path names, nearest first: enclosing
    /// resources, the resource group, the subscription or management group. The root and
    /// the management groups above a subscription are not included.
    pub fn path_parents(&self) -> Vec<Scope> {
        let text_segments: Vec<&str> = if self.segments.is_empty() {
            Vec::new()
        } else {
            self.text[1..].split('/').collect()
        };
        let mut parents: Vec<Scope> = cut_points(&self.segments)
            .into_iter()
            .filter(|cut| *cut < self.segments.len())
            .map(|cut| Scope {
                text: format!("/{}", text_segments[..cut].join("/")),
                segments: self.segments[..cut].to_vec(),
                kind: kind_of(&self.segments[..cut]),
            })
            .collect();
        parents.reverse();
        parents
    }

    /// Returns the lowercased path, for use as a map key.
    pub(crate) fn key(&self) -> String {
        format!("/{}", self.segments.join("/"))
    }
}

/// Reads the kind of a scope from its lowercased segments.
fn kind_of(segments: &[String]) -> ScopeKind {
    let words: Vec<&str> = segments.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] => ScopeKind::Root,
        ["providers", "microsoft.management", "managementgroups", _] => ScopeKind::ManagementGroup,
        ["subscriptions", _] => ScopeKind::Subscription,
        ["subscriptions", _, "resourcegroups", _] => ScopeKind::ResourceGroup,
        _ => ScopeKind::Resource,
    }
}

/// Lists the segment counts at which a prefix of the path is itself a scope, in increasing
/// order: the management group or subscription, the resource group, then each resource
/// (`providers/NAMESPACE/TYPE/NAME`, with nested `TYPE/NAME` pairs and extension resources
/// under a further `providers/NAMESPACE`).
fn cut_points(segments: &[String]) -> Vec<usize> {
    let words: Vec<&str> = segments.iter().map(String::as_str).collect();
    let mut cuts = Vec::new();
    let mut index = match words.as_slice() {
        [
            "providers",
            "microsoft.management",
            "managementgroups",
            _,
            ..,
        ] => 4,
        ["subscriptions", _, "resourcegroups", _, ..] => {
            cuts.push(2);
            4
        }
        ["subscriptions", _, ..] => 2,
        _ => 0,
    };
    if index > 0 {
        cuts.push(index);
    }

    while index < words.len() {
        if words[index] == "providers" {
            // `providers/NAMESPACE` names no scope of its own.
            index += 2;
            continue;
        }
        // A `TYPE/NAME` pair.
        index += 2;
        if index <= words.len() {
            cuts.push(index);
        }
    }
    cuts
}

impl PartialEq for Scope {
    fn eq(&self, other: &Self) -> bool {
        self.segments == other.segments
    }
}

impl Eq for Scope {}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The parents of management groups and subscriptions, which their paths do not show.
///
/// A management group or subscription without a recorded parent sits directly under the root
/// `/`. Record each subscription's management group so that assignments on management groups
/// reach it.
#[derive(Debug, Clone, Default)]
pub struct ScopeTree {
    parents: BTreeMap<String, Scope>,
}

impl ScopeTree {
    pub fn new() -> ScopeTree {
        ScopeTree::default()
    }

    /// Records the parent management group of a management group or subscription.
    pub fn set_parent(&mut self, child: &str, parent: &str) -> Result<(), AzureError> {
        let child = Scope::parse(child)?;
        let parent = Scope::parse(parent)?;
        if !matches!(
            child.kind(),
            ScopeKind::ManagementGroup | ScopeKind::Subscription
        ) {
            return Err(AzureError::Scope {
                scope: child.text,
                reason: "only management groups and subscriptions take a recorded parent"
                    .to_owned(),
            });
        }
        if !matches!(parent.kind(), ScopeKind::ManagementGroup | ScopeKind::Root) {
            return Err(AzureError::Scope {
                scope: parent.text,
                reason: "the parent of a management group or subscription is a management group"
                    .to_owned(),
            });
        }
        self.parents.insert(child.key(), parent);
        Ok(())
    }

    /// Lists the scope and every scope above it, nearest first and ending at the root `/`.
    pub fn ancestry(&self, scope: &Scope) -> Result<Vec<Scope>, AzureError> {
        let mut chain = vec![scope.clone()];
        chain.extend(scope.path_parents());

        let mut seen = BTreeSet::new();
        let mut top = chain.last().cloned().unwrap_or_else(Scope::root);
        while let Some(parent) = self.parents.get(&top.key()) {
            if !seen.insert(parent.key()) || parent == scope {
                return Err(AzureError::Cycle {
                    scope: parent.text.clone(),
                });
            }
            chain.push(parent.clone());
            top = parent.clone();
        }
        if top.kind() != ScopeKind::Root {
            chain.push(Scope::root());
        }
        Ok(chain)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn scope(text: &str) -> Scope {
        Scope::parse(text).unwrap()
    }

    #[test]
    fn kind_reads_path() {
        assert_eq!(scope("/").kind(), ScopeKind::Root);
        assert_eq!(
            scope("/providers/Microsoft.Management/managementGroups/mg").kind(),
            ScopeKind::ManagementGroup
        );
        assert_eq!(scope("/subscriptions/S").kind(), ScopeKind::Subscription);
        assert_eq!(
            scope("/subscriptions/S/resourcegroups/RG/").kind(),
            ScopeKind::ResourceGroup
        );
        assert_eq!(
            scope(
                "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/x"
            )
            .kind(),
            ScopeKind::Resource
        );
    }

    #[test]
    fn relative_or_gapped_path_is_rejected() {
        assert!(Scope::parse("subscriptions/S").is_err());
        assert!(Scope::parse("/subscriptions//resourceGroups/RG").is_err());
    }

    #[test]
    fn within_compares_segments_without_case() {
        let account = scope(
            "/subscriptions/S/resourcegroups/rg/providers/Microsoft.Storage/storageAccounts/x",
        );

        assert!(account.is_within(&scope("/subscriptions/s/resourceGroups/RG")));
        assert!(account.is_within(&scope("/")));
        assert!(!account.is_within(&scope("/subscriptions/S/resourceGroups/rg2")));
        assert!(
            !scope("/subscriptions/S/resourceGroups/rg2")
                .is_within(&scope("/subscriptions/S/resourceGroups/rg"))
        );
    }

    #[test]
    fn path_parents_stop_at_each_resource() {
        let parents: Vec<String> = scope(
            "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/vnet/subnets/a/providers/Microsoft.Authorization/locks/l",
        )
        .path_parents()
        .iter()
        .map(ToString::to_string)
        .collect();

        assert_eq!(
            parents,
            [
                "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/vnet/subnets/a",
                "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/vnet",
                "/subscriptions/S/resourceGroups/RG",
                "/subscriptions/S",
            ]
        );
    }

    #[test]
    fn ancestry_climbs_management_groups() {
        let mut tree = ScopeTree::new();
        tree.set_parent(
            "/subscriptions/S",
            "/providers/Microsoft.Management/managementGroups/prod",
        )
        .unwrap();
        tree.set_parent(
            "/providers/Microsoft.Management/managementGroups/prod",
            "/providers/Microsoft.Management/managementGroups/root",
        )
        .unwrap();

        let chain: Vec<String> = tree
            .ancestry(&scope("/subscriptions/S/resourceGroups/RG"))
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();

        assert_eq!(
            chain,
            [
                "/subscriptions/S/resourceGroups/RG",
                "/subscriptions/S",
                "/providers/Microsoft.Management/managementGroups/prod",
                "/providers/Microsoft.Management/managementGroups/root",
                "/",
            ]
        );
    }

    #[test]
    fn ancestry_rejects_cycle() {
        let mut tree = ScopeTree::new();
        let a = "/providers/Microsoft.Management/managementGroups/a";
        let b = "/providers/Microsoft.Management/managementGroups/b";
        tree.set_parent(a, b).unwrap();
        tree.set_parent(b, a).unwrap();

        assert!(matches!(
            tree.ancestry(&scope(a)),
            Err(AzureError::Cycle { .. })
        ));
    }
}
