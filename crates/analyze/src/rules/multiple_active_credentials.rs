use std::collections::BTreeMap;

use roster_model::{
    CoverageKind, Credential, CredentialKind, CredentialStatus, Finding, Severity, UsageState,
};

use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST011",
    name: "multiple-active-credentials",
    severity: Severity::Low,
    owasp: "NHI7 Long-Lived Secrets",
    summary: "An identity with more than one active key or secret of the same kind.",
    why: "A second active key usually means a rotation that was never finished: the old key \
          still works, may still sit in old configuration, and doubles what can leak.",
    fix: "Find which key the workload uses (its last-used date), move every user to it, then \
          deactivate and delete the others.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags identities that hold more than one active static credential of one kind, one
/// finding per kind. Slack tokens are left out, because a Slack app normally has a bot
/// token and a user token at once. Identities whose credentials were not fully collected
/// are skipped.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();

    for identity in context.graph.identities() {
        if !context.verified(identity, CoverageKind::Credentials) {
            continue;
        }
        let mut by_kind: BTreeMap<CredentialKind, Vec<&Credential>> = BTreeMap::new();
        for credential in context.graph.credentials_of(&identity.key) {
            if credential.status == CredentialStatus::Active
                && credential.kind.is_static_secret()
                && credential.kind != CredentialKind::SlackToken
            {
                by_kind.entry(credential.kind).or_default().push(credential);
            }
        }

        for (kind, credentials) in by_kind {
            if credentials.len() < 2 {
                continue;
            }
            let mut draft = FindingDraft::about(
                &INFO,
                identity,
                format!(
                    "{} `{}` has {} active {kind} credentials",
                    identity.kind,
                    identity.name,
                    credentials.len()
                ),
            )
            .environment(context.environment_of(identity).as_deref())
            .discriminator(kind.as_str());
            for credential in credentials {
                draft = draft
                    .related(credential.key.as_str())
                    .evidence(describe(credential));
            }
            findings.push(draft.build());
        }
    }
    findings
}

/// Describes one credential in a line: its id, creation date and last use.
fn describe(credential: &Credential) -> String {
    let label = credential
        .native_id
        .as_deref()
        .unwrap_or(credential.key.as_str());
    let created = credential.created.map_or_else(
        || "creation date unknown".to_owned(),
        |at| format!("created {at}"),
    );
    let usage = &credential.last_used;
    let used = match (usage.state, usage.last_used) {
        (UsageState::Used, Some(at)) => format!("last used {at}"),
        (UsageState::NeverUsed, _) => "never used".to_owned(),
        _ => "last use unknown".to_owned(),
    };
    format!("`{label}`: {created}, {used}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{Identity, IdentityKind, Usage};

    use super::*;
    use crate::testing::{Estate, credential, days_ago, identity, run, user};

    fn access_key(owner: &Identity, id: &str) -> Credential {
        credential(owner, CredentialKind::AwsAccessKey, id)
    }

    #[test]
    fn two_active_keys_are_flagged() {
        let ci = user("ci");
        let mut old = access_key(&ci, "AKIAOLD");
        old.created = Some(days_ago(400));
        old.last_used = Usage::never_used("aws credential report");
        let mut new = access_key(&ci, "AKIANEW");
        new.created = Some(days_ago(20));
        new.last_used = Usage::used(days_ago(1), "aws credential report");
        let graph = Estate::new()
            .credential(old)
            .credential(new)
            .identity(ci)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.subject, "aws:111122223333:user:ci");
        assert_eq!(
            finding.message,
            "aws-user `ci` has 2 active aws-access-key credentials"
        );
        assert_eq!(
            finding.evidence,
            [
                "`AKIANEW`: created 2025-05-12T00:00:00Z, last used 2025-05-31T00:00:00Z",
                "`AKIAOLD`: created 2024-04-27T00:00:00Z, never used",
            ]
        );
        assert_eq!(finding.related.len(), 2);
    }

    #[test]
    fn one_active_and_one_inactive_key_are_not_flagged() {
        let ci = user("ci");
        let mut old = access_key(&ci, "AKIAOLD");
        old.status = CredentialStatus::Inactive;
        let graph = Estate::new()
            .credential(old)
            .credential(access_key(&ci, "AKIANEW"))
            .identity(ci)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn keys_of_different_kinds_are_not_flagged() {
        let ci = user("ci");
        let graph = Estate::new()
            .credential(access_key(&ci, "AKIA1"))
            .credential(credential(&ci, CredentialKind::ConsolePassword, "password"))
            .identity(ci)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn slack_bot_and_user_tokens_are_not_flagged() {
        let app = identity(IdentityKind::SlackApp, "A0001");
        let graph = Estate::new()
            .credential(credential(&app, CredentialKind::SlackToken, "bot"))
            .credential(credential(&app, CredentialKind::SlackToken, "user"))
            .identity(app)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn unverified_credentials_give_no_finding() {
        let ci = user("ci");
        let graph = Estate::new()
            .credential(access_key(&ci, "AKIA1"))
            .credential(access_key(&ci, "AKIA2"))
            .identity(ci)
            .partial(CoverageKind::Credentials)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }
}
