//! A built-in table of the resources that ship with Kubernetes: their API group, and whether
//! they are namespaced or cluster-scoped.
//!
//! The API server learns this from discovery. Roster reads RBAC objects without a cluster, so
//! it keeps this table of built-in resources and treats any other resource, such as a custom
//! resource, as namespaced under the group the request names.
//!
//! NOTE: a cluster-scoped custom resource is therefore read as namespaced, so a RoleBinding
//! appears to grant it within its namespace although the API server would not.

/// Whether objects of a resource live in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceScope {
    Namespaced,
    Cluster,
}

/// (resource, API group, scope) of the built-in resources.
const BUILT_IN: [(&str, &str, ResourceScope); 60] = {
    use ResourceScope::{Cluster, Namespaced};
    [
        // core
        ("bindings", "", Namespaced),
        ("configmaps", "", Namespaced),
        ("endpoints", "", Namespaced),
        ("events", "", Namespaced),
        ("limitranges", "", Namespaced),
        ("persistentvolumeclaims", "", Namespaced),
        ("pods", "", Namespaced),
        ("podtemplates", "", Namespaced),
        ("replicationcontrollers", "", Namespaced),
        ("resourcequotas", "", Namespaced),
        ("secrets", "", Namespaced),
        ("serviceaccounts", "", Namespaced),
        ("services", "", Namespaced),
        ("componentstatuses", "", Cluster),
        ("namespaces", "", Cluster),
        ("nodes", "", Cluster),
        ("persistentvolumes", "", Cluster),
        // apps, batch, autoscaling, policy
        ("controllerrevisions", "apps", Namespaced),
        ("daemonsets", "apps", Namespaced),
        ("deployments", "apps", Namespaced),
        ("replicasets", "apps", Namespaced),
        ("statefulsets", "apps", Namespaced),
        ("cronjobs", "batch", Namespaced),
        ("jobs", "batch", Namespaced),
        ("horizontalpodautoscalers", "autoscaling", Namespaced),
        ("poddisruptionbudgets", "policy", Namespaced),
        ("podsecuritypolicies", "policy", Cluster),
        // networking, discovery, coordination
        ("ingresses", "networking.k8s.io", Namespaced),
        ("networkpolicies", "networking.k8s.io", Namespaced),
        ("ingressclasses", "networking.k8s.io", Cluster),
        ("ipaddresses", "networking.k8s.io", Cluster),
        ("servicecidrs", "networking.k8s.io", Cluster),
        ("endpointslices", "discovery.k8s.io", Namespaced),
        ("leases", "coordination.k8s.io", Namespaced),
        // RBAC and access reviews
        ("roles", "rbac.authorization.k8s.io", Namespaced),
        ("rolebindings", "rbac.authorization.k8s.io", Namespaced),
        ("clusterroles", "rbac.authorization.k8s.io", Cluster),
        ("clusterrolebindings", "rbac.authorization.k8s.io", Cluster),
        (
            "localsubjectaccessreviews",
            "authorization.k8s.io",
            Namespaced,
        ),
        ("selfsubjectaccessreviews", "authorization.k8s.io", Cluster),
        ("selfsubjectrulesreviews", "authorization.k8s.io", Cluster),
        ("subjectaccessreviews", "authorization.k8s.io", Cluster),
        ("selfsubjectreviews", "authentication.k8s.io", Cluster),
        ("tokenreviews", "authentication.k8s.io", Cluster),
        ("certificatesigningrequests", "certificates.k8s.io", Cluster),
        // storage
        ("csidrivers", "storage.k8s.io", Cluster),
        ("csinodes", "storage.k8s.io", Cluster),
        ("csistoragecapacities", "storage.k8s.io", Namespaced),
        ("storageclasses", "storage.k8s.io", Cluster),
        ("volumeattachments", "storage.k8s.io", Cluster),
        // extension and control plane configuration
        ("customresourcedefinitions", "apiextensions.k8s.io", Cluster),
        ("apiservices", "apiregistration.k8s.io", Cluster),
        (
            "mutatingwebhookconfigurations",
            "admissionregistration.k8s.io",
            Cluster,
        ),
        (
            "validatingwebhookconfigurations",
            "admissionregistration.k8s.io",
            Cluster,
        ),
        (
            "validatingadmissionpolicies",
            "admissionregistration.k8s.io",
            Cluster,
        ),
        (
            "validatingadmissionpolicybindings",
            "admissionregistration.k8s.io",
            Cluster,
        ),
        ("flowschemas", "flowcontrol.apiserver.k8s.io", Cluster),
        (
            "prioritylevelconfigurations",
            "flowcontrol.apiserver.k8s.io",
            Cluster,
        ),
        ("priorityclasses", "scheduling.k8s.io", Cluster),
        ("runtimeclasses", "node.k8s.io", Cluster),
    ]
};

/// Returns the API group of a built-in resource, for requests that name the resource alone.
/// `events` resolves to the core group, although `events.k8s.io` serves it too.
pub fn built_in_group(resource: &str) -> Option<&'static str> {
    BUILT_IN
        .iter()
        .find(|(name, _, _)| *name == resource)
        .map(|(_, group, _)| *group)
}

/// Returns the scope of a resource in a group: from the table for built-in resources, and
/// namespaced for anything else.
pub fn resource_scope(api_group: &str, resource: &str) -> ResourceScope {
    BUILT_IN
        .iter()
        .find(|(name, group, _)| *name == resource && *group == api_group)
        .map_or(ResourceScope::Namespaced, |(_, _, scope)| *scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_scoped_resources_are_known() {
        for (group, resource) in [
            ("", "nodes"),
            ("", "namespaces"),
            ("", "persistentvolumes"),
            ("rbac.authorization.k8s.io", "clusterroles"),
            ("rbac.authorization.k8s.io", "clusterrolebindings"),
        ] {
            assert_eq!(
                resource_scope(group, resource),
                ResourceScope::Cluster,
                "{resource}"
            );
        }
        assert_eq!(resource_scope("", "pods"), ResourceScope::Namespaced);
        assert_eq!(
            resource_scope("example.com", "widgets"),
            ResourceScope::Namespaced
        );
    }

    #[test]
    fn group_resolves_from_resource() {
        assert_eq!(built_in_group("deployments"), Some("apps"));
        assert_eq!(built_in_group("pods"), Some(""));
        assert_eq!(built_in_group("widgets"), None);
    }
}
