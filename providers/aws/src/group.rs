//! IAM groups from an account-authorization dump. Members come from the users' `GroupList`.

use std::path::Path;

use roster_model::{Group, GroupKey, ProviderId, ScopeId, Subject};

use crate::arn::parse_iam_arn;
use crate::error::ImportError;
use crate::policy::{Attachments, translate_attachments};
use crate::raw::GroupDetail;
use crate::tags::tag_map;

/// A group, still without members, with its policies.
#[derive(Debug)]
pub(crate) struct GroupParts {
    pub account: String,
    pub group: Group,
    pub attachments: Attachments,
}

/// Translates one entry of `GroupDetailList`.
pub(crate) fn translate_group(path: &Path, raw: GroupDetail) -> Result<GroupParts, ImportError> {
    let arn = parse_iam_arn(&raw.arn, "group").map_err(|reason| ImportError::InvalidValue {
        path: path.to_path_buf(),
        field: "group ARN",
        subject: raw.group_name.clone(),
        reason,
    })?;
    let path_in_account = raw.path.unwrap_or_else(|| arn.resource_path());
    let account = arn.account;
    let scope = ScopeId::new(ProviderId::Aws, &account);
    let key = GroupKey::from_parts(ProviderId::Aws, &account, &raw.group_name);

    let attachments = translate_attachments(
        path,
        &Subject::Group(key.clone()),
        key.as_str(),
        &scope,
        raw.group_policy_list,
        raw.attached_managed_policies,
    )?;

    let group = Group {
        key,
        provider: ProviderId::Aws,
        scope,
        name: raw.group_name,
        unique_id: raw.group_id,
        path: Some(path_in_account),
        tags: tag_map(raw.tags),
        members: Vec::new(),
    };
    Ok(GroupParts {
        account,
        group,
        attachments,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::json;

    use super::*;

    #[test]
    fn group_policies_are_granted_to_group() {
        let raw: GroupDetail = serde_json::from_value(json!({
            "Path": "/",
            "GroupName": "anton-test",
            "GroupId": "AGPAEXAMPLEGROUPAAAAA",
            "Arn": "arn:aws:iam::123456789012:group/anton-test",
            "CreateDate": "2023-10-04T20:08:56+00:00",
            "GroupPolicyList": [{"PolicyName": "inline", "PolicyDocument": "%7B%22Statement%22%3A%5B%5D%7D"}],
            "AttachedManagedPolicies": [{"PolicyName": "AWSLambdaReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/AWSLambdaReadOnlyAccess"}]
        }))
        .unwrap();
        let parts = translate_group(Path::new("dump.json"), raw).unwrap();
        assert_eq!(parts.account, "123456789012");
        assert_eq!(
            parts.group.key.as_str(),
            "aws:123456789012:group:anton-test"
        );
        assert_eq!(
            parts.attachments.inline[0].key.as_str(),
            "inline:aws:123456789012:group:anton-test:inline"
        );
        assert_eq!(
            parts.attachments.inline[0].document,
            Some(json!({"Statement": []}))
        );
        for grant in &parts.attachments.grants {
            assert_eq!(grant.subject, Subject::Group(parts.group.key.clone()));
        }
        assert_eq!(parts.attachments.grants.len(), 2);
    }
}
