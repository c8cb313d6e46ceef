use jiff::{SignedDuration, Timestamp};
use roster_model::{CoverageKind, Finding, Identity, ServiceUsage, Severity, Usage, UsageState};

use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST006",
    name: "unused-permission",
    severity: Severity::Medium,
    owasp: "NHI5 Overprivileged NHI",
    summary: "A granted service, or a tracked action of one, not used within `unused_after`.",
    why: "Rights that an identity never exercises serve no workload, yet they are what an \
          attacker who obtains its credentials gets to use. Removing them shrinks the damage \
          a leak can do without breaking anything that runs today.",
    fix: "Remove the service's actions from the identity's policies, or narrow them to the \
          actions it uses. Usage evidence lags about four hours and counts denied attempts, so \
          confirm with the owner before removing rights that are used rarely.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags, for each enabled non-human identity whose permission usage was fully collected:
///
/// - every granted service not used within `unused_after` (or never used, when the identity
///   is older than `unused_after`);
/// - every used service whose tracked actions include some not used within `unused_after`,
///   in one finding per service that lists them.
///
/// People and roles that an AWS service manages are skipped. Usage is judged from the
/// identity's creation when it was never used, and skipped when the creation date is
/// unknown, because the grant may be recent.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let limit = context.settings.unused_after.to_signed_duration();
    let mut findings = Vec::new();

    for identity in context.graph.identities() {
        if !identity.enabled || context.is_human(&identity.key) || is_service_linked(identity) {
            continue;
        }
        if identity.service_usage.is_empty()
            || !context.verified(identity, CoverageKind::PermissionUsage)
        {
            continue;
        }
        for service in &identity.service_usage {
            findings.extend(check_service(context, identity, service, limit));
        }
    }
    findings
}

fn check_service(
    context: &Context<'_>,
    identity: &Identity,
    service: &ServiceUsage,
    limit: SignedDuration,
) -> Option<Finding> {
    let idle = idle_since(context.now, identity, &service.last_used, limit)?;
    match idle {
        Idle::Unused(described) => Some(unused_service(context, identity, service, described)),
        Idle::Used => {
            let unused: Vec<(&str, String)> = service
                .actions
                .iter()
                .filter_map(|action| {
                    match idle_since(context.now, identity, &action.last_used, limit)? {
                        Idle::Unused(described) => Some((action.action.as_str(), described)),
                        Idle::Used => None,
                    }
                })
                .collect();
            (!unused.is_empty()).then(|| unused_actions(context, identity, service, &unused))
        }
    }
}

/// Whether a usage is within `unused_after`.
enum Idle {
    Used,
    /// Not used within the limit, with the evidence as a sentence.
    Unused(String),
}

/// Judges one usage; `None` when nothing can be concluded (unknown usage, unknown creation).
fn idle_since(
    now: Timestamp,
    identity: &Identity,
    usage: &Usage,
    limit: SignedDuration,
) -> Option<Idle> {
    let (since, described) = match usage.state {
        UsageState::Unknown => return None,
        UsageState::Used => {
            let at = usage.last_used?;
            (at, format!("last used {at}"))
        }
        UsageState::NeverUsed => {
            let created = identity.created?;
            (
                created,
                format!("never used since the identity's creation on {created}"),
            )
        }
    };
    if now.duration_since(since) <= limit {
        return Some(Idle::Used);
    }
    Some(Idle::Unused(described))
}

fn unused_service(
    context: &Context<'_>,
    identity: &Identity,
    service: &ServiceUsage,
    described: String,
) -> Finding {
    let label = service_label(service);
    let mut draft = FindingDraft::about(
        &INFO,
        identity,
        format!(
            "{} `{}` has not used its {label} permissions within {}",
            identity.kind, identity.name, context.settings.unused_after
        ),
    )
    .environment(context.environment_of(identity).as_deref())
    .discriminator(service.service.as_str())
    .evidence(format!("{}: {described}", service.service));
    draft = usage_evidence(draft, &service.last_used);
    draft
        .evidence(format!(
            "`unused_after` is {}",
            context.settings.unused_after
        ))
        .build()
}

fn unused_actions(
    context: &Context<'_>,
    identity: &Identity,
    service: &ServiceUsage,
    unused: &[(&str, String)],
) -> Finding {
    let label = service_label(service);
    let mut draft = FindingDraft::about(
        &INFO,
        identity,
        format!(
            "{} `{}` has not used {} of its tracked {label} actions within {}",
            identity.kind,
            identity.name,
            unused.len(),
            context.settings.unused_after
        ),
    )
    .environment(context.environment_of(identity).as_deref())
    .discriminator(service.service.as_str());
    for (action, described) in unused {
        draft = draft
            .discriminator(*action)
            .evidence(format!("{action}: {described}"));
    }
    if let Some(action) = service.actions.first() {
        draft = usage_evidence(draft, &action.last_used);
    }
    draft
        .evidence(format!(
            "`unused_after` is {}",
            context.settings.unused_after
        ))
        .build()
}

fn usage_evidence(mut draft: FindingDraft, usage: &Usage) -> FindingDraft {
    draft = draft.evidence(format!("usage source: {}", usage.source));
    for blind_spot in &usage.blind_spots {
        draft = draft.evidence(format!("blind spot: {blind_spot}"));
    }
    draft
}

/// Names a service for a message: `s3 (Amazon S3)`, or the namespace alone.
fn service_label(service: &ServiceUsage) -> String {
    match &service.name {
        Some(name) => format!("`{}` ({name})", service.service),
        None => format!("`{}`", service.service),
    }
}

fn is_service_linked(identity: &Identity) -> bool {
    identity.aws.as_ref().is_some_and(|aws| aws.service_linked)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{ActionUsage, AwsIdentityDetails, IdentityKind};

    use super::*;
    use crate::testing::{Estate, days_ago, identity, role, run};

    const SOURCE: &str = "aws service last accessed";

    fn used(days: i64) -> Usage {
        Usage::used(days_ago(days), SOURCE).with_blind_spots(&["about four hours of lag"])
    }

    fn service(name: &str, last_used: Usage, actions: Vec<ActionUsage>) -> ServiceUsage {
        ServiceUsage {
            service: name.to_owned(),
            name: None,
            last_used,
            actions,
        }
    }

    fn role_using(services: Vec<ServiceUsage>) -> Identity {
        let mut deploy = role("deploy");
        deploy.created = Some(days_ago(400));
        deploy.service_usage = services;
        deploy
    }

    #[test]
    fn idle_service_is_flagged() {
        let graph = Estate::new()
            .identity(role_using(vec![service("s3", used(120), Vec::new())]))
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "aws-role `deploy` has not used its `s3` permissions within 90d"
        );
        assert_eq!(
            findings[0].evidence,
            [
                "s3: last used 2025-02-01T00:00:00Z",
                "usage source: aws service last accessed",
                "blind spot: about four hours of lag",
                "`unused_after` is 90d",
            ]
        );
    }

    #[test]
    fn recently_used_service_is_not_flagged() {
        let graph = Estate::new()
            .identity(role_using(vec![service("s3", used(10), Vec::new())]))
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn never_used_service_counts_from_creation() {
        let mut fresh = role_using(vec![service("sqs", Usage::never_used(SOURCE), Vec::new())]);
        fresh.created = Some(days_ago(30));
        let old = {
            let mut old = role_using(vec![service("sqs", Usage::never_used(SOURCE), Vec::new())]);
            old.name = "old".to_owned();
            old.key = "aws:111122223333:role:old".parse().unwrap();
            old
        };
        let graph = Estate::new().identity(fresh).identity(old).graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].subject, "aws:111122223333:role:old");
        assert_eq!(
            findings[0].evidence[0],
            "sqs: never used since the identity's creation on 2024-04-27T00:00:00Z"
        );
    }

    #[test]
    fn unused_tracked_actions_are_listed() {
        let actions = vec![
            ActionUsage {
                action: "s3:GetObject".to_owned(),
                last_used: used(5),
            },
            ActionUsage {
                action: "s3:PutObject".to_owned(),
                last_used: Usage::never_used(SOURCE),
            },
        ];
        let graph = Estate::new()
            .identity(role_using(vec![service("s3", used(5), actions)]))
            .graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "aws-role `deploy` has not used 1 of its tracked `s3` actions within 90d"
        );
        assert!(findings[0].evidence[0].starts_with("s3:PutObject: never used"));
    }

    #[test]
    fn unverified_usage_gives_no_finding() {
        let graph = Estate::new()
            .identity(role_using(vec![service("s3", used(120), Vec::new())]))
            .partial(CoverageKind::PermissionUsage)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn unknown_usage_gives_no_finding() {
        let graph = Estate::new()
            .identity(role_using(vec![service(
                "s3",
                Usage::unknown("not collected"),
                Vec::new(),
            )]))
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn service_linked_role_and_person_are_skipped() {
        let mut linked = role_using(vec![service("s3", used(200), Vec::new())]);
        linked.aws = Some(AwsIdentityDetails {
            service_linked: true,
            ..AwsIdentityDetails::default()
        });
        let mut person = identity(IdentityKind::Human, "alice");
        person.service_usage = vec![service("s3", used(200), Vec::new())];
        let graph = Estate::new().identity(linked).identity(person).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }
}
