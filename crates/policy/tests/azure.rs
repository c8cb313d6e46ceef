//! The Azure RBAC engine: inheritance down the scope tree, deny assignments, conditional and
//! unresolved assignments, the built-in role catalog found through `ROSTER_CATALOG_DIR`, and
//! wildcard laws.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::path::PathBuf;

use proptest::prelude::*;
use roster_policy::azure::{
    ActionKind, Decision, DenyAssignment, DenyReason, Principal, ROLE_ASSIGNMENT_WRITE, Rbac,
    RoleAssignment, RoleDefinitions, ScopeTree, action_matches,
};

const MG: &str = "/providers/Microsoft.Management/managementGroups/prod";
const SUBSCRIPTION: &str = "/subscriptions/11111111-2222-3333-4444-555555555555";
const GROUP: &str = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/apps";
/// The account's resource group as the account's id spells it.
const ACCOUNT_GROUP: &str =
    "/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/APPS";
const ACCOUNT: &str = "/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/APPS/providers/Microsoft.Storage/storageAccounts/reports";

const OWNER_ID: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const CONTRIBUTOR_ID: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const READER_ID: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const BLOB_READER_ID: &str = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";

const BLOB_READ: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";

fn definitions() -> RoleDefinitions {
    RoleDefinitions::from_json_str(&format!(
        r#"[
        {{"name": "{OWNER_ID}", "roleName": "Owner", "roleType": "BuiltInRole", "assignableScopes": ["/"],
          "permissions": [{{"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}}]}},
        {{"name": "{CONTRIBUTOR_ID}", "roleName": "Contributor", "roleType": "BuiltInRole", "assignableScopes": ["/"],
          "permissions": [{{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action"], "dataActions": [], "notDataActions": []}}]}},
        {{"name": "{READER_ID}", "roleName": "Reader", "roleType": "BuiltInRole", "assignableScopes": ["/"],
          "permissions": [{{"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}}]}},
        {{"name": "{BLOB_READER_ID}", "roleName": "Storage Blob Data Reader", "roleType": "BuiltInRole", "assignableScopes": ["/"],
          "permissions": [{{"actions": ["Microsoft.Storage/storageAccounts/blobServices/containers/read"], "notActions": [],
            "dataActions": ["{BLOB_READ}"], "notDataActions": []}}]}}
        ]"#
    ))
    .unwrap()
}

fn tree() -> ScopeTree {
    let mut tree = ScopeTree::new();
    tree.set_parent(SUBSCRIPTION, MG).unwrap();
    tree
}

fn assignment(principal: &str, role: &str, scope: &str, condition: Option<&str>) -> RoleAssignment {
    let condition = condition.map_or("null".to_owned(), |text| format!("{text:?}"));
    let text = format!(
        r#"{{"properties": {{"principalId": "{principal}", "principalType": "ServicePrincipal",
            "roleDefinitionId": "{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/{role}",
            "scope": "{scope}", "condition": {condition}}}, "name": "{principal}-{role}"}}"#
    );
    RoleAssignment::list_from_json_str(&text).unwrap().remove(0)
}

fn rbac(assignments: Vec<RoleAssignment>) -> Rbac {
    let mut rbac = Rbac::new(definitions(), tree());
    rbac.add_assignments(assignments);
    rbac
}

#[test]
fn management_group_assignment_reaches_resource() {
    let rbac = rbac(vec![assignment("sp-1", CONTRIBUTOR_ID, MG, None)]);
    let principal = Principal::new("SP-1");

    let decision = rbac
        .check(
            &principal,
            "Microsoft.Storage/storageAccounts/write",
            ACCOUNT,
        )
        .unwrap();

    let Decision::Allowed { via } = decision else {
        panic!("Contributor on the management group reaches the account: {decision:?}");
    };
    assert_eq!(via.len(), 1);
    assert_eq!(via[0].path, [ACCOUNT, ACCOUNT_GROUP, SUBSCRIPTION, MG]);
    assert_eq!(
        via[0].to_string(),
        format!(
            "`sp-1` has `Contributor` at `{MG}`, inherited along `{MG}` > `{SUBSCRIPTION}` > `{ACCOUNT_GROUP}` > `{ACCOUNT}`"
        )
    );
}

#[test]
fn contributor_cannot_write_role_assignments() {
    let rbac = rbac(vec![assignment("sp-1", CONTRIBUTOR_ID, SUBSCRIPTION, None)]);
    let principal = Principal::new("sp-1");

    let write = rbac
        .check(&principal, ROLE_ASSIGNMENT_WRITE, GROUP)
        .unwrap();
    let vm = rbac
        .check(&principal, "Microsoft.Compute/virtualMachines/write", GROUP)
        .unwrap();

    assert_eq!(
        write,
        Decision::Denied {
            reason: DenyReason::NoAssignment
        }
    );
    assert!(vm.is_allowed());
}

#[test]
fn assignment_below_scope_does_not_climb() {
    let rbac = rbac(vec![assignment("sp-1", OWNER_ID, ACCOUNT, None)]);

    let decision = rbac
        .check(
            &Principal::new("sp-1"),
            "Microsoft.Compute/virtualMachines/write",
            GROUP,
        )
        .unwrap();

    assert!(decision.is_denied());
}

#[test]
fn group_assignment_covers_member() {
    let rbac = rbac(vec![assignment("group-ops", READER_ID, SUBSCRIPTION, None)]);
    let member = Principal::new("sp-2").with_groups(["GROUP-OPS"]);

    let decision = rbac
        .check(&member, "Microsoft.Compute/virtualMachines/read", GROUP)
        .unwrap();
    let write = rbac
        .check(&member, "Microsoft.Compute/virtualMachines/write", GROUP)
        .unwrap();

    assert!(decision.is_allowed());
    assert!(write.is_denied());
}

#[test]
fn deny_assignment_overrides_owner() {
    let mut rbac = rbac(vec![assignment("sp-1", OWNER_ID, SUBSCRIPTION, None)]);
    rbac.add_deny_assignments(
        DenyAssignment::list_from_json_str(&format!(
            r#"{{"value": [{{"name": "d1", "properties": {{"denyAssignmentName": "managed-app-lock",
                "scope": "{GROUP}", "doNotApplyToChildScopes": false,
                "permissions": [{{"actions": ["*"], "notActions": ["*/read"], "dataActions": [], "notDataActions": []}}],
                "principals": [{{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}}],
                "excludePrincipals": [{{"id": "sp-publisher", "type": "ServicePrincipal"}}]}}}}]}}"#
        ))
        .unwrap(),
    );
    let owner = Principal::new("sp-1");

    let delete = rbac
        .check(&owner, "Microsoft.Storage/storageAccounts/delete", ACCOUNT)
        .unwrap();
    let read = rbac
        .check(&owner, "Microsoft.Storage/storageAccounts/read", ACCOUNT)
        .unwrap();
    let elsewhere = rbac
        .check(
            &owner,
            "Microsoft.Storage/storageAccounts/delete",
            SUBSCRIPTION,
        )
        .unwrap();

    let Decision::Denied { reason } = &delete else {
        panic!("the deny assignment wins over Owner: {delete:?}");
    };
    let DenyReason::DenyAssignments(denies) = reason else {
        panic!("expected a deny assignment, got {reason:?}");
    };
    assert_eq!(denies[0].path, [ACCOUNT, ACCOUNT_GROUP]);
    assert_eq!(
        reason.to_string(),
        format!("denied by deny assignment `managed-app-lock` at `{GROUP}`")
    );
    assert!(read.is_allowed());
    assert!(elsewhere.is_allowed());
}

#[test]
fn deny_at_scope_only_spares_children() {
    let mut rbac = rbac(vec![assignment("sp-1", OWNER_ID, SUBSCRIPTION, None)]);
    rbac.add_deny_assignments(
        DenyAssignment::list_from_json_str(&format!(
            r#"[{{"denyAssignmentName": "top-only", "scope": "{SUBSCRIPTION}", "doNotApplyToChildScopes": true,
                "permissions": [{{"actions": ["*"]}}], "principals": [{{"id": "sp-1", "type": "ServicePrincipal"}}]}}]"#
        ))
        .unwrap(),
    );
    let owner = Principal::new("sp-1");

    let top = rbac
        .check(&owner, "Microsoft.Resources/tags/write", SUBSCRIPTION)
        .unwrap();
    let child = rbac
        .check(&owner, "Microsoft.Resources/tags/write", GROUP)
        .unwrap();

    assert!(top.is_denied());
    assert!(child.is_allowed());
}

#[test]
fn conditional_assignment_stays_conditional() {
    let rbac = rbac(vec![assignment(
        "sp-1",
        BLOB_READER_ID,
        ACCOUNT,
        Some(
            "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'",
        ),
    )]);
    let principal = Principal::new("sp-1");

    let data = rbac
        .check_data_action(&principal, BLOB_READ, ACCOUNT)
        .unwrap();
    let control = rbac.check(&principal, BLOB_READ, ACCOUNT).unwrap();

    let Decision::AllowedIf {
        conditions,
        unresolved,
    } = data
    else {
        panic!("an assignment with a condition grants conditionally: {data:?}");
    };
    assert_eq!(conditions.len(), 1);
    assert!(unresolved.is_empty());
    assert!(control.is_denied());
}

#[test]
fn unknown_definition_is_unknown() {
    let rbac = rbac(vec![assignment(
        "sp-1",
        "99999999-0000-0000-0000-000000000000",
        SUBSCRIPTION,
        None,
    )]);

    let decision = rbac
        .check(
            &Principal::new("sp-1"),
            "Microsoft.Compute/virtualMachines/write",
            GROUP,
        )
        .unwrap();

    let Decision::Unknown { unresolved } = decision else {
        panic!("an assignment to an unknown definition is not read as no access: {decision:?}");
    };
    assert_eq!(unresolved.len(), 1);
    assert_eq!(rbac.unresolved_assignments().len(), 1);
}

#[test]
fn subscription_without_parent_inherits_root_only() {
    let mut rbac = Rbac::new(definitions(), ScopeTree::new());
    rbac.add_assignments([
        assignment("sp-1", READER_ID, "/", None),
        assignment("sp-1", OWNER_ID, MG, None),
    ]);

    let read = rbac
        .check(
            &Principal::new("sp-1"),
            "Microsoft.Compute/virtualMachines/read",
            GROUP,
        )
        .unwrap();
    let write = rbac
        .check(
            &Principal::new("sp-1"),
            "Microsoft.Compute/virtualMachines/write",
            GROUP,
        )
        .unwrap();

    assert!(read.is_allowed());
    assert!(write.is_denied());
}

fn catalog_text(name: &str) -> Option<String> {
    let Some(root) = std::env::var_os("ROSTER_CATALOG_DIR") else {
        eprintln!("skipped: ROSTER_CATALOG_DIR is not set");
        return None;
    };
    let file = std::fs::File::open(PathBuf::from(root).join(name)).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    Some(text)
}

#[test]
fn builtin_contributor_excludes_authorization_writes() {
    let Some(text) = catalog_text("azure-builtin-role-definitions.json.gz") else {
        return;
    };

    let definitions = RoleDefinitions::from_json_str(&text).unwrap();
    let contributor = definitions.by_role_name("Contributor").unwrap();
    let owner = definitions.by_role_name("Owner").unwrap();
    let access_admin = definitions
        .by_role_name("User Access Administrator")
        .unwrap();
    let reader = definitions.get(READER_ID).unwrap();

    assert!(definitions.len() > 900, "{} definitions", definitions.len());
    assert!(!contributor.allows(ROLE_ASSIGNMENT_WRITE, ActionKind::Control));
    assert!(contributor.allows(
        "Microsoft.Compute/virtualMachines/write",
        ActionKind::Control
    ));
    assert!(!contributor.is_admin_equivalent());
    assert!(owner.is_admin_equivalent());
    assert!(access_admin.is_admin_equivalent());
    assert!(reader.allows(
        "Microsoft.Compute/virtualMachines/read",
        ActionKind::Control
    ));
    assert!(!reader.allows(
        "Microsoft.Compute/virtualMachines/write",
        ActionKind::Control
    ));
}

#[test]
fn builtin_catalog_drives_check() {
    let Some(text) = catalog_text("azure-builtin-role-definitions.json.gz") else {
        return;
    };
    let definitions = RoleDefinitions::from_json_str(&text).unwrap();
    let mut rbac = Rbac::new(definitions, tree());
    rbac.add_assignments([assignment("sp-1", CONTRIBUTOR_ID, MG, None)]);
    let principal = Principal::new("sp-1");

    let assign = rbac
        .check(&principal, ROLE_ASSIGNMENT_WRITE, ACCOUNT)
        .unwrap();
    let write = rbac
        .check(
            &principal,
            "Microsoft.Compute/virtualMachines/write",
            ACCOUNT,
        )
        .unwrap();

    assert!(assign.is_denied());
    assert!(write.is_allowed());
}

fn corpus(relative: &str) -> Option<String> {
    let Some(root) = std::env::var_os("ROSTER_CORPUS_DIR") else {
        eprintln!("skipped: ROSTER_CORPUS_DIR is not set");
        return None;
    };
    Some(std::fs::read_to_string(PathBuf::from(root).join(relative)).unwrap())
}

#[test]
fn corpus_documents_parse() {
    let Some(privileged) = corpus("azure/azuredocs_builtin_roles_privileged.json") else {
        return;
    };
    let Some(listed) = corpus("azure/restspec_RoleAssignments_ListForScope_response.json") else {
        return;
    };
    let Some(root) = corpus("azure/azcli_rec_role_assignments_atscope_rootscope_excerpt.json")
    else {
        return;
    };

    let definitions = RoleDefinitions::from_json_str(&privileged).unwrap();
    let listed = RoleAssignment::list_from_json_str(&listed).unwrap();
    let at_root = RoleAssignment::list_from_json_str(&root).unwrap();

    assert_eq!(definitions.len(), 5);
    assert!(
        definitions
            .by_role_name("Owner")
            .unwrap()
            .is_admin_equivalent()
    );
    assert!(
        !definitions
            .by_role_name("Contributor")
            .unwrap()
            .is_admin_equivalent()
    );
    assert_eq!(listed.len(), 1);
    assert_eq!(at_root.len(), 10);
    let mut rbac = Rbac::new(definitions, ScopeTree::new());
    rbac.add_assignments(at_root.clone());
    let principal = Principal::new(&at_root[0].principal_id);
    let paths = rbac.assignments_of(&principal, GROUP).unwrap();
    assert!(
        paths
            .iter()
            .all(|path| path.assignment.scope.as_str() == "/")
    );
    assert!(!paths.is_empty());
}

proptest! {
    #[test]
    fn literal_pattern_matches_only_itself(pattern in "[A-Za-z./]{1,24}", action in "[A-Za-z./]{1,24}") {
        prop_assert_eq!(action_matches(&pattern, &action), pattern.eq_ignore_ascii_case(&action));
        prop_assert!(action_matches(&pattern, &pattern.to_ascii_uppercase()));
    }

    #[test]
    fn star_matches_everything(action in "[A-Za-z./*]{0,32}") {
        prop_assert!(action_matches("*", &action));
    }

    #[test]
    fn trailing_star_matches_prefix(prefix in "[A-Za-z./]{0,12}", action in "[A-Za-z./]{0,24}") {
        let pattern = format!("{prefix}*");
        let expected = action.to_ascii_lowercase().starts_with(&prefix.to_ascii_lowercase());

        prop_assert_eq!(action_matches(&pattern, &action), expected);
    }

    #[test]
    fn leading_star_matches_suffix(suffix in "[A-Za-z./]{0,12}", action in "[A-Za-z./]{0,24}") {
        let pattern = format!("*{suffix}");
        let expected = action.to_ascii_lowercase().ends_with(&suffix.to_ascii_lowercase());

        prop_assert_eq!(action_matches(&pattern, &action), expected);
    }

    #[test]
    fn inner_star_matches_prefix_and_suffix(
        prefix in "[a-z/]{0,6}",
        suffix in "[a-z/]{0,6}",
        action in "[a-z/]{0,16}",
    ) {
        let pattern = format!("{prefix}*{suffix}");
        let expected = action.len() >= prefix.len() + suffix.len()
            && action.starts_with(&prefix)
            && action.ends_with(&suffix);

        prop_assert_eq!(action_matches(&pattern, &action), expected);
    }

    #[test]
    fn case_never_changes_result(pattern in "[A-Za-z./*]{0,16}", action in "[A-Za-z./]{0,24}") {
        prop_assert_eq!(
            action_matches(&pattern, &action),
            action_matches(&pattern.to_ascii_uppercase(), &action.to_ascii_lowercase())
        );
    }
}
