use std::ffi::OsString;
use std::path::PathBuf;

use crate::StoreError;

/// Returns the default store path, `$XDG_DATA_HOME/roster/history.sqlite` or
/// `~/.local/share/roster/history.sqlite`, reading the process environment.
pub fn default_path() -> Result<PathBuf, StoreError> {
    default_path_from(|name| std::env::var_os(name))
}

/// Returns the default store path from the variables that `lookup` returns.
///
/// The XDG Base Directory specification ignores a relative `XDG_DATA_HOME`, so this does too.
pub fn default_path_from(lookup: impl Fn(&str) -> Option<OsString>) -> Result<PathBuf, StoreError> {
    let absolute = |name: &str| {
        lookup(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };

    let data_home = match absolute("XDG_DATA_HOME") {
        Some(path) => path,
        None => absolute("HOME")
            .ok_or(StoreError::NoDataFolder)?
            .join(".local")
            .join("share"),
    };

    Ok(data_home.join("roster").join("history.sqlite"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: BTreeMap<String, OsString> = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), OsString::from(value)))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn xdg_data_home_wins_over_home() {
        let path =
            default_path_from(lookup(&[("XDG_DATA_HOME", "/data"), ("HOME", "/home/a")])).unwrap();

        assert_eq!(path, Path::new("/data/roster/history.sqlite"));
    }

    #[test]
    fn home_is_the_fallback() {
        let path = default_path_from(lookup(&[("HOME", "/home/a")])).unwrap();

        assert_eq!(
            path,
            Path::new("/home/a/.local/share/roster/history.sqlite")
        );
    }

    #[test]
    fn relative_xdg_data_home_is_ignored() {
        let path =
            default_path_from(lookup(&[("XDG_DATA_HOME", "data"), ("HOME", "/home/a")])).unwrap();

        assert_eq!(
            path,
            Path::new("/home/a/.local/share/roster/history.sqlite")
        );
    }

    #[test]
    fn no_home_is_an_error() {
        let error = default_path_from(lookup(&[])).unwrap_err();

        assert!(matches!(error, StoreError::NoDataFolder));
    }
}
