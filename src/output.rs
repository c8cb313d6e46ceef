//! Output destinations and their handling: colour, terminals, files, broken pipes.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

use anyhow::Context as _;

use crate::cli::ColorChoice;

/// Decides whether to colour output: `always`, `never`, or on a terminal unless `NO_COLOR`
/// is set to a non-empty value.
pub fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
            !no_color && io::stdout().is_terminal()
        }
    }
}

/// Opens the report destination: the file when given, stdout otherwise.
pub fn open(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    match path {
        Some(path) => {
            let file = File::create(path)
                .with_context(|| format!("cannot create output file `{}`", path.display()))?;
            Ok(Box::new(BufWriter::new(file)))
        }
        None => Ok(Box::new(BufWriter::new(io::stdout().lock()))),
    }
}

/// Returns whether stdout is a terminal, which makes `table` the default format.
pub fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// Returns whether an error is a closed pipe, such as `roster scan | head`, which is a
/// normal end rather than a failure.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io_error| io_error.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Returns the terminal's width in columns when stdout is a terminal, so tables wrap to it.
pub fn terminal_width() -> Option<u16> {
    if !stdout_is_terminal() {
        return None;
    }
    comfy_table::Table::new().width()
}
