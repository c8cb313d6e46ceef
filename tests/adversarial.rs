//! End-to-end tests of `roster scan` and `roster check` on malformed, odd or hostile input:
//! each test writes its own files into a temporary folder and asserts the exit code, what
//! stdout carries and what the error on stderr names.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

const NOW: &str = "2026-06-01T00:00:00Z";
const ACCOUNT: &str = "111122223333";

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

/// The result of one run: exit code, stdout, stderr.
struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn report(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|error| {
            panic!(
                "stdout is not a JSON report ({error}); stderr: {}",
                self.stderr
            )
        })
    }

    fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked at"),
            "the command panicked: {}",
            self.stderr
        );
        assert_ne!(self.code, Some(101), "stderr: {}", self.stderr);
    }
}

fn run(command: &mut Command) -> Run {
    let output = command.output().unwrap();
    let run = Run {
        code: output.status.code(),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    run.assert_no_panic();
    run
}

/// Scans the given `--import aws=PATH` values with a fixed `now` and JSON output.
fn scan(imports: &[&Path], extra: &[&str]) -> Run {
    let mut command = roster();
    command.args(["scan", "--now", NOW, "--format", "json"]);
    for path in imports {
        command
            .arg("--import")
            .arg(format!("aws={}", path.display()));
    }
    command.args(extra);
    run(&mut command)
}

fn write(folder: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Returns a small account-authorization dump: one user with an inline policy, one role.
fn dump() -> Value {
    json!({
        "UserDetailList": [{
            "Path": "/",
            "UserName": "ci",
            "UserId": "AIDAEXAMPLEUSERAAAAA",
            "Arn": format!("arn:aws:iam::{ACCOUNT}:user/ci"),
            "CreateDate": "2024-01-01T00:00:00Z",
            "GroupList": [],
            "UserPolicyList": [{
                "PolicyName": "read",
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
                ]}
            }],
            "AttachedManagedPolicies": [],
            "Tags": [{"Key": "owner", "Value": "platform"}]
        }],
        "GroupDetailList": [],
        "RoleDetailList": [{
            "Path": "/",
            "RoleName": "deploy",
            "RoleId": "AROAEXAMPLEROLEAAAAAA",
            "Arn": format!("arn:aws:iam::{ACCOUNT}:role/deploy"),
            "CreateDate": "2024-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ]},
            "InstanceProfileList": [],
            "RolePolicyList": [],
            "AttachedManagedPolicies": [],
            "Tags": [{"Key": "owner", "Value": "platform"}],
            "RoleLastUsed": {"LastUsedDate": "2026-05-30T00:00:00Z", "Region": "us-east-1"}
        }],
        "Policies": []
    })
}

/// A roster that declares the dump's two identities and one role that does not exist.
const ROSTER_WITH_ABSENT_ROLE: &str = r##"version: 1
owners:
  platform:
    contact: "#platform"
environments:
  prod:
    aws:
      accounts: ["111122223333"]
identities:
  - id: aws:111122223333:user:ci
    owner: platform
  - id: aws:111122223333:role:deploy
    owner: platform
  - id: aws:111122223333:role:absent
    owner: platform
"##;

fn rules(report: &Value) -> Vec<(String, String)> {
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

#[test]
fn dump_with_byte_order_mark_is_read() {
    let folder = tempfile::tempdir().unwrap();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(serde_json::to_vec(&dump()).unwrap());
    let path = write(folder.path(), "dump.json", bytes);

    let run = scan(&[&path], &["--allow-incomplete"]);

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.report()["summary"]["identities"], 2);
}

#[test]
fn report_json_with_bom_is_read() {
    let folder = tempfile::tempdir().unwrap();
    let csv = "user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date\n\
               ci,arn:aws:iam::111122223333:user/ci,2024-01-01T00:00:00+00:00,false,N/A,false,false,N/A,N/A,false,N/A,N/A\n";
    use base64::Engine as _;
    let content = base64::engine::general_purpose::STANDARD.encode(csv);
    let envelope = json!({"Content": content, "ReportFormat": "text/csv", "GeneratedTime": "2026-05-31T00:00:00Z"});
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(serde_json::to_vec(&envelope).unwrap());
    let report = write(folder.path(), "report.json", bytes);
    let dump = write(folder.path(), "dump.json", dump().to_string());

    let run = scan(&[&dump, &report], &["--allow-incomplete"]);

    assert_ne!(run.code, Some(2), "stderr: {}", run.stderr);
    let report = run.report();
    let unverified: Vec<&str> = report["unverified"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|entry| entry["kind"].as_str())
        .collect();
    assert!(!unverified.contains(&"credentials"), "{unverified:?}");
}

#[test]
fn utf16_dump_error_names_encoding_and_fix() {
    let folder = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in dump().to_string().encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    let path = write(folder.path(), "dump.json", bytes);

    let run = scan(&[&path], &[]);

    assert_eq!(run.code, Some(2));
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("dump.json"), "{}", run.stderr);
    assert!(run.stderr.contains("UTF-16"), "{}", run.stderr);
    assert!(run.stderr.contains("iconv"), "{}", run.stderr);
}

#[test]
fn dump_cut_by_max_items_is_unverified() {
    let folder = tempfile::tempdir().unwrap();
    let mut first_page = dump();
    first_page["NextToken"] = json!("eyJNYXJrZXIiOiAibTEifQ==");
    let path = write(folder.path(), "dump.json", first_page.to_string());
    let roster_file = write(folder.path(), "roster.yaml", ROSTER_WITH_ABSENT_ROLE);

    let run = scan(&[&path], &["--roster", roster_file.to_str().unwrap()]);

    assert_eq!(run.code, Some(3), "stderr: {}", run.stderr);
    let report = run.report();
    let findings = rules(&report);
    assert!(
        !findings.iter().any(|(rule, _)| rule == "missing-identity"),
        "a dump that stops at a NextToken cannot prove an identity missing: {findings:?}"
    );
    assert!(report.to_string().contains("NextToken"), "{report}");
}

#[test]
fn role_last_used_array_is_an_error() {
    let folder = tempfile::tempdir().unwrap();
    let mut value = dump();
    value["RoleDetailList"][0]["RoleLastUsed"] = json!([]);
    let path = write(folder.path(), "dump.json", value.to_string());

    let run = scan(&[&path], &[]);

    assert_eq!(
        run.code,
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&run.stdout)
    );
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("dump.json:"), "{}", run.stderr);
    assert!(run.stderr.contains("expected an object"), "{}", run.stderr);
}

#[test]
fn invalid_policy_document_is_reported() {
    let folder = tempfile::tempdir().unwrap();
    let mut value = dump();
    value["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"] = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": 7}]});
    let path = write(folder.path(), "dump.json", value.to_string());

    let run = scan(&[&path], &[]);

    assert_eq!(run.code, Some(3), "stderr: {}", run.stderr);
    let report = run.report();
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("inline:aws:111122223333:user:ci:read"),
        "the unreadable policy must be named: {notes}"
    );
    assert!(notes.contains("invalid document"), "{notes}");
    let grants_unverified = report["unverified"]
        .as_array()
        .unwrap()
        .iter()
        .any(|entry| entry["kind"] == "grants");
    assert!(grants_unverified, "{}", report["unverified"]);
}

fn with_trusted(principal: Value) -> Value {
    let mut value = dump();
    value["RoleDetailList"][0]["AssumeRolePolicyDocument"] = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]
    });
    value
}

#[test]
fn trust_to_foreign_session_is_external() {
    let folder = tempfile::tempdir().unwrap();
    let session = "arn:aws:sts::444455556666:assumed-role/vendor-admin/alice";
    let path = write(
        folder.path(),
        "dump.json",
        with_trusted(json!({"AWS": session})).to_string(),
    );

    let run = scan(&[&path], &[]);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let findings = rules(&run.report());
    assert!(
        findings.contains(&(
            "external-trust".to_owned(),
            "aws:111122223333:role:deploy".to_owned()
        )),
        "{findings:?}"
    );
}

#[test]
fn principal_of_wrong_type_is_named() {
    let folder = tempfile::tempdir().unwrap();
    let path = write(
        folder.path(),
        "dump.json",
        with_trusted(json!(["*"])).to_string(),
    );

    let run = scan(&[&path], &[]);

    assert_eq!(run.code, Some(2));
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("dump.json"), "{}", run.stderr);
    assert!(run.stderr.contains("`deploy`"), "{}", run.stderr);
    assert!(
        run.stderr.contains("`Principal` holds an array"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("untagged"), "{}", run.stderr);
}

/// Returns an account-authorization dump of the default account with the given lists.
fn authorization(users: Vec<Value>, roles: Vec<Value>, groups: Vec<Value>) -> Value {
    json!({
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": []
    })
}

/// Returns a user of `account` with one inline policy of the statements.
fn iam_user(account: &str, name: &str, statements: Value, groups: &[&str]) -> Value {
    json!({
        "Path": "/",
        "UserName": name,
        "UserId": format!("AIDA{}", name.to_uppercase()),
        "Arn": format!("arn:aws:iam::{account}:user/{name}"),
        "CreateDate": "2024-01-01T00:00:00Z",
        "GroupList": groups,
        "UserPolicyList": [{
            "PolicyName": format!("{name}-inline"),
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}
        }],
        "AttachedManagedPolicies": [],
        "Tags": [{"Key": "owner", "Value": "platform"}]
    })
}

/// Returns a group of `ACCOUNT` with an inline policy of the statements, when there are
/// any, and the managed policies attached by ARN.
fn iam_group(name: &str, statements: Value, attached_arns: &[&str]) -> Value {
    let inline = if statements.as_array().is_some_and(Vec::is_empty) {
        json!([])
    } else {
        json!([{
            "PolicyName": format!("{name}-inline"),
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}
        }])
    };
    let attached: Vec<Value> = attached_arns
        .iter()
        .map(|arn| json!({"PolicyName": arn.rsplit('/').next(), "PolicyArn": arn}))
        .collect();
    json!({
        "Path": "/",
        "GroupName": name,
        "GroupId": format!("AGPA{}", name.to_uppercase()),
        "Arn": format!("arn:aws:iam::{ACCOUNT}:group/{name}"),
        "CreateDate": "2024-01-01T00:00:00Z",
        "GroupPolicyList": inline,
        "AttachedManagedPolicies": attached
    })
}

/// Returns a role of `account` with a trust policy and one inline policy.
fn iam_role(account: &str, name: &str, trust: Value, statements: Value) -> Value {
    json!({
        "Path": "/",
        "RoleName": name,
        "RoleId": format!("AROA{}", name.to_uppercase()),
        "Arn": format!("arn:aws:iam::{account}:role/{name}"),
        "CreateDate": "2024-01-01T00:00:00Z",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": trust},
        "InstanceProfileList": [],
        "RolePolicyList": [{
            "PolicyName": format!("{name}-inline"),
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}
        }],
        "AttachedManagedPolicies": [],
        "Tags": [{"Key": "owner", "Value": "platform"}],
        "RoleLastUsed": {"LastUsedDate": "2026-05-30T00:00:00Z", "Region": "us-east-1"}
    })
}

/// Returns a trust policy that lets a service assume the role.
fn trusting_service(service: &str) -> Value {
    json!([{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}])
}

/// Returns a role that Lambda may run as, with every right.
fn lambda_admin() -> Value {
    iam_role(
        ACCOUNT,
        "lambda-admin",
        trusting_service("lambda.amazonaws.com"),
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    )
}

/// Scans the dumps and returns the `privilege-escalation-path` findings by subject, each with
/// its evidence lines.
fn escalations(dumps: &[Value]) -> Vec<(String, Vec<String>)> {
    let folder = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = dumps
        .iter()
        .enumerate()
        .map(|(index, dump)| {
            write(
                folder.path(),
                &format!("dump-{index}.json"),
                dump.to_string(),
            )
        })
        .collect();
    let imports: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();

    let run = scan(&imports, &["--allow-incomplete"]);

    assert_ne!(run.code, Some(2), "stderr: {}", run.stderr);
    run.report()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "privilege-escalation-path")
        .map(|finding| {
            let evidence = finding["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|line| line.as_str().unwrap().to_owned())
                .collect();
            (finding["subject"].as_str().unwrap().to_owned(), evidence)
        })
        .collect()
}

#[test]
fn pass_role_needs_role_trusting_same_service() {
    let launcher = iam_user(
        ACCOUNT,
        "launcher",
        json!([{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}]),
        &[],
    );

    let findings = escalations(&[authorization(vec![launcher], vec![lambda_admin()], vec![])]);

    assert!(
        findings.is_empty(),
        "a role that trusts only Lambda cannot be passed to EC2: {findings:?}"
    );
}

#[test]
fn pass_role_denied_on_admin_role_is_quiet() {
    let deployer = iam_user(
        ACCOUNT,
        "deployer",
        json!([
            {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:PassRole",
             "Resource": format!("arn:aws:iam::{ACCOUNT}:role/lambda-admin")}
        ]),
        &[],
    );

    let findings = escalations(&[authorization(vec![deployer], vec![lambda_admin()], vec![])]);

    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn pass_role_condition_is_read_per_grant() {
    let deployer = iam_user(
        ACCOUNT,
        "deployer",
        json!([
            {"Effect": "Allow", "Action": "iam:PassRole",
             "Resource": format!("arn:aws:iam::{ACCOUNT}:role/lambda-admin"),
             "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
            {"Effect": "Allow", "Action": "iam:PassRole",
             "Resource": format!("arn:aws:iam::{ACCOUNT}:role/fn-*")},
            {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"}
        ]),
        &[],
    );

    let findings = escalations(&[authorization(vec![deployer], vec![lambda_admin()], vec![])]);

    assert!(
        findings.is_empty(),
        "the admin role may be passed to ECS only, and no ECS action is granted: {findings:?}"
    );
}

#[test]
fn boundary_limiting_pass_role_is_quiet() {
    let mut deployer = iam_user(
        ACCOUNT,
        "deployer",
        json!([{"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction"], "Resource": "*"}]),
        &[],
    );
    let boundary_arn = format!("arn:aws:iam::{ACCOUNT}:policy/deploy-boundary");
    deployer["PermissionsBoundary"] = json!({
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": boundary_arn
    });
    let mut dump = authorization(vec![deployer], vec![lambda_admin()], vec![]);
    dump["Policies"] = json!([{
        "PolicyName": "deploy-boundary",
        "PolicyId": "ANPADEPLOYBOUNDARY",
        "Arn": boundary_arn,
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": 0,
        "PermissionsBoundaryUsageCount": 1,
        "IsAttachable": true,
        "CreateDate": "2024-01-01T00:00:00Z",
        "UpdateDate": "2024-01-01T00:00:00Z",
        "PolicyVersionList": [{
            "Document": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "iam:PassRole",
                 "Resource": format!("arn:aws:iam::{ACCOUNT}:role/fn-*")},
                {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}
            ]},
            "VersionId": "v1",
            "IsDefaultVersion": true,
            "CreateDate": "2024-01-01T00:00:00Z"
        }]
    }]);

    let findings = escalations(&[dump]);

    assert!(
        findings.is_empty(),
        "the boundary lets only `fn-*` roles be passed: {findings:?}"
    );
}

const OTHER_ACCOUNT: &str = "444455556666";

/// Returns a trust policy that lets the principal ARN assume the role.
fn trusting(principal: &str) -> Value {
    json!([{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}])
}

/// Returns a role of the other account, with every right, that trusts the principal ARN.
fn other_account_admin(principal: &str) -> Value {
    iam_role(
        OTHER_ACCOUNT,
        "org-admin",
        trusting(principal),
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    )
}

#[test]
fn chain_across_accounts_needs_assume_grant() {
    let runner = iam_user(
        ACCOUNT,
        "ci-runner",
        json!([{"Effect": "Allow", "Action": "sts:AssumeRole",
                "Resource": format!("arn:aws:iam::{ACCOUNT}:role/build")}]),
        &[],
    );
    let hop_with_grant = iam_role(
        ACCOUNT,
        "build",
        trusting(&format!("arn:aws:iam::{ACCOUNT}:user/ci-runner")),
        json!([{"Effect": "Allow", "Action": "sts:AssumeRole",
                "Resource": format!("arn:aws:iam::{OTHER_ACCOUNT}:role/org-admin")}]),
    );
    let hop_without_grant = iam_role(
        ACCOUNT,
        "build",
        trusting(&format!("arn:aws:iam::{ACCOUNT}:user/ci-runner")),
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]),
    );
    let admin = other_account_admin(&format!("arn:aws:iam::{ACCOUNT}:role/build"));
    let other = authorization(vec![], vec![admin], vec![]);

    let granted = escalations(&[
        authorization(vec![runner.clone()], vec![hop_with_grant], vec![]),
        other.clone(),
    ]);
    let not_granted = escalations(&[
        authorization(vec![runner], vec![hop_without_grant], vec![]),
        other,
    ]);

    let subjects: Vec<&str> = granted
        .iter()
        .map(|(subject, _)| subject.as_str())
        .collect();
    assert_eq!(
        subjects,
        [
            "aws:111122223333:role:build",
            "aws:111122223333:user:ci-runner"
        ]
    );
    let chain = &granted[1].1[0];
    assert!(
        chain.contains("`arn:aws:iam::111122223333:role/build` assumes `arn:aws:iam::444455556666:role/org-admin`"),
        "{chain}"
    );
    assert!(
        chain.contains("role/build` (named in the trust policy of `build`)"),
        "{chain}"
    );
    assert!(
        chain.contains("role/org-admin` (allowed by policy `build-inline` statement 0)"),
        "{chain}"
    );
    assert!(
        not_granted.is_empty(),
        "across accounts the role's own policies must allow the call: {not_granted:?}"
    );
}

#[test]
fn assume_role_denied_by_own_policy_is_quiet() {
    let denied_across = iam_user(
        ACCOUNT,
        "ci-runner",
        json!([
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
            {"Effect": "Deny", "Action": "sts:AssumeRole",
             "Resource": format!("arn:aws:iam::{OTHER_ACCOUNT}:role/*")}
        ]),
        &[],
    );
    let admin = other_account_admin(&format!("arn:aws:iam::{ACCOUNT}:root"));
    let denied_within = iam_user(
        ACCOUNT,
        "ci-runner",
        json!([{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]),
        &[],
    );
    let local_admin = iam_role(
        ACCOUNT,
        "local-admin",
        trusting(&format!("arn:aws:iam::{ACCOUNT}:user/ci-runner")),
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    );

    let across = escalations(&[
        authorization(vec![denied_across], vec![], vec![]),
        authorization(vec![], vec![admin], vec![]),
    ]);
    let within = escalations(&[authorization(
        vec![denied_within],
        vec![local_admin],
        vec![],
    )]);

    assert!(across.is_empty(), "{across:?}");
    assert!(
        within.is_empty(),
        "an explicit Deny wins over a trust policy that names the user: {within:?}"
    );
}

#[test]
fn access_key_pattern_around_username_is_flagged() {
    for (pattern, flagged) in [
        ("user/${aws:username}", false),
        ("user/${aws:username}*", true),
        ("user/svc-${aws:username}", true),
        ("user/*", true),
    ] {
        let rotator = iam_user(
            ACCOUNT,
            "rotator",
            json!([{"Effect": "Allow", "Action": "iam:CreateAccessKey",
                    "Resource": format!("arn:aws:iam::{ACCOUNT}:{pattern}")}]),
            &[],
        );
        let admins = ["rotator-admin", "svc-rotator"].map(|name| {
            iam_user(
                ACCOUNT,
                name,
                json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
                &[],
            )
        });
        let mut users = vec![rotator];
        users.extend(admins);

        let findings = escalations(&[authorization(users, vec![], vec![])]);

        assert_eq!(!findings.is_empty(), flagged, "{pattern}: {findings:?}");
    }
}

#[test]
fn group_path_names_group_in_each_member() {
    let deployers = json!({
        "Path": "/",
        "GroupName": "deployers",
        "GroupId": "AGPADEPLOYERS",
        "Arn": format!("arn:aws:iam::{ACCOUNT}:group/deployers"),
        "CreateDate": "2024-01-01T00:00:00Z",
        "GroupPolicyList": [{
            "PolicyName": "deploy-functions",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Deploy", "Effect": "Allow",
                 "Action": ["iam:PassRole", "lambda:CreateFunction"], "Resource": "*"},
                {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*",
                 "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
            ]}
        }],
        "AttachedManagedPolicies": []
    });
    let members = ["alice", "bob"].map(|name| iam_user(ACCOUNT, name, json!([]), &["deployers"]));
    let outsider = iam_user(ACCOUNT, "carol", json!([]), &[]);
    let mut users = members.to_vec();
    users.push(outsider);

    let findings = escalations(&[authorization(users, vec![lambda_admin()], vec![deployers])]);

    let subjects: Vec<&str> = findings
        .iter()
        .map(|(subject, _)| subject.as_str())
        .collect();
    assert_eq!(
        subjects,
        ["aws:111122223333:user:alice", "aws:111122223333:user:bob"]
    );
    for (subject, evidence) in &findings {
        let line = &evidence[0];
        assert!(
            line.contains(
                "`iam:PassRole` on `*` (policy `deploy-functions` statement 0 (`Deploy`) \
                 through group `aws:111122223333:group:deployers`)"
            ),
            "{subject}: {line}"
        );
        assert!(
            line.contains("(unless Bool aws:MultiFactorAuthPresent `false`"),
            "{subject}: {line}"
        );
        assert!(!line.contains("only unless"), "{subject}: {line}");
    }
}

#[test]
fn passed_to_service_set_operators_are_read() {
    for (operator, services, flagged) in [
        (
            "ForAnyValue:StringEquals",
            json!("ecs-tasks.amazonaws.com"),
            false,
        ),
        (
            "ForAllValues:StringEquals",
            json!(["ecs-tasks.amazonaws.com", "glue.amazonaws.com"]),
            false,
        ),
        (
            "ForAllValues:StringNotEquals",
            json!("lambda.amazonaws.com"),
            false,
        ),
        ("ForAnyValue:StringLike", json!("lambda.*"), true),
    ] {
        let deployer = iam_user(
            ACCOUNT,
            "deployer",
            json!([
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                 "Condition": {operator: {"iam:PassedToService": services}}},
                {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"}
            ]),
            &[],
        );

        let findings = escalations(&[authorization(vec![deployer], vec![lambda_admin()], vec![])]);

        assert_eq!(!findings.is_empty(), flagged, "{operator}: {findings:?}");
    }
}

#[test]
fn chain_longer_than_five_hops_is_flagged() {
    let runner = iam_user(
        ACCOUNT,
        "ci-runner",
        json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]),
        &[],
    );
    let mut roles = Vec::new();
    let mut previous = format!("arn:aws:iam::{ACCOUNT}:user/ci-runner");
    for hop in 1..=6 {
        let name = format!("hop-{hop}");
        roles.push(iam_role(
            ACCOUNT,
            &name,
            trusting(&previous),
            json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]),
        ));
        previous = format!("arn:aws:iam::{ACCOUNT}:role/{name}");
    }
    roles.push(iam_role(
        ACCOUNT,
        "platform-admin",
        trusting(&previous),
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    ));

    let findings = escalations(&[authorization(vec![runner], roles, vec![])]);

    let runner_finding = findings
        .iter()
        .find(|(subject, _)| subject == "aws:111122223333:user:ci-runner");
    let Some((_, evidence)) = runner_finding else {
        panic!("a seven-hop chain to an admin role must be reported: {findings:?}");
    };
    assert_eq!(
        evidence[0].matches(" assumes ").count(),
        7,
        "{}",
        evidence[0]
    );
}

#[test]
fn chain_through_trust_cycle_is_flagged_once() {
    let runner = iam_user(
        ACCOUNT,
        "ci-runner",
        json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]),
        &[],
    );
    let assume_any = json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]);
    let first = iam_role(
        ACCOUNT,
        "first",
        json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": [
            format!("arn:aws:iam::{ACCOUNT}:user/ci-runner"),
            format!("arn:aws:iam::{ACCOUNT}:role/second")
        ]}}]),
        assume_any.clone(),
    );
    let second = iam_role(
        ACCOUNT,
        "second",
        trusting(&format!("arn:aws:iam::{ACCOUNT}:role/first")),
        assume_any,
    );
    let admin = iam_role(
        ACCOUNT,
        "platform-admin",
        trusting(&format!("arn:aws:iam::{ACCOUNT}:role/second")),
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    );

    let findings = escalations(&[authorization(
        vec![runner],
        vec![first, second, admin],
        vec![],
    )]);

    let subjects: Vec<&str> = findings
        .iter()
        .map(|(subject, _)| subject.as_str())
        .collect();
    assert_eq!(
        subjects,
        [
            "aws:111122223333:role:first",
            "aws:111122223333:role:second",
            "aws:111122223333:user:ci-runner"
        ]
    );
    let runner_evidence = &findings[2].1;
    assert_eq!(runner_evidence.len(), 1, "{runner_evidence:?}");
    assert_eq!(runner_evidence[0].matches(" assumes ").count(), 3);
}

#[test]
fn policy_on_own_group_is_flagged() {
    let developers = json!({
        "Path": "/teams/",
        "GroupName": "developers",
        "GroupId": "AGPADEVELOPERS",
        "Arn": format!("arn:aws:iam::{ACCOUNT}:group/teams/developers"),
        "CreateDate": "2024-01-01T00:00:00Z",
        "GroupPolicyList": [],
        "AttachedManagedPolicies": []
    });
    for (group_pattern, flagged) in [
        ("group/teams/developers", true),
        ("group/teams/dev*", true),
        ("group/teams/operators", false),
    ] {
        let member = iam_user(
            ACCOUNT,
            "dana",
            json!([{"Effect": "Allow", "Action": "iam:PutGroupPolicy",
                    "Resource": format!("arn:aws:iam::{ACCOUNT}:{group_pattern}")}]),
            &["developers"],
        );

        let findings = escalations(&[authorization(
            vec![member],
            vec![],
            vec![developers.clone()],
        )]);

        assert_eq!(
            !findings.is_empty(),
            flagged,
            "{group_pattern}: {findings:?}"
        );
    }
}

#[test]
fn trust_condition_on_principal_arn_is_read() {
    for (operator, pattern, flagged) in [
        ("ArnLike", "role/deploy-*", false),
        ("ArnLike", "user/ci-*", true),
        ("ArnNotLike", "user/*", false),
        ("StringEquals", "user/ci-runner", true),
    ] {
        let runner = iam_user(
            ACCOUNT,
            "ci-runner",
            json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]),
            &[],
        );
        let admin = iam_role(
            ACCOUNT,
            "platform-admin",
            json!([{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                    "Action": "sts:AssumeRole",
                    "Condition": {operator: {"aws:PrincipalArn": format!("arn:aws:iam::{ACCOUNT}:{pattern}")}}}]),
            json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
        );

        let findings = escalations(&[authorization(vec![runner], vec![admin], vec![])]);

        assert_eq!(
            !findings.is_empty(),
            flagged,
            "{operator} {pattern}: {findings:?}"
        );
    }
}

#[test]
fn unconditional_chain_wins_over_shorter_conditional() {
    let runner = iam_user(ACCOUNT, "ci-runner", json!([]), &[]);
    let runner_arn = format!("arn:aws:iam::{ACCOUNT}:user/ci-runner");
    let hop = iam_role(
        ACCOUNT,
        "build",
        trusting(&runner_arn),
        json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]),
    );
    let admin = iam_role(
        ACCOUNT,
        "platform-admin",
        json!([
            {"Effect": "Allow", "Principal": {"AWS": runner_arn}, "Action": "sts:AssumeRole",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
            {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/build")},
             "Action": "sts:AssumeRole"}
        ]),
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    );

    let findings = escalations(&[authorization(vec![runner], vec![hop, admin], vec![])]);

    let Some((_, evidence)) = findings
        .iter()
        .find(|(subject, _)| subject == "aws:111122223333:user:ci-runner")
    else {
        panic!("{findings:?}");
    };
    assert_eq!(evidence.len(), 1, "{evidence:?}");
    assert!(evidence[0].contains("role/build"), "{}", evidence[0]);
    assert!(
        !evidence[0].contains("MultiFactorAuthPresent"),
        "the chain through `build` needs no MFA: {}",
        evidence[0]
    );
}

#[test]
fn trust_rewrite_needs_stronger_role() {
    let app_role = iam_role(
        ACCOUNT,
        "app-reader",
        trusting_service("ec2.amazonaws.com"),
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]),
    );
    for (resource, flagged) in [
        (format!("arn:aws:iam::{ACCOUNT}:role/app-*"), false),
        ("*".to_owned(), true),
    ] {
        let operator = iam_user(
            ACCOUNT,
            "app-operator",
            json!([
                {"Effect": "Allow", "Action": "iam:UpdateAssumeRolePolicy", "Resource": resource},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
            ]),
            &[],
        );

        let findings = escalations(&[authorization(
            vec![operator],
            vec![app_role.clone(), lambda_admin()],
            vec![],
        )]);

        assert_eq!(!findings.is_empty(), flagged, "{resource}: {findings:?}");
        if flagged {
            let line = &findings[0].1[0];
            assert!(
                line.ends_with(
                    "roles whose trust policy it can rewrite that hold more rights: \
                     `lambda-admin` (admin-equivalent)"
                ),
                "{line}"
            );
        }
    }
}

#[test]
fn joining_group_needs_stronger_group() {
    let group = |name: &str, action: &str| {
        iam_group(
            name,
            json!([{"Effect": "Allow", "Action": action, "Resource": "*"}]),
            &[],
        )
    };
    for (resource, expected) in [
        ("group/readers", None),
        (
            "group/*",
            Some("groups it can join that grant more: `admins`"),
        ),
    ] {
        let onboarding = iam_user(
            ACCOUNT,
            "onboarding-bot",
            json!([
                {"Effect": "Allow", "Action": "iam:AddUserToGroup",
                 "Resource": format!("arn:aws:iam::{ACCOUNT}:{resource}")},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
            ]),
            &[],
        );

        let findings = escalations(&[authorization(
            vec![onboarding],
            vec![],
            vec![group("readers", "s3:GetObject"), group("admins", "*")],
        )]);

        match expected {
            None => assert!(findings.is_empty(), "{resource}: {findings:?}"),
            Some(step) => {
                assert_eq!(findings.len(), 1, "{resource}: {findings:?}");
                assert!(findings[0].1[0].ends_with(step), "{}", findings[0].1[0]);
            }
        }
    }
}

#[test]
fn joining_group_with_unknown_policy_counts() {
    let readers = iam_group(
        "readers",
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]),
        &[],
    );
    let missing_policy = format!("arn:aws:iam::{ACCOUNT}:policy/not-in-dump");
    let unknown = iam_group("contractors", json!([]), &[missing_policy.as_str()]);
    let onboarding = iam_user(
        ACCOUNT,
        "onboarding-bot",
        json!([
            {"Effect": "Allow", "Action": "iam:AddUserToGroup",
             "Resource": format!("arn:aws:iam::{ACCOUNT}:group/*")},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        ]),
        &[],
    );

    let findings = escalations(&[authorization(
        vec![onboarding],
        vec![],
        vec![readers, unknown],
    )]);

    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].1[0].ends_with("groups it can join that grant more: `contractors`"),
        "a group whose policy is missing may grant anything: {}",
        findings[0].1[0]
    );
}

#[test]
fn access_keys_for_weaker_users_are_quiet() {
    let helpdesk = iam_user(
        ACCOUNT,
        "helpdesk",
        json!([{"Effect": "Allow", "Action": ["iam:CreateAccessKey", "s3:GetObject"],
                "Resource": format!("arn:aws:iam::{ACCOUNT}:user/svc-*")}]),
        &[],
    );
    let reader = iam_user(
        ACCOUNT,
        "svc-reader",
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]),
        &[],
    );
    let admin = iam_user(
        ACCOUNT,
        "admin",
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
        &[],
    );

    let findings = escalations(&[authorization(vec![helpdesk, reader, admin], vec![], vec![])]);

    assert!(
        findings.is_empty(),
        "`svc-*` reaches only `svc-reader`, which holds nothing more: {findings:?}"
    );
}

#[test]
fn pass_role_service_limit_outside_grant_is_read() {
    let boundary_arn = format!("arn:aws:iam::{ACCOUNT}:policy/ecs-only");
    let mut bounded = iam_user(
        ACCOUNT,
        "bounded",
        json!([{"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction"], "Resource": "*"}]),
        &[],
    );
    bounded["PermissionsBoundary"] = json!({
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": boundary_arn
    });
    let guarded = iam_user(
        ACCOUNT,
        "guarded",
        json!([
            {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*",
             "Condition": {"StringNotEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}
        ]),
        &[],
    );
    let mut dump = authorization(vec![bounded, guarded], vec![lambda_admin()], vec![]);
    dump["Policies"] = json!([{
        "PolicyName": "ecs-only",
        "PolicyId": "ANPAECSONLY",
        "Arn": boundary_arn,
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": 0,
        "PermissionsBoundaryUsageCount": 1,
        "IsAttachable": true,
        "CreateDate": "2024-01-01T00:00:00Z",
        "UpdateDate": "2024-01-01T00:00:00Z",
        "PolicyVersionList": [{
            "Document": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                 "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
                {"Effect": "Allow", "Action": ["lambda:*", "ecs:*"], "Resource": "*"}
            ]},
            "VersionId": "v1",
            "IsDefaultVersion": true,
            "CreateDate": "2024-01-01T00:00:00Z"
        }]
    }]);

    let findings = escalations(&[dump]);

    assert!(
        findings.is_empty(),
        "the boundary and the Deny let roles go to ECS only: {findings:?}"
    );
}

#[test]
fn mfa_admin_with_path_without_mfa_is_flagged() {
    let mfa_admin = json!({"Effect": "Allow", "Action": "*", "Resource": "*",
                           "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}});
    let bypass = iam_user(
        ACCOUNT,
        "ops",
        json!([mfa_admin, {"Effect": "Allow",
                           "Action": ["iam:PassRole", "lambda:CreateFunction"], "Resource": "*"}]),
        &[],
    );
    let gated = iam_user(ACCOUNT, "ops-gated", json!([mfa_admin]), &[]);

    let findings = escalations(&[authorization(
        vec![bypass, gated],
        vec![lambda_admin()],
        vec![],
    )]);

    let subjects: Vec<&str> = findings
        .iter()
        .map(|(subject, _)| subject.as_str())
        .collect();
    assert_eq!(
        subjects,
        ["aws:111122223333:user:ops"],
        "only `ops` can reach admin rights without MFA: {findings:?}"
    );
}

#[test]
fn pass_role_step_cites_grant_of_named_role() {
    let deployer = iam_user(
        ACCOUNT,
        "deployer",
        json!([
            {"Effect": "Allow", "Action": "iam:PassRole",
             "Resource": format!("arn:aws:iam::{ACCOUNT}:role/fn-*")},
            {"Sid": "AdminWithMfa", "Effect": "Allow", "Action": "iam:PassRole",
             "Resource": format!("arn:aws:iam::{ACCOUNT}:role/lambda-admin"),
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
            {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"}
        ]),
        &[],
    );

    let findings = escalations(&[authorization(vec![deployer], vec![lambda_admin()], vec![])]);

    assert_eq!(findings.len(), 1, "{findings:?}");
    let line = &findings[0].1[0];
    assert!(
        line.contains("`iam:PassRole` on `arn:aws:iam::111122223333:role/lambda-admin` (policy `deployer-inline` statement 1 (`AdminWithMfa`))"),
        "{line}"
    );
    assert!(
        line.ends_with("(only if Bool aws:MultiFactorAuthPresent `true`)"),
        "{line}"
    );
}
