use std::collections::{BTreeMap, BTreeSet};

use roster_model::{Group, GroupKey, IdentityKey};
use serde_json::json;

use super::{Change, EventKind, change};
use crate::snapshot::ScopeSnapshot;

/// Computes member-added and member-removed events. A group that appears or disappears
/// counts as all of its members added or removed.
pub(super) fn changes(before: &ScopeSnapshot, after: &ScopeSnapshot) -> Vec<Change> {
    let old = members_by_group(&before.groups);
    let new = members_by_group(&after.groups);
    let groups: BTreeSet<&GroupKey> = old.keys().chain(new.keys()).copied().collect();
    let empty = BTreeSet::new();
    let mut changes = Vec::new();

    for group in groups {
        let old_members = old.get(group).unwrap_or(&empty);
        let new_members = new.get(group).unwrap_or(&empty);

        for member in new_members.difference(old_members) {
            let detail = json!({"group": group, "identity": member});
            changes.push(change(
                after,
                EventKind::MemberAdded,
                member.as_str(),
                detail,
            ));
        }
        for member in old_members.difference(new_members) {
            let detail = json!({"group": group, "identity": member});
            changes.push(change(
                after,
                EventKind::MemberRemoved,
                member.as_str(),
                detail,
            ));
        }
    }
    changes
}

fn members_by_group(groups: &[Group]) -> BTreeMap<&GroupKey, BTreeSet<&IdentityKey>> {
    let mut result: BTreeMap<&GroupKey, BTreeSet<&IdentityKey>> = BTreeMap::new();
    for group in groups {
        result.entry(&group.key).or_default().extend(&group.members);
    }
    result
}
