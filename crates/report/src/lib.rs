//! The report of a Roster run and one emitter per output format.
//!
//! [`Report`] is the versioned JSON contract that dashboards read: the run, its coverage, its
//! findings and its identities, sorted so that equal runs give byte-identical output. The
//! binary fills a [`ReportBuilder`] and hands the built report to an emitter. Emitters only
//! lay out what the report holds: computing findings belongs to `roster-analyze`, and choosing
//! colour, width and the output stream belongs to the binary.

mod builder;
mod context;
mod github;
mod json;
mod junit;
mod markdown;
mod ocsf;
mod prometheus;
mod report;
mod sarif;
mod table;

#[cfg(test)]
mod sample;

pub use builder::ReportBuilder;
pub use context::{Locations, RuleDoc, SourceLocation};
pub use github::{AnnotationLimits, write_github_annotations};
pub use json::{report_schema, write_json};
pub use junit::write_junit;
pub use markdown::{MAX_STEP_SUMMARY_BYTES, MarkdownOptions, write_markdown};
pub use ocsf::{OCSF_VERSION, write_ocsf};
pub use prometheus::{PrometheusOptions, write_prometheus};
pub use report::{
    DriftCounts, IdentitySummary, Report, RosterSource, SchemaVersion, SeverityCounts,
    StaleSuppression, Summary, TOOL_NAME, Tool, Unverified, is_counted,
};
pub use roster_model::DriftClass;
pub use sarif::{FINGERPRINT_KEY, SARIF_VERSION, sarif_log, write_sarif};
pub use table::{TableStyle, write_table};
