//! Matching identities against selectors.

use roster_model::{Identity, ProviderId};

use crate::scope::{gcp_bare_id, same_scope_text};
use crate::types::Selector;

impl Selector {
    /// Tells whether the identity has every attribute the selector gives.
    ///
    /// - `provider`: the identity's provider (`k8s` is accepted for Kubernetes). An unknown
    ///   provider matches nothing.
    /// - `kind`: the identity's kind.
    /// - `scope`: the native id of the identity's scope. GCP ids compare without their
    ///   `projects/`, `folders/` or `organizations/` prefix, Azure ids without regard to case,
    ///   and a Kubernetes cluster name also matches the identities of its namespaces
    ///   (`prod-eu` matches scope `prod-eu/payments`).
    /// - `name`: a case-sensitive pattern over the identity's name. `*` matches any run of
    ///   characters (none included), and `?` exactly one character.
    /// - `path`: a prefix of the identity's IAM path. Identities without AWS details never
    ///   match a selector that gives a path.
    /// - `tags`: every tag must be present with exactly this key and value.
    ///
    /// A selector that gives nothing matches every identity, so validation rejects such
    /// selectors in roster files.
    pub fn matches(&self, identity: &Identity) -> bool {
        self.provider_matches(identity)
            && self.kind.is_none_or(|kind| kind == identity.kind)
            && self.scope_matches(identity)
            && self
                .name
                .as_deref()
                .is_none_or(|pattern| glob_matches(pattern, &identity.name))
            && self.path_matches(identity)
            && self
                .tags
                .iter()
                .all(|(key, value)| identity.tags.get(key) == Some(value))
    }

    /// Tells whether the selector gives no attribute at all.
    pub fn is_empty(&self) -> bool {
        self.provider.is_none()
            && self.kind.is_none()
            && self.scope.is_none()
            && self.name.is_none()
            && self.path.is_none()
            && self.tags.is_empty()
    }

    fn provider_matches(&self, identity: &Identity) -> bool {
        let Some(provider) = &self.provider else {
            return true;
        };
        provider.parse::<ProviderId>().ok() == Some(identity.provider)
    }

    fn scope_matches(&self, identity: &Identity) -> bool {
        let Some(scope) = &self.scope else {
            return true;
        };
        let native = identity.scope.native_id();

        match identity.provider {
            ProviderId::Gcp => gcp_bare_id(scope) == gcp_bare_id(native),
            ProviderId::Kubernetes => {
                native == scope
                    || native
                        .strip_prefix(scope.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            }
            provider => same_scope_text(provider, scope, native),
        }
    }

    fn path_matches(&self, identity: &Identity) -> bool {
        let Some(prefix) = &self.path else {
            return true;
        };
        identity
            .aws
            .as_ref()
            .is_some_and(|aws| aws.path.starts_with(prefix.as_str()))
    }
}

/// Matches `text` against `pattern`, where `*` is any run of characters (none included) and
/// `?` exactly one character.
///
/// The matcher backtracks only to the last `*`, so it runs in time proportional to the
/// product of the two lengths at worst.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut last_star: Option<(usize, usize)> = None;

    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                last_star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => {
                let Some((star_p, star_t)) = last_star else {
                    return false;
                };
                p = star_p + 1;
                t = star_t + 1;
                last_star = Some((star_p, star_t + 1));
            }
        }
    }

    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use roster_model::{AwsIdentityDetails, IdentityKey, IdentityKind, ScopeId, Usage};

    use super::*;

    fn identity(provider: ProviderId, scope: &str, kind: IdentityKind, name: &str) -> Identity {
        let key = IdentityKey::new(provider, scope, kind, name);
        Identity::new(
            provider,
            key,
            ScopeId::new(provider, scope),
            kind,
            name,
            Usage::unknown("not collected"),
        )
    }

    fn aws_role(name: &str, path: &str) -> Identity {
        let mut role = identity(ProviderId::Aws, "111122223333", IdentityKind::AwsRole, name);
        role.aws = Some(AwsIdentityDetails {
            arn: format!("arn:aws:iam::111122223333:role{path}{name}"),
            path: path.to_owned(),
            ..AwsIdentityDetails::default()
        });
        role
    }

    #[test]
    fn glob_star_matches_any_run() {
        assert!(glob_matches("deploy-*", "deploy-"));
        assert!(glob_matches("deploy-*", "deploy-prod"));
        assert!(glob_matches("*-prod", "deploy-prod"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("a*b*c", "axxbyyc"));
        assert!(glob_matches("a*b*c", "abcbc"));
        assert!(!glob_matches("a*b*c", "axxbyy"));
        assert!(!glob_matches("deploy-*", "ci-deploy-prod"));
    }

    #[test]
    fn glob_question_mark_matches_one_character() {
        assert!(glob_matches("ci-?", "ci-1"));
        assert!(!glob_matches("ci-?", "ci-"));
        assert!(!glob_matches("ci-?", "ci-12"));
        assert!(glob_matches("ci-??", "ci-é1"));
    }

    #[test]
    fn glob_is_case_sensitive() {
        assert!(!glob_matches("Deploy*", "deploy"));
    }

    #[test]
    fn selector_matches_provider_kind_and_scope() {
        let role = aws_role("deploy", "/");
        let selector = Selector {
            provider: Some("aws".to_owned()),
            kind: Some(IdentityKind::AwsRole),
            scope: Some("111122223333".to_owned()),
            ..Selector::default()
        };
        assert!(selector.matches(&role));

        let other_account = Selector {
            scope: Some("444455556666".to_owned()),
            ..Selector::default()
        };
        assert!(!other_account.matches(&role));

        let user_kind = Selector {
            kind: Some(IdentityKind::AwsUser),
            ..Selector::default()
        };
        assert!(!user_kind.matches(&role));

        let gcp = Selector {
            provider: Some("gcp".to_owned()),
            ..Selector::default()
        };
        assert!(!gcp.matches(&role));
    }

    #[test]
    fn selector_with_unknown_provider_matches_nothing() {
        let selector = Selector {
            provider: Some("amazon".to_owned()),
            ..Selector::default()
        };
        assert!(!selector.matches(&aws_role("deploy", "/")));
    }

    #[test]
    fn selector_name_uses_glob() {
        let selector = Selector {
            name: Some("ci-*".to_owned()),
            ..Selector::default()
        };
        assert!(selector.matches(&aws_role("ci-deploy", "/")));
        assert!(!selector.matches(&aws_role("deploy-ci", "/")));
    }

    #[test]
    fn selector_path_is_a_prefix() {
        let selector = Selector {
            path: Some("/ci/".to_owned()),
            ..Selector::default()
        };
        assert!(selector.matches(&aws_role("deploy", "/ci/")));
        assert!(selector.matches(&aws_role("deploy", "/ci/eu/")));
        assert!(!selector.matches(&aws_role("deploy", "/")));
        assert!(!selector.matches(&aws_role("deploy", "/cicd/")));
    }

    #[test]
    fn selector_path_never_matches_identities_without_aws_details() {
        let selector = Selector {
            path: Some("/".to_owned()),
            ..Selector::default()
        };
        let account = identity(
            ProviderId::Gcp,
            "acme-prod",
            IdentityKind::GcpServiceAccount,
            "ci@acme-prod.iam.gserviceaccount.com",
        );
        assert!(!selector.matches(&account));
    }

    #[test]
    fn selector_tags_must_all_match_exactly() {
        let mut role = aws_role("deploy", "/");
        role.tags = BTreeMap::from([
            ("team".to_owned(), "platform".to_owned()),
            ("env".to_owned(), "prod".to_owned()),
        ]);
        let tags = |pairs: &[(&str, &str)]| Selector {
            tags: pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
            ..Selector::default()
        };

        assert!(tags(&[("team", "platform")]).matches(&role));
        assert!(tags(&[("team", "platform"), ("env", "prod")]).matches(&role));
        assert!(!tags(&[("team", "platform"), ("env", "dev")]).matches(&role));
        assert!(!tags(&[("Team", "platform")]).matches(&role));
        assert!(!tags(&[("team", "Platform")]).matches(&role));
        assert!(!tags(&[("owner", "platform")]).matches(&role));
    }

    #[test]
    fn selector_gcp_scope_ignores_projects_prefix() {
        let account = identity(
            ProviderId::Gcp,
            "projects/acme-prod",
            IdentityKind::GcpServiceAccount,
            "ci@acme-prod.iam.gserviceaccount.com",
        );
        let selector = Selector {
            scope: Some("acme-prod".to_owned()),
            ..Selector::default()
        };
        assert!(selector.matches(&account));
    }

    #[test]
    fn selector_kubernetes_cluster_matches_its_namespaces() {
        let account = identity(
            ProviderId::Kubernetes,
            "prod-eu/payments",
            IdentityKind::K8sServiceAccount,
            "payments/api",
        );
        let cluster = Selector {
            scope: Some("prod-eu".to_owned()),
            ..Selector::default()
        };
        let other = Selector {
            scope: Some("prod".to_owned()),
            ..Selector::default()
        };
        assert!(cluster.matches(&account));
        assert!(!other.matches(&account));
    }

    #[test]
    fn selector_with_every_field_empty_matches_all() {
        let selector = Selector::default();
        assert!(selector.is_empty());
        assert!(selector.matches(&aws_role("deploy", "/")));
    }

    #[test]
    fn member_id_matches_exact_key() {
        let role = aws_role("deploy", "/");
        let member = crate::MemberMatcher::Id {
            id: "aws:111122223333:role:deploy".to_owned(),
        };
        let other = crate::MemberMatcher::Id {
            id: "aws:111122223333:role:deploy2".to_owned(),
        };
        assert!(member.matches(&role));
        assert!(!other.matches(&role));
    }
}
