//! IAM users from an account-authorization dump.

use std::path::Path;

use roster_model::{
    AwsIdentityDetails, Identity, IdentityKey, IdentityKind, ProviderId, ScopeId, Subject,
};

use crate::arn::parse_iam_arn;
use crate::credential::no_report_usage;
use crate::error::ImportError;
use crate::policy::{Attachments, boundary, translate_attachments};
use crate::raw::UserDetail;
use crate::tags::{tag_evidence, tag_map};

/// A user with its policies and the names of the groups it belongs to.
#[derive(Debug)]
pub(crate) struct UserParts {
    pub account: String,
    pub identity: Identity,
    pub group_names: Vec<String>,
    pub attachments: Attachments,
}

/// Translates one entry of `UserDetailList`. Usage and credentials come later, from the
/// credential report of the account.
pub(crate) fn translate_user(path: &Path, raw: UserDetail) -> Result<UserParts, ImportError> {
    let arn = parse_iam_arn(&raw.arn, "user").map_err(|reason| ImportError::InvalidValue {
        path: path.to_path_buf(),
        field: "user ARN",
        subject: raw.user_name.clone(),
        reason,
    })?;
    let path_in_account = raw.path.unwrap_or_else(|| arn.resource_path());
    let account = arn.account;
    let scope = ScopeId::new(ProviderId::Aws, &account);
    let key = IdentityKey::new(
        ProviderId::Aws,
        &account,
        IdentityKind::AwsUser,
        &raw.user_name,
    );

    let attachments = translate_attachments(
        path,
        &Subject::Identity(key.clone()),
        key.as_str(),
        &scope,
        raw.user_policy_list,
        raw.attached_managed_policies,
    )?;

    let tags = tag_map(raw.tags);
    let mut identity = Identity::new(
        ProviderId::Aws,
        key,
        scope,
        IdentityKind::AwsUser,
        raw.user_name,
        no_report_usage(&account),
    );
    identity.unique_id = raw.user_id;
    identity.created = raw.create_date;
    identity.evidence = tag_evidence(&tags);
    identity.tags = tags;
    identity.boundary = boundary(raw.permissions_boundary);
    identity.aws = Some(AwsIdentityDetails {
        arn: raw.arn,
        path: path_in_account,
        instance_profiles: Vec::new(),
        service_linked: false,
    });

    Ok(UserParts {
        account,
        identity,
        group_names: raw.group_list,
        attachments,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{Boundary, Nature, PolicyKind, UsageState};
    use serde_json::json;

    use super::*;

    fn user(value: serde_json::Value) -> Result<UserParts, ImportError> {
        let raw: UserDetail = serde_json::from_value(value).unwrap();
        translate_user(Path::new("dump.json"), raw)
    }

    #[test]
    fn user_fields_and_policies() {
        let parts = user(json!({
            "Path": "/ci/",
            "UserName": "deployer",
            "UserId": "ASIAZZUSERZZPLACEHOLDER",
            "Arn": "arn:aws:iam::111122223333:user/ci/deployer",
            "CreateDate": "2019-12-18T19:10:08+00:00",
            "GroupList": ["deployers"],
            "UserPolicyList": [{"PolicyName": "push", "PolicyDocument": {"Statement": []}}],
            "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
            "Tags": [{"Key": "type", "Value": "service"}]
        }))
        .unwrap();
        let identity = &parts.identity;
        assert_eq!(identity.key.as_str(), "aws:111122223333:user:deployer");
        assert_eq!(
            identity.unique_id.as_deref(),
            Some("ASIAZZUSERZZPLACEHOLDER")
        );
        assert_eq!(
            identity.created.unwrap().to_string(),
            "2019-12-18T19:10:08Z"
        );
        assert_eq!(identity.aws.as_ref().unwrap().path, "/ci/");
        assert_eq!(identity.boundary, Boundary::NotCollected);
        assert_eq!(identity.last_used.state, UsageState::Unknown);
        assert_eq!(identity.evidence[0].points_to, Nature::NonHuman);
        assert_eq!(parts.group_names, ["deployers"]);

        let inline = &parts.attachments.inline[0];
        assert_eq!(
            inline.key.as_str(),
            "inline:aws:111122223333:user:deployer:push"
        );
        assert_eq!(inline.kind, PolicyKind::AwsInline);
        let granted: Vec<&str> = parts
            .attachments
            .grants
            .iter()
            .map(|grant| grant.policy.as_str())
            .collect();
        assert_eq!(
            granted,
            [
                "inline:aws:111122223333:user:deployer:push",
                "arn:aws:iam::aws:policy/ReadOnlyAccess"
            ]
        );
    }

    #[test]
    fn minimal_user_takes_path_from_arn() {
        let parts = user(json!({
            "UserName": "deployer",
            "Arn": "arn:aws:iam::111122223333:user/ci/deployer"
        }))
        .unwrap();
        let identity = &parts.identity;
        assert_eq!(identity.aws.as_ref().unwrap().path, "/ci/");
        assert_eq!(identity.unique_id, None);
        assert_eq!(identity.created, None);
    }

    #[test]
    fn user_with_role_arn_is_rejected() {
        let error = user(json!({
            "Path": "/", "UserName": "x", "UserId": "AIDAEXAMPLE", "CreateDate": "2019-12-18T19:10:08Z",
            "Arn": "arn:aws:iam::111122223333:role/x"
        }))
        .unwrap_err();
        assert!(
            error.to_string().contains("invalid user ARN of `x`"),
            "{error}"
        );
    }
}
