//! Recognizes an export from its content, never from its file name.

use serde_json::{Map, Value};

use crate::error::quoted_list;

/// The format of a file, decided from its first JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Cloud Asset Inventory records: JSON lines, a JSON array, or a single record.
    AssetInventory,
    /// `gcloud iam service-accounts list --format=json`, or pages of `serviceAccounts.list`.
    ServiceAccounts,
    /// `gcloud iam service-accounts keys list --format=json`, or `serviceAccounts.keys.list`.
    ServiceAccountKeys,
    /// `gcloud projects get-iam-policy --format=json`: one policy, which does not name its
    /// project.
    IamPolicy,
    /// Roles with their permissions: `gcloud iam roles describe` output as a JSON array, or
    /// pages of `roles.list` with `view=FULL`.
    Roles,
    /// `gcloud recommender recommendations list --format=json`.
    Recommendations,
    /// None of these. The text describes what the content is, for example `an empty JSON object`.
    Unrecognized(String),
}

/// Detects the format of an export from its bytes. Only the first JSON value is read.
pub fn detect(bytes: &[u8]) -> Format {
    let mut values = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    match values.next() {
        None => Format::Unrecognized("empty".to_owned()),
        Some(Ok(value)) => detect_value(&value),
        Some(Err(error)) => Format::Unrecognized(format!(
            "not JSON (invalid JSON at line {} column {})",
            error.line(),
            error.column()
        )),
    }
}

/// Detects the format from the first JSON value of a file.
pub(crate) fn detect_value(value: &Value) -> Format {
    match value {
        Value::Object(object) => detect_object(object, false),
        Value::Array(items) => match items.first() {
            None => Format::Unrecognized("an empty JSON array".to_owned()),
            Some(Value::Object(object)) => detect_object(object, true),
            Some(_) => {
                Format::Unrecognized("a JSON array whose first element is not an object".to_owned())
            }
        },
        _ => Format::Unrecognized("a JSON value that is neither an object nor an array".to_owned()),
    }
}

fn detect_object(object: &Map<String, Value>, in_array: bool) -> Format {
    let has = |key: &str| object.contains_key(key);
    let name = object
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();

    if has("assetType") || has("asset_type") {
        return Format::AssetInventory;
    }
    if has("keyAlgorithm") || has("keyType") || has("keyOrigin") || has("validAfterTime") {
        return Format::ServiceAccountKeys;
    }
    if has("email")
        && (has("uniqueId") || has("oauth2ClientId") || name.contains("/serviceAccounts/"))
    {
        return Format::ServiceAccounts;
    }
    if has("includedPermissions") || name.starts_with("roles/") || name.contains("/roles/") {
        return Format::Roles;
    }
    if has("recommenderSubtype") || name.contains("/recommendations/") {
        return Format::Recommendations;
    }
    if !in_array {
        if has("accounts") {
            return Format::ServiceAccounts;
        }
        if has("keys") {
            return Format::ServiceAccountKeys;
        }
        if has("roles") {
            return Format::Roles;
        }
        if has("recommendations") {
            return Format::Recommendations;
        }
        if has("bindings") || has("auditConfigs") || (has("etag") && has("version")) {
            return Format::IamPolicy;
        }
    }
    Format::Unrecognized(describe(object, in_array))
}

fn describe(object: &Map<String, Value>, in_array: bool) -> String {
    let keys: Vec<&String> = object.keys().take(6).collect();
    let more = if object.len() > keys.len() {
        ", ..."
    } else {
        ""
    };
    match (in_array, keys.is_empty()) {
        (false, true) => "an empty JSON object".to_owned(),
        (false, false) => format!("a JSON object with the keys {}{more}", quoted_list(&keys)),
        (true, _) => format!(
            "a JSON array of objects with the keys {}{more}",
            quoted_list(&keys)
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn asset_records_in_every_form() {
        let line = br#"{"name": "//x", "assetType": "iam.googleapis.com/ServiceAccount"}"#;
        let lines = b"{\"name\": \"//x\", \"asset_type\": \"a\"}\n{\"name\": \"//y\", \"asset_type\": \"b\"}\n";
        let array = br#"[{"name": "//x", "asset_type": "a"}]"#;
        assert_eq!(detect(line), Format::AssetInventory);
        assert_eq!(detect(lines), Format::AssetInventory);
        assert_eq!(detect(array), Format::AssetInventory);
    }

    #[test]
    fn gcloud_outputs_are_recognized() {
        let accounts = br#"[{"email": "ci@p.iam.gserviceaccount.com", "uniqueId": "1", "name": "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com"}]"#;
        let keys = br#"[{"keyAlgorithm": "KEY_ALG_RSA_2048", "keyType": "USER_MANAGED", "name": "projects/p/serviceAccounts/a/keys/k"}]"#;
        let policy = br#"{"bindings": [{"role": "roles/owner", "members": ["user:a@example.com"]}], "etag": "BwX=", "version": 1}"#;
        let roles = br#"[{"name": "roles/owner", "includedPermissions": ["a.b.c"]}]"#;
        assert_eq!(detect(accounts), Format::ServiceAccounts);
        assert_eq!(detect(keys), Format::ServiceAccountKeys);
        assert_eq!(detect(policy), Format::IamPolicy);
        assert_eq!(detect(roles), Format::Roles);
        assert_eq!(detect(br#"{"accounts": []}"#), Format::ServiceAccounts);
        assert_eq!(
            detect(br#"{"roles": [], "nextPageToken": "x"}"#),
            Format::Roles
        );
    }

    #[test]
    fn other_shapes_are_described() {
        let found = |bytes: &[u8]| match detect(bytes) {
            Format::Unrecognized(found) => found,
            other => panic!("expected an unrecognized format, got {other:?}"),
        };
        assert_eq!(found(b""), "empty");
        assert_eq!(found(b"[]"), "an empty JSON array");
        assert_eq!(found(b"{}"), "an empty JSON object");
        assert_eq!(
            found(br#"{"UserDetailList": []}"#),
            "a JSON object with the keys `UserDetailList`"
        );
        assert!(found(b"user,arn\n").starts_with("not JSON"));
    }
}
