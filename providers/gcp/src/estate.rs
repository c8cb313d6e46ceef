//! The data collected from GCP, before translation.
//!
//! The import and the live path both fill an [`Estate`] with the API's own objects, and
//! [`crate::build::build_inventory`] turns it into an inventory, so both paths give the same
//! inventory for the same data. Resources are named the way the source names them
//! (`projects/<id or number>`, `folders/<n>`, `organizations/<n>`); numbers are resolved to
//! project ids when the inventory is built.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use roster_model::{CoverageKind, CoverageStatus, IdentityKind, NoteKind};

use crate::raw::{IamPolicy, Role, ServiceAccount, ServiceAccountKey};

/// Where the data came from; it decides the reasons given for parts not collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Import,
    Live,
}

/// The facts known of a project besides its id.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProjectInfo {
    pub number: Option<String>,
    pub display_name: Option<String>,
    /// `folders/<n>` or `organizations/<n>`.
    pub parent: Option<String>,
}

/// The facts known of a folder or an organization.
#[derive(Debug, Clone, Default)]
pub(crate) struct ContainerInfo {
    pub display_name: Option<String>,
    /// A folder's parent: `folders/<n>` or `organizations/<n>`.
    pub parent: Option<String>,
}

/// A service account named by a key or a policy: its project (id or number) when the name
/// gives one, and its email or unique id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct AccountRef {
    pub project: Option<String>,
    pub account: String,
}

/// A key with the service account it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct KeyEntry {
    pub owner: AccountRef,
    pub key_id: String,
    pub key: ServiceAccountKey,
}

/// The resource an IAM policy is attached to.
#[derive(Debug, Clone)]
pub(crate) enum PolicyResource {
    /// `projects/<id or number>`, `folders/<n>` or `organizations/<n>`.
    Container(String),
    ServiceAccount(AccountRef),
}

#[derive(Debug, Clone)]
pub(crate) struct PolicyEntry {
    pub resource: PolicyResource,
    pub policy: IamPolicy,
    /// The file or API call the policy came from, for notes.
    pub source: String,
}

/// A part of a project that a source collected in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Part {
    ServiceAccounts,
    Keys,
    /// The IAM policy of the project, folder or organization itself.
    Policy,
    /// The IAM policies of a project's service accounts.
    AccountPolicies,
}

/// Last authentication of service accounts and keys, from Policy Analyzer activity.
#[derive(Debug, Clone, Default)]
pub(crate) struct Activity {
    /// By service account unique id or email.
    pub accounts: BTreeMap<String, Timestamp>,
    /// By key id.
    pub keys: BTreeMap<String, Timestamp>,
    /// Projects whose activity was queried in full; usage elsewhere is unknown.
    pub projects: BTreeSet<String>,
}

/// A note to attach to a scope.
#[derive(Debug, Clone)]
pub(crate) struct PendingNote {
    /// `projects/...`, `folders/...` or `organizations/...`.
    pub scope: String,
    pub kind: NoteKind,
    pub subject: Option<String>,
    pub message: String,
}

/// Coverage set explicitly by a collector, for a scope named as in [`PendingNote::scope`].
#[derive(Debug, Clone)]
pub(crate) struct ExplicitCoverage {
    pub scope: String,
    pub kind: CoverageKind,
    pub identity_kind: Option<IdentityKind>,
    pub status: CoverageStatus,
}

/// Everything collected, from any number of files or API calls.
#[derive(Debug)]
pub(crate) struct Estate {
    pub origin: Origin,
    /// By `organizations/<n>`.
    pub organizations: BTreeMap<String, ContainerInfo>,
    /// By `folders/<n>`.
    pub folders: BTreeMap<String, ContainerInfo>,
    /// By project id, or by number when only the number is known.
    pub projects: BTreeMap<String, ProjectInfo>,
    /// Project id by project number.
    pub project_numbers: BTreeMap<String, String>,
    pub service_accounts: Vec<ServiceAccount>,
    pub keys: Vec<KeyEntry>,
    pub policies: Vec<PolicyEntry>,
    /// Predefined and custom roles by name.
    pub roles: BTreeMap<String, Role>,
    /// (scope, part) pairs a source collected in full.
    pub collected: BTreeSet<(String, Part)>,
    /// Service accounts whose keys a source listed in full.
    pub keys_listed: BTreeSet<AccountRef>,
    pub coverage: Vec<ExplicitCoverage>,
    pub activity: Option<Activity>,
    /// Records skipped on purpose: (scope, what) to count.
    pub skipped: BTreeMap<(String, String), usize>,
    pub notes: Vec<PendingNote>,
    pub sources: Vec<String>,
}

impl Estate {
    pub fn new(origin: Origin) -> Self {
        Estate {
            origin,
            organizations: BTreeMap::new(),
            folders: BTreeMap::new(),
            projects: BTreeMap::new(),
            project_numbers: BTreeMap::new(),
            service_accounts: Vec::new(),
            keys: Vec::new(),
            policies: Vec::new(),
            roles: BTreeMap::new(),
            collected: BTreeSet::new(),
            keys_listed: BTreeSet::new(),
            coverage: Vec::new(),
            activity: None,
            skipped: BTreeMap::new(),
            notes: Vec::new(),
            sources: Vec::new(),
        }
    }

    /// Records a project. Facts already known are kept unless the new record has them too.
    pub fn add_project(&mut self, id: &str, info: ProjectInfo) {
        if let Some(number) = &info.number
            && number != id
        {
            self.project_numbers.insert(number.clone(), id.to_owned());
            if let Some(known) = self.projects.remove(number) {
                self.merge_project(id, known);
            }
        }
        self.merge_project(id, info);
    }

    fn merge_project(&mut self, id: &str, info: ProjectInfo) {
        let entry = self.projects.entry(id.to_owned()).or_default();
        entry.number = info.number.or(entry.number.take());
        entry.display_name = info.display_name.or(entry.display_name.take());
        entry.parent = info.parent.or(entry.parent.take());
    }

    /// Records a folder or an organization by resource name.
    pub fn add_container(&mut self, name: &str, info: ContainerInfo) {
        let map = if name.starts_with("folders/") {
            &mut self.folders
        } else {
            &mut self.organizations
        };
        let entry = map.entry(name.to_owned()).or_default();
        entry.display_name = info.display_name.or(entry.display_name.take());
        entry.parent = info.parent.or(entry.parent.take());
    }

    /// Adds everything another estate collected, for example one project of a live scan.
    pub fn absorb(&mut self, other: Estate) {
        for (name, info) in other.organizations.into_iter().chain(other.folders) {
            self.add_container(&name, info);
        }
        for (id, info) in other.projects {
            self.add_project(&id, info);
        }
        self.project_numbers.extend(other.project_numbers);
        self.service_accounts.extend(other.service_accounts);
        self.keys.extend(other.keys);
        self.policies.extend(other.policies);
        self.roles.extend(other.roles);
        self.collected.extend(other.collected);
        self.keys_listed.extend(other.keys_listed);
        self.coverage.extend(other.coverage);
        if let Some(found) = other.activity {
            let activity = self.activity.get_or_insert_with(Activity::default);
            activity.accounts.extend(found.accounts);
            activity.keys.extend(found.keys);
            activity.projects.extend(found.projects);
        }
        for (key, count) in other.skipped {
            *self.skipped.entry(key).or_default() += count;
        }
        self.notes.extend(other.notes);
        self.sources.extend(other.sources);
    }

    pub fn skip(&mut self, scope: &str, what: impl Into<String>) {
        *self
            .skipped
            .entry((scope.to_owned(), what.into()))
            .or_default() += 1;
    }

    pub fn note(&mut self, scope: &str, kind: NoteKind, subject: Option<String>, message: String) {
        self.notes.push(PendingNote {
            scope: scope.to_owned(),
            kind,
            subject,
            message,
        });
    }

    pub fn set_coverage(
        &mut self,
        scope: &str,
        kind: CoverageKind,
        identity_kind: Option<IdentityKind>,
        status: CoverageStatus,
    ) {
        self.coverage.push(ExplicitCoverage {
            scope: scope.to_owned(),
            kind,
            identity_kind,
            status,
        });
    }
}

/// Splits `projects/<p>/serviceAccounts/<account>[/keys/<key>]`, with or without the
/// `//iam.googleapis.com/` prefix, into (project, account, key).
pub(crate) fn split_account_name(name: &str) -> Option<(&str, &str, Option<&str>)> {
    let name = name.strip_prefix("//iam.googleapis.com/").unwrap_or(name);
    let rest = name.strip_prefix("projects/")?;
    let (project, rest) = rest.split_once("/serviceAccounts/")?;
    let (account, key) = match rest.split_once("/keys/") {
        Some((account, key)) => (account, Some(key)),
        None => (rest, None),
    };
    if project.is_empty() || account.is_empty() || key.is_some_and(str::is_empty) {
        return None;
    }
    Some((project, account, key))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn account_names_split() {
        assert_eq!(
            split_account_name("//iam.googleapis.com/projects/p/serviceAccounts/123/keys/abc"),
            Some(("p", "123", Some("abc")))
        );
        assert_eq!(
            split_account_name("projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com"),
            Some(("p", "ci@p.iam.gserviceaccount.com", None))
        );
        assert_eq!(split_account_name("projects/p/roles/x"), None);
        assert_eq!(
            split_account_name("projects/p/serviceAccounts/a/keys/"),
            None
        );
    }

    #[test]
    fn project_known_by_number_merges_into_id() {
        let mut estate = Estate::new(Origin::Import);
        estate.add_project(
            "1043",
            ProjectInfo {
                parent: Some("folders/7".to_owned()),
                ..ProjectInfo::default()
            },
        );
        estate.add_project(
            "project3",
            ProjectInfo {
                number: Some("1043".to_owned()),
                ..ProjectInfo::default()
            },
        );
        assert_eq!(estate.projects.len(), 1);
        let project = &estate.projects["project3"];
        assert_eq!(project.parent.as_deref(), Some("folders/7"));
        assert_eq!(estate.project_numbers["1043"], "project3");
    }
}
