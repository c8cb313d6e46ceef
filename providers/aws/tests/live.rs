//! Live collection against the moto emulator, with a proxy in front of it for what moto
//! lacks (service last accessed, paging) and for faults (throttling, access denied).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use roster_model::{
    Boundary, CoverageKind, CoverageStatus, IdentityKind, Inventory, NoteKind, PolicyKey,
    UsageState,
};
use roster_provider::{Collection, NoProgress};
use roster_provider_aws::AwsConfig;

use support::{ACCOUNT, Moto, Proxy, Reply, iam_error, moto_server};

async fn collect(config: &AwsConfig) -> Collection {
    roster_provider_aws::live::collect(config, Arc::new(NoProgress))
        .await
        .unwrap()
}

fn status(
    inventory: &Inventory,
    kind: CoverageKind,
    identity_kind: Option<IdentityKind>,
) -> CoverageStatus {
    inventory
        .coverage
        .iter()
        .find(|entry| entry.kind == kind && entry.identity_kind == identity_kind)
        .unwrap_or_else(|| panic!("no coverage entry for {kind} {identity_kind:?}"))
        .status
        .clone()
}

fn incomplete(inventory: &Inventory) -> Vec<String> {
    inventory
        .coverage
        .iter()
        .filter(|entry| !entry.status.is_complete())
        .map(|entry| {
            format!(
                "{} {:?}: {:?}",
                entry.kind, entry.identity_kind, entry.status
            )
        })
        .collect()
}

fn calls(collection: &Collection, operation: &str) -> roster_model::OperationStats {
    collection.stats[0]
        .operations
        .iter()
        .find(|stats| stats.operation == operation)
        .cloned()
        .unwrap_or_else(|| panic!("no calls of {operation}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn live_scan_collects_seeded_estate() {
    let Some(server) = moto_server("live_scan_collects_seeded_estate") else {
        return;
    };
    let moto = Moto::start(&server);
    let seeded = support::seed_estate(&support::sdk_config(&moto.endpoint()).await, ACCOUNT).await;
    let proxy = Proxy::start(
        moto.port,
        support::fake_service_last_accessed("2025-05-01T00:00:00Z"),
    );

    let collection = collect(&support::collector_config(&proxy.endpoint())).await;
    let inventory = &collection.inventory;

    assert_eq!(incomplete(inventory), Vec::<String>::new());
    let names: BTreeSet<&str> = inventory
        .identities
        .iter()
        .map(|identity| identity.key.as_str())
        .collect();
    for key in [
        "aws:123456789012:role:deploy",
        "aws:123456789012:role:ci-github",
        "aws:123456789012:role:legacy-sso",
        "aws:123456789012:user:ci-bot",
        "aws:123456789012:user:alice",
    ] {
        assert!(names.contains(key), "{key} missing from {names:?}");
    }

    let identity = |name: &str| {
        inventory
            .identities
            .iter()
            .find(|identity| identity.name == name)
            .unwrap()
    };
    assert_eq!(
        identity("deploy").boundary,
        Boundary::Policy(PolicyKey::new("arn:aws:iam::123456789012:policy/boundary"))
    );
    assert_eq!(identity("ci-github").boundary, Boundary::None);
    assert_eq!(identity("ci-bot").boundary, Boundary::None);
    assert_eq!(identity("deploy").tag("owner"), Some("platform"));

    let usage = &identity("deploy").service_usage;
    let services: Vec<&str> = usage
        .iter()
        .map(|service| service.service.as_str())
        .collect();
    assert_eq!(services, ["s3", "sqs"]);
    assert_eq!(usage[0].last_used.state, UsageState::Used);
    assert_eq!(usage[0].actions.len(), 2);
    assert_eq!(usage[1].last_used.state, UsageState::NeverUsed);

    let keys: Vec<&str> = inventory
        .credentials
        .iter()
        .filter(|credential| credential.identity.as_str() == "aws:123456789012:user:ci-bot")
        .filter_map(|credential| credential.native_id.as_deref())
        .collect();
    assert_eq!(keys.len(), 2);
    for key in &seeded.ci_bot_keys {
        assert!(keys.contains(&key.as_str()), "{key} not in {keys:?}");
    }

    assert!(
        inventory
            .notes
            .iter()
            .any(|note| note.kind == NoteKind::UnresolvedReference
                && note.message.contains("saml-provider/Gone"))
    );

    assert_eq!(collection.stats.len(), 1);
    let listing = calls(&collection, "iam:GetAccountAuthorizationDetails");
    assert_eq!((listing.calls, listing.pages, listing.retries), (1, 1, 0));
    let allowed: BTreeSet<&str> = roster_provider_aws::READ_PERMISSIONS.into_iter().collect();
    for operation in &collection.stats[0].operations {
        assert!(
            allowed.contains(operation.operation.as_str()),
            "`{}` is called but not in READ_PERMISSIONS",
            operation.operation
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_service_last_accessed_is_unverified() {
    let Some(server) = moto_server("missing_service_last_accessed_is_unverified") else {
        return;
    };
    let moto = Moto::start(&server);
    support::seed_estate(&support::sdk_config(&moto.endpoint()).await, ACCOUNT).await;

    let collection = collect(&support::collector_config(&moto.endpoint())).await;
    let inventory = &collection.inventory;

    let CoverageStatus::Partial { reason } = status(inventory, CoverageKind::PermissionUsage, None)
    else {
        panic!("permission usage should be partial");
    };
    assert!(
        reason.contains("iam:GenerateServiceLastAccessedDetails"),
        "{reason}"
    );
    assert_eq!(
        incomplete(inventory).len(),
        1,
        "{:?}",
        incomplete(inventory)
    );
    assert!(
        inventory
            .identities
            .iter()
            .all(|identity| identity.service_usage.is_empty())
    );
    // The first identity's call fails and the others are not attempted.
    let generate = calls(&collection, "iam:GenerateServiceLastAccessedDetails");
    assert_eq!((generate.calls, generate.failures), (1, 1));
}

/// Returns a handler that replies to `action` with `code` the first `times` times (every time
/// when `times` is `usize::MAX`), then lets it through.
fn fail_action(
    action: &'static str,
    status: u16,
    code: &'static str,
    times: usize,
    sla: bool,
) -> impl Fn(&support::Request) -> Reply + Send + Sync + 'static {
    let seen = AtomicUsize::new(0);
    let fake = support::fake_service_last_accessed("2025-05-01T00:00:00Z");
    move |request| {
        if request.action().as_deref() == Some(action)
            && seen.fetch_add(1, Ordering::SeqCst) < times
        {
            let message = format!(
                "User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: iam:{action}"
            );
            return Reply::Xml(status, iam_error(code, &message));
        }
        if sla {
            return fake(request);
        }
        Reply::Forward
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_three_times_then_complete() {
    let Some(server) = moto_server("throttled_three_times_then_complete") else {
        return;
    };
    let moto = Moto::start(&server);
    // A small estate: after throttling, the adaptive retry mode slows every later call of
    // the account to about one per second.
    seed_paged_identities(&moto).await;
    let proxy = Proxy::start(
        moto.port,
        fail_action("GetAccountAuthorizationDetails", 400, "Throttling", 3, true),
    );

    let collection = collect(&support::collector_config(&proxy.endpoint())).await;

    assert_eq!(incomplete(&collection.inventory), Vec::<String>::new());
    let listing = calls(&collection, "iam:GetAccountAuthorizationDetails");
    assert_eq!(
        (listing.calls, listing.retries, listing.failures),
        (1, 3, 0)
    );
    assert_eq!(collection.inventory.identities.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_past_budget_is_unverified() {
    let Some(server) = moto_server("throttled_past_budget_is_unverified") else {
        return;
    };
    let moto = Moto::start(&server);
    support::seed_estate(&support::sdk_config(&moto.endpoint()).await, ACCOUNT).await;
    let proxy = Proxy::start(
        moto.port,
        fail_action(
            "GetAccountAuthorizationDetails",
            400,
            "Throttling",
            usize::MAX,
            true,
        ),
    );

    let collection = collect(&support::collector_config(&proxy.endpoint())).await;
    let inventory = &collection.inventory;

    let CoverageStatus::Partial { reason } = status(
        inventory,
        CoverageKind::Identities,
        Some(IdentityKind::AwsRole),
    ) else {
        panic!("roles should be partial");
    };
    assert!(
        reason.contains("still throttled when the retry budget ran out"),
        "{reason}"
    );
    assert!(!status(inventory, CoverageKind::Grants, None).is_complete());
    assert!(
        inventory
            .identities
            .iter()
            .all(|identity| identity.kind == IdentityKind::AwsUser)
    );
    let listing = calls(&collection, "iam:GetAccountAuthorizationDetails");
    assert_eq!(
        (listing.calls, listing.retries, listing.failures),
        (1, 4, 1)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_call_names_permission() {
    let Some(server) = moto_server("denied_call_names_permission") else {
        return;
    };
    let moto = Moto::start(&server);
    support::seed_estate(&support::sdk_config(&moto.endpoint()).await, ACCOUNT).await;
    let proxy = Proxy::start(
        moto.port,
        fail_action("ListAccessKeys", 403, "AccessDenied", usize::MAX, true),
    );

    let collection = collect(&support::collector_config(&proxy.endpoint())).await;
    let inventory = &collection.inventory;

    let denied = CoverageStatus::Denied {
        permission: "iam:ListAccessKeys".to_owned(),
    };
    assert_eq!(status(inventory, CoverageKind::Credentials, None), denied);
    assert_eq!(
        status(inventory, CoverageKind::CredentialUsage, None),
        denied
    );
    assert!(
        status(
            inventory,
            CoverageKind::Identities,
            Some(IdentityKind::AwsRole)
        )
        .is_complete()
    );
    assert!(status(inventory, CoverageKind::Grants, None).is_complete());
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_listing_names_permission() {
    let Some(server) = moto_server("denied_listing_names_permission") else {
        return;
    };
    let moto = Moto::start(&server);
    support::seed_estate(&support::sdk_config(&moto.endpoint()).await, ACCOUNT).await;
    let proxy = Proxy::start(
        moto.port,
        fail_action(
            "GetAccountAuthorizationDetails",
            403,
            "AccessDenied",
            usize::MAX,
            true,
        ),
    );

    let collection = collect(&support::collector_config(&proxy.endpoint())).await;
    let inventory = &collection.inventory;

    let denied = CoverageStatus::Denied {
        permission: "iam:GetAccountAuthorizationDetails".to_owned(),
    };
    for kind in [
        CoverageKind::Groups,
        CoverageKind::Grants,
        CoverageKind::Trusts,
        CoverageKind::PermissionUsage,
    ] {
        assert_eq!(status(inventory, kind, None), denied, "{kind}");
    }
    // The credential report still lists every user.
    assert!(
        status(
            inventory,
            CoverageKind::Identities,
            Some(IdentityKind::AwsUser)
        )
        .is_complete()
    );
}

/// One page of `GetAccountAuthorizationDetails` with one user or one role.
fn listing_page(user: Option<&str>, role: Option<&str>, marker: Option<&str>) -> String {
    let users = user.map_or_else(String::new, |name| {
        format!(
            "<member><Path>/</Path><UserName>{name}</UserName><UserId>AIDAPAGEDUSER{name}</UserId><Arn>arn:aws:iam::123456789012:user/{name}</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate><GroupList/><UserPolicyList/><AttachedManagedPolicies/></member>"
        )
    });
    let trust = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    let roles = role.map_or_else(String::new, |name| {
        format!(
            "<member><Path>/</Path><RoleName>{name}</RoleName><RoleId>AROAPAGEDROLE{name}</RoleId><Arn>arn:aws:iam::123456789012:role/{name}</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>{trust}</AssumeRolePolicyDocument><InstanceProfileList/><RolePolicyList/><AttachedManagedPolicies/><Tags/><RoleLastUsed/></member>"
        )
    });
    let paging = match marker {
        Some(marker) => format!("<IsTruncated>true</IsTruncated><Marker>{marker}</Marker>"),
        None => "<IsTruncated>false</IsTruncated>".to_owned(),
    };
    format!(
        r#"<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountAuthorizationDetailsResult>{paging}<UserDetailList>{users}</UserDetailList><GroupDetailList/><RoleDetailList>{roles}</RoleDetailList><Policies/></GetAccountAuthorizationDetailsResult><ResponseMetadata><RequestId>a1b2c3d4-0000-4000-8000-00000000000a</RequestId></ResponseMetadata></GetAccountAuthorizationDetailsResponse>"#
    )
}

/// Seeds the user `a` and the role `r` that the hand-written pages list, so that the calls
/// made per identity find them in moto.
async fn seed_paged_identities(moto: &Moto) {
    let iam = aws_sdk_iam::Client::new(&support::sdk_config(&moto.endpoint()).await);
    iam.create_user().user_name("a").send().await.unwrap();
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn paged_listing_concatenates_pages() {
    let Some(server) = moto_server("paged_listing_concatenates_pages") else {
        return;
    };
    let moto = Moto::start(&server);
    seed_paged_identities(&moto).await;
    let fake = support::fake_service_last_accessed("2025-05-01T00:00:00Z");
    let proxy = Proxy::start(moto.port, move |request| {
        if request.action().as_deref() != Some("GetAccountAuthorizationDetails") {
            return fake(request);
        }
        match request.form("Marker").as_deref() {
            None => Reply::Xml(200, listing_page(Some("a"), None, Some("m1"))),
            Some("m1") => Reply::Xml(200, listing_page(None, Some("r"), None)),
            Some(other) => panic!("unexpected Marker `{other}`"),
        }
    });

    let collection = collect(&support::collector_config(&proxy.endpoint())).await;
    let inventory = &collection.inventory;

    let keys: Vec<&str> = inventory
        .identities
        .iter()
        .map(|identity| identity.key.as_str())
        .collect();
    assert_eq!(keys, ["aws:123456789012:role:r", "aws:123456789012:user:a"]);
    assert_eq!(incomplete(inventory), Vec::<String>::new());
    let listing = calls(&collection, "iam:GetAccountAuthorizationDetails");
    assert_eq!((listing.calls, listing.pages), (2, 2));
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_marker_stops_listing() {
    let Some(server) = moto_server("repeated_marker_stops_listing") else {
        return;
    };
    let moto = Moto::start(&server);
    seed_paged_identities(&moto).await;
    let fake = support::fake_service_last_accessed("2025-05-01T00:00:00Z");
    let proxy = Proxy::start(moto.port, move |request| {
        if request.action().as_deref() != Some("GetAccountAuthorizationDetails") {
            return fake(request);
        }
        Reply::Xml(200, listing_page(Some("a"), None, Some("m1")))
    });

    let collection = collect(&support::collector_config(&proxy.endpoint())).await;
    let inventory = &collection.inventory;

    let CoverageStatus::Partial { reason } = status(
        inventory,
        CoverageKind::Identities,
        Some(IdentityKind::AwsRole),
    ) else {
        panic!("roles should be partial");
    };
    assert!(
        reason.contains("returned the Marker `m1` of an earlier page"),
        "{reason}"
    );
    let listing = calls(&collection, "iam:GetAccountAuthorizationDetails");
    assert_eq!(listing.calls, 2);
}

/// Reads the shipped read-only policy and returns the actions it allows.
fn shipped_policy_actions() -> BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/providers/aws-read-only-policy.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let policy: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut actions = BTreeSet::new();
    for statement in policy["Statement"].as_array().unwrap() {
        assert_eq!(statement["Effect"], "Allow");
        assert_eq!(statement["Resource"], "*");
        for action in statement["Action"].as_array().unwrap() {
            actions.insert(action.as_str().unwrap().to_owned());
        }
    }
    actions
}

#[test]
fn read_only_policy_allows_every_call() {
    let allowed = shipped_policy_actions();
    for permission in roster_provider_aws::READ_PERMISSIONS {
        assert!(
            allowed.contains(permission),
            "the read-only policy lacks `{permission}`"
        );
    }
    for action in &allowed {
        assert!(
            roster_provider_aws::READ_PERMISSIONS.contains(&action.as_str()),
            "the read-only policy allows `{action}`, which the scan never calls"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_policy_suffices_under_enforcement() {
    let Some(server) = moto_server("read_only_policy_suffices_under_enforcement") else {
        return;
    };
    // moto checks IAM policies once this many requests have been served; the seeding below
    // makes exactly that many.
    const SEED_REQUESTS: &str = "5";
    let moto = Moto::start_with_env(&server, &[("INITIAL_NO_AUTH_ACTION_COUNT", SEED_REQUESTS)]);
    let iam = aws_sdk_iam::Client::new(&support::sdk_config(&moto.endpoint()).await);
    let policy_text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/providers/aws-read-only-policy.json"),
    )
    .unwrap();
    let policy = iam
        .create_policy()
        .policy_name("roster-read-only")
        .policy_document(policy_text)
        .send()
        .await
        .unwrap();
    iam.create_user().user_name("scanner").send().await.unwrap();
    iam.attach_user_policy()
        .user_name("scanner")
        .policy_arn(policy.policy().unwrap().arn().unwrap())
        .send()
        .await
        .unwrap();
    iam.create_role()
        .role_name("app")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name("scanner")
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    // The request after the seeding is checked, and the default credentials are no IAM user.
    let denied = iam.list_roles().send().await;
    assert!(
        denied.is_err(),
        "moto should enforce policies for the default credentials"
    );

    let mut config = support::collector_config(&moto.endpoint());
    config.connection.credentials = Some(roster_provider_aws::StaticCredentials {
        access_key_id: key.access_key_id().to_owned(),
        secret_access_key: key.secret_access_key().to_owned(),
        session_token: None,
    });
    let collection = collect(&config).await;
    let inventory = &collection.inventory;

    let denied: Vec<String> = inventory
        .coverage
        .iter()
        .filter(|entry| matches!(entry.status, CoverageStatus::Denied { .. }))
        .map(|entry| format!("{} {:?}", entry.kind, entry.status))
        .collect();
    assert_eq!(denied, Vec::<String>::new());
    // moto lacks service last accessed, so only permission usage stays unverified.
    let unverified = incomplete(inventory);
    assert_eq!(unverified.len(), 1, "{unverified:?}");
    assert!(
        unverified[0].starts_with("permission-usage"),
        "{unverified:?}"
    );
    assert!(
        inventory
            .identities
            .iter()
            .any(|identity| identity.name == "app")
    );
}
