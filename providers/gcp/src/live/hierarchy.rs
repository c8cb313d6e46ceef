//! Resolves the scopes asked for into projects, and reads the organizations and folders on
//! the way: their names, parents, IAM policies and custom roles.

use std::collections::{BTreeSet, VecDeque};

use roster_model::{CoverageKind, IdentityKind, NoteKind};
use serde_json::Value;

use crate::estate::{ContainerInfo, Estate, Part, PolicyEntry, PolicyResource, ProjectInfo};
use crate::live::api::Api;
use crate::live::{GcpConfig, ScopeCalls, container_name, record_failure};
use crate::raw::{Container, IamPolicy, ParentRef, Project, Role};

/// A folder or organization to read, and whether to descend into what it contains.
struct Visit {
    name: String,
    descend: bool,
}

/// Returns the ids of every project to collect. Organizations and folders are read with
/// everything below them; a project's ancestors are read without descending, so their
/// policies, which the project inherits, are known.
pub(crate) async fn discover(
    api: &Api,
    config: &GcpConfig,
    estate: &mut Estate,
    calls: &mut ScopeCalls,
) -> BTreeSet<String> {
    let mut projects = BTreeSet::new();
    let mut queue: VecDeque<Visit> = VecDeque::new();
    for organization in &config.organizations {
        queue.push_back(Visit {
            name: container_name("organizations/", organization),
            descend: true,
        });
    }
    for folder in &config.folders {
        queue.push_back(Visit {
            name: container_name("folders/", folder),
            descend: true,
        });
    }

    for project in &config.projects {
        let project = project.strip_prefix("projects/").unwrap_or(project);
        let scope = format!("projects/{project}");
        let stats = calls.stats(&scope);
        match api.get_project(&stats, &scope).await {
            Ok(value) => {
                if let Some(parent) = add_project(estate, value, Some(project)) {
                    queue.push_back(Visit {
                        name: parent,
                        descend: false,
                    });
                }
            }
            Err(error) => estate.note(
                &scope,
                NoteKind::UnresolvedReference,
                None,
                format!(
                    "project `{project}` could not be read ({}), so its number and parent, and the policies it inherits, are unknown",
                    error.message()
                ),
            ),
        }
        projects.insert(project.to_owned());
    }

    let mut visited = BTreeSet::new();
    while let Some(visit) = queue.pop_front() {
        if !visited.insert(visit.name.clone()) {
            continue;
        }
        let found = read_container(api, estate, calls, &visit).await;
        projects.extend(found.projects);
        queue.extend(found.below);
        if let Some(parent) = found.parent {
            queue.push_back(Visit {
                name: parent,
                descend: false,
            });
        }
        calls.finish(&visit.name);
    }
    projects
}

/// The result of reading one folder or organization.
#[derive(Default)]
struct Found {
    parent: Option<String>,
    below: Vec<Visit>,
    projects: Vec<String>,
}

async fn read_container(
    api: &Api,
    estate: &mut Estate,
    calls: &mut ScopeCalls,
    visit: &Visit,
) -> Found {
    let name = visit.name.as_str();
    let stats = calls.stats(name);
    let mut found = Found::default();

    let read = if name.starts_with("folders/") {
        api.get_folder(&stats, name).await
    } else {
        api.get_organization(&stats, name).await
    };
    match read.map(serde_json::from_value::<Container>) {
        Ok(Ok(container)) => {
            found.parent = container.parent.clone();
            estate.add_container(
                name,
                ContainerInfo {
                    display_name: container.display_name,
                    parent: container.parent,
                },
            );
        }
        Ok(Err(error)) => note_unreadable(estate, name, &error.to_string()),
        Err(error) => note_unreadable(estate, name, error.message()),
    }

    match api.get_iam_policy(&stats, name).await {
        Ok(value) => add_policy(estate, name, value),
        Err(error) => record_failure(estate, name, &[(CoverageKind::Grants, None)], &error),
    }
    if name.starts_with("organizations/") {
        read_custom_roles(api, estate, &stats, name).await;
    }
    if !visit.descend {
        return found;
    }

    match api.list_folders(&stats, name).await {
        Ok(folders) => {
            for value in folders {
                let Some(folder) = value.get("name").and_then(Value::as_str) else {
                    continue;
                };
                found.below.push(Visit {
                    name: folder.to_owned(),
                    descend: true,
                });
            }
        }
        Err(error) => record_unlisted(estate, name, &error),
    }
    match api.list_projects(&stats, name).await {
        Ok(listed) => {
            for value in listed {
                let id = value
                    .get("projectId")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                add_project(estate, value, None);
                found.projects.extend(id);
            }
        }
        Err(error) => record_unlisted(estate, name, &error),
    }
    found
}

/// Records a project from Resource Manager; returns its parent.
fn add_project(estate: &mut Estate, value: Value, asked: Option<&str>) -> Option<String> {
    let project: Project = serde_json::from_value(value).ok()?;
    let id = project
        .project_id
        .clone()
        .or_else(|| asked.map(str::to_owned))?;
    let number = project
        .name
        .as_deref()
        .and_then(|name| name.strip_prefix("projects/"))
        .map(str::to_owned)
        .or(project.project_number);
    let parent = project.parent.as_ref().map(ParentRef::resource_name);
    estate.add_project(
        &id,
        ProjectInfo {
            number,
            display_name: project.display_name,
            parent: parent.clone(),
        },
    );
    parent
}

pub(crate) fn add_policy(estate: &mut Estate, resource: &str, value: Value) {
    let policy: IamPolicy = match serde_json::from_value(value) {
        Ok(policy) => policy,
        Err(error) => {
            estate.set_coverage(
                resource,
                CoverageKind::Grants,
                None,
                roster_model::CoverageStatus::Partial {
                    reason: format!("the IAM policy of `{resource}` could not be read: {error}"),
                },
            );
            return;
        }
    };
    estate.collected.insert((resource.to_owned(), Part::Policy));
    estate.policies.push(PolicyEntry {
        resource: PolicyResource::Container(resource.to_owned()),
        policy,
        source: format!("getIamPolicy {resource}"),
    });
}

/// Reads the custom roles defined in a project or an organization.
pub(crate) async fn read_custom_roles(
    api: &Api,
    estate: &mut Estate,
    stats: &crate::live::calls::CallStats,
    parent: &str,
) {
    match api.list_roles(stats, parent).await {
        Ok(roles) => {
            for value in roles {
                if let Ok(role) = serde_json::from_value::<Role>(value) {
                    estate.roles.insert(role.name.clone(), role);
                }
            }
        }
        Err(error) => estate.note(
            parent,
            NoteKind::MissingPolicy,
            None,
            format!(
                "the custom roles of `{parent}` could not be listed ({}), so bindings to them have unknown permissions",
                error.message()
            ),
        ),
    }
}

fn note_unreadable(estate: &mut Estate, name: &str, message: &str) {
    estate.note(
        name,
        NoteKind::UnresolvedReference,
        None,
        format!("`{name}` could not be read ({message}), so its name and parent are unknown"),
    );
}

/// Records that what a folder or organization contains could not be listed: the service
/// accounts of the projects below it are unverified.
fn record_unlisted(estate: &mut Estate, name: &str, error: &crate::live::calls::CallError) {
    record_failure(
        estate,
        name,
        &[(
            CoverageKind::Identities,
            Some(IdentityKind::GcpServiceAccount),
        )],
        error,
    );
    estate.note(
        name,
        NoteKind::LossyInput,
        None,
        format!(
            "the folders and projects below `{name}` could not all be listed ({}), so some projects were not collected",
            error.message()
        ),
    );
}
