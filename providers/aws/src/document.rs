//! IAM policy documents as exports carry them: decoded JSON objects or URL-encoded strings.

use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde_json::Value;

/// Decodes a policy document. The AWS CLI prints most documents as JSON objects; the raw IAM
/// API and some tools return them as URL-encoded JSON text. A string is percent-decoded only
/// when it is not JSON already, so a document whose text contains `%` is never decoded twice.
pub(crate) fn decode_document(value: Value) -> Result<Value, String> {
    let text = match value {
        Value::Object(_) => return Ok(value),
        Value::String(text) => text,
        other => {
            return Err(format!(
                "expected a JSON object or URL-encoded JSON text, found {}",
                describe(&other)
            ));
        }
    };

    if let Ok(parsed @ Value::Object(_)) = serde_json::from_str::<Value>(&text) {
        return Ok(parsed);
    }

    let decoded = percent_decode_str(&text)
        .decode_utf8()
        .map_err(|error| format!("the URL-encoded text is not UTF-8: {error}"))?;
    match serde_json::from_str::<Value>(&decoded) {
        Ok(parsed @ Value::Object(_)) => Ok(parsed),
        Ok(other) => Err(format!(
            "expected a JSON object, found {} after URL decoding",
            describe(&other)
        )),
        Err(error) => Err(format!(
            "the text is not JSON, even after URL decoding: {error}"
        )),
    }
}

/// Returns a short description of a JSON value's type, for messages.
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A policy field that contains one value or an array of them (`Action`, `Resource`, a
/// principal list, a condition value).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(value) => vec![value],
            OneOrMany::Many(values) => values,
        }
    }
}

/// Renders a condition value as text: strings as written, booleans and numbers in JSON
/// notation, arrays flattened. Condition values are strings, booleans or numbers in valid
/// policies; anything else is kept as its JSON text so that nothing is dropped.
pub(crate) fn condition_values(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(condition_values).collect(),
        Value::String(text) => vec![text.clone()],
        Value::Bool(flag) => vec![flag.to_string()],
        Value::Number(number) => vec![number.to_string()],
        Value::Null => vec!["null".to_owned()],
        Value::Object(_) => vec![value.to_string()],
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::json;

    use super::*;

    #[test]
    fn decoded_object_is_kept() {
        let document = json!({"Version": "2012-10-17", "Statement": []});
        assert_eq!(decode_document(document.clone()), Ok(document));
    }

    #[test]
    fn url_encoded_text_is_decoded() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        let decoded = decode_document(Value::String(encoded.to_owned())).unwrap();
        assert_eq!(decoded, json!({"Version": "2012-10-17", "Statement": []}));
    }

    #[test]
    fn json_text_with_percent_sign_is_not_decoded() {
        let text = r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/100%25"}]}"#;
        let decoded = decode_document(Value::String(text.to_owned())).unwrap();
        assert_eq!(
            decoded["Statement"][0]["Resource"],
            json!("arn:aws:s3:::bucket/100%25")
        );
    }

    #[test]
    fn number_is_not_a_document() {
        let error = decode_document(json!(3)).unwrap_err();
        assert!(error.contains("found a number"), "{error}");
    }

    #[test]
    fn garbage_text_is_not_a_document() {
        let error = decode_document(json!("not a policy")).unwrap_err();
        assert!(error.contains("not JSON"), "{error}");
    }

    #[test]
    fn condition_values_of_every_type() {
        assert_eq!(condition_values(&json!("a")), ["a"]);
        assert_eq!(condition_values(&json!(["a", "b"])), ["a", "b"]);
        assert_eq!(condition_values(&json!(true)), ["true"]);
        assert_eq!(condition_values(&json!(3600)), ["3600"]);
        assert_eq!(condition_values(&json!([false, 2])), ["false", "2"]);
    }

    #[test]
    fn one_or_many_reads_both_forms() {
        let single: OneOrMany<String> = serde_json::from_value(json!("sts:AssumeRole")).unwrap();
        assert_eq!(single.into_vec(), ["sts:AssumeRole"]);
        let many: OneOrMany<String> =
            serde_json::from_value(json!(["sts:AssumeRole", "sts:TagSession"])).unwrap();
        assert_eq!(many.into_vec(), ["sts:AssumeRole", "sts:TagSession"]);
    }
}
