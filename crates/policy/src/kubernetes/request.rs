//! Requests to the API server, and how one RBAC rule matches them.
//!
//! The matching follows the RBAC authorizer. `*` in verbs, API groups or resources matches
//! anything, and `*/log` matches the `log` subresource of any resource. An empty
//! `resourceNames` matches every name. A non-resource URL ending in `*` matches any path with
//! that prefix.

use std::fmt;

use super::objects::PolicyRule;
use super::resources::{ResourceScope, built_in_group, resource_scope};

/// A request on an API resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRequest {
    pub verb: String,
    /// `""` for the core group.
    pub api_group: String,
    pub resource: String,
    pub subresource: Option<String>,
    /// The object's name; `None` for `list`, `watch` or `create` without a name.
    pub name: Option<String>,
    /// The namespace; `None` for cluster-scoped resources and for requests across every
    /// namespace.
    pub namespace: Option<String>,
}

/// A request the API server authorizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Resource(ResourceRequest),
    /// A request on a path outside the resource API, such as `/healthz` or `/metrics`.
    NonResource {
        verb: String,
        path: String,
    },
}

impl Request {
    /// Builds a resource request from `kubectl auth can-i` notation: `pods`, `pods/log`,
    /// `deployments.apps` or `deployments.apps/scale`. A resource named without a group takes
    /// the group of the built-in resource of that name, or the core group.
    ///
    /// The namespace is dropped for cluster-scoped resources (`nodes`, `clusterroles`, ...),
    /// because the API server gives such requests no namespace.
    pub fn resource(verb: &str, resource: &str, namespace: Option<&str>) -> Request {
        let (resource, subresource) = match resource.split_once('/') {
            Some((resource, subresource)) => (resource, Some(subresource.to_owned())),
            None => (resource, None),
        };
        let (resource, api_group) = match resource.split_once('.') {
            Some((resource, group)) => (resource, group),
            None => (resource, built_in_group(resource).unwrap_or_default()),
        };
        Request::Resource(ResourceRequest {
            verb: verb.to_owned(),
            api_group: api_group.to_owned(),
            resource: resource.to_owned(),
            subresource,
            name: None,
            namespace: namespace.map(str::to_owned),
        })
        .scoped()
    }

    /// Builds a request on a non-resource path.
    pub fn non_resource(verb: &str, path: &str) -> Request {
        Request::NonResource {
            verb: verb.to_owned(),
            path: path.to_owned(),
        }
    }

    /// Sets the object's name. A request on a `namespaces` object lies within that namespace,
    /// as the API server reads it.
    pub fn with_name(self, name: &str) -> Request {
        match self {
            Request::Resource(mut request) => {
                request.name = Some(name.to_owned());
                if request.api_group.is_empty() && request.resource == "namespaces" {
                    request.namespace = Some(name.to_owned());
                }
                Request::Resource(request)
            }
            other => other,
        }
    }

    /// Sets the API group, for resources the built-in table does not know.
    pub fn with_group(self, api_group: &str) -> Request {
        match self {
            Request::Resource(mut request) => {
                request.api_group = api_group.to_owned();
                Request::Resource(request).scoped()
            }
            other => other,
        }
    }

    pub fn verb(&self) -> &str {
        match self {
            Request::Resource(request) => &request.verb,
            Request::NonResource { verb, .. } => verb,
        }
    }

    /// Returns the namespace the request lies in, if any.
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Request::Resource(request) => request.namespace.as_deref(),
            Request::NonResource { .. } => None,
        }
    }

    fn scoped(self) -> Request {
        match self {
            Request::Resource(mut request)
                if resource_scope(&request.api_group, &request.resource)
                    == ResourceScope::Cluster
                    && !(request.resource == "namespaces" && request.name.is_some()) =>
            {
                request.namespace = None;
                Request::Resource(request)
            }
            other => other,
        }
    }
}

impl PolicyRule {
    /// Returns whether the rule allows the request.
    pub fn allows(&self, request: &Request) -> bool {
        if !matches_verb(&self.verbs, request.verb()) {
            return false;
        }
        match request {
            Request::Resource(request) => {
                matches_exact(&self.api_groups, &request.api_group)
                    && self.matches_resource(request)
                    && self.matches_name(request.name.as_deref())
            }
            Request::NonResource { path, .. } => self
                .non_resource_urls
                .iter()
                .any(|url| url_matches(url, path)),
        }
    }

    fn matches_resource(&self, request: &ResourceRequest) -> bool {
        let combined = match &request.subresource {
            Some(subresource) => format!("{}/{subresource}", request.resource),
            None => request.resource.clone(),
        };
        self.resources.iter().any(|rule| {
            rule == "*"
                || *rule == combined
                || request
                    .subresource
                    .as_deref()
                    .is_some_and(|subresource| rule.strip_prefix("*/") == Some(subresource))
        })
    }

    fn matches_name(&self, name: Option<&str>) -> bool {
        if self.resource_names.is_empty() {
            return true;
        }
        name.is_some_and(|name| self.resource_names.iter().any(|listed| listed == name))
    }
}

fn matches_verb(verbs: &[String], verb: &str) -> bool {
    verbs.iter().any(|listed| listed == "*" || listed == verb)
}

fn matches_exact(values: &[String], value: &str) -> bool {
    values.iter().any(|listed| listed == "*" || listed == value)
}

fn url_matches(rule: &str, path: &str) -> bool {
    if rule == "*" || rule == path {
        return true;
    }
    rule.strip_suffix('*')
        .is_some_and(|prefix| path.starts_with(prefix))
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Request::Resource(request) => {
                write!(f, "{} {}", request.verb, request.resource)?;
                if let Some(subresource) = &request.subresource {
                    write!(f, "/{subresource}")?;
                }
                if !request.api_group.is_empty() {
                    write!(f, ".{}", request.api_group)?;
                }
                if let Some(name) = &request.name {
                    write!(f, " `{name}`")?;
                }
                match &request.namespace {
                    Some(namespace) => write!(f, " in namespace `{namespace}`"),
                    None => f.write_str(" cluster-wide"),
                }
            }
            Request::NonResource { verb, path } => write!(f, "{verb} {path}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> PolicyRule {
        let owned = |values: &[&str]| values.iter().map(|value| (*value).to_owned()).collect();
        PolicyRule {
            verbs: owned(verbs),
            api_groups: owned(groups),
            resources: owned(resources),
            ..PolicyRule::default()
        }
    }

    #[test]
    fn request_reads_kubectl_notation() {
        let Request::Resource(request) =
            Request::resource("get", "deployments.apps/scale", Some("dev"))
        else {
            unreachable!();
        };

        assert_eq!(request.api_group, "apps");
        assert_eq!(request.resource, "deployments");
        assert_eq!(request.subresource.as_deref(), Some("scale"));
        assert_eq!(request.namespace.as_deref(), Some("dev"));
    }

    #[test]
    fn cluster_scoped_request_drops_namespace() {
        let nodes = Request::resource("get", "nodes", Some("dev"));
        let namespace = Request::resource("get", "namespaces", None).with_name("dev");

        assert_eq!(nodes.namespace(), None);
        assert_eq!(namespace.namespace(), Some("dev"));
    }

    #[test]
    fn subresource_needs_its_own_entry() {
        let pods = rule(&["get"], &[""], &["pods"]);
        let logs = rule(&["get"], &[""], &["pods/log"]);
        let any_log = rule(&["get"], &[""], &["*/log"]);
        let request = Request::resource("get", "pods/log", Some("dev"));

        assert!(!pods.allows(&request));
        assert!(logs.allows(&request));
        assert!(any_log.allows(&request));
        assert!(!any_log.allows(&Request::resource("get", "pods", Some("dev"))));
    }

    #[test]
    fn resource_names_limit_named_requests() {
        let mut named = rule(&["get"], &[""], &["configmaps"]);
        named.resource_names = vec!["settings".to_owned()];

        assert!(
            named
                .allows(&Request::resource("get", "configmaps", Some("dev")).with_name("settings"))
        );
        assert!(
            !named.allows(&Request::resource("get", "configmaps", Some("dev")).with_name("other"))
        );
        assert!(!named.allows(&Request::resource("get", "configmaps", Some("dev"))));
    }

    #[test]
    fn non_resource_url_star_matches_prefix() {
        let discovery = PolicyRule {
            verbs: vec!["get".to_owned()],
            non_resource_urls: vec!["/apis/*".to_owned(), "/healthz".to_owned()],
            ..PolicyRule::default()
        };

        assert!(discovery.allows(&Request::non_resource("get", "/apis/apps/v1")));
        assert!(discovery.allows(&Request::non_resource("get", "/healthz")));
        assert!(!discovery.allows(&Request::non_resource("get", "/healthz/ready")));
        assert!(!discovery.allows(&Request::resource("get", "pods", Some("dev"))));
    }

    #[test]
    fn resource_rule_never_matches_url() {
        let everything = rule(&["*"], &["*"], &["*"]);

        assert!(!everything.allows(&Request::non_resource("get", "/metrics")));
        assert!(everything.allows(&Request::resource(
            "delete",
            "widgets.example.com",
            Some("x")
        )));
    }
}
