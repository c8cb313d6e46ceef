//! The AWS entry of the provider registry.

use std::path::PathBuf;
use std::sync::Arc;

use roster_model::{IdentityKind, Inventory, ProviderId};
use roster_provider::{Collection, Collector, Progress, Provider, ProviderInfo, Source};

use crate::live::{AwsConfig, CollectError};

/// The AWS provider: it imports exports and collects from the live API.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsProvider;

static INFO: ProviderInfo = ProviderInfo {
    id: ProviderId::Aws,
    kinds: &[IdentityKind::AwsRole, IdentityKind::AwsUser],
    imports: &[
        "`aws iam get-account-authorization-details` output: one merged object, pages back to back, or a JSON array of pages",
        "`aws iam get-credential-report` output, or the report's CSV",
    ],
    read_permissions: &READ_PERMISSIONS,
};

/// Every permission a live scan uses; `docs/providers/aws-read-only-policy.json` allows them.
pub const READ_PERMISSIONS: [&str; 14] = [
    "iam:GenerateCredentialReport",
    "iam:GenerateServiceLastAccessedDetails",
    "iam:GetAccessKeyLastUsed",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetCredentialReport",
    "iam:GetRole",
    "iam:GetServiceLastAccessedDetails",
    "iam:GetUser",
    "iam:ListAccessKeys",
    "iam:ListOpenIDConnectProviders",
    "iam:ListSAMLProviders",
    "organizations:ListAccounts",
    "sts:AssumeRole",
    "sts:GetCallerIdentity",
];

impl Provider for AwsProvider {
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

impl Collector for AwsProvider {
    type Config = AwsConfig;
    type Error = CollectError;

    async fn collect(
        &self,
        config: &AwsConfig,
        progress: Arc<dyn Progress>,
    ) -> Result<Collection, CollectError> {
        crate::live::collect(config, progress).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn provider_imports_sources() {
        let dump = r#"{"UserDetailList": [{"Path": "/", "UserName": "ci", "UserId": "AIDAEXAMPLE", "Arn": "arn:aws:iam::111122223333:user/ci", "CreateDate": "2024-01-01T00:00:00Z"}]}"#;
        let sources = vec![Source {
            name: "dump.json".to_owned(),
            bytes: dump.as_bytes().to_vec(),
        }];
        let inventory = AwsProvider.import(sources).unwrap();
        assert_eq!(inventory.identities.len(), 1);
        assert_eq!(inventory.sources, ["dump.json"]);
    }

    #[test]
    fn provider_error_keeps_message() {
        let sources = vec![Source {
            name: "notes.txt".to_owned(),
            bytes: b"hello".to_vec(),
        }];
        let error = AwsProvider.import(sources).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("`notes.txt` is not an AWS IAM export"),
            "{error}"
        );
    }

    #[test]
    fn provider_info_names_aws() {
        assert_eq!(AwsProvider.info().id, ProviderId::Aws);
        assert_eq!(AwsProvider.info().kinds.len(), 2);
        assert!(
            AwsProvider
                .info()
                .read_permissions
                .windows(2)
                .all(|pair| pair[0] < pair[1])
        );
    }
}
