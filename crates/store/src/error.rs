use std::path::PathBuf;

use roster_model::ScopeId;

/// An error of the history store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "no data folder for the history store: set `XDG_DATA_HOME` or `HOME`, or pass a store path"
    )]
    NoDataFolder,

    #[error("failed to create the folder `{path}` for the history store: {source}")]
    CreateFolder {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("failed to open the history store `{path}`: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },

    #[error(
        "the history store `{path}` has schema version {found}, newer than version {supported} that this roster reads; upgrade roster"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("history store query failed: {0}")]
    Database(#[from] rusqlite::Error),

    #[error("failed to encode {item} for the history store: {source}")]
    Encode {
        item: &'static str,
        source: serde_json::Error,
    },

    #[error(
        "stored {item} of scan {scan} is unreadable: {reason}; run `roster audit verify` to check the store"
    )]
    Corrupt {
        item: &'static str,
        scan: i64,
        reason: String,
    },

    #[error(
        "stored event {sequence} is unreadable: {reason}; run `roster audit verify` to check the chain"
    )]
    CorruptEvent { sequence: i64, reason: String },

    #[error("scan {0} is not in the history store")]
    UnknownScan(i64),

    #[error(
        "the snapshot of scope `{scope}` in scan {scan} was pruned; compare scans whose snapshots are kept"
    )]
    Pruned { scan: i64, scope: ScopeId },

    #[error(
        "invalid scope id `{0}`: expected `provider:native-id`, for example `aws:111122223333`"
    )]
    InvalidScope(String),

    #[error("failed to write the audit export: {0}")]
    Write(#[source] std::io::Error),
}
