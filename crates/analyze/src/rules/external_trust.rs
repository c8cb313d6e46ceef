use std::collections::{BTreeMap, BTreeSet};

use roster_model::{
    Finding, Identity, IdentityKind, PrincipalKind, ProviderId, Severity, Trust, TrustCondition,
};

use crate::rules::scopes::{arn_account, aws_principal_account, roster_aws_accounts};
use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST022",
    name: "external-trust",
    severity: Severity::High,
    owasp: "NHI3 Vulnerable Third-Party NHI",
    summary: "A trust that lets an account outside the organization, or anyone, act as an \
              identity.",
    why: "Whoever controls the trusted account, or holds a token from the trusted identity \
          provider, can act as the identity; a vendor's breach or a public trust becomes \
          yours.",
    fix: "Remove the trust, or narrow it: name the exact role, require `sts:ExternalId` for a \
          vendor, add `aws:PrincipalOrgID` for a trust to anyone, and a `sub` condition for \
          web identity.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags trusts that reach outside the organization:
///
/// - an AWS account or identity in an account outside the organization: high, or medium
///   when `settings.organization.vendors` names the account's vendor. The accounts of the
///   roster's environments, `settings.organization.aws_accounts` and the trusting identity's
///   own account are inside.
/// - anyone (`*`): critical without a narrowing condition. A condition on the caller's
///   organization, account or ARN (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`,
///   `aws:SourceOrgID`, `aws:SourceOrgPaths`, `aws:SourceAccount`, `aws:PrincipalAccount`,
///   `aws:PrincipalArn`, `aws:SourceArn`) makes it not public: no finding when every value
///   of one such condition is inside, otherwise high, naming the condition.
/// - an OIDC provider without a condition on its `:sub` or `:aud` key: critical, since
///   anyone holding a token from that provider can assume the role. GitHub Actions needs a
///   `:sub` condition: the audience `sts.amazonaws.com` is the same for every repository.
///
/// - on a GCP service account, `allUsers` or `allAuthenticatedUsers` holding a role that
///   lets its members act as the account: critical, or high under a binding condition.
///
/// Services, SAML providers and OIDC providers with a `sub` or `aud` condition are not
/// external trust here.
///
/// NOTE: a GCP trust from another organization's member (a user or service account of a
/// foreign domain, a workload identity pool) is not judged: the roster does not list the
/// organization's own domains.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let organization = Organization::of(context);
    let mut findings = Vec::new();
    for trust in context.graph.trusts() {
        let Some(target) = context.graph.identity(&trust.target) else {
            continue;
        };
        let verdict = match trust.principal.kind {
            _ if target.provider == ProviderId::Gcp => gcp_trust(target, trust),
            PrincipalKind::Account | PrincipalKind::Identity => {
                account_trust(&organization, target, trust)
            }
            PrincipalKind::Anyone => anyone_trust(&organization, target, trust),
            PrincipalKind::Federated => federated_trust(target, trust),
            PrincipalKind::Service | PrincipalKind::DeletedPrincipal | PrincipalKind::Other => None,
        };
        let Some(verdict) = verdict else {
            continue;
        };
        findings.push(build(context, target, trust, verdict));
    }
    findings
}

/// The severity, message and evidence of a trust, before it becomes a finding.
struct Verdict {
    severity: Severity,
    message: String,
    evidence: Vec<String>,
}

/// The accounts, organizations and vendors that count as inside.
struct Organization {
    accounts: BTreeSet<String>,
    organization_ids: BTreeSet<String>,
    /// Vendor name by AWS account.
    vendors: BTreeMap<String, String>,
}

impl Organization {
    fn of(context: &Context<'_>) -> Organization {
        let settings = &context.settings.organization;
        let mut accounts = roster_aws_accounts(context);
        accounts.extend(settings.aws_accounts.iter().cloned());

        let mut vendors = BTreeMap::new();
        for (vendor, vendor_accounts) in &settings.vendors {
            for account in vendor_accounts {
                vendors
                    .entry(account.clone())
                    .or_insert_with(|| vendor.clone());
            }
        }
        Organization {
            accounts,
            organization_ids: settings.aws_organization_ids.iter().cloned().collect(),
            vendors,
        }
    }

    /// Returns whether an AWS account is inside: listed, or the trusting identity's own.
    fn has_account(&self, account: &str, target: &Identity) -> bool {
        self.accounts.contains(account)
            || (target.provider == ProviderId::Aws && target.scope.native_id() == account)
    }

    /// Returns whether every value of a narrowing condition names something inside.
    fn admits(&self, condition: &TrustCondition, target: &Identity) -> bool {
        let Some(narrowing) = Narrowing::of(&condition.key) else {
            return false;
        };
        !condition.values.is_empty()
            && condition.values.iter().all(|value| match narrowing {
                Narrowing::OrganizationId => self.organization_ids.contains(value),
                Narrowing::OrganizationPath => value
                    .split('/')
                    .next()
                    .is_some_and(|id| self.organization_ids.contains(id)),
                Narrowing::Account => self.has_account(value, target),
                Narrowing::Arn => {
                    arn_account(value).is_some_and(|account| self.has_account(account, target))
                }
            })
    }
}

/// A condition key that limits who may act through a trust to anyone.
#[derive(Clone, Copy)]
enum Narrowing {
    OrganizationId,
    OrganizationPath,
    Account,
    Arn,
}

impl Narrowing {
    fn of(key: &str) -> Option<Narrowing> {
        match key.to_ascii_lowercase().as_str() {
            "aws:principalorgid" | "aws:sourceorgid" => Some(Narrowing::OrganizationId),
            "aws:principalorgpaths" | "aws:sourceorgpaths" => Some(Narrowing::OrganizationPath),
            "aws:sourceaccount" | "aws:principalaccount" => Some(Narrowing::Account),
            "aws:principalarn" | "aws:sourcearn" => Some(Narrowing::Arn),
            _ => None,
        }
    }
}

fn account_trust(organization: &Organization, target: &Identity, trust: &Trust) -> Option<Verdict> {
    let account = aws_principal_account(&trust.principal)?;
    if organization.has_account(account, target) {
        return None;
    }

    let trusted = match trust.principal.kind {
        PrincipalKind::Account => format!("account {account}"),
        _ => format!("`{}` of account {account}", trust.principal.value),
    };
    let Some(vendor) = organization.vendors.get(account) else {
        return Some(Verdict {
            severity: Severity::High,
            message: format!(
                "{} `{}` is trusted by {trusted}, outside the organization",
                target.kind, target.name
            ),
            evidence: vec![format!(
                "account {account} is in no environment of the roster and not in \
                 settings.organization.aws_accounts"
            )],
        });
    };

    let mut evidence = vec![format!(
        "account {account} belongs to vendor `{vendor}` in settings.organization.vendors"
    )];
    let has_external_id = trust.conditions.iter().any(|condition| {
        condition.key.eq_ignore_ascii_case("sts:ExternalId") && narrows(condition)
    });
    if !has_external_id {
        evidence.push(
            "no `sts:ExternalId` condition: another customer of the vendor could have the \
             vendor act as this identity"
                .to_owned(),
        );
    }
    Some(Verdict {
        severity: Severity::Medium,
        message: format!(
            "{} `{}` is trusted by {vendor} ({account})",
            target.kind, target.name
        ),
        evidence,
    })
}

fn anyone_trust(organization: &Organization, target: &Identity, trust: &Trust) -> Option<Verdict> {
    let narrowing: Vec<&TrustCondition> = trust
        .conditions
        .iter()
        .filter(|condition| Narrowing::of(&condition.key).is_some() && narrows(condition))
        .collect();

    let Some(first) = narrowing.first() else {
        return Some(Verdict {
            severity: Severity::Critical,
            message: format!(
                "anyone can {} {} `{}`",
                act_verb(target),
                target.kind,
                target.name
            ),
            evidence: vec![format!(
                "the trust names principal `{}` with no condition on the caller's \
                 organization, account or ARN",
                trust.principal.value
            )],
        });
    };
    if narrowing
        .iter()
        .any(|condition| organization.admits(condition, target))
    {
        return None;
    }

    Some(Verdict {
        severity: Severity::High,
        message: format!(
            "any principal whose {} is {} can {} {} `{}`",
            first.key,
            values(first),
            act_verb(target),
            target.kind,
            target.name
        ),
        evidence: narrowing
            .iter()
            .map(|condition| {
                format!(
                    "{} {} {} names nothing the roster lists as inside the organization",
                    condition.operator,
                    condition.key,
                    values(condition)
                )
            })
            .collect(),
    })
}

fn gcp_trust(target: &Identity, trust: &Trust) -> Option<Verdict> {
    if trust.principal.kind != PrincipalKind::Anyone {
        return None;
    }
    let audience = if trust.principal.value == "allAuthenticatedUsers" {
        "anyone signed in to a Google account"
    } else {
        "anyone"
    };
    let mut evidence = vec![format!(
        "`{}` holds {} on it",
        trust.principal.value,
        trust.actions.join(", ")
    )];
    evidence.extend(
        trust
            .conditions
            .iter()
            .map(|condition| format!("only when {} {}", condition.key, values(condition))),
    );
    Some(Verdict {
        severity: if trust.conditions.is_empty() {
            Severity::Critical
        } else {
            Severity::High
        },
        message: format!("{audience} can act as {} `{}`", target.kind, target.name),
        evidence,
    })
}

fn federated_trust(target: &Identity, trust: &Trust) -> Option<Verdict> {
    let value = trust.principal.value.as_str();
    if value.contains(":saml-provider/") {
        return None;
    }
    let provider = value
        .split_once("oidc-provider/")
        .map_or(value, |(_, provider)| provider);
    let github = provider.eq_ignore_ascii_case(GITHUB_ACTIONS);

    let narrowed_on = |suffix: &str| {
        trust.conditions.iter().any(|condition| {
            condition.key.to_ascii_lowercase().ends_with(suffix) && narrows(condition)
        })
    };
    let has_subject = narrowed_on(":sub");
    let has_audience = narrowed_on(":aud");
    if has_subject || (has_audience && !github) {
        return None;
    }

    let evidence = if github && has_audience {
        format!(
            "the trust checks only `{provider}:aud`; every GitHub repository can request a \
             token with audience `sts.amazonaws.com`, so only `{provider}:sub` tells them apart"
        )
    } else {
        format!("the trust has no condition on `{provider}:sub` or `{provider}:aud`")
    };
    Some(Verdict {
        severity: Severity::Critical,
        message: format!(
            "anyone with a token from `{provider}` can {} {} `{}`",
            act_verb(target),
            target.kind,
            target.name
        ),
        evidence: vec![evidence],
    })
}

/// The OIDC issuer of GitHub Actions.
const GITHUB_ACTIONS: &str = "token.actions.githubusercontent.com";

/// Returns whether a condition limits the callers it admits: a string or ARN operator that
/// is not negated, not `...IfExists` and not `ForAllValues:` (the last two hold when the key
/// is absent), with at least one value other than `*`.
fn narrows(condition: &TrustCondition) -> bool {
    let operator = condition.operator.as_str();
    if operator.starts_with("ForAllValues:") {
        return false;
    }
    let base = operator.rsplit(':').next().unwrap_or(operator);
    let positive = (base.starts_with("String") || base.starts_with("Arn"))
        && !base.contains("Not")
        && !base.ends_with("IfExists");
    positive && condition.values.iter().any(|value| value != "*")
}

fn values(condition: &TrustCondition) -> String {
    let quoted: Vec<String> = condition
        .values
        .iter()
        .map(|value| format!("`{value}`"))
        .collect();
    quoted.join(" or ")
}

fn act_verb(target: &Identity) -> &'static str {
    match target.kind {
        IdentityKind::AwsRole => "assume",
        _ => "act as",
    }
}

fn build(context: &Context<'_>, target: &Identity, trust: &Trust, verdict: Verdict) -> Finding {
    let mut draft = FindingDraft::about(&INFO, target, verdict.message)
        .environment(context.environment_of(target).as_deref())
        .discriminator(trust.principal.value.as_str());
    if let Some(key) = &trust.principal.identity {
        draft = draft.related(key.as_str());
    }
    for line in verdict.evidence {
        draft = draft.evidence(line);
    }
    if !trust.actions.is_empty() {
        draft = draft.evidence(format!("trust allows {}", trust.actions.join(", ")));
    }
    let mut finding = draft.build();
    finding.severity = verdict.severity;
    finding
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_declared::types::{AwsScopes, EnvironmentScopes, Roster};

    use super::*;
    use crate::testing::{Estate, role, roster, run, trust_to};

    const GITHUB: &str =
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";

    fn condition(operator: &str, key: &str, value: &str) -> TrustCondition {
        TrustCondition {
            operator: operator.to_owned(),
            key: key.to_owned(),
            values: vec![value.to_owned()],
        }
    }

    fn trusted(kind: PrincipalKind, value: &str, conditions: Vec<TrustCondition>) -> Vec<Finding> {
        trusted_with(kind, value, conditions, &organization())
    }

    fn trusted_with(
        kind: PrincipalKind,
        value: &str,
        conditions: Vec<TrustCondition>,
        roster: &Roster,
    ) -> Vec<Finding> {
        let deploy = role("deploy");
        let mut trust = trust_to(&deploy, kind, value);
        trust.conditions = conditions;
        let graph = Estate::new().trust(trust).identity(deploy).graph();
        run(&RULE, &graph, Some(roster))
    }

    fn organization() -> Roster {
        let mut roster = roster();
        roster.environments.insert(
            "prod".to_owned(),
            EnvironmentScopes {
                aws: Some(AwsScopes {
                    accounts: vec!["222233334444".to_owned()],
                }),
                ..EnvironmentScopes::default()
            },
        );
        let organization = &mut roster.settings.organization;
        organization.aws_accounts = vec!["333344445555".to_owned()];
        organization.aws_organization_ids = vec!["o-mine12345".to_owned()];
        organization
            .vendors
            .insert("Datadog".to_owned(), vec!["464622532012".to_owned()]);
        roster
    }

    #[test]
    fn account_outside_organization_is_high() {
        let findings = trusted(
            PrincipalKind::Account,
            "arn:aws:iam::444455556666:root",
            vec![],
        );

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::High);
        assert_eq!(
            findings[0].message,
            "aws-role `deploy` is trusted by account 444455556666, outside the organization"
        );
    }

    #[test]
    fn identity_outside_organization_is_named() {
        let findings = trusted(
            PrincipalKind::Identity,
            "arn:aws:iam::444455556666:role/ci",
            vec![],
        );

        assert_eq!(
            findings[0].message,
            "aws-role `deploy` is trusted by `arn:aws:iam::444455556666:role/ci` of account \
             444455556666, outside the organization"
        );
    }

    #[test]
    fn accounts_inside_give_no_finding() {
        for value in [
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::222233334444:role/ci",
            "333344445555",
        ] {
            assert!(
                trusted(PrincipalKind::Account, value, vec![]).is_empty(),
                "{value}"
            );
        }
    }

    #[test]
    fn without_roster_only_own_account_is_inside() {
        let deploy = role("deploy");
        let graph = Estate::new()
            .trust(trust_to(
                &deploy,
                PrincipalKind::Account,
                "arn:aws:iam::111122223333:root",
            ))
            .trust(trust_to(
                &deploy,
                PrincipalKind::Account,
                "arn:aws:iam::222233334444:root",
            ))
            .identity(deploy)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("account 222233334444"));
    }

    #[test]
    fn known_vendor_is_medium_and_named() {
        let findings = trusted(
            PrincipalKind::Account,
            "arn:aws:iam::464622532012:root",
            vec![],
        );

        assert_eq!(findings[0].severity, Severity::Medium);
        assert_eq!(
            findings[0].message,
            "aws-role `deploy` is trusted by Datadog (464622532012)"
        );
        assert!(findings[0].evidence[1].starts_with("no `sts:ExternalId` condition"));
    }

    #[test]
    fn vendor_with_external_id_has_no_caveat() {
        let findings = trusted(
            PrincipalKind::Account,
            "arn:aws:iam::464622532012:root",
            vec![condition("StringEquals", "sts:ExternalId", "acme-7f3a")],
        );

        assert_eq!(
            findings[0].evidence,
            vec![
                "account 464622532012 belongs to vendor `Datadog` in settings.organization.vendors"
                    .to_owned(),
                "trust allows sts:AssumeRole".to_owned(),
            ]
        );
    }

    #[test]
    fn anyone_without_condition_is_critical() {
        let findings = trusted(PrincipalKind::Anyone, "*", vec![]);

        assert_eq!(findings[0].severity, Severity::Critical);
        assert_eq!(findings[0].message, "anyone can assume aws-role `deploy`");
    }

    #[test]
    fn anyone_narrowed_to_organization_is_inside() {
        for narrowing in [
            condition("StringEquals", "aws:PrincipalOrgID", "o-mine12345"),
            condition(
                "StringLike",
                "aws:PrincipalOrgPaths",
                "o-mine12345/r-ab12/*",
            ),
            condition("StringEquals", "aws:SourceAccount", "222233334444"),
            condition(
                "ArnLike",
                "aws:PrincipalArn",
                "arn:aws:iam::111122223333:role/ci-*",
            ),
        ] {
            let key = narrowing.key.clone();
            assert!(
                trusted(PrincipalKind::Anyone, "*", vec![narrowing]).is_empty(),
                "{key}"
            );
        }
    }

    #[test]
    fn anyone_narrowed_elsewhere_is_high() {
        let findings = trusted(
            PrincipalKind::Anyone,
            "*",
            vec![condition(
                "StringEquals",
                "aws:PrincipalOrgID",
                "o-other6789",
            )],
        );

        assert_eq!(findings[0].severity, Severity::High);
        assert_eq!(
            findings[0].message,
            "any principal whose aws:PrincipalOrgID is `o-other6789` can assume aws-role `deploy`"
        );
    }

    #[test]
    fn negated_or_optional_conditions_do_not_narrow() {
        for operator in [
            "StringNotEquals",
            "StringEqualsIfExists",
            "ForAllValues:StringEquals",
        ] {
            let findings = trusted(
                PrincipalKind::Anyone,
                "*",
                vec![condition(operator, "aws:PrincipalOrgID", "o-mine12345")],
            );
            assert_eq!(findings[0].severity, Severity::Critical, "{operator}");
        }
    }

    #[test]
    fn oidc_without_subject_or_audience_is_critical() {
        let findings = trusted(PrincipalKind::Federated, GITHUB, vec![]);

        assert_eq!(findings[0].severity, Severity::Critical);
        assert_eq!(
            findings[0].message,
            "anyone with a token from `token.actions.githubusercontent.com` can assume aws-role \
             `deploy`"
        );
    }

    #[test]
    fn github_audience_alone_is_critical() {
        let audience = condition(
            "StringEquals",
            "token.actions.githubusercontent.com:aud",
            "sts.amazonaws.com",
        );
        let subject = condition(
            "StringLike",
            "token.actions.githubusercontent.com:sub",
            "repo:acme/deploy:ref:refs/heads/main",
        );

        let loose = trusted(PrincipalKind::Federated, GITHUB, vec![audience.clone()]);
        let tight = trusted(PrincipalKind::Federated, GITHUB, vec![audience, subject]);

        assert_eq!(loose[0].severity, Severity::Critical);
        assert!(loose[0].evidence[0].contains("checks only"));
        assert!(tight.is_empty());
    }

    #[test]
    fn other_oidc_audience_narrows() {
        let findings = trusted(
            PrincipalKind::Federated,
            "accounts.google.com",
            vec![condition(
                "StringEquals",
                "accounts.google.com:aud",
                "1234.apps.googleusercontent.com",
            )],
        );

        assert!(findings.is_empty());
    }

    #[test]
    fn saml_and_services_are_not_external() {
        let saml = trusted(
            PrincipalKind::Federated,
            "arn:aws:iam::111122223333:saml-provider/okta",
            vec![],
        );
        let service = trusted(PrincipalKind::Service, "ecs-tasks.amazonaws.com", vec![]);

        assert!(saml.is_empty());
        assert!(service.is_empty());
    }

    #[test]
    fn public_member_on_service_account_is_critical() {
        let runner = crate::testing::identity(
            IdentityKind::GcpServiceAccount,
            "runner@acme-prod.iam.gserviceaccount.com",
        );
        let mut public = trust_to(&runner, PrincipalKind::Anyone, "allAuthenticatedUsers");
        public.actions = vec!["roles/iam.serviceAccountTokenCreator".to_owned()];
        let mut pool = trust_to(
            &runner,
            PrincipalKind::Federated,
            "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/*",
        );
        pool.actions = vec!["roles/iam.workloadIdentityUser".to_owned()];
        let graph = Estate::new()
            .trust(public)
            .trust(pool)
            .identity(runner)
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Critical);
        assert_eq!(
            findings[0].message,
            "anyone signed in to a Google account can act as gcp-service-account \
             `runner@acme-prod.iam.gserviceaccount.com`"
        );
        assert_eq!(
            findings[0].evidence[0],
            "`allAuthenticatedUsers` holds roles/iam.serviceAccountTokenCreator on it"
        );
    }
}
