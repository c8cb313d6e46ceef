use jiff::tz::TimeZone;
use roster_model::{Finding, Severity};

use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST014",
    name: "expired-declaration",
    severity: Severity::High,
    owasp: "NHI1 Improper Offboarding",
    summary: "An identity that still exists after the `expires` date of its declaration.",
    why: "The date was set when the identity was created for a migration, a test or a \
          contractor's work; once it passes, the identity is known to be unneeded but keeps \
          its rights and credentials.",
    fix: "Delete the identity and its declaration, or, if it is still needed, move its \
          `expires` date with the owner's agreement.",
    needs_roster: true,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags identities that a declaration names with an `expires` date before today (the UTC
/// date of `now`). When several declarations name the identity, the earliest passed date is
/// reported.
fn check(context: &Context<'_>) -> Vec<Finding> {
    let today = context.now.to_zoned(TimeZone::UTC).date();
    let mut findings = Vec::new();

    for identity in context.graph.identities() {
        let Some(expired) = context
            .declarations_of(&identity.key)
            .filter_map(|declaration| declaration.expires)
            .filter(|expires| *expires < today)
            .min()
        else {
            continue;
        };

        let mut draft = FindingDraft::about(
            &INFO,
            identity,
            format!(
                "{} `{}` still exists after its declaration expired on {expired}",
                identity.kind, identity.name
            ),
        )
        .environment(context.environment_of(identity).as_deref())
        .evidence(format!("declaration sets `expires: {expired}`"));
        draft = match context.owner_of(identity) {
            Some(owner) => draft.evidence(format!("owner `{}` from {}", owner.name, owner.source)),
            None => draft.evidence("no owner is declared or tagged"),
        };
        if !identity.enabled {
            draft = draft.evidence("the identity is disabled but not deleted");
        }
        findings.push(draft.build());
    }
    findings
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use jiff::civil::date;
    use roster_declared::types::{IdentityDeclaration, Roster};
    use roster_model::Identity;

    use super::*;
    use crate::testing::{Estate, declaration, role, roster, run};

    fn declared(
        identity: &Identity,
        expires: jiff::civil::Date,
        owner: Option<&str>,
    ) -> IdentityDeclaration {
        let mut declared = declaration(&identity.key);
        declared.expires = Some(expires);
        declared.owner = owner.map(str::to_owned);
        declared
    }

    fn roster_with(declarations: Vec<IdentityDeclaration>) -> Roster {
        let mut roster = roster();
        roster.identities = declarations;
        roster
    }

    #[test]
    fn past_expiry_is_flagged() {
        let migration = role("migration");
        let roster = roster_with(vec![declared(&migration, date(2025, 5, 31), Some("data"))]);
        let graph = Estate::new().identity(migration).graph();

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.subject, "aws:111122223333:role:migration");
        assert_eq!(
            finding.message,
            "aws-role `migration` still exists after its declaration expired on 2025-05-31"
        );
        assert_eq!(
            finding.evidence,
            [
                "declaration sets `expires: 2025-05-31`",
                "owner `data` from declaration"
            ]
        );
    }

    #[test]
    fn expiry_today_is_not_flagged() {
        let migration = role("migration");
        let roster = roster_with(vec![declared(&migration, date(2025, 6, 1), None)]);
        let graph = Estate::new().identity(migration).graph();

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn declaration_without_expiry_is_not_flagged() {
        let deploy = role("deploy");
        let roster = roster_with(vec![declaration(&deploy.key)]);
        let graph = Estate::new().identity(deploy).graph();

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn absent_identity_is_not_flagged() {
        let migration = role("migration");
        let roster = roster_with(vec![declared(&migration, date(2025, 1, 1), None)]);
        let graph = Estate::new().identity(role("other")).graph();

        assert!(run(&RULE, &graph, Some(&roster)).is_empty());
    }

    #[test]
    fn earliest_passed_date_is_reported() {
        let migration = role("migration");
        let roster = roster_with(vec![
            declared(&migration, date(2025, 3, 1), None),
            declared(&migration, date(2025, 1, 15), None),
        ]);
        let graph = Estate::new().identity(migration).graph();

        let findings = run(&RULE, &graph, Some(&roster));

        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].evidence,
            [
                "declaration sets `expires: 2025-01-15`",
                "no owner is declared or tagged"
            ]
        );
    }
}
