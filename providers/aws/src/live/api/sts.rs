//! STS calls: who the credentials belong to, and assuming a role in another account.

use std::time::SystemTime;

use aws_sdk_iam::config::Credentials;

use super::{ApiError, Clients};

/// The session name that CloudTrail shows for Roster's assumed-role sessions.
const SESSION_NAME: &str = "roster-scan";

impl Clients {
    /// Returns the account that the credentials belong to.
    pub async fn caller_account(&self) -> Result<String, ApiError> {
        const OPERATION: &str = "sts:GetCallerIdentity";
        let result = self.sts.get_caller_identity().send().await;
        let output = self.record(OPERATION, false, result)?;
        output
            .account()
            .map(str::to_owned)
            .ok_or_else(|| ApiError::invalid(OPERATION, "the response has no Account"))
    }

    /// Assumes a role and returns its session's credentials, valid for one hour.
    // NOTE: the session is not refreshed, so an account whose collection outlasts the hour
    // fails with expired credentials and its remaining parts become unverified.
    pub async fn assume_role(
        &self,
        role_arn: &str,
        external_id: Option<&str>,
    ) -> Result<Credentials, ApiError> {
        const OPERATION: &str = "sts:AssumeRole";
        let result = self
            .sts
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(SESSION_NAME)
            .set_external_id(external_id.map(str::to_owned))
            .send()
            .await;
        let output = self.record(OPERATION, false, result)?;
        let Some(credentials) = output.credentials() else {
            return Err(ApiError::invalid(
                OPERATION,
                "the response has no Credentials",
            ));
        };
        let expires = SystemTime::try_from(*credentials.expiration()).ok();
        Ok(Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_owned()),
            expires,
            "roster-assume-role",
        ))
    }
}
