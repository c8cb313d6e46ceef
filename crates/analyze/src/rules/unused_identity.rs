use roster_model::{CoverageKind, Finding, Identity, Severity, UsageState};

use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST005",
    name: "unused-identity",
    severity: Severity::Medium,
    owasp: "NHI1 Improper Offboarding",
    summary: "A non-human identity that has not authenticated within `unused_after`.",
    why: "An identity that nothing uses was left behind when its workload was retired: its \
          rights and trust remain open to whoever obtains its credentials, and nobody would \
          notice the use.",
    fix: "Confirm with the owner that nothing depends on the identity, disable it, wait for a \
          grace period, then delete it and its declaration.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags enabled non-human identities whose last authentication (or creation, when never
/// used) is older than `unused_after`. People, roles that an AWS service manages, and
/// identities whose usage was not fully collected are skipped. A disabled identity is
/// already out of use, so it is skipped too.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let limit = context.settings.unused_after.to_signed_duration();
    let mut findings = Vec::new();

    for identity in context.graph.identities() {
        if !identity.enabled || context.is_human(&identity.key) || is_service_linked(identity) {
            continue;
        }
        if !context.verified(identity, CoverageKind::IdentityUsage) {
            continue;
        }
        let usage = &identity.last_used;
        let (since, described) = match usage.state {
            UsageState::Unknown => continue,
            UsageState::Used => match usage.last_used {
                Some(at) => (at, format!("last authenticated {at}")),
                None => continue,
            },
            UsageState::NeverUsed => match identity.created {
                Some(created) => (
                    created,
                    format!("never authenticated since its creation on {created}"),
                ),
                None => continue,
            },
        };
        let idle = context.now.duration_since(since);
        if idle <= limit {
            continue;
        }

        let days = idle.as_hours() / 24;
        let mut draft = FindingDraft::about(
            &INFO,
            identity,
            format!(
                "{} `{}` has not authenticated for {days} days",
                identity.kind, identity.name
            ),
        )
        .environment(context.environment_of(identity).as_deref())
        .evidence(described)
        .evidence(format!("usage source: {}", usage.source));
        if let Some(detail) = &usage.detail {
            draft = draft.evidence(format!("last use seen in {detail}"));
        }
        for blind_spot in &usage.blind_spots {
            draft = draft.evidence(format!("blind spot: {blind_spot}"));
        }
        draft = draft.evidence(format!(
            "`unused_after` is {}",
            context.settings.unused_after
        ));
        findings.push(draft.build());
    }
    findings
}

fn is_service_linked(identity: &Identity) -> bool {
    identity.aws.as_ref().is_some_and(|aws| aws.service_linked)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::{AwsIdentityDetails, IdentityKind, Usage};

    use super::*;
    use crate::testing::{Estate, days_ago, identity, role, run};

    fn used_role(name: &str, days: i64) -> Identity {
        let mut identity = role(name);
        identity.last_used = Usage::used(days_ago(days), "aws role last used")
            .with_blind_spots(&["up to four hours of lag"]);
        identity
    }

    #[test]
    fn idle_role_is_flagged() {
        let graph = Estate::new().identity(used_role("deploy", 120)).graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.subject, "aws:111122223333:role:deploy");
        assert_eq!(
            finding.message,
            "aws-role `deploy` has not authenticated for 120 days"
        );
        assert_eq!(
            finding.evidence,
            [
                "last authenticated 2025-02-01T00:00:00Z",
                "usage source: aws role last used",
                "blind spot: up to four hours of lag",
                "`unused_after` is 90d",
            ]
        );
    }

    #[test]
    fn recently_used_role_is_not_flagged() {
        let graph = Estate::new().identity(used_role("deploy", 89)).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn never_used_role_counts_from_creation() {
        let mut old = role("old");
        old.last_used = Usage::never_used("aws role last used");
        old.created = Some(days_ago(200));
        let mut fresh = role("fresh");
        fresh.last_used = Usage::never_used("aws role last used");
        fresh.created = Some(days_ago(10));
        let graph = Estate::new().identity(old).identity(fresh).graph();

        let findings = run(&RULE, &graph, None);

        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].subject, "aws:111122223333:role:old");
        assert_eq!(
            findings[0].evidence[0],
            "never authenticated since its creation on 2024-11-13T00:00:00Z"
        );
    }

    #[test]
    fn unknown_usage_gives_no_finding() {
        let mut deploy = role("deploy");
        deploy.created = Some(days_ago(400));
        let graph = Estate::new().identity(deploy).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn unverified_usage_gives_no_finding() {
        let graph = Estate::new()
            .identity(used_role("deploy", 120))
            .partial(CoverageKind::IdentityUsage)
            .graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn service_linked_role_is_skipped() {
        let mut support = used_role("AWSServiceRoleForSupport", 400);
        support.aws = Some(AwsIdentityDetails {
            service_linked: true,
            ..AwsIdentityDetails::default()
        });
        let graph = Estate::new().identity(support).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn disabled_identity_is_skipped() {
        let mut retired = used_role("retired", 400);
        retired.enabled = false;
        let graph = Estate::new().identity(retired).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn person_is_skipped() {
        let mut person = identity(IdentityKind::Human, "alice");
        person.last_used = Usage::used(days_ago(400), "aws credential report");
        let graph = Estate::new().identity(person).graph();

        assert!(run(&RULE, &graph, None).is_empty());
    }

    #[test]
    fn roster_threshold_applies() {
        let graph = Estate::new().identity(used_role("deploy", 40)).graph();
        let mut roster = crate::testing::roster();
        roster.settings.unused_after = roster_declared::types::Duration::from_days(30);

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].evidence.last().unwrap(),
            "`unused_after` is 30d"
        );
    }
}
