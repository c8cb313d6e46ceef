use roster_model::{Finding, Identity, Principal, PrincipalKind, Severity, Trust};

use crate::rules::scopes::{
    aws_account_environment, aws_principal_account, key_parts, scope_environment,
};
use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST016",
    name: "cross-environment-trust",
    severity: Severity::High,
    owasp: "NHI8 Environment Isolation",
    summary: "An identity of one environment that an identity or account of another \
              environment can act as.",
    why: "A trust across environments lets whoever controls the weaker environment act in \
          the stronger one, which defeats the separation of environments.",
    fix: "Remove the principal from the trust, and give the workload an identity in the \
          environment it must act in.",
    needs_roster: true,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags trusts whose principal belongs to another environment than the identity it can act
/// as. An identity principal takes the environment of its identity, or of its scope when
/// the scan did not collect it. An account principal takes the environment of the account.
/// A trust to Google's identity provider (`accounts.google.com`) whose `sub` or `aud`
/// condition names the unique id of a GCP service account of the scan takes that account's
/// environment, so a trust between clouds is checked too. Trusts where either environment
/// is unknown are skipped.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for trust in context.graph.trusts() {
        let Some(target) = context.graph.identity(&trust.target) else {
            continue;
        };
        let Some(target_environment) = context.environment_of(target) else {
            continue;
        };
        let google = google_account(context, trust, &target_environment);
        let principal_environment = match google {
            Some(account) => context.environment_of(account),
            None => principal_environment(context, &trust.principal),
        };
        let Some(principal_environment) = principal_environment else {
            continue;
        };
        if principal_environment == target_environment {
            continue;
        }

        let principal = match google {
            Some(account) => format!(
                "`{}` ({} `{}`)",
                trust.principal.value, account.kind, account.name
            ),
            None => format!("`{}`", trust.principal.value),
        };
        let mut draft = FindingDraft::about(
            &INFO,
            target,
            format!(
                "{principal} of environment `{principal_environment}` can act as {} `{}` of \
                 environment `{target_environment}`",
                target.kind, target.name
            ),
        )
        .environment(Some(&target_environment))
        .discriminator(trust.principal.value.as_str());
        if let Some(key) = &trust.principal.identity {
            draft = draft.related(key.as_str());
        }
        if let Some(account) = google {
            draft = draft.related(account.key.as_str());
        }
        if !trust.actions.is_empty() {
            draft = draft.evidence(format!("trust allows {}", trust.actions.join(", ")));
        }
        for condition in &trust.conditions {
            let values: Vec<String> = condition
                .values
                .iter()
                .map(|value| format!("`{value}`"))
                .collect();
            draft = draft.evidence(format!(
                "only when {} {} is {}",
                condition.operator,
                condition.key,
                values.join(" or ")
            ));
        }
        findings.push(draft.build());
    }
    findings
}

/// The issuer of Google ID tokens, as AWS names it in a web identity trust.
const GOOGLE_ISSUER: &str = "accounts.google.com";

/// Returns the GCP service account that a trust to Google's identity provider admits: one
/// whose unique id a `sub` or `aud` condition names. Among several, one of another
/// environment than `own` comes first.
fn google_account<'g>(context: &'g Context<'_>, trust: &Trust, own: &str) -> Option<&'g Identity> {
    if trust.principal.kind != PrincipalKind::Federated || trust.principal.value != GOOGLE_ISSUER {
        return None;
    }
    let named: Vec<&Identity> = trust
        .conditions
        .iter()
        .filter(|condition| {
            let key = condition.key.to_ascii_lowercase();
            let operator = condition.operator.as_str();
            (key == "accounts.google.com:sub" || key == "accounts.google.com:aud")
                && operator.contains("String")
                && !operator.contains("Not")
        })
        .flat_map(|condition| condition.values.iter())
        .filter_map(|value| context.graph.identity_by_unique_id(value))
        .collect();
    named
        .iter()
        .find(|account| context.environment_of(account).as_deref() != Some(own))
        .or(named.first())
        .copied()
}

/// Returns the environment of a trusted identity or AWS account, or `None` for services,
/// federation, anyone and deleted principals.
fn principal_environment(context: &Context<'_>, principal: &Principal) -> Option<String> {
    match principal.kind {
        PrincipalKind::Identity => {
            if let Some(key) = &principal.identity {
                if let Some(environment) = context.environment_of_key(key) {
                    return Some(environment);
                }
                if let Some(parts) = key_parts(key.as_str()) {
                    return scope_environment(context, &parts.scope);
                }
            }
            aws_account_environment(context, aws_principal_account(principal)?)
        }
        PrincipalKind::Account => {
            aws_account_environment(context, aws_principal_account(principal)?)
        }
        PrincipalKind::Service
        | PrincipalKind::Federated
        | PrincipalKind::Anyone
        | PrincipalKind::DeletedPrincipal
        | PrincipalKind::Other => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_declared::types::{AwsScopes, EnvironmentScopes, Roster};
    use roster_graph::IdentityGraph;
    use roster_model::{Identity, IdentityKind, Trust, TrustCondition};

    use super::*;
    use crate::testing::{Estate, assign_environments, identity_in, role, roster, run, trust_to};

    const PROD: &str = "444455556666";

    fn environments() -> Roster {
        let mut roster = roster();
        for (name, account) in [("dev", "111122223333"), ("prod", PROD)] {
            roster.environments.insert(
                name.to_owned(),
                EnvironmentScopes {
                    aws: Some(AwsScopes {
                        accounts: vec![account.to_owned()],
                    }),
                    ..EnvironmentScopes::default()
                },
            );
        }
        roster
    }

    fn trusting(principal: impl FnOnce(&Identity) -> Trust) -> (IdentityGraph, Roster) {
        let deploy = identity_in(PROD, IdentityKind::AwsRole, "deploy");
        let roster = environments();
        let mut graph = Estate::new()
            .account(PROD)
            .identity(role("ci"))
            .trust(principal(&deploy))
            .identity(deploy)
            .graph();
        assign_environments(&mut graph, &roster);
        (graph, roster)
    }

    fn from_role(target: &Identity, key: &str) -> Trust {
        let mut trust = trust_to(
            target,
            PrincipalKind::Identity,
            "arn:aws:iam::111122223333:role/ci",
        );
        trust.principal.identity = Some(key.parse().unwrap());
        trust.principal.account = Some("111122223333".to_owned());
        trust
    }

    #[test]
    fn prod_role_trusted_by_dev_role_is_flagged() {
        let (graph, roster) = trusting(|target| {
            let mut trust = from_role(target, "aws:111122223333:role:ci");
            trust.conditions.push(TrustCondition {
                operator: "StringEquals".to_owned(),
                key: "sts:ExternalId".to_owned(),
                values: vec!["build".to_owned()],
            });
            trust
        });

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].subject, "aws:444455556666:role:deploy");
        assert_eq!(
            findings[0].message,
            "`arn:aws:iam::111122223333:role/ci` of environment `dev` can act as aws-role \
             `deploy` of environment `prod`"
        );
        assert_eq!(
            findings[0].related,
            vec!["aws:111122223333:role:ci".to_owned()]
        );
        assert_eq!(
            findings[0].evidence,
            vec![
                "trust allows sts:AssumeRole".to_owned(),
                "only when StringEquals sts:ExternalId is `build`".to_owned(),
            ]
        );
    }

    #[test]
    fn account_principal_takes_the_account_environment() {
        let (graph, roster) = trusting(|target| {
            trust_to(
                target,
                PrincipalKind::Account,
                "arn:aws:iam::111122223333:root",
            )
        });

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert!(
            findings[0]
                .message
                .starts_with("`arn:aws:iam::111122223333:root` of environment `dev`")
        );
    }

    #[test]
    fn uncollected_principal_takes_its_scope_environment() {
        let (graph, roster) = trusting(|target| from_role(target, "aws:111122223333:role:gone"));

        assert_eq!(run(&RULE, &graph, Some(&roster)).len(), 1);
    }

    #[test]
    fn same_environment_gives_no_finding() {
        let (graph, roster) = trusting(|target| {
            trust_to(
                target,
                PrincipalKind::Account,
                &format!("arn:aws:iam::{PROD}:root"),
            )
        });

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn unknown_environment_gives_no_finding() {
        let (graph, roster) = trusting(|target| {
            trust_to(
                target,
                PrincipalKind::Account,
                "arn:aws:iam::999999999999:root",
            )
        });

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn service_principal_is_not_an_environment() {
        let (graph, roster) =
            trusting(|target| trust_to(target, PrincipalKind::Service, "ecs-tasks.amazonaws.com"));

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn google_federation_takes_the_account_environment() {
        let mut roster = environments();
        roster.environments.get_mut("dev").unwrap().gcp = Some(roster_declared::types::GcpScopes {
            projects: vec!["acme-prod".to_owned()],
            ..roster_declared::types::GcpScopes::default()
        });
        let mut exporter = crate::testing::identity(
            IdentityKind::GcpServiceAccount,
            "exporter@acme-prod.iam.gserviceaccount.com",
        );
        exporter.unique_id = Some("104242424242424242424".to_owned());
        let deploy = identity_in(PROD, IdentityKind::AwsRole, "deploy");
        let mut trust = trust_to(&deploy, PrincipalKind::Federated, "accounts.google.com");
        trust.actions = vec!["sts:AssumeRoleWithWebIdentity".to_owned()];
        trust.conditions = vec![TrustCondition {
            operator: "StringEquals".to_owned(),
            key: "accounts.google.com:sub".to_owned(),
            values: vec!["104242424242424242424".to_owned()],
        }];
        let mut graph = Estate::new()
            .account(PROD)
            .identity(role("ci"))
            .identity(exporter)
            .trust(trust)
            .identity(deploy)
            .graph();
        assign_environments(&mut graph, &roster);

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "`accounts.google.com` (gcp-service-account \
             `exporter@acme-prod.iam.gserviceaccount.com`) of environment `dev` can act as \
             aws-role `deploy` of environment `prod`"
        );
        assert_eq!(
            findings[0].related,
            ["gcp:acme-prod:service-account:exporter@acme-prod.iam.gserviceaccount.com"]
        );
    }
}
