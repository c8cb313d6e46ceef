use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use crate::StoreError;
use crate::path::default_path;
use crate::schema;

/// How long a writer waits for another writer's transaction before giving up.
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open history store: one SQLite file in WAL mode.
///
/// Several processes may open the same file. Recording takes the write lock for the whole
/// scan, so concurrent recorders run one after the other, each waiting up to the busy timeout
/// (30 seconds unless set with [`Store::set_busy_timeout`]).
#[derive(Debug)]
pub struct Store {
    pub(crate) connection: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens the store at `path`, creating the file, its folder and the schema as needed.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(folder) = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder).map_err(|source| StoreError::CreateFolder {
                path: folder.to_owned(),
                source,
            })?;
        }

        let mut connection = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        connection
            .busy_timeout(DEFAULT_BUSY_TIMEOUT)
            .map_err(|source| StoreError::Open {
                path: path.to_owned(),
                source,
            })?;
        schema::prepare(&mut connection, path)?;

        tracing::debug!(path = %path.display(), "opened the history store");
        Ok(Store {
            connection,
            path: path.to_owned(),
        })
    }

    /// Opens the store at the default path (see [`crate::default_path`]).
    pub fn open_default() -> Result<Store, StoreError> {
        Store::open(&default_path()?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets how long a write waits for another process's write to finish.
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<(), StoreError> {
        self.connection.busy_timeout(timeout)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn open_creates_folder_and_schema() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("nested").join("history.sqlite");

        let store = Store::open(&path).unwrap();

        let version: i64 = store
            .connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, schema::SCHEMA_VERSION);
        let mode: String = store
            .connection
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn reopening_keeps_the_schema() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("history.sqlite");
        drop(Store::open(&path).unwrap());

        let store = Store::open(&path).unwrap();

        assert_eq!(store.path(), path);
    }

    #[test]
    fn newer_schema_is_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("history.sqlite");
        drop(Store::open(&path).unwrap());
        let connection = Connection::open(&path).unwrap();
        connection
            .pragma_update(None, "user_version", schema::SCHEMA_VERSION + 1)
            .unwrap();
        drop(connection);

        let error = Store::open(&path).unwrap_err();

        assert!(matches!(error, StoreError::NewerSchema { found, .. } if found == 2));
        assert!(error.to_string().contains("upgrade roster"));
    }
}
