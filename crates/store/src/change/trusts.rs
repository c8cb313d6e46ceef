use std::collections::{BTreeMap, BTreeSet};

use roster_model::{IdentityKey, Trust};
use serde_json::{Value, json};

use super::{Change, EventKind, change};
use crate::canonical::canonical_json;

use crate::snapshot::ScopeSnapshot;

/// Computes trust-changed events: one per identity whose set of trusts differs, with the
/// whole set before and after.
pub(super) fn changes(before: &ScopeSnapshot, after: &ScopeSnapshot) -> Vec<Change> {
    let old = trusts_by_target(&before.trusts);
    let new = trusts_by_target(&after.trusts);
    let targets: BTreeSet<&IdentityKey> = old.keys().chain(new.keys()).copied().collect();
    let mut changes = Vec::new();

    for target in targets {
        let old_trusts = old.get(target).map(Vec::as_slice).unwrap_or_default();
        let new_trusts = new.get(target).map(Vec::as_slice).unwrap_or_default();
        if old_trusts == new_trusts {
            continue;
        }

        let detail = json!({
            "identity": target,
            "before": values(old_trusts),
            "after": values(new_trusts),
        });
        changes.push(change(
            after,
            EventKind::TrustChanged,
            target.as_str(),
            detail,
        ));
    }
    changes
}

/// Groups trusts by target, each list sorted by its canonical JSON and without duplicates,
/// so that order in the source never shows as a change.
fn trusts_by_target(trusts: &[Trust]) -> BTreeMap<&IdentityKey, Vec<(String, Value)>> {
    let mut result: BTreeMap<&IdentityKey, Vec<(String, Value)>> = BTreeMap::new();
    for trust in trusts {
        let Ok(value) = serde_json::to_value(trust) else {
            continue;
        };
        result
            .entry(&trust.target)
            .or_default()
            .push((canonical_json(&value), value));
    }
    for list in result.values_mut() {
        list.sort_by(|a, b| a.0.cmp(&b.0));
        list.dedup_by(|a, b| a.0 == b.0);
    }
    result
}

fn values(trusts: &[(String, Value)]) -> Vec<&Value> {
    trusts.iter().map(|(_, value)| value).collect()
}
