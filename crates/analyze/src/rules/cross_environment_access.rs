use std::collections::{BTreeMap, BTreeSet};

use roster_model::{Finding, Identity, Severity};
use roster_policy::aws::ResourceBlock;

use crate::rules::scopes::{arn_account, aws_account_environment, scope_environment};
use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST015",
    name: "cross-environment-access",
    severity: Severity::High,
    owasp: "NHI8 Environment Isolation",
    summary: "An identity of one environment that holds rights in another.",
    why: "Environments are separated so that a mistake or a breach in one stays there; a \
          development identity with rights in production carries development's weaker \
          controls into production.",
    fix: "Grant the rights to an identity of the environment that holds the resources, and \
          remove the grant or the resource statement that reaches across.",
    needs_roster: true,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags identities with rights in another environment than their own: a grant on a scope
/// of another environment, or, for AWS, an effective grant whose resource ARNs name an
/// account of another environment. One finding per identity and other environment.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for identity in context.graph.identities() {
        let Some(environment) = context.environment_of(identity) else {
            continue;
        };
        let reaches = reaches_by_environment(context, identity, &environment);

        for (other, evidence) in reaches {
            let mut draft = FindingDraft::about(
                &INFO,
                identity,
                format!(
                    "{} `{}` of environment `{environment}` holds rights in environment \
                     `{other}`",
                    identity.kind, identity.name
                ),
            )
            .environment(Some(&environment))
            .discriminator(other.as_str());
            for line in evidence {
                draft = draft.evidence(line);
            }
            findings.push(draft.build());
        }
    }
    findings
}

/// Returns, for each environment other than `own`, the evidence lines of the identity's
/// rights there.
fn reaches_by_environment(
    context: &Context<'_>,
    identity: &Identity,
    own: &str,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut reaches: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();

    for reaching in context.graph.grants_reaching(&identity.key) {
        let Some(other) = scope_environment(context, &reaching.grant.scope) else {
            continue;
        };
        if other == own {
            continue;
        }
        let mut line = format!(
            "policy `{}` granted on scope `{}`",
            reaching
                .policy
                .map_or(reaching.grant.policy.as_str(), |policy| policy
                    .name
                    .as_str()),
            reaching.grant.scope
        );
        if let Some(group) = reaching.via_group {
            line.push_str(&format!(" through group `{group}`"));
        }
        if reaching.grant.condition.is_some() {
            line.push_str(" (conditional)");
        }
        reaches.entry(other).or_default().insert(line);
    }

    if let Some(policies) = context.aws_policy_set(identity) {
        for grant in &policies.effective(context.now).grants {
            let ResourceBlock::Resource(resources) = grant.resources else {
                continue;
            };
            for resource in resources {
                let resource = resource.as_str();
                let Some(account) = arn_account(resource) else {
                    continue;
                };
                let Some(other) = aws_account_environment(context, account) else {
                    continue;
                };
                if other == own {
                    continue;
                }
                let mut line = format!(
                    "`{resource}` in account {account}, allowed by {}",
                    policies.describe(&grant.source)
                );
                let qualifications = policies.qualifications(grant, &grant.actions);
                if !qualifications.is_empty() {
                    line.push_str(&format!(" ({})", qualifications.join("; ")));
                }
                reaches.entry(other).or_default().insert(line);
            }
        }
    }
    reaches
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_declared::types::{AwsScopes, EnvironmentScopes, GcpScopes, Roster};
    use roster_graph::IdentityGraph;
    use roster_model::{
        Grant, IdentityKind, Policy, PolicyKey, PolicyKind, ProviderId, ScopeId, Subject,
    };
    use serde_json::{Value, json};

    use super::*;
    use crate::testing::{
        Estate, assign_environments, aws_policy, grant_to, identity, role, roster, run,
    };

    const PROD: &str = "444455556666";
    const STAGING: &str = "777788889999";

    fn environments() -> Roster {
        let mut roster = roster();
        for (name, account) in [
            ("dev", "111122223333"),
            ("prod", PROD),
            ("staging", STAGING),
        ] {
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
        roster.environments.get_mut("prod").unwrap().gcp = Some(GcpScopes {
            projects: vec!["acme-prod".to_owned()],
            ..GcpScopes::default()
        });
        roster.environments.get_mut("dev").unwrap().gcp = Some(GcpScopes {
            projects: vec!["projects/acme-dev".to_owned()],
            ..GcpScopes::default()
        });
        roster
    }

    fn graph_of(estate: Estate, roster: &Roster) -> IdentityGraph {
        let mut graph = estate.account(PROD).graph();
        assign_environments(&mut graph, roster);
        graph
    }

    fn allowing(resources: Value) -> Estate {
        let deploy = role("deploy");
        let policy = aws_policy(
            "orders",
            json!({"Statement": [
                {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": resources},
                {"Effect": "Deny", "Action": "*",
                 "Resource": format!("arn:aws:dynamodb:eu-west-1:{STAGING}:table/audit")}
            ]}),
        );
        Estate::new()
            .grant(grant_to(&deploy, &policy))
            .identity(deploy)
            .policy(policy)
    }

    #[test]
    fn resource_in_other_environment_is_flagged() {
        let roster = environments();
        let graph = graph_of(
            allowing(json!(format!(
                "arn:aws:dynamodb:eu-west-1:{PROD}:table/orders"
            ))),
            &roster,
        );

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "aws-role `deploy` of environment `dev` holds rights in environment `prod`"
        );
        assert_eq!(findings[0].environment.as_deref(), Some("dev"));
        assert_eq!(
            findings[0].evidence,
            vec![format!(
                "`arn:aws:dynamodb:eu-west-1:{PROD}:table/orders` in account {PROD}, allowed by \
                 policy `orders` statement 0"
            )]
        );
    }

    #[test]
    fn account_the_scan_missed_still_has_an_environment() {
        let roster = environments();
        let graph = graph_of(
            allowing(json!(format!("arn:aws:sqs:eu-west-1:{STAGING}:jobs"))),
            &roster,
        );

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.ends_with("environment `staging`"));
    }

    #[test]
    fn own_environment_and_accountless_arns_are_ignored() {
        let roster = environments();
        let graph = graph_of(
            allowing(json!([
                "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
                "arn:aws:s3:::orders-prod/*",
                "arn:aws:sqs:*:*:jobs",
                "*"
            ])),
            &roster,
        );

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn one_finding_per_other_environment() {
        let roster = environments();
        let graph = graph_of(
            allowing(json!([
                format!("arn:aws:dynamodb:eu-west-1:{PROD}:table/orders"),
                format!("arn:aws:dynamodb:eu-west-1:{PROD}:table/invoices"),
                format!("arn:aws:sqs:eu-west-1:{STAGING}:jobs")
            ])),
            &roster,
        );

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 2);
        assert_ne!(findings[0].fingerprint, findings[1].fingerprint);
        let prod = findings
            .iter()
            .find(|finding| finding.message.ends_with("`prod`"))
            .unwrap();
        assert_eq!(prod.evidence.len(), 2);
    }

    #[test]
    fn grant_on_scope_of_other_environment_is_flagged() {
        let roster = environments();
        let runner = identity(
            IdentityKind::GcpServiceAccount,
            "runner@acme-prod.iam.gserviceaccount.com",
        );
        let viewer = Policy {
            key: PolicyKey::new("roles/viewer"),
            provider: ProviderId::Gcp,
            kind: PolicyKind::GcpRole,
            name: "roles/viewer".to_owned(),
            native_id: None,
            document: None,
            version: None,
            permissions: vec!["resourcemanager.projects.get".to_owned()],
        };
        let grant = Grant {
            subject: Subject::Identity(runner.key.clone()),
            policy: viewer.key.clone(),
            scope: ScopeId::new(ProviderId::Gcp, "acme-dev"),
            condition: None,
        };
        let graph = graph_of(
            Estate::new().identity(runner).policy(viewer).grant(grant),
            &roster,
        );

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "gcp-service-account `runner@acme-prod.iam.gserviceaccount.com` of environment \
             `prod` holds rights in environment `dev`"
        );
        assert_eq!(
            findings[0].evidence,
            vec!["policy `roles/viewer` granted on scope `gcp:acme-dev`".to_owned()]
        );
    }

    #[test]
    fn identity_without_environment_is_skipped() {
        let roster = environments();
        let graph = allowing(json!(format!(
            "arn:aws:dynamodb:eu-west-1:{PROD}:table/orders"
        )))
        .account(PROD)
        .graph();

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }
}
