//! Whether one statement applies to one request.

use super::arn::{Arn, is_account_id};
use super::condition_eval;
use super::decision::Pending;
use super::document::{
    PrincipalBlock, PrincipalType, Principals, ResourceBlock, ResourcePattern, Statement,
};
use super::request::{ContextView, Request};
use super::truth::Truth;
use super::variable::Resolution;
use super::wildcard::{self, Case};

/// The way a statement's `Principal` names the requesting principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PrincipalMatch {
    /// The statement has no `Principal`: an identity policy, boundary, SCP.
    NotApplicable,
    /// The statement names the principal's account (`:root` or the account id): it delegates
    /// to the account's own policies.
    Account,
    /// `"*"`, `{"AWS": "*"}`, or a `NotPrincipal` that does not exclude the principal.
    Anyone,
    /// The statement names the principal itself. `exact` is true when it names the very user
    /// or role session that makes the request, not the role behind the session.
    Named { exact: bool },
}

/// Matches a statement against a request. Returns `None` when the statement does not apply;
/// otherwise what its application still depends on, and how it names the principal.
pub(crate) fn match_statement<'a>(
    statement: &'a Statement,
    request: &Request,
    view: &ContextView<'_>,
) -> Option<(Vec<Pending<'a>>, PrincipalMatch)> {
    if !statement
        .actions
        .covers_split(&request.action, view.action_split)
    {
        return None;
    }

    let mut pending = Vec::new();
    if let Some(resources) = &statement.resources {
        match_resources(resources, &request.resource, view, &mut pending)?;
    }

    let principal = match &statement.principals {
        None => PrincipalMatch::NotApplicable,
        Some(block) => match_principal_block(block, request)?,
    };

    for condition in &statement.conditions {
        match condition_eval::evaluate(condition, view) {
            Truth::True => {}
            Truth::False => return None,
            Truth::Unknown => pending.push(Pending::Condition(condition)),
        }
    }
    Some((pending, principal))
}

/// Returns `None` when the resource block excludes the resource, and records a pending term
/// when the match depends on a policy variable.
fn match_resources<'a>(
    block: &'a ResourceBlock,
    resource: &str,
    view: &ContextView<'_>,
    pending: &mut Vec<Pending<'a>>,
) -> Option<()> {
    let (patterns, negated) = match block {
        ResourceBlock::Resource(patterns) => (patterns, false),
        ResourceBlock::NotResource(patterns) => (patterns, true),
    };

    let mut undetermined = Vec::new();
    let mut matched = false;
    for pattern in patterns {
        match resource_matches(pattern, resource, view) {
            Truth::True => {
                matched = true;
                break;
            }
            Truth::False => {}
            Truth::Unknown => undetermined.push(pattern),
        }
    }

    match (matched, negated, undetermined.is_empty()) {
        (true, false, _) => Some(()),
        (true, true, _) => None,
        (false, _, true) => negated.then_some(()),
        (false, _, false) => {
            pending.push(Pending::Resource {
                patterns: undetermined,
                negated,
            });
            Some(())
        }
    }
}

/// Matches one resource pattern: the whole ARN against the pattern, case-sensitively.
pub(crate) fn resource_matches(
    pattern: &ResourcePattern,
    resource: &str,
    view: &ContextView<'_>,
) -> Truth {
    if let Some(compiled) = pattern.compiled() {
        return Truth::from_bool(wildcard::matches(compiled, resource, Case::Sensitive));
    }
    let mut tokens = Vec::new();
    let resolution = pattern.template().push_tokens(view, true, &mut tokens);
    let matched = wildcard::matches(&tokens, resource, Case::Sensitive);
    match resolution {
        Resolution::Complete => Truth::from_bool(matched),
        Resolution::Missing if !matched || view.complete() => Truth::False,
        Resolution::Missing => Truth::Unknown,
    }
}

fn match_principal_block(block: &PrincipalBlock, request: &Request) -> Option<PrincipalMatch> {
    match block {
        PrincipalBlock::Principal(principals) => match_principals(principals, request),
        PrincipalBlock::NotPrincipal(principals) => match match_principals(principals, request) {
            Some(_) => None,
            None => Some(PrincipalMatch::Anyone),
        },
    }
}

/// Returns the strongest way the principals name the request's principal.
fn match_principals(principals: &Principals, request: &Request) -> Option<PrincipalMatch> {
    let typed = match principals {
        Principals::Anyone => return Some(PrincipalMatch::Anyone),
        Principals::Typed(typed) => typed,
    };

    let principal = &request.principal;
    let mut best: Option<PrincipalMatch> = None;
    for (kind, values) in typed {
        for value in values {
            let found = match kind {
                PrincipalType::Aws => {
                    match_aws_principal(value, &principal.arn, principal.account.as_deref())
                }
                PrincipalType::Service
                | PrincipalType::Federated
                | PrincipalType::CanonicalUser => {
                    let named = value == "*" || value.eq_ignore_ascii_case(&principal.arn);
                    named.then_some(PrincipalMatch::Named { exact: true })
                }
            };
            best = best.max(found);
        }
    }
    best
}

/// Matches an `AWS` principal value: `*`, an account (`111122223333` or its `:root` ARN), a
/// user or role ARN, or a role session ARN. A role ARN also names every session of that role.
fn match_aws_principal(
    value: &str,
    principal_arn: &str,
    account: Option<&str>,
) -> Option<PrincipalMatch> {
    if value == "*" {
        return Some(PrincipalMatch::Anyone);
    }
    if value == principal_arn {
        // The account root making a request is the account itself.
        let exact = !principal_arn.ends_with(":root");
        return Some(if exact {
            PrincipalMatch::Named { exact: true }
        } else {
            PrincipalMatch::Account
        });
    }
    if is_account_id(value) {
        return (Some(value) == account).then_some(PrincipalMatch::Account);
    }

    let named = Arn::parse(value)?;
    if named.resource == "root" {
        return (Some(named.account) == account).then_some(PrincipalMatch::Account);
    }

    let requester = Arn::parse(principal_arn)?;
    let session_role = requester
        .resource
        .strip_prefix("assumed-role/")?
        .split('/')
        .next()?;
    let names_role = named.service == "iam"
        && named.resource_type() == "role"
        && named.account == requester.account
        && named.resource_name() == session_role;
    names_role.then_some(PrincipalMatch::Named { exact: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "arn:aws:iam::111122223333:user/ci";
    const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/deploy/run-1";

    #[test]
    fn account_forms_delegate() {
        let account = Some("111122223333");

        assert_eq!(
            match_aws_principal("111122223333", USER, account),
            Some(PrincipalMatch::Account)
        );
        assert_eq!(
            match_aws_principal("arn:aws:iam::111122223333:root", USER, account),
            Some(PrincipalMatch::Account)
        );
        assert_eq!(
            match_aws_principal("arn:aws:iam::444455556666:root", USER, account),
            None
        );
    }

    #[test]
    fn role_arn_names_its_sessions() {
        let account = Some("111122223333");

        assert_eq!(
            match_aws_principal(
                "arn:aws:iam::111122223333:role/team/deploy",
                SESSION,
                account
            ),
            Some(PrincipalMatch::Named { exact: false })
        );
        assert_eq!(
            match_aws_principal(SESSION, SESSION, account),
            Some(PrincipalMatch::Named { exact: true })
        );
        assert_eq!(
            match_aws_principal("arn:aws:iam::111122223333:role/other", SESSION, account),
            None
        );
    }

    #[test]
    fn user_arn_names_the_user() {
        assert_eq!(
            match_aws_principal(USER, USER, Some("111122223333")),
            Some(PrincipalMatch::Named { exact: true })
        );
        assert_eq!(
            match_aws_principal("*", USER, None),
            Some(PrincipalMatch::Anyone)
        );
    }
}
