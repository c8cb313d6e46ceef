//! The environments of scopes.
//!
//! An environment lists scopes per provider (`environments.prod.aws.accounts`, ...). A live
//! scope is found in those lists by its kind and native id:
//!
//! - AWS accounts compare exactly.
//! - GCP organizations, folders and projects compare without their `organizations/`,
//!   `folders/` or `projects/` prefix, so `projects/acme-prod` and `acme-prod` are one project.
//! - Azure ids compare without regard to case. Subscriptions may be written bare or as
//!   `/subscriptions/<id>`, management groups bare or as ARM ids, resource groups as
//!   `<subscription>/<name>` or as ARM ids.
//! - Slack workspaces and Enterprise Grid organizations compare exactly, both from
//!   `slack.workspaces`.
//! - A Kubernetes namespace (`cluster/namespace`) is looked up in `kubernetes.namespaces`
//!   first, then its cluster in `kubernetes.clusters`.
//!
//! A scope that is not listed inherits the environment of its parent: a GCP project that of
//! its folder or organization, an Azure resource group that of its subscription. The
//! [`Roster::environment_of_scope_in`] form walks the whole parent chain through a lookup the
//! caller gives, while [`Roster::environment_of_scope`] follows only the scope's own `parent`.

use std::fmt;

use roster_model::{ProviderId, Scope, ScopeId, ScopeKind};

use crate::types::{EnvironmentScopes, Roster};

/// The maximum length of a parent chain followed. Real hierarchies are a few levels deep, and
/// the bound stops a lookup that loops.
const MAX_PARENT_DEPTH: usize = 32;

/// One of the scope lists of an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScopeList {
    AwsAccounts,
    GcpOrganizations,
    GcpFolders,
    GcpProjects,
    AzureTenants,
    AzureManagementGroups,
    AzureSubscriptions,
    AzureResourceGroups,
    SlackWorkspaces,
    KubernetesClusters,
    KubernetesNamespaces,
}

impl ScopeList {
    pub const ALL: [ScopeList; 11] = [
        ScopeList::AwsAccounts,
        ScopeList::GcpOrganizations,
        ScopeList::GcpFolders,
        ScopeList::GcpProjects,
        ScopeList::AzureTenants,
        ScopeList::AzureManagementGroups,
        ScopeList::AzureSubscriptions,
        ScopeList::AzureResourceGroups,
        ScopeList::SlackWorkspaces,
        ScopeList::KubernetesClusters,
        ScopeList::KubernetesNamespaces,
    ];

    /// Returns the path of the list inside an environment, for example `aws.accounts`.
    pub fn field_path(self) -> &'static str {
        match self {
            ScopeList::AwsAccounts => "aws.accounts",
            ScopeList::GcpOrganizations => "gcp.organizations",
            ScopeList::GcpFolders => "gcp.folders",
            ScopeList::GcpProjects => "gcp.projects",
            ScopeList::AzureTenants => "azure.tenants",
            ScopeList::AzureManagementGroups => "azure.management_groups",
            ScopeList::AzureSubscriptions => "azure.subscriptions",
            ScopeList::AzureResourceGroups => "azure.resource_groups",
            ScopeList::SlackWorkspaces => "slack.workspaces",
            ScopeList::KubernetesClusters => "kubernetes.clusters",
            ScopeList::KubernetesNamespaces => "kubernetes.namespaces",
        }
    }

    pub fn provider(self) -> ProviderId {
        match self {
            ScopeList::AwsAccounts => ProviderId::Aws,
            ScopeList::GcpOrganizations | ScopeList::GcpFolders | ScopeList::GcpProjects => {
                ProviderId::Gcp
            }
            ScopeList::AzureTenants
            | ScopeList::AzureManagementGroups
            | ScopeList::AzureSubscriptions
            | ScopeList::AzureResourceGroups => ProviderId::Azure,
            ScopeList::SlackWorkspaces => ProviderId::Slack,
            ScopeList::KubernetesClusters | ScopeList::KubernetesNamespaces => {
                ProviderId::Kubernetes
            }
        }
    }

    /// Returns the list that contains scopes of this kind.
    pub fn for_kind(kind: ScopeKind) -> ScopeList {
        match kind {
            ScopeKind::AwsAccount => ScopeList::AwsAccounts,
            ScopeKind::GcpOrganization => ScopeList::GcpOrganizations,
            ScopeKind::GcpFolder => ScopeList::GcpFolders,
            ScopeKind::GcpProject => ScopeList::GcpProjects,
            ScopeKind::AzureTenant => ScopeList::AzureTenants,
            ScopeKind::AzureManagementGroup => ScopeList::AzureManagementGroups,
            ScopeKind::AzureSubscription => ScopeList::AzureSubscriptions,
            ScopeKind::AzureResourceGroup => ScopeList::AzureResourceGroups,
            ScopeKind::SlackWorkspace | ScopeKind::SlackOrg => ScopeList::SlackWorkspaces,
            ScopeKind::K8sCluster => ScopeList::KubernetesClusters,
            ScopeKind::K8sNamespace => ScopeList::KubernetesNamespaces,
        }
    }

    /// Returns the form in which two entries of this list are compared.
    pub(crate) fn canonical(self, text: &str) -> String {
        match self.provider() {
            ProviderId::Gcp => gcp_bare_id(text).to_owned(),
            ProviderId::Azure => azure_canonical(self, text),
            _ => text.to_owned(),
        }
    }
}

impl fmt::Display for ScopeList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field_path())
    }
}

/// A scope entry of an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclaredScope<'a> {
    pub environment: &'a str,
    pub list: ScopeList,
    /// The position of the entry in its list.
    pub index: usize,
    /// The entry as written.
    pub value: &'a str,
}

impl EnvironmentScopes {
    /// Returns one scope list, empty when the environment does not give it.
    pub fn list(&self, list: ScopeList) -> &[String] {
        let entries = match list {
            ScopeList::AwsAccounts => self.aws.as_ref().map(|aws| &aws.accounts),
            ScopeList::GcpOrganizations => self.gcp.as_ref().map(|gcp| &gcp.organizations),
            ScopeList::GcpFolders => self.gcp.as_ref().map(|gcp| &gcp.folders),
            ScopeList::GcpProjects => self.gcp.as_ref().map(|gcp| &gcp.projects),
            ScopeList::AzureTenants => self.azure.as_ref().map(|azure| &azure.tenants),
            ScopeList::AzureManagementGroups => {
                self.azure.as_ref().map(|azure| &azure.management_groups)
            }
            ScopeList::AzureSubscriptions => self.azure.as_ref().map(|azure| &azure.subscriptions),
            ScopeList::AzureResourceGroups => {
                self.azure.as_ref().map(|azure| &azure.resource_groups)
            }
            ScopeList::SlackWorkspaces => self.slack.as_ref().map(|slack| &slack.workspaces),
            ScopeList::KubernetesClusters => self
                .kubernetes
                .as_ref()
                .map(|kubernetes| &kubernetes.clusters),
            ScopeList::KubernetesNamespaces => self
                .kubernetes
                .as_ref()
                .map(|kubernetes| &kubernetes.namespaces),
        };
        entries.map_or(&[], Vec::as_slice)
    }

    /// Iterates over every scope entry as (list, index in the list, value), list by list.
    pub fn entries(&self) -> impl Iterator<Item = (ScopeList, usize, &str)> {
        ScopeList::ALL.into_iter().flat_map(move |list| {
            self.list(list)
                .iter()
                .enumerate()
                .map(move |(index, value)| (list, index, value.as_str()))
        })
    }
}

impl Roster {
    /// Iterates over every scope entry of every environment, environments in name order.
    pub fn declared_scopes(&self) -> impl Iterator<Item = DeclaredScope<'_>> {
        self.environments.iter().flat_map(|(environment, scopes)| {
            scopes
                .entries()
                .map(move |(list, index, value)| DeclaredScope {
                    environment,
                    list,
                    index,
                    value,
                })
        })
    }

    /// Returns the environment a scope belongs to: its own entry, or else that of its
    /// `parent` (one level). See the module documentation for how ids compare.
    pub fn environment_of_scope(&self, scope: &Scope) -> Option<&str> {
        self.environment_of_scope_in(scope, |_| None)
    }

    /// Returns the environment a scope belongs to, walking up the parent chain. `lookup`
    /// finds a parent scope by id (for example in the inventory). A parent that `lookup`
    /// does not know is still matched by its id.
    pub fn environment_of_scope_in<'s>(
        &self,
        scope: &Scope,
        lookup: impl Fn(&ScopeId) -> Option<&'s Scope>,
    ) -> Option<&str> {
        let mut current = scope;

        for _ in 0..MAX_PARENT_DEPTH {
            if let Some(found) = self.scope_declaration(current) {
                return Some(found.environment);
            }
            let parent_id = current.parent.as_ref()?;
            let Some(parent) = lookup(parent_id) else {
                return self.environment_of_scope_id(parent_id);
            };
            current = parent;
        }

        None
    }

    /// Returns the environment of a scope known only by id. Without a kind, the id decides:
    /// a GCP id is a project unless it starts with `folders/` or `organizations/`, an Azure id
    /// is looked up in every Azure list, and a Kubernetes id with a `/` is a namespace.
    pub fn environment_of_scope_id(&self, id: &ScopeId) -> Option<&str> {
        let (prefix, native) = id.as_str().split_once(':')?;
        let provider: ProviderId = prefix.parse().ok()?;

        candidate_lists(provider, native)
            .into_iter()
            .find_map(|(list, text)| self.find_entry(list, text))
            .map(|found| found.environment)
    }

    /// Finds the environment entry that declares exactly this scope (no parent lookup).
    pub fn scope_declaration(&self, scope: &Scope) -> Option<DeclaredScope<'_>> {
        let list = ScopeList::for_kind(scope.kind);
        if let Some(found) = self.find_entry(list, &scope.native_id) {
            return Some(found);
        }

        if scope.kind != ScopeKind::K8sNamespace {
            return None;
        }
        let (cluster, _) = scope.native_id.split_once('/')?;
        self.find_entry(ScopeList::KubernetesClusters, cluster)
    }

    fn find_entry(&self, list: ScopeList, text: &str) -> Option<DeclaredScope<'_>> {
        let expected = list.canonical(text);
        self.environments.iter().find_map(|(environment, scopes)| {
            scopes
                .list(list)
                .iter()
                .position(|value| list.canonical(value) == expected)
                .map(|index| DeclaredScope {
                    environment,
                    list,
                    index,
                    value: &scopes.list(list)[index],
                })
        })
    }
}

/// Returns the lists a scope id of this provider may be declared in, most specific first.
fn candidate_lists(provider: ProviderId, native: &str) -> Vec<(ScopeList, &str)> {
    match provider {
        ProviderId::Aws => vec![(ScopeList::AwsAccounts, native)],
        ProviderId::Gcp if native.starts_with("organizations/") => {
            vec![(ScopeList::GcpOrganizations, native)]
        }
        ProviderId::Gcp if native.starts_with("folders/") => vec![(ScopeList::GcpFolders, native)],
        ProviderId::Gcp => vec![(ScopeList::GcpProjects, native)],
        ProviderId::Azure => vec![
            (ScopeList::AzureResourceGroups, native),
            (ScopeList::AzureSubscriptions, native),
            (ScopeList::AzureManagementGroups, native),
            (ScopeList::AzureTenants, native),
        ],
        ProviderId::Slack => vec![(ScopeList::SlackWorkspaces, native)],
        ProviderId::Kubernetes => match native.split_once('/') {
            Some((cluster, _)) => vec![
                (ScopeList::KubernetesNamespaces, native),
                (ScopeList::KubernetesClusters, cluster),
            ],
            None => vec![(ScopeList::KubernetesClusters, native)],
        },
    }
}

/// Strips the resource-name prefix of a GCP organization, folder or project id.
pub(crate) fn gcp_bare_id(text: &str) -> &str {
    ["organizations/", "folders/", "projects/"]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .unwrap_or(text)
}

/// Compares two scope native ids the way the provider does: Azure ids without regard to
/// case, GCP ids without their prefix, others exactly.
pub(crate) fn same_scope_text(provider: ProviderId, left: &str, right: &str) -> bool {
    match provider {
        ProviderId::Azure => left.eq_ignore_ascii_case(right),
        ProviderId::Gcp => gcp_bare_id(left) == gcp_bare_id(right),
        _ => left == right,
    }
}

/// Lowercases an Azure id and strips the ARM prefix of its list, so that a bare id and an
/// ARM id of the same scope compare equal. Resource groups become `<subscription>/<name>`.
fn azure_canonical(list: ScopeList, text: &str) -> String {
    let lower = text.trim_end_matches('/').to_ascii_lowercase();
    match list {
        ScopeList::AzureSubscriptions => lower
            .strip_prefix("/subscriptions/")
            .unwrap_or(&lower)
            .to_owned(),
        ScopeList::AzureManagementGroups => lower
            .strip_prefix("/providers/microsoft.management/managementgroups/")
            .unwrap_or(&lower)
            .to_owned(),
        ScopeList::AzureResourceGroups => {
            let Some(rest) = lower.strip_prefix("/subscriptions/") else {
                return lower;
            };
            match rest.split_once("/resourcegroups/") {
                Some((subscription, name)) => format!("{subscription}/{name}"),
                None => rest.to_owned(),
            }
        }
        _ => lower,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use super::*;
    use crate::types::{AwsScopes, AzureScopes, GcpScopes, KubernetesScopes, SlackScopes};

    fn roster() -> Roster {
        let prod = EnvironmentScopes {
            aws: Some(AwsScopes {
                accounts: vec!["111122223333".to_owned()],
            }),
            gcp: Some(GcpScopes {
                folders: vec!["folders/555".to_owned()],
                projects: vec!["acme-prod".to_owned()],
                ..GcpScopes::default()
            }),
            azure: Some(AzureScopes {
                subscriptions: vec!["/subscriptions/AAAA-1111".to_owned()],
                ..AzureScopes::default()
            }),
            slack: Some(SlackScopes {
                workspaces: vec!["T0123".to_owned()],
            }),
            kubernetes: Some(KubernetesScopes {
                clusters: vec!["prod-eu".to_owned()],
                namespaces: vec![],
            }),
        };
        let dev = EnvironmentScopes {
            gcp: Some(GcpScopes {
                organizations: vec!["777".to_owned()],
                ..GcpScopes::default()
            }),
            azure: Some(AzureScopes {
                resource_groups: vec!["aaaa-1111/sandbox".to_owned()],
                ..AzureScopes::default()
            }),
            kubernetes: Some(KubernetesScopes {
                clusters: vec![],
                namespaces: vec!["prod-eu/sandbox".to_owned()],
            }),
            ..EnvironmentScopes::default()
        };
        Roster {
            version: 1,
            environments: BTreeMap::from([("prod".to_owned(), prod), ("dev".to_owned(), dev)]),
            ..Roster::default()
        }
    }

    fn scope_id(text: &str) -> ScopeId {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).unwrap()
    }

    fn scope(provider: ProviderId, kind: ScopeKind, native: &str) -> Scope {
        Scope::new(provider, kind, native)
    }

    #[test]
    fn aws_account_maps_to_environment() {
        let roster = roster();
        let account = scope(ProviderId::Aws, ScopeKind::AwsAccount, "111122223333");
        assert_eq!(roster.environment_of_scope(&account), Some("prod"));
        let other = scope(ProviderId::Aws, ScopeKind::AwsAccount, "444455556666");
        assert_eq!(roster.environment_of_scope(&other), None);
    }

    #[test]
    fn scope_id_maps_to_environment() {
        let roster = roster();
        let lookup = |id: &str| roster.environment_of_scope_id(&scope_id(id));
        assert_eq!(lookup("aws:111122223333"), Some("prod"));
        assert_eq!(lookup("gcp:acme-prod"), Some("prod"));
        assert_eq!(lookup("gcp:projects/acme-prod"), Some("prod"));
        assert_eq!(lookup("gcp:folders/555"), Some("prod"));
        assert_eq!(lookup("gcp:organizations/777"), Some("dev"));
        assert_eq!(lookup("azure:aaaa-1111"), Some("prod"));
        assert_eq!(
            lookup("azure:/subscriptions/aaaa-1111/resourceGroups/Sandbox"),
            Some("dev")
        );
        assert_eq!(lookup("slack:T0123"), Some("prod"));
        assert_eq!(lookup("k8s:prod-eu"), Some("prod"));
        assert_eq!(lookup("k8s:prod-eu/sandbox"), Some("dev"));
        assert_eq!(lookup("k8s:prod-eu/payments"), Some("prod"));
        assert_eq!(lookup("nowhere:x"), None);
    }

    #[test]
    fn gcp_project_inherits_folder_environment() {
        let roster = roster();
        let mut project = scope(ProviderId::Gcp, ScopeKind::GcpProject, "acme-data");
        project.parent = Some(ScopeId::new(ProviderId::Gcp, "folders/555"));
        assert_eq!(roster.environment_of_scope(&project), Some("prod"));
    }

    #[test]
    fn gcp_parent_chain_is_walked_through_lookup() {
        let roster = roster();
        let mut folder = scope(ProviderId::Gcp, ScopeKind::GcpFolder, "folders/900");
        folder.parent = Some(ScopeId::new(ProviderId::Gcp, "organizations/777"));
        let mut project = scope(ProviderId::Gcp, ScopeKind::GcpProject, "acme-lab");
        project.parent = Some(folder.id.clone());

        let without_chain = roster.environment_of_scope(&project);
        let with_chain =
            roster.environment_of_scope_in(&project, |id| (*id == folder.id).then_some(&folder));
        assert_eq!(without_chain, None);
        assert_eq!(with_chain, Some("dev"));
    }

    #[test]
    fn looping_parent_chain_ends() {
        let roster = roster();
        let mut folder = scope(ProviderId::Gcp, ScopeKind::GcpFolder, "folders/901");
        folder.parent = Some(folder.id.clone());
        let found = roster.environment_of_scope_in(&folder, |_| Some(&folder));
        assert_eq!(found, None);
    }

    #[test]
    fn kubernetes_namespace_prefers_namespace_entry() {
        let roster = roster();
        let sandbox = scope(
            ProviderId::Kubernetes,
            ScopeKind::K8sNamespace,
            "prod-eu/sandbox",
        );
        let payments = scope(
            ProviderId::Kubernetes,
            ScopeKind::K8sNamespace,
            "prod-eu/payments",
        );
        assert_eq!(roster.environment_of_scope(&sandbox), Some("dev"));
        assert_eq!(roster.environment_of_scope(&payments), Some("prod"));
    }

    #[test]
    fn azure_ids_compare_without_case_or_prefix() {
        let roster = roster();
        let subscription = scope(ProviderId::Azure, ScopeKind::AzureSubscription, "AAAA-1111");
        let found = roster.scope_declaration(&subscription).unwrap();
        assert_eq!(found.environment, "prod");
        assert_eq!(found.list, ScopeList::AzureSubscriptions);
        assert_eq!(found.value, "/subscriptions/AAAA-1111");
    }

    #[test]
    fn declared_scopes_lists_every_entry() {
        let roster = roster();
        let entries: Vec<String> = roster
            .declared_scopes()
            .map(|entry| format!("{}:{}:{}", entry.environment, entry.list, entry.value))
            .collect();
        assert_eq!(
            entries,
            [
                "dev:gcp.organizations:777",
                "dev:azure.resource_groups:aaaa-1111/sandbox",
                "dev:kubernetes.namespaces:prod-eu/sandbox",
                "prod:aws.accounts:111122223333",
                "prod:gcp.folders:folders/555",
                "prod:gcp.projects:acme-prod",
                "prod:azure.subscriptions:/subscriptions/AAAA-1111",
                "prod:slack.workspaces:T0123",
                "prod:kubernetes.clusters:prod-eu",
            ]
        );
    }
}
