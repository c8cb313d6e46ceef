//! Policy documents: the typed form of the IAM policy grammar.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use super::action::ActionPattern;
use super::action_set::ActionSet;
use super::condition::Condition;
use super::variable::{Template, VariableSource};
use super::wildcard::{self, Token};

/// The policy language version. Policy variables are expanded only under 2012-10-17.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    V2012_10_17,
    /// The original version, and the one AWS assumes when a document has no `Version`.
    V2008_10_17,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2012_10_17 => "2012-10-17",
            Version::V2008_10_17 => "2008-10-17",
        }
    }

    /// Returns whether `${...}` in resources and condition values is a policy variable.
    pub fn expands_variables(self) -> bool {
        self == Version::V2012_10_17
    }
}

/// A whole policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    pub version: Version,
    /// The optional `Id` element.
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

/// A policy document with the name that explanations use for it, such as the policy name,
/// `inline policy deploy-s3 of role ci`, or an SCP's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPolicy {
    pub name: String,
    pub document: PolicyDocument,
}

impl NamedPolicy {
    pub fn new(name: impl Into<String>, document: PolicyDocument) -> NamedPolicy {
        NamedPolicy {
            name: name.into(),
            document,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The position in the document's statement list, from 0.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: ActionBlock,
    /// `None` in trust policies, which have no `Resource` element.
    pub resources: Option<ResourceBlock>,
    /// `None` in identity policies, which have no `Principal` element.
    pub principals: Option<PrincipalBlock>,
    /// Every condition must hold for the statement to apply; empty when unconditional.
    pub conditions: Vec<Condition>,
    pub(crate) action_set: ActionSetCache,
}

impl Statement {
    /// Returns the catalogue-expanded actions the statement covers, computed on first use.
    pub fn action_set(&self) -> &ActionSet {
        self.action_set.0.get_or_init(|| self.actions.to_set())
    }

    /// Returns whether the statement has conditions.
    pub fn is_conditional(&self) -> bool {
        !self.conditions.is_empty()
    }
}

/// A lazily computed [`ActionSet`]; a cache, so it takes no part in equality.
#[derive(Clone, Default)]
pub(crate) struct ActionSetCache(pub(crate) OnceLock<ActionSet>);

impl PartialEq for ActionSetCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ActionSetCache {}

impl fmt::Debug for ActionSetCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActionSetCache")
    }
}

/// `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionBlock {
    Action(Vec<ActionPattern>),
    /// Every action except those listed.
    NotAction(Vec<ActionPattern>),
}

impl ActionBlock {
    /// Returns the patterns as listed.
    pub fn patterns(&self) -> &[ActionPattern] {
        match self {
            ActionBlock::Action(patterns) | ActionBlock::NotAction(patterns) => patterns,
        }
    }

    /// Returns whether the block covers an action such as `s3:GetObject`.
    pub fn covers(&self, action: &str) -> bool {
        self.covers_split(action, action.split_once(':'))
    }

    pub(crate) fn covers_split(&self, action: &str, split: Option<(&str, &str)>) -> bool {
        let listed = |patterns: &[ActionPattern]| {
            patterns
                .iter()
                .any(|pattern| pattern.matches_split(action, split))
        };
        match self {
            ActionBlock::Action(patterns) => listed(patterns),
            ActionBlock::NotAction(patterns) => !listed(patterns),
        }
    }

    /// Returns whether the block covers every action.
    pub fn covers_all(&self) -> bool {
        match self {
            ActionBlock::Action(patterns) => patterns.iter().any(ActionPattern::is_all),
            ActionBlock::NotAction(patterns) => patterns.is_empty(),
        }
    }

    fn to_set(&self) -> ActionSet {
        match self {
            ActionBlock::Action(patterns) => ActionSet::from_patterns(patterns),
            ActionBlock::NotAction(patterns) => ActionSet::from_patterns(patterns).complement(),
        }
    }
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceBlock {
    Resource(Vec<ResourcePattern>),
    /// Every resource except those listed.
    NotResource(Vec<ResourcePattern>),
}

impl ResourceBlock {
    /// Returns the patterns as listed.
    pub fn patterns(&self) -> &[ResourcePattern] {
        match self {
            ResourceBlock::Resource(patterns) | ResourceBlock::NotResource(patterns) => patterns,
        }
    }

    /// Returns whether the block covers every resource: `"Resource": "*"` or an empty
    /// `NotResource`.
    pub fn covers_all(&self) -> bool {
        match self {
            ResourceBlock::Resource(patterns) => patterns.iter().any(ResourcePattern::is_all),
            ResourceBlock::NotResource(patterns) => patterns.is_empty(),
        }
    }
}

/// An entry of `Resource` or `NotResource`: an ARN pattern, compared case-sensitively, in
/// which `*` and `?` are wildcards and policy variables may appear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePattern {
    template: Template,
    /// The compiled pattern when the text has no `${...}`.
    compiled: Option<Vec<Token>>,
}

impl ResourcePattern {
    pub(crate) fn new(template: Template) -> ResourcePattern {
        let compiled = template
            .is_plain()
            .then(|| wildcard::compile(template.as_str()));
        ResourcePattern { template, compiled }
    }

    /// Returns the pattern as written.
    pub fn as_str(&self) -> &str {
        self.template.as_str()
    }

    /// Returns whether the pattern is `*`.
    pub fn is_all(&self) -> bool {
        self.template.as_str() == "*"
    }

    /// Returns whether the pattern matches the text for some values of its policy
    /// variables; without variables, whether it matches.
    pub fn may_match(&self, text: &str) -> bool {
        if let Some(compiled) = &self.compiled {
            return wildcard::matches(compiled, text, wildcard::Case::Sensitive);
        }
        let mut tokens = Vec::new();
        self.template.push_tokens(&NoVariables, true, &mut tokens);
        wildcard::matches(&tokens, text, wildcard::Case::Sensitive)
    }

    pub(crate) fn template(&self) -> &Template {
        &self.template
    }

    pub(crate) fn compiled(&self) -> Option<&[Token]> {
        self.compiled.as_deref()
    }
}

impl fmt::Display for ResourcePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalBlock {
    Principal(Principals),
    /// Every principal except those listed.
    NotPrincipal(Principals),
}

/// The principals a statement names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// `"Principal": "*"`.
    Anyone,
    /// A map of principal type to the principals of that type, in the order written.
    Typed(BTreeMap<PrincipalType, Vec<String>>),
}

/// The key of a principal map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalType {
    /// `AWS`: accounts, users, roles, role sessions, or `*`.
    Aws,
    /// `Service`: a service principal such as `ec2.amazonaws.com`.
    Service,
    /// `Federated`: a SAML or OIDC identity provider.
    Federated,
    /// `CanonicalUser`: an S3 canonical user id.
    CanonicalUser,
}

impl PrincipalType {
    /// Returns the key as policies write it.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "Service",
            PrincipalType::Federated => "Federated",
            PrincipalType::CanonicalUser => "CanonicalUser",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<PrincipalType> {
        match text {
            "AWS" => Some(PrincipalType::Aws),
            "Service" => Some(PrincipalType::Service),
            "Federated" => Some(PrincipalType::Federated),
            "CanonicalUser" => Some(PrincipalType::CanonicalUser),
            _ => None,
        }
    }
}

/// A variable source with no values: every variable matches any text.
struct NoVariables;

impl VariableSource for NoVariables {
    fn variable(&self, _: &str) -> Option<std::borrow::Cow<'_, str>> {
        None
    }
}
