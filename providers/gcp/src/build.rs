//! Assembles an [`Inventory`] from an [`Estate`]: scopes, service accounts, keys, roles,
//! bindings, coverage and notes.

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{Inventory, InventoryNote, NoteKind, ProviderId, ScopeId};

use crate::binding::{Bindings, translate_policies};
use crate::coverage::coverage;
use crate::error::{counted, quoted_list};
use crate::estate::{Activity, Estate, PendingNote};
use crate::key::{is_system_managed, translate_key};
use crate::role::{Roles, is_predefined};
use crate::scope::Scopes;
use crate::service_account::Accounts;

/// Translates everything collected into one inventory, sorted.
pub(crate) fn build_inventory(estate: Estate) -> Inventory {
    let scopes = Scopes::resolve(&estate);
    let activity = estate.activity.as_ref();
    let mut accounts = Accounts::new(&estate.service_accounts, &scopes, activity);
    let mut notes: Vec<PendingNote> = Vec::new();

    let credentials = translate_keys(&estate, &scopes, &mut accounts, activity, &mut notes);
    let roles = Roles::new(&estate.roles);
    let bindings = translate_policies(&estate.policies, &scopes, &accounts, &roles);
    note_roles(&bindings, &roles, &mut notes);
    note_skipped(&estate, &scopes, &bindings, &mut notes);
    notes.extend(bindings.notes.iter().cloned());
    notes.extend(estate.notes.iter().cloned());

    let mut inventory = Inventory::new(ProviderId::Gcp);
    for (scope, kind, identity_kind, status) in coverage(&estate, &scopes, &accounts) {
        inventory.set_coverage(&scope, kind, identity_kind, status);
    }
    let used_roles: BTreeSet<&str> = bindings
        .roles
        .iter()
        .map(String::as_str)
        .chain(roles.custom())
        .collect();
    inventory.policies = used_roles
        .into_iter()
        .map(|role| roles.policy(role))
        .collect();
    inventory.grants = bindings.grants;
    inventory.trusts = bindings.trusts;
    inventory.credentials = credentials;
    inventory.notes = notes
        .into_iter()
        .map(|note| InventoryNote {
            kind: note.kind,
            scope: scopes.id_of(&note.scope),
            subject: note.subject,
            message: note.message,
        })
        .collect();
    inventory.identities = accounts.identities.into_values().collect();
    inventory.scopes = scopes.into_scopes();
    inventory.sources = estate.sources;

    inventory.sort();
    // The inventory's own sort keeps grants and trusts that differ only in their condition
    // or actions in input order. Ordering them fully makes the import and the live scan
    // agree.
    inventory.grants.sort_by(|a, b| {
        let condition = |grant: &roster_model::Grant| {
            grant
                .condition
                .as_ref()
                .map(|condition| (condition.title.clone(), condition.expression.clone()))
        };
        (&a.subject, &a.policy, &a.scope, condition(a)).cmp(&(
            &b.subject,
            &b.policy,
            &b.scope,
            condition(b),
        ))
    });
    inventory.trusts.sort_by(|a, b| {
        (&a.target, &a.principal, &a.actions, &a.conditions).cmp(&(
            &b.target,
            &b.principal,
            &b.actions,
            &b.conditions,
        ))
    });
    inventory.grants.dedup();
    inventory.trusts.dedup();
    inventory.notes.dedup();
    tracing::info!(
        provider = "gcp",
        scopes = inventory.scopes.len(),
        identities = inventory.identities.len(),
        credentials = inventory.credentials.len(),
        grants = inventory.grants.len(),
        trusts = inventory.trusts.len(),
        "gcp inventory built"
    );
    inventory
}

/// Translates the user-managed keys, adding an identity for a key whose service account no
/// listing holds, and counts the system-managed keys per project.
fn translate_keys(
    estate: &Estate,
    scopes: &Scopes,
    accounts: &mut Accounts,
    activity: Option<&Activity>,
    notes: &mut Vec<PendingNote>,
) -> Vec<roster_model::Credential> {
    let mut credentials = Vec::new();
    let mut system_managed: BTreeMap<String, usize> = BTreeMap::new();
    let mut added: BTreeSet<String> = BTreeSet::new();

    for entry in &estate.keys {
        let (owner, new) = accounts.resolve_or_add(&entry.owner, scopes, activity);
        let project = owner
            .as_str()
            .split(':')
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let scope = format!("projects/{project}");
        if new && added.insert(owner.to_string()) {
            notes.push(PendingNote {
                scope: scope.clone(),
                kind: NoteKind::UnresolvedReference,
                subject: Some(owner.to_string()),
                message: format!(
                    "service account `{}` is known only from its keys: no listing in the sources names it, so its unique id, name and state are unknown",
                    entry.owner.account
                ),
            });
        }
        if is_system_managed(entry) {
            *system_managed.entry(scope).or_default() += 1;
            continue;
        }
        let (credential, problems) = translate_key(entry, &owner, &project, activity);
        for problem in problems {
            notes.push(PendingNote {
                scope: scope.clone(),
                kind: NoteKind::LossyInput,
                subject: Some(credential.key.to_string()),
                message: problem,
            });
        }
        credentials.push(credential);
    }

    for (scope, count) in system_managed {
        notes.push(PendingNote {
            scope,
            kind: NoteKind::Skipped,
            subject: None,
            message: format!(
                "{} not inventoried: Google holds their private keys and rotates them, so no one can leak them",
                counted(count, "system-managed key was", "system-managed keys were")
            ),
        });
    }
    credentials
}

/// Notes, per scope, the bound roles whose permissions are unknown, and bindings to deleted
/// custom roles.
fn note_roles(bindings: &Bindings, roles: &Roles<'_>, notes: &mut Vec<PendingNote>) {
    for role in bindings.roles.iter().filter(|role| roles.is_deleted(role)) {
        notes.push(PendingNote {
            scope: custom_role_scope(role),
            kind: NoteKind::MissingPolicy,
            subject: Some(role.clone()),
            message: format!("custom role `{role}` is deleted, so its bindings grant nothing until it is restored"),
        });
    }

    for (scope, bound) in &bindings.roles_by_scope {
        let unknown: Vec<&str> = bound
            .iter()
            .map(String::as_str)
            .filter(|role| roles.permissions(role).is_none())
            .collect();
        let (predefined, custom): (Vec<&str>, Vec<&str>) =
            unknown.into_iter().partition(|role| is_predefined(role));
        if !predefined.is_empty() {
            notes.push(PendingNote {
                scope: scope_name(scope),
                kind: NoteKind::MissingPolicy,
                subject: None,
                message: format!(
                    "the permissions of {} bound here are unknown because no roles file was imported: {}; import the predefined roles (every page of `GET https://iam.googleapis.com/v1/roles?view=FULL`) to expand them",
                    counted(predefined.len(), "predefined role", "predefined roles"),
                    quoted_list(&predefined)
                ),
            });
        }
        for role in custom {
            notes.push(PendingNote {
                scope: scope_name(scope),
                kind: NoteKind::MissingPolicy,
                subject: Some(role.to_owned()),
                message: format!("custom role `{role}` is bound but not defined in the sources, so its permissions are unknown"),
            });
        }
    }
}

/// Returns the scope that defines a custom role: `projects/<p>` or `organizations/<n>`.
fn custom_role_scope(role: &str) -> String {
    role.split_once("/roles/")
        .map_or_else(|| "unknown".to_owned(), |(scope, _)| scope.to_owned())
}

/// Returns the resource name of a scope: `projects/<id>`, `folders/<n>`, `organizations/<n>`.
fn scope_name(scope: &ScopeId) -> String {
    let native = scope.native_id();
    if native.starts_with("folders/") || native.starts_with("organizations/") {
        native.to_owned()
    } else {
        format!("projects/{native}")
    }
}

/// Notes the records and bindings that were skipped on purpose, with counts per scope.
fn note_skipped(
    estate: &Estate,
    scopes: &Scopes,
    bindings: &Bindings,
    notes: &mut Vec<PendingNote>,
) {
    let mut by_scope: BTreeMap<ScopeId, BTreeMap<&str, usize>> = BTreeMap::new();
    for ((scope, what), count) in &estate.skipped {
        *by_scope
            .entry(scopes.id_of(scope))
            .or_default()
            .entry(what)
            .or_default() += count;
    }
    for (scope, skipped) in by_scope {
        let total: usize = skipped.values().sum();
        let listed: Vec<String> = skipped
            .iter()
            .map(|(what, count)| format!("{count} `{what}`"))
            .collect();
        notes.push(PendingNote {
            scope: scope_name(&scope),
            kind: NoteKind::Skipped,
            subject: None,
            message: format!(
                "{} skipped, because Roster models only organizations, folders, projects, service accounts, their keys, roles and their IAM policies: {}",
                counted(total, "record was", "records were"),
                listed.join(", ")
            ),
        });
    }
    for (scope, count) in &bindings.other_account_bindings {
        notes.push(PendingNote {
            scope: scope.clone(),
            kind: NoteKind::Skipped,
            subject: None,
            message: format!(
                "{} on service accounts grant roles that do not let their members act as the account, and were not imported",
                counted(*count, "binding", "bindings")
            ),
        });
    }
}
