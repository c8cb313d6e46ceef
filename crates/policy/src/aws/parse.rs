//! Reading policy documents from JSON, with errors that name the element at fault.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use super::action::ActionPattern;
use super::condition::{Condition, Operator};
use super::document::{
    ActionBlock, ActionSetCache, Effect, PolicyDocument, PrincipalBlock, PrincipalType, Principals,
    ResourceBlock, ResourcePattern, Statement, Version,
};
use super::error::PolicyError;
use super::variable::Template;

/// The kind of policy a document must be, which decides where `Principal` and `Resource`
/// are required or forbidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grammar {
    /// Accepts any combination; use when the kind of policy is not known.
    Any,
    /// Identity policies, permission boundaries, session policies and SCPs: `Resource` or
    /// `NotResource` required, no `Principal`.
    Identity,
    /// Resource policies, RCPs and VPC endpoint policies: `Principal` or `NotPrincipal`
    /// required, and `Resource` or `NotResource` required.
    Resource,
    /// Role trust policies: `Principal` or `NotPrincipal` required, no `Resource`.
    Trust,
}

impl PolicyDocument {
    /// Reads a document from parsed JSON: an object, or a string holding the document as JSON
    /// text or URL-encoded JSON text (as the raw IAM API returns it).
    pub fn from_value(value: &Value, grammar: Grammar) -> Result<PolicyDocument, PolicyError> {
        if let Value::String(text) = value {
            return PolicyDocument::from_text(text, grammar);
        }
        let document = read_document(value)?;
        document.check(grammar)?;
        Ok(document)
    }

    /// Reads a document from JSON text, or from URL-encoded JSON text. Errors in the JSON name
    /// their line and column.
    pub fn from_text(text: &str, grammar: Grammar) -> Result<PolicyDocument, PolicyError> {
        let value = match serde_json::from_str::<Value>(text) {
            Ok(value) => value,
            Err(error) if looks_url_encoded(text) => {
                let decoded = percent_decode_str(text.trim())
                    .decode_utf8()
                    .map_err(|decode| PolicyError::Encoding {
                        message: format!("the decoded text is not UTF-8 ({decode})"),
                    })?;
                serde_json::from_str::<Value>(&decoded).map_err(|_| PolicyError::syntax(&error))?
            }
            Err(error) => return Err(PolicyError::syntax(&error)),
        };
        if value.is_string() {
            return Err(PolicyError::invalid(
                "",
                "expected a JSON object, found a string",
            ));
        }
        PolicyDocument::from_value(&value, grammar)
    }

    /// Checks that `Principal` and `Resource` appear where the kind of policy needs them.
    pub fn check(&self, grammar: Grammar) -> Result<(), PolicyError> {
        for statement in &self.statements {
            let path = format!("Statement[{}]", statement.index);
            let has_principal = statement.principals.is_some();
            let has_resource = statement.resources.is_some();
            let problem = match grammar {
                Grammar::Any => None,
                Grammar::Identity if has_principal => Some(
                    "`Principal` is not allowed in an identity policy; remove it, or read the document as a resource policy",
                ),
                Grammar::Identity | Grammar::Resource if !has_resource => Some(
                    "missing `Resource` or `NotResource`; add `\"Resource\": \"*\"` to cover every resource",
                ),
                Grammar::Resource | Grammar::Trust if !has_principal => {
                    Some("missing `Principal` or `NotPrincipal`; name who the statement applies to")
                }
                Grammar::Trust if has_resource => Some(
                    "`Resource` is not allowed in a trust policy; the role itself is the resource",
                ),
                _ => None,
            };
            if let Some(message) = problem {
                return Err(PolicyError::invalid(&path, message));
            }
        }
        Ok(())
    }
}

fn looks_url_encoded(text: &str) -> bool {
    let trimmed = text.trim_start();
    trimmed.starts_with("%7B") || trimmed.starts_with("%7b")
}

fn read_document(value: &Value) -> Result<PolicyDocument, PolicyError> {
    let Value::Object(object) = value else {
        return Err(PolicyError::invalid(
            "",
            format!("expected a JSON object, found {}", describe(value)),
        ));
    };
    for key in object.keys() {
        if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
            return Err(PolicyError::invalid(
                key,
                "unknown element; a policy has only `Version`, `Id` and `Statement`",
            ));
        }
    }

    let version = read_version(object.get("Version"))?;
    let id = match object.get("Id") {
        None => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(other) => {
            return Err(PolicyError::invalid(
                "Id",
                format!("expected a string, found {}", describe(other)),
            ));
        }
    };
    let statements = match object.get("Statement") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                read_statement(item, index, &format!("Statement[{index}]"), version)
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(item @ Value::Object(_)) => vec![read_statement(item, 0, "Statement", version)?],
        Some(other) => {
            return Err(PolicyError::invalid(
                "Statement",
                format!(
                    "expected an object or an array of objects, found {}",
                    describe(other)
                ),
            ));
        }
        None => {
            return Err(PolicyError::invalid(
                "Statement",
                "missing; a policy needs at least one statement",
            ));
        }
    };

    Ok(PolicyDocument {
        version,
        id,
        statements,
    })
}

fn read_version(value: Option<&Value>) -> Result<Version, PolicyError> {
    match value {
        None => Ok(Version::V2008_10_17),
        Some(Value::String(text)) if text == "2012-10-17" => Ok(Version::V2012_10_17),
        Some(Value::String(text)) if text == "2008-10-17" => Ok(Version::V2008_10_17),
        Some(Value::String(text)) => Err(PolicyError::invalid(
            "Version",
            format!("unknown version `{text}`; use `2012-10-17`"),
        )),
        Some(other) => Err(PolicyError::invalid(
            "Version",
            format!("expected a string, found {}", describe(other)),
        )),
    }
}

fn read_statement(
    value: &Value,
    index: usize,
    path: &str,
    version: Version,
) -> Result<Statement, PolicyError> {
    let Value::Object(object) = value else {
        return Err(PolicyError::invalid(
            path,
            format!("expected an object, found {}", describe(value)),
        ));
    };
    for key in object.keys() {
        let known = matches!(
            key.as_str(),
            "Sid"
                | "Effect"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Principal"
                | "NotPrincipal"
                | "Condition"
        );
        if !known {
            return Err(PolicyError::invalid(
                &format!("{path}.{key}"),
                "unknown element; a statement has `Sid`, `Effect`, `Action` or `NotAction`, `Resource` or `NotResource`, `Principal` or `NotPrincipal`, and `Condition`",
            ));
        }
    }

    let sid = match object.get("Sid") {
        None => None,
        Some(Value::String(sid)) => Some(sid.clone()),
        Some(other) => {
            return Err(PolicyError::invalid(
                &format!("{path}.Sid"),
                format!("expected a string, found {}", describe(other)),
            ));
        }
    };
    let effect = read_effect(object, path)?;
    let actions = read_actions(object, path)?;
    let resources = read_resources(object, path, version)?;
    let principals = read_principals(object, path)?;
    let conditions = match object.get("Condition") {
        None => Vec::new(),
        Some(block) => read_conditions(block, &format!("{path}.Condition"), version)?,
    };

    Ok(Statement {
        index,
        sid,
        effect,
        actions,
        resources,
        principals,
        conditions,
        action_set: ActionSetCache::default(),
    })
}

fn read_effect(object: &Map<String, Value>, path: &str) -> Result<Effect, PolicyError> {
    let path = format!("{path}.Effect");
    match object.get("Effect") {
        Some(Value::String(text)) if text == "Allow" => Ok(Effect::Allow),
        Some(Value::String(text)) if text == "Deny" => Ok(Effect::Deny),
        Some(Value::String(text)) => Err(PolicyError::invalid(
            &path,
            format!("expected `Allow` or `Deny`, found `{text}`"),
        )),
        Some(other) => Err(PolicyError::invalid(
            &path,
            format!("expected `Allow` or `Deny`, found {}", describe(other)),
        )),
        None => Err(PolicyError::invalid(
            &path,
            "missing; add `\"Effect\": \"Allow\"` or `\"Effect\": \"Deny\"`",
        )),
    }
}

/// Picks exactly one of two mutually exclusive elements, such as `Action` and `NotAction`.
fn one_of<'v>(
    object: &'v Map<String, Value>,
    path: &str,
    positive: &'static str,
    negative: &'static str,
) -> Result<Option<(&'static str, &'v Value)>, PolicyError> {
    match (object.get(positive), object.get(negative)) {
        (Some(_), Some(_)) => Err(PolicyError::invalid(
            path,
            format!("both `{positive}` and `{negative}` are present; keep one of them"),
        )),
        (Some(value), None) => Ok(Some((positive, value))),
        (None, Some(value)) => Ok(Some((negative, value))),
        (None, None) => Ok(None),
    }
}

fn read_actions(object: &Map<String, Value>, path: &str) -> Result<ActionBlock, PolicyError> {
    let Some((name, value)) = one_of(object, path, "Action", "NotAction")? else {
        return Err(PolicyError::invalid(
            path,
            "missing `Action` or `NotAction`",
        ));
    };
    let element_path = format!("{path}.{name}");
    let patterns = strings(value, &element_path)?
        .into_iter()
        .map(|(item_path, text)| {
            ActionPattern::parse(text).map_err(|message| PolicyError::invalid(&item_path, message))
        })
        .collect::<Result<Vec<_>, _>>()?;

    Ok(match name {
        "Action" => ActionBlock::Action(patterns),
        _ => ActionBlock::NotAction(patterns),
    })
}

fn read_resources(
    object: &Map<String, Value>,
    path: &str,
    version: Version,
) -> Result<Option<ResourceBlock>, PolicyError> {
    let Some((name, value)) = one_of(object, path, "Resource", "NotResource")? else {
        return Ok(None);
    };
    let element_path = format!("{path}.{name}");
    let patterns = strings(value, &element_path)?
        .into_iter()
        .map(|(_, text)| ResourcePattern::new(Template::parse(text, version.expands_variables())))
        .collect();

    Ok(Some(match name {
        "Resource" => ResourceBlock::Resource(patterns),
        _ => ResourceBlock::NotResource(patterns),
    }))
}

fn read_principals(
    object: &Map<String, Value>,
    path: &str,
) -> Result<Option<PrincipalBlock>, PolicyError> {
    let Some((name, value)) = one_of(object, path, "Principal", "NotPrincipal")? else {
        return Ok(None);
    };
    let element_path = format!("{path}.{name}");
    let principals = match value {
        Value::String(text) if text == "*" => Principals::Anyone,
        Value::Object(map) => {
            let mut typed = BTreeMap::new();
            for (key, entries) in map {
                let entry_path = format!("{element_path}.{key}");
                let Some(kind) = PrincipalType::parse(key) else {
                    return Err(PolicyError::invalid(
                        &entry_path,
                        "unknown principal type; use `AWS`, `Service`, `Federated` or `CanonicalUser`",
                    ));
                };
                let values = strings(entries, &entry_path)?
                    .into_iter()
                    .map(|(_, text)| text.to_owned())
                    .collect();
                typed.insert(kind, values);
            }
            Principals::Typed(typed)
        }
        Value::String(text) => {
            return Err(PolicyError::invalid(
                &element_path,
                format!(
                    "expected `\"*\"` or a map such as `{{\"AWS\": \"{text}\"}}`, found `{text}`"
                ),
            ));
        }
        other => {
            return Err(PolicyError::invalid(
                &element_path,
                format!(
                    "expected `\"*\"` or a map of principal types, found {}",
                    describe(other)
                ),
            ));
        }
    };

    Ok(Some(match name {
        "Principal" => PrincipalBlock::Principal(principals),
        _ => PrincipalBlock::NotPrincipal(principals),
    }))
}

fn read_conditions(
    block: &Value,
    path: &str,
    version: Version,
) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(operators) = block else {
        return Err(PolicyError::invalid(
            path,
            format!(
                "expected an object of condition operators, found {}",
                describe(block)
            ),
        ));
    };

    let mut conditions = Vec::new();
    for (operator_text, keys) in operators {
        let operator_path = format!("{path}.{operator_text}");
        let Some(operator) = Operator::parse(operator_text) else {
            return Err(PolicyError::invalid(
                &operator_path,
                format!("unknown condition operator `{operator_text}`"),
            ));
        };
        let Value::Object(keys) = keys else {
            return Err(PolicyError::invalid(
                &operator_path,
                format!(
                    "expected an object of condition keys, found {}",
                    describe(keys)
                ),
            ));
        };
        for (key, values) in keys {
            let values = condition_values(values, &format!("{operator_path}.{key}"))?
                .into_iter()
                .map(|text| Template::parse(&text, version.expands_variables()))
                .collect();
            conditions.push(Condition::new(operator, operator_text, key, values));
        }
    }
    Ok(conditions)
}

/// Reads a condition value: a string, a number or a boolean, or an array of them.
fn condition_values(value: &Value, path: &str) -> Result<Vec<String>, PolicyError> {
    let scalar = |value: &Value, path: &str| -> Result<String, PolicyError> {
        match value {
            Value::String(text) => Ok(text.clone()),
            Value::Bool(flag) => Ok(flag.to_string()),
            Value::Number(number) => Ok(number.to_string()),
            other => Err(PolicyError::invalid(
                path,
                format!(
                    "expected a string, a number or a boolean, found {}",
                    describe(other)
                ),
            )),
        }
    };
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| scalar(item, &format!("{path}[{index}]")))
            .collect(),
        other => Ok(vec![scalar(other, path)?]),
    }
}

/// Reads a string or an array of strings, with the path of each.
fn strings<'v>(value: &'v Value, path: &str) -> Result<Vec<(String, &'v str)>, PolicyError> {
    match value {
        Value::String(text) => Ok(vec![(path.to_owned(), text.as_str())]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let item_path = format!("{path}[{index}]");
                match item {
                    Value::String(text) => Ok((item_path, text.as_str())),
                    other => Err(PolicyError::invalid(
                        &item_path,
                        format!("expected a string, found {}", describe(other)),
                    )),
                }
            })
            .collect(),
        other => Err(PolicyError::invalid(
            path,
            format!(
                "expected a string or an array of strings, found {}",
                describe(other)
            ),
        )),
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
