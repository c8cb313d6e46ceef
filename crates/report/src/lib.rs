//! The report of a Roster run and one emitter per output format.
//!
//! [`Report`] is the versioned JSON contract that dashboards read: the run, its coverage, its
//! findings and its identities, sorted so that equal runs give byte-identical output. The
//! binary fills a [`ReportBuilder`] and hands the built report to an emitter. Emitters only
//! lay out what the report holds: computing findings belongs to `roster-analyze`, and choosing
//! colour, width and the output stream belongs to the binary.

mod builder;
mod json;
mod report;
mod table;

#[cfg(test)]
mod sample;

pub use builder::ReportBuilder;
pub use json::{report_schema, write_json};
pub use report::{
    DriftCounts, IdentitySummary, Report, RosterSource, SchemaVersion, SeverityCounts,
    StaleSuppression, Summary, TOOL_NAME, Tool, Unverified, is_counted,
};
pub use roster_model::DriftClass;
pub use table::{TableStyle, write_table};
