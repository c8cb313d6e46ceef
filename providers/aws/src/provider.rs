//! The AWS entry of the provider registry.

use std::path::PathBuf;

use roster_model::{IdentityKind, Inventory, ProviderId};
use roster_provider::{Provider, ProviderInfo, Source};

/// The AWS provider. It imports exports, and live collection is not part of this crate yet.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsProvider;

static INFO: ProviderInfo = ProviderInfo {
    id: ProviderId::Aws,
    kinds: &[IdentityKind::AwsRole, IdentityKind::AwsUser],
    imports: &[
        "`aws iam get-account-authorization-details` output: one merged object, pages back to back, or a JSON array of pages",
        "`aws iam get-credential-report` output, or the report's CSV",
    ],
    read_permissions: &[
        "iam:GetAccountAuthorizationDetails",
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
    ],
};

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
    }
}
