//! A request to evaluate: the principal, the action, the resource and the context keys.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::arn::{Arn, principal_account};
use super::variable::VariableSource;

/// A request as AWS authorizes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub principal: RequestPrincipal,
    /// The action, such as `s3:GetObject`.
    pub action: String,
    /// The resource ARN, or `*` for actions that take no resource.
    pub resource: String,
    /// The account that owns the resource when its ARN has no account field (S3 buckets and
    /// objects). `None` then means the principal's own account.
    pub resource_account: Option<String>,
    pub context: RequestContext,
}

impl Request {
    pub fn new(principal_arn: &str, action: &str, resource: &str) -> Request {
        Request {
            principal: RequestPrincipal::new(principal_arn),
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_account: None,
            context: RequestContext::default(),
        }
    }

    /// Adds a single-valued context key.
    pub fn with_context(mut self, key: &str, value: &str) -> Request {
        self.context.insert(key, vec![value.to_owned()]);
        self
    }

    /// Adds a context key with several values, such as `aws:TagKeys`. An empty list is a key
    /// that is present with no value.
    pub fn with_context_values(mut self, key: &str, values: &[&str]) -> Request {
        self.context.insert(
            key,
            values.iter().map(|value| (*value).to_owned()).collect(),
        );
        self
    }

    /// Adds a tag of the principal, seen by policies as `aws:PrincipalTag/<key>`.
    pub fn with_principal_tag(mut self, key: &str, value: &str) -> Request {
        self.principal.tags.insert(key.to_owned(), value.to_owned());
        self
    }

    /// Declares that the context lists every key the request carries (see
    /// [`RequestContext::complete`]).
    pub fn with_complete_context(mut self) -> Request {
        self.context.complete = true;
        self
    }

    /// Returns the account that owns the resource: the ARN's account field, then
    /// `resource_account`, then the principal's account.
    pub fn resource_owner(&self) -> Option<&str> {
        let from_arn = Arn::parse(&self.resource)
            .map(|arn| arn.account)
            .filter(|account| !account.is_empty());
        from_arn
            .or(self.resource_account.as_deref())
            .or(self.principal.account.as_deref())
    }
}

/// The principal making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPrincipal {
    /// The principal's ARN: an IAM user or role, an STS session
    /// (`arn:aws:sts::111122223333:assumed-role/deploy/session`), the account root, or a
    /// service principal name such as `ec2.amazonaws.com`.
    pub arn: String,
    /// The principal's account; read from the ARN when it has one.
    pub account: Option<String>,
    pub tags: BTreeMap<String, String>,
}

impl RequestPrincipal {
    pub fn new(arn: &str) -> RequestPrincipal {
        RequestPrincipal {
            arn: arn.to_owned(),
            account: principal_account(arn).map(str::to_owned),
            tags: BTreeMap::new(),
        }
    }

    /// Returns the value of `aws:PrincipalArn`: the role ARN for a role session
    /// (without the role's path, which the session ARN does not carry), the ARN itself
    /// otherwise.
    pub fn principal_arn(&self) -> Cow<'_, str> {
        let Some(arn) = Arn::parse(&self.arn) else {
            return Cow::Borrowed(&self.arn);
        };
        let Some(session) = arn.resource.strip_prefix("assumed-role/") else {
            return Cow::Borrowed(&self.arn);
        };
        let role = session.split('/').next().unwrap_or(session);
        Cow::Owned(format!(
            "arn:{}:iam::{}:role/{role}",
            arn.partition, arn.account
        ))
    }

    /// Returns the IAM user name, which AWS supplies as `aws:username` for IAM users only.
    pub fn user_name(&self) -> Option<&str> {
        let arn = Arn::parse(&self.arn)?;
        (arn.service == "iam" && arn.resource_type() == "user").then(|| arn.resource_name())
    }
}

/// The context keys of a request. Keys compare case-insensitively; values keep their case.
///
/// A key the context lacks is read in one of two ways. By default the context is partial:
/// the caller has not listed everything the request carries, so a condition on a missing key is
/// undetermined and the evaluation names it. A complete context lists everything the request
/// carries, so a missing key is absent and conditions follow AWS's rules for absent keys.
/// Either way, `...IfExists`, `Null` and `ForAllValues:`/`ForAnyValue:` treat a missing key as
/// absent, as AWS defines them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    entries: BTreeMap<String, ContextEntry>,
    /// True when a missing key is known to be absent from the request.
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ContextEntry {
    key: String,
    values: Vec<String>,
}

impl RequestContext {
    /// Sets a key's values, replacing earlier ones.
    pub fn insert(&mut self, key: &str, values: Vec<String>) {
        self.entries.insert(
            key.to_ascii_lowercase(),
            ContextEntry {
                key: key.to_owned(),
                values,
            },
        );
    }

    /// Returns a key's values, or `None` when the context lacks the key.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.entries
            .get(&key.to_ascii_lowercase())
            .map(|entry| entry.values.as_slice())
    }

    /// Returns the keys as the caller spelt them, with their values.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries
            .values()
            .map(|entry| (entry.key.as_str(), entry.values.as_slice()))
    }
}

/// The values of a context key as conditions see them.
#[derive(Debug, Clone)]
pub(crate) enum ContextValues<'a> {
    Many(&'a [String]),
    One(Cow<'a, str>),
}

impl ContextValues<'_> {
    pub(crate) fn len(&self) -> usize {
        match self {
            ContextValues::Many(values) => values.len(),
            ContextValues::One(_) => 1,
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        let (many, one): (&[String], Option<&str>) = match self {
            ContextValues::Many(values) => (values, None),
            ContextValues::One(value) => (&[], Some(value.as_ref())),
        };
        many.iter().map(String::as_str).chain(one)
    }
}

/// Reads context keys for one request: the keys the caller gave, then the keys AWS derives
/// from the principal (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalTag/<key>`,
/// `aws:username`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ContextView<'a> {
    pub request: &'a Request,
    /// The action split at its first colon, computed once per request.
    pub action_split: Option<(&'a str, &'a str)>,
}

impl<'a> ContextView<'a> {
    pub(crate) fn new(request: &'a Request) -> ContextView<'a> {
        ContextView {
            request,
            action_split: request.action.split_once(':'),
        }
    }

    pub(crate) fn complete(&self) -> bool {
        self.request.context.complete
    }

    /// Returns the values of a lowercased key, or `None` when the request lacks it.
    pub(crate) fn values(&self, key_lower: &str) -> Option<ContextValues<'a>> {
        if let Some(entry) = self.request.context.entries.get(key_lower) {
            return Some(ContextValues::Many(&entry.values));
        }

        let principal = &self.request.principal;
        match key_lower {
            "aws:principalarn" => Some(ContextValues::One(principal.principal_arn())),
            "aws:principalaccount" => principal
                .account
                .as_deref()
                .map(|account| ContextValues::One(Cow::Borrowed(account))),
            "aws:username" => principal
                .user_name()
                .map(|name| ContextValues::One(Cow::Borrowed(name))),
            _ => {
                let tag = key_lower.strip_prefix("aws:principaltag/")?;
                principal
                    .tags
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(tag))
                    .map(|(_, value)| ContextValues::One(Cow::Borrowed(value.as_str())))
            }
        }
    }
}

impl VariableSource for ContextView<'_> {
    fn variable(&self, key_lower: &str) -> Option<Cow<'_, str>> {
        match self.values(key_lower)? {
            ContextValues::Many([single]) => Some(Cow::Borrowed(single.as_str())),
            // A variable stands for one value; a key with none or several has no substitute.
            ContextValues::Many(_) => None,
            ContextValues::One(value) => Some(value),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn context_keys_ignore_case() {
        let request = Request::new("arn:aws:iam::111122223333:user/ci", "s3:GetObject", "*")
            .with_context("aws:RequestedRegion", "eu-west-1");

        assert_eq!(
            request.context.get("AWS:requestedregion").unwrap(),
            ["eu-west-1"]
        );
        assert!(request.context.get("aws:SourceIp").is_none());
    }

    #[test]
    fn principal_keys_are_derived() {
        let request = Request::new("arn:aws:iam::111122223333:user/ci", "s3:GetObject", "*")
            .with_principal_tag("Team", "blue");
        let view = ContextView::new(&request);

        assert_eq!(
            view.variable("aws:principalarn").unwrap(),
            "arn:aws:iam::111122223333:user/ci"
        );
        assert_eq!(
            view.variable("aws:principalaccount").unwrap(),
            "111122223333"
        );
        assert_eq!(view.variable("aws:username").unwrap(), "ci");
        assert_eq!(view.variable("aws:principaltag/team").unwrap(), "blue");
        assert_eq!(view.variable("aws:userid"), None);
    }

    #[test]
    fn session_principal_arn_is_role_arn() {
        let principal =
            RequestPrincipal::new("arn:aws:sts::111122223333:assumed-role/deploy/ci-run");

        assert_eq!(
            principal.principal_arn(),
            "arn:aws:iam::111122223333:role/deploy"
        );
        assert_eq!(principal.user_name(), None);
        assert_eq!(principal.account.as_deref(), Some("111122223333"));
    }

    #[test]
    fn resource_owner_prefers_arn_account() {
        let mut request = Request::new(
            "arn:aws:iam::111122223333:user/ci",
            "s3:GetObject",
            "arn:aws:s3:::bucket/key",
        );
        assert_eq!(request.resource_owner(), Some("111122223333"));

        request.resource_account = Some("444455556666".to_owned());
        assert_eq!(request.resource_owner(), Some("444455556666"));

        request.resource = "arn:aws:sqs:eu-west-1:777788889999:queue".to_owned();
        assert_eq!(request.resource_owner(), Some("777788889999"));
    }
}
