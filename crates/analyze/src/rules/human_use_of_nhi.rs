use roster_model::{
    CoverageKind, CredentialKind, CredentialStatus, Finding, Identity, PrincipalKind, Severity,
    Signal, UsageState,
};

use crate::rules::gcp::names_person;
use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST019",
    name: "human-use-of-nhi",
    severity: Severity::High,
    owasp: "NHI10 Human Use of NHI",
    summary: "A non-human identity with a console password or interactive sign-ins, or that \
              people can act as.",
    why: "When people sign in as a machine identity, its actions can no longer be told apart \
          from theirs, its rights grow to suit people, and its password is shared without MFA \
          or offboarding.",
    fix: "Give each person their own account or role, remove the identity's console \
          password, and remove the roles that let people act as it (for GCP, Service Account \
          User, Token Creator and Key Admin); if the identity really is a person's account, \
          declare it with `human: true` and move it out of machine groups.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags identities judged non-human that have an active console password, carry evidence
/// of a console password or an interactive sign-in, or that a person's account can act as
/// through a trust. A GCP user granted Service Account Token Creator on a service account is
/// such a trust: the user can mint the account's tokens. The password credential counts only
/// where the identity's credentials were fully collected, but the evidence the provider
/// gathered and the trusts found always count.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();

    for identity in context.graph.identities() {
        if context.is_human(&identity.key) {
            continue;
        }
        let mut seen = password_facts(context, identity);
        seen.extend(signal_facts(identity));
        seen.extend(person_trust_facts(context, identity));
        if seen.is_empty() {
            continue;
        }

        let signed_in = seen.iter().any(|fact| fact.signed_in);
        let can_sign_in = seen.iter().any(|fact| !fact.by_trust);
        let message = if signed_in {
            format!(
                "non-human {} `{}` was signed in to interactively",
                identity.kind, identity.name
            )
        } else if can_sign_in {
            format!(
                "non-human {} `{}` can sign in interactively",
                identity.kind, identity.name
            )
        } else {
            format!(
                "people can act as non-human {} `{}`",
                identity.kind, identity.name
            )
        };
        let mut draft = FindingDraft::about(&INFO, identity, message)
            .environment(context.environment_of(identity).as_deref());
        for fact in seen {
            draft = draft.evidence(fact.line);
        }
        if let Some(verdict) = context.nature(&identity.key) {
            draft = draft.evidence(format!(
                "treated as non-human: {}",
                verdict.reasons.join(", ")
            ));
        }
        findings.push(draft.build());
    }
    findings
}

/// One thing seen that shows interactive use.
struct Fact {
    line: String,
    /// Whether it shows a sign-in that happened, not only the means for one.
    signed_in: bool,
    /// Whether it is a trust that lets a person act as the identity.
    by_trust: bool,
}

/// Describes the identity's active console passwords, when its credentials were fully
/// collected.
fn password_facts(context: &Context<'_>, identity: &Identity) -> Vec<Fact> {
    if !context.verified(identity, CoverageKind::Credentials) {
        return Vec::new();
    }
    context
        .graph
        .credentials_of(&identity.key)
        .filter(|credential| {
            credential.kind == CredentialKind::ConsolePassword
                && credential.status == CredentialStatus::Active
        })
        .map(
            |password| match (password.last_used.state, password.last_used.last_used) {
                (UsageState::Used, Some(at)) => Fact {
                    line: format!("active console password, last used {at}"),
                    signed_in: true,
                    by_trust: false,
                },
                (UsageState::NeverUsed, _) => Fact {
                    line: "active console password, never used".to_owned(),
                    signed_in: false,
                    by_trust: false,
                },
                _ => Fact {
                    line: "active console password, last use unknown".to_owned(),
                    signed_in: false,
                    by_trust: false,
                },
            },
        )
        .collect()
}

/// Describes the provider's evidence of a console password or an interactive sign-in.
fn signal_facts(identity: &Identity) -> impl Iterator<Item = Fact> + '_ {
    identity
        .evidence
        .iter()
        .filter(|evidence| {
            matches!(
                evidence.signal,
                Signal::ConsolePassword | Signal::InteractiveSignIn
            )
        })
        .map(|evidence| Fact {
            line: evidence.detail.clone(),
            signed_in: evidence.signal == Signal::InteractiveSignIn,
            by_trust: false,
        })
}

/// Describes the trusts that let a person's account act as the identity.
fn person_trust_facts<'c>(
    context: &'c Context<'_>,
    identity: &'c Identity,
) -> impl Iterator<Item = Fact> + 'c {
    context
        .graph
        .trusts_to(&identity.key)
        .filter(|trust| trust.principal.kind == PrincipalKind::Identity)
        .filter(|trust| trust.principal.identity.as_ref().is_some_and(names_person))
        .map(|trust| {
            let mut line = format!(
                "person `{}` can act as it through {}",
                trust.principal.value,
                trust.actions.join(", ")
            );
            if !trust.conditions.is_empty() {
                line.push_str(" (conditional)");
            }
            Fact {
                line,
                signed_in: false,
                by_trust: true,
            }
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{Evidence, IdentityKind, Nature, Usage};

    use super::*;
    use crate::testing::{
        Estate, credential, days_ago, declaration, identity, roster, run, trust_to, user,
    };

    fn evidence(signal: Signal, points_to: Nature, detail: &str) -> Evidence {
        Evidence {
            signal,
            points_to,
            detail: detail.to_owned(),
        }
    }

    /// A user with access keys in use and no MFA device stays non-human under the nature
    /// rules, whatever its password shows.
    fn machine_user(name: &str) -> Identity {
        let mut machine = user(name);
        machine.evidence.push(evidence(
            Signal::ProgrammaticUse,
            Nature::NonHuman,
            "access key used 2025-05-30",
        ));
        machine
    }

    #[test]
    fn used_console_password_is_flagged() {
        let ci = machine_user("ci");
        let mut password = credential(&ci, CredentialKind::ConsolePassword, "password");
        password.last_used = Usage::used(days_ago(3), "aws credential report");
        let graph = Estate::new().credential(password).identity(ci).graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.subject, "aws:111122223333:user:ci");
        assert_eq!(
            finding.message,
            "non-human aws-user `ci` was signed in to interactively"
        );
        assert_eq!(
            finding.evidence,
            [
                "active console password, last used 2025-05-29T00:00:00Z",
                "treated as non-human: access key used 2025-05-30, no MFA device",
            ]
        );
    }

    #[test]
    fn password_signal_is_flagged_without_credentials() {
        let mut ci = machine_user("ci");
        ci.evidence.push(evidence(
            Signal::ConsolePassword,
            Nature::Human,
            "console password enabled",
        ));
        let graph = Estate::new()
            .identity(ci)
            .partial(CoverageKind::Credentials)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "non-human aws-user `ci` can sign in interactively"
        );
        assert_eq!(findings[0].evidence[0], "console password enabled");
    }

    #[test]
    fn unverified_credentials_hide_the_password() {
        let ci = machine_user("ci");
        let graph = Estate::new()
            .credential(credential(&ci, CredentialKind::ConsolePassword, "password"))
            .identity(ci)
            .partial(CoverageKind::Credentials)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn inactive_password_is_not_flagged() {
        let ci = machine_user("ci");
        let mut password = credential(&ci, CredentialKind::ConsolePassword, "password");
        password.status = CredentialStatus::Inactive;
        let graph = Estate::new().credential(password).identity(ci).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn person_is_not_flagged() {
        let mut alice = user("alice");
        alice
            .evidence
            .push(evidence(Signal::MfaDevice, Nature::Human, "MFA device"));
        alice.evidence.push(evidence(
            Signal::InteractiveSignIn,
            Nature::Human,
            "console sign-in 2025-05-30",
        ));
        let graph = Estate::new()
            .credential(credential(
                &alice,
                CredentialKind::ConsolePassword,
                "password",
            ))
            .identity(alice)
            .identity(identity(IdentityKind::Human, "bob"))
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn declared_machine_with_sign_in_is_flagged() {
        let mut ops = user("ops");
        ops.evidence.push(evidence(
            Signal::InteractiveSignIn,
            Nature::Human,
            "console sign-in 2025-05-30",
        ));
        let mut declared = declaration(&ops.key);
        declared.human = Some(false);
        let mut roster = roster();
        roster.identities.push(declared);
        let graph = Estate::new().identity(ops).graph();

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].evidence,
            [
                "console sign-in 2025-05-30",
                "treated as non-human: the roster declares it",
            ]
        );
    }

    #[test]
    fn person_with_token_creator_is_flagged() {
        let runner = identity(
            IdentityKind::GcpServiceAccount,
            "runner@acme-prod.iam.gserviceaccount.com",
        );
        let mut person = trust_to(&runner, PrincipalKind::Identity, "user:priya@example.com");
        person.actions = vec!["roles/iam.serviceAccountTokenCreator".to_owned()];
        person.principal.identity =
            Some("gcp:example.com:human:priya@example.com".parse().unwrap());
        let mut machine = trust_to(
            &runner,
            PrincipalKind::Identity,
            "serviceAccount:ci@acme-prod.iam.gserviceaccount.com",
        );
        machine.principal.identity = Some(
            "gcp:acme-prod:service-account:ci@acme-prod.iam.gserviceaccount.com"
                .parse()
                .unwrap(),
        );
        let graph = Estate::new()
            .trust(person)
            .trust(machine)
            .identity(runner)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "people can act as non-human gcp-service-account \
             `runner@acme-prod.iam.gserviceaccount.com`"
        );
        assert_eq!(
            findings[0].evidence[0],
            "person `user:priya@example.com` can act as it through \
             roles/iam.serviceAccountTokenCreator"
        );
    }
}
