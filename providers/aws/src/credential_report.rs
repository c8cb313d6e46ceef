//! Reads the IAM credential report: the JSON output of `aws iam get-credential-report`, whose
//! `Content` is the CSV in base64, or the CSV itself.
//!
//! Columns are found by header name, so reports with added or reordered columns still read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use serde::Deserialize;

use crate::detect::strip_bom;
use crate::error::{ImportError, quoted_list};
use crate::time::parse_timestamp;

/// Columns that a credential report must contain. Without them a user's credentials are unknown.
const REQUIRED_COLUMNS: [&str; 12] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
];

/// One credential report file.
#[derive(Debug)]
pub(crate) struct ReportFile {
    pub path: PathBuf,
    /// `GeneratedTime` of the JSON output; the bare CSV does not carry it.
    pub generated: Option<Timestamp>,
    pub rows: Vec<ReportRow>,
}

/// A date column: a timestamp or one of the report's placeholders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cell {
    At(Timestamp),
    /// `N/A`: no such credential, or never used.
    NotApplicable,
    /// `no_information`: no use recorded since IAM began tracking it.
    NoInformation,
    /// `not_supported`: the column does not apply, as for the root user's password.
    NotSupported,
}

impl Cell {
    pub fn timestamp(self) -> Option<Timestamp> {
        match self {
            Cell::At(at) => Some(at),
            _ => None,
        }
    }
}

/// A boolean column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flag {
    True,
    False,
    NotSupported,
}

impl Flag {
    pub fn is_true(self) -> bool {
        self == Flag::True
    }
}

/// One access key slot of a row (`access_key_1_*` or `access_key_2_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccessKeySlot {
    pub number: u8,
    pub active: Flag,
    pub last_rotated: Cell,
    pub last_used: Cell,
    pub last_used_region: Option<String>,
    pub last_used_service: Option<String>,
}

impl AccessKeySlot {
    /// Returns whether the slot contains a key, active or not. The report has no key id; a key
    /// exists when its rotation date is set.
    pub fn exists(&self) -> bool {
        self.active.is_true() || self.last_rotated.timestamp().is_some()
    }
}

/// One row of the report: a user, or the root user of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportRow {
    /// Line of the row in the CSV, for messages.
    pub line: u64,
    pub user: String,
    pub arn: String,
    pub user_creation_time: Cell,
    pub password_enabled: Flag,
    pub password_last_used: Cell,
    pub password_last_changed: Cell,
    pub password_next_rotation: Cell,
    pub mfa_active: Flag,
    pub access_keys: [AccessKeySlot; 2],
    /// Signing certificates marked active (`cert_1_active`, `cert_2_active`).
    pub active_certificates: usize,
}

impl ReportRow {
    /// Returns whether the row is the root user's (`<root_account>`).
    pub fn is_root(&self) -> bool {
        self.user == "<root_account>" || self.arn.ends_with(":root")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Envelope {
    content: String,
    report_format: String,
    #[serde(default, deserialize_with = "crate::time::deserialize_option")]
    generated_time: Option<Timestamp>,
}

/// Reads the JSON output of `aws iam get-credential-report`.
pub(crate) fn parse_report_json(path: &Path, bytes: &[u8]) -> Result<ReportFile, ImportError> {
    let envelope: Envelope = serde_json::from_slice(strip_bom(bytes))
        .map_err(|error| ImportError::json(path, "credential report", &error))?;
    if envelope.report_format != "text/csv" {
        return Err(ImportError::ReportFormat {
            path: path.to_path_buf(),
            format: envelope.report_format,
        });
    }

    // The AWS CLI prints the CSV in base64. Some scripts store it decoded instead, which a
    // comma shows because the base64 alphabet has none.
    if envelope.content.contains(',') {
        return parse_report_csv(path, envelope.content.as_bytes(), envelope.generated_time);
    }
    let content: String = envelope
        .content
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let csv = STANDARD
        .decode(content)
        .map_err(|source| ImportError::Base64 {
            path: path.to_path_buf(),
            source,
        })?;

    parse_report_csv(path, &csv, envelope.generated_time)
}

/// Reads the credential report CSV.
pub(crate) fn parse_report_csv(
    path: &Path,
    bytes: &[u8],
    generated: Option<Timestamp>,
) -> Result<ReportFile, ImportError> {
    let bytes = strip_bom(bytes);
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|error| csv_error(path, &error))?
        .clone();
    let columns = Columns::new(path, &headers)?;

    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| csv_error(path, &error))?;
        let line = record.position().map_or(0, csv::Position::line);
        let row = RowReader {
            path,
            line,
            record: &record,
            columns: &columns,
        };
        rows.push(row.read()?);
    }

    Ok(ReportFile {
        path: path.to_path_buf(),
        generated,
        rows,
    })
}

fn csv_error(path: &Path, error: &csv::Error) -> ImportError {
    ImportError::Csv {
        path: path.to_path_buf(),
        line: error.position().map_or(0, csv::Position::line),
        message: error.to_string(),
    }
}

/// Column positions by header name.
struct Columns(BTreeMap<String, usize>);

impl Columns {
    fn new(path: &Path, headers: &csv::StringRecord) -> Result<Self, ImportError> {
        let positions: BTreeMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(index, name)| (name.trim().to_owned(), index))
            .collect();

        let missing: Vec<&str> = REQUIRED_COLUMNS
            .into_iter()
            .filter(|column| !positions.contains_key(*column))
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::MissingColumns {
                path: path.to_path_buf(),
                columns: quoted_list(&missing),
            });
        }
        Ok(Columns(positions))
    }
}

/// Reads the cells of one record by column name.
struct RowReader<'a> {
    path: &'a Path,
    line: u64,
    record: &'a csv::StringRecord,
    columns: &'a Columns,
}

impl RowReader<'_> {
    fn read(&self) -> Result<ReportRow, ImportError> {
        Ok(ReportRow {
            line: self.line,
            user: self.text("user").unwrap_or_default().to_owned(),
            arn: self.text("arn").unwrap_or_default().to_owned(),
            user_creation_time: self.cell("user_creation_time")?,
            password_enabled: self.flag("password_enabled")?,
            password_last_used: self.cell("password_last_used")?,
            password_last_changed: self.cell("password_last_changed")?,
            password_next_rotation: self.cell("password_next_rotation")?,
            mfa_active: self.flag("mfa_active")?,
            access_keys: [self.access_key(1)?, self.access_key(2)?],
            active_certificates: [self.flag("cert_1_active")?, self.flag("cert_2_active")?]
                .into_iter()
                .filter(|flag| flag.is_true())
                .count(),
        })
    }

    fn access_key(&self, number: u8) -> Result<AccessKeySlot, ImportError> {
        let column = |suffix: &str| format!("access_key_{number}_{suffix}");
        Ok(AccessKeySlot {
            number,
            active: self.flag(&column("active"))?,
            last_rotated: self.cell(&column("last_rotated"))?,
            last_used: self.cell(&column("last_used_date"))?,
            last_used_region: self.detail(&column("last_used_region")),
            last_used_service: self.detail(&column("last_used_service")),
        })
    }

    /// Returns the trimmed text of a column, `None` when the report lacks the column.
    fn text(&self, column: &str) -> Option<&str> {
        let index = *self.columns.0.get(column)?;
        Some(self.record.get(index).unwrap_or_default().trim())
    }

    /// Reads a date column; an absent optional column and an empty cell read as `N/A`.
    fn cell(&self, column: &str) -> Result<Cell, ImportError> {
        let text = self.text(column).unwrap_or("N/A");
        match text {
            "" | "N/A" => Ok(Cell::NotApplicable),
            "no_information" => Ok(Cell::NoInformation),
            "not_supported" => Ok(Cell::NotSupported),
            _ => parse_timestamp(text).map(Cell::At).map_err(|_| {
                self.invalid(
                    column,
                    text,
                    "a timestamp, `N/A`, `no_information` or `not_supported`",
                )
            }),
        }
    }

    /// Reads a boolean column; an absent optional column reads as `false`.
    fn flag(&self, column: &str) -> Result<Flag, ImportError> {
        let text = self.text(column).unwrap_or("false");
        if text.eq_ignore_ascii_case("true") {
            return Ok(Flag::True);
        }
        if text.eq_ignore_ascii_case("false") {
            return Ok(Flag::False);
        }
        if text == "not_supported" {
            return Ok(Flag::NotSupported);
        }
        Err(self.invalid(column, text, "`true`, `false` or `not_supported`"))
    }

    /// Reads a text column such as a region. Empty cells and the placeholders `N/A`,
    /// `no_information` and `not_supported` are `None`.
    fn detail(&self, column: &str) -> Option<String> {
        self.text(column)
            .filter(|text| !matches!(*text, "" | "N/A" | "no_information" | "not_supported"))
            .map(str::to_owned)
    }

    fn invalid(&self, column: &str, value: &str, expected: &'static str) -> ImportError {
        ImportError::ReportValue {
            path: self.path.to_path_buf(),
            line: self.line,
            column: column.to_owned(),
            value: value.to_owned(),
            expected,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    pub(crate) const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";
    pub(crate) const ROOT_ROW: &str = "<root_account>,arn:aws:iam::111122223333:root,2019-01-01T00:00:00+00:00,not_supported,2024-04-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
    pub(crate) const CI_ROW: &str = "ci,arn:aws:iam::111122223333:user/ci,2020-02-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2023-01-01T00:00:00+00:00,2024-05-01T08:00:00+00:00,us-east-1,s3,false,2022-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A";
    pub(crate) const ALICE_ROW: &str = "alice,arn:aws:iam::111122223333:user/people/alice,2020-02-01T00:00:00+00:00,true,no_information,2023-06-01T00:00:00+00:00,N/A,true,true,2023-03-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,true,2021-01-01T00:00:00+00:00,false,N/A";

    pub(crate) fn report_csv() -> String {
        format!("{HEADER}\n{ROOT_ROW}\n{CI_ROW}\n{ALICE_ROW}\n")
    }

    fn parse(text: &str) -> Result<ReportFile, ImportError> {
        parse_report_csv(Path::new("report.csv"), text.as_bytes(), None)
    }

    #[test]
    fn csv_rows_and_placeholders() {
        let report = parse(&report_csv()).unwrap();
        assert_eq!(report.rows.len(), 3);

        let root = &report.rows[0];
        assert!(root.is_root());
        assert_eq!(root.password_enabled, Flag::NotSupported);
        assert_eq!(root.password_last_changed, Cell::NotSupported);

        let ci = &report.rows[1];
        assert!(!ci.is_root());
        assert_eq!(ci.line, 3);
        assert_eq!(ci.password_last_used, Cell::NotApplicable);
        assert!(ci.access_keys[0].exists());
        assert_eq!(
            ci.access_keys[0].last_used_region.as_deref(),
            Some("us-east-1")
        );
        assert!(ci.access_keys[1].exists());
        assert_eq!(ci.access_keys[1].active, Flag::False);

        let alice = &report.rows[2];
        assert_eq!(alice.password_last_used, Cell::NoInformation);
        assert_eq!(alice.active_certificates, 1);
        assert!(!alice.access_keys[1].exists());
    }

    #[test]
    fn placeholder_region_is_no_detail() {
        let row = CI_ROW.replacen("us-east-1,s3", "not_supported,N/A", 1);
        let report = parse(&format!("{HEADER}\n{row}\n")).unwrap();
        assert_eq!(report.rows[0].access_keys[0].last_used_region, None);
        assert_eq!(report.rows[0].access_keys[0].last_used_service, None);
    }

    #[test]
    fn columns_are_found_by_name() {
        let text = "arn,user,password_enabled,password_last_used,mfa_active,user_creation_time,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date\n\
                    arn:aws:iam::111122223333:user/ci,ci,false,N/A,false,2020-02-01T00:00:00+00:00,false,N/A,N/A,true,2023-01-01T00:00:00Z,N/A\n";
        let report = parse(text).unwrap();
        let row = &report.rows[0];
        assert_eq!(row.user, "ci");
        assert_eq!(row.access_keys[0].active, Flag::True);
        assert_eq!(row.access_keys[1].active, Flag::False);
        assert_eq!(row.active_certificates, 0);
    }

    #[test]
    fn missing_columns_are_named() {
        let error =
            parse("user,arn,password_enabled\nci,arn:aws:iam::111122223333:user/ci,false\n")
                .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("`user_creation_time`"), "{message}");
        assert!(
            message.contains("`access_key_2_last_used_date`"),
            "{message}"
        );
        assert!(!message.contains("`arn`"), "{message}");
    }

    #[test]
    fn invalid_flag_names_line_and_column() {
        let row = CI_ROW.replacen(",false,N/A,N/A,N/A,false,", ",maybe,N/A,N/A,N/A,false,", 1);
        let error = parse(&format!("{HEADER}\n{row}\n")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "report.csv:2: invalid value `maybe` in column `password_enabled` of the credential report: expected `true`, `false` or `not_supported`"
        );
    }

    #[test]
    fn short_record_is_a_csv_error() {
        let error =
            parse(&format!("{HEADER}\nci,arn:aws:iam::111122223333:user/ci\n")).unwrap_err();
        assert!(
            matches!(error, ImportError::Csv { line: 2, .. }),
            "{error:?}"
        );
    }

    #[test]
    fn json_output_is_decoded() {
        let content = STANDARD.encode(report_csv());
        let json = format!(
            r#"{{"Content": "{content}", "ReportFormat": "text/csv", "GeneratedTime": "2024-05-02T00:00:00+00:00"}}"#
        );
        let report = parse_report_json(Path::new("report.json"), json.as_bytes()).unwrap();
        assert_eq!(report.rows.len(), 3);
        assert_eq!(
            report.generated.unwrap().to_string(),
            "2024-05-02T00:00:00Z"
        );
    }

    #[test]
    fn decoded_content_is_read_as_csv() {
        let content = serde_json::to_string(&report_csv()).unwrap();
        let json = format!(r#"{{"Content": {content}, "ReportFormat": "text/csv"}}"#);
        let report = parse_report_json(Path::new("report.json"), json.as_bytes()).unwrap();
        assert_eq!(report.rows.len(), 3);
        assert_eq!(report.generated, None);
    }

    #[test]
    fn json_output_with_bom_is_read() {
        let content = STANDARD.encode(report_csv());
        let json =
            format!("\u{feff}{{\"Content\": \"{content}\", \"ReportFormat\": \"text/csv\"}}");
        let report = parse_report_json(Path::new("report.json"), json.as_bytes()).unwrap();
        assert_eq!(report.rows.len(), 3);
    }

    #[test]
    fn invalid_base64_is_an_error() {
        let json = r#"{"Content": "not base64!", "ReportFormat": "text/csv"}"#;
        let error = parse_report_json(Path::new("report.json"), json.as_bytes()).unwrap_err();
        assert!(matches!(error, ImportError::Base64 { .. }), "{error:?}");
    }

    #[test]
    fn other_report_format_is_rejected() {
        let json = r#"{"Content": "", "ReportFormat": "text/xml"}"#;
        let error = parse_report_json(Path::new("report.json"), json.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("`text/xml`"), "{error}");
    }
}
