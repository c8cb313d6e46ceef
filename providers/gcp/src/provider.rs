//! The GCP entry of the provider registry.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use roster_model::{IdentityKind, Inventory, ProviderId};
use roster_provider::{Collection, Collector, Progress, Provider, ProviderInfo, Source};

use crate::live::{CollectError, GcpConfig};

/// The GCP provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct GcpProvider;

static INFO: ProviderInfo = ProviderInfo {
    id: ProviderId::Gcp,
    kinds: &[IdentityKind::GcpServiceAccount],
    imports: &[
        "Cloud Asset Inventory exports with resource or IAM policy content: JSON lines or a JSON array, snake_case or camelCase",
        "`gcloud iam service-accounts list --format=json` and `gcloud iam service-accounts keys list --format=json`",
        "`gcloud projects get-iam-policy --format=json`, saved as `<project-id>.iam-policy.json`",
        "roles with their permissions: a JSON array of roles or pages of `roles.list` with `view=FULL`, optionally gzip-compressed",
    ],
    read_permissions: &[
        "resourcemanager.organizations.get",
        "resourcemanager.organizations.getIamPolicy",
        "resourcemanager.folders.get",
        "resourcemanager.folders.list",
        "resourcemanager.folders.getIamPolicy",
        "resourcemanager.projects.get",
        "resourcemanager.projects.list",
        "resourcemanager.projects.getIamPolicy",
        "iam.serviceAccounts.list",
        "iam.serviceAccounts.getIamPolicy",
        "iam.serviceAccountKeys.list",
        "iam.roles.list",
        "iam.roles.get",
        "policyanalyzer.serviceAccountLastAuthenticationActivities.query",
        "policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query",
    ],
};

impl Provider for GcpProvider {
    fn info(&self) -> &'static ProviderInfo {
        &INFO
    }

    fn import(&self, sources: Vec<Source>) -> Result<Inventory, roster_provider::ImportError> {
        let files: Vec<(PathBuf, Vec<u8>)> = sources
            .into_iter()
            .map(|source| (PathBuf::from(source.name), source.bytes))
            .collect();
        crate::import_bytes(&files)
            .map_err(|error| roster_provider::ImportError::Provider(Box::new(error)))
    }
}

impl Collector for GcpProvider {
    type Config = GcpConfig;
    type Error = CollectError;

    fn collect(
        &self,
        config: &GcpConfig,
        progress: Arc<dyn Progress>,
    ) -> impl Future<Output = Result<Collection, CollectError>> + Send {
        crate::live::collect(config.clone(), progress)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn provider_imports_sources() {
        let accounts = r#"[{"email": "ci@p.iam.gserviceaccount.com", "uniqueId": "1", "projectId": "p", "name": "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com"}]"#;
        let sources = vec![Source {
            name: "accounts.json".to_owned(),
            bytes: accounts.as_bytes().to_vec(),
        }];
        let inventory = GcpProvider.import(sources).unwrap();
        assert_eq!(inventory.identities.len(), 1);
        assert_eq!(inventory.sources, ["accounts.json"]);
    }

    #[test]
    fn shipped_role_lists_the_read_permissions() {
        let role = include_str!("../../../docs/providers/gcp-read-only-role.yaml");
        let mut listed: Vec<&str> = role
            .lines()
            .filter_map(|line| line.strip_prefix("- "))
            .collect();
        listed.sort_unstable();
        let mut needed = GcpProvider.info().read_permissions.to_vec();
        needed.sort_unstable();
        assert_eq!(listed, needed);
    }

    #[test]
    fn provider_error_keeps_message() {
        let sources = vec![Source {
            name: "notes.txt".to_owned(),
            bytes: b"hello".to_vec(),
        }];
        let error = GcpProvider.import(sources).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("`notes.txt` is not a GCP IAM export"),
            "{error}"
        );
    }
}
