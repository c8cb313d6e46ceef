//! The JSON Schema of roster files, generated from the types. The committed copy is
//! `schema/roster.schema.json` at the root of the repository.

use crate::types::Roster;

/// Generates the JSON Schema (draft 2020-12) of a roster file.
pub fn roster_json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Roster);
    schema.to_value()
}

/// Generates the schema in the form of the committed file: pretty-printed, with a final
/// line break.
pub fn roster_json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&roster_json_schema()).unwrap_or_default();
    text.push('\n');
    text
}
