//! Organizations, folders and projects: their scopes, parents and project numbers.

use std::collections::BTreeMap;

use roster_model::{ProviderId, Scope, ScopeId, ScopeKind};

use crate::estate::{Estate, PolicyResource};

/// Every scope of the estate, with the lookups that resolve resource names to scopes.
#[derive(Debug, Default)]
pub(crate) struct Scopes {
    scopes: BTreeMap<ScopeId, Scope>,
    /// Project id by project number.
    numbers: BTreeMap<String, String>,
}

impl Scopes {
    /// Builds a scope for every organization, folder and project the estate names, and for
    /// every parent they name, so the roster's environments reach down the hierarchy.
    pub fn resolve(estate: &Estate) -> Scopes {
        let mut scopes = Scopes {
            scopes: BTreeMap::new(),
            numbers: estate.project_numbers.clone(),
        };

        for (name, info) in estate.organizations.iter().chain(&estate.folders) {
            let id = scopes.ensure(name);
            let parent = info.parent.as_deref().map(|parent| scopes.ensure(parent));
            if let Some(scope) = scopes.scopes.get_mut(&id) {
                scope.display_name = info.display_name.clone();
                scope.parent = parent;
            }
        }
        for (project, info) in &estate.projects {
            let id = scopes.ensure(&format!("projects/{project}"));
            let parent = info.parent.as_deref().map(|parent| scopes.ensure(parent));
            if let Some(scope) = scopes.scopes.get_mut(&id) {
                scope.display_name = info.display_name.clone();
                scope.parent = parent;
            }
        }
        for entry in &estate.policies {
            if let PolicyResource::Container(name) = &entry.resource {
                scopes.ensure(name);
            }
        }
        for account in &estate.service_accounts {
            if let Some(project) = &account.project_id {
                scopes.ensure(&format!("projects/{project}"));
            }
        }
        for key in &estate.keys {
            if let Some(project) = &key.owner.project {
                scopes.ensure(&format!("projects/{project}"));
            }
        }
        scopes
    }

    /// Returns the project id for an id or a number.
    pub fn project_id<'a>(&'a self, text: &'a str) -> &'a str {
        self.numbers.get(text).map_or(text, String::as_str)
    }

    /// Returns the scope id of `projects/<id or number>`, `folders/<n>` or
    /// `organizations/<n>`. Any other text is read as a project.
    pub fn id_of(&self, name: &str) -> ScopeId {
        if name.starts_with("folders/") || name.starts_with("organizations/") {
            return ScopeId::new(ProviderId::Gcp, name);
        }
        let project = name.strip_prefix("projects/").unwrap_or(name);
        ScopeId::new(ProviderId::Gcp, self.project_id(project))
    }

    /// Returns the scope of a resource name, creating it when it is new.
    pub fn ensure(&mut self, name: &str) -> ScopeId {
        let id = self.id_of(name);
        if !self.scopes.contains_key(&id) {
            let kind = if name.starts_with("folders/") {
                ScopeKind::GcpFolder
            } else if name.starts_with("organizations/") {
                ScopeKind::GcpOrganization
            } else {
                ScopeKind::GcpProject
            };
            let scope = Scope::new(ProviderId::Gcp, kind, id.native_id());
            self.scopes.insert(id.clone(), scope);
        }
        id
    }

    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.scopes.values()
    }

    /// Returns the projects at or below a scope: the scope itself when it is a project, or
    /// every project whose parent chain reaches it.
    pub fn projects_under(&self, container: &ScopeId) -> Vec<ScopeId> {
        self.scopes
            .values()
            .filter(|scope| scope.kind == ScopeKind::GcpProject)
            .filter(|scope| self.chain(&scope.id).any(|id| id == container))
            .map(|scope| scope.id.clone())
            .collect()
    }

    /// Returns the ancestors of a scope, nearest first, without the scope itself.
    pub fn ancestors(&self, id: &ScopeId) -> Vec<ScopeId> {
        self.chain(id).skip(1).cloned().collect()
    }

    /// Walks a scope and its parents, nearest first. A loop in the parents ends the walk.
    fn chain<'a>(&'a self, start: &'a ScopeId) -> impl Iterator<Item = &'a ScopeId> {
        let mut current = Some(start);
        let mut steps = 0;
        std::iter::from_fn(move || {
            let id = current?;
            steps += 1;
            current = if steps > MAX_DEPTH {
                None
            } else {
                self.scopes.get(id).and_then(|scope| scope.parent.as_ref())
            };
            Some(id)
        })
    }

    pub fn into_scopes(self) -> Vec<Scope> {
        self.scopes.into_values().collect()
    }
}

/// The deepest hierarchy walked. GCP allows ten levels of folders; the bound stops a loop.
const MAX_DEPTH: usize = 32;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::estate::{ContainerInfo, Origin, ProjectInfo};

    #[test]
    fn hierarchy_and_numbers_resolve() {
        let mut estate = Estate::new(Origin::Import);
        estate.add_container(
            "folders/7",
            ContainerInfo {
                display_name: Some("Data".to_owned()),
                parent: Some("organizations/1".to_owned()),
            },
        );
        estate.add_project(
            "acme-data",
            ProjectInfo {
                number: Some("42".to_owned()),
                parent: Some("folders/7".to_owned()),
                ..ProjectInfo::default()
            },
        );
        let scopes = Scopes::resolve(&estate);

        let project = scopes.id_of("projects/42");
        assert_eq!(project.as_str(), "gcp:acme-data");
        let organization = scopes.id_of("organizations/1");
        assert_eq!(scopes.projects_under(&organization), vec![project.clone()]);
        assert_eq!(
            scopes.ancestors(&project),
            vec![scopes.id_of("folders/7"), organization.clone()]
        );
        let kinds: Vec<ScopeKind> = scopes.iter().map(|scope| scope.kind).collect();
        assert_eq!(
            kinds,
            [
                ScopeKind::GcpProject,
                ScopeKind::GcpFolder,
                ScopeKind::GcpOrganization
            ]
        );
    }
}
