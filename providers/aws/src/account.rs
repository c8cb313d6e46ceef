//! Everything imported for one AWS account, and its assembly into an [`Inventory`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use foldhash::HashMap;

use roster_model::{
    Boundary, Credential, Grant, Group, GroupKey, Identity, IdentityKey, Inventory, InventoryNote,
    NoteKind, Policy, PolicyKey, ProviderId, Scope, ScopeId, ScopeKind, Subject, Trust,
};

use crate::coverage::account_coverage;
use crate::policy::{ManagedPolicy, UnreadablePolicy};

/// Imported parts by account id.
pub(crate) type Accounts = BTreeMap<String, AccountParts>;

/// Managed policies from every dump, by ARN. AWS-provided policies are shared by accounts.
pub(crate) type ManagedPolicies = BTreeMap<PolicyKey, ManagedPolicy>;

/// Parts imported for one account, before coverage is decided.
#[derive(Debug)]
pub(crate) struct AccountParts {
    pub scope: ScopeId,
    pub identities: BTreeMap<IdentityKey, Identity>,
    pub groups: BTreeMap<GroupKey, Group>,
    /// (group name, member) pairs from the users' `GroupList`.
    pub memberships: Vec<(String, IdentityKey)>,
    pub inline_policies: Vec<Policy>,
    /// Inline policies whose documents the policy engine rejects.
    pub unreadable_policies: Vec<UnreadablePolicy>,
    pub grants: Vec<Grant>,
    pub trusts: Vec<Trust>,
    pub credentials: Vec<Credential>,
    pub notes: Vec<InventoryNote>,
    /// Set when at least one account-authorization dump covers the account.
    pub dump: Option<DumpFacts>,
    /// Set when a credential report covers the account.
    pub report: Option<ReportFacts>,
}

/// Gaps of the dumps of an account, for coverage.
#[derive(Debug, Default)]
pub(crate) struct DumpFacts {
    /// The top-level lists present in the dumps that hold the account.
    pub lists: BTreeSet<&'static str>,
    /// Truncation reasons, one per truncated dump file of the account.
    pub truncations: Vec<String>,
    pub roles_without_last_used: usize,
}

/// Gaps of the credential report of an account, for coverage.
#[derive(Debug)]
pub(crate) struct ReportFacts {
    pub path: PathBuf,
    /// Users of the dump that the report has no row for.
    pub users_without_row: Vec<String>,
}

impl AccountParts {
    pub fn new(account: &str) -> Self {
        AccountParts {
            scope: ScopeId::new(ProviderId::Aws, account),
            identities: BTreeMap::new(),
            groups: BTreeMap::new(),
            memberships: Vec::new(),
            inline_policies: Vec::new(),
            unreadable_policies: Vec::new(),
            grants: Vec::new(),
            trusts: Vec::new(),
            credentials: Vec::new(),
            notes: Vec::new(),
            dump: None,
            report: None,
        }
    }

    pub fn dump_facts(&mut self) -> &mut DumpFacts {
        self.dump.get_or_insert_with(DumpFacts::default)
    }

    pub fn note(&mut self, kind: NoteKind, subject: Option<String>, message: String) {
        self.notes.push(InventoryNote {
            kind,
            scope: self.scope.clone(),
            subject,
            message,
        });
    }

    /// Returns whether the dumps list every user of the account.
    pub fn dump_lists_all_users(&self) -> bool {
        self.dump.as_ref().is_some_and(|dump| {
            dump.lists.contains("UserDetailList") && dump.truncations.is_empty()
        })
    }
}

/// Returns the parts of an account, creating them on first use.
pub(crate) fn account_parts<'a>(accounts: &'a mut Accounts, account: &str) -> &'a mut AccountParts {
    accounts
        .entry(account.to_owned())
        .or_insert_with(|| AccountParts::new(account))
}

/// Resolves references, decides coverage and collects every account into one inventory.
pub(crate) fn build_inventory(
    mut accounts: Accounts,
    managed: ManagedPolicies,
    sources: Vec<String>,
) -> Inventory {
    note_unattached_policy_issues(&mut accounts, &managed);

    let managed_keys: HashMap<&str, &PolicyKey> =
        managed.keys().map(|key| (key.as_str(), key)).collect();
    let mut inventory = Inventory::new(ProviderId::Aws);
    for (account, mut parts) in accounts {
        resolve_memberships(&mut parts);
        let gaps = check_policy_references(&mut parts, &managed);
        share_policy_keys(&mut parts.grants, &managed_keys);

        for (kind, identity_kind, status) in account_coverage(&account, &parts, &gaps) {
            inventory.set_coverage(&parts.scope, kind, identity_kind, status);
        }
        tracing::info!(
            provider = "aws",
            account = %account,
            identities = parts.identities.len(),
            groups = parts.groups.len(),
            credentials = parts.credentials.len(),
            notes = parts.notes.len(),
            "imported account"
        );

        inventory
            .scopes
            .push(Scope::new(ProviderId::Aws, ScopeKind::AwsAccount, &account));
        inventory.identities.extend(parts.identities.into_values());
        inventory.groups.extend(parts.groups.into_values());
        inventory.policies.extend(parts.inline_policies);
        inventory.grants.extend(parts.grants);
        inventory.trusts.extend(parts.trusts);
        inventory.credentials.extend(parts.credentials);
        inventory.notes.extend(parts.notes);
    }

    inventory
        .policies
        .extend(managed.into_values().map(|managed| managed.policy));
    inventory.sources = sources;
    inventory.sort();
    inventory
}

/// Gives each grant of a managed policy the policy's own key instead of the copy its
/// attachment was read with, so that a million attachments share a few thousand keys.
fn share_policy_keys(grants: &mut [Grant], managed_keys: &HashMap<&str, &PolicyKey>) {
    for grant in grants {
        if let Some(key) = managed_keys.get(grant.policy.as_str()) {
            grant.policy = (*key).clone();
        }
    }
}

/// Adds the users' `GroupList` entries to their groups. A group that the dump does not list
/// gets a note instead of a made-up group.
fn resolve_memberships(parts: &mut AccountParts) {
    let memberships = std::mem::take(&mut parts.memberships);
    for (group_name, member) in memberships {
        let key = GroupKey::from_parts(ProviderId::Aws, parts.scope.native_id(), &group_name);
        match parts.groups.get_mut(&key) {
            Some(group) => group.members.push(member),
            None => parts.note(
                NoteKind::UnresolvedReference,
                Some(key.to_string()),
                format!("user `{member}` is a member of group `{group_name}`, which the dump does not list"),
            ),
        }
    }
    for group in parts.groups.values_mut() {
        group.members.sort();
        group.members.dedup();
    }
}

/// The policies of an account whose permissions are unknown, for the coverage of grants.
#[derive(Debug, Default)]
pub(crate) struct PolicyGaps {
    /// Managed policies attached or used as a boundary whose documents the dumps lack.
    pub absent: Vec<PolicyKey>,
    /// Inline and managed policies whose documents the policy engine rejects.
    pub unreadable: Vec<PolicyKey>,
}

/// Notes every managed policy that the account attaches or uses as a boundary but whose
/// document is unknown, and every policy whose document is invalid, and returns them for the
/// coverage of grants.
fn check_policy_references(parts: &mut AccountParts, managed: &ManagedPolicies) -> PolicyGaps {
    let mut absent: BTreeMap<PolicyKey, Vec<String>> = BTreeMap::new();
    let mut flawed: BTreeSet<PolicyKey> = BTreeSet::new();
    for reference in policy_references(parts) {
        match managed.get(reference.policy) {
            None => absent
                .entry(reference.policy.clone())
                .or_default()
                .push(reference.by.describe()),
            Some(found) if found.issue.is_some() => {
                flawed.insert(reference.policy.clone());
            }
            Some(_) => {}
        }
    }

    let mut gaps = PolicyGaps::default();
    for (policy, mut users) in absent {
        users.sort();
        users.dedup();
        let users = crate::error::quoted_list(&users);
        parts.note(
            NoteKind::MissingPolicy,
            Some(policy.to_string()),
            format!("managed policy `{policy}` is attached to {users} but absent from the dump's Policies list, so its permissions are unknown"),
        );
        gaps.absent.push(policy);
    }
    for policy in flawed {
        let Some(issue) = managed.get(&policy).and_then(|found| found.issue.clone()) else {
            continue;
        };
        if issue.unreadable {
            gaps.unreadable.push(policy.clone());
        } else if issue.kind == NoteKind::MissingPolicy {
            gaps.absent.push(policy.clone());
        }
        parts.note(
            issue.kind,
            Some(policy.to_string()),
            format!("managed policy `{policy}`: {}", issue.message),
        );
    }
    for unreadable in std::mem::take(&mut parts.unreadable_policies) {
        parts.note(
            NoteKind::LossyInput,
            Some(unreadable.key.to_string()),
            format!(
                "inline policy `{}` has an invalid document, so its permissions are unknown: {}",
                unreadable.key, unreadable.reason
            ),
        );
        gaps.unreadable.push(unreadable.key);
    }
    gaps.absent.sort();
    gaps.unreadable.sort();
    gaps.unreadable.dedup();
    gaps
}

/// Returns (managed policy, who uses it) for every attachment and permission boundary.
fn policy_references(parts: &AccountParts) -> impl Iterator<Item = PolicyReference<'_>> {
    let attachments = parts
        .grants
        .iter()
        .filter(|grant| !grant.policy.as_str().starts_with("inline:"))
        .map(|grant| PolicyReference {
            policy: &grant.policy,
            by: Referrer::Grant(&grant.subject),
        });
    let boundaries = parts
        .identities
        .values()
        .filter_map(|identity| match &identity.boundary {
            Boundary::Policy(policy) => Some(PolicyReference {
                policy,
                by: Referrer::Boundary(&identity.key),
            }),
            Boundary::NotCollected | Boundary::None => None,
        });
    attachments.chain(boundaries)
}

/// A managed policy that a grant or a permission boundary of an account refers to.
struct PolicyReference<'p> {
    policy: &'p PolicyKey,
    by: Referrer<'p>,
}

/// The referrer of a managed policy: a grant or a permission boundary.
enum Referrer<'p> {
    /// A grant to this identity or group.
    Grant(&'p Subject),
    /// The permission boundary of this identity.
    Boundary(&'p IdentityKey),
}

impl Referrer<'_> {
    /// Describes the referrer for a note: its key, and how it uses a boundary.
    fn describe(&self) -> String {
        match self {
            Referrer::Grant(subject) => subject_key(subject),
            Referrer::Boundary(key) => format!("{key} (as permission boundary)"),
        }
    }
}

fn subject_key(subject: &Subject) -> String {
    match subject {
        Subject::Identity(key) => key.to_string(),
        Subject::Group(key) => key.to_string(),
    }
}

/// Notes problems of customer-managed policies that no grant uses, in their own account.
/// Problems of unattached AWS-provided policies concern no account and are only logged.
fn note_unattached_policy_issues(accounts: &mut Accounts, managed: &ManagedPolicies) {
    let with_issue: BTreeSet<&PolicyKey> = managed
        .iter()
        .filter(|(_, policy)| policy.issue.is_some())
        .map(|(key, _)| key)
        .collect();
    if with_issue.is_empty() {
        return;
    }
    let referenced: BTreeSet<PolicyKey> = accounts
        .values()
        .flat_map(policy_references)
        .filter(|reference| with_issue.contains(reference.policy))
        .map(|reference| reference.policy.clone())
        .collect();

    for (key, policy) in managed {
        let Some(issue) = &policy.issue else {
            continue;
        };
        if referenced.contains(key) {
            continue;
        }
        let Some(parts) = policy
            .account
            .as_deref()
            .and_then(|account| accounts.get_mut(account))
        else {
            tracing::debug!(policy = %key, problem = %issue.message, "unattached managed policy has a problem");
            continue;
        };
        parts.note(
            issue.kind,
            Some(key.to_string()),
            format!("managed policy `{key}`: {}", issue.message),
        );
    }
}
