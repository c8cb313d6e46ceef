//! Organizations calls: the accounts of the organization.

use std::collections::BTreeSet;

use aws_sdk_organizations::types::AccountStatus;

use super::{ApiError, Clients};

/// An account of the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationAccount {
    pub id: String,
    pub name: Option<String>,
    /// False for suspended accounts and accounts pending closure.
    pub active: bool,
}

impl Clients {
    /// Lists every account of the organization, from its management account or a delegated
    /// administrator.
    pub async fn organization_accounts(&self) -> Result<Vec<OrganizationAccount>, ApiError> {
        const OPERATION: &str = "organizations:ListAccounts";
        let mut tokens = BTreeSet::new();
        let mut accounts = Vec::new();
        let mut token = None;
        loop {
            let result = self
                .organizations
                .list_accounts()
                .set_next_token(token.take())
                .send()
                .await;
            let output = self.record(OPERATION, true, result)?;
            for account in output.accounts() {
                let Some(id) = account.id() else {
                    return Err(ApiError::invalid(OPERATION, "an account has no Id"));
                };
                accounts.push(OrganizationAccount {
                    id: id.to_owned(),
                    name: account.name().map(str::to_owned),
                    active: account
                        .status()
                        .is_none_or(|status| *status == AccountStatus::Active),
                });
            }

            let Some(next) = output.next_token() else {
                return Ok(accounts);
            };
            if !tokens.insert(next.to_owned()) {
                return Err(ApiError::RepeatedMarker {
                    operation: OPERATION,
                    marker: next.to_owned(),
                });
            }
            token = Some(next.to_owned());
        }
    }
}
