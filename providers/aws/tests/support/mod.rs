//! What the AWS live-collection tests share: the moto emulator as a child process, a proxy
//! in front of it that can reply to some IAM calls itself (throttling, access denied, service
//! last accessed, paging), SDK clients for seeding, and a seeded estate.
//!
//! Tests that need moto find `moto_server` through ROSTER_MOTO_SERVER (set by
//! `scripts/test-deps`); without it they print that they were skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::config::Credentials;
use aws_sdk_iam::types::Tag;

/// The account that moto gives the default credentials.
pub const ACCOUNT: &str = "123456789012";

/// Returns the path of `moto_server`, or prints why the test is skipped.
pub fn moto_server(test: &str) -> Option<PathBuf> {
    match std::env::var_os("ROSTER_MOTO_SERVER") {
        Some(path) => Some(PathBuf::from(path)),
        None => {
            eprintln!(
                "skipped {test}: ROSTER_MOTO_SERVER is not set; run `eval \"$(scripts/test-deps)\"` to install moto"
            );
            None
        }
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A `moto_server` child process on 127.0.0.1, killed on drop.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    pub fn start(server: &PathBuf) -> Moto {
        Moto::start_with_env(server, &[])
    }

    pub fn start_with_env(server: &PathBuf, env: &[(&str, &str)]) -> Moto {
        let port = free_port();
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start `{}`: {error}", server.display()));
        let moto = Moto { child, port };
        moto.wait_until_ready();
        moto
    }

    fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = http_status(self.port, "GET", "/moto-api/")
                && status == 200
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "moto_server on port {} did not answer within 30 s",
            self.port
        );
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Wipes every account's state.
    pub fn reset(&self) {
        assert_eq!(http_status(self.port, "POST", "/moto-api/reset"), Some(200));
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends a request without a body and returns the status code.
fn http_status(port: u16, method: &str, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace().nth(1)?.parse().ok()
}

/// One HTTP request as the proxy received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// Returns a field of a form-encoded (IAM or STS query protocol) body, decoded.
    pub fn form(&self, name: &str) -> Option<String> {
        let body = std::str::from_utf8(&self.body).ok()?;
        body.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| {
                let value = value.replace('+', " ");
                percent_encoding::percent_decode_str(&value)
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
    }

    /// Returns the query-protocol action, for example `GetAccountAuthorizationDetails`.
    pub fn action(&self) -> Option<String> {
        self.form("Action")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What the proxy's handler decides for a request.
pub enum Reply {
    /// Pass the request to moto.
    Forward,
    /// Reply with this status and XML body.
    Xml(u16, String),
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// An HTTP proxy on 127.0.0.1 in front of moto. Each request goes to the handler, which
/// replies to it or lets it through. Each connection carries one request.
pub struct Proxy {
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Proxy {
    pub fn start(
        upstream: u16,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let handler = Arc::clone(&handler);
                    std::thread::spawn(move || serve(stream, upstream, &*handler));
                }
            })
        };
        Proxy {
            port,
            stop,
            thread: Some(thread),
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(mut stream: TcpStream, upstream: u16, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    let response = match handler(&request) {
        Reply::Forward => forward(&request, upstream),
        Reply::Xml(status, body) => xml_response(status, &body),
    };
    let _ = stream.write_all(&response);
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 16384];
    let head_end = loop {
        if let Some(position) = find(&buffer, b"\r\n\r\n") {
            break position;
        }
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split_whitespace();
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            Some((key.trim().to_owned(), value.trim().to_owned()))
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);

    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn forward(request: &Request, upstream: u16) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.path);
    for (key, value) in &request.headers {
        if key.eq_ignore_ascii_case("connection") {
            continue;
        }
        head.push_str(&format!("{key}: {value}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&request.body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    response
}

fn xml_response(status: u16, body: &str) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        _ => "Error",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The IAM query-protocol error response.
pub fn iam_error(code: &str, message: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>"#
    )
}

/// The STS query-protocol error response.
pub fn sts_error(code: &str, message: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"#
    )
}

/// One service of a service-last-accessed report, as the fake serves it.
#[derive(Debug, Clone)]
pub struct FakeService {
    pub namespace: &'static str,
    pub name: &'static str,
    /// RFC 3339, or `None` for a service not used within the tracking period.
    pub last_authenticated: Option<String>,
    /// Tracked actions without the service prefix, each with its last use.
    pub actions: Vec<(&'static str, Option<String>)>,
}

/// The response to `GenerateServiceLastAccessedDetails`.
pub fn sla_generate(job_id: &str) -> String {
    format!(
        r#"<GenerateServiceLastAccessedDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GenerateServiceLastAccessedDetailsResult><JobId>{job_id}</JobId></GenerateServiceLastAccessedDetailsResult><ResponseMetadata><RequestId>f2a0c6d9-0000-4000-8000-000000000001</RequestId></ResponseMetadata></GenerateServiceLastAccessedDetailsResponse>"#
    )
}

/// The response to `GetServiceLastAccessedDetails`: a job still running, or its report.
pub fn sla_get(completed: bool, services: &[FakeService]) -> String {
    let status = if completed {
        "COMPLETED"
    } else {
        "IN_PROGRESS"
    };
    let mut members = String::new();
    if completed {
        for service in services {
            members.push_str("<member>");
            members.push_str(&format!(
                "<ServiceName>{}</ServiceName><ServiceNamespace>{}</ServiceNamespace>",
                service.name, service.namespace
            ));
            if let Some(at) = &service.last_authenticated {
                members.push_str(&format!(
                    "<LastAuthenticated>{at}</LastAuthenticated><LastAuthenticatedRegion>us-east-1</LastAuthenticatedRegion><TotalAuthenticatedEntities>1</TotalAuthenticatedEntities>"
                ));
            }
            if !service.actions.is_empty() {
                members.push_str("<TrackedActionsLastAccessed>");
                for (action, at) in &service.actions {
                    members.push_str(&format!("<member><ActionName>{action}</ActionName>"));
                    if let Some(at) = at {
                        members.push_str(&format!(
                            "<LastAccessedTime>{at}</LastAccessedTime><LastAccessedRegion>us-east-1</LastAccessedRegion>"
                        ));
                    }
                    members.push_str("</member>");
                }
                members.push_str("</TrackedActionsLastAccessed>");
            }
            members.push_str("</member>");
        }
    }
    format!(
        r#"<GetServiceLastAccessedDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetServiceLastAccessedDetailsResult><JobStatus>{status}</JobStatus><JobType>ACTION_LEVEL</JobType><JobCreationDate>2025-01-01T00:00:00Z</JobCreationDate><ServicesLastAccessed>{members}</ServicesLastAccessed><JobCompletionDate>2025-01-01T00:00:05Z</JobCompletionDate><IsTruncated>false</IsTruncated></GetServiceLastAccessedDetailsResult><ResponseMetadata><RequestId>f2a0c6d9-0000-4000-8000-000000000002</RequestId></ResponseMetadata></GetServiceLastAccessedDetailsResponse>"#
    )
}

/// Serves service last accessed for every identity through the proxy: the job is still
/// running at the first check and complete at the second, and every identity used `s3`
/// (`GetObject` but not `PutObject`) on `s3_used` and never used `sqs`.
pub fn fake_service_last_accessed(
    s3_used: &'static str,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    let checks = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::<
        String,
        u32,
    >::new()));
    move |request: &Request| match request.action().as_deref() {
        Some("GenerateServiceLastAccessedDetails") => {
            let arn = request.form("Arn").unwrap_or_default();
            Reply::Xml(200, sla_generate(&format!("job-{arn}")))
        }
        Some("GetServiceLastAccessedDetails") => {
            let job = request.form("JobId").unwrap_or_default();
            let mut checks = checks.lock().unwrap();
            let count = checks.entry(job).or_default();
            *count += 1;
            let services = [
                FakeService {
                    namespace: "s3",
                    name: "Amazon S3",
                    last_authenticated: Some(s3_used.to_owned()),
                    actions: vec![("GetObject", Some(s3_used.to_owned())), ("PutObject", None)],
                },
                FakeService {
                    namespace: "sqs",
                    name: "Amazon SQS",
                    last_authenticated: None,
                    actions: Vec::new(),
                },
            ];
            Reply::Xml(200, sla_get(*count > 1, &services))
        }
        _ => Reply::Forward,
    }
}

/// SDK configuration for seeding: moto's fake credentials, us-east-1, and the endpoint.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    sdk_config_with(
        endpoint,
        Credentials::new("testing", "testing", None, None, "tests"),
    )
    .await
}

pub async fn sdk_config_with(endpoint: &str, credentials: Credentials) -> SdkConfig {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client)
        .credentials_provider(credentials)
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// A collector configuration for tests: static credentials, short backoff and polling, and
/// the standard retry mode, whose speed after throttling does not depend on timing.
pub fn collector_config(endpoint: &str) -> roster_provider_aws::AwsConfig {
    roster_provider_aws::AwsConfig {
        connection: roster_provider_aws::Connection {
            profile: None,
            region: Some("us-east-1".to_owned()),
            endpoint_url: Some(endpoint.to_owned()),
            retry: roster_provider_aws::RetrySettings {
                mode: roster_provider_aws::RetryMode::Standard,
                max_attempts: 5,
                initial_backoff: Duration::from_millis(10),
            },
            credentials: Some(roster_provider_aws::StaticCredentials {
                access_key_id: "testing".to_owned(),
                secret_access_key: "testing".to_owned(),
                session_token: None,
            }),
        },
        polling: roster_provider_aws::JobPolling {
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            deadline: Duration::from_secs(10),
        },
        ..roster_provider_aws::AwsConfig::default()
    }
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

fn document(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

/// The access key ids of the estate's user `ci-bot`, in creation order.
pub struct Seeded {
    pub ci_bot_keys: Vec<String>,
}

/// Seeds one account from a single task, because moto can fail concurrent writers:
///
/// - managed policies `deploy-artifacts` (S3 on one bucket), `boundary`, `full-admin` (`*`);
/// - role `deploy`, trusted by account 444455556666, with `deploy-artifacts`, an inline SQS
///   policy, the `boundary` boundary and an owner tag;
/// - role `ci-github`, trusted by the account's GitHub OIDC provider, with `full-admin`;
/// - role `legacy-sso`, trusted by a SAML provider that the account lacks, without tags;
/// - group `deployers` with `deploy-artifacts`; user `ci-bot` (two access keys, the first
///   used once) and user `alice` (a console password) in it.
pub async fn seed_estate(config: &SdkConfig, account: &str) -> Seeded {
    let iam = aws_sdk_iam::Client::new(config);
    let policy_arn = |name: &str| format!("arn:aws:iam::{account}:policy/{name}");

    for (name, statements) in [
        (
            "deploy-artifacts",
            r#"{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::artifacts/*"}"#,
        ),
        (
            "boundary",
            r#"{"Effect":"Allow","Action":["s3:*","sqs:*"],"Resource":"*"}"#,
        ),
        (
            "full-admin",
            r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#,
        ),
    ] {
        iam.create_policy()
            .policy_name(name)
            .policy_document(document(statements))
            .send()
            .await
            .unwrap();
    }

    let oidc = iam
        .create_open_id_connect_provider()
        .url("https://token.actions.githubusercontent.com")
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("6938fd4d98bab03faadb97b34396831e3780aea1")
        .send()
        .await
        .unwrap();
    let oidc_arn = oidc.open_id_connect_provider_arn().unwrap().to_owned();

    iam.create_role()
        .role_name("deploy")
        .assume_role_policy_document(document(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}"#,
        ))
        .permissions_boundary(policy_arn("boundary"))
        .tags(tag("owner", "platform"))
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("deploy")
        .policy_arn(policy_arn("deploy-artifacts"))
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("deploy")
        .policy_name("queue")
        .policy_document(document(
            r#"{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}"#,
        ))
        .send()
        .await
        .unwrap();

    iam.create_role()
        .role_name("ci-github")
        .assume_role_policy_document(document(&format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"{oidc_arn}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringLike":{{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}}}}}}"#
        )))
        .tags(tag("owner", "platform"))
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("ci-github")
        .policy_arn(policy_arn("full-admin"))
        .send()
        .await
        .unwrap();

    iam.create_role()
        .role_name("legacy-sso")
        .assume_role_policy_document(document(&format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::{account}:saml-provider/Gone"}},"Action":"sts:AssumeRoleWithSAML"}}"#
        )))
        .send()
        .await
        .unwrap();

    iam.create_group()
        .group_name("deployers")
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("deployers")
        .policy_arn(policy_arn("deploy-artifacts"))
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
    let mut ci_bot_keys = Vec::new();
    let mut secrets = Vec::new();
    for _ in 0..2 {
        let key = iam
            .create_access_key()
            .user_name("ci-bot")
            .send()
            .await
            .unwrap();
        let key = key.access_key().unwrap();
        ci_bot_keys.push(key.access_key_id().to_owned());
        secrets.push(key.secret_access_key().to_owned());
    }
    iam.add_user_to_group()
        .group_name("deployers")
        .user_name("ci-bot")
        .send()
        .await
        .unwrap();

    iam.create_user()
        .user_name("alice")
        .tags(tag("owner", "alice"))
        .send()
        .await
        .unwrap();
    iam.create_login_profile()
        .user_name("alice")
        .password("Correct-Horse-Battery-1")
        .send()
        .await
        .unwrap();
    iam.add_user_to_group()
        .group_name("deployers")
        .user_name("alice")
        .send()
        .await
        .unwrap();

    // One request signed with the first key, so that moto records its last use.
    let endpoint = config
        .endpoint_url()
        .expect("the seeding configuration has an endpoint")
        .to_owned();
    let key_config = sdk_config_with(
        &endpoint,
        Credentials::new(
            ci_bot_keys[0].clone(),
            secrets[0].clone(),
            None,
            None,
            "tests",
        ),
    )
    .await;
    aws_sdk_sts::Client::new(&key_config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();

    Seeded { ci_bot_keys }
}
