use roster_model::{
    CoverageKind, Finding, IdentityKey, IdentityKind, ProviderId, ScopeId, Severity,
};

use crate::{Context, FindingDraft, Rule, RuleInfo};

pub const INFO: RuleInfo = RuleInfo {
    id: "RST002",
    name: "missing-identity",
    severity: Severity::Medium,
    owasp: "NHI1 Improper Offboarding",
    summary: "A declared identity that the scan did not find, where the scan was complete.",
    why: "Automation that depends on a declared identity will fail, or the roster lists an \
          identity that was deleted without updating the declaration.",
    fix: "Create the identity, or remove its declaration from the roster.",
    needs_roster: true,
};

pub const RULE: Rule = Rule { info: &INFO, check };

/// Flags identities declared by id that the graph lacks. The absence counts only when the
/// identities of that kind in that scope were fully collected.
fn check(context: &Context<'_>) -> Vec<Finding> {
    context
        .declared_absent()
        .iter()
        .filter(|(key, _)| absence_is_verified(context, key))
        .map(|(key, places)| {
            let (provider, scope, _) = parts(key);
            let mut draft = FindingDraft::new(
                &INFO,
                key.as_str(),
                format!("declared identity `{key}` was not found in scope `{scope}`"),
            )
            .scope(scope.clone())
            .environment(context.graph.environment_of_scope(&scope));
            if let Some(provider) = provider {
                draft = draft.provider(provider);
            }
            for place in places {
                draft = draft.evidence(format!("declared in {place}"));
            }
            draft.build()
        })
        .collect()
}

/// Returns whether the graph fully collected identities of the key's kind in the key's scope.
/// A scope the scan never reached is unverified, so its declared identities are not missing.
pub fn absence_is_verified(context: &Context<'_>, key: &IdentityKey) -> bool {
    let (_, scope, kind) = parts(key);
    context.graph.scope(&scope).is_some()
        && context.scope_verified(&scope, CoverageKind::Identities, kind)
}

fn parts(key: &IdentityKey) -> (Option<ProviderId>, ScopeId, Option<IdentityKind>) {
    let mut segments = key.as_str().splitn(4, ':');
    let provider = segments
        .next()
        .and_then(|text| text.parse::<ProviderId>().ok());
    let scope_native = segments.next().unwrap_or_default();
    let kind = segments.next().unwrap_or_default();
    let scope = match provider {
        Some(provider) => ScopeId::new(provider, scope_native),
        None => ScopeId::new(ProviderId::Aws, scope_native),
    };
    let kind = provider.and_then(|provider| IdentityKind::from_key_segment(provider, kind));
    (provider, scope, kind)
}
