//! What an AWS identity's policies allow, read from the grants that reach it.
//!
//! NOTE: this reads statements and matches action patterns; it does not evaluate conditions,
//! resource policies or SCPs. Conditions are carried so no rule treats a conditional
//! statement as unconditional.

use roster_graph::IdentityGraph;
use roster_model::{Boundary, Identity, PolicyKey};
use serde_json::Value;

use crate::actions::{action_matches, is_all_actions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One statement of a policy that reaches an identity.
#[derive(Debug, Clone)]
pub struct Statement {
    pub effect: Effect,
    /// Action patterns; when `not_action` is true, the statement covers every action except
    /// these.
    pub actions: Vec<String>,
    pub not_action: bool,
    pub resources: Vec<String>,
    pub not_resource: bool,
    /// Condition operators and keys, as `operator key`; empty when unconditional.
    pub conditions: Vec<String>,
    /// The policy and, when it came through a group, the group: for evidence lines.
    pub source: String,
}

impl Statement {
    pub fn is_conditional(&self) -> bool {
        !self.conditions.is_empty()
    }

    /// Returns whether the statement covers every resource.
    pub fn all_resources(&self) -> bool {
        !self.not_resource && self.resources.iter().any(|resource| resource == "*")
    }

    /// Returns whether the statement covers every action of every service.
    pub fn all_actions(&self) -> bool {
        if self.not_action {
            return self.actions.is_empty();
        }
        self.actions.iter().any(|pattern| is_all_actions(pattern))
    }

    pub fn covers_action(&self, action: &str) -> bool {
        let listed = self
            .actions
            .iter()
            .any(|pattern| action_matches(pattern, action));
        listed != self.not_action
    }
}

/// The statements reaching an identity, and the policies whose documents are missing.
#[derive(Debug, Default)]
pub struct Access {
    pub statements: Vec<Statement>,
    pub missing_policies: Vec<PolicyKey>,
    /// Statements of the permission boundary; `None` when no boundary is known to exist.
    pub boundary: Option<Vec<Statement>>,
    /// True when the source did not say whether a boundary exists.
    pub boundary_unknown: bool,
}

/// Administration verdict on an identity's statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminVerdict {
    No,
    /// Full administration; the strings are caveats (conditional denies, unknown boundary).
    Yes {
        sources: Vec<String>,
        caveats: Vec<String>,
    },
}

impl Access {
    /// Collects every statement of the policies reaching an identity, directly or through its
    /// groups, and its permission boundary.
    pub fn of(graph: &IdentityGraph, identity: &Identity) -> Access {
        let mut access = Access::default();
        for reaching in graph.grants_reaching(&identity.key) {
            let Some(policy) = reaching.policy else {
                access.missing_policies.push(reaching.grant.policy.clone());
                continue;
            };
            let Some(document) = &policy.document else {
                access.missing_policies.push(policy.key.clone());
                continue;
            };
            let source = match reaching.via_group {
                Some(group) => format!("policy `{}` through group `{group}`", policy.name),
                None => format!("policy `{}`", policy.name),
            };
            access
                .statements
                .extend(parse_statements(document, &source));
        }

        match &identity.boundary {
            Boundary::NotCollected => access.boundary_unknown = true,
            Boundary::None => {}
            Boundary::Policy(key) => {
                let statements = graph
                    .policy(key)
                    .and_then(|policy| policy.document.as_ref())
                    .map(|document| parse_statements(document, &format!("boundary `{key}`")));
                match statements {
                    Some(statements) => access.boundary = Some(statements),
                    None => access.boundary_unknown = true,
                }
            }
        }
        access
    }

    pub fn allows(&self) -> impl Iterator<Item = &Statement> {
        self.statements
            .iter()
            .filter(|statement| statement.effect == Effect::Allow)
    }

    pub fn denies(&self) -> impl Iterator<Item = &Statement> {
        self.statements
            .iter()
            .filter(|statement| statement.effect == Effect::Deny)
    }

    /// Decides whether the statements amount to full administration: an unconditional Allow
    /// of every action (or of `iam:*`, which can grant the rest) on every resource, not taken
    /// away by an unconditional Deny or a boundary. A conditional Deny or an uncollected
    /// boundary is kept as a caveat.
    pub fn admin_verdict(&self) -> AdminVerdict {
        let sources: Vec<String> = self
            .allows()
            .filter(|statement| !statement.is_conditional() && statement.all_resources())
            .filter(|statement| statement.all_actions() || grants_all_of_iam(statement))
            .map(|statement| statement.source.clone())
            .collect();
        if sources.is_empty() {
            return AdminVerdict::No;
        }

        let mut caveats = Vec::new();
        for deny in self.denies().filter(|deny| deny.all_resources()) {
            let blocks_admin = deny.all_actions() || deny.covers_action("iam:PutRolePolicy");
            if !blocks_admin {
                continue;
            }
            if !deny.is_conditional() {
                return AdminVerdict::No;
            }
            caveats.push(format!(
                "allowed unless the conditional Deny in {} applies ({})",
                deny.source,
                deny.conditions.join(", ")
            ));
        }

        if let Some(boundary) = &self.boundary {
            let boundary_allows_all = boundary.iter().any(|statement| {
                statement.effect == Effect::Allow
                    && statement.all_resources()
                    && (statement.all_actions() || grants_all_of_iam(statement))
            });
            if !boundary_allows_all {
                return AdminVerdict::No;
            }
        }
        if self.boundary_unknown {
            caveats.push(
                "permission boundary not collected: a boundary, if any, may limit this".to_owned(),
            );
        }
        AdminVerdict::Yes { sources, caveats }
    }
}

fn grants_all_of_iam(statement: &Statement) -> bool {
    !statement.not_action
        && statement
            .actions
            .iter()
            .any(|pattern| pattern.eq_ignore_ascii_case("iam:*"))
}

/// Reads the statements of a policy document. The statement list may be one object or an
/// array, and each of Action, NotAction, Resource and NotResource a string or an array.
pub fn parse_statements(document: &Value, source: &str) -> Vec<Statement> {
    let statements = match document.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item @ Value::Object(_)) => vec![item],
        _ => Vec::new(),
    };
    statements
        .into_iter()
        .filter_map(|statement| parse_statement(statement, source))
        .collect()
}

fn parse_statement(statement: &Value, source: &str) -> Option<Statement> {
    let effect = match statement.get("Effect")?.as_str()? {
        "Allow" => Effect::Allow,
        "Deny" => Effect::Deny,
        _ => return None,
    };
    let (actions, not_action) = match (statement.get("Action"), statement.get("NotAction")) {
        (Some(actions), _) => (strings(actions), false),
        (None, Some(actions)) => (strings(actions), true),
        (None, None) => (Vec::new(), false),
    };
    let (resources, not_resource) = match (statement.get("Resource"), statement.get("NotResource"))
    {
        (Some(resources), _) => (strings(resources), false),
        (None, Some(resources)) => (strings(resources), true),
        (None, None) => (Vec::new(), false),
    };
    let conditions = statement
        .get("Condition")
        .and_then(Value::as_object)
        .map(|operators| {
            operators
                .iter()
                .flat_map(|(operator, keys)| {
                    keys.as_object()
                        .into_iter()
                        .flat_map(|keys| keys.keys())
                        .map(move |key| format!("{operator} {key}"))
                })
                .collect()
        })
        .unwrap_or_default();

    Some(Statement {
        effect,
        actions,
        not_action,
        resources,
        not_resource,
        conditions,
        source: source.to_owned(),
    })
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn access(document: Value) -> Access {
        Access {
            statements: parse_statements(&document, "policy `test`"),
            ..Access::default()
        }
    }

    #[test]
    fn deny_statement_never_grants() {
        let access = access(json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}}}
        ]}));

        let allowed: Vec<&str> = access
            .allows()
            .flat_map(|s| s.actions.iter().map(String::as_str))
            .collect();
        assert_eq!(allowed, vec!["s3:GetObject"]);
        assert_eq!(access.admin_verdict(), AdminVerdict::No);
    }

    #[test]
    fn conditional_deny_is_a_caveat_on_admin() {
        let access = access(json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
        ]}));

        let AdminVerdict::Yes { caveats, .. } = access.admin_verdict() else {
            unreachable!("expected an admin verdict");
        };
        assert_eq!(caveats.len(), 1);
        assert!(caveats[0].contains("BoolIfExists aws:MultiFactorAuthPresent"));
    }

    #[test]
    fn unconditional_deny_removes_admin() {
        let access = access(json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*"}
        ]}));
        assert_eq!(access.admin_verdict(), AdminVerdict::No);
    }

    #[test]
    fn statement_object_and_scalars_parse() {
        let access = access(json!({"Statement":
            {"Effect": "Allow", "Action": "*:*", "Resource": "*"}}));
        assert!(matches!(access.admin_verdict(), AdminVerdict::Yes { .. }));
    }

    #[test]
    fn conditional_allow_is_not_admin() {
        let access = access(json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}
        ]}));
        assert_eq!(access.admin_verdict(), AdminVerdict::No);
    }

    #[test]
    fn not_action_covers_everything_else() {
        let statements = parse_statements(
            &json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}),
            "policy `power-user`",
        );
        assert!(statements[0].covers_action("s3:GetObject"));
        assert!(!statements[0].covers_action("iam:CreateUser"));
    }

    #[test]
    fn boundary_without_admin_removes_admin() {
        let mut access =
            access(json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}));
        access.boundary = Some(parse_statements(
            &json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
            "boundary",
        ));
        assert_eq!(access.admin_verdict(), AdminVerdict::No);
    }

    #[test]
    fn unknown_boundary_is_a_caveat() {
        let mut access =
            access(json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}));
        access.boundary_unknown = true;
        let AdminVerdict::Yes { caveats, .. } = access.admin_verdict() else {
            unreachable!("expected an admin verdict");
        };
        assert!(
            caveats
                .iter()
                .any(|caveat| caveat.contains("boundary not collected"))
        );
    }
}
