//! `roster scan --provider aws` end to end against the moto emulator, run as
//! docs/providers/aws.md documents: credentials from the environment, no profile files, and
//! `--endpoint-url` pointing at the emulator (or at a proxy in front of it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../providers/aws/tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_smithy_types::date_time::Format;
use base64::Engine as _;
use serde_json::{Value, json};

use support::{ACCOUNT, Moto, Proxy, Reply, moto_server, sts_error};

/// The `--now` of every scan: 120 days after the seeding, so that unused keys show.
fn later() -> String {
    (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(120 * 24)).to_string()
}

/// The binary with moto's fake credentials in the environment and no AWS profile files.
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

struct Run {
    code: i32,
    report: Value,
    stderr: String,
}

fn scan(home: &Path, args: &[&str]) -> Run {
    let output = roster(home)
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("the report is not JSON ({error}); stderr: {stderr}"));
    Run {
        code: output.status.code().unwrap(),
        report,
        stderr,
    }
}

fn findings(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_owned(),
                finding["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn unverified(report: &Value) -> Vec<String> {
    report["unverified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| format!("{} {} {}", entry["scope"], entry["kind"], entry["reason"]))
        .collect()
}

#[test]
fn live_scan_reports_seeded_estate() {
    let Some(server) = moto_server("live_scan_reports_seeded_estate") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let moto = Moto::start(&server);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seeded = runtime.block_on(async {
        support::seed_estate(&support::sdk_config(&moto.endpoint()).await, ACCOUNT).await
    });
    let proxy = Proxy::start(
        moto.port,
        support::fake_service_last_accessed("2000-01-01T00:00:00Z"),
    );

    let run = scan(
        home.path(),
        &[
            "--provider",
            "aws",
            "--endpoint-url",
            &proxy.endpoint(),
            "--now",
            &later(),
        ],
    );

    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert_eq!(unverified(&run.report), Vec::<String>::new());
    assert_eq!(run.report["summary"]["complete"], true);
    let found = findings(&run.report);
    let role = |name: &str| format!("aws:{ACCOUNT}:role:{name}");
    let user = |name: &str| format!("aws:{ACCOUNT}:user:{name}");
    for expected in [
        ("admin-equivalent", role("ci-github")),
        ("external-trust", role("deploy")),
        ("unused-identity", role("deploy")),
        ("stale-credential", user("ci-bot")),
        ("multiple-active-credentials", user("ci-bot")),
        ("unused-credential", user("ci-bot")),
        ("unused-permission", role("deploy")),
        ("mixed-group", format!("aws:{ACCOUNT}:group:deployers")),
    ] {
        let expected = (expected.0.to_owned(), expected.1);
        assert!(found.contains(&expected), "{expected:?} not in {found:#?}");
    }

    let messages: Vec<&str> = run.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "unused-credential")
        .map(|finding| finding["message"].as_str().unwrap())
        .collect();
    for key in &seeded.ci_bot_keys {
        assert!(
            messages
                .iter()
                .any(|message| message.contains(key.as_str())),
            "no unused-credential finding names {key}: {messages:?}"
        );
    }
    assert!(run.report["notes"].as_array().unwrap().iter().any(|note| {
        note["message"]
            .as_str()
            .unwrap()
            .contains("saml-provider/Gone")
    }));

    let collection = run.report["collection"].as_array().unwrap();
    assert_eq!(collection.len(), 1);
    assert_eq!(collection[0]["scope"], format!("aws:{ACCOUNT}"));
}

#[test]
fn moto_scan_leaves_permission_usage_unverified() {
    let Some(server) = moto_server("moto_scan_leaves_permission_usage_unverified") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let moto = Moto::start(&server);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        support::seed_estate(&support::sdk_config(&moto.endpoint()).await, ACCOUNT).await
    });

    // AWS_ENDPOINT_URL instead of the flag: aws-config reads it.
    let output = roster(home.path())
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .args([
            "scan",
            "--format",
            "json",
            "--provider",
            "aws",
            "--max-attempts",
            "2",
            "--now",
            &later(),
        ])
        .args(["--fail-on", "critical"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();

    assert_eq!(output.status.code(), Some(3));
    let unverified = unverified(&report);
    assert_eq!(unverified.len(), 1, "{unverified:?}");
    assert!(unverified[0].contains("permission-usage"), "{unverified:?}");
    assert!(
        !findings(&report)
            .iter()
            .any(|(rule, _)| rule == "unused-permission"),
        "usage that was not collected must not be reported as unused"
    );
}

#[test]
fn throttled_listing_gives_no_false_findings() {
    let Some(server) = moto_server("throttled_listing_gives_no_false_findings") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let moto = Moto::start(&server);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        support::seed_estate(&support::sdk_config(&moto.endpoint()).await, ACCOUNT).await
    });
    let fake = support::fake_service_last_accessed("2000-01-01T00:00:00Z");
    let proxy = Proxy::start(moto.port, move |request| {
        if request.action().as_deref() == Some("GetAccountAuthorizationDetails") {
            return Reply::Xml(400, support::iam_error("Throttling", "Rate exceeded"));
        }
        fake(request)
    });
    let roster_file = home.path().join("roster.yaml");
    std::fs::write(
        &roster_file,
        format!(
            "version: 1\nenvironments:\n  prod:\n    aws:\n      accounts: [\"{ACCOUNT}\"]\nidentities:\n  - id: aws:{ACCOUNT}:role:deploy\n    owner: platform\n    purpose: deploys the app\n"
        ),
    )
    .unwrap();

    let run = scan(
        home.path(),
        &[
            "--provider",
            "aws",
            "--endpoint-url",
            &proxy.endpoint(),
            "--max-attempts",
            "2",
            "--retry-mode",
            "standard",
            "--roster",
            roster_file.to_str().unwrap(),
            "--now",
            &later(),
            "--fail-on",
            "critical",
        ],
    );

    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    // Roles come only from the throttled listing; users also come from the credential
    // report, which succeeded, so findings about users may stand.
    for (rule, subject) in &findings(&run.report) {
        assert!(
            !subject.contains(":role:")
                && rule != "missing-identity"
                && rule != "unused-permission",
            "`{rule}` on `{subject}` came from an unverified listing"
        );
    }
    let deploy = run.report["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|identity| identity["key"] == format!("aws:{ACCOUNT}:role:deploy"))
        .unwrap();
    assert_eq!(deploy["drift"], "unverified");
    let reasons = unverified(&run.report).join("\n");
    assert!(
        reasons.contains("still throttled when the retry budget ran out"),
        "{reasons}"
    );
}

/// Serves moto's organization with the role assumable in every member account but
/// `denied`, and service last accessed for every identity.
fn organization_proxy(moto: &Moto, denied: String) -> Proxy {
    let fake = support::fake_service_last_accessed("2000-01-01T00:00:00Z");
    Proxy::start(moto.port, move |request| {
        if request.action().as_deref() == Some("AssumeRole")
            && request
                .form("RoleArn")
                .is_some_and(|arn| arn.contains(&denied))
        {
            let message = format!(
                "User: arn:aws:iam::{ACCOUNT}:user/moto is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{denied}:role/OrganizationAccountAccessRole"
            );
            return Reply::Xml(403, sts_error("AccessDenied", &message));
        }
        fake(request)
    })
}

/// Creates an organization with three member accounts, replaces the AWS-managed policy of
/// each member's OrganizationAccountAccessRole (moto lacks its document) with a
/// customer-managed one, and adds a role to each. Returns the member account ids.
async fn seed_organization(moto: &Moto) -> Vec<String> {
    let config = support::sdk_config(&moto.endpoint()).await;
    let organizations = aws_sdk_organizations::Client::new(&config);
    organizations
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let mut members = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        let created = organizations
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .unwrap();
        members.push(
            created
                .create_account_status()
                .unwrap()
                .account_id()
                .unwrap()
                .to_owned(),
        );
    }

    let sts = aws_sdk_sts::Client::new(&config);
    for account in &members {
        let assumed = sts
            .assume_role()
            .role_arn(format!(
                "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
            ))
            .role_session_name("seeding")
            .send()
            .await
            .unwrap();
        let keys = assumed.credentials().unwrap();
        let member = support::sdk_config_with(
            &moto.endpoint(),
            aws_sdk_iam::config::Credentials::new(
                keys.access_key_id(),
                keys.secret_access_key(),
                Some(keys.session_token().to_owned()),
                None,
                "tests",
            ),
        )
        .await;
        let iam = aws_sdk_iam::Client::new(&member);
        let attached = iam
            .list_attached_role_policies()
            .role_name("OrganizationAccountAccessRole")
            .send()
            .await
            .unwrap();
        for policy in attached.attached_policies() {
            iam.detach_role_policy()
                .role_name("OrganizationAccountAccessRole")
                .policy_arn(policy.policy_arn().unwrap())
                .send()
                .await
                .unwrap();
        }
        let admin = iam
            .create_policy()
            .policy_name("organization-admin")
            .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
            .send()
            .await
            .unwrap();
        iam.attach_role_policy()
            .role_name("OrganizationAccountAccessRole")
            .policy_arn(admin.policy().unwrap().arn().unwrap())
            .send()
            .await
            .unwrap();
        iam.create_role()
            .role_name("worker")
            .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
            .send()
            .await
            .unwrap();
    }
    members
}

#[test]
fn organization_scan_marks_unassumable_account_unverified() {
    let Some(server) = moto_server("organization_scan_marks_unassumable_account_unverified") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let moto = Moto::start(&server);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let members = runtime.block_on(seed_organization(&moto));
    let denied = members[2].clone();
    let proxy = organization_proxy(&moto, denied.clone());
    let base = [
        "--provider",
        "aws",
        "--endpoint-url",
        &proxy.endpoint(),
        "--org-role",
        "OrganizationAccountAccessRole",
        "--concurrency",
        "2",
        "--fail-on",
        "critical",
    ];

    let run = scan(home.path(), &base);

    assert_eq!(run.code, 3, "stderr: {}", run.stderr);
    let scopes: BTreeSet<&str> = run.report["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["scope"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<String> = members
        .iter()
        .chain([&ACCOUNT.to_owned()])
        .map(|account| format!("aws:{account}"))
        .collect();
    assert_eq!(scopes, expected.iter().map(String::as_str).collect());
    for entry in run.report["unverified"].as_array().unwrap() {
        assert_eq!(entry["scope"], format!("aws:{denied}"), "{entry}");
    }
    let denied_entries: Vec<&Value> = run.report["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["scope"] == format!("aws:{denied}"))
        .collect();
    assert_eq!(denied_entries.len(), 11);
    for entry in denied_entries {
        assert_eq!(entry["status"], "denied");
        assert_eq!(entry["permission"], "sts:AssumeRole");
    }
    for account in &members[..2] {
        let key = format!("aws:{account}:role:worker");
        assert!(
            run.report["identities"]
                .as_array()
                .unwrap()
                .iter()
                .any(|identity| identity["key"] == key),
            "{key} missing"
        );
    }
    let collected: Vec<&str> = run.report["collection"]
        .as_array()
        .unwrap()
        .iter()
        .map(|stats| stats["scope"].as_str().unwrap())
        .collect();
    assert_eq!(collected.len(), 4, "{collected:?}");

    let allowed = scan(home.path(), &[&base[..], &["--allow-incomplete"]].concat());
    assert_eq!(allowed.code, 0, "stderr: {}", allowed.stderr);

    let excluded = scan(
        home.path(),
        &[&base[..], &["--exclude-accounts", &denied]].concat(),
    );
    assert_eq!(excluded.code, 0, "stderr: {}", excluded.stderr);
    assert_eq!(excluded.report["summary"]["complete"], true);
}

/// Decodes a policy document as the AWS CLI prints it: JSON, URL-decoded when needed.
fn document(text: &str) -> Value {
    if let Ok(value) = serde_json::from_str(text) {
        return value;
    }
    let decoded = percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .unwrap();
    serde_json::from_str(&decoded).unwrap()
}

fn date(at: Option<&aws_smithy_types::DateTime>) -> Value {
    at.map_or(Value::Null, |at| json!(at.fmt(Format::DateTime).unwrap()))
}

fn inline(policies: &[aws_sdk_iam::types::PolicyDetail]) -> Value {
    policies
        .iter()
        .map(|policy| json!({"PolicyName": policy.policy_name(), "PolicyDocument": document(policy.policy_document().unwrap())}))
        .collect()
}

fn attached(policies: &[aws_sdk_iam::types::AttachedPolicy]) -> Value {
    policies
        .iter()
        .map(|policy| json!({"PolicyName": policy.policy_name(), "PolicyArn": policy.policy_arn()}))
        .collect()
}

fn tags(tags: &[aws_sdk_iam::types::Tag]) -> Value {
    tags.iter()
        .map(|tag| json!({"Key": tag.key(), "Value": tag.value()}))
        .collect()
}

fn boundary(boundary: Option<&aws_sdk_iam::types::AttachedPermissionsBoundary>) -> Option<Value> {
    boundary.map(|boundary| {
        json!({"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": boundary.permissions_boundary_arn()})
    })
}

/// Writes the pages as `aws iam get-account-authorization-details` prints them: one merged
/// object with decoded policy documents.
fn authorization_dump(pages: &[GetAccountAuthorizationDetailsOutput]) -> Value {
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut roles = Vec::new();
    let mut policies = Vec::new();
    for page in pages {
        for user in page.user_detail_list() {
            let mut entry = json!({
                "Path": user.path(), "UserName": user.user_name(), "UserId": user.user_id(),
                "Arn": user.arn(), "CreateDate": date(user.create_date()),
                "UserPolicyList": inline(user.user_policy_list()), "GroupList": user.group_list(),
                "AttachedManagedPolicies": attached(user.attached_managed_policies()),
                "Tags": tags(user.tags()),
            });
            if let Some(boundary) = boundary(user.permissions_boundary()) {
                entry["PermissionsBoundary"] = boundary;
            }
            users.push(entry);
        }
        for group in page.group_detail_list() {
            groups.push(json!({
                "Path": group.path(), "GroupName": group.group_name(), "GroupId": group.group_id(),
                "Arn": group.arn(), "CreateDate": date(group.create_date()),
                "GroupPolicyList": inline(group.group_policy_list()),
                "AttachedManagedPolicies": attached(group.attached_managed_policies()),
            }));
        }
        for role in page.role_detail_list() {
            let mut entry = json!({
                "Path": role.path(), "RoleName": role.role_name(), "RoleId": role.role_id(),
                "Arn": role.arn(), "CreateDate": date(role.create_date()),
                "AssumeRolePolicyDocument": document(role.assume_role_policy_document().unwrap()),
                "InstanceProfileList": [], "RolePolicyList": inline(role.role_policy_list()),
                "AttachedManagedPolicies": attached(role.attached_managed_policies()),
                "Tags": tags(role.tags()),
            });
            if let Some(boundary) = boundary(role.permissions_boundary()) {
                entry["PermissionsBoundary"] = boundary;
            }
            if let Some(used) = role.role_last_used() {
                let mut last_used = json!({});
                if let Some(at) = used.last_used_date() {
                    last_used["LastUsedDate"] = date(Some(at));
                    last_used["Region"] = json!(used.region());
                }
                entry["RoleLastUsed"] = last_used;
            }
            roles.push(entry);
        }
        for policy in page.policies() {
            let versions: Vec<Value> = policy
                .policy_version_list()
                .iter()
                .map(|version| {
                    json!({
                        "Document": document(version.document().unwrap()),
                        "VersionId": version.version_id(),
                        "IsDefaultVersion": version.is_default_version(),
                        "CreateDate": date(version.create_date()),
                    })
                })
                .collect();
            policies.push(json!({
                "PolicyName": policy.policy_name(), "PolicyId": policy.policy_id(), "Arn": policy.arn(),
                "Path": policy.path(), "DefaultVersionId": policy.default_version_id(),
                "PolicyVersionList": versions,
            }));
        }
    }
    json!({"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies})
}

/// Reads the account-authorization dump and the credential report from moto through the SDK
/// and writes them to `folder` in the shape of the AWS CLI's output.
async fn export_estate(moto: &Moto, folder: &Path) {
    let iam = aws_sdk_iam::Client::new(&support::sdk_config(&moto.endpoint()).await);
    let mut pages = Vec::new();
    let mut marker = None;
    loop {
        let page = iam
            .get_account_authorization_details()
            .set_marker(marker.take())
            .send()
            .await
            .unwrap();
        let next = page
            .marker()
            .filter(|_| page.is_truncated())
            .map(str::to_owned);
        pages.push(page);
        match next {
            Some(next) => marker = Some(next),
            None => break,
        }
    }
    let dump = authorization_dump(&pages);
    std::fs::write(
        folder.join("account-authorization.json"),
        serde_json::to_vec_pretty(&dump).unwrap(),
    )
    .unwrap();

    while iam
        .generate_credential_report()
        .send()
        .await
        .unwrap()
        .state()
        != Some(&aws_sdk_iam::types::ReportStateType::Complete)
    {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let report = iam.get_credential_report().send().await.unwrap();
    let content =
        base64::engine::general_purpose::STANDARD.encode(report.content().unwrap().as_ref());
    let file = json!({
        "Content": content,
        "ReportFormat": "text/csv",
        "GeneratedTime": date(report.generated_time()),
    });
    std::fs::write(
        folder.join("credential-report.json"),
        serde_json::to_vec_pretty(&file).unwrap(),
    )
    .unwrap();
}

/// Removes what only the live scan has or what differs by design between the two reports:
/// the sources and call statistics; the coverage of permission boundaries, which an export
/// may omit, so the import leaves them unverified and notes that in admin findings; the
/// coverage of permission usage, which neither moto nor exports provide, for different
/// stated reasons; and the notes about identity providers, which exports do not list.
fn comparable(mut report: Value) -> Value {
    let object = report.as_object_mut().unwrap();
    object.remove("sources");
    object.remove("collection");
    for list in ["coverage", "unverified"] {
        object[list].as_array_mut().unwrap().retain(|entry| {
            !matches!(
                entry["kind"].as_str(),
                Some("permission-boundaries" | "permission-usage")
            )
        });
    }
    object["notes"].as_array_mut().unwrap().retain(|note| {
        !note["message"]
            .as_str()
            .unwrap()
            .contains("names the identity provider")
    });
    object["summary"]
        .as_object_mut()
        .unwrap()
        .remove("complete");
    for finding in object["findings"].as_array_mut().unwrap() {
        if let Some(evidence) = finding["evidence"].as_array_mut() {
            evidence.retain(|line| {
                let line = line.as_str().unwrap();
                !(line.contains("boundary") && line.contains("not collected"))
            });
        }
    }
    report
}

#[test]
fn live_scan_matches_import_of_same_estate() {
    let Some(server) = moto_server("live_scan_matches_import_of_same_estate") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let exports = tempfile::tempdir().unwrap();
    let moto = Moto::start(&server);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seeded = runtime.block_on(async {
        let seeded =
            support::seed_estate(&support::sdk_config(&moto.endpoint()).await, ACCOUNT).await;
        export_estate(&moto, exports.path()).await;
        seeded
    });
    let now = later();

    let live = scan(
        home.path(),
        &[
            "--provider",
            "aws",
            "--endpoint-url",
            &moto.endpoint(),
            "--max-attempts",
            "2",
            "--now",
            &now,
        ],
    );
    let import = format!("aws={}", exports.path().display());
    let imported = scan(home.path(), &["--import", &import, "--now", &now]);

    // The live scan names access keys by their ids, which the credential report lacks; the
    // import names them by report slot. Everything else must be equal.
    let mut live_text = serde_json::to_string_pretty(&comparable(live.report.clone())).unwrap();
    for (slot, key) in seeded.ci_bot_keys.iter().enumerate() {
        live_text = live_text.replace(
            key.as_str(),
            &format!("aws:{ACCOUNT}:user:ci-bot:aws-access-key:{}", slot + 1),
        );
    }
    let imported_text = serde_json::to_string_pretty(&comparable(imported.report.clone())).unwrap();
    if live_text != imported_text {
        let diff = similar::TextDiff::from_lines(&imported_text, &live_text)
            .unified_diff()
            .header("import", "live")
            .to_string();
        panic!("the live scan and the import differ:\n{diff}");
    }
    assert_eq!(live.code, imported.code);

    let status = |report: &Value, kind: &str| -> String {
        report["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["kind"] == kind)
            .map(|entry| entry["status"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(status(&live.report, "permission-boundaries"), "complete");
    assert_eq!(status(&imported.report, "permission-boundaries"), "partial");
    assert_eq!(status(&live.report, "permission-usage"), "partial");
    assert_eq!(status(&imported.report, "permission-usage"), "partial");
}
