//! The parse floor: the least work any scanner of a dump must do, which is to read the file
//! and parse its JSON.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::de::IgnoredAny;

/// How far the floor parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Build a `serde_json::Value` tree of the whole document, then drop it.
    Tree,
    /// Check the syntax only, building nothing (`serde::de::IgnoredAny`).
    Syntax,
}

/// Reads and parses each file, returning the total time and the bytes read.
pub fn parse_files(paths: &[impl AsRef<Path>], depth: Depth) -> anyhow::Result<(Duration, u64)> {
    let started = Instant::now();
    let mut bytes = 0;
    for path in paths {
        let path = path.as_ref();
        let text =
            std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
        bytes += text.len() as u64;
        parse(&text, depth).with_context(|| format!("`{}` is not valid JSON", path.display()))?;
    }
    Ok((started.elapsed(), bytes))
}

fn parse(text: &[u8], depth: Depth) -> serde_json::Result<()> {
    match depth {
        Depth::Tree => {
            let tree: serde_json::Value = serde_json::from_slice(text)?;
            drop(tree);
        }
        Depth::Syntax => {
            serde_json::from_slice::<IgnoredAny>(text)?;
        }
    }
    Ok(())
}
