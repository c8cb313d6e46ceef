use jiff::tz::TimeZone;
use roster_model::{
    CoverageKind, Credential, CredentialKind, CredentialStatus, Finding, IdentityKey, Severity,
};

use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST009",
    name: "long-lived-credential",
    severity: Severity::Medium,
    owasp: "NHI7 Long-Lived Secrets",
    summary: "A static key or secret where the roster group forbids them, or one that never \
              expires although its provider supports an expiry date.",
    why: "A static secret works from anywhere until someone revokes it; one without an expiry \
          date stays valid long after its workload, its owner and the people who copied it \
          have moved on.",
    fix: "Replace the secret with workload identity federation or short-lived tokens; where a \
          secret must remain, give it an expiry date and rotate it before then.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// GCP gives a user-managed key without an expiry the validity end `9999-12-31T23:59:59Z`.
/// That lies past `jiff::Timestamp::MAX`, so a provider records it as no expiry or as a time
/// in year 9999, and both count as none.
const NO_EXPIRY_YEAR: i16 = 9999;

/// Flags active static credentials of identities in a roster group that sets
/// `credentials.long_lived: false`, and Azure secrets, Azure certificates and GCP keys with
/// no expiry date. AWS access keys cannot expire, so only a group's policy flags them. The
/// missing expiry counts only where the identity's credentials were fully collected.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();

    for credential in context.graph.credentials() {
        if credential.status != CredentialStatus::Active || !credential.kind.is_static_secret() {
            continue;
        }
        let Some(identity) = context.graph.identity(&credential.identity) else {
            continue;
        };
        let forbidding = forbidding_groups(context, &identity.key);
        let never_expires =
            never_expires(credential) && context.verified(identity, CoverageKind::Credentials);
        if forbidding.is_empty() && !never_expires {
            continue;
        }

        let label = credential
            .native_id
            .as_deref()
            .unwrap_or(credential.key.as_str());
        let message = match forbidding.first() {
            Some(group) => format!(
                "active {} `{label}` of `{}` is a static secret, which roster group `{group}` forbids",
                credential.kind, identity.name
            ),
            None => format!(
                "active {} `{label}` of `{}` never expires",
                credential.kind, identity.name
            ),
        };
        let mut draft = FindingDraft::about(&INFO, identity, message)
            .environment(context.environment_of(identity).as_deref())
            .related(credential.key.as_str())
            .discriminator(credential.key.as_str());
        for group in &forbidding {
            draft = draft.evidence(format!(
                "roster group `{group}` sets `credentials.long_lived: false`"
            ));
        }
        if never_expires {
            draft = draft.evidence(format!(
                "no expiry date, although {} credentials can be given one",
                credential.kind
            ));
        }
        if let Some(created) = credential.created {
            draft = draft.evidence(format!("created {created}"));
        }
        findings.push(draft.build());
    }
    findings
}

/// Returns the roster groups of an identity that forbid long-lived credentials, by name.
fn forbidding_groups<'c>(context: &'c Context<'_>, key: &IdentityKey) -> Vec<&'c String> {
    context
        .roster_groups_of(key)
        .iter()
        .filter(|name| {
            context
                .roster_group(name)
                .and_then(|group| group.credentials.as_ref())
                .is_some_and(|policy| !policy.long_lived)
        })
        .collect()
}

/// Returns whether a credential of a kind that supports an expiry date has none.
fn never_expires(credential: &Credential) -> bool {
    let supports_expiry = matches!(
        credential.kind,
        CredentialKind::AzureClientSecret
            | CredentialKind::AzureCertificate
            | CredentialKind::GcpSaKey
    );
    supports_expiry
        && credential
            .expires
            .is_none_or(|at| at.to_zoned(TimeZone::UTC).year() >= NO_EXPIRY_YEAR)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_declared::types::CredentialPolicy;
    use roster_model::IdentityKind;

    use super::*;
    use crate::testing::{
        Estate, credential, days_ahead, identity, roster, roster_group, run, user,
    };

    fn forbidding_roster(members: &[&IdentityKey]) -> roster_declared::types::Roster {
        let mut group = roster_group(members);
        group.credentials = Some(CredentialPolicy {
            max_age: None,
            long_lived: false,
        });
        let mut roster = roster();
        roster.groups.insert("ci".to_owned(), group);
        roster
    }

    #[test]
    fn access_key_in_forbidding_group_is_flagged() {
        let ci = user("ci");
        let roster = forbidding_roster(&[&ci.key]);
        let graph = Estate::new()
            .credential(credential(&ci, CredentialKind::AwsAccessKey, "AKIA1"))
            .identity(ci)
            .graph();

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(
            finding.message,
            "active aws-access-key `AKIA1` of `ci` is a static secret, which roster group `ci` forbids"
        );
        assert_eq!(
            finding.evidence,
            ["roster group `ci` sets `credentials.long_lived: false`"]
        );
    }

    #[test]
    fn access_key_without_group_policy_is_not_flagged() {
        let ci = user("ci");
        let graph = Estate::new()
            .credential(credential(&ci, CredentialKind::AwsAccessKey, "AKIA1"))
            .identity(ci)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
        assert!(run(&RULE, &graph, Some(&roster())).is_empty());
    }

    #[test]
    fn federated_credential_is_not_flagged() {
        let app = identity(IdentityKind::AzureServicePrincipal, "deployer");
        let roster = forbidding_roster(&[&app.key]);
        let graph = Estate::new()
            .credential(credential(
                &app,
                CredentialKind::AzureFederatedCredential,
                "github",
            ))
            .identity(app)
            .graph();

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn azure_secret_without_expiry_is_flagged() {
        let app = identity(IdentityKind::AzureServicePrincipal, "deployer");
        let mut expiring = credential(&app, CredentialKind::AzureClientSecret, "expiring");
        expiring.expires = Some(days_ahead(180));
        let graph = Estate::new()
            .credential(credential(
                &app,
                CredentialKind::AzureClientSecret,
                "forever",
            ))
            .credential(expiring)
            .identity(app)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "active azure-client-secret `forever` of `deployer` never expires"
        );
        assert_eq!(
            findings[0].evidence,
            ["no expiry date, although azure-client-secret credentials can be given one"]
        );
    }

    #[test]
    fn gcp_key_valid_until_year_9999_never_expires() {
        let account = identity(
            IdentityKind::GcpServiceAccount,
            "ci@acme-prod.iam.gserviceaccount.com",
        );
        let mut key = credential(&account, CredentialKind::GcpSaKey, "0123abcd");
        key.expires = Some(jiff::Timestamp::MAX);
        let graph = Estate::new().credential(key).identity(account).graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.ends_with("never expires"));
    }

    #[test]
    fn unverified_credentials_give_no_expiry_finding() {
        let app = identity(IdentityKind::AzureServicePrincipal, "deployer");
        let graph = Estate::new()
            .credential(credential(
                &app,
                CredentialKind::AzureClientSecret,
                "forever",
            ))
            .identity(app)
            .partial(CoverageKind::Credentials)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn secret_in_forbidding_group_without_expiry_gives_one_finding() {
        let app = identity(IdentityKind::AzureServicePrincipal, "deployer");
        let roster = forbidding_roster(&[&app.key]);
        let graph = Estate::new()
            .credential(credential(
                &app,
                CredentialKind::AzureClientSecret,
                "forever",
            ))
            .identity(app)
            .graph();

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].evidence.len(), 2);
    }
}
