//! `roster scan --provider aws --record` against the moto emulator, with the estate changed
//! through the SDK between two scans: the second scan must add exactly the events of those
//! changes, and the first none.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../providers/aws/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use aws_sdk_iam::types::Tag;
use serde_json::Value;

use support::{ACCOUNT, Moto, Proxy, moto_server};

/// Returns the binary with moto's fake credentials in the environment, no AWS profile files and no
/// inherited ROSTER_ or AWS_ settings.
fn roster(home: &Path) -> Command {
    let mut command = Command::cargo_bin("roster").unwrap();
    for (name, _) in std::env::vars() {
        if name.starts_with("ROSTER_") || name.starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    let empty = home.join("empty");
    std::fs::write(&empty, "").unwrap();
    command
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("HOME", home);
    command
}

fn role(name: &str) -> String {
    format!("aws:{ACCOUNT}:role:{name}")
}

fn user(name: &str) -> String {
    format!("aws:{ACCOUNT}:user:{name}")
}

fn policy_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{name}")
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

fn document(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

/// Returns a trust policy that lets one AWS service assume the role.
fn service_trust(service: &str) -> String {
    document(&format!(
        r#"{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}"#
    ))
}

const QUEUE_BEFORE: &str = r#"{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}"#;
const QUEUE_AFTER: &str = r#"{"Effect":"Allow","Action":"sqs:*","Resource":"*"}"#;

/// What the seeding and the changes return for the checks: provider ids that the events must
/// name.
#[derive(Debug, Default)]
struct Ids {
    /// The access key ids of `ci-bot`: the seeded one, then its replacement.
    ci_bot_keys: Vec<String>,
    /// The access key ids of `ops-bot`: the seeded one, then the second one.
    ops_bot_keys: Vec<String>,
    /// The access key ids of `build-bot`, in creation order.
    build_bot_keys: Vec<String>,
    /// The role ids of `worker`: the seeded role, then the role created again under its name.
    worker_ids: Vec<String>,
}

/// Seeds the first estate, from a single task because moto can fail concurrent writers:
///
/// - managed policies `artifacts-read` (S3 reads) and `queue-send` (SQS sends);
/// - group `deployers` with `artifacts-read`, and users `ci-bot` and `alice` in it;
/// - user `ci-bot` (owner tag, an inline policy, one access key), user `ops-bot` (one
///   access key, in no group) and user `build-bot` (two access keys, in no group);
/// - role `deploy`, trusted by account 444455556666, with `artifacts-read`, the inline policy
///   `queue` and the owner tag `platform`;
/// - role `builder`, trusted by EC2, with `queue-send`;
/// - role `legacy`, trusted by Lambda, with the inline policy `logs`;
/// - role `worker`, trusted by ECS tasks, with `queue-send`.
async fn seed(iam: &aws_sdk_iam::Client, ids: &mut Ids) {
    for (name, statements) in [
        (
            "artifacts-read",
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::artifacts/*"}"#,
        ),
        (
            "queue-send",
            r#"{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}"#,
        ),
    ] {
        iam.create_policy()
            .policy_name(name)
            .policy_document(document(statements))
            .send()
            .await
            .unwrap();
    }

    iam.create_group()
        .group_name("deployers")
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("deployers")
        .policy_arn(policy_arn("artifacts-read"))
        .send()
        .await
        .unwrap();

    iam.create_user()
        .user_name("ci-bot")
        .tags(tag("owner", "platform"))
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name("ci-bot")
        .policy_name("read-artifacts")
        .policy_document(document(
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::artifacts/*"}"#,
        ))
        .send()
        .await
        .unwrap();
    ids.ci_bot_keys.push(create_access_key(iam, "ci-bot").await);
    iam.create_user().user_name("alice").send().await.unwrap();
    iam.create_user()
        .user_name("build-bot")
        .send()
        .await
        .unwrap();
    ids.build_bot_keys
        .push(create_access_key(iam, "build-bot").await);
    // A second apart, because the scan matches keys to credential-report slots by their
    // creation time in whole seconds.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    ids.build_bot_keys
        .push(create_access_key(iam, "build-bot").await);
    iam.create_user().user_name("ops-bot").send().await.unwrap();
    ids.ops_bot_keys
        .push(create_access_key(iam, "ops-bot").await);
    for member in ["ci-bot", "alice"] {
        iam.add_user_to_group()
            .group_name("deployers")
            .user_name(member)
            .send()
            .await
            .unwrap();
    }

    iam.create_role()
        .role_name("deploy")
        .assume_role_policy_document(document(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}"#,
        ))
        .tags(tag("owner", "platform"))
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("deploy")
        .policy_arn(policy_arn("artifacts-read"))
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("deploy")
        .policy_name("queue")
        .policy_document(document(QUEUE_BEFORE))
        .send()
        .await
        .unwrap();

    create_role_with_policy(iam, "builder", "ec2.amazonaws.com", "queue-send").await;

    iam.create_role()
        .role_name("legacy")
        .assume_role_policy_document(service_trust("lambda.amazonaws.com"))
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("legacy")
        .policy_name("logs")
        .policy_document(document(
            r#"{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}"#,
        ))
        .send()
        .await
        .unwrap();

    ids.worker_ids.push(
        create_role_with_policy(iam, "worker", "ecs-tasks.amazonaws.com", "queue-send").await,
    );
}

/// Creates a role trusted by one AWS service with one managed policy and returns its role id.
async fn create_role_with_policy(
    iam: &aws_sdk_iam::Client,
    name: &str,
    service: &str,
    policy: &str,
) -> String {
    let created = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(service_trust(service))
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name(name)
        .policy_arn(policy_arn(policy))
        .send()
        .await
        .unwrap();
    created.role().unwrap().role_id().to_owned()
}

async fn create_access_key(iam: &aws_sdk_iam::Client, user: &str) -> String {
    let created = iam
        .create_access_key()
        .user_name(user)
        .send()
        .await
        .unwrap();
    created.access_key().unwrap().access_key_id().to_owned()
}

async fn set_key_status(iam: &aws_sdk_iam::Client, user: &str, key: &str, active: bool) {
    let status = if active {
        aws_sdk_iam::types::StatusType::Active
    } else {
        aws_sdk_iam::types::StatusType::Inactive
    };
    iam.update_access_key()
        .user_name(user)
        .access_key_id(key)
        .status(status)
        .send()
        .await
        .unwrap();
}

/// Changes the estate as an operator would between two scans:
///
/// - `ops-bot` joins `deployers` and `alice` leaves it;
/// - `deploy` gets `queue-send`, loses `artifacts-read`, gets a wider `queue` document and
///   the owner tag `payments`;
/// - `builder` is trusted by ECS tasks instead of EC2;
/// - `ci-bot` rotates its key: a second key, then the first deactivated and deleted;
/// - `ops-bot` gets a second key and deactivates the first, keeping it;
/// - `build-bot` deletes the older of its two keys;
/// - `legacy` is deleted;
/// - `worker` is deleted and created again with the same trust and policy.
async fn change(iam: &aws_sdk_iam::Client, ids: &mut Ids) {
    iam.add_user_to_group()
        .group_name("deployers")
        .user_name("ops-bot")
        .send()
        .await
        .unwrap();
    iam.remove_user_from_group()
        .group_name("deployers")
        .user_name("alice")
        .send()
        .await
        .unwrap();

    iam.attach_role_policy()
        .role_name("deploy")
        .policy_arn(policy_arn("queue-send"))
        .send()
        .await
        .unwrap();
    iam.detach_role_policy()
        .role_name("deploy")
        .policy_arn(policy_arn("artifacts-read"))
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("deploy")
        .policy_name("queue")
        .policy_document(document(QUEUE_AFTER))
        .send()
        .await
        .unwrap();
    iam.tag_role()
        .role_name("deploy")
        .tags(tag("owner", "payments"))
        .send()
        .await
        .unwrap();

    iam.update_assume_role_policy()
        .role_name("builder")
        .policy_document(service_trust("ecs-tasks.amazonaws.com"))
        .send()
        .await
        .unwrap();

    let first = ids.ci_bot_keys[0].clone();
    ids.ci_bot_keys.push(create_access_key(iam, "ci-bot").await);
    set_key_status(iam, "ci-bot", &first, false).await;
    iam.delete_access_key()
        .user_name("ci-bot")
        .access_key_id(&first)
        .send()
        .await
        .unwrap();

    let first = ids.ops_bot_keys[0].clone();
    ids.ops_bot_keys
        .push(create_access_key(iam, "ops-bot").await);
    set_key_status(iam, "ops-bot", &first, false).await;

    iam.delete_access_key()
        .user_name("build-bot")
        .access_key_id(&ids.build_bot_keys[0])
        .send()
        .await
        .unwrap();

    iam.delete_role_policy()
        .role_name("legacy")
        .policy_name("logs")
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name("legacy").send().await.unwrap();

    iam.detach_role_policy()
        .role_name("worker")
        .policy_arn(policy_arn("queue-send"))
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name("worker").send().await.unwrap();
    ids.worker_ids.push(
        create_role_with_policy(iam, "worker", "ecs-tasks.amazonaws.com", "queue-send").await,
    );
}

/// Scans moto through the proxy and records the scan in `store`.
fn record(home: &Path, proxy: &Proxy, store: &Path) {
    let output = roster(home)
        .args([
            "scan",
            "--format",
            "json",
            "--fail-on",
            "critical",
            "--record",
        ])
        .arg(store)
        .args(["--provider", "aws", "--endpoint-url", &proxy.endpoint()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("the report is not JSON ({error}); stderr: {stderr}"));
    assert_eq!(
        report["summary"]["complete"], true,
        "{:#}",
        report["unverified"]
    );
    assert!(
        stderr.contains("recorded scan"),
        "the scan was not recorded; stderr: {stderr}"
    );
}

/// Runs a store command and returns its stdout, failing the test when it fails.
fn store_command(home: &Path, store: &Path, args: &[&str]) -> String {
    let output = roster(home)
        .args(args)
        .arg("--store")
        .arg(store)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`roster {}` failed; stdout: {stdout}; stderr: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn events(home: &Path, store: &Path) -> Vec<Value> {
    let stdout = store_command(home, store, &["audit", "log", "--format", "json"]);
    serde_json::from_str::<Value>(&stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Returns the kind and subject of each event that `scan_id` added, sorted, so that a
/// duplicate event shows as well as a missing one.
fn kinds_and_subjects(events: &[Value], scan_id: i64) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = events
        .iter()
        .filter(|event| event["scan_id"] == scan_id)
        .map(|event| {
            (
                event["kind"].as_str().unwrap().to_owned(),
                event["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

/// Returns the only event of `kind` about `subject`.
fn event<'a>(events: &'a [Value], kind: &str, subject: &str) -> &'a Value {
    let matching: Vec<&Value> = events
        .iter()
        .filter(|event| event["kind"] == kind && event["subject"] == subject)
        .collect();
    assert_eq!(matching.len(), 1, "{kind} on {subject}: {matching:#?}");
    matching[0]
}

/// The estate, scanned and recorded twice with the changes in between.
struct History {
    home: tempfile::TempDir,
    store: PathBuf,
    ids: Ids,
    events: Vec<Value>,
    /// The events in the store after the first scan.
    first_events: Vec<Value>,
}

fn history(server: &PathBuf) -> History {
    let home = tempfile::tempdir().unwrap();
    let store = home.path().join("history.sqlite");
    let moto = Moto::start(server);
    let proxy = Proxy::start(
        moto.port,
        support::fake_service_last_accessed("2000-01-01T00:00:00Z"),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let iam = runtime
        .block_on(async { aws_sdk_iam::Client::new(&support::sdk_config(&moto.endpoint()).await) });
    let mut ids = Ids::default();

    runtime.block_on(seed(&iam, &mut ids));
    record(home.path(), &proxy, &store);
    let first_events = events(home.path(), &store);

    // The credential report gives key creation times in whole seconds, and the store detects
    // a rotation in a key slot by a later creation time.
    std::thread::sleep(Duration::from_millis(1100));
    runtime.block_on(change(&iam, &mut ids));
    record(home.path(), &proxy, &store);
    let events = events(home.path(), &store);

    History {
        home,
        store,
        ids,
        events,
        first_events,
    }
}

#[test]
fn sdk_changes_between_scans_become_events() {
    let Some(server) = moto_server("sdk_changes_between_scans_become_events") else {
        return;
    };
    let history = history(&server);

    assert_eq!(history.first_events, Vec::<Value>::new());
    let found = kinds_and_subjects(&history.events, 2);
    let mut expected: Vec<(String, String)> = [
        ("member-added", user("ops-bot")),
        ("member-removed", user("alice")),
        ("grant-added", role("deploy")),
        ("grant-removed", role("deploy")),
        ("grant-changed", role("deploy")),
        ("owner-changed", role("deploy")),
        ("trust-changed", role("builder")),
        ("credential-rotated", user("ci-bot")),
        ("credential-created", user("ops-bot")),
        ("credential-deactivated", user("ops-bot")),
        ("credential-deleted", user("build-bot")),
        ("identity-deleted", role("legacy")),
        ("grant-removed", role("legacy")),
        ("trust-changed", role("legacy")),
        ("identity-replaced", role("worker")),
    ]
    .into_iter()
    .map(|(kind, subject)| (kind.to_owned(), subject))
    .collect();
    expected.sort();
    assert_eq!(found, expected);
    assert_eq!(history.events.len(), expected.len());
}

#[test]
fn sdk_change_events_name_what_changed() {
    let Some(server) = moto_server("sdk_change_events_name_what_changed") else {
        return;
    };
    let history = history(&server);
    let events = &history.events;
    let ids = &history.ids;
    let group = format!("aws:{ACCOUNT}:group:deployers");

    assert_eq!(
        event(events, "member-added", &user("ops-bot"))["detail"]["group"],
        group
    );
    assert_eq!(
        event(events, "member-removed", &user("alice"))["detail"]["group"],
        group
    );
    assert_eq!(
        event(events, "grant-added", &role("deploy"))["detail"]["policy"],
        policy_arn("queue-send")
    );
    let removed: Vec<&Value> = events
        .iter()
        .filter(|event| event["kind"] == "grant-removed" && event["subject"] == role("deploy"))
        .map(|event| &event["detail"]["policy"])
        .collect();
    assert_eq!(removed, [&Value::String(policy_arn("artifacts-read"))]);

    let changed = &event(events, "grant-changed", &role("deploy"))["detail"];
    assert_eq!(
        changed["policy"],
        format!("inline:{}:queue", role("deploy"))
    );
    assert!(
        changed["before"]
            .as_str()
            .unwrap()
            .contains("sqs:SendMessage"),
        "{changed:#}"
    );
    assert!(
        changed["after"].as_str().unwrap().contains("sqs:*"),
        "{changed:#}"
    );

    let owner = &event(events, "owner-changed", &role("deploy"))["detail"];
    assert_eq!(owner["before"], "platform");
    assert_eq!(owner["after"], "payments");

    let trust = event(events, "trust-changed", &role("builder"))["detail"].to_string();
    assert!(trust.contains("ec2.amazonaws.com"), "{trust}");
    assert!(trust.contains("ecs-tasks.amazonaws.com"), "{trust}");

    let rotated = &event(events, "credential-rotated", &user("ci-bot"))["detail"];
    assert_eq!(rotated["before"]["native_id"], ids.ci_bot_keys[0].as_str());
    assert_eq!(rotated["after"]["native_id"], ids.ci_bot_keys[1].as_str());

    let created = &event(events, "credential-created", &user("ops-bot"))["detail"];
    assert_eq!(created["after"]["native_id"], ids.ops_bot_keys[1].as_str());
    assert_eq!(created["after"]["status"], "active");
    let deactivated = &event(events, "credential-deactivated", &user("ops-bot"))["detail"];
    assert_eq!(
        deactivated["after"]["native_id"],
        ids.ops_bot_keys[0].as_str()
    );
    assert_eq!(deactivated["after"]["status"], "inactive");

    // moto's credential report lists the remaining key in slot 1 now, yet the only event is
    // the deletion of the older key.
    let deleted = &event(events, "credential-deleted", &user("build-bot"))["detail"];
    assert_eq!(
        deleted["before"]["native_id"],
        ids.build_bot_keys[0].as_str()
    );

    let legacy = &event(events, "grant-removed", &role("legacy"))["detail"];
    assert_eq!(legacy["policy"], format!("inline:{}:logs", role("legacy")));

    let replaced = &event(events, "identity-replaced", &role("worker"))["detail"];
    assert_eq!(replaced["before"]["unique_id"], ids.worker_ids[0].as_str());
    assert_eq!(replaced["after"]["unique_id"], ids.worker_ids[1].as_str());
}

#[test]
fn sdk_change_history_verifies_and_diffs() {
    let Some(server) = moto_server("sdk_change_history_verifies_and_diffs") else {
        return;
    };
    let history = history(&server);
    let home = history.home.path();

    let verified = store_command(home, &history.store, &["audit", "verify"]);
    assert!(verified.starts_with("intact:"), "{verified}");

    let scans: Value = serde_json::from_str(&store_command(
        home,
        &history.store,
        &["audit", "scans", "--format", "json"],
    ))
    .unwrap();
    let added: Vec<&Value> = scans
        .as_array()
        .unwrap()
        .iter()
        .map(|scan| &scan["events_added"])
        .collect();
    assert_eq!(added, [&Value::from(0), &Value::from(15)]);

    let diff = store_command(
        home,
        &history.store,
        &["diff", "1", "2", "--color", "never"],
    );
    let lines: Vec<&str> = diff.lines().collect();
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with('-') && line.contains(r#""Action": "sqs:SendMessage""#)),
        "{diff}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with('+') && line.contains(r#""Action": "sqs:*""#)),
        "{diff}"
    );
}
