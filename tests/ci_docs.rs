//! Tests that the CI examples in `docs/ci.md` parse as YAML and that every `roster` command in
//! them runs. A command line that ends with `# ci-docs: demo` runs with its `--import` and
//! `--roster` arguments replaced by `--demo`; other lines run as written. Each command runs
//! in a temporary folder, and every `--output FORMAT=PATH` it names must exist afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const DEMO_MARK: &str = "# ci-docs: demo";

fn roster() -> Command {
    let mut command = Command::cargo_bin("roster").unwrap();
    command
        .env_remove("NO_COLOR")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (name, _) in std::env::vars() {
        if name.starts_with("ROSTER_") {
            command.env_remove(name);
        }
    }
    command
}

fn ci_page() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md")).unwrap()
}

/// Returns the text of every ```yaml block.
fn yaml_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "a ```yaml block is not closed");
    blocks
}

/// Collects every string in a YAML document.
fn strings(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(text) => found.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| strings(item, found)),
        Value::Object(fields) => fields.values().for_each(|field| strings(field, found)),
        _ => {}
    }
}

/// A `roster` command line found in a script.
#[derive(Debug)]
struct RosterLine {
    arguments: Vec<String>,
    demo: bool,
}

/// Finds the lines of a script that run `roster`, joining `\` continuations, and splits
/// them into arguments up to the first shell operator or redirection.
fn roster_lines(script: &str) -> Vec<RosterLine> {
    let joined = script.replace("\\\n", " ");
    joined
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            if !line.starts_with("roster ") {
                return None;
            }
            let (command, demo) = match line.split_once(DEMO_MARK) {
                Some((command, _)) => (command, true),
                None => (line, false),
            };
            let words: Vec<String> = command
                .split_whitespace()
                .take_while(|word| !["|", "||", "&&", ">", ">>", ";", "2>"].contains(word))
                .map(|word| word.trim_matches('"').to_owned())
                .skip(1)
                .collect();
            Some(RosterLine {
                arguments: words,
                demo,
            })
        })
        .collect()
}

/// Replaces `--import X` and `--roster X` (or `=X` forms) with one `--demo`.
fn with_demo(arguments: &[String]) -> Vec<String> {
    let mut replaced = Vec::new();
    let mut skip_next = false;
    for argument in arguments {
        if skip_next {
            skip_next = false;
            continue;
        }
        if argument == "--import" || argument == "--roster" {
            skip_next = true;
            continue;
        }
        if argument.starts_with("--import=") || argument.starts_with("--roster=") {
            continue;
        }
        replaced.push(argument.clone());
    }
    let position = replaced
        .iter()
        .position(|argument| argument.starts_with("--"))
        .unwrap_or(replaced.len());
    replaced.insert(position, "--demo".to_owned());
    replaced
}

/// Returns the paths that `--output FORMAT=PATH` arguments name.
fn output_paths(arguments: &[String]) -> Vec<PathBuf> {
    arguments
        .windows(2)
        .filter(|pair| pair[0] == "--output")
        .filter_map(|pair| pair[1].split_once('=').map(|(_, path)| PathBuf::from(path)))
        .collect()
}

#[test]
fn ci_page_has_the_three_examples() {
    let blocks = yaml_blocks(&ci_page());
    let documents: Vec<Value> = blocks
        .iter()
        .map(|block| {
            serde_saphyr::from_str(block).unwrap_or_else(|error| panic!("{error}\n{block}"))
        })
        .collect();

    assert_eq!(documents.len(), 3);
    let github = &documents[0];
    assert!(github["on"]["schedule"].is_array(), "{github}");
    assert!(github["jobs"]["scan"]["steps"].is_array(), "{github}");
    let gitlab = &documents[1];
    assert!(gitlab["roster"]["script"].is_array(), "{gitlab}");
    assert_eq!(
        gitlab["roster"]["artifacts"]["reports"]["junit"],
        "roster-junit.xml"
    );
    let cronjob = &documents[2];
    assert_eq!(cronjob["kind"], "CronJob");
    assert_eq!(cronjob["apiVersion"], "batch/v1");
}

#[test]
fn ci_page_roster_commands_run_on_the_demo() {
    let mut commands = Vec::new();
    for block in yaml_blocks(&ci_page()) {
        let document: Value = serde_saphyr::from_str(&block).unwrap();
        let mut scripts = Vec::new();
        strings(&document, &mut scripts);
        commands.extend(scripts.iter().flat_map(|script| roster_lines(script)));
    }
    assert!(commands.len() >= 3, "{commands:#?}");

    for command in commands {
        let arguments = if command.demo {
            with_demo(&command.arguments)
        } else {
            command.arguments.clone()
        };
        let folder = tempfile::tempdir().unwrap();
        let summary = folder.path().join("step-summary.md");

        let output = roster()
            .args(&arguments)
            .current_dir(folder.path())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap();

        let code = output.status.code();
        assert!(
            matches!(code, Some(0 | 1 | 3)),
            "`roster {}` exited with {code:?}: {}",
            arguments.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        for path in output_paths(&arguments) {
            let path = folder.path().join(path.strip_prefix("/").unwrap_or(&path));
            assert!(
                path.exists(),
                "`roster {}` did not write `{}`",
                arguments.join(" "),
                path.display()
            );
        }
        if arguments.iter().any(|argument| argument == "--github") {
            assert!(summary.exists(), "`--github` wrote no step summary");
        }
    }
}

#[test]
fn with_demo_replaces_imports_and_roster() {
    let arguments: Vec<String> = [
        "scan",
        "--import",
        "aws=exports",
        "--roster",
        "r.yaml",
        "--github",
    ]
    .map(str::to_owned)
    .to_vec();

    assert_eq!(with_demo(&arguments), vec!["scan", "--demo", "--github"]);
}
