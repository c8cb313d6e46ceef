//! Writes the credential report as `aws iam get-credential-report` prints it: JSON with the
//! CSV in base64 under `Content`.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::entities::{AccessKey, UserFacts};
use super::time::{GENERATED_AT, before, format_utc};
use super::{ACCOUNT, Estate};

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

pub(crate) fn write_report(estate: &Estate, path: &Path) -> anyhow::Result<()> {
    let csv = report_csv(estate);
    let report = json!({
        "Content": STANDARD.encode(csv.as_bytes()),
        "ReportFormat": "text/csv",
        "GeneratedTime": format_utc(GENERATED_AT - 480),
    });
    let text = serde_json::to_string_pretty(&report)?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write `{}`", path.display()))
}

/// Returns the report CSV: the root user, then one row per user.
pub(crate) fn report_csv(estate: &Estate) -> String {
    let mut csv = String::with_capacity(estate.users * 260);
    csv.push_str(HEADER);
    csv.push('\n');
    let _ = writeln!(
        csv,
        "<root_account>,arn:aws:iam::{ACCOUNT}:root,{},not_supported,{},not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        before(1900, 0),
        before(40, 3_600),
    );
    for user in 0..estate.users {
        let facts = estate.user(user);
        push_row(&mut csv, &facts, user);
    }
    csv
}

fn push_row(csv: &mut String, user: &UserFacts, index: usize) {
    let seconds = (index as u32).wrapping_mul(7919);
    let created = before(user.created_days_ago, seconds);
    let (password, password_used, password_changed) = match user.password_last_used_days_ago {
        Some(days) => ("true", before(days, seconds), before(days + 60, seconds)),
        None => ("false", "N/A".to_owned(), "N/A".to_owned()),
    };
    let _ = write!(
        csv,
        "{},arn:aws:iam::{ACCOUNT}:user{}{},{created},{password},{password_used},{password_changed},N/A,{}",
        user.name, user.path, user.name, user.mfa
    );
    for key in &user.keys {
        push_key(csv, key.as_ref(), seconds);
    }
    csv.push_str(",false,N/A,false,N/A\n");
}

fn push_key(csv: &mut String, key: Option<&AccessKey>, seconds: u32) {
    let Some(key) = key else {
        csv.push_str(",false,N/A,N/A,N/A,N/A");
        return;
    };
    let rotated = before(key.rotated_days_ago, seconds);
    match key.last_used_days_ago {
        Some(days) => {
            let _ = write!(
                csv,
                ",{},{rotated},{},eu-west-1,{}",
                key.active,
                before(days, seconds / 2),
                key.last_used_service
            );
        }
        None => {
            let _ = write!(csv, ",{},{rotated},N/A,N/A,N/A", key.active);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::super::Spec;
    use super::*;

    #[test]
    fn every_row_has_every_column() {
        let estate = Estate::plan(Spec::with_default_attachments(200, 5)).unwrap();
        let csv = report_csv(&estate);
        let columns = HEADER.split(',').count();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), estate.users + 2);
        for line in lines {
            assert_eq!(line.split(',').count(), columns, "{line}");
        }
    }
}
