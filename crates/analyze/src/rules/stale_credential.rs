use roster_model::{CoverageKind, CredentialStatus, Finding, Severity};

use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST008",
    name: "stale-credential",
    severity: Severity::Medium,
    owasp: "NHI7 Long-Lived Secrets",
    summary: "An active key or secret older than the credential maximum age.",
    why: "The longer a secret lives, the more copies of it exist in build logs, laptops and \
          configuration, and the longer a leaked copy stays useful to an attacker.",
    fix: "Create a new credential, move its users to it, then deactivate and delete the old \
          one; better, replace the static secret with workload identity or short-lived tokens.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags active static credentials created longer ago than the maximum age: the strictest
/// `credentials.max_age` of the owning identity's roster groups, else
/// `settings.credential_max_age`. Credentials of identities whose credentials were not fully
/// collected are skipped, and so are credentials without a creation date.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();

    for credential in context.graph.credentials() {
        if credential.status != CredentialStatus::Active || !credential.kind.is_static_secret() {
            continue;
        }
        let Some(created) = credential.created else {
            continue;
        };
        let Some(identity) = context.graph.identity(&credential.identity) else {
            continue;
        };
        if !context.verified(identity, CoverageKind::Credentials) {
            continue;
        }
        let (max_age, source) = context.credential_max_age_for(&identity.key);
        let age = context.now.duration_since(created);
        if age <= max_age.to_signed_duration() {
            continue;
        }

        let days = age.as_hours() / 24;
        let label = credential
            .native_id
            .as_deref()
            .unwrap_or(credential.key.as_str());
        let finding = FindingDraft::about(
            &INFO,
            identity,
            format!(
                "active {} `{label}` of `{}` is {days} days old",
                credential.kind, identity.name
            ),
        )
        .environment(context.environment_of(identity).as_deref())
        .related(credential.key.as_str())
        .discriminator(credential.key.as_str())
        .evidence(format!("created {created}"))
        .evidence(format!("maximum age {max_age}, from {source}"))
        .build();
        findings.push(finding);
    }
    findings
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_declared::types::{CredentialPolicy, Duration};
    use roster_model::{Credential, CredentialKind, Identity};

    use super::*;
    use crate::testing::{Estate, credential, days_ago, roster, roster_group, run, user};

    fn key_created(owner: &Identity, id: &str, days: i64) -> Credential {
        let mut key = credential(owner, CredentialKind::AwsAccessKey, id);
        key.created = Some(days_ago(days));
        key
    }

    fn group_with_max_age(owner: &Identity, days: u64) -> roster_declared::types::GroupDeclaration {
        let mut group = roster_group(&[&owner.key]);
        group.credentials = Some(CredentialPolicy {
            max_age: Some(Duration::from_days(days)),
            long_lived: true,
        });
        group
    }

    #[test]
    fn stale_key_is_flagged() {
        let ci = user("ci");
        let graph = Estate::new()
            .credential(key_created(&ci, "AKIAOLD", 120))
            .credential(key_created(&ci, "AKIANEW", 10))
            .identity(ci)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.subject, "aws:111122223333:user:ci");
        assert_eq!(
            finding.message,
            "active aws-access-key `AKIAOLD` of `ci` is 120 days old"
        );
        assert_eq!(
            finding.evidence,
            [
                "created 2025-02-01T00:00:00Z",
                "maximum age 90d, from `settings.credential_max_age`",
            ]
        );
        assert_eq!(
            finding.related,
            ["aws:111122223333:user:ci:aws-access-key:AKIAOLD"]
        );
    }

    #[test]
    fn inactive_key_is_not_flagged() {
        let ci = user("ci");
        let mut key = key_created(&ci, "AKIAOLD", 400);
        key.status = CredentialStatus::Inactive;
        let graph = Estate::new().credential(key).identity(ci).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn console_password_is_not_a_static_secret() {
        let ci = user("ci");
        let mut password = credential(&ci, CredentialKind::ConsolePassword, "password");
        password.created = Some(days_ago(400));
        let graph = Estate::new().credential(password).identity(ci).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn strictest_group_max_age_wins() {
        let ci = user("ci");
        let mut roster = roster();
        roster
            .groups
            .insert("deployers".to_owned(), group_with_max_age(&ci, 60));
        roster
            .groups
            .insert("builders".to_owned(), group_with_max_age(&ci, 30));
        let graph = Estate::new()
            .credential(key_created(&ci, "AKIAOLD", 45))
            .identity(ci)
            .graph();

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].evidence[1],
            "maximum age 30d, from `credentials.max_age` of roster group `builders`"
        );
    }

    #[test]
    fn group_max_age_can_be_longer_than_settings() {
        let ci = user("ci");
        let mut roster = roster();
        roster
            .groups
            .insert("legacy".to_owned(), group_with_max_age(&ci, 365));
        let graph = Estate::new()
            .credential(key_created(&ci, "AKIAOLD", 120))
            .identity(ci)
            .graph();

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn unverified_credentials_give_no_finding() {
        let ci = user("ci");
        let graph = Estate::new()
            .credential(key_created(&ci, "AKIAOLD", 120))
            .identity(ci)
            .partial(CoverageKind::Credentials)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }
}
