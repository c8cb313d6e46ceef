//! Benchmarks of the AWS policy engine: one decision, wildcard expansion, and effective access
//! of every principal of a large `GetAccountAuthorizationDetails` dump.
//!
//! The dump benchmarks read `$ROSTER_CORPUS_DIR/aws/cloudsplaining_example_gaad_large.json`
//! and the SCPs beside it; without the variable they are skipped with a message.
//! Run with `cargo bench -p roster-policy --bench aws`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/gaad.rs"]
mod gaad;

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use roster_policy::aws::{
    ActionPattern, ActionSet, BoundaryState, Grammar, NamedPolicy, PolicyDocument, PolicySet,
    Request, catalogue, effective_access, evaluate,
};
use serde_json::{Value, json};

fn policy(name: &str, statements: Value) -> NamedPolicy {
    let document = json!({"Version": "2012-10-17", "Statement": statements});
    NamedPolicy::new(
        name,
        PolicyDocument::from_value(&document, Grammar::Identity).unwrap(),
    )
}

/// Benchmarks a decision over a typical set: three identity policies (one with a conditional
/// Deny), a permission boundary, and two SCP levels.
fn decision(c: &mut Criterion) {
    let read = policy(
        "s3-read",
        json!([
            {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]}
        ]),
    );
    let deploy = policy(
        "deploy",
        json!([
            {"Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:Describe*", "iam:PassRole"], "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}},
            {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
        ]),
    );
    let logs = policy(
        "logs",
        json!([{"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:*:111122223333:*"}]),
    );
    let boundary = policy(
        "boundary",
        json!([{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]),
    );
    let full = policy(
        "FullAWSAccess",
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    );
    let region = policy(
        "region",
        json!([
            {"Effect": "Deny", "NotAction": ["iam:*", "sts:*", "organizations:*"], "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}}
        ]),
    );

    let mut set = PolicySet::new(vec![&read, &deploy, &logs]);
    set.boundary = BoundaryState::Policy(&boundary);
    set.scps = vec![vec![&full], vec![&full, &region]];
    let request = Request::new(
        "arn:aws:iam::111122223333:user/ci",
        "ec2:RunInstances",
        "arn:aws:ec2:eu-west-1:111122223333:instance/*",
    )
    .with_context("aws:RequestedRegion", "eu-west-1")
    .with_context("aws:MultiFactorAuthPresent", "true");
    assert!(evaluate(&set, &request).decision.is_allowed());

    c.bench_function("aws/decision", |b| {
        b.iter(|| evaluate(black_box(&set), black_box(&request)))
    });
}

fn expansion(c: &mut Criterion) {
    let get = ActionPattern::parse("s3:Get*").unwrap();
    let any_service = ActionPattern::parse("*:Describe*").unwrap();
    let read_only: Vec<ActionPattern> = [
        "ec2:Describe*",
        "s3:Get*",
        "s3:List*",
        "iam:Get*",
        "iam:List*",
        "logs:Describe*",
        "logs:Get*",
        "cloudwatch:Get*",
        "lambda:List*",
        "dynamodb:Describe*",
    ]
    .iter()
    .map(|text| ActionPattern::parse(text).unwrap())
    .collect();
    let _ = catalogue();

    c.bench_function("aws/expand s3:Get*", |b| {
        b.iter(|| catalogue().expand(black_box(&get)))
    });
    c.bench_function("aws/expand *:Describe*", |b| {
        b.iter(|| catalogue().expand(black_box(&any_service)))
    });
    c.bench_function("aws/action set of 10 patterns", |b| {
        b.iter(|| ActionSet::from_patterns(black_box(&read_only)))
    });
}

fn corpus_file(relative: &str) -> Option<PathBuf> {
    let root = std::env::var_os("ROSTER_CORPUS_DIR")?;
    Some(PathBuf::from(root).join(relative))
}

fn read_scp(name: &str) -> NamedPolicy {
    let path = corpus_file(&format!("aws/policies/{name}")).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    NamedPolicy::new(
        name,
        PolicyDocument::from_text(&text, Grammar::Identity).unwrap(),
    )
}

/// Benchmarks effective access of every principal of the large dump under two SCP levels.
/// The warm case reuses the parsed policies and their expanded action sets, as a scan reuses
/// managed policies across principals, over 1,000 principals taken in turn from the dump's
/// 122. The other cases time parsing the dump's documents alone, and parsing followed by
/// every principal once (cold).
fn large_dump(c: &mut Criterion) {
    let Some(path) = corpus_file("aws/cloudsplaining_example_gaad_large.json") else {
        eprintln!("skipped the large-dump benchmarks: ROSTER_CORPUS_DIR is not set");
        return;
    };
    let dump: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let full = policy(
        "FullAWSAccess",
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    );
    let region = read_scp(
        "scpexamples__Region-controls_Deny-access-to-AWS-based-on-the-requested-AWS-region.json",
    );
    let leave = read_scp(
        "scpexamples__Privileged-access-controls_Deny-member-accounts-from-leaving-your-AWS-organization.json",
    );
    let scps = vec![vec![&full], vec![&full, &region, &leave]];

    let loaded = gaad::load(&dump);
    let principals = loaded.principals.len();
    let compute = |gaad: &gaad::Gaad, count: usize| {
        let mut grants = 0;
        for principal in gaad.principals.iter().cycle().take(count) {
            let mut set = PolicySet::new(gaad.identity_policies(principal));
            set.boundary = match principal.boundary {
                Some(index) => BoundaryState::Policy(&gaad.policies[index]),
                None => BoundaryState::None,
            };
            set.scps = scps.clone();
            grants += effective_access(&set).grants.len();
        }
        grants
    };

    let mut group = c.benchmark_group("aws/effective access");
    group.sample_size(20);
    group.bench_function("1000 principals, warm", |b| {
        b.iter(|| compute(black_box(&loaded), 1000))
    });
    group.bench_function(format!("{principals} principals, parse only"), |b| {
        b.iter(|| gaad::load(black_box(&dump)).policies.len())
    });
    group.bench_function(
        format!("{principals} principals, cold (parse + compute)"),
        |b| {
            b.iter(|| {
                let fresh = gaad::load(black_box(&dump));
                compute(&fresh, fresh.principals.len())
            })
        },
    );
    group.finish();
}

criterion_group!(benches, decision, expansion, large_dump);
criterion_main!(benches);
