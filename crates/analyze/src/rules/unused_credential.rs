use jiff::SignedDuration;
use roster_model::{CoverageKind, CredentialStatus, Finding, Severity, UsageState};

use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST007",
    name: "unused-credential",
    severity: Severity::Medium,
    owasp: "NHI7 Long-Lived Secrets",
    summary: "An active key or secret not used within `unused_after`.",
    why: "An active credential that nothing uses is pure exposure: if it leaks, nobody will \
          notice its use, and nothing breaks when it is removed.",
    fix: "Deactivate the credential, wait for a grace period, then delete it.",
    needs_roster: false,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags active static credentials whose last use (or creation, when never used) is older
/// than `unused_after`. Credentials whose usage was not collected are skipped.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let limit = SignedDuration::from_hours(context.settings.unused_after.hours as i64);
    let mut findings = Vec::new();

    for credential in context.graph.credentials() {
        if credential.status != CredentialStatus::Active || !credential.kind.is_static_secret() {
            continue;
        }
        let Some(identity) = context.graph.identity(&credential.identity) else {
            continue;
        };
        if !context.verified(identity, CoverageKind::CredentialUsage) {
            continue;
        }
        let usage = &credential.last_used;
        let (since, described) = match usage.state {
            UsageState::Unknown => continue,
            UsageState::Used => match usage.last_used {
                Some(at) => (at, format!("last used {at}")),
                None => continue,
            },
            UsageState::NeverUsed => match credential.created {
                Some(created) => (
                    created,
                    format!("never used since its creation on {created}"),
                ),
                None => continue,
            },
        };
        let idle = context.now.duration_since(since);
        if idle <= limit {
            continue;
        }

        let days = idle.as_hours() / 24;
        let label = credential
            .native_id
            .as_deref()
            .unwrap_or(credential.key.as_str());
        let mut draft = FindingDraft::about(
            &INFO,
            identity,
            format!(
                "active {} `{label}` of `{}` unused for {days} days",
                credential.kind, identity.name
            ),
        )
        .environment(context.environment_of(identity).as_deref())
        .related(credential.key.as_str())
        .discriminator(credential.key.as_str())
        .evidence(described)
        .evidence(format!("usage source: {}", usage.source));
        for blind_spot in &usage.blind_spots {
            draft = draft.evidence(format!("blind spot: {blind_spot}"));
        }
        findings.push(draft.build());
    }
    findings
}
