//! Measures a live scan of moto estates of several sizes: API calls per operation and wall
//! time. `scripts/bench-moto` starts moto and runs this; see docs/benchmarks.md.
//!
//! Usage: `bench_moto ENDPOINT SIZE...`, where each SIZE is a number of roles. Before each
//! size the emulator is reset and seeded from one task (moto can fail concurrent writers):
//! SIZE roles, each with an inline policy, and one user with an access key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_iam::config::Credentials;
use roster_provider::NoProgress;
use roster_provider_aws::{AwsConfig, Connection, RetrySettings, StaticCredentials};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","sqs:SendMessage"],"Resource":"*"}]}"#;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let endpoint = args.next().expect("usage: bench_moto ENDPOINT SIZE...");
    let sizes: Vec<usize> = args
        .map(|size| size.parse().expect("a size is a number of roles"))
        .collect();

    println!(
        "| roles | seeding (s) | scan (s) | API calls | retries | listing pages | calls per operation |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---|");
    for size in sizes {
        reset(&endpoint).await;
        let seeding = Instant::now();
        seed(&endpoint, size).await;
        let seeding = seeding.elapsed();

        let scan = Instant::now();
        let collection =
            roster_provider_aws::live::collect(&config(&endpoint), Arc::new(NoProgress))
                .await
                .unwrap();
        let scan = scan.elapsed();

        let stats = &collection.stats[0];
        let pages = stats
            .operations
            .iter()
            .find(|operation| operation.operation == "iam:GetAccountAuthorizationDetails")
            .map_or(0, |operation| operation.pages);
        let per_operation: Vec<String> = stats
            .operations
            .iter()
            .map(|operation| {
                format!(
                    "{} {}",
                    operation.operation.trim_start_matches("iam:"),
                    operation.calls
                )
            })
            .collect();
        let retries: u64 = stats
            .operations
            .iter()
            .map(|operation| operation.retries)
            .sum();
        println!(
            "| {size} | {:.1} | {:.1} | {} | {retries} | {pages} | {} |",
            seeding.as_secs_f64(),
            scan.as_secs_f64(),
            stats.calls(),
            per_operation.join(", ")
        );
        assert_eq!(
            collection.inventory.identities.len(),
            size + 1,
            "every seeded role and the user should be collected"
        );
    }
}

fn config(endpoint: &str) -> AwsConfig {
    AwsConfig {
        connection: Connection {
            region: Some("us-east-1".to_owned()),
            endpoint_url: Some(endpoint.to_owned()),
            credentials: Some(StaticCredentials {
                access_key_id: "testing".to_owned(),
                secret_access_key: "testing".to_owned(),
                session_token: None,
            }),
            // moto fails service last accessed with HTTP 500, which the SDK retries as a
            // transient error, and two attempts with a short backoff keep that out of the timing.
            retry: RetrySettings {
                max_attempts: 2,
                initial_backoff: Duration::from_millis(100),
                ..RetrySettings::default()
            },
            ..Connection::default()
        },
        ..AwsConfig::default()
    }
}

async fn reset(endpoint: &str) {
    let address = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /moto-api/reset HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    tokio::io::AsyncWriteExt::write_all(&mut stream, request.as_bytes())
        .await
        .unwrap();
    let mut response = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut response)
        .await
        .unwrap();
    assert!(response.starts_with(b"HTTP/1.1 200"), "moto did not reset");
}

async fn seed(endpoint: &str, roles: usize) {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "bench"))
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_secs(120))
                .build(),
        )
        .load()
        .await;
    let iam = aws_sdk_iam::Client::new(&config);
    for index in 0..roles {
        let name = format!("role-{index:05}");
        iam.create_role()
            .role_name(&name)
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .unwrap();
        iam.put_role_policy()
            .role_name(&name)
            .policy_name("work")
            .policy_document(POLICY)
            .send()
            .await
            .unwrap();
    }
    iam.create_user().user_name("ci").send().await.unwrap();
    iam.create_access_key()
        .user_name("ci")
        .send()
        .await
        .unwrap();
}
