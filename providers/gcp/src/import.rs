//! Reads export files into an [`Estate`]: decompression, format detection, and routing of
//! Cloud Asset Inventory records by asset type.

use std::io::Read as _;
use std::path::Path;

use flate2::read::GzDecoder;
use roster_model::NoteKind;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::detect::{Format, detect_value};
use crate::error::ImportError;
use crate::estate::{
    AccountRef, ContainerInfo, Estate, KeyEntry, Part, PolicyEntry, PolicyResource, ProjectInfo,
    split_account_name,
};
use crate::raw::{
    AssetRecord, Container, IamPolicy, KeyPage, Project, Role, RolePage, ServiceAccount,
    ServiceAccountKey, ServiceAccountPage,
};

const ORGANIZATION: &str = "cloudresourcemanager.googleapis.com/Organization";
const FOLDER: &str = "cloudresourcemanager.googleapis.com/Folder";
const PROJECT: &str = "cloudresourcemanager.googleapis.com/Project";
const SERVICE_ACCOUNT: &str = "iam.googleapis.com/ServiceAccount";
const SERVICE_ACCOUNT_KEY: &str = "iam.googleapis.com/ServiceAccountKey";
const ROLE: &str = "iam.googleapis.com/Role";

/// The file-name ending that names the project of a `gcloud projects get-iam-policy` output.
const POLICY_FILE_SUFFIX: &str = ".iam-policy.json";

/// Reads one file into the estate.
pub(crate) fn load_file(estate: &mut Estate, path: &Path, bytes: &[u8]) -> Result<(), ImportError> {
    let bytes = decompress(path, bytes)?;
    let mut values = JsonValues::new(path, &bytes);
    let first = values.next_value().map_err(|error| match error {
        ImportError::Json { path, line, .. } => ImportError::UnrecognizedFormat {
            path,
            found: format!("not JSON (invalid JSON at line {line})"),
        },
        other => other,
    })?;
    let Some((line, first)) = first else {
        return Err(ImportError::UnrecognizedFormat {
            path: path.to_path_buf(),
            found: "empty".to_owned(),
        });
    };
    if first.as_array().is_some_and(Vec::is_empty) && values.is_done() {
        tracing::info!(path = %path.display(), "empty JSON array: nothing to import");
        return Ok(());
    }

    let format = detect_value(&first);
    tracing::debug!(path = %path.display(), ?format, "detected export format");
    let mut file = FileReader {
        estate,
        path,
        values,
    };
    match format {
        Format::AssetInventory => {
            file.each(line, first, "Cloud Asset Inventory record", route_record)
        }
        Format::ServiceAccounts => file.each(line, first, "service account", add_service_accounts),
        Format::ServiceAccountKeys => file.each(line, first, "service account key", add_keys),
        Format::Roles => file.each(line, first, "role", add_roles),
        Format::Recommendations => file.each(line, first, "recommendation", skip_recommendations),
        Format::IamPolicy => file.each(line, first, "IAM policy", add_project_policy),
        Format::Unrecognized(found) => Err(ImportError::UnrecognizedFormat {
            path: path.to_path_buf(),
            found,
        }),
    }
}

/// Returns the bytes, decompressed when they start with the gzip magic number.
fn decompress<'a>(path: &Path, bytes: &'a [u8]) -> Result<std::borrow::Cow<'a, [u8]>, ImportError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let mut text = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut text)
        .map_err(|source| ImportError::Gzip {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(std::borrow::Cow::Owned(text))
}

/// The JSON values of a file one after another, each with the line it starts on.
struct JsonValues<'a> {
    path: &'a Path,
    bytes: &'a [u8],
    stream: serde_json::StreamDeserializer<'a, serde_json::de::SliceRead<'a>, Value>,
}

impl<'a> JsonValues<'a> {
    fn new(path: &'a Path, bytes: &'a [u8]) -> Self {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        JsonValues {
            path,
            bytes,
            stream: serde_json::Deserializer::from_slice(bytes).into_iter(),
        }
    }

    fn next_value(&mut self) -> Result<Option<(usize, Value)>, ImportError> {
        let start = self.next_start();
        match self.stream.next() {
            None => Ok(None),
            Some(Ok(value)) => Ok(Some((self.line_at(start), value))),
            Some(Err(error)) => Err(ImportError::Json {
                path: self.path.to_path_buf(),
                export: "JSON",
                line: error.line(),
                message: message_without_position(&error),
            }),
        }
    }

    fn is_done(&self) -> bool {
        self.bytes[self.stream.byte_offset()..]
            .iter()
            .all(u8::is_ascii_whitespace)
    }

    /// Returns the offset where the next value starts, after any whitespace.
    fn next_start(&self) -> usize {
        let offset = self.stream.byte_offset();
        self.bytes[offset..]
            .iter()
            .position(|byte| !byte.is_ascii_whitespace())
            .map_or(offset, |skip| offset + skip)
    }

    fn line_at(&self, offset: usize) -> usize {
        1 + self.bytes[..offset.min(self.bytes.len())]
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count()
    }
}

fn message_without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

/// One file being read: its values go to the estate one item at a time.
struct FileReader<'e, 'f> {
    estate: &'e mut Estate,
    path: &'f Path,
    values: JsonValues<'f>,
}

/// The position of a value in its file, for messages: its line and its index in an array.
#[derive(Clone, Copy)]
pub(crate) struct Place {
    pub line: usize,
    pub element: Option<usize>,
}

type Handler = fn(&mut Estate, &Path, Place, Value) -> Result<(), ImportError>;

impl FileReader<'_, '_> {
    /// Hands every item of the file to `handle`: the elements of each top-level array, or
    /// each top-level object.
    fn each(
        &mut self,
        line: usize,
        first: Value,
        export: &'static str,
        handle: Handler,
    ) -> Result<(), ImportError> {
        self.estate.sources.push(self.path.display().to_string());
        let mut next = Some((line, first));
        while let Some((line, value)) = next {
            match value {
                Value::Array(items) => {
                    for (index, item) in items.into_iter().enumerate() {
                        let place = Place {
                            line,
                            element: Some(index + 1),
                        };
                        handle(self.estate, self.path, place, item)?;
                    }
                }
                other => handle(
                    self.estate,
                    self.path,
                    Place {
                        line,
                        element: None,
                    },
                    other,
                )?,
            }
            next = self.values.next_value().map_err(|error| match error {
                ImportError::Json {
                    path,
                    line,
                    message,
                    ..
                } => ImportError::Json {
                    path,
                    export,
                    line,
                    message,
                },
                other => other,
            })?;
        }
        Ok(())
    }
}

/// Deserializes a value into an API type, naming the place on failure.
pub(crate) fn typed<T: DeserializeOwned>(
    path: &Path,
    place: Place,
    export: &'static str,
    value: Value,
) -> Result<T, ImportError> {
    serde_json::from_value(value).map_err(|error| ImportError::Json {
        path: path.to_path_buf(),
        export,
        line: place.line,
        message: match place.element {
            Some(element) => format!("element {element}: {error}"),
            None => error.to_string(),
        },
    })
}

fn invalid(
    path: &Path,
    place: Place,
    field: &'static str,
    value: &str,
    reason: &str,
) -> ImportError {
    ImportError::InvalidValue {
        path: path.to_path_buf(),
        line: place.line,
        field,
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

// ---------------------------------------------------------------- Cloud Asset Inventory

fn route_record(
    estate: &mut Estate,
    path: &Path,
    place: Place,
    value: Value,
) -> Result<(), ImportError> {
    let record: AssetRecord = typed(path, place, "Cloud Asset Inventory record", value)?;
    let scope = record_scope(&record);
    let mut used = false;

    if let Some(data) = record
        .resource
        .as_ref()
        .and_then(|resource| resource.data.clone())
    {
        used |= add_resource(estate, path, place, &record, data)?;
    }
    if let Some(policy) = record.iam_policy.clone() {
        used |= add_record_policy(estate, path, place, &record, policy)?;
    }
    if !used {
        estate.skip(
            &scope,
            format!("{} ({})", record.asset_type, content_of(&record)),
        );
    }
    Ok(())
}

/// Names the content of a skipped record: resource, IAM policy, or another content type.
fn content_of(record: &AssetRecord) -> &'static str {
    match (&record.resource, &record.iam_policy) {
        (Some(_), _) => "resource",
        (None, Some(_)) => "IAM policy",
        (None, None) => "other content",
    }
}

/// Returns the resource name of the project, folder or organization a record belongs to.
fn record_scope(record: &AssetRecord) -> String {
    if let Some(container) = container_name(&record.name) {
        return container.to_owned();
    }
    if let Some(nearest) = record.ancestors.first() {
        return nearest.clone();
    }
    if let Some(parent) = record
        .resource
        .as_ref()
        .and_then(|resource| resource.parent.as_deref())
        .and_then(container_name)
    {
        return parent.to_owned();
    }
    project_in_name(&record.name).map_or_else(
        || "unknown".to_owned(),
        |project| format!("projects/{project}"),
    )
}

/// Returns `projects/<p>`, `folders/<n>` or `organizations/<n>` when a full resource name
/// names exactly that Resource Manager resource.
fn container_name(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("//cloudresourcemanager.googleapis.com/")?;
    let (kind, id) = rest.split_once('/')?;
    let known = matches!(kind, "projects" | "folders" | "organizations");
    (known && !id.is_empty() && !id.contains('/')).then_some(rest)
}

/// Returns the project segment of a full resource name such as
/// `//bigquery.googleapis.com/projects/p/datasets/d`.
fn project_in_name(name: &str) -> Option<&str> {
    let (_, rest) = name.split_once("/projects/")?;
    rest.split('/').next().filter(|project| !project.is_empty())
}

/// Adds the resource content of a record; returns false for asset types that are skipped.
fn add_resource(
    estate: &mut Estate,
    path: &Path,
    place: Place,
    record: &AssetRecord,
    data: Value,
) -> Result<bool, ImportError> {
    match record.asset_type.as_str() {
        ORGANIZATION | FOLDER => {
            let container: Container = typed(path, place, "folder or organization", data)?;
            let Some(name) = container_name(&record.name) else {
                return Err(invalid(
                    path,
                    place,
                    "resource name",
                    &record.name,
                    "expected `//cloudresourcemanager.googleapis.com/folders/<n>` or `.../organizations/<n>`",
                ));
            };
            let parent = container.parent.or_else(|| parent_container(record));
            estate.add_container(
                name,
                ContainerInfo {
                    display_name: container.display_name,
                    parent,
                },
            );
        }
        PROJECT => {
            let project: Project = typed(path, place, "project", data)?;
            add_project(estate, record, project);
        }
        SERVICE_ACCOUNT => {
            let account: ServiceAccount = typed(path, place, "service account", data)?;
            let project = account
                .project_id
                .clone()
                .or_else(|| project_in_name(&record.name).map(str::to_owned));
            let Some(project) = project else {
                return Err(invalid(
                    path,
                    place,
                    "service account",
                    &account.email,
                    "neither `projectId` nor the record name names its project",
                ));
            };
            estate
                .collected
                .insert((format!("projects/{project}"), Part::ServiceAccounts));
            learn_compute_number(estate, &project, &account.email);
            estate.service_accounts.push(ServiceAccount {
                project_id: Some(project),
                ..account
            });
        }
        SERVICE_ACCOUNT_KEY => {
            let key: ServiceAccountKey = typed(path, place, "service account key", data)?;
            let name = key.name.clone().unwrap_or_else(|| record.name.clone());
            add_key(estate, path, place, &name, key)?;
        }
        ROLE => {
            let role: Role = typed(path, place, "role", data)?;
            estate.roles.insert(role.name.clone(), role);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Returns the folder or organization a record's `resource.parent` names.
fn parent_container(record: &AssetRecord) -> Option<String> {
    let parent = record.resource.as_ref()?.parent.as_deref()?;
    container_name(parent)
        .filter(|name| !name.starts_with("projects/"))
        .map(str::to_owned)
}

fn add_project(estate: &mut Estate, record: &AssetRecord, project: Project) {
    let number_in_name = container_name(&record.name)
        .and_then(|name| name.strip_prefix("projects/"))
        .map(str::to_owned);
    let number = project
        .project_number
        .clone()
        .or_else(|| {
            project
                .name
                .as_deref()
                .and_then(|name| name.strip_prefix("projects/"))
                .map(str::to_owned)
        })
        .or(number_in_name.clone());
    let id = project
        .project_id
        .clone()
        .or(number_in_name)
        .or_else(|| number.clone());
    let Some(id) = id else {
        return;
    };
    let display_name = project.display_name.clone().or_else(|| {
        project
            .name
            .clone()
            .filter(|name| !name.starts_with("projects/"))
    });
    let parent = project
        .parent
        .as_ref()
        .map(crate::raw::ParentRef::resource_name)
        .or_else(|| parent_container(record));
    estate.add_project(
        &id,
        ProjectInfo {
            number,
            display_name,
            parent,
        },
    );
}

/// Learns a project number from the Compute Engine default service account's email, which
/// carries the number of the project whose id the account record gives.
fn learn_compute_number(estate: &mut Estate, project: &str, email: &str) {
    if let crate::member::EmailHome::ComputeDefault(number) = crate::member::email_home(email) {
        estate.add_project(
            project,
            ProjectInfo {
                number: Some(number),
                ..ProjectInfo::default()
            },
        );
    }
}

fn add_record_policy(
    estate: &mut Estate,
    path: &Path,
    place: Place,
    record: &AssetRecord,
    policy: IamPolicy,
) -> Result<bool, ImportError> {
    let resource = match record.asset_type.as_str() {
        ORGANIZATION | FOLDER | PROJECT => {
            let Some(name) = container_name(&record.name) else {
                return Err(invalid(
                    path,
                    place,
                    "resource name",
                    &record.name,
                    "expected `//cloudresourcemanager.googleapis.com/<projects|folders|organizations>/<id>`",
                ));
            };
            estate.collected.insert((name.to_owned(), Part::Policy));
            if name.starts_with("projects/") {
                // An export of IAM policies contains every policy below the export's root,
                // the service accounts' ones included.
                estate
                    .collected
                    .insert((name.to_owned(), Part::AccountPolicies));
            }
            PolicyResource::Container(name.to_owned())
        }
        SERVICE_ACCOUNT => {
            let Some((project, account, None)) = split_account_name(&record.name) else {
                return Err(invalid(
                    path,
                    place,
                    "service account name",
                    &record.name,
                    "expected `//iam.googleapis.com/projects/<p>/serviceAccounts/<account>`",
                ));
            };
            estate
                .collected
                .insert((format!("projects/{project}"), Part::AccountPolicies));
            PolicyResource::ServiceAccount(AccountRef {
                project: Some(project.to_owned()),
                account: account.to_owned(),
            })
        }
        _ => return Ok(false),
    };
    estate.policies.push(PolicyEntry {
        resource,
        policy,
        source: path.display().to_string(),
    });
    Ok(true)
}

// ---------------------------------------------------------------- gcloud and API outputs

fn add_service_accounts(
    estate: &mut Estate,
    path: &Path,
    place: Place,
    value: Value,
) -> Result<(), ImportError> {
    let accounts = if value.get("accounts").is_some() || value.get("email").is_none() {
        typed::<ServiceAccountPage>(path, place, "service account list", value)?.accounts
    } else {
        vec![typed::<ServiceAccount>(
            path,
            place,
            "service account",
            value,
        )?]
    };
    for account in accounts {
        let project = account.project_id.clone().or_else(|| {
            account
                .name
                .as_deref()
                .and_then(split_account_name)
                .map(|(project, _, _)| project.to_owned())
        });
        let Some(project) = project else {
            return Err(invalid(
                path,
                place,
                "service account",
                &account.email,
                "neither `projectId` nor `name` names its project",
            ));
        };
        estate
            .collected
            .insert((format!("projects/{project}"), Part::ServiceAccounts));
        learn_compute_number(estate, &project, &account.email);
        estate.service_accounts.push(ServiceAccount {
            project_id: Some(project),
            ..account
        });
    }
    Ok(())
}

fn add_keys(
    estate: &mut Estate,
    path: &Path,
    place: Place,
    value: Value,
) -> Result<(), ImportError> {
    let keys = if value.get("keys").is_some() {
        typed::<KeyPage>(path, place, "service account key list", value)?.keys
    } else {
        vec![typed::<ServiceAccountKey>(
            path,
            place,
            "service account key",
            value,
        )?]
    };
    for key in keys {
        let Some(name) = key.name.clone() else {
            let reason = "the key has no `name`, so its service account is unknown";
            return Err(ImportError::Json {
                path: path.to_path_buf(),
                export: "service account key",
                line: place.line,
                message: match place.element {
                    Some(element) => format!("element {element}: {reason}"),
                    None => reason.to_owned(),
                },
            });
        };
        let owner = add_key(estate, path, place, &name, key)?;
        estate.keys_listed.insert(owner);
    }
    Ok(())
}

/// Adds a key named `projects/<p>/serviceAccounts/<account>/keys/<id>` and returns its owner.
fn add_key(
    estate: &mut Estate,
    path: &Path,
    place: Place,
    name: &str,
    key: ServiceAccountKey,
) -> Result<AccountRef, ImportError> {
    let Some((project, account, Some(key_id))) = split_account_name(name) else {
        return Err(invalid(
            path,
            place,
            "service account key name",
            name,
            "expected `projects/<p>/serviceAccounts/<account>/keys/<key-id>`",
        ));
    };
    let owner = AccountRef {
        project: Some(project.to_owned()),
        account: account.to_owned(),
    };
    estate
        .collected
        .insert((format!("projects/{project}"), Part::Keys));
    estate.keys.push(KeyEntry {
        owner: owner.clone(),
        key_id: key_id.to_owned(),
        key,
    });
    Ok(owner)
}

fn add_roles(
    estate: &mut Estate,
    path: &Path,
    place: Place,
    value: Value,
) -> Result<(), ImportError> {
    let roles = if value.get("roles").is_some() {
        typed::<RolePage>(path, place, "role list", value)?.roles
    } else {
        vec![typed::<Role>(path, place, "role", value)?]
    };
    for role in roles {
        estate.roles.insert(role.name.clone(), role);
    }
    Ok(())
}

/// Counts IAM recommendations, which describe what a member did not use and grant nothing.
fn skip_recommendations(
    estate: &mut Estate,
    _path: &Path,
    _place: Place,
    value: Value,
) -> Result<(), ImportError> {
    let items = match value.get("recommendations") {
        Some(Value::Array(items)) => items.clone(),
        _ => vec![value],
    };
    for item in items {
        let scope = item
            .pointer("/content/operationGroups/0/operations/0/resource")
            .and_then(Value::as_str)
            .and_then(container_name)
            .unwrap_or("unknown")
            .to_owned();
        // NOTE: IAM Recommender reports the roles a member left unused during its
        // observation window. That is permission usage, which Roster does not model yet.
        estate.skip(&scope, "IAM recommendation");
    }
    Ok(())
}

fn add_project_policy(
    estate: &mut Estate,
    path: &Path,
    place: Place,
    value: Value,
) -> Result<(), ImportError> {
    let policy: IamPolicy = typed(path, place, "IAM policy", value)?;
    let Some(project) = project_of_policy_file(path) else {
        return Err(ImportError::PolicyWithoutProject {
            path: path.to_path_buf(),
        });
    };
    let scope = format!("projects/{project}");
    estate.collected.insert((scope.clone(), Part::Policy));
    estate.add_project(&project, ProjectInfo::default());
    estate.note(
        &scope,
        NoteKind::Skipped,
        None,
        format!(
            "the project of `{}` was taken from its file name, because `gcloud projects get-iam-policy` output does not name it",
            path.display()
        ),
    );
    estate.policies.push(PolicyEntry {
        resource: PolicyResource::Container(scope),
        policy,
        source: path.display().to_string(),
    });
    Ok(())
}

/// Returns the project a file named `<project-id>.iam-policy.json` is about.
fn project_of_policy_file(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let project = name.strip_suffix(POLICY_FILE_SUFFIX)?;
    (!project.is_empty()).then(|| project.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::estate::Origin;

    fn load(name: &str, text: &str) -> Result<Estate, ImportError> {
        let mut estate = Estate::new(Origin::Import);
        load_file(&mut estate, Path::new(name), text.as_bytes())?;
        Ok(estate)
    }

    #[test]
    fn json_lines_route_by_asset_type() {
        let text = concat!(
            r#"{"name": "//iam.googleapis.com/projects/p/serviceAccounts/1", "asset_type": "iam.googleapis.com/ServiceAccount", "resource": {"data": {"email": "a@p.iam.gserviceaccount.com", "projectId": "p", "uniqueId": "1"}}}"#,
            "\n",
            r#"{"name": "//compute.googleapis.com/projects/p/zones/z/disks/d", "asset_type": "compute.googleapis.com/Disk", "resource": {"data": {}}}"#,
            "\n",
        );
        let estate = load("export.jsonl", text).unwrap();
        assert_eq!(estate.service_accounts.len(), 1);
        assert_eq!(
            estate.skipped[&(
                "projects/p".to_owned(),
                "compute.googleapis.com/Disk (resource)".to_owned()
            )],
            1
        );
    }

    #[test]
    fn bad_record_names_its_line() {
        let text = "{\"name\": \"//x\", \"asset_type\": \"a\"}\n{\"asset_type\": \"b\"}\n";
        let error = load("export.jsonl", text).unwrap_err().to_string();
        assert_eq!(
            error,
            "export.jsonl:2: invalid Cloud Asset Inventory record: missing field `name`"
        );
    }

    #[test]
    fn policy_file_takes_project_from_name() {
        let text = r#"{"bindings": [{"role": "roles/viewer", "members": ["user:a@example.com"]}], "etag": "BwX=", "version": 1}"#;
        let estate = load("dumps/acme-prod.iam-policy.json", text).unwrap();
        assert!(
            matches!(&estate.policies[0].resource, PolicyResource::Container(name) if name == "projects/acme-prod")
        );

        let error = load("policy.json", text).unwrap_err().to_string();
        assert!(
            error.contains("save it as `<project-id>.iam-policy.json`"),
            "{error}"
        );
    }

    #[test]
    fn gzip_input_is_decompressed() {
        use std::io::Write as _;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder
            .write_all(br#"[{"name": "roles/viewer", "includedPermissions": ["resourcemanager.projects.get"]}]"#)
            .unwrap();
        let bytes = encoder.finish().unwrap();
        let mut estate = Estate::new(Origin::Import);
        load_file(&mut estate, Path::new("roles.json.gz"), &bytes).unwrap();
        assert_eq!(estate.roles["roles/viewer"].included_permissions.len(), 1);
    }

    #[test]
    fn unrecognized_file_is_rejected() {
        let error = load("notes.json", r#"{"UserDetailList": []}"#)
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("`notes.json` is not a GCP IAM export: it is a JSON object with the keys `UserDetailList`"), "{error}");
    }

    #[test]
    fn empty_array_imports_nothing() {
        let estate = load("accounts.json", "[]\n").unwrap();
        assert!(estate.service_accounts.is_empty());
    }
}
