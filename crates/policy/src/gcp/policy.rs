//! IAM allow policies: bindings of members to roles, some under a condition.

use serde::Deserialize;
use serde_json::Value;

use super::error::GcpError;
use super::member::Member;
use super::role::RoleLevel;

const IAM_POLICY: &str = "IAM policy";

/// The condition of a conditional binding. It is kept as written and never evaluated, so a
/// conditional binding stays conditional in every result.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BindingCondition {
    pub title: Option<String>,
    pub description: Option<String>,
    /// The CEL expression; `None` when the source marked the binding conditional but lost
    /// the expression.
    pub expression: Option<String>,
}

/// A role granted to members, possibly under a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub role: String,
    pub members: Vec<Member>,
    pub condition: Option<BindingCondition>,
}

/// An IAM allow policy, as `getIamPolicy` returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IamPolicy {
    pub version: Option<i64>,
    pub etag: Option<String>,
    pub bindings: Vec<Binding>,
}

#[derive(Debug, Deserialize)]
struct RawPolicy {
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    etag: Option<String>,
    #[serde(default)]
    bindings: Vec<RawBinding>,
}

#[derive(Debug, Deserialize)]
struct RawBinding {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    condition: Option<RawCondition>,
}

#[derive(Debug, Deserialize)]
struct RawCondition {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    expression: Option<String>,
}

impl IamPolicy {
    /// Reads a policy from JSON text. Errors name the line and column, or the binding.
    pub fn from_json_str(text: &str) -> Result<IamPolicy, GcpError> {
        let raw: RawPolicy =
            serde_json::from_str(text).map_err(|error| GcpError::json(IAM_POLICY, &error))?;
        IamPolicy::from_raw(raw)
    }

    /// Reads a policy from parsed JSON.
    pub fn from_value(value: &Value) -> Result<IamPolicy, GcpError> {
        let raw = RawPolicy::deserialize(value).map_err(|error| GcpError::Json {
            document: IAM_POLICY,
            line: 0,
            column: 0,
            message: error.to_string(),
        })?;
        IamPolicy::from_raw(raw)
    }

    /// Builds a policy from bindings.
    pub fn new(bindings: Vec<Binding>) -> IamPolicy {
        IamPolicy {
            version: None,
            etag: None,
            bindings,
        }
    }

    fn from_raw(raw: RawPolicy) -> Result<IamPolicy, GcpError> {
        let mut bindings = Vec::with_capacity(raw.bindings.len());
        for (index, binding) in raw.bindings.into_iter().enumerate() {
            bindings.push(read_binding(binding, index)?);
        }
        Ok(IamPolicy {
            version: raw.version,
            etag: raw.etag,
            bindings,
        })
    }
}

fn read_binding(raw: RawBinding, index: usize) -> Result<Binding, GcpError> {
    let path = format!("bindings[{index}]");
    let Some(role) = raw.role else {
        return Err(GcpError::invalid(
            IAM_POLICY,
            format!("{path}.role"),
            "a binding needs a `role`",
        ));
    };
    RoleLevel::of(&role).map_err(|error| {
        GcpError::invalid(IAM_POLICY, format!("{path}.role"), error.to_string())
    })?;

    let mut members = Vec::with_capacity(raw.members.len());
    for (position, text) in raw.members.iter().enumerate() {
        let member = Member::parse(text).map_err(|error| {
            GcpError::invalid(
                IAM_POLICY,
                format!("{path}.members[{position}]"),
                error.to_string(),
            )
        })?;
        members.push(member);
    }

    let condition = raw.condition.map(|condition| BindingCondition {
        title: condition.title,
        description: condition.description,
        expression: condition.expression.filter(|text| !text.is_empty()),
    });
    Ok(Binding {
        role,
        members,
        condition,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn conditional_binding_keeps_its_condition() {
        let policy = IamPolicy::from_json_str(
            r#"{"version": 3, "etag": "BwX=", "bindings": [
                {"role": "roles/viewer", "members": ["user:a@example.com"],
                 "condition": {"title": "until 2030", "expression": "request.time < timestamp('2030-01-01T00:00:00Z')"}},
                {"role": "roles/editor", "members": ["user:a@example.com"], "condition": {}}]}"#,
        )
        .unwrap();

        assert_eq!(policy.version, Some(3));
        let first = policy.bindings[0].condition.as_ref().unwrap();
        assert_eq!(first.title.as_deref(), Some("until 2030"));
        assert!(
            first
                .expression
                .as_deref()
                .unwrap()
                .starts_with("request.time")
        );
        let second = policy.bindings[1].condition.as_ref().unwrap();
        assert_eq!(second.expression, None);
    }

    #[test]
    fn binding_without_role_is_rejected() {
        let error =
            IamPolicy::from_json_str(r#"{"bindings": [{"members": ["allUsers"]}]}"#).unwrap_err();

        assert_eq!(
            error.to_string(),
            "invalid IAM policy at `bindings[0].role`: a binding needs a `role`"
        );
    }

    #[test]
    fn invalid_member_names_its_position() {
        let error = IamPolicy::from_json_str(
            r#"{"bindings": [{"role": "roles/viewer", "members": ["allUsers", "user:"]}]}"#,
        )
        .unwrap_err();

        assert_eq!(
            error.to_string(),
            "invalid IAM policy at `bindings[0].members[1]`: invalid member `user:`: the type prefix is followed by no id"
        );
    }

    #[test]
    fn syntax_error_names_line() {
        let error = IamPolicy::from_json_str("{\"bindings\": [\n}").unwrap_err();

        assert!(matches!(error, GcpError::Json { line: 2, .. }), "{error}");
    }
}
