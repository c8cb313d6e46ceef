//! The `json` format: the report as pretty-printed JSON, and the JSON Schema it follows.

use std::io::{self, Write};

use crate::report::Report;

/// Writes the report as pretty-printed JSON followed by a newline.
///
/// The output is byte-identical for equal reports: every list in a built [`Report`] is sorted
/// and every map is ordered by key.
pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// Returns the JSON Schema of [`Report`] as pretty-printed JSON followed by a newline, as it
/// is committed under `schema/report.schema.json`. `$schema`, `title` and `description` come
/// first so that the file reads top-down.
pub fn report_schema() -> String {
    let schema = schemars::schema_for!(Report);
    let Some(fields) = schema.as_object() else {
        return format!("{:#}\n", schema.as_value());
    };

    let mut ordered = serde_json::Map::new();
    for leading in ["$schema", "title", "description"] {
        if let Some(value) = fields.get(leading) {
            ordered.insert(leading.to_owned(), value.clone());
        }
    }
    for (name, value) in fields {
        ordered.entry(name.clone()).or_insert_with(|| value.clone());
    }
    format!("{:#}\n", serde_json::Value::Object(ordered))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::path::PathBuf;

    use serde_json::Value;

    use super::*;
    use crate::sample::{empty_report, sample_report, sample_report_in_order};

    fn emit(report: &Report) -> String {
        let mut out = Vec::new();
        write_json(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn committed_schema_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/report.schema.json")
    }

    #[test]
    fn json_sample_snapshot() {
        insta::assert_snapshot!(emit(&sample_report()));
    }

    #[test]
    fn json_empty_snapshot() {
        insta::assert_snapshot!(emit(&empty_report()));
    }

    #[test]
    fn json_ends_with_one_newline() {
        let text = emit(&sample_report());

        assert!(
            text.ends_with("}\n"),
            "output ends with {:?}",
            &text[text.len() - 3..]
        );
    }

    #[test]
    fn json_is_byte_identical_across_emits() {
        let first = emit(&sample_report());
        let second = emit(&sample_report());

        assert_eq!(first, second);
    }

    #[test]
    fn json_ignores_the_order_parts_were_added() {
        let forward = emit(&sample_report_in_order(false));
        let reversed = emit(&sample_report_in_order(true));

        assert_eq!(forward, reversed);
    }

    #[test]
    fn json_round_trips_through_report() {
        let report = sample_report();

        let parsed: Report = serde_json::from_str(&emit(&report)).unwrap();

        assert_eq!(parsed, report);
    }

    #[test]
    fn json_schema_matches_committed_file() {
        let path = committed_schema_path();
        let generated = report_schema();

        if std::env::var_os("ROSTER_UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).unwrap();
            return;
        }

        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "`schema/report.schema.json` is missing or stale: regenerate it with `ROSTER_UPDATE_SCHEMA=1 cargo test -p roster-report` and commit the result"
        );
    }

    #[test]
    fn json_sample_validates_against_committed_schema() {
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(committed_schema_path()).unwrap())
                .unwrap();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();

        for report in [sample_report(), empty_report()] {
            let instance: Value = serde_json::from_str(&emit(&report)).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&instance)
                .map(|error| format!("{}: {error}", error.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
    }

    #[test]
    fn json_schema_rejects_unknown_schema_version() {
        let schema: Value = serde_json::from_str(&report_schema()).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let mut instance: Value = serde_json::from_str(&emit(&empty_report())).unwrap();
        instance["schema_version"] = Value::from("2");

        assert!(!validator.is_valid(&instance));
    }
}
