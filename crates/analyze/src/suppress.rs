//! Applies the roster's suppressions to findings.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use roster_declared::types::Suppression;
use roster_model::{Finding, FindingStatus};

use crate::glob::glob_match;

/// Marks each finding that a suppression matches, and returns the suppressions that matched
/// nothing. A suppression is in force through the end of its `expires` date (UTC); after
/// that the finding counts again, with a warning.
pub fn apply(
    suppressions: &[Suppression],
    findings: &mut [Finding],
    now: Timestamp,
    warnings: &mut Vec<String>,
) -> Vec<Suppression> {
    let today = now.to_zoned(TimeZone::UTC).date();
    let mut used = vec![false; suppressions.len()];

    for finding in findings.iter_mut() {
        let in_force = suppressions
            .iter()
            .position(|suppression| matches(suppression, finding) && suppression.expires >= today);
        let any = || {
            suppressions
                .iter()
                .position(|suppression| matches(suppression, finding))
        };
        let Some(position) = in_force.or_else(any) else {
            continue;
        };
        used[position] = true;
        let suppression = &suppressions[position];

        if suppression.expires < today {
            finding.status = FindingStatus::SuppressionExpired;
            finding.suppression = Some(describe(suppression));
            warnings.push(format!(
                "suppression of `{}` for `{}` expired on {} (owner `{}`): the finding counts again",
                suppression.rule, finding.subject, suppression.expires, suppression.owner
            ));
        } else {
            finding.status = FindingStatus::Suppressed;
            finding.suppression = Some(describe(suppression));
        }
    }

    let stale: Vec<Suppression> = suppressions
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(suppression, _)| suppression.clone())
        .collect();
    for suppression in &stale {
        warnings.push(format!(
            "suppression of `{}` for `{}` matches no finding: remove it from the roster",
            suppression.rule, suppression.target
        ));
    }
    stale
}

/// Returns whether a suppression covers a finding: the rule name (or `*`) and either the
/// fingerprint or a subject pattern.
fn matches(suppression: &Suppression, finding: &Finding) -> bool {
    let rule_matches = suppression.rule == "*" || suppression.rule == finding.rule;
    rule_matches
        && (suppression.target == finding.fingerprint
            || glob_match(&suppression.target, &finding.subject, false))
}

fn describe(suppression: &Suppression) -> String {
    let ticket = suppression
        .ticket
        .as_deref()
        .map(|ticket| format!(", ticket {ticket}"))
        .unwrap_or_default();
    format!(
        "{} (owner {}, until {}{ticket})",
        suppression.reason, suppression.owner, suppression.expires
    )
}
