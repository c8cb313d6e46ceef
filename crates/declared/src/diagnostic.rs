//! Errors of roster files, rendered with the offending line and a caret under the column.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A position in a roster file. Lines and columns start at 1, and columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: Arc<Path>,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One problem in a roster file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub location: Location,
    /// The problem and the entry it is in, for example
    /// ``unknown field `ownr` in group `ci-deployers` ``.
    pub message: String,
    /// The fix, when the message does not already give it.
    pub help: Option<String>,
    /// The source line at `location`, shown under the message.
    pub source_line: Option<String>,
    /// The number of characters the caret line underlines, at least 1.
    pub width: usize,
}

impl Diagnostic {
    pub(crate) fn new(location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            location,
            message: message.into(),
            help: None,
            source_line: None,
            width: 1,
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches the line at the diagnostic's location from `source`, and the width of the
    /// underline.
    pub(crate) fn with_source(mut self, source: &str, width: usize) -> Self {
        self.source_line = source
            .lines()
            .nth(self.location.line.saturating_sub(1))
            .map(str::to_owned);
        self.width = width.max(1);
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;

        if let Some(line) = &self.source_line {
            let number = self.location.line.to_string();
            let gutter = " ".repeat(number.len());
            let line = line.trim_end();
            write!(f, "\n{gutter} |\n{number} | {line}\n{gutter} | ")?;
            write!(f, "{}", caret_indent(line, self.location.column))?;
            write!(f, "{}", "^".repeat(self.width))?;
        }

        if let Some(help) = &self.help {
            let gutter = " ".repeat(
                self.source_line
                    .as_ref()
                    .map_or(0, |_| self.location.line.to_string().len()),
            );
            write!(f, "\n{gutter} = help: {help}")?;
        }
        Ok(())
    }
}

/// Returns the blanks that put a caret under `column` of `line`, keeping tabs so that the
/// caret lines up however wide the terminal draws them.
fn caret_indent(line: &str, column: usize) -> String {
    line.chars()
        .take(column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect()
}

/// An error of loading a roster.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("failed to read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{}` is neither a file nor a folder: give a `roster.yaml` file or a `roster.d/` folder",
        .0.display()
    )]
    NotFileOrFolder(PathBuf),
    #[error(
        "the folder `{}` holds no `*.yaml`, `*.yml` or `*.json` file: add a roster file to it",
        .0.display()
    )]
    EmptyFolder(PathBuf),
    #[error(
        "`{}` is {size} bytes, more than the {limit} bytes a roster file may have: split it into files of a `roster.d/` folder",
        path.display()
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("`{}` is not UTF-8 text: save it as UTF-8", .0.display())]
    NotUtf8(PathBuf),
    /// The roster's text is wrong: one diagnostic per problem, in file order.
    #[error("{}", render_all(.0))]
    Invalid(Vec<Diagnostic>),
}

impl RosterError {
    /// Returns the diagnostics of an invalid roster, or nothing for the other errors.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            RosterError::Invalid(diagnostics) => diagnostics,
            _ => &[],
        }
    }
}

fn render_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(line: usize, column: usize) -> Location {
        Location {
            file: Arc::from(Path::new("roster.yaml")),
            line,
            column,
        }
    }

    #[test]
    fn diagnostic_underlines_the_column() {
        let source = "version: 1\ngroups:\n  ci-deployers:\n    ownr: platform\n";
        let diagnostic = Diagnostic::new(location(4, 5), "unknown field `ownr`")
            .with_source(source, 4)
            .with_help("expected one of `owner`");
        assert_eq!(
            diagnostic.to_string(),
            "roster.yaml:4:5: unknown field `ownr`\n  |\n4 |     ownr: platform\n  |     ^^^^\n  = help: expected one of `owner`"
        );
    }

    #[test]
    fn diagnostic_keeps_tabs_before_the_caret() {
        let source = "{\n\t\"version\": 2\n}\n";
        let diagnostic = Diagnostic::new(location(2, 13), "bad").with_source(source, 1);
        assert_eq!(
            diagnostic.to_string(),
            "roster.yaml:2:13: bad\n  |\n2 | \t\"version\": 2\n  | \t           ^"
        );
    }

    #[test]
    fn diagnostic_without_source_is_one_line() {
        let diagnostic = Diagnostic::new(location(1, 1), "bad");
        assert_eq!(diagnostic.to_string(), "roster.yaml:1:1: bad");
    }
}
