//! Inline and managed policies, their attachments, and permission boundaries.

use std::path::Path;

use roster_model::{
    Boundary, Grant, NoteKind, Policy, PolicyKey, PolicyKind, ProviderId, ScopeId, Subject,
};
use roster_policy::aws::{Grammar, PolicyDocument};
use serde_json::Value;

use crate::arn::Arn;
use crate::document::decode_document;
use crate::error::ImportError;
use crate::raw::{
    AttachedPolicy, InlinePolicy, ManagedPolicyDetail, PermissionsBoundary, PolicyVersion,
};

/// The policies an identity or group embeds and the grants that bind it to them.
#[derive(Debug, Default)]
pub(crate) struct Attachments {
    pub inline: Vec<Policy>,
    pub grants: Vec<Grant>,
    /// Inline policies whose documents the policy engine cannot read.
    pub unreadable: Vec<UnreadablePolicy>,
}

/// A policy whose document the policy engine rejects, with the engine's reason. The rules
/// read every AWS document with that engine, so such a policy would grant nothing unnoticed.
#[derive(Debug, Clone)]
pub(crate) struct UnreadablePolicy {
    pub key: PolicyKey,
    pub reason: String,
}

/// A managed policy from `Policies[]`, with the problem of its versions, if any.
#[derive(Debug)]
pub(crate) struct ManagedPolicy {
    pub policy: Policy,
    /// The owning account; `None` for policies that AWS provides.
    pub account: Option<String>,
    pub issue: Option<PolicyIssue>,
}

/// A problem with the versions or the document of a managed policy.
#[derive(Debug, Clone)]
pub(crate) struct PolicyIssue {
    /// [`NoteKind::MissingPolicy`] when the document in force is unknown, otherwise
    /// [`NoteKind::LossyInput`].
    pub kind: NoteKind,
    pub message: String,
    /// Set when the document in force is present but the policy engine rejects it.
    pub unreadable: bool,
}

/// Returns the key of an inline policy: `inline:<identity or group key>:<policy name>`.
pub(crate) fn inline_key(owner: &str, name: &str) -> PolicyKey {
    PolicyKey::new(format!("inline:{owner}:{name}"))
}

/// Translates the inline policies and managed-policy attachments of one identity or group.
pub(crate) fn translate_attachments(
    path: &Path,
    subject: &Subject,
    owner: &str,
    scope: &ScopeId,
    inline: Vec<InlinePolicy>,
    attached: Vec<AttachedPolicy>,
) -> Result<Attachments, ImportError> {
    let mut attachments = Attachments::default();

    for raw in inline {
        let key = inline_key(owner, &raw.policy_name);
        let document =
            decode_document(raw.policy_document).map_err(|reason| ImportError::InvalidValue {
                path: path.to_path_buf(),
                field: "inline policy document",
                subject: key.to_string(),
                reason,
            })?;
        if let Err(reason) = check_document(&document) {
            attachments.unreadable.push(UnreadablePolicy {
                key: key.clone(),
                reason,
            });
        }
        attachments.grants.push(grant(subject, key.clone(), scope));
        attachments.inline.push(Policy {
            key,
            provider: ProviderId::Aws,
            kind: PolicyKind::AwsInline,
            name: raw.policy_name,
            native_id: None,
            document: Some(document),
            version: None,
            permissions: Vec::new(),
        });
    }

    for raw in attached {
        attachments
            .grants
            .push(grant(subject, PolicyKey::new(raw.policy_arn), scope));
    }
    Ok(attachments)
}

/// Reads a decoded permission policy with the policy engine, with the grammar the rules use,
/// and returns the engine's reason when it rejects the document.
pub(crate) fn check_document(document: &Value) -> Result<(), String> {
    PolicyDocument::from_value(document, Grammar::Any)
        .map(|_| ())
        .map_err(|error| error.to_string())
}

fn grant(subject: &Subject, policy: PolicyKey, scope: &ScopeId) -> Grant {
    Grant {
        subject: subject.clone(),
        policy,
        scope: scope.clone(),
        condition: None,
    }
}

/// Returns the boundary of a user or role. An absent `PermissionsBoundary` is
/// [`Boundary::NotCollected`], never [`Boundary::None`]: bulk listings can omit it.
pub(crate) fn boundary(raw: Option<PermissionsBoundary>) -> Boundary {
    match raw {
        Some(raw) => Boundary::Policy(PolicyKey::new(raw.permissions_boundary_arn)),
        None => Boundary::NotCollected,
    }
}

/// Translates one entry of `Policies[]`. Only the version marked `IsDefaultVersion` is in
/// force, and `DefaultVersionId` is checked against it.
pub(crate) fn translate_managed_policy(
    path: &Path,
    raw: ManagedPolicyDetail,
) -> Result<ManagedPolicy, ImportError> {
    let arn = Arn::parse(&raw.arn)
        .filter(|arn| arn.service == "iam" && arn.resource_type() == "policy")
        .filter(|arn| arn.has_account_id() || arn.account == "aws")
        .ok_or_else(|| ImportError::InvalidValue {
            path: path.to_path_buf(),
            field: "managed policy ARN",
            subject: raw.arn.clone(),
            reason: "expected `arn:<partition>:iam::<account id or aws>:policy/<path><name>`"
                .to_owned(),
        })?;
    let (kind, account) = if arn.is_aws_provided_policy() {
        (PolicyKind::AwsProvided, None)
    } else {
        (PolicyKind::AwsManaged, Some(arn.account.clone()))
    };
    let name = raw
        .policy_name
        .unwrap_or_else(|| arn.resource_name().to_owned());

    let (version, issue) =
        default_version(raw.policy_version_list, raw.default_version_id.as_deref());
    let (version_id, document) = match version {
        Some(version) => (Some(version.version_id), version.document),
        None => (None, None),
    };
    let document = match document {
        Some(document) => {
            Some(
                decode_document(document).map_err(|reason| ImportError::InvalidValue {
                    path: path.to_path_buf(),
                    field: "managed policy document",
                    subject: raw.arn.clone(),
                    reason,
                })?,
            )
        }
        None => None,
    };
    let unreadable = document
        .as_ref()
        .and_then(|document| check_document(document).err())
        .map(|reason| PolicyIssue {
            kind: NoteKind::MissingPolicy,
            message: format!(
                "the document of the default version is invalid, so the policy's permissions are unknown: {reason}"
            ),
            unreadable: true,
        });
    let issue = unreadable
        .or(issue)
        .or_else(|| missing_document_issue(version_id.as_deref(), document.is_none()));

    Ok(ManagedPolicy {
        policy: Policy {
            key: PolicyKey::new(raw.arn.clone()),
            provider: ProviderId::Aws,
            kind,
            name,
            native_id: Some(raw.arn),
            document,
            version: version_id,
            permissions: Vec::new(),
        },
        account,
        issue,
    })
}

fn missing_document_issue(version_id: Option<&str>, missing: bool) -> Option<PolicyIssue> {
    if !missing {
        return None;
    }
    let version = version_id.map_or_else(String::new, |id| format!(" `{id}`"));
    Some(PolicyIssue {
        kind: NoteKind::MissingPolicy,
        message: format!(
            "the default version{version} has no Document, so the policy's permissions are unknown"
        ),
        unreadable: false,
    })
}

/// Picks the version in force: the one with `IsDefaultVersion` true. When the flags and
/// `DefaultVersionId` disagree, or no version is flagged, the choice comes with an issue.
fn default_version(
    versions: Vec<PolicyVersion>,
    default_id: Option<&str>,
) -> (Option<PolicyVersion>, Option<PolicyIssue>) {
    let flagged = versions
        .iter()
        .filter(|version| version.is_default_version)
        .count();
    let named = |version: &PolicyVersion| Some(version.version_id.as_str()) == default_id;

    match flagged {
        1 => {
            let chosen = versions.into_iter().find(|version| version.is_default_version);
            let issue = chosen.as_ref().and_then(|version| {
                let id = default_id.filter(|id| *id != version.version_id)?;
                Some(lossy(format!(
                    "version `{}` has IsDefaultVersion true but DefaultVersionId is `{id}`; `{}` was used",
                    version.version_id, version.version_id
                )))
            });
            (chosen, issue)
        }
        0 => match versions.into_iter().find(named) {
            Some(version) => {
                let issue = lossy(format!(
                    "no version has IsDefaultVersion true; version `{}`, which DefaultVersionId names, was used",
                    version.version_id
                ));
                (Some(version), Some(issue))
            }
            None => (
                None,
                Some(PolicyIssue {
                    kind: NoteKind::MissingPolicy,
                    message: "the dump contains no default version of the policy, so its permissions are unknown"
                        .to_owned(),
                    unreadable: false,
                }),
            ),
        },
        count => {
            let mut candidates: Vec<PolicyVersion> = versions
                .into_iter()
                .filter(|version| version.is_default_version)
                .collect();
            let index = candidates.iter().position(named).unwrap_or(0);
            let chosen = candidates.swap_remove(index);
            let issue = lossy(format!(
                "{count} versions have IsDefaultVersion true; `{}` was used",
                chosen.version_id
            ));
            (Some(chosen), Some(issue))
        }
    }
}

fn lossy(message: String) -> PolicyIssue {
    PolicyIssue {
        kind: NoteKind::LossyInput,
        message,
        unreadable: false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::json;

    use super::*;

    fn managed(value: serde_json::Value) -> ManagedPolicy {
        let raw: ManagedPolicyDetail = serde_json::from_value(value).unwrap();
        translate_managed_policy(Path::new("dump.json"), raw).unwrap()
    }

    fn version(id: &str, default: bool, action: &str) -> serde_json::Value {
        json!({
            "VersionId": id,
            "IsDefaultVersion": default,
            "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}
        })
    }

    #[test]
    fn only_default_version_counts() {
        let policy = managed(json!({
            "PolicyName": "AWSLambda_ReadOnlyAccess",
            "Arn": "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess",
            "DefaultVersionId": "v2",
            "PolicyVersionList": [version("v2", true, "lambda:Get*"), version("v1", false, "lambda:List*")]
        }));
        assert_eq!(policy.policy.version.as_deref(), Some("v2"));
        assert_eq!(
            policy.policy.document.unwrap()["Statement"][0]["Action"],
            json!("lambda:Get*")
        );
        assert_eq!(policy.policy.kind, PolicyKind::AwsProvided);
        assert_eq!(policy.account, None);
        assert!(policy.issue.is_none());
    }

    #[test]
    fn name_comes_from_arn_when_absent() {
        let policy = managed(json!({
            "Arn": "arn:aws:iam::111122223333:policy/team/deploy",
            "DefaultVersionId": "v1",
            "PolicyVersionList": [version("v1", true, "s3:GetObject")]
        }));
        assert_eq!(policy.policy.name, "deploy");
        assert_eq!(policy.policy.kind, PolicyKind::AwsManaged);
        assert_eq!(policy.account.as_deref(), Some("111122223333"));
    }

    #[test]
    fn url_encoded_version_document_is_decoded() {
        let policy = managed(json!({
            "Arn": "arn:aws:iam::111122223333:policy/encoded",
            "DefaultVersionId": "v1",
            "PolicyVersionList": [{
                "VersionId": "v1",
                "IsDefaultVersion": true,
                "Document": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"
            }]
        }));
        assert_eq!(
            policy.policy.document,
            Some(json!({"Version": "2012-10-17", "Statement": []}))
        );
    }

    #[test]
    fn default_version_id_mismatch_is_noted() {
        let policy = managed(json!({
            "Arn": "arn:aws:iam::111122223333:policy/p",
            "DefaultVersionId": "v3",
            "PolicyVersionList": [version("v2", true, "s3:GetObject"), version("v3", false, "s3:*")]
        }));
        assert_eq!(policy.policy.version.as_deref(), Some("v2"));
        let issue = policy.issue.unwrap();
        assert_eq!(issue.kind, NoteKind::LossyInput);
        assert!(
            issue.message.contains("DefaultVersionId is `v3`"),
            "{}",
            issue.message
        );
    }

    #[test]
    fn unflagged_versions_fall_back_to_default_version_id() {
        let policy = managed(json!({
            "Arn": "arn:aws:iam::111122223333:policy/p",
            "DefaultVersionId": "v3",
            "PolicyVersionList": [version("v2", false, "s3:GetObject"), version("v3", false, "s3:*")]
        }));
        assert_eq!(policy.policy.version.as_deref(), Some("v3"));
        assert_eq!(policy.issue.unwrap().kind, NoteKind::LossyInput);
    }

    #[test]
    fn invalid_default_document_is_unreadable() {
        let policy = managed(json!({
            "Arn": "arn:aws:iam::111122223333:policy/p",
            "DefaultVersionId": "v1",
            "PolicyVersionList": [{
                "VersionId": "v1",
                "IsDefaultVersion": true,
                "Document": {"Version": "2012-10-17", "Statement": 1}
            }]
        }));
        let issue = policy.issue.unwrap();
        assert!(issue.unreadable);
        assert_eq!(issue.kind, NoteKind::MissingPolicy);
        assert!(issue.message.contains("is invalid"), "{}", issue.message);
    }

    #[test]
    fn invalid_inline_document_is_unreadable() {
        let scope = ScopeId::new(ProviderId::Aws, "111122223333");
        let subject = Subject::Identity(roster_model::IdentityKey::new(
            ProviderId::Aws,
            "111122223333",
            roster_model::IdentityKind::AwsUser,
            "u",
        ));
        let inline: Vec<InlinePolicy> = serde_json::from_value(json!([
            {"PolicyName": "bad", "PolicyDocument": {"Statement": [{"Effect": "Perhaps", "Action": "*", "Resource": "*"}]}},
            {"PolicyName": "good", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}
        ]))
        .unwrap();

        let attachments = translate_attachments(
            Path::new("dump.json"),
            &subject,
            "aws:111122223333:user:u",
            &scope,
            inline,
            Vec::new(),
        )
        .unwrap();

        assert_eq!(attachments.grants.len(), 2);
        assert_eq!(attachments.unreadable.len(), 1);
        assert_eq!(
            attachments.unreadable[0].key.as_str(),
            "inline:aws:111122223333:user:u:bad"
        );
    }

    #[test]
    fn policy_without_versions_is_missing() {
        let policy = managed(json!({"Arn": "arn:aws:iam::111122223333:policy/p"}));
        assert_eq!(policy.policy.document, None);
        assert_eq!(policy.issue.unwrap().kind, NoteKind::MissingPolicy);
    }

    #[test]
    fn non_policy_arn_is_rejected() {
        let raw: ManagedPolicyDetail =
            serde_json::from_value(json!({"Arn": "arn:aws:iam::111122223333:role/r"})).unwrap();
        let error = translate_managed_policy(Path::new("dump.json"), raw).unwrap_err();
        assert!(
            error.to_string().contains("invalid managed policy ARN"),
            "{error}"
        );
    }

    #[test]
    fn absent_boundary_is_not_collected() {
        assert_eq!(boundary(None), Boundary::NotCollected);
        let raw = PermissionsBoundary {
            permissions_boundary_arn: "arn:aws:iam::111122223333:policy/boundary".to_owned(),
        };
        assert_eq!(
            boundary(Some(raw)),
            Boundary::Policy(PolicyKey::new("arn:aws:iam::111122223333:policy/boundary"))
        );
    }
}
