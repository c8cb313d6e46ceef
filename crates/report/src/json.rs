//! The `json` format: the report as pretty-printed JSON, and the JSON Schema it follows.

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

use crate::report::Report;

/// The findings or identities rendered at once, on every core, before they are written out.
/// Large enough to keep both cores busy, small enough that the rendered text stays a few
/// megabytes whatever the size of the report.
const BATCH: usize = 4096;

/// The entries of a batch that one task renders.
const TASK: usize = 128;

/// Writes the report as pretty-printed JSON followed by a newline.
///
/// The output is byte-identical for equal reports: every list in a built [`Report`] is sorted
/// and every map is ordered by key. It is also byte-identical to `serde_json`'s own pretty
/// printer: the findings and identities, which make up nearly all of a large report, are
/// rendered in batches on every core, and the rest around them as usual.
pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let shell = serde_json::to_string_pretty(&without_lists(report))?;
    let (before, rest) = split_at_empty_list(&shell, "findings")?;
    out.write_all(before.as_bytes())?;
    write_array(&report.findings, out)?;
    let (between, after) = split_at_empty_list(rest, "identities")?;
    out.write_all(between.as_bytes())?;
    write_array(&report.identities, out)?;
    out.write_all(after.as_bytes())?;
    writeln!(out)
}

/// Splits pretty-printed JSON around the `[]` value of the top-level key `key`. A top-level
/// key is the only text at the start of a line indented by two spaces, because strings in
/// JSON contain no line breaks.
fn split_at_empty_list<'t>(text: &'t str, key: &str) -> io::Result<(&'t str, &'t str)> {
    let placeholder = format!("\n  \"{key}\": []");
    let at = text.find(&placeholder).ok_or_else(|| {
        io::Error::other(format!(
            "the report's `{key}` list is missing from its JSON"
        ))
    })?;
    let value_at = at + placeholder.len() - "[]".len();
    Ok((&text[..value_at], &text[value_at + "[]".len()..]))
}

/// Returns a copy of the report with empty findings and identities, which [`write_json`]
/// fills in. Every field
/// is named, so that a field added to [`Report`] cannot be left out here.
fn without_lists(report: &Report) -> Report {
    let Report {
        schema_version,
        tool,
        generated_at,
        roster,
        sources,
        summary,
        coverage,
        unverified,
        notes,
        warnings,
        stale_suppressions,
        findings: _,
        identities: _,
        chain_head,
        collection,
    } = report;
    Report {
        schema_version: *schema_version,
        tool: tool.clone(),
        generated_at: *generated_at,
        roster: roster.clone(),
        sources: sources.clone(),
        summary: summary.clone(),
        coverage: coverage.clone(),
        unverified: unverified.clone(),
        notes: notes.clone(),
        warnings: warnings.clone(),
        stale_suppressions: stale_suppressions.clone(),
        findings: Vec::new(),
        identities: Vec::new(),
        chain_head: chain_head.clone(),
        collection: collection.clone(),
    }
}

/// Writes a list that is the value of a top-level key, as the pretty printer would.
fn write_array<T: Serialize + Sync>(items: &[T], out: &mut dyn Write) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    for (batch_index, batch) in items.chunks(BATCH).enumerate() {
        let rendered: Vec<Vec<u8>> = batch
            .par_chunks(TASK)
            .enumerate()
            .map(|(task_index, entries)| {
                let first = batch_index == 0 && task_index == 0;
                render(entries, first)
            })
            .collect::<Result<_, _>>()?;
        for text in rendered {
            out.write_all(&text)?;
        }
    }
    out.write_all(b"\n  ]")
}

/// Renders entries of a top-level list, each after its separator.
fn render<T: Serialize>(entries: &[T], first: bool) -> serde_json::Result<Vec<u8>> {
    let mut text = Vec::with_capacity(entries.len() * 1024);
    for (index, entry) in entries.iter().enumerate() {
        let separator: &[u8] = if first && index == 0 {
            b"\n    "
        } else {
            b",\n    "
        };
        text.extend_from_slice(separator);
        let mut serializer = Serializer::with_formatter(&mut text, Nested::at(2));
        entry.serialize(&mut serializer)?;
    }
    Ok(text)
}

/// The pretty printer's layout (two spaces per level), starting at a given depth.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn at(depth: usize) -> Nested {
        Nested {
            depth,
            has_value: false,
        }
    }

    fn indent<W: ?Sized + Write>(&self, writer: &mut W) -> io::Result<()> {
        for _ in 0..self.depth {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(bracket)
    }

    fn next_entry<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }
}

impl Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next_entry(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next_entry(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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
    fn json_matches_serde_pretty_printer() {
        let mut large = sample_report();
        let findings = large.findings.clone();
        let identities = large.identities.clone();
        for copy in 0..(BATCH / findings.len().max(1) + 2) {
            for finding in &findings {
                let mut finding = finding.clone();
                finding.fingerprint = format!("{}-{copy}", finding.fingerprint);
                large.findings.push(finding);
            }
            large.identities.extend(identities.iter().cloned());
        }
        assert!(large.findings.len() > BATCH);

        for report in [sample_report(), empty_report(), large] {
            let expected = format!("{}\n", serde_json::to_string_pretty(&report).unwrap());
            assert_eq!(emit(&report), expected);
        }
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
