//! Joins credential reports to the users of their accounts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use jiff::Timestamp;
use roster_model::{IdentityKey, IdentityKind, NoteKind, ProviderId, Usage};

use crate::account::{AccountParts, Accounts, ReportFacts, account_parts};
use crate::arn::{Arn, parse_iam_arn};
use crate::credential::{identity_from_row, root_summary, translate_row};
use crate::credential_report::{ReportFile, ReportRow};
use crate::error::{ImportError, counted};

/// The rows of one report that belong to one account.
struct AccountReport {
    path: PathBuf,
    generated: Option<Timestamp>,
    rows: Vec<(ReportRow, Arn)>,
}

/// Applies the newest report of each account to its users: credentials, usage and evidence.
/// A report for an account that no dump covers adds its users from the rows alone.
pub(crate) fn apply_reports(
    reports: Vec<ReportFile>,
    accounts: &mut Accounts,
) -> Result<(), ImportError> {
    let mut newest: BTreeMap<String, AccountReport> = BTreeMap::new();
    let mut superseded: Vec<(String, PathBuf)> = Vec::new();
    for report in reports {
        for (account, candidate) in split_by_account(report)? {
            let Some(current) = newest.get_mut(&account) else {
                newest.insert(account, candidate);
                continue;
            };
            // A report without GeneratedTime (a bare CSV) counts as the oldest.
            if candidate.generated > current.generated {
                let older = std::mem::replace(current, candidate);
                superseded.push((account, older.path));
            } else {
                superseded.push((account, candidate.path));
            }
        }
    }

    for (account, report) in newest {
        apply_report(account_parts(accounts, &account), &account, report);
    }
    for (account, path) in superseded {
        account_parts(accounts, &account).note(
            NoteKind::Skipped,
            None,
            format!(
                "the credential report `{}` was ignored because a newer report of account {account} was imported",
                path.display()
            ),
        );
    }
    Ok(())
}

/// Applies a credential report read from the API of `account` to that account. A report
/// without rows (an account without users) still counts as a report that lists every user.
pub(crate) fn apply_account_report(
    report: ReportFile,
    account: &str,
    accounts: &mut Accounts,
) -> Result<(), ImportError> {
    let path = report.path.clone();
    let generated = report.generated;
    let mut by_account = match split_by_account(report) {
        Ok(by_account) => by_account,
        Err(ImportError::NoAccount { .. }) => BTreeMap::new(),
        Err(other) => return Err(other),
    };
    let report = by_account.remove(account).unwrap_or(AccountReport {
        path,
        generated,
        rows: Vec::new(),
    });
    apply_report(account_parts(accounts, account), account, report);
    Ok(())
}

/// Groups the rows of a report by the account their ARN names.
fn split_by_account(report: ReportFile) -> Result<BTreeMap<String, AccountReport>, ImportError> {
    let mut by_account: BTreeMap<String, AccountReport> = BTreeMap::new();
    for row in report.rows {
        let arn = row_arn(&report.path, &row)?;
        by_account
            .entry(arn.account.clone())
            .or_insert_with(|| AccountReport {
                path: report.path.clone(),
                generated: report.generated,
                rows: Vec::new(),
            })
            .rows
            .push((row, arn));
    }
    if by_account.is_empty() {
        return Err(ImportError::NoAccount { path: report.path });
    }
    Ok(by_account)
}

fn row_arn(path: &std::path::Path, row: &ReportRow) -> Result<Arn, ImportError> {
    let parsed = if row.is_root() {
        Arn::parse(&row.arn).filter(Arn::has_account_id)
    } else {
        parse_iam_arn(&row.arn, "user").ok()
    };
    parsed.ok_or_else(|| ImportError::ReportValue {
        path: path.to_path_buf(),
        line: row.line,
        column: "arn".to_owned(),
        value: row.arn.clone(),
        expected: "an IAM user ARN such as `arn:aws:iam::111122223333:user/name`, or the root ARN",
    })
}

fn apply_report(parts: &mut AccountParts, account: &str, report: AccountReport) {
    let dump_lists_all_users = parts.dump_lists_all_users();
    let mut covered = BTreeSet::new();

    for (row, arn) in &report.rows {
        if row.is_root() {
            parts.note(NoteKind::Skipped, Some(row.arn.clone()), root_summary(row));
            continue;
        }
        let key = IdentityKey::new(ProviderId::Aws, account, IdentityKind::AwsUser, &row.user);
        if !covered.insert(key.clone()) {
            parts.note(
                NoteKind::LossyInput,
                Some(key.to_string()),
                format!(
                    "the credential report `{}` repeats the row of user `{}` on line {}; the first row was used",
                    report.path.display(),
                    row.user,
                    row.line
                ),
            );
            continue;
        }

        if !parts.identities.contains_key(&key) {
            if dump_lists_all_users {
                parts.note(
                    NoteKind::UnresolvedReference,
                    Some(key.to_string()),
                    format!(
                        "the credential report `{}` lists user `{}`, which the dump lacks: the user was created or deleted between the two exports",
                        report.path.display(),
                        row.user
                    ),
                );
            }
            parts
                .identities
                .insert(key.clone(), identity_from_row(row, arn, key.clone()));
        }

        let facts = translate_row(row, &key, &parts.scope);
        if let Some(identity) = parts.identities.get_mut(&key) {
            identity.last_used = facts.last_used;
            identity.evidence.extend(facts.evidence);
            identity.evidence.sort();
            identity.evidence.dedup();
        }
        parts.credentials.extend(facts.credentials);

        if row.active_certificates > 0 {
            parts.note(
                NoteKind::LossyInput,
                Some(key.to_string()),
                format!(
                    "user `{}` has {}, which Roster does not collect as credentials",
                    row.user,
                    counted(
                        row.active_certificates,
                        "active signing certificate",
                        "active signing certificates"
                    )
                ),
            );
        }
    }

    let mut users_without_row = Vec::new();
    for identity in parts.identities.values_mut() {
        if identity.kind != IdentityKind::AwsUser || covered.contains(&identity.key) {
            continue;
        }
        identity.last_used = Usage::unknown(format!(
            "the credential report of account {account} has no row for the user"
        ));
        users_without_row.push(identity.name.clone());
    }
    parts.report = Some(ReportFacts {
        path: report.path,
        users_without_row,
    });
}
