//! Members of IAM bindings (`user:`, `serviceAccount:`, `deleted:...?uid=`, `allUsers`, ...)
//! the project and origin that a service account's email encodes.
//!
//! A member is (deleted flag, type, id, uid). GCP rewrites the member of a deleted principal
//! as `deleted:<type>:<email>?uid=<uid>`; a principal created later with the same email is a
//! different principal, so a deleted member is never merged with a live one by email.

/// The type of a member, from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberKind {
    User,
    ServiceAccount,
    Group,
    /// Every account of a Google Workspace or Cloud Identity domain.
    Domain,
    /// Anyone on the internet.
    AllUsers,
    /// Anyone signed in to a Google account.
    AllAuthenticatedUsers,
    /// The owners, editors or viewers of a project (legacy convenience members).
    ProjectRole,
    /// One workload or workforce identity (`principal://...`).
    Principal,
    /// A set of workload or workforce identities (`principalSet://...`).
    PrincipalSet,
    /// A form Roster does not know; kept as written.
    Other,
}

/// One member of a binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member<'a> {
    /// The member as written.
    pub text: &'a str,
    pub deleted: bool,
    pub kind: MemberKind,
    /// The email, domain, project or URI after the type prefix, without `?uid=`.
    pub id: &'a str,
    /// The unique id of a deleted principal.
    pub uid: Option<&'a str>,
}

/// Parses a member. Every text parses: an unknown form becomes [`MemberKind::Other`].
pub(crate) fn parse_member(text: &str) -> Member<'_> {
    let (deleted, rest) = match text.strip_prefix("deleted:") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (rest, uid) = match rest.split_once("?uid=") {
        Some((rest, uid)) => (rest, Some(uid)),
        None => (rest, None),
    };

    let (kind, id) = match rest {
        "allUsers" => (MemberKind::AllUsers, rest),
        "allAuthenticatedUsers" => (MemberKind::AllAuthenticatedUsers, rest),
        _ if rest.starts_with("principal://") => (MemberKind::Principal, rest),
        _ if rest.starts_with("principalSet://") => (MemberKind::PrincipalSet, rest),
        _ => match rest.split_once(':') {
            Some(("user", id)) => (MemberKind::User, id),
            Some(("serviceAccount", id)) => (MemberKind::ServiceAccount, id),
            Some(("group", id)) => (MemberKind::Group, id),
            Some(("domain", id)) => (MemberKind::Domain, id),
            Some(("projectOwner" | "projectEditor" | "projectViewer", id)) => {
                (MemberKind::ProjectRole, id)
            }
            _ => (MemberKind::Other, rest),
        },
    };
    Member {
        text,
        deleted,
        kind,
        id,
        uid,
    }
}

/// Returns the domain of an email, or the whole text when it has no `@`.
pub(crate) fn email_domain(email: &str) -> &str {
    email.rsplit_once('@').map_or(email, |(_, domain)| domain)
}

/// The home of a service account, as its email encodes it: the project it belongs to, and
/// whether Google created it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EmailHome {
    /// `<name>@<project-id>.iam.gserviceaccount.com`: created in the project.
    Project(String),
    /// `<project-id>@appspot.gserviceaccount.com`: the App Engine default service account.
    AppEngineDefault(String),
    /// `<project-number>-compute@developer.gserviceaccount.com`: the Compute Engine default.
    ComputeDefault(String),
    /// A Google-managed service agent of the project with this number, for example
    /// `service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com`.
    ServiceAgent(String),
    /// Any other domain, such as another organization's.
    Unknown(String),
}

const IAM_DOMAIN: &str = ".iam.gserviceaccount.com";

/// Classifies a service account email.
pub(crate) fn email_home(email: &str) -> EmailHome {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return EmailHome::Unknown(email.to_owned());
    };
    let number_of = |text: &str| is_number(text).then(|| text.to_owned());

    if domain == "appspot.gserviceaccount.com" {
        return EmailHome::AppEngineDefault(local.to_owned());
    }
    if domain == "developer.gserviceaccount.com"
        && let Some(number) = local.strip_suffix("-compute").and_then(number_of)
    {
        return EmailHome::ComputeDefault(number);
    }
    if domain.ends_with(IAM_DOMAIN)
        && let Some(number) = local.strip_prefix("service-").and_then(number_of)
    {
        return EmailHome::ServiceAgent(number);
    }
    if matches!(
        domain,
        "cloudservices.gserviceaccount.com" | "cloudbuild.gserviceaccount.com"
    ) && let Some(number) = number_of(local)
    {
        return EmailHome::ServiceAgent(number);
    }
    if let Some(project) = domain.strip_suffix(IAM_DOMAIN)
        && !project.starts_with("gcp-sa-")
    {
        return EmailHome::Project(project.to_owned());
    }
    EmailHome::Unknown(domain.to_owned())
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deleted_members_keep_type_email_and_uid() {
        let live = parse_member("serviceAccount:ci@p.iam.gserviceaccount.com");
        let deleted = parse_member(
            "deleted:serviceAccount:ci@p.iam.gserviceaccount.com?uid=123456789012345678901",
        );
        let user = parse_member("deleted:user:old@example.com?uid=42");

        assert!(!live.deleted);
        assert!(deleted.deleted);
        assert_eq!(deleted.kind, MemberKind::ServiceAccount);
        assert_eq!(deleted.id, live.id);
        assert_eq!(deleted.uid, Some("123456789012345678901"));
        assert_ne!(deleted, live);
        assert_eq!(user.kind, MemberKind::User);
        assert_eq!(user.id, "old@example.com");
        assert_eq!(user.uid, Some("42"));
    }

    #[test]
    fn every_member_form_parses() {
        let cases = [
            ("user:a@example.com", MemberKind::User, "a@example.com"),
            (
                "group:ops@example.com",
                MemberKind::Group,
                "ops@example.com",
            ),
            ("domain:example.com", MemberKind::Domain, "example.com"),
            ("allUsers", MemberKind::AllUsers, "allUsers"),
            (
                "allAuthenticatedUsers",
                MemberKind::AllAuthenticatedUsers,
                "allAuthenticatedUsers",
            ),
            ("projectOwner:p", MemberKind::ProjectRole, "p"),
            ("projectViewer:p", MemberKind::ProjectRole, "p"),
            (
                "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/*",
                MemberKind::PrincipalSet,
                "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/*",
            ),
            (
                "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/subject/x",
                MemberKind::Principal,
                "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/subject/x",
            ),
            ("robot:x", MemberKind::Other, "robot:x"),
        ];
        for (text, kind, id) in cases {
            let member = parse_member(text);
            assert_eq!(member.kind, kind, "{text}");
            assert_eq!(member.id, id, "{text}");
        }
    }

    #[test]
    fn emails_name_their_home() {
        assert_eq!(
            email_home("ci@acme-prod.iam.gserviceaccount.com"),
            EmailHome::Project("acme-prod".to_owned())
        );
        assert_eq!(
            email_home("1041-compute@developer.gserviceaccount.com"),
            EmailHome::ComputeDefault("1041".to_owned())
        );
        assert_eq!(
            email_home("acme-prod@appspot.gserviceaccount.com"),
            EmailHome::AppEngineDefault("acme-prod".to_owned())
        );
        assert_eq!(
            email_home("service-12@gcp-sa-pubsub.iam.gserviceaccount.com"),
            EmailHome::ServiceAgent("12".to_owned())
        );
        assert_eq!(
            email_home("4@cloudservices.gserviceaccount.com"),
            EmailHome::ServiceAgent("4".to_owned())
        );
        assert_eq!(
            email_home("service-12345@notiam.gserviceaccount.com"),
            EmailHome::Unknown("notiam.gserviceaccount.com".to_owned())
        );
    }
}
