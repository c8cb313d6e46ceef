//! Benchmarks of the GCP and Kubernetes engines: a GCP permission check inherited down a
//! five-level hierarchy, and Kubernetes `can` over the bootstrap ClusterRoles.
//!
//! The Kubernetes benchmarks read `$ROSTER_CORPUS_DIR/k8s/k8s_bootstrap_cluster-roles_v1beta1_old.yaml`
//! and the controller bindings beside it; without the variable they are skipped with a
//! message. Run with `cargo bench -p roster-policy --bench hierarchies`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use roster_policy::gcp::{
    Binding, IamModel, IamPolicy, Member, ResourceHierarchy, Role, RoleCatalog,
};
use roster_policy::kubernetes::{Rbac, RbacObjects, UserInfo};

const ORG: &str = "organizations/100";
const NODES: [&str; 5] = [
    "organizations/100",
    "folders/1",
    "folders/2",
    "projects/acme",
    "//storage.googleapis.com/projects/_/buckets/reports",
];

/// Builds 200 predefined roles of 200 permissions each, plus `roles/owner` with 13,000.
fn gcp_catalog() -> RoleCatalog {
    let mut roles = RoleCatalog::new();
    for role in 0..200 {
        let permissions =
            (0..200).map(|permission| format!("service{role}.things.verb{permission}"));
        roles.insert(Role::new(&format!("roles/service{role}.user"), permissions).unwrap());
    }
    let owner = (0..13_000)
        .map(|permission| format!("service{}.things.verb{}", permission / 65, permission % 65));
    roles.insert(
        Role::new(
            "roles/owner",
            owner.chain(["storage.objects.delete".to_owned()]),
        )
        .unwrap(),
    );
    roles
}

/// Gives every node of the chain a policy of 30 bindings with 5 members each. The member
/// checked has `roles/owner` at the organization through two nested groups.
fn gcp_model() -> (IamModel, Member) {
    let mut hierarchy = ResourceHierarchy::new();
    for pair in NODES.windows(2) {
        hierarchy.set_parent(pair[1], pair[0]);
    }
    let mut model = IamModel::new(gcp_catalog(), hierarchy);
    for (level, node) in NODES.iter().enumerate() {
        let mut bindings: Vec<Binding> = (0..30)
            .map(|index| Binding {
                role: format!("roles/service{}.user", (level * 30 + index) % 200),
                members: (0..5)
                    .map(|member| {
                        Member::parse(&format!("user:u{level}-{index}-{member}@example.com"))
                            .unwrap()
                    })
                    .collect(),
                condition: None,
            })
            .collect();
        if *node == ORG {
            bindings.push(Binding {
                role: "roles/owner".to_owned(),
                members: vec![Member::parse("group:admins@example.com").unwrap()],
                condition: None,
            });
        }
        model.set_policy(node, IamPolicy::new(bindings));
    }
    let ci = Member::parse("serviceAccount:ci@acme.iam.gserviceaccount.com").unwrap();
    model.add_group_member(
        Member::parse("group:admins@example.com").unwrap(),
        Member::parse("group:platform@example.com").unwrap(),
    );
    model.add_group_member(
        Member::parse("group:platform@example.com").unwrap(),
        ci.clone(),
    );
    (model, ci)
}

fn gcp(c: &mut Criterion) {
    let (model, ci) = gcp_model();
    let bucket = NODES[4];
    assert_eq!(model.effective_bindings(bucket).unwrap().len(), 751);
    assert!(
        model
            .member_has_permission(&ci, "storage.objects.delete", bucket)
            .unwrap()
            .is_granted()
    );

    c.bench_function("gcp/inherited permission, granted", |b| {
        b.iter(|| {
            model.member_has_permission(
                black_box(&ci),
                black_box("storage.objects.delete"),
                black_box(bucket),
            )
        })
    });
    c.bench_function("gcp/inherited permission, denied", |b| {
        b.iter(|| {
            model.member_has_permission(
                black_box(&ci),
                black_box("compute.instances.create"),
                black_box(bucket),
            )
        })
    });
    c.bench_function("gcp/effective bindings of a bucket", |b| {
        b.iter(|| model.effective_bindings(black_box(bucket)).unwrap().len())
    });
}

fn corpus_text(relative: &str) -> Option<String> {
    let root = std::env::var_os("ROSTER_CORPUS_DIR")?;
    Some(std::fs::read_to_string(PathBuf::from(root).join(relative)).unwrap())
}

/// Loads the bootstrap ClusterRoles and controller bindings, and adds 100 namespaces with a
/// RoleBinding to `edit` and one to `view` each, and a ClusterRoleBinding to `view`.
fn kubernetes_rbac() -> Option<Rbac> {
    let roles = corpus_text("k8s/k8s_bootstrap_cluster-roles_v1beta1_old.yaml")?;
    let bindings = corpus_text("k8s/k8s_bootstrap_controller-role-bindings.yaml")?;
    let mut objects = RbacObjects::from_yaml_str(&roles).unwrap();
    objects.extend(RbacObjects::from_yaml_str(&bindings).unwrap());

    let mut items = vec![
        r#"{"kind": "ClusterRoleBinding", "metadata": {"name": "monitoring-view"},
            "roleRef": {"kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "Group", "name": "system:serviceaccounts:monitoring"}]}"#
            .to_owned(),
    ];
    for namespace in 0..100 {
        items.push(format!(
            r#"{{"kind": "RoleBinding", "metadata": {{"name": "ci-edit", "namespace": "team-{namespace}"}},
                "roleRef": {{"kind": "ClusterRole", "name": "edit"}},
                "subjects": [{{"kind": "ServiceAccount", "name": "ci", "namespace": "team-{namespace}"}}]}}"#
        ));
        items.push(format!(
            r#"{{"kind": "RoleBinding", "metadata": {{"name": "devs-view", "namespace": "team-{namespace}"}},
                "roleRef": {{"kind": "ClusterRole", "name": "view"}},
                "subjects": [{{"kind": "Group", "name": "devs"}}]}}"#
        ));
    }
    let extra = format!(r#"{{"kind": "List", "items": [{}]}}"#, items.join(","));
    objects.extend(RbacObjects::from_json_str(&extra).unwrap());
    Some(Rbac::new(objects))
}

fn kubernetes(c: &mut Criterion) {
    let Some(rbac) = kubernetes_rbac() else {
        eprintln!("skipped the Kubernetes benchmarks: ROSTER_CORPUS_DIR is not set");
        return;
    };
    let ci = UserInfo::service_account("team-42", "ci");
    let agent = UserInfo::service_account("monitoring", "agent");
    assert!(
        rbac.can(&ci, "delete", "deployments.apps", Some("team-42"))
            .is_allowed()
    );
    assert!(rbac.can(&agent, "list", "pods", None).is_allowed());
    assert!(!rbac.can(&ci, "delete", "nodes", None).is_allowed());

    c.bench_function("kubernetes/can, namespaced, allowed", |b| {
        b.iter(|| {
            rbac.can(
                black_box(&ci),
                black_box("delete"),
                black_box("deployments.apps"),
                black_box(Some("team-42")),
            )
        })
    });
    c.bench_function("kubernetes/can, cluster-wide, allowed", |b| {
        b.iter(|| {
            rbac.can(
                black_box(&agent),
                black_box("list"),
                black_box("pods"),
                black_box(None),
            )
        })
    });
    c.bench_function("kubernetes/can, denied", |b| {
        b.iter(|| {
            rbac.can(
                black_box(&ci),
                black_box("delete"),
                black_box("nodes"),
                black_box(None),
            )
        })
    });
    c.bench_function("kubernetes/cluster-admin equivalence", |b| {
        b.iter(|| rbac.is_cluster_admin_equivalent(black_box(&ci)).is_some())
    });
}

criterion_group!(benches, gcp, kubernetes);
criterion_main!(benches);
