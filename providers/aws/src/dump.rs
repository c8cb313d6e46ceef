//! Translates the pages of account-authorization dumps into the parts of each account.
//!
//! Every user, group, role and customer-managed policy belongs to the account its ARN names,
//! so one dump can fill several accounts.

use std::collections::BTreeSet;

use rayon::prelude::*;
use roster_model::NoteKind;

use crate::account::{Accounts, ManagedPolicies, account_parts};
use crate::detect::DUMP_LISTS;
use crate::error::{ImportError, counted, quoted_list};
use crate::group::{GroupParts, translate_group};
use crate::pages::DumpFile;
use crate::policy::translate_managed_policy;
use crate::raw::Page;
use crate::role::{RoleParts, translate_role};
use crate::user::{UserParts, translate_user};

/// Adds the contents of one dump file to the accounts it names.
pub(crate) fn translate_dump(
    dump: DumpFile,
    accounts: &mut Accounts,
    managed: &mut ManagedPolicies,
) -> Result<(), ImportError> {
    let path = dump.path;
    let lists = lists_present(&dump.pages);
    let mut touched = BTreeSet::new();
    let mut duplicates = Vec::new();

    for page in dump.pages {
        for parts in translate_all(page.user_detail_list, |raw| translate_user(&path, raw)) {
            let parts = parts?;
            touched.insert(parts.account.clone());
            duplicates.extend(add_user(accounts, parts));
        }
        for parts in translate_all(page.group_detail_list, |raw| translate_group(&path, raw)) {
            let parts = parts?;
            touched.insert(parts.account.clone());
            duplicates.extend(add_group(accounts, parts));
        }
        for parts in translate_all(page.role_detail_list, |raw| translate_role(&path, raw)) {
            let parts = parts?;
            touched.insert(parts.account.clone());
            duplicates.extend(add_role(accounts, parts));
        }
        for policy in translate_all(page.policies, |raw| translate_managed_policy(&path, raw)) {
            let policy = policy?;
            touched.extend(policy.account.clone());
            managed.entry(policy.policy.key.clone()).or_insert(policy);
        }
    }

    if touched.is_empty() {
        return Err(ImportError::NoAccount { path });
    }
    tracing::debug!(path = %path.display(), accounts = touched.len(), "read account-authorization dump");

    for account in &touched {
        let parts = account_parts(accounts, account);
        let facts = parts.dump_facts();
        facts.lists.extend(lists.iter().copied());
        facts.truncations.extend(dump.truncation.clone());
    }
    note_duplicates(accounts, &path, duplicates);
    Ok(())
}

/// Translates the entries of one list on every core, keeping their order, so that the
/// first error in the file is the one reported.
fn translate_all<Raw: Send, Parts: Send>(
    entries: Option<Vec<Raw>>,
    translate: impl Fn(Raw) -> Result<Parts, ImportError> + Sync + Send,
) -> Vec<Result<Parts, ImportError>> {
    entries
        .unwrap_or_default()
        .into_par_iter()
        .map(translate)
        .collect()
}

/// Returns the top-level lists that at least one page holds.
fn lists_present(pages: &[Page]) -> BTreeSet<&'static str> {
    let [users, groups, roles, policies] = DUMP_LISTS;
    let mut lists = BTreeSet::new();
    for page in pages {
        if page.user_detail_list.is_some() {
            lists.insert(users);
        }
        if page.group_detail_list.is_some() {
            lists.insert(groups);
        }
        if page.role_detail_list.is_some() {
            lists.insert(roles);
        }
        if page.policies.is_some() {
            lists.insert(policies);
        }
    }
    lists
}

/// An entry that an earlier page or file already held: (account, key).
type Duplicate = (String, String);

fn add_user(accounts: &mut Accounts, user: UserParts) -> Option<Duplicate> {
    let parts = account_parts(accounts, &user.account);
    let key = user.identity.key.clone();
    if parts.identities.contains_key(&key) {
        return Some((user.account, key.to_string()));
    }

    for group_name in user.group_names {
        parts.memberships.push((group_name, key.clone()));
    }
    parts.inline_policies.extend(user.attachments.inline);
    parts
        .unreadable_policies
        .extend(user.attachments.unreadable);
    parts.grants.extend(user.attachments.grants);
    parts.identities.insert(key, user.identity);
    None
}

fn add_group(accounts: &mut Accounts, group: GroupParts) -> Option<Duplicate> {
    let parts = account_parts(accounts, &group.account);
    let key = group.group.key.clone();
    if parts.groups.contains_key(&key) {
        return Some((group.account, key.to_string()));
    }

    parts.inline_policies.extend(group.attachments.inline);
    parts
        .unreadable_policies
        .extend(group.attachments.unreadable);
    parts.grants.extend(group.attachments.grants);
    parts.groups.insert(key, group.group);
    None
}

fn add_role(accounts: &mut Accounts, role: RoleParts) -> Option<Duplicate> {
    let parts = account_parts(accounts, &role.account);
    let key = role.identity.key.clone();
    if parts.identities.contains_key(&key) {
        return Some((role.account, key.to_string()));
    }

    if role.deny_statements > 0 {
        parts.note(
            NoteKind::LossyInput,
            Some(key.to_string()),
            format!(
                "the trust policy of `{key}` has {}, which Roster does not apply, so its trusts may allow more than AWS does",
                counted(role.deny_statements, "Deny statement", "Deny statements")
            ),
        );
    }
    if !role.has_last_used {
        parts.dump_facts().roles_without_last_used += 1;
    }
    parts.inline_policies.extend(role.attachments.inline);
    parts
        .unreadable_policies
        .extend(role.attachments.unreadable);
    parts.grants.extend(role.attachments.grants);
    parts.trusts.extend(role.trusts);
    parts.identities.insert(key, role.identity);
    None
}

/// Notes, per account, the entries that appeared more than once; the first one was kept.
fn note_duplicates(accounts: &mut Accounts, path: &std::path::Path, duplicates: Vec<Duplicate>) {
    let mut by_account: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (account, key) in duplicates {
        by_account.entry(account).or_default().push(key);
    }
    for (account, keys) in by_account {
        let parts = account_parts(accounts, &account);
        parts.note(
            NoteKind::LossyInput,
            None,
            format!(
                "`{}` repeats {} that an earlier page or file already listed ({}); the first of each was kept",
                path.display(),
                counted(keys.len(), "entry", "entries"),
                quoted_list(&keys)
            ),
        );
    }
}
