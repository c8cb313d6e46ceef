//! IAM policies: bindings become grants on organizations, folders and projects, and trusts
//! to the service accounts their members can act as.
//!
//! A binding on an organization, folder or project grants its role to every member there.
//! When the role lets its members act as service accounts (see [`crate::role`]), each member
//! also gets a trust to every service account of the projects below. A binding on a service
//! account gives trusts to that account only. Deleted members stay distinct from live ones
//! (case G1 of the edge cases: never merged by email), and a binding whose condition a
//! version-1 read dropped keeps an unknown condition.

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{
    Grant, GrantCondition, GroupKey, IdentityKey, IdentityKind, NoteKind, PolicyKey, Principal,
    PrincipalKind, ProviderId, ScopeId, Subject, Trust, TrustCondition,
};

use crate::error::counted;
use crate::estate::{PendingNote, PolicyEntry, PolicyResource};
use crate::member::{Member, MemberKind, email_domain, parse_member};
use crate::raw::Binding;
use crate::role::Roles;
use crate::scope::Scopes;
use crate::service_account::{Accounts, account_key, home_project};

/// The infix GCP adds to the role of a conditional binding read as a version-1 policy,
/// followed by a hash: `roles/viewer_withcond_0123abcd`.
const WITHCOND: &str = "_withcond_";

/// The scope segment of keys for `allUsers` and `allAuthenticatedUsers`.
const PUBLIC: &str = "public";

/// The scope segment of keys for workload and workforce identity principals.
const FEDERATED: &str = "federated";

/// Grants and trusts from every policy, with the roles they use.
#[derive(Debug, Default)]
pub(crate) struct Bindings {
    pub grants: Vec<Grant>,
    pub trusts: Vec<Trust>,
    pub roles: BTreeSet<String>,
    /// The roles bound on each organization, folder or project, the project of a service
    /// account for bindings on it.
    pub roles_by_scope: BTreeMap<ScopeId, BTreeSet<String>>,
    pub notes: Vec<PendingNote>,
    /// Bindings on service accounts skipped because their role does not let members act as
    /// the account, by project.
    pub other_account_bindings: BTreeMap<String, usize>,
}

impl Bindings {
    fn use_role(&mut self, scope: &ScopeId, role: &str) {
        self.roles.insert(role.to_owned());
        self.roles_by_scope
            .entry(scope.clone())
            .or_default()
            .insert(role.to_owned());
    }
}

/// Translates every policy of the estate.
pub(crate) fn translate_policies(
    policies: &[PolicyEntry],
    scopes: &Scopes,
    accounts: &Accounts,
    roles: &Roles<'_>,
) -> Bindings {
    let mut out = Bindings::default();
    for entry in policies {
        let lossy = match &entry.resource {
            PolicyResource::Container(name) => {
                let scope = scopes.id_of(name);
                translate_container_policy(entry, &scope, scopes, accounts, roles, &mut out)
            }
            PolicyResource::ServiceAccount(reference) => {
                let target = accounts.find(&reference.account).cloned().or_else(|| {
                    reference.account.contains('@').then(|| {
                        let project = reference.project.as_deref().map_or_else(
                            || home_project(&reference.account, scopes),
                            |p| scopes.project_id(p).to_owned(),
                        );
                        account_key(&project, &reference.account)
                    })
                });
                let project_scope = reference.project.as_deref().map_or_else(
                    || "unknown".to_owned(),
                    |project| format!("projects/{project}"),
                );
                let Some(target) = target else {
                    out.notes.push(PendingNote {
                        scope: project_scope,
                        kind: NoteKind::UnresolvedReference,
                        subject: Some(reference.account.clone()),
                        message: format!(
                            "the IAM policy of service account `{}` in `{}` names it by unique id, and no listed service account has that id, so its bindings were not imported",
                            reference.account, entry.source
                        ),
                    });
                    continue;
                };
                translate_account_policy(
                    entry,
                    &target,
                    &project_scope,
                    scopes,
                    accounts,
                    roles,
                    &mut out,
                )
            }
        };
        if lossy > 0 {
            let scope = match &entry.resource {
                PolicyResource::Container(name) => name.clone(),
                PolicyResource::ServiceAccount(reference) => {
                    reference.project.as_deref().map_or_else(
                        || "unknown".to_owned(),
                        |project| format!("projects/{project}"),
                    )
                }
            };
            tracing::warn!(provider = "gcp", scope = %scope, bindings = lossy, "IAM policy read as version 1: conditions lost");
            out.notes.push(PendingNote {
                scope,
                kind: NoteKind::LossyInput,
                subject: Some(resource_label(&entry.resource)),
                message: format!(
                    "the IAM policy of `{}` in `{}` was read as version 1, which drops binding conditions: {} kept as conditional with an unknown condition; read the policy again with policy version 3",
                    resource_label(&entry.resource),
                    entry.source,
                    counted(lossy, "binding is", "bindings are"),
                ),
            });
        }
    }
    out
}

fn resource_label(resource: &PolicyResource) -> String {
    match resource {
        PolicyResource::Container(name) => name.clone(),
        PolicyResource::ServiceAccount(reference) => match &reference.project {
            Some(project) => format!("projects/{project}/serviceAccounts/{}", reference.account),
            None => reference.account.clone(),
        },
    }
}

/// A binding's role and condition, with a `_withcond_` suffix removed.
struct ReadBinding<'b> {
    role: String,
    condition: Option<GrantCondition>,
    lossy: bool,
    members: Vec<Member<'b>>,
}

fn read_binding(binding: &Binding) -> ReadBinding<'_> {
    let (role, lossy) = match binding.role.find(WITHCOND) {
        Some(position) => (binding.role[..position].to_owned(), true),
        None => (binding.role.clone(), false),
    };
    let condition = match (&binding.condition, lossy) {
        (Some(condition), _) => Some(GrantCondition {
            title: condition.title.clone(),
            expression: condition.expression.clone(),
        }),
        (None, true) => Some(GrantCondition {
            title: None,
            expression: None,
        }),
        (None, false) => None,
    };
    let mut seen = BTreeSet::new();
    let members = binding
        .members
        .iter()
        .filter(|member| seen.insert(member.as_str()))
        .map(|member| parse_member(member))
        .collect();
    ReadBinding {
        role,
        condition,
        lossy,
        members,
    }
}

/// Translates the policy of an organization, folder or project; returns how many bindings
/// lost their condition.
fn translate_container_policy(
    entry: &PolicyEntry,
    scope: &ScopeId,
    scopes: &Scopes,
    accounts: &Accounts,
    roles: &Roles<'_>,
    out: &mut Bindings,
) -> usize {
    let mut lossy = 0;
    let below: Vec<IdentityKey> = scopes
        .projects_under(scope)
        .iter()
        .flat_map(|project| accounts.in_project(project).iter().cloned())
        .collect();

    for binding in &entry.policy.bindings {
        let read = read_binding(binding);
        lossy += usize::from(read.lossy);
        out.use_role(scope, &read.role);
        let acts_as = roles.lets_act_as(&read.role);

        for member in &read.members {
            out.grants.push(Grant {
                subject: subject(member, scope, scopes, accounts),
                policy: PolicyKey::new(&read.role),
                scope: scope.clone(),
                condition: read.condition.clone(),
            });
            // A deleted member is reported once, through its grant, not once per account.
            if !acts_as || member.deleted {
                continue;
            }
            let principal = principal(member, scopes, accounts);
            for target in &below {
                out.trusts.push(trust(target, &principal, &read));
            }
        }
    }
    lossy
}

/// Translates the policy of one service account; returns how many bindings lost their
/// condition.
fn translate_account_policy(
    entry: &PolicyEntry,
    target: &IdentityKey,
    project_scope: &str,
    scopes: &Scopes,
    accounts: &Accounts,
    roles: &Roles<'_>,
    out: &mut Bindings,
) -> usize {
    let mut lossy = 0;
    for binding in &entry.policy.bindings {
        let read = read_binding(binding);
        lossy += usize::from(read.lossy);
        if !roles.lets_act_as(&read.role) {
            *out.other_account_bindings
                .entry(project_scope.to_owned())
                .or_default() += 1;
            continue;
        }
        out.use_role(&scopes.id_of(project_scope), &read.role);
        for member in &read.members {
            let principal = principal(member, scopes, accounts);
            out.trusts.push(trust(target, &principal, &read));
        }
    }
    lossy
}

fn trust(target: &IdentityKey, principal: &Principal, read: &ReadBinding<'_>) -> Trust {
    let conditions = read
        .condition
        .iter()
        .map(|condition| TrustCondition {
            operator: "condition".to_owned(),
            key: condition
                .title
                .clone()
                .unwrap_or_else(|| "untitled".to_owned()),
            values: vec![
                condition
                    .expression
                    .clone()
                    .unwrap_or_else(|| "unknown: the source dropped it".to_owned()),
            ],
        })
        .collect();
    Trust {
        target: target.clone(),
        principal: principal.clone(),
        actions: vec![read.role.clone()],
        conditions,
    }
}

/// Returns the subject a member names in a grant. Members that are sets of principals
/// (domains, `allUsers`, workload identity pools, the owners of a project) are group
/// subjects, keyed by what they name. A deleted member keeps its whole text, so its key
/// never equals the key of a live principal.
fn subject(member: &Member<'_>, scope: &ScopeId, scopes: &Scopes, accounts: &Accounts) -> Subject {
    let native = if member.deleted {
        member.text
    } else {
        member.id
    };
    match member.kind {
        MemberKind::ServiceAccount if !member.deleted => {
            Subject::Identity(accounts.member_key(member.id, scopes))
        }
        MemberKind::ServiceAccount => {
            Subject::Identity(account_key(&home_project(member.id, scopes), native))
        }
        MemberKind::User => Subject::Identity(human_key(member.id, native)),
        MemberKind::Group => Subject::Group(group_key(email_domain(member.id), native)),
        MemberKind::Domain => Subject::Group(group_key(member.id, member.text)),
        MemberKind::AllUsers | MemberKind::AllAuthenticatedUsers => {
            Subject::Group(group_key(PUBLIC, member.text))
        }
        MemberKind::ProjectRole => {
            Subject::Group(group_key(scopes.project_id(member.id), member.text))
        }
        MemberKind::Principal | MemberKind::PrincipalSet => {
            Subject::Group(group_key(FEDERATED, member.text))
        }
        MemberKind::Other => Subject::Group(group_key(scope.native_id(), member.text)),
    }
}

/// Returns a member as the principal of a trust.
fn principal(member: &Member<'_>, scopes: &Scopes, accounts: &Accounts) -> Principal {
    let value = member.text.to_owned();
    if member.deleted {
        let account =
            (member.kind == MemberKind::ServiceAccount).then(|| home_project(member.id, scopes));
        return Principal {
            kind: PrincipalKind::DeletedPrincipal,
            value,
            account,
            identity: None,
        };
    }
    let (kind, account, identity) = match member.kind {
        MemberKind::ServiceAccount => {
            let key = accounts.member_key(member.id, scopes);
            let project = key.as_str().split(':').nth(1).map(str::to_owned);
            (PrincipalKind::Identity, project, Some(key))
        }
        MemberKind::User => (
            PrincipalKind::Identity,
            None,
            Some(human_key(member.id, member.id)),
        ),
        MemberKind::AllUsers | MemberKind::AllAuthenticatedUsers => {
            (PrincipalKind::Anyone, None, None)
        }
        MemberKind::Principal | MemberKind::PrincipalSet => (PrincipalKind::Federated, None, None),
        MemberKind::Group | MemberKind::Domain | MemberKind::ProjectRole | MemberKind::Other => {
            (PrincipalKind::Other, None, None)
        }
    };
    Principal {
        kind,
        value,
        account,
        identity,
    }
}

/// Returns the key of a person's Google account: `gcp:<domain>:human:<email>`.
fn human_key(email: &str, native: &str) -> IdentityKey {
    IdentityKey::new(
        ProviderId::Gcp,
        email_domain(email),
        IdentityKind::Human,
        native,
    )
}

fn group_key(scope: &str, native: &str) -> GroupKey {
    GroupKey::from_parts(ProviderId::Gcp, scope, native)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::estate::{AccountRef, Estate, Origin};
    use crate::raw::{Condition, IamPolicy, ServiceAccount};

    fn binding(role: &str, members: &[&str]) -> Binding {
        Binding {
            role: role.to_owned(),
            members: members.iter().map(|m| (*m).to_owned()).collect(),
            condition: None,
        }
    }

    fn estate_with_account() -> Estate {
        let mut estate = Estate::new(Origin::Import);
        estate.service_accounts.push(ServiceAccount {
            name: None,
            project_id: Some("p".to_owned()),
            unique_id: Some("111".to_owned()),
            email: "ci@p.iam.gserviceaccount.com".to_owned(),
            display_name: None,
            description: None,
            oauth2_client_id: None,
            disabled: false,
        });
        estate
    }

    fn run(estate: &Estate, resource: PolicyResource, bindings: Vec<Binding>) -> Bindings {
        let scopes = Scopes::resolve(estate);
        let accounts = Accounts::new(&estate.service_accounts, &scopes, None);
        let known = BTreeMap::new();
        let roles = Roles::new(&known);
        let policies = vec![PolicyEntry {
            resource,
            policy: IamPolicy { bindings },
            source: "test.json".to_owned(),
        }];
        translate_policies(&policies, &scopes, &accounts, &roles)
    }

    #[test]
    fn deleted_member_is_distinct_from_live_one() {
        let estate = estate_with_account();
        let out = run(
            &estate,
            PolicyResource::Container("projects/p".to_owned()),
            vec![binding(
                "roles/storage.admin",
                &[
                    "serviceAccount:ci@p.iam.gserviceaccount.com",
                    "deleted:serviceAccount:ci@p.iam.gserviceaccount.com?uid=123456789012345678901",
                    "deleted:user:old@example.com?uid=42",
                    "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/*",
                ],
            )],
        );
        let subjects: Vec<String> = out
            .grants
            .iter()
            .map(|grant| match &grant.subject {
                Subject::Identity(key) => key.to_string(),
                Subject::Group(key) => key.to_string(),
            })
            .collect();
        assert_eq!(
            subjects,
            [
                "gcp:p:service-account:ci@p.iam.gserviceaccount.com",
                "gcp:p:service-account:deleted:serviceAccount:ci@p.iam.gserviceaccount.com?uid=123456789012345678901",
                "gcp:example.com:human:deleted:user:old@example.com?uid=42",
                "gcp:federated:group:principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/*",
            ]
        );
        assert!(out.trusts.is_empty());
    }

    #[test]
    fn project_token_creator_trusts_every_account_below() {
        let estate = estate_with_account();
        let out = run(
            &estate,
            PolicyResource::Container("projects/p".to_owned()),
            vec![binding(
                "roles/iam.serviceAccountTokenCreator",
                &[
                    "user:alice@example.com",
                    "deleted:user:bob@example.com?uid=9",
                ],
            )],
        );
        assert_eq!(out.grants.len(), 2);
        assert_eq!(out.trusts.len(), 1);
        let trust = &out.trusts[0];
        assert_eq!(
            trust.target.as_str(),
            "gcp:p:service-account:ci@p.iam.gserviceaccount.com"
        );
        assert_eq!(
            trust.principal.identity.as_ref().unwrap().as_str(),
            "gcp:example.com:human:alice@example.com"
        );
        assert_eq!(trust.actions, ["roles/iam.serviceAccountTokenCreator"]);
    }

    #[test]
    fn account_policy_by_unique_id_gives_trusts() {
        let estate = estate_with_account();
        let out = run(
            &estate,
            PolicyResource::ServiceAccount(AccountRef {
                project: Some("p".to_owned()),
                account: "111".to_owned(),
            }),
            vec![
                binding(
                    "roles/iam.serviceAccountUser",
                    &[
                        "allUsers",
                        "deleted:serviceAccount:old@p.iam.gserviceaccount.com?uid=5",
                    ],
                ),
                binding("roles/iam.serviceAccountViewer", &["user:a@example.com"]),
            ],
        );
        let kinds: Vec<PrincipalKind> = out
            .trusts
            .iter()
            .map(|trust| trust.principal.kind)
            .collect();
        assert_eq!(
            kinds,
            [PrincipalKind::Anyone, PrincipalKind::DeletedPrincipal]
        );
        assert_eq!(out.other_account_bindings["projects/p"], 1);
        assert!(out.grants.is_empty());
    }

    #[test]
    fn withcond_role_is_stripped_and_conditional() {
        let estate = estate_with_account();
        let mut conditional = binding("roles/viewer", &["user:a@example.com"]);
        conditional.condition = Some(Condition {
            expression: Some("request.time < timestamp(\"2030-01-01T00:00:00Z\")".to_owned()),
            title: Some("until 2030".to_owned()),
        });
        let out = run(
            &estate,
            PolicyResource::Container("projects/p".to_owned()),
            vec![
                binding(
                    "roles/editor_withcond_2b0e0ee8e0d2b7f0",
                    &["user:a@example.com"],
                ),
                conditional,
            ],
        );
        assert_eq!(out.grants[0].policy.as_str(), "roles/editor");
        assert_eq!(
            out.grants[0].condition,
            Some(GrantCondition {
                title: None,
                expression: None
            })
        );
        assert_eq!(
            out.grants[1].condition.as_ref().unwrap().title.as_deref(),
            Some("until 2030")
        );
        assert_eq!(out.notes.len(), 1);
        assert_eq!(out.notes[0].kind, NoteKind::LossyInput);
        assert!(
            out.notes[0]
                .message
                .contains("1 binding is kept as conditional"),
            "{}",
            out.notes[0].message
        );
    }

    #[test]
    fn duplicate_members_give_one_grant() {
        let estate = estate_with_account();
        let out = run(
            &estate,
            PolicyResource::Container("projects/p".to_owned()),
            vec![binding(
                "roles/editor",
                &[
                    "serviceAccount:4@cloudservices.gserviceaccount.com",
                    "serviceAccount:4@cloudservices.gserviceaccount.com",
                ],
            )],
        );
        assert_eq!(out.grants.len(), 1);
    }
}
