//! The GCP IAM engine: members in every form, inheritance down the resource hierarchy,
//! conditional bindings, and the predefined roles catalog found through `ROSTER_CATALOG_DIR`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::path::PathBuf;

use roster_policy::gcp::{
    ADMIN_EQUIVALENT_ROLES, Access, GcpError, IamModel, IamPolicy, MatchedBy, Member, MemberKind,
    NodeKind, ResourceHierarchy, Role, RoleCatalog, is_admin_equivalent_role,
};

const ORG: &str = "organizations/100";
const FOLDER: &str = "folders/200";
const PROJECT: &str = "projects/acme";
const BUCKET: &str = "//storage.googleapis.com/projects/_/buckets/reports";

fn member(text: &str) -> Member {
    Member::parse(text).unwrap()
}

fn catalog() -> RoleCatalog {
    let mut roles = RoleCatalog::new();
    for (name, permissions) in [
        (
            "roles/owner",
            &[
                "resourcemanager.projects.setIamPolicy",
                "storage.buckets.get",
            ][..],
        ),
        ("roles/viewer", &["storage.buckets.get"][..]),
        (
            "roles/editor",
            &["storage.buckets.get", "storage.objects.create"][..],
        ),
        (
            "roles/storage.admin",
            &[
                "storage.buckets.get",
                "storage.objects.create",
                "storage.objects.delete",
            ][..],
        ),
        (
            "organizations/100/roles/auditor",
            &["logging.logs.list"][..],
        ),
        ("projects/acme/roles/deployer", &["run.services.create"][..]),
    ] {
        roles.insert(Role::new(name, permissions.iter().copied()).unwrap());
    }
    roles
}

fn hierarchy() -> ResourceHierarchy {
    let mut hierarchy = ResourceHierarchy::new();
    hierarchy.set_parent(FOLDER, ORG);
    hierarchy.set_parent(PROJECT, FOLDER);
    hierarchy.set_parent(BUCKET, PROJECT);
    hierarchy
}

fn policy(json: &str) -> IamPolicy {
    IamPolicy::from_json_str(json).unwrap()
}

const G1_POLICY: &str = r#"{"version":3,"etag":"BwX=","bindings":[{"role":"roles/storage.admin","members":[
  "serviceAccount:ci@p.iam.gserviceaccount.com",
  "deleted:serviceAccount:ci@p.iam.gserviceaccount.com?uid=123456789012345678901",
  "deleted:user:old@example.com?uid=42",
  "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/*"]}]}"#;

#[test]
fn deleted_member_is_distinct_identity() {
    let policy = policy(G1_POLICY);
    let members = &policy.bindings[0].members;

    let read: Vec<(bool, MemberKind, &str, Option<&str>)> = members
        .iter()
        .map(|member| {
            (
                member.is_deleted(),
                member.kind(),
                member.id(),
                member.uid(),
            )
        })
        .collect();

    assert_eq!(
        read,
        [
            (
                false,
                MemberKind::ServiceAccount,
                "ci@p.iam.gserviceaccount.com",
                None
            ),
            (
                true,
                MemberKind::ServiceAccount,
                "ci@p.iam.gserviceaccount.com",
                Some("123456789012345678901")
            ),
            (true, MemberKind::User, "old@example.com", Some("42")),
            (
                false,
                MemberKind::PrincipalSet,
                "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/*",
                None
            ),
        ]
    );
    assert_ne!(members[0], members[1]);
}

#[test]
fn deleted_member_never_grants_live_one() {
    let mut model = IamModel::new(catalog(), hierarchy());
    model.set_policy(PROJECT, policy(G1_POLICY));
    let live = member("serviceAccount:ci@p.iam.gserviceaccount.com");
    let deleted =
        member("deleted:serviceAccount:ci@p.iam.gserviceaccount.com?uid=123456789012345678901");

    let Access::Granted { via } = model
        .member_has_permission(&live, "storage.objects.delete", PROJECT)
        .unwrap()
    else {
        panic!("the live service account holds roles/storage.admin");
    };
    let Access::Granted { via: deleted_via } = model
        .member_has_permission(&deleted, "storage.objects.delete", PROJECT)
        .unwrap()
    else {
        panic!("the deleted member's binding names it");
    };

    assert_eq!(via.len(), 1);
    assert_eq!(via[0].binding.member, &live);
    assert_eq!(deleted_via.len(), 1);
    assert_eq!(deleted_via[0].binding.member, &deleted);
}

#[test]
fn every_member_form_parses() {
    let cases = [
        (
            "user:a@example.com",
            false,
            MemberKind::User,
            "a@example.com",
            None,
        ),
        (
            "serviceAccount:ci@p.iam.gserviceaccount.com",
            false,
            MemberKind::ServiceAccount,
            "ci@p.iam.gserviceaccount.com",
            None,
        ),
        (
            "group:devs@example.com",
            false,
            MemberKind::Group,
            "devs@example.com",
            None,
        ),
        (
            "domain:example.com",
            false,
            MemberKind::Domain,
            "example.com",
            None,
        ),
        ("allUsers", false, MemberKind::AllUsers, "allUsers", None),
        (
            "allAuthenticatedUsers",
            false,
            MemberKind::AllAuthenticatedUsers,
            "allAuthenticatedUsers",
            None,
        ),
        (
            "projectOwner:acme",
            false,
            MemberKind::ProjectOwner,
            "acme",
            None,
        ),
        (
            "projectEditor:acme",
            false,
            MemberKind::ProjectEditor,
            "acme",
            None,
        ),
        (
            "projectViewer:acme",
            false,
            MemberKind::ProjectViewer,
            "acme",
            None,
        ),
        (
            "principal://iam.googleapis.com/locations/global/workforcePools/staff/subject/s1",
            false,
            MemberKind::Principal,
            "principal://iam.googleapis.com/locations/global/workforcePools/staff/subject/s1",
            None,
        ),
        (
            "principalSet://iam.googleapis.com/locations/global/workforcePools/staff/*",
            false,
            MemberKind::PrincipalSet,
            "principalSet://iam.googleapis.com/locations/global/workforcePools/staff/*",
            None,
        ),
        (
            "deleted:group:old-team@example.com?uid=77",
            true,
            MemberKind::Group,
            "old-team@example.com",
            Some("77"),
        ),
    ];

    for (text, deleted, kind, id, uid) in cases {
        let parsed = member(text);
        assert_eq!(parsed.is_deleted(), deleted, "{text}");
        assert_eq!(parsed.kind(), kind, "{text}");
        assert_eq!(parsed.id(), id, "{text}");
        assert_eq!(parsed.uid(), uid, "{text}");
        assert_eq!(parsed.to_string(), text);
    }
}

#[test]
fn effective_bindings_inherit_down_hierarchy() {
    let mut model = IamModel::new(catalog(), hierarchy());
    model.set_policy(
        ORG,
        policy(r#"{"bindings": [{"role": "organizations/100/roles/auditor", "members": ["group:audit@example.com"]}]}"#),
    );
    model.set_policy(
        FOLDER,
        policy(r#"{"bindings": [{"role": "roles/editor", "members": ["user:dev@example.com"],
            "condition": {"title": "office hours", "expression": "request.time.getHours('UTC') < 18"}}]}"#),
    );
    model.set_policy(
        PROJECT,
        policy(r#"{"bindings": [{"role": "projects/acme/roles/deployer", "members": ["serviceAccount:ci@acme.iam.gserviceaccount.com"]}]}"#),
    );
    model.set_policy(
        BUCKET,
        policy(r#"{"bindings": [{"role": "roles/viewer", "members": ["allUsers"]}]}"#),
    );

    let effective = model.effective_bindings(BUCKET).unwrap();
    let summary: Vec<(&str, &str, bool, &str)> = effective
        .iter()
        .map(|binding| {
            (
                binding.member.as_str(),
                binding.role,
                binding.condition.is_some(),
                binding.granted_at,
            )
        })
        .collect();

    assert_eq!(
        summary,
        [
            ("allUsers", "roles/viewer", false, BUCKET),
            (
                "serviceAccount:ci@acme.iam.gserviceaccount.com",
                "projects/acme/roles/deployer",
                false,
                PROJECT
            ),
            ("user:dev@example.com", "roles/editor", true, FOLDER),
            (
                "group:audit@example.com",
                "organizations/100/roles/auditor",
                false,
                ORG
            ),
        ]
    );
    assert_eq!(model.effective_bindings(PROJECT).unwrap().len(), 3);
}

#[test]
fn inherited_grant_names_path() {
    let mut model = IamModel::new(catalog(), hierarchy());
    model.set_policy(
        ORG,
        policy(
            r#"{"bindings": [{"role": "roles/owner", "members": ["group:admins@example.com"]}]}"#,
        ),
    );
    model.add_group_member(
        member("group:admins@example.com"),
        member("group:platform@example.com"),
    );
    let ci = member("serviceAccount:ci@acme.iam.gserviceaccount.com");
    model.add_group_member(member("group:platform@example.com"), ci.clone());

    let access = model
        .member_has_permission(&ci, "resourcemanager.projects.setIamPolicy", BUCKET)
        .unwrap();

    let Access::Granted { via } = access else {
        panic!("expected a grant through nested groups, got {access:?}");
    };
    assert_eq!(via.len(), 1);
    assert_eq!(via[0].binding.granted_at, ORG);
    assert_eq!(
        via[0].matched_by,
        MatchedBy::Group(&member("group:admins@example.com"))
    );
    assert_eq!(via[0].path, [BUCKET, PROJECT, FOLDER, ORG]);
    assert_eq!(
        via[0].to_string(),
        format!(
            "`group:admins@example.com` has `roles/owner` on `{ORG}` (member of `group:admins@example.com`), inherited along `{ORG}` > `{FOLDER}` > `{PROJECT}` > `{BUCKET}`"
        )
    );
}

#[test]
fn conditional_binding_stays_conditional() {
    let mut model = IamModel::new(catalog(), hierarchy());
    model.set_policy(
        FOLDER,
        policy(r#"{"bindings": [{"role": "roles/editor", "members": ["user:dev@example.com"],
            "condition": {"title": "office hours", "expression": "request.time.getHours('UTC') < 18"}}]}"#),
    );
    let dev = member("user:dev@example.com");

    let access = model
        .member_has_permission(&dev, "storage.objects.create", PROJECT)
        .unwrap();

    let Access::Conditional {
        conditions,
        unknown,
    } = access
    else {
        panic!("expected a conditional grant, got {access:?}");
    };
    assert_eq!(conditions.len(), 1);
    assert!(unknown.is_empty());
    let condition = conditions[0].binding.condition.unwrap();
    assert_eq!(condition.title.as_deref(), Some("office hours"));
}

#[test]
fn unconditional_grant_outranks_conditional() {
    let mut model = IamModel::new(catalog(), hierarchy());
    model.set_policy(
        FOLDER,
        policy(r#"{"bindings": [{"role": "roles/editor", "members": ["user:dev@example.com"], "condition": {"expression": "true"}}]}"#),
    );
    model.set_policy(
        PROJECT,
        policy(r#"{"bindings": [{"role": "roles/storage.admin", "members": ["user:dev@example.com"]}]}"#),
    );

    let access = model
        .member_has_permission(
            &member("user:dev@example.com"),
            "storage.objects.create",
            PROJECT,
        )
        .unwrap();

    assert!(access.is_granted(), "{access:?}");
}

#[test]
fn permission_outside_roles_is_denied() {
    let mut model = IamModel::new(catalog(), hierarchy());
    model.set_policy(
        PROJECT,
        policy(r#"{"bindings": [{"role": "roles/viewer", "members": ["user:dev@example.com"]}]}"#),
    );
    let dev = member("user:dev@example.com");

    let denied = model
        .member_has_permission(&dev, "storage.objects.create", PROJECT)
        .unwrap();
    let above = model
        .member_has_permission(&dev, "storage.buckets.get", FOLDER)
        .unwrap();

    assert_eq!(denied, Access::Denied);
    assert_eq!(above, Access::Denied);
}

#[test]
fn role_without_permissions_is_unknown() {
    let mut model = IamModel::new(catalog(), hierarchy());
    model.set_policy(
        PROJECT,
        policy(
            r#"{"bindings": [{"role": "roles/run.admin", "members": ["user:dev@example.com"]}]}"#,
        ),
    );

    let access = model
        .member_has_permission(
            &member("user:dev@example.com"),
            "run.services.create",
            PROJECT,
        )
        .unwrap();

    let Access::Unknown { roles } = access else {
        panic!("expected unknown, got {access:?}");
    };
    assert_eq!(roles[0].binding.role, "roles/run.admin");
}

#[test]
fn deleted_custom_role_grants_nothing() {
    let mut roles = catalog();
    let mut deployer = roles.get("projects/acme/roles/deployer").unwrap().clone();
    deployer.deleted = true;
    roles.insert(deployer);
    let mut model = IamModel::new(roles, hierarchy());
    model.set_policy(
        PROJECT,
        policy(r#"{"bindings": [{"role": "projects/acme/roles/deployer", "members": ["user:dev@example.com"]}]}"#),
    );

    let access = model
        .member_has_permission(
            &member("user:dev@example.com"),
            "run.services.create",
            PROJECT,
        )
        .unwrap();

    assert_eq!(access, Access::Denied);
}

#[test]
fn public_and_domain_members_cover() {
    let mut model = IamModel::new(catalog(), hierarchy());
    model.set_policy(
        BUCKET,
        policy(
            r#"{"bindings": [
            {"role": "roles/viewer", "members": ["allAuthenticatedUsers"]},
            {"role": "roles/storage.admin", "members": ["domain:example.com"]}]}"#,
        ),
    );
    let outsider = member("serviceAccount:x@other.iam.gserviceaccount.com");
    let staff = member("user:Ann@Example.com");
    let anyone = member("allUsers");

    let outsider_read = model
        .member_has_permission(&outsider, "storage.buckets.get", BUCKET)
        .unwrap();
    let outsider_write = model
        .member_has_permission(&outsider, "storage.objects.delete", BUCKET)
        .unwrap();
    let staff_write = model
        .member_has_permission(&staff, "storage.objects.delete", BUCKET)
        .unwrap();
    let anonymous_read = model
        .member_has_permission(&anyone, "storage.buckets.get", BUCKET)
        .unwrap();

    let Access::Granted { via } = outsider_read else {
        panic!("allAuthenticatedUsers covers a service account");
    };
    assert_eq!(via[0].matched_by, MatchedBy::AllAuthenticatedUsers);
    assert_eq!(outsider_write, Access::Denied);
    let Access::Granted { via } = staff_write else {
        panic!("domain:example.com covers user:ann@example.com");
    };
    assert_eq!(via[0].matched_by, MatchedBy::Domain);
    assert_eq!(anonymous_read, Access::Denied);
}

#[test]
fn principal_set_covers_pool_subject() {
    let mut model = IamModel::new(catalog(), hierarchy());
    model.set_policy(PROJECT, policy(G1_POLICY));
    let subject = member(
        "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/subject/repo:acme/app",
    );
    let other_pool = member(
        "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/other/subject/x",
    );

    let access = model
        .member_has_permission(&subject, "storage.objects.create", PROJECT)
        .unwrap();
    let other = model
        .member_has_permission(&other_pool, "storage.objects.create", PROJECT)
        .unwrap();

    let Access::Granted { via } = access else {
        panic!("the pool's principal set covers its subjects");
    };
    assert_eq!(via[0].matched_by, MatchedBy::PrincipalSet);
    assert_eq!(other, Access::Denied);
}

#[test]
fn project_owner_member_follows_owners() {
    let mut model = IamModel::new(catalog(), hierarchy());
    model.set_policy(
        PROJECT,
        policy(r#"{"bindings": [{"role": "roles/owner", "members": ["user:lead@example.com"]}]}"#),
    );
    model.set_policy(
        BUCKET,
        policy(
            r#"{"bindings": [{"role": "roles/storage.admin", "members": ["projectOwner:acme"]}]}"#,
        ),
    );

    let lead = model
        .member_has_permission(
            &member("user:lead@example.com"),
            "storage.objects.delete",
            BUCKET,
        )
        .unwrap();
    let other = model
        .member_has_permission(
            &member("user:dev@example.com"),
            "storage.objects.delete",
            BUCKET,
        )
        .unwrap();

    let Access::Granted { via } = lead else {
        panic!("projectOwner:acme covers the project's owner");
    };
    assert_eq!(via[0].matched_by, MatchedBy::ProjectRole);
    assert_eq!(other, Access::Denied);
}

#[test]
fn hierarchy_cycle_is_an_error() {
    let mut hierarchy = hierarchy();
    hierarchy.set_parent(ORG, PROJECT);
    let model = IamModel::new(catalog(), hierarchy);

    let error = model
        .member_has_permission(&member("user:a@example.com"), "storage.buckets.get", BUCKET)
        .unwrap_err();

    assert!(matches!(error, GcpError::Cycle { .. }), "{error}");
}

#[test]
fn admin_paths_need_container_level() {
    let mut model = IamModel::new(catalog(), hierarchy());
    let ci = member("serviceAccount:ci@acme.iam.gserviceaccount.com");
    model.set_policy(
        BUCKET,
        policy(r#"{"bindings": [{"role": "roles/owner", "members": ["serviceAccount:ci@acme.iam.gserviceaccount.com"]}]}"#),
    );
    model.set_policy(
        FOLDER,
        policy(r#"{"bindings": [{"role": "roles/iam.serviceAccountTokenCreator", "members": ["serviceAccount:ci@acme.iam.gserviceaccount.com"]}]}"#),
    );

    let paths = model.admin_paths(&ci, BUCKET).unwrap();

    assert_eq!(paths.len(), 1);
    assert_eq!(
        paths[0].binding.role,
        "roles/iam.serviceAccountTokenCreator"
    );
    assert_eq!(NodeKind::of(paths[0].binding.granted_at), NodeKind::Folder);
}

fn catalog_file(name: &str) -> Option<Vec<u8>> {
    let Some(root) = std::env::var_os("ROSTER_CATALOG_DIR") else {
        eprintln!("skipped: ROSTER_CATALOG_DIR is not set");
        return None;
    };
    let path = PathBuf::from(root).join(name);
    let file = std::fs::File::open(&path).unwrap();
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut text)
        .unwrap();
    Some(text)
}

#[test]
fn predefined_catalog_expands_owner() {
    let Some(bytes) = catalog_file("gcp-predefined-roles.json.gz") else {
        return;
    };

    let roles = RoleCatalog::from_json_str(std::str::from_utf8(&bytes).unwrap()).unwrap();

    assert!(roles.len() > 2000, "{} roles", roles.len());
    let owner = roles.permissions("roles/owner").unwrap();
    assert!(owner.contains("resourcemanager.projects.setIamPolicy"));
    let viewer = roles.permissions("roles/viewer").unwrap();
    assert!(!viewer.contains("resourcemanager.projects.setIamPolicy"));
    assert!(roles.is_admin_equivalent("roles/owner"));
    assert!(!roles.is_admin_equivalent("roles/viewer"));
}

#[test]
fn named_admin_roles_match_permissions() {
    let Some(bytes) = catalog_file("gcp-predefined-roles.json.gz") else {
        return;
    };
    let roles = RoleCatalog::from_json_str(std::str::from_utf8(&bytes).unwrap()).unwrap();
    let mut by_permission_only = RoleCatalog::new();
    for name in ADMIN_EQUIVALENT_ROLES {
        let role = roles.get(name).unwrap().clone();
        // Renamed as a custom role, the role can be judged only by its permissions.
        let renamed = Role::new(
            &format!("projects/p/roles/{}", name.replace(['/', '.'], "_")),
            role.permissions.unwrap(),
        )
        .unwrap();
        by_permission_only.insert(renamed);
    }

    for role in by_permission_only.iter() {
        assert!(!is_admin_equivalent_role(&role.name));
        assert!(
            by_permission_only.is_admin_equivalent(&role.name),
            "{}",
            role.name
        );
    }
}

#[test]
fn catalog_drives_inherited_check() {
    let Some(bytes) = catalog_file("gcp-predefined-roles.json.gz") else {
        return;
    };
    let roles = RoleCatalog::from_json_str(std::str::from_utf8(&bytes).unwrap()).unwrap();
    let mut model = IamModel::new(roles, hierarchy());
    model.set_policy(
        ORG,
        policy(r#"{"bindings": [{"role": "roles/owner", "members": ["serviceAccount:ci@acme.iam.gserviceaccount.com"]}]}"#),
    );
    let ci = member("serviceAccount:ci@acme.iam.gserviceaccount.com");

    let access = model
        .member_has_permission(&ci, "resourcemanager.projects.setIamPolicy", PROJECT)
        .unwrap();

    assert!(access.is_granted(), "{access:?}");
}
