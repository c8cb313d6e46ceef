//! End-to-end tests of the CI and dashboard formats on the demo estate. They snapshot every
//! format, validate SARIF with Microsoft's SARIF validator, check OCSF's required fields and
//! parse the Prometheus text back. They also cover several outputs in one run, GitHub
//! annotations with the step summary, and the baseline.
//!
//! The SARIF validation runs the `Sarif.Multitool` executable that `ROSTER_SARIF_MULTITOOL`
//! names (`scripts/test-deps` installs it from the npm package `@microsoft/sarif-multitool`);
//! without the variable that test reports itself skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn roster() -> Command {
    let mut command = Command::cargo_bin("roster").unwrap();
    command
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (name, _) in std::env::vars() {
        if name.starts_with("ROSTER_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `roster scan --demo` with `arguments` and returns stdout; the demo exits 1 because
/// it has findings.
fn demo_scan(arguments: &[&str]) -> String {
    let output = roster()
        .args(["scan", "--demo"])
        .args(arguments)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn demo_format(format: &str) -> String {
    demo_scan(&["--format", format])
}

#[test]
fn sarif_demo_snapshot() {
    insta::assert_snapshot!(demo_format("sarif"));
}

#[test]
fn markdown_demo_snapshot() {
    insta::assert_snapshot!(demo_format("markdown"));
}

#[test]
fn junit_demo_snapshot() {
    insta::assert_snapshot!(demo_format("junit"));
}

#[test]
fn ocsf_demo_snapshot() {
    insta::assert_snapshot!(demo_format("ocsf"));
}

#[test]
fn prometheus_demo_snapshot() {
    let text = demo_format("prometheus");

    let text: String = text
        .lines()
        .map(|line| {
            if line.starts_with("roster_scan_duration_seconds ") {
                "roster_scan_duration_seconds [duration]\n".to_owned()
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    insta::assert_snapshot!(text);
}

#[test]
fn sarif_is_byte_identical_across_runs() {
    assert_eq!(demo_format("sarif"), demo_format("sarif"));
}

#[test]
fn sarif_results_point_at_roster_lines() {
    let log: Value = serde_json::from_str(&demo_format("sarif")).unwrap();
    let roster_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/roster.yaml"),
    )
    .unwrap();
    let roster_lines: Vec<&str> = roster_text.lines().collect();

    let mut located = BTreeMap::new();
    for run in log["runs"].as_array().unwrap() {
        for result in run["results"].as_array().unwrap() {
            let physical = &result["locations"][0]["physicalLocation"];
            assert_eq!(
                physical["artifactLocation"]["uri"], "fixtures/demo/roster.yaml",
                "{result}"
            );
            let line = physical["region"]["startLine"].as_u64().unwrap();
            let subject = result["locations"][0]["logicalLocations"][0]["name"]
                .as_str()
                .unwrap()
                .to_owned();
            located.insert(subject, roster_lines[usize::try_from(line).unwrap() - 1]);
        }
    }

    // Declared by id in `identities`: the entry's line.
    assert_eq!(
        located["aws:210987654321:role:search-indexer"].trim(),
        "- id: aws:210987654321:role:search-indexer"
    );
    // Declared as a member of a roster group.
    assert_eq!(
        located["aws:210987654321:role:image-builder"].trim(),
        "- id: aws:210987654321:role:image-builder"
    );
    // A roster group.
    assert_eq!(located["roster:group:datadog"].trim(), "datadog:");
    // A provider group, through the roster group that mirrors it.
    assert_eq!(
        located["aws:210987654321:group:ci-deployers"].trim(),
        "ci-deployers:"
    );
    // Undeclared: the environment entry of its account.
    assert_eq!(
        located["aws:210987654321:role:s3-sync-temp"].trim(),
        "accounts: [\"210987654321\"]"
    );
}

#[test]
fn sarif_has_one_run_per_environment() {
    let log: Value = serde_json::from_str(&demo_format("sarif")).unwrap();
    let ids: Vec<&str> = log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["automationDetails"]["id"].as_str().unwrap())
        .collect();

    assert_eq!(
        ids,
        vec!["roster/dev/", "roster/no-environment/", "roster/prod/"]
    );
}

#[test]
fn sarif_rules_come_from_the_rule_docs() {
    let log: Value = serde_json::from_str(&demo_format("sarif")).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let undeclared = rules
        .iter()
        .find(|rule| rule["name"] == "undeclared-identity")
        .unwrap();

    assert_eq!(undeclared["id"], "RST001");
    assert!(
        undeclared["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("How to fix it")
    );
    assert!(undeclared["properties"]["security-severity"].is_string());
}

#[test]
fn sarif_passes_the_microsoft_validator() {
    let Some(multitool) = std::env::var_os("ROSTER_SARIF_MULTITOOL") else {
        eprintln!(
            "skipped: set ROSTER_SARIF_MULTITOOL to the Sarif.Multitool executable (scripts/test-deps installs it)"
        );
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let sarif = folder.path().join("demo.sarif");
    let validation = folder.path().join("validation.sarif");
    std::fs::write(&sarif, demo_format("sarif")).unwrap();

    let output = std::process::Command::new(&multitool)
        .arg("validate")
        .arg(&sarif)
        .arg("--output")
        .arg(&validation)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the validator failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    let log: Value = serde_json::from_str(&std::fs::read_to_string(&validation).unwrap()).unwrap();
    let errors: Vec<String> = log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| run["results"].as_array().cloned().unwrap_or_default())
        .filter(|result| result["level"] == "error")
        .map(|result| {
            format!(
                "{}: {}",
                result["ruleId"],
                result["message"]["text"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert!(
        errors.is_empty(),
        "the SARIF validator reports errors: {errors:#?}"
    );
}

#[test]
fn ocsf_events_carry_required_fields() {
    let events: Vec<Value> = serde_json::from_str(&demo_format("ocsf")).unwrap();
    assert!(!events.is_empty());

    for event in &events {
        assert_eq!(event["class_uid"], 2004, "{event}");
        assert_eq!(event["category_uid"], 2, "{event}");
        assert_eq!(event["activity_id"], 1, "{event}");
        assert_eq!(event["type_uid"], 200_401, "{event}");
        let severity = event["severity_id"].as_u64().unwrap();
        assert!((1..=5).contains(&severity), "{event}");
        assert!(event["time"].as_i64().unwrap() > 0, "{event}");
        assert_eq!(event["metadata"]["product"]["name"], "Roster", "{event}");
        assert!(
            event["metadata"]["product"]["version"].is_string(),
            "{event}"
        );
        assert!(event["metadata"]["version"].is_string(), "{event}");
        assert!(event["finding_info"]["uid"].is_string(), "{event}");
        assert!(event["finding_info"]["title"].is_string(), "{event}");
        assert!(event["status_id"].is_u64(), "{event}");
        assert!(event["status"].is_string(), "{event}");
    }
}

/// One parsed sample line: the metric name, its labels and its value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the Prometheus text format strictly: every line is `# HELP`, `# TYPE`, or
/// `name{labels} value` with no timestamp, and every sample follows its family's TYPE.
fn parse_prometheus(text: &str) -> Vec<Sample> {
    let mut typed = BTreeSet::new();
    let mut samples = Vec::new();

    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap();
            assert!(is_metric_name(name), "bad HELP line: {line}");
            assert!(!help.is_empty(), "empty HELP: {line}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(is_metric_name(name), "bad TYPE line: {line}");
            assert!(
                ["gauge", "counter", "histogram", "summary", "untyped"].contains(&kind),
                "bad TYPE: {line}"
            );
            typed.insert(name.to_owned());
            continue;
        }

        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value: {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => (name, parse_labels(labels.strip_suffix('}').unwrap(), line)),
            None => (series, BTreeMap::new()),
        };
        assert!(is_metric_name(name), "bad sample (a timestamp?): {line}");
        assert!(typed.contains(name), "sample before its TYPE: {line}");
        samples.push((name.to_owned(), labels, value));
    }
    samples
}

fn parse_labels(text: &str, line: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("bad labels: {line}"));
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            let (index, character) = chars.next().unwrap_or_else(|| panic!("open quote: {line}"));
            match character {
                '\\' => {
                    let (_, escaped) = chars.next().unwrap();
                    value.push(if escaped == 'n' { '\n' } else { escaped });
                }
                '"' => break index,
                other => value.push(other),
            }
        };
        assert!(is_metric_name(name), "bad label name: {line}");
        labels.insert(name.to_owned(), value);
        rest = after[end + 1..]
            .strip_prefix(',')
            .unwrap_or(&after[end + 1..]);
    }
    labels
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|character| character.is_ascii_alphanumeric() || character == '_')
}

#[test]
fn prometheus_parses_back_to_the_report_counts() {
    let samples = parse_prometheus(&demo_format("prometheus"));
    let report: Value = serde_json::from_str(&demo_format("json")).unwrap();

    let sum = |metric: &str| -> f64 {
        samples
            .iter()
            .filter(|(name, _, _)| name == metric)
            .map(|(_, _, value)| value)
            .sum()
    };
    let counted = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["status"] != "suppressed")
        .count();
    assert_eq!(sum("roster_findings"), counted as f64);
    assert_eq!(sum("roster_findings_by_severity"), counted as f64);
    assert_eq!(
        sum("roster_identities"),
        report["summary"]["identities"].as_f64().unwrap()
    );
    assert_eq!(sum("roster_scan_complete"), 0.0);
    assert!(sum("roster_scan_duration_seconds") >= 0.0);

    let identity_names: BTreeSet<&str> = report["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|identity| identity["key"].as_str().unwrap())
        .collect();
    for (name, labels, _) in &samples {
        for value in labels.values() {
            assert!(
                !identity_names.contains(value.as_str()),
                "{name} has the identity `{value}` as a label"
            );
        }
    }
}

#[test]
fn several_outputs_in_one_run() {
    let folder = tempfile::tempdir().unwrap();
    let sarif = folder.path().join("roster.sarif");
    let junit = folder.path().join("junit.xml");
    let markdown = folder.path().join("summary.md");

    let stdout = demo_scan(&[
        "--format",
        "json",
        "--output",
        &format!("sarif={}", sarif.display()),
        "--output",
        &format!("junit={}", junit.display()),
        "--output",
        &format!("markdown={}", markdown.display()),
    ]);

    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["schema_version"], "1");
    assert_eq!(
        std::fs::read_to_string(&sarif).unwrap(),
        demo_format("sarif")
    );
    assert_eq!(
        std::fs::read_to_string(&junit).unwrap(),
        demo_format("junit")
    );
    assert_eq!(
        std::fs::read_to_string(&markdown).unwrap(),
        demo_format("markdown")
    );
}

#[test]
fn plain_output_file_keeps_working() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("report.sarif");

    let stdout = demo_scan(&["--format", "sarif", "--output", path.to_str().unwrap()]);

    assert!(stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        demo_format("sarif")
    );
}

#[test]
fn output_pairs_come_from_the_environment() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("metrics.prom");

    let output = roster()
        .args(["scan", "--demo"])
        .env("ROSTER_OUTPUT", format!("prometheus={}", path.display()))
        .env("ROSTER_FORMAT", "json")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("# TYPE roster_findings gauge"), "{text}");
}

#[test]
fn github_flag_annotates_and_summarizes() {
    let folder = tempfile::tempdir().unwrap();
    let summary = folder.path().join("step-summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();

    let output = roster()
        .args(["scan", "--demo", "--format", "json", "--github"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stdout.contains("::error"), "annotations leaked to stdout");
    let errors = stderr
        .lines()
        .filter(|line| line.starts_with("::error "))
        .count();
    let warnings = stderr
        .lines()
        .filter(|line| line.starts_with("::warning "))
        .count();
    assert!((1..=10).contains(&errors), "{stderr}");
    assert!((1..=10).contains(&warnings), "{stderr}");
    assert!(
        stderr.contains("::error file=fixtures/demo/roster.yaml,line="),
        "{stderr}"
    );
    assert!(
        stderr.contains("more findings are not annotated"),
        "{stderr}"
    );

    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        written.starts_with("earlier step\n## Roster: "),
        "{written}"
    );
}

#[test]
fn previous_report_lists_new_and_resolved() {
    let folder = tempfile::tempdir().unwrap();
    let previous_path = folder.path().join("previous.json");
    let mut previous: Value = serde_json::from_str(&demo_format("json")).unwrap();
    let findings = previous["findings"].as_array_mut().unwrap();
    let dropped = findings
        .iter()
        .position(|finding| finding["rule"] == "undeclared-identity")
        .unwrap();
    findings.remove(dropped);
    findings[0]["fingerprint"] = Value::from("0".repeat(64));
    findings[0]["status"] = Value::from("open");
    findings[0]["subject"] = Value::from("aws:210987654321:role:retired-role");
    std::fs::write(&previous_path, previous.to_string()).unwrap();

    let text = demo_scan(&[
        "--format",
        "markdown",
        "--previous",
        previous_path.to_str().unwrap(),
    ]);

    let new = text.split("#### New").nth(1).unwrap();
    assert!(new.contains("aws:210987654321:role:s3-sync-temp"), "{text}");
    let resolved = text.split("#### Resolved (1)").nth(1).unwrap();
    assert!(
        resolved.contains("aws:210987654321:role:retired-role"),
        "{text}"
    );
}

#[test]
fn baseline_fails_only_on_new_findings() {
    let folder = tempfile::tempdir().unwrap();
    let baseline = folder.path().join("baseline.json");
    std::fs::write(&baseline, demo_format("json")).unwrap();

    let accepted = roster()
        .args(["scan", "--demo", "--format", "json"])
        .args(["--baseline-findings", baseline.to_str().unwrap()])
        .args(["--allow-incomplete"])
        .output()
        .unwrap();
    assert_eq!(accepted.status.code(), Some(0));

    let mut partial: Value = serde_json::from_str(&demo_format("json")).unwrap();
    let findings = partial["findings"].as_array_mut().unwrap();
    let open = findings
        .iter()
        .position(|finding| finding["status"] == "open")
        .unwrap();
    findings.remove(open);
    std::fs::write(&baseline, partial.to_string()).unwrap();
    let one_new = roster()
        .args(["scan", "--demo", "--format", "json"])
        .args(["--baseline-findings", baseline.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(one_new.status.code(), Some(1));
}

#[test]
fn baseline_not_a_report_is_rejected() {
    let folder = tempfile::tempdir().unwrap();
    let baseline = folder.path().join("baseline.json");
    std::fs::write(&baseline, "{\"findings\": 3}").unwrap();

    let output = roster()
        .args(["scan", "--demo", "--format", "json"])
        .args(["--baseline-findings", baseline.to_str().unwrap()])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("given to `--baseline-findings` is not a Roster JSON report"),
        "{stderr}"
    );
}

#[test]
fn long_suppressions_are_ignored_past_the_limit() {
    let report: Value = serde_json::from_str(&demo_scan(&[
        "--format",
        "json",
        "--max-suppression-days",
        "30",
    ]))
    .unwrap();

    let suppressed = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["status"] == "suppressed")
        .count();
    assert_eq!(suppressed, 0);
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("more than 30 days after 2026-06-01 (`--max-suppression-days`)"),
        "{warnings}"
    );
}
