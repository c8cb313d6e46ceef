//! The Kubernetes RBAC engine: role resolution across namespaces, RoleBindings to
//! ClusterRoles, group subjects that cover service accounts, aggregation, and the bootstrap
//! roles found through `ROSTER_CORPUS_DIR`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use proptest::prelude::*;
use roster_policy::kubernetes::{
    AdminReason, BindingRef, DanglingReason, Decision, PolicyRule, Rbac, RbacObjects, Request,
    SubjectKind, UserInfo,
};

fn rbac(json: &str) -> Rbac {
    Rbac::new(RbacObjects::from_json_str(json).unwrap())
}

const CLUSTER_ADMIN: &str = r#"{"kind": "ClusterRole", "metadata": {"name": "cluster-admin"},
    "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
              {"nonResourceURLs": ["*"], "verbs": ["*"]}]}"#;

fn list(items: &[&str]) -> String {
    format!(r#"{{"kind": "List", "items": [{}]}}"#, items.join(","))
}

#[test]
fn role_binding_resolves_in_own_namespace() {
    let rbac = rbac(&list(&[
        r#"{"kind": "Role", "metadata": {"name": "admin-ish", "namespace": "team-b"},
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}"#,
        r#"{"kind": "RoleBinding", "metadata": {"name": "rb", "namespace": "team-a"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "admin-ish"},
            "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "team-a"}]}"#,
    ]));
    let ci = UserInfo::service_account("team-a", "ci");

    let in_a = rbac.can(&ci, "get", "secrets", Some("team-a"));
    let in_b = rbac.can(&ci, "get", "secrets", Some("team-b"));
    let dangling = rbac.dangling_bindings();

    let Decision::Denied { dangling: reported } = in_a else {
        panic!("a Role of another namespace granted access: {in_a:?}");
    };
    assert_eq!(reported.len(), 1);
    assert_eq!(reported[0].reason, DanglingReason::MissingRole);
    assert!(!in_b.is_allowed());
    assert_eq!(dangling.len(), 1);
    let BindingRef::RoleBinding(binding) = dangling[0].binding else {
        panic!("expected the RoleBinding");
    };
    assert_eq!(binding.name, "rb");
    assert_eq!(
        dangling[0].to_string(),
        "RoleBinding `team-a/rb` grants nothing through Role `admin-ish`: its Role does not exist in the binding's namespace"
    );
}

#[test]
fn cluster_binding_to_role_grants_nothing() {
    let rbac = rbac(&list(&[
        r#"{"kind": "Role", "metadata": {"name": "reader", "namespace": "dev"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}"#,
        r#"{"kind": "ClusterRoleBinding", "metadata": {"name": "crb"},
            "roleRef": {"kind": "Role", "name": "reader"},
            "subjects": [{"kind": "Group", "name": "system:authenticated"}]}"#,
        r#"{"kind": "ClusterRoleBinding", "metadata": {"name": "gone"},
            "roleRef": {"kind": "ClusterRole", "name": "deleted-role"},
            "subjects": [{"kind": "Group", "name": "system:authenticated"}]}"#,
    ]));

    let decision = rbac.can(
        &UserInfo::service_account("dev", "x"),
        "get",
        "pods",
        Some("dev"),
    );
    let reasons: Vec<DanglingReason> = rbac
        .dangling_bindings()
        .iter()
        .map(|dangling| dangling.reason)
        .collect();

    assert!(!decision.is_allowed());
    assert_eq!(
        reasons,
        [
            DanglingReason::RoleInClusterRoleBinding,
            DanglingReason::MissingClusterRole
        ]
    );
}

#[test]
fn role_binding_to_cluster_admin_stays_in_namespace() {
    let rbac = rbac(&list(&[
        CLUSTER_ADMIN,
        r#"{"kind": "RoleBinding", "metadata": {"name": "dev-admin", "namespace": "dev"},
            "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "dev"}]}"#,
    ]));
    let ci = UserInfo::service_account("dev", "ci");

    for verb in ["get", "list", "create", "delete", "escalate", "impersonate"] {
        for resource in [
            "pods",
            "pods/exec",
            "secrets",
            "deployments.apps",
            "widgets.example.com",
            "roles",
        ] {
            assert!(
                rbac.can(&ci, verb, resource, Some("dev")).is_allowed(),
                "{verb} {resource} in dev"
            );
            assert!(
                !rbac.can(&ci, verb, resource, Some("prod")).is_allowed(),
                "{verb} {resource} in prod"
            );
            assert!(
                !rbac.can(&ci, verb, resource, None).is_allowed(),
                "{verb} {resource} across namespaces"
            );
        }
    }
    for resource in [
        "nodes",
        "namespaces",
        "clusterroles",
        "clusterrolebindings",
        "persistentvolumes",
    ] {
        assert!(
            !rbac.can(&ci, "get", resource, Some("dev")).is_allowed(),
            "cluster-scoped {resource}"
        );
    }
    assert!(
        !rbac
            .authorize(&ci, &Request::non_resource("get", "/metrics"))
            .is_allowed()
    );
    assert!(rbac.is_cluster_admin_equivalent(&ci).is_none());
}

#[test]
fn role_binding_reaches_own_namespace_object() {
    let rbac = rbac(&list(&[
        CLUSTER_ADMIN,
        r#"{"kind": "RoleBinding", "metadata": {"name": "dev-admin", "namespace": "dev"},
            "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "dev"}]}"#,
    ]));
    let ci = UserInfo::service_account("dev", "ci");

    let own = Request::resource("get", "namespaces", None).with_name("dev");
    let other = Request::resource("get", "namespaces", None).with_name("prod");

    assert!(rbac.authorize(&ci, &own).is_allowed());
    assert!(!rbac.authorize(&ci, &other).is_allowed());
}

#[test]
fn group_subjects_cover_service_accounts() {
    let rbac = rbac(&list(&[
        CLUSTER_ADMIN,
        r#"{"kind": "ClusterRoleBinding", "metadata": {"name": "all-sa-admin"},
            "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "Group", "name": "system:serviceaccounts", "apiGroup": "rbac.authorization.k8s.io"},
                         {"kind": "Group", "name": "system:serviceaccounts:ci", "namespace": "ignored"}]}"#,
    ]));
    let anywhere = UserInfo::service_account("payments", "api");
    let in_ci = UserInfo::service_account("ci", "runner");
    let person = UserInfo::user("alice", ["system:authenticated"]);

    let decision = rbac.can(&anywhere, "delete", "nodes", None);
    let admin = rbac.is_cluster_admin_equivalent(&in_ci).unwrap();

    let Decision::Allowed { via } = decision else {
        panic!("system:serviceaccounts covers every service account");
    };
    assert_eq!(via[0].subject.kind, SubjectKind::Group);
    assert_eq!(via[0].subject.name, "system:serviceaccounts");
    assert_eq!(admin.reason, AdminReason::AllResources);
    assert!(!rbac.can(&person, "get", "pods", Some("ci")).is_allowed());
}

#[test]
fn namespace_group_covers_only_namespace() {
    let rbac = rbac(&list(&[
        CLUSTER_ADMIN,
        r#"{"kind": "ClusterRoleBinding", "metadata": {"name": "ci-admin"},
            "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "Group", "name": "system:serviceaccounts:ci", "namespace": "dev"}]}"#,
    ]));

    let in_ci = rbac.can(
        &UserInfo::service_account("ci", "runner"),
        "get",
        "secrets",
        Some("prod"),
    );
    let in_dev = rbac.can(
        &UserInfo::service_account("dev", "runner"),
        "get",
        "secrets",
        Some("prod"),
    );

    assert!(in_ci.is_allowed());
    assert!(!in_dev.is_allowed());
}

#[test]
fn authenticated_group_covers_service_accounts() {
    let rbac = rbac(&list(&[
        CLUSTER_ADMIN,
        r#"{"kind": "ClusterRoleBinding", "metadata": {"name": "everyone-admin"},
            "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "Group", "name": "system:authenticated"}]}"#,
    ]));

    let admin = rbac.is_cluster_admin_equivalent(&UserInfo::service_account("any", "sa"));

    assert_eq!(admin.unwrap().reason, AdminReason::AllResources);
}

#[test]
fn user_subject_names_service_account() {
    let rbac = rbac(&list(&[
        r#"{"kind": "ClusterRole", "metadata": {"name": "node-reader"},
            "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]}]}"#,
        r#"{"kind": "ClusterRoleBinding", "metadata": {"name": "nodes"},
            "roleRef": {"kind": "ClusterRole", "name": "node-reader"},
            "subjects": [{"kind": "User", "name": "system:serviceaccount:monitoring:agent"}]}"#,
    ]));

    let agent = rbac.can(
        &UserInfo::service_account("monitoring", "agent"),
        "list",
        "nodes",
        None,
    );
    let other = rbac.can(
        &UserInfo::service_account("monitoring", "other"),
        "list",
        "nodes",
        None,
    );

    assert!(agent.is_allowed());
    assert!(!other.is_allowed());
}

#[test]
fn aggregated_roles_gather_labelled_rules() {
    let rbac = rbac(&list(&[
        r#"{"kind": "ClusterRole", "metadata": {"name": "admin"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}}]},
            "rules": []}"#,
        r#"{"kind": "ClusterRole", "metadata": {"name": "edit",
                "labels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-edit": "true"}}]}}"#,
        r#"{"kind": "ClusterRole", "metadata": {"name": "view",
                "labels": {"rbac.authorization.k8s.io/aggregate-to-edit": "true"}},
            "aggregationRule": {"clusterRoleSelectors": [{"matchExpressions": [{"key": "rbac.authorization.k8s.io/aggregate-to-view", "operator": "In", "values": ["true"]}]}]}}"#,
        r#"{"kind": "ClusterRole", "metadata": {"name": "system:aggregate-to-view",
                "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]}"#,
        r#"{"kind": "ClusterRole", "metadata": {"name": "system:aggregate-to-edit",
                "labels": {"rbac.authorization.k8s.io/aggregate-to-edit": "true"}},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["create", "delete"]}]}"#,
        r#"{"kind": "ClusterRole", "metadata": {"name": "system:aggregate-to-admin",
                "labels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}},
            "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"], "verbs": ["create"]}]}"#,
        r#"{"kind": "RoleBinding", "metadata": {"name": "ci-admin", "namespace": "dev"},
            "roleRef": {"kind": "ClusterRole", "name": "admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "ci"}]}"#,
    ]));
    let ci = UserInfo::service_account("dev", "ci");

    let sources = |name: &str| -> Vec<String> {
        rbac.cluster_role_rules(name)
            .unwrap()
            .iter()
            .map(|rule| rule.aggregated_from.clone().unwrap_or_default())
            .collect()
    };

    assert_eq!(sources("view"), ["system:aggregate-to-view"]);
    assert_eq!(
        sources("edit"),
        ["system:aggregate-to-edit", "system:aggregate-to-view"]
    );
    assert_eq!(
        sources("admin"),
        [
            "system:aggregate-to-edit",
            "system:aggregate-to-view",
            "system:aggregate-to-admin"
        ]
    );
    assert!(rbac.can(&ci, "watch", "pods", Some("dev")).is_allowed());
    assert!(
        rbac.can(&ci, "create", "rolebindings", Some("dev"))
            .is_allowed()
    );
    let Decision::Allowed { via } = rbac.can(&ci, "delete", "pods", Some("dev")) else {
        panic!("admin gathers edit's rules");
    };
    assert_eq!(
        via[0].to_string(),
        "RoleBinding `dev/ci-admin` grants ClusterRole `admin` to ServiceAccount `ci` (rule 0, aggregated from ClusterRole `system:aggregate-to-edit`)"
    );
}

#[test]
fn escalation_rights_are_admin_equivalent() {
    let rbac = rbac(&list(&[
        r#"{"kind": "ClusterRole", "metadata": {"name": "binder"},
            "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterrolebindings"], "verbs": ["create"]},
                      {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"], "resourceNames": ["cluster-admin"]}]}"#,
        r#"{"kind": "ClusterRole", "metadata": {"name": "impersonator"},
            "rules": [{"apiGroups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]}]}"#,
        r#"{"kind": "ClusterRole", "metadata": {"name": "escalator"},
            "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["escalate", "update"]}]}"#,
        r#"{"kind": "ClusterRole", "metadata": {"name": "reader"},
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]}]}"#,
    ]));

    assert_eq!(
        rbac.cluster_role_admin_reason("binder"),
        Some(AdminReason::BindClusterRoles)
    );
    assert_eq!(
        rbac.cluster_role_admin_reason("impersonator"),
        Some(AdminReason::ImpersonateUsers)
    );
    assert_eq!(
        rbac.cluster_role_admin_reason("escalator"),
        Some(AdminReason::EscalateClusterRoles)
    );
    assert_eq!(rbac.cluster_role_admin_reason("reader"), None);
    assert_eq!(rbac.cluster_role_admin_reason("missing"), None);
}

fn corpus(relative: &str) -> Option<String> {
    let Some(root) = std::env::var_os("ROSTER_CORPUS_DIR") else {
        eprintln!("skipped: ROSTER_CORPUS_DIR is not set");
        return None;
    };
    Some(std::fs::read_to_string(PathBuf::from(root).join(relative)).unwrap())
}

#[test]
fn bootstrap_roles_parse_and_judge() {
    let Some(roles) = corpus("k8s/k8s_bootstrap_cluster-roles_v1beta1_old.yaml") else {
        return;
    };

    let objects = RbacObjects::from_yaml_str(&roles).unwrap();
    let rbac = Rbac::new(objects.clone());

    assert_eq!(objects.cluster_roles.len(), 17);
    assert_eq!(
        rbac.cluster_role_admin_reason("cluster-admin"),
        Some(AdminReason::AllResources)
    );
    for name in ["admin", "edit", "view", "system:discovery", "system:node"] {
        assert_eq!(rbac.cluster_role_admin_reason(name), None, "{name}");
    }
    for (name, verb, resource) in [
        ("admin", "create", "rolebindings.rbac.authorization.k8s.io"),
        ("admin", "impersonate", "serviceaccounts"),
        ("edit", "get", "secrets"),
        ("view", "watch", "pods"),
    ] {
        let rules = rbac.cluster_role_rules(name).unwrap();
        let request = Request::resource(verb, resource, Some("dev"));
        assert!(
            rules.iter().any(|rule| rule.rule.allows(&request)),
            "{name} allows {verb} {resource}"
        );
    }
    let view = rbac.cluster_role_rules("view").unwrap();
    assert!(!view.iter().any(|rule| rule.rule.allows(&Request::resource(
        "get",
        "secrets",
        Some("dev")
    ))));
    let discovery = rbac.cluster_role_rules("system:discovery").unwrap();
    assert!(discovery.iter().any(|rule| {
        rule.rule
            .allows(&Request::non_resource("get", "/apis/apps/v1"))
    }));
}

#[test]
fn bootstrap_bindings_name_controllers() {
    let Some(bindings) = corpus("k8s/k8s_bootstrap_controller-role-bindings.yaml") else {
        return;
    };
    let Some(roles) = corpus("k8s/k8s_bootstrap_cluster-roles_v1beta1_old.yaml") else {
        return;
    };

    let mut objects = RbacObjects::from_yaml_str(&roles).unwrap();
    objects.extend(RbacObjects::from_yaml_str(&bindings).unwrap());
    let rbac = Rbac::new(objects);

    assert_eq!(rbac.bindings().count(), 27);
    for binding in rbac.bindings() {
        let subject = &binding.subjects()[0];
        assert_eq!(subject.kind, SubjectKind::ServiceAccount);
        assert_eq!(subject.namespace.as_deref(), Some("kube-system"));
    }
    // The controllers' own ClusterRoles live in another file, so every binding dangles.
    let dangling = rbac.dangling_bindings();
    assert_eq!(dangling.len(), 27);
    assert!(
        dangling
            .iter()
            .all(|binding| binding.reason == DanglingReason::MissingClusterRole)
    );
}

#[test]
fn bootstrap_cluster_admin_binding_is_admin() {
    let Some(roles) = corpus("k8s/k8s_bootstrap_cluster-roles_v1beta1_old.yaml") else {
        return;
    };
    let mut objects = RbacObjects::from_yaml_str(&roles).unwrap();
    objects.extend(
        RbacObjects::from_json_str(
            r#"{"kind": "ClusterRoleBinding", "metadata": {"name": "ci-admin"},
                "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}]}"#,
        )
        .unwrap(),
    );
    let rbac = Rbac::new(objects);

    let admin = rbac.is_cluster_admin_equivalent(&UserInfo::service_account("ci", "deployer"));
    let other = rbac.is_cluster_admin_equivalent(&UserInfo::service_account("ci", "other"));

    assert_eq!(admin.unwrap().reason, AdminReason::AllResources);
    assert!(other.is_none());
}

fn word() -> impl Strategy<Value = String> {
    "[a-z]{1,8}"
}

fn rule(verbs: Vec<String>, groups: Vec<String>, resources: Vec<String>) -> PolicyRule {
    PolicyRule {
        verbs,
        api_groups: groups,
        resources,
        ..PolicyRule::default()
    }
}

proptest! {
    #[test]
    fn star_verb_allows_every_verb(verb in word(), resource in word(), namespace in word()) {
        let request = Request::resource(&verb, &resource, Some(&namespace)).with_group("example.com");
        let star = rule(vec!["*".into()], vec!["example.com".into()], vec![resource.clone()]);

        prop_assert!(star.allows(&request));
    }

    #[test]
    fn star_resource_allows_every_resource(
        verb in word(),
        resource in word(),
        subresource in proptest::option::of(word()),
    ) {
        let text = match &subresource {
            Some(subresource) => format!("{resource}/{subresource}"),
            None => resource.clone(),
        };
        let request = Request::resource(&verb, &text, Some("ns")).with_group("example.com");
        let star = rule(vec![verb.clone()], vec!["*".into()], vec!["*".into()]);

        prop_assert!(star.allows(&request));
    }

    #[test]
    fn literal_verbs_match_only_themselves(listed in word(), verb in word(), resource in word()) {
        let request = Request::resource(&verb, &resource, Some("ns")).with_group("example.com");
        let literal = rule(vec![listed.clone()], vec!["*".into()], vec!["*".into()]);

        prop_assert_eq!(literal.allows(&request), listed == verb);
    }

    #[test]
    fn url_star_matches_prefix(prefix in "/[a-z/]{0,8}", path in "/[a-z/]{0,12}") {
        let urls = PolicyRule {
            verbs: vec!["get".into()],
            non_resource_urls: vec![format!("{prefix}*")],
            ..PolicyRule::default()
        };

        prop_assert_eq!(
            urls.allows(&Request::non_resource("get", &path)),
            path.starts_with(&prefix)
        );
    }
}
