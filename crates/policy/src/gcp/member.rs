//! Members of IAM bindings, in every form IAM writes them.
//!
//! A member is (deleted flag, type, id, uid). IAM rewrites the member of a deleted principal
//! as `deleted:<type>:<email>?uid=<uid>`. A principal created later with the same email is a
//! different principal, so a deleted member never equals a live one.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use super::error::GcpError;

/// The type of a member, from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemberKind {
    /// `user:EMAIL`
    User,
    /// `serviceAccount:EMAIL`
    ServiceAccount,
    /// `group:EMAIL`
    Group,
    /// `domain:DOMAIN`: every account of a Google Workspace or Cloud Identity domain.
    Domain,
    /// `allUsers`: anyone on the internet, signed in or not.
    AllUsers,
    /// `allAuthenticatedUsers`: anyone signed in to a Google account or a service account.
    AllAuthenticatedUsers,
    /// `projectOwner:PROJECT_ID`: the principals holding `roles/owner` on the project.
    ProjectOwner,
    /// `projectEditor:PROJECT_ID`: the principals holding `roles/editor` on the project.
    ProjectEditor,
    /// `projectViewer:PROJECT_ID`: the principals holding `roles/viewer` on the project.
    ProjectViewer,
    /// `principal://...`: one workload or workforce identity.
    Principal,
    /// `principalSet://...`: a set of workload or workforce identities.
    PrincipalSet,
    /// A form this parser does not know, kept as written.
    Other,
}

impl MemberKind {
    /// Returns the prefix IAM writes before the id, without the colon.
    pub fn prefix(self) -> Option<&'static str> {
        match self {
            MemberKind::User => Some("user"),
            MemberKind::ServiceAccount => Some("serviceAccount"),
            MemberKind::Group => Some("group"),
            MemberKind::Domain => Some("domain"),
            MemberKind::ProjectOwner => Some("projectOwner"),
            MemberKind::ProjectEditor => Some("projectEditor"),
            MemberKind::ProjectViewer => Some("projectViewer"),
            MemberKind::AllUsers
            | MemberKind::AllAuthenticatedUsers
            | MemberKind::Principal
            | MemberKind::PrincipalSet
            | MemberKind::Other => None,
        }
    }

    /// Returns the basic role that a `projectOwner:`, `projectEditor:` or `projectViewer:`
    /// member stands for.
    pub fn project_role(self) -> Option<&'static str> {
        match self {
            MemberKind::ProjectOwner => Some("roles/owner"),
            MemberKind::ProjectEditor => Some("roles/editor"),
            MemberKind::ProjectViewer => Some("roles/viewer"),
            _ => None,
        }
    }

    fn from_prefix(prefix: &str) -> Option<MemberKind> {
        let kind = match prefix {
            "user" => MemberKind::User,
            "serviceAccount" => MemberKind::ServiceAccount,
            "group" => MemberKind::Group,
            "domain" => MemberKind::Domain,
            "projectOwner" => MemberKind::ProjectOwner,
            "projectEditor" => MemberKind::ProjectEditor,
            "projectViewer" => MemberKind::ProjectViewer,
            _ => return None,
        };
        Some(kind)
    }

    /// Returns whether the id is an email or a domain, which IAM compares without case.
    fn id_ignores_case(self) -> bool {
        matches!(
            self,
            MemberKind::User | MemberKind::ServiceAccount | MemberKind::Group | MemberKind::Domain
        )
    }
}

/// One member of a binding.
///
/// Two members are equal when their deleted flag, kind, id and uid are equal. Emails and
/// domains compare without case; everything else compares exactly.
#[derive(Debug, Clone)]
pub struct Member {
    text: String,
    deleted: bool,
    kind: MemberKind,
    id: String,
    uid: Option<String>,
}

impl Member {
    /// Parses a member, rejecting forms with a missing id.
    pub fn parse(text: &str) -> Result<Member, GcpError> {
        let error = |reason: &str| GcpError::Member {
            member: text.to_owned(),
            reason: reason.to_owned(),
        };
        if text.trim().is_empty() {
            return Err(error("a member cannot be empty"));
        }

        let (deleted, rest) = match text.strip_prefix("deleted:") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (rest, uid) = match rest.split_once("?uid=") {
            Some((_, "")) => return Err(error("`?uid=` is followed by no id")),
            Some((rest, uid)) => (rest, Some(uid.to_owned())),
            None => (rest, None),
        };

        let (kind, id) = classify(rest);
        if id.is_empty() {
            return Err(error("the type prefix is followed by no id"));
        }
        let id = if kind.id_ignores_case() {
            id.to_ascii_lowercase()
        } else {
            id.to_owned()
        };
        Ok(Member {
            text: text.to_owned(),
            deleted,
            kind,
            id,
            uid,
        })
    }

    /// Builds the live member of the given kind and id, for example a service account by email.
    pub fn new(kind: MemberKind, id: &str) -> Result<Member, GcpError> {
        let text = match kind.prefix() {
            Some(prefix) => format!("{prefix}:{id}"),
            None => id.to_owned(),
        };
        let member = Member::parse(&text)?;
        if member.kind != kind {
            return Err(GcpError::Member {
                member: text,
                reason: format!("the text does not read as a member of kind {kind:?}"),
            });
        }
        Ok(member)
    }

    /// Returns the member as the policy wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Returns whether IAM reports the principal as deleted (`deleted:` prefix).
    pub fn is_deleted(&self) -> bool {
        self.deleted
    }

    pub fn kind(&self) -> MemberKind {
        self.kind
    }

    /// Returns the email, domain, project id or URI after the type prefix, without `?uid=`.
    /// Emails and domains are lowercased.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Returns the unique id that IAM appends to a deleted member.
    pub fn uid(&self) -> Option<&str> {
        self.uid.as_deref()
    }

    /// Returns the domain of the member's email, for `user:` and `group:` members.
    pub fn email_domain(&self) -> Option<&str> {
        if !matches!(self.kind, MemberKind::User | MemberKind::Group) {
            return None;
        }
        self.id.rsplit_once('@').map(|(_, domain)| domain)
    }

    fn identity(&self) -> (bool, MemberKind, &str, Option<&str>) {
        (self.deleted, self.kind, &self.id, self.uid.as_deref())
    }
}

/// Reads the type and id of a member without its `deleted:` prefix and `?uid=` suffix.
fn classify(text: &str) -> (MemberKind, &str) {
    match text {
        "allUsers" => return (MemberKind::AllUsers, text),
        "allAuthenticatedUsers" => return (MemberKind::AllAuthenticatedUsers, text),
        _ => {}
    }
    if let Some(uri) = text.strip_prefix("principal://") {
        return (
            MemberKind::Principal,
            if uri.is_empty() { uri } else { text },
        );
    }
    if let Some(uri) = text.strip_prefix("principalSet://") {
        return (
            MemberKind::PrincipalSet,
            if uri.is_empty() { uri } else { text },
        );
    }
    match text.split_once(':') {
        Some((prefix, id)) => match MemberKind::from_prefix(prefix) {
            Some(kind) => (kind, id),
            None => (MemberKind::Other, text),
        },
        None => (MemberKind::Other, text),
    }
}

impl FromStr for Member {
    type Err = GcpError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Member::parse(text)
    }
}

impl fmt::Display for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Member {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for Member {}

impl PartialOrd for Member {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Member {
    fn cmp(&self, other: &Self) -> Ordering {
        self.identity().cmp(&other.identity())
    }
}

impl Hash for Member {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn member_parses_type_and_id() {
        let member = Member::parse("serviceAccount:CI@p.iam.gserviceaccount.com").unwrap();

        assert_eq!(member.kind(), MemberKind::ServiceAccount);
        assert_eq!(member.id(), "ci@p.iam.gserviceaccount.com");
        assert!(!member.is_deleted());
        assert_eq!(member.uid(), None);
        assert_eq!(
            member.as_str(),
            "serviceAccount:CI@p.iam.gserviceaccount.com"
        );
    }

    #[test]
    fn member_without_id_is_rejected() {
        for text in [
            "",
            "user:",
            "deleted:group:",
            "principal://",
            "user:a@b?uid=",
        ] {
            assert!(Member::parse(text).is_err(), "`{text}` parsed");
        }
    }

    #[test]
    fn unknown_prefix_is_kept_as_other() {
        let member = Member::parse("someFutureType:x").unwrap();

        assert_eq!(member.kind(), MemberKind::Other);
        assert_eq!(member.id(), "someFutureType:x");
    }

    #[test]
    fn new_builds_the_live_member() {
        let member = Member::new(MemberKind::User, "a@example.com").unwrap();

        assert_eq!(member, Member::parse("user:a@example.com").unwrap());
        assert!(Member::new(MemberKind::AllUsers, "x").is_err());
    }
}
