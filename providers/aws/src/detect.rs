//! Recognizes an export from its content, never from its file name.

use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::quoted_list;

/// The top-level lists of `aws iam get-account-authorization-details` output.
pub(crate) const DUMP_LISTS: [&str; 4] = [
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
];

/// The format of a file, decided from its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Output of `aws iam get-account-authorization-details`: one merged object, one object per
    /// page back to back, or a JSON array of pages.
    AuthorizationDetails,
    /// JSON output of `aws iam get-credential-report`, with the CSV in base64 in `Content`.
    CredentialReport,
    /// The credential report CSV itself, starting with the header `user,arn,...`.
    CredentialReportCsv,
    /// Neither format. The text describes what the content is, for example `an empty JSON array`.
    Unrecognized(String),
}

/// Detects the format of an export. For JSON only the first top-level value is examined:
/// its keys, or the keys of the first element of an array.
pub fn detect(bytes: &[u8]) -> Format {
    if let Some(encoding) = wide_encoding(bytes) {
        return Format::Unrecognized(format!(
            "{encoding} text, but exports are read as UTF-8: convert it, for example with `iconv -f {encoding} -t UTF-8`"
        ));
    }
    let bytes = strip_bom(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Format::Unrecognized("empty".to_owned());
    };
    let bytes = &bytes[start..];

    match bytes[0] {
        b'{' | b'[' => detect_json(bytes),
        _ if has_report_header(bytes) => Format::CredentialReportCsv,
        _ => Format::Unrecognized("neither JSON nor a credential report CSV".to_owned()),
    }
}

/// Removes the UTF-8 byte order mark that Windows tools (PowerShell, Notepad) write at the
/// start of a file, which JSON parsers reject.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Names the encoding of UTF-16 or UTF-32 text, recognized by its byte order mark or, without
/// one, by a zero byte next to the first character. Windows PowerShell 5 writes UTF-16 when
/// output is redirected to a file.
fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\xFF\xFE\0\0") || bytes.starts_with(b"\0\0\xFE\xFF") {
        return Some("UTF-32");
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Some("UTF-16");
    }
    match bytes {
        [0, first, ..] | [first, 0, ..] if first.is_ascii() && *first != 0 => Some("UTF-16"),
        _ => None,
    }
}

/// Returns whether the first line is a CSV header with `user` and `arn` columns.
fn has_report_header(bytes: &[u8]) -> bool {
    let line_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let Ok(line) = std::str::from_utf8(&bytes[..line_end]) else {
        return false;
    };
    let columns: Vec<&str> = line
        .trim_end_matches('\r')
        .split(',')
        .map(|column| column.trim().trim_matches('"'))
        .collect();
    columns.contains(&"user") && columns.contains(&"arn")
}

fn detect_json(bytes: &[u8]) -> Format {
    let mut sniffed = Sniffed::default();
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let outcome = TopLevel(&mut sniffed).deserialize(&mut deserializer);

    if sniffed
        .keys
        .iter()
        .any(|key| DUMP_LISTS.contains(&key.as_str()))
    {
        return Format::AuthorizationDetails;
    }
    if !sniffed.in_array && sniffed.keys.iter().any(|key| key == "Content") {
        return Format::CredentialReport;
    }
    if let Err(error) = outcome {
        return Format::Unrecognized(describe_json_error(&sniffed, &error));
    }
    Format::Unrecognized(describe_json(&sniffed))
}

fn describe_json_error(sniffed: &Sniffed, error: &serde_json::Error) -> String {
    if sniffed.in_array && error.classify() == serde_json::error::Category::Data {
        return "a JSON array whose first element is not an object".to_owned();
    }
    format!(
        "invalid JSON at line {} column {}",
        error.line(),
        error.column()
    )
}

fn describe_json(sniffed: &Sniffed) -> String {
    let listed: Vec<&String> = sniffed.keys.iter().take(6).collect();
    let more = if sniffed.keys.len() > listed.len() {
        ", ..."
    } else {
        ""
    };

    if !sniffed.in_array {
        if listed.is_empty() {
            return "an empty JSON object".to_owned();
        }
        return format!("a JSON object with the keys {}{more}", quoted_list(&listed));
    }

    if sniffed.elements == 0 {
        return "an empty JSON array".to_owned();
    }
    format!(
        "a JSON array of {} objects with the keys {}{more}, not a list of account-authorization pages",
        sniffed.elements,
        quoted_list(&listed)
    )
}

/// Keys and element count of the first top-level value, as the sniffing pass read them.
#[derive(Default)]
struct Sniffed {
    in_array: bool,
    /// Keys of the top-level object, or of the first element of a top-level array.
    keys: Vec<String>,
    elements: usize,
}

/// Reads the first top-level value, recording its keys and skipping every value. Keys are
/// recorded as they are read, so they are known even when the JSON breaks further on.
struct TopLevel<'a>(&'a mut Sniffed);

impl<'de> DeserializeSeed<'de> for TopLevel<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON object or array")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        record_keys(&mut self.0.keys, map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.in_array = true;
        if seq
            .next_element_seed(FirstElement(&mut self.0.keys))?
            .is_none()
        {
            return Ok(());
        }
        self.0.elements = 1;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            self.0.elements += 1;
        }
        Ok(())
    }
}

/// Reads the first element of a top-level array, which must be an object.
struct FirstElement<'a>(&'a mut Vec<String>);

impl<'de> DeserializeSeed<'de> for FirstElement<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FirstElement<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        record_keys(self.0, map)
    }
}

fn record_keys<'de, A: MapAccess<'de>>(keys: &mut Vec<String>, mut map: A) -> Result<(), A::Error> {
    while let Some(key) = map.next_key::<String>()? {
        keys.push(key);
        map.next_value::<IgnoredAny>()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn unrecognized(bytes: &[u8]) -> String {
        match detect(bytes) {
            Format::Unrecognized(found) => found,
            other => panic!("expected an unrecognized format, got {other:?}"),
        }
    }

    #[test]
    fn merged_dump_is_authorization_details() {
        let text = br#"{"UserDetailList": [], "RoleDetailList": [], "IsTruncated": false}"#;
        assert_eq!(detect(text), Format::AuthorizationDetails);
    }

    #[test]
    fn dump_with_only_policies_is_authorization_details() {
        assert_eq!(detect(br#"{"Policies": []}"#), Format::AuthorizationDetails);
    }

    #[test]
    fn array_of_pages_is_authorization_details() {
        let text = br#" [{"UserDetailList": []}, {"RoleDetailList": []}]"#;
        assert_eq!(detect(text), Format::AuthorizationDetails);
    }

    #[test]
    fn truncated_dump_is_still_recognized() {
        let text = br#"{"UserDetailList": [{"UserName": "a""#;
        assert_eq!(detect(text), Format::AuthorizationDetails);
    }

    #[test]
    fn report_envelope_is_credential_report() {
        let text = br#"{"Content": "dXNlcg==", "ReportFormat": "text/csv"}"#;
        assert_eq!(detect(text), Format::CredentialReport);
    }

    #[test]
    fn report_csv_with_bom_is_recognized() {
        let text = b"\xEF\xBB\xBFuser,arn,user_creation_time\n";
        assert_eq!(detect(text), Format::CredentialReportCsv);
    }

    #[test]
    fn array_of_policy_summaries_is_unrecognized() {
        let text =
            br#"[{"AccountID": "1", "PolicyName": "p", "Type": "Role"}, {"AccountID": "2"}]"#;
        let found = unrecognized(text);
        assert!(found.contains("a JSON array of 2 objects"), "{found}");
        assert!(found.contains("`AccountID`"), "{found}");
        assert!(
            found.contains("not a list of account-authorization pages"),
            "{found}"
        );
    }

    #[test]
    fn other_shapes_are_described() {
        assert_eq!(unrecognized(b""), "empty");
        assert_eq!(unrecognized(b"[]"), "an empty JSON array");
        assert_eq!(unrecognized(b"{}"), "an empty JSON object");
        assert_eq!(
            unrecognized(b"[1, 2]"),
            "a JSON array whose first element is not an object"
        );
        assert_eq!(
            unrecognized(br#"{"Roles": []}"#),
            "a JSON object with the keys `Roles`"
        );
        assert_eq!(
            unrecognized(b"name,email\nx,y\n"),
            "neither JSON nor a credential report CSV"
        );
    }

    #[test]
    fn dump_with_bom_is_authorization_details() {
        let text = b"\xEF\xBB\xBF{\"UserDetailList\": []}";
        assert_eq!(detect(text), Format::AuthorizationDetails);
    }

    #[test]
    fn utf16_text_is_named_with_its_fix() {
        let little_endian = b"\xFF\xFE{\0\"\0U\0";
        let found = unrecognized(little_endian);
        assert!(found.starts_with("UTF-16 text"), "{found}");
        assert!(found.contains("iconv -f UTF-16 -t UTF-8"), "{found}");

        assert!(unrecognized(b"{\0\"\0U\0").starts_with("UTF-16 text"));
        assert!(unrecognized(b"\0{\0\"\0U").starts_with("UTF-16 text"));
        assert!(unrecognized(b"\xFF\xFE\0\0{\0\0\0").starts_with("UTF-32 text"));
    }

    #[test]
    fn broken_json_names_its_position() {
        let found = unrecognized(b"{\n  \"Foo\": [1,\n");
        assert!(found.starts_with("invalid JSON at line 3"), "{found}");
    }
}
