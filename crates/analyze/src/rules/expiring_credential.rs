use jiff::tz::TimeZone;
use roster_model::{CredentialStatus, Finding, Severity};

use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST010",
    name: "expiring-credential",
    severity: Severity::Low,
    owasp: "NHI7 Long-Lived Secrets",
    summary: "An active key or secret that expires within `expiring_within`, or has expired \
              and is still listed as active.",
    why: "When a secret expires before its replacement is in place, the workload that uses it \
          stops; teams then rush the rotation or extend the secret without review.",
    fix: "Create the replacement credential and move the workload to it before the expiry \
          date, then delete the old one; delete an expired credential that nothing uses.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags active static credentials whose expiry falls within `expiring_within` from now or
/// has already passed. Console passwords are left out: their expiry is a password rotation
/// policy that the person meets at the next sign-in.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let window = context.settings.expiring_within.to_signed_duration();
    let mut findings = Vec::new();

    for credential in context.graph.credentials() {
        if credential.status != CredentialStatus::Active || !credential.kind.is_static_secret() {
            continue;
        }
        let Some(expires) = credential.expires else {
            continue;
        };
        let remaining = expires.duration_since(context.now);
        if remaining > window {
            continue;
        }
        let Some(identity) = context.graph.identity(&credential.identity) else {
            continue;
        };

        let label = credential
            .native_id
            .as_deref()
            .unwrap_or(credential.key.as_str());
        let date = expires.to_zoned(TimeZone::UTC).date();
        let (message, when) = if remaining.is_positive() {
            let days = remaining.as_hours() / 24;
            (
                format!(
                    "active {} `{label}` of `{}` expires on {date}",
                    credential.kind, identity.name
                ),
                format!("expires {expires}, in {days} days"),
            )
        } else {
            let days = remaining.abs().as_hours() / 24;
            (
                format!(
                    "{} `{label}` of `{}` expired on {date} but is still active",
                    credential.kind, identity.name
                ),
                format!("expired {expires}, {days} days ago"),
            )
        };
        let mut draft = FindingDraft::about(&INFO, identity, message)
            .environment(context.environment_of(identity).as_deref())
            .related(credential.key.as_str())
            .discriminator(credential.key.as_str())
            .evidence(when);
        if let Some(created) = credential.created {
            draft = draft.evidence(format!("created {created}"));
        }
        draft = draft.evidence(format!(
            "`expiring_within` is {}",
            context.settings.expiring_within
        ));
        findings.push(draft.build());
    }
    findings
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{Credential, CredentialKind, Identity, IdentityKind};

    use super::*;
    use crate::testing::{Estate, credential, days_ago, days_ahead, identity, run};

    fn secret(owner: &Identity, id: &str, expires_in_days: i64) -> Credential {
        let mut secret = credential(owner, CredentialKind::AzureClientSecret, id);
        secret.expires = Some(if expires_in_days >= 0 {
            days_ahead(expires_in_days)
        } else {
            days_ago(-expires_in_days)
        });
        secret
    }

    fn deployer() -> Identity {
        identity(IdentityKind::AzureServicePrincipal, "deployer")
    }

    #[test]
    fn secret_expiring_soon_is_flagged() {
        let app = deployer();
        let graph = Estate::new()
            .credential(secret(&app, "soon", 10))
            .credential(secret(&app, "later", 31))
            .identity(app)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(
            finding.message,
            "active azure-client-secret `soon` of `deployer` expires on 2025-06-11"
        );
        assert_eq!(
            finding.evidence,
            [
                "expires 2025-06-11T00:00:00Z, in 10 days",
                "`expiring_within` is 30d"
            ]
        );
    }

    #[test]
    fn expired_active_secret_says_expired() {
        let app = deployer();
        let graph = Estate::new()
            .credential(secret(&app, "old", -5))
            .identity(app)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "azure-client-secret `old` of `deployer` expired on 2025-05-27 but is still active"
        );
        assert_eq!(
            findings[0].evidence[0],
            "expired 2025-05-27T00:00:00Z, 5 days ago"
        );
    }

    #[test]
    fn inactive_or_undated_secret_is_not_flagged() {
        let app = deployer();
        let mut inactive = secret(&app, "inactive", 3);
        inactive.status = CredentialStatus::Inactive;
        let graph = Estate::new()
            .credential(inactive)
            .credential(credential(
                &app,
                CredentialKind::AzureClientSecret,
                "undated",
            ))
            .identity(app)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn console_password_expiry_is_not_flagged() {
        let person = identity(IdentityKind::AwsUser, "alice");
        let mut password = credential(&person, CredentialKind::ConsolePassword, "password");
        password.expires = Some(days_ahead(3));
        let graph = Estate::new().credential(password).identity(person).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn roster_window_applies() {
        let app = deployer();
        let graph = Estate::new()
            .credential(secret(&app, "soon", 10))
            .identity(app)
            .graph();
        let mut roster = crate::testing::roster();
        roster.settings.expiring_within = roster_declared::types::Duration::from_days(7);

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }
}
