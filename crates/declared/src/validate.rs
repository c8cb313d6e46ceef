//! Checks of a parsed roster that its types cannot express: the version, identity keys,
//! references to environments, scopes listed twice, account id shapes and rule names.
//!
//! Only structural errors are reported here. An owner that is not in `owners`, for example,
//! is a finding of the orphan-identity rule, not an error of the file.

use std::collections::BTreeMap;

use roster_model::{IdentityKey, IdentityKind, KeyError, ProviderId};

use crate::describe::{Subject, describe};
use crate::diagnostic::{Diagnostic, Location};
use crate::rules::ANY_RULE;
use crate::scope::ScopeList;
use crate::source_index::{Entry, SourceIndex};
use crate::suggest::{backticked, did_you_mean};
use crate::types::{Roster, Selector};

/// The only roster format version.
pub const ROSTER_VERSION: u32 = 1;

/// Checks a merged roster. `rule_names` are the rules a suppression may name besides `*`.
/// Returns the problems found, in file and line order.
pub(crate) fn validate_roster(
    roster: &Roster,
    index: &SourceIndex,
    rule_names: &[&str],
) -> Vec<Diagnostic> {
    let mut checker = Checker {
        roster,
        index,
        errors: Vec::new(),
    };

    checker.check_version();
    checker.check_scopes();
    checker.check_organization();
    checker.check_groups();
    checker.check_identities();
    checker.check_suppressions(rule_names);

    let mut errors = checker.errors;
    errors.sort_by(|left, right| left.location.cmp(&right.location));
    errors
}

struct Checker<'a> {
    roster: &'a Roster,
    index: &'a SourceIndex,
    errors: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn report(&mut self, at: (&Location, usize), message: String, help: Option<String>) {
        let diagnostic = self.index.diagnostic(at.0, at.1, message);
        self.errors.push(match help {
            Some(help) => diagnostic.with_help(help),
            None => diagnostic,
        });
    }

    fn check_version(&mut self) {
        let version = self.roster.version;
        if version == ROSTER_VERSION {
            return;
        }
        let Some(entry) = &self.index.version else {
            return;
        };
        self.report(
            (&entry.at, version.to_string().len()),
            format!(
                "unsupported roster version `{version}`: this Roster reads version {ROSTER_VERSION}"
            ),
            Some(format!("set `version: {ROSTER_VERSION}`")),
        );
    }

    /// Checks each scope entry's shape, and that no scope is listed twice. The first entry in
    /// file and line order is kept, and later ones are reported.
    fn check_scopes(&mut self) {
        let mut entries = Vec::new();
        for scope in self.roster.declared_scopes() {
            let Some(entry) = self.index.environments.get(scope.environment) else {
                continue;
            };
            let path = format!("{}[{}]", scope.list.field_path(), scope.index);
            let (location, width) = entry.field(&path);
            entries.push((location.clone(), width, scope));
        }
        entries.sort_by(|left, right| left.0.cmp(&right.0));

        let mut seen: BTreeMap<(ScopeList, String), (&str, Location)> = BTreeMap::new();
        for (location, width, scope) in entries {
            let place = describe(
                Subject::Environment(scope.environment),
                scope.list.field_path(),
            );
            if let Some(problem) = scope_shape_problem(scope.list, scope.value) {
                self.report(
                    (&location, width),
                    format!("invalid scope `{}` in {place}: {problem}", scope.value),
                    None,
                );
                continue;
            }

            let key = (scope.list, scope.list.canonical(scope.value));
            let Some((first_environment, first_at)) = seen.get(&key) else {
                seen.insert(key, (scope.environment, location));
                continue;
            };
            let message = if *first_environment == scope.environment {
                format!(
                    "scope `{}` is listed twice in environment `{}`: first at line {}",
                    scope.value, scope.environment, first_at.line
                )
            } else {
                format!(
                    "scope `{}` of environment `{}` is already listed in environment `{first_environment}` at `{first_at}`",
                    scope.value, scope.environment
                )
            };
            let help = "a scope belongs to one environment: remove one of the two entries";
            self.report((&location, width), message, Some(help.to_owned()));
        }
    }

    fn check_organization(&mut self) {
        let organization = &self.roster.settings.organization;
        let Some(entry) = self.index.settings.clone() else {
            return;
        };

        for (position, account) in organization.aws_accounts.iter().enumerate() {
            let path = format!("organization.aws_accounts[{position}]");
            self.check_account_id(account, &entry, &path, Subject::Settings);
        }
        for (vendor, accounts) in &organization.vendors {
            for (position, account) in accounts.iter().enumerate() {
                let path = format!("organization.vendors.{vendor}[{position}]");
                self.check_account_id(account, &entry, &path, Subject::Settings);
            }
        }
        for (position, id) in organization.aws_organization_ids.iter().enumerate() {
            if is_aws_organization_id(id) {
                continue;
            }
            let path = format!("organization.aws_organization_ids[{position}]");
            self.report(
                entry.field(&path),
                format!(
                    "invalid AWS Organizations id `{id}` in {}: expected `o-` and 10 to 32 lowercase letters or digits",
                    describe(Subject::Settings, &path)
                ),
                None,
            );
        }
    }

    fn check_account_id(&mut self, account: &str, entry: &Entry, path: &str, subject: Subject) {
        if is_aws_account_id(account) {
            return;
        }
        self.report(
            entry.field(path),
            format!(
                "invalid AWS account id `{account}` in {}: an account id is 12 digits",
                describe(subject, path)
            ),
            None,
        );
    }

    fn check_groups(&mut self) {
        for (name, group) in &self.roster.groups {
            let Some(entry) = self.index.groups.get(name) else {
                continue;
            };
            let subject = Subject::Group(name);

            if let Some(environment) = &group.environment {
                self.check_environment(environment, entry, subject);
            }

            for (position, member) in group.members.iter().enumerate() {
                let path = format!("members[{position}]");
                match member {
                    crate::MemberMatcher::Id { id } => {
                        self.check_identity_key(id, entry, &format!("{path}.id"), subject);
                    }
                    crate::MemberMatcher::Selector { selector } => {
                        self.check_selector(selector, entry, &format!("{path}.selector"), subject);
                    }
                }
            }
        }
    }

    fn check_identities(&mut self) {
        for (position, declaration) in self.roster.identities.iter().enumerate() {
            let Some(entry) = self.index.identities.get(position) else {
                continue;
            };
            let subject = Subject::Identity {
                index: entry.local_index,
                id: declaration.id.as_deref(),
            };

            match (&declaration.id, &declaration.selector) {
                (Some(_), Some(_)) => self.report(
                    entry.field("selector"),
                    format!("{} gives both `id` and `selector`", describe(subject, "")),
                    Some("give exactly one of `id` (an identity key) or `selector`".to_owned()),
                ),
                (None, None) => self.report(
                    (&entry.at, 1),
                    format!(
                        "{} gives neither `id` nor `selector`",
                        describe(subject, "")
                    ),
                    Some("give exactly one of `id` (an identity key) or `selector`".to_owned()),
                ),
                (Some(id), None) => self.check_identity_key(id, entry, "id", subject),
                (None, Some(selector)) => {
                    self.check_selector(selector, entry, "selector", subject);
                }
            }

            if let Some(environment) = &declaration.environment {
                self.check_environment(environment, entry, subject);
            }
        }
    }

    fn check_suppressions(&mut self, rule_names: &[&str]) {
        for (position, suppression) in self.roster.suppressions.iter().enumerate() {
            let Some(entry) = self.index.suppressions.get(position) else {
                continue;
            };
            let subject = Subject::Suppression(entry.local_index);

            let rule = suppression.rule.as_str();
            if rule != ANY_RULE && !rule_names.contains(&rule) {
                let suggestion = did_you_mean(rule, rule_names.iter().copied())
                    .map(|name| format!(" (did you mean `{name}`?)"))
                    .unwrap_or_default();
                self.report(
                    entry.field("rule"),
                    format!(
                        "unknown rule `{rule}` in {}{suggestion}",
                        describe(subject, "")
                    ),
                    Some(format!(
                        "name a rule such as `stale-credential`, or `{ANY_RULE}` for every rule; `roster rules` lists them"
                    )),
                );
            }

            let required = [
                ("target", &suppression.target),
                ("reason", &suppression.reason),
                ("owner", &suppression.owner),
            ];
            for (field, value) in required {
                if !value.trim().is_empty() {
                    continue;
                }
                self.report(
                    entry.field(field),
                    format!("empty `{field}` in {}", describe(subject, "")),
                    Some(format!("a suppression needs a `{field}`")),
                );
            }
        }
    }

    fn check_environment(&mut self, environment: &str, entry: &Entry, subject: Subject) {
        if self.roster.environments.contains_key(environment) {
            return;
        }
        let declared = self.roster.environments.keys().map(String::as_str);
        let suggestion = did_you_mean(environment, declared.clone())
            .map(|name| format!(" (did you mean `{name}`?)"))
            .unwrap_or_default();
        let help = if self.roster.environments.is_empty() {
            format!("declare `{environment}` under `environments`")
        } else {
            format!(
                "declare `{environment}` under `environments`, or use one of {}",
                backticked(declared)
            )
        };
        self.report(
            entry.field("environment"),
            format!(
                "unknown environment `{environment}` in {}{suggestion}",
                describe(subject, "")
            ),
            Some(help),
        );
    }

    fn check_identity_key(&mut self, id: &str, entry: &Entry, path: &str, subject: Subject) {
        let Err(error) = id.parse::<IdentityKey>() else {
            return;
        };
        let place = describe(subject, path);
        let (message, help) = match error {
            KeyError::Shape(_) => (
                format!(
                    "invalid identity key `{id}` in {place}: expected `provider:scope:kind:native-id`"
                ),
                Some("for example `aws:111122223333:role:deploy`".to_owned()),
            ),
            KeyError::Part { reason, .. } => (
                format!("invalid identity key `{id}` in {place}: {reason}"),
                None,
            ),
        };
        self.report(entry.field(path), message, help);
    }

    fn check_selector(&mut self, selector: &Selector, entry: &Entry, path: &str, subject: Subject) {
        let place = describe(subject, path);
        if selector.is_empty() {
            self.report(
                entry.field(path),
                format!("{place} is empty, so it would match every identity"),
                Some(
                    "give at least one of `provider`, `kind`, `scope`, `name`, `path` or `tags`"
                        .to_owned(),
                ),
            );
            return;
        }

        let provider = match &selector.provider {
            Some(text) => match text.parse::<ProviderId>() {
                Ok(provider) => Some(provider),
                Err(_) => {
                    self.report_unknown_provider(text, entry, path, subject);
                    return;
                }
            },
            None => None,
        };
        let kind_provider = selector.kind.and_then(IdentityKind::provider);
        if let (Some(provider), Some(kind), Some(kind_provider)) =
            (provider, selector.kind, kind_provider)
            && provider != kind_provider
        {
            self.report(
                entry.field(&format!("{path}.kind")),
                format!(
                    "kind `{kind}` in {place} belongs to provider `{kind_provider}`, not `{provider}`, so the selector matches nothing"
                ),
                None,
            );
        }

        let is_aws = provider.or(kind_provider) == Some(ProviderId::Aws);
        if let Some(scope) = &selector.scope
            && is_aws
        {
            self.check_account_id(scope, entry, &format!("{path}.scope"), subject);
        }

        if let Some(iam_path) = &selector.path
            && !iam_path.starts_with('/')
        {
            self.report(
                entry.field(&format!("{path}.path")),
                format!("invalid IAM path `{iam_path}` in {place}: an IAM path starts with `/`"),
                Some(format!("write `/{iam_path}`")),
            );
        }
    }

    fn report_unknown_provider(&mut self, text: &str, entry: &Entry, path: &str, subject: Subject) {
        let names = ProviderId::ALL.map(ProviderId::as_str);
        let suggestion = did_you_mean(text, names)
            .map(|name| format!(" (did you mean `{name}`?)"))
            .unwrap_or_default();
        self.report(
            entry.field(&format!("{path}.provider")),
            format!(
                "unknown provider `{text}` in {}{suggestion}",
                describe(subject, path)
            ),
            Some(format!("expected one of {}", backticked(names))),
        );
    }
}

fn is_aws_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|byte| byte.is_ascii_digit())
}

fn is_aws_organization_id(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("o-") else {
        return false;
    };
    (10..=32).contains(&rest.len())
        && rest
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
}

/// Says what is wrong with the shape of a scope entry, if anything.
fn scope_shape_problem(list: ScopeList, value: &str) -> Option<&'static str> {
    if value.trim().is_empty() {
        return Some("the id is empty");
    }
    match list {
        ScopeList::AwsAccounts if !is_aws_account_id(value) => {
            Some("an AWS account id is 12 digits")
        }
        ScopeList::KubernetesNamespaces => {
            let parts = value.split_once('/');
            let valid = parts.is_some_and(|(cluster, namespace)| {
                !cluster.is_empty() && !namespace.is_empty() && !namespace.contains('/')
            });
            (!valid).then_some("expected `cluster/namespace`")
        }
        _ => None,
    }
}
