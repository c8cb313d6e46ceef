//! A hand-built report that exercises every part of the format, for the emitter tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::Timestamp;
use jiff::civil::date;
use roster_model::{
    CoverageKind, CoverageStatus, Finding, FindingStatus, Identity, IdentityKey, IdentityKind,
    Inventory, InventoryNote, Nature, NoteKind, ProviderId, ScopeId, Severity, Usage,
};

use crate::{DriftClass, IdentitySummary, Report, ReportBuilder, StaleSuppression};

pub const NOW: &str = "2025-06-01T12:00:00Z";
const PROD: &str = "111122223333";
const DEV: &str = "444455556666";

/// Builds the sample report. The parts are added out of order so that the tests see sorting.
pub fn sample_report() -> Report {
    sample_report_in_order(false)
}

/// Builds the sample report from the same parts, each list reversed when `reversed` is set.
pub fn sample_report_in_order(reversed: bool) -> Report {
    let now: Timestamp = NOW.parse().unwrap();
    let mut inventories = vec![aws_inventory(now), gcp_inventory()];
    let mut warnings = vec![
        "suppression of `stale-credential` on `aws:111122223333:user:etl` expired on 2025-05-01; the finding counts again",
        "aws:444455556666: the dump has no credential report, so identity usage is unknown",
    ];
    let mut findings = findings();
    let mut identities = identities();
    if reversed {
        for inventory in &mut inventories {
            inventory.coverage.reverse();
            inventory.notes.reverse();
            inventory.sources.reverse();
        }
        inventories.reverse();
        warnings.reverse();
        findings.reverse();
        identities.reverse();
    }

    let mut builder = ReportBuilder::new("0.1.0", now);
    builder.set_roster(
        vec![
            "roster.d/10-platform.yaml".into(),
            "roster.d/20-data.yaml".into(),
        ],
        "sha256:5f0c2d9e",
    );
    for inventory in &inventories {
        builder.add_inventory(inventory);
    }
    for warning in warnings {
        builder.add_warning(warning);
    }
    builder
        .add_findings(findings)
        .add_identities(identities)
        .add_stale_suppressions([StaleSuppression {
            rule: "unused-identity".into(),
            target: "aws:111122223333:role:old-*".into(),
            reason: "legacy batch roles kept until the migration ends".into(),
            owner: "team-data".into(),
            expires: date(2025, 9, 30),
            ticket: Some("DATA-812".into()),
        }]);
    builder.build()
}

/// Builds a report with no findings, no identities and complete coverage.
pub fn empty_report() -> Report {
    let now: Timestamp = NOW.parse().unwrap();
    let mut inventory = Inventory::new(ProviderId::Aws);
    let scope = ScopeId::new(ProviderId::Aws, PROD);
    inventory.set_coverage(
        &scope,
        CoverageKind::Identities,
        None,
        CoverageStatus::Complete,
    );
    inventory.set_coverage(&scope, CoverageKind::Grants, None, CoverageStatus::Complete);
    inventory
        .sources
        .push("dumps/prod-authorization-details.json".into());

    let mut builder = ReportBuilder::new("0.1.0", now);
    builder.add_inventory(&inventory);
    builder.build()
}

fn aws_inventory(now: Timestamp) -> Inventory {
    let prod = ScopeId::new(ProviderId::Aws, PROD);
    let dev = ScopeId::new(ProviderId::Aws, DEV);
    let mut inventory = Inventory::new(ProviderId::Aws);

    for (scope, kind, name) in [
        (&prod, IdentityKind::AwsRole, "deploy"),
        (&prod, IdentityKind::AwsRole, "admin-break-glass"),
        (&prod, IdentityKind::AwsUser, "etl"),
        (&dev, IdentityKind::AwsRole, "ci"),
    ] {
        let key = IdentityKey::new(ProviderId::Aws, scope.native_id(), kind, name);
        inventory.identities.push(Identity::new(
            ProviderId::Aws,
            key,
            scope.clone(),
            kind,
            name,
            Usage::used(now, "aws credential report"),
        ));
    }

    for kind in [
        CoverageKind::Identities,
        CoverageKind::Grants,
        CoverageKind::Credentials,
    ] {
        inventory.set_coverage(&prod, kind, None, CoverageStatus::Complete);
        inventory.set_coverage(&dev, kind, None, CoverageStatus::Complete);
    }
    inventory.set_coverage(
        &dev,
        CoverageKind::IdentityUsage,
        None,
        CoverageStatus::Partial {
            reason: "the dump has no credential report".into(),
        },
    );
    inventory.set_coverage(
        &prod,
        CoverageKind::PermissionUsage,
        Some(IdentityKind::AwsRole),
        CoverageStatus::Denied {
            permission: "iam:GenerateServiceLastAccessedDetails".into(),
        },
    );

    inventory.notes.push(InventoryNote {
        kind: NoteKind::MissingPolicy,
        scope: prod.clone(),
        subject: Some("arn:aws:iam::111122223333:policy/deleted-boundary".into()),
        message: "attached policy has no document in the dump; its rights are unknown".into(),
    });
    inventory.sources.extend([
        "dumps/prod-authorization-details.json".into(),
        "dumps/dev-authorization-details.json".into(),
    ]);
    inventory
}

fn gcp_inventory() -> Inventory {
    let project = ScopeId::new(ProviderId::Gcp, "acme-prod");
    let mut inventory = Inventory::new(ProviderId::Gcp);

    let name = "ci@acme-prod.iam.gserviceaccount.com";
    let key = IdentityKey::new(
        ProviderId::Gcp,
        "acme-prod",
        IdentityKind::GcpServiceAccount,
        name,
    );
    inventory.identities.push(Identity::new(
        ProviderId::Gcp,
        key,
        project.clone(),
        IdentityKind::GcpServiceAccount,
        name,
        Usage::unknown("no activity export"),
    ));

    inventory.set_coverage(
        &project,
        CoverageKind::Identities,
        None,
        CoverageStatus::Complete,
    );
    inventory.set_coverage(
        &project,
        CoverageKind::Grants,
        None,
        CoverageStatus::Partial {
            reason: "the asset export omits IAM conditions".into(),
        },
    );
    inventory.notes.push(InventoryNote {
        kind: NoteKind::LossyInput,
        scope: project,
        subject: None,
        message: "conditions on 2 bindings were dropped by the export format".into(),
    });
    inventory
        .sources
        .push("exports/acme-prod-assets.json".into());
    inventory
}

fn finding(
    rule: &str,
    severity: Severity,
    status: FindingStatus,
    subject: &str,
    message: &str,
) -> Finding {
    Finding {
        rule_id: format!("RST-{rule}"),
        rule: rule.into(),
        severity,
        status,
        subject: subject.into(),
        provider: Some(ProviderId::Aws),
        scope: Some(ScopeId::new(ProviderId::Aws, PROD)),
        environment: Some("prod".into()),
        message: message.into(),
        evidence: Vec::new(),
        related: Vec::new(),
        fingerprint: format!("sha256:{rule}:{subject}"),
        suppression: None,
    }
}

fn findings() -> Vec<Finding> {
    let deploy = "aws:111122223333:role:deploy";
    let glass = "aws:111122223333:role:admin-break-glass";
    let etl = "aws:111122223333:user:etl";

    let mut admin = finding(
        "admin-equivalent",
        Severity::Critical,
        FindingStatus::Open,
        glass,
        "effective rights equal full administration",
    );
    admin.evidence = vec![
        "policy `arn:aws:iam::aws:policy/AdministratorAccess` allows `*` on `*`".into(),
        "no permission boundary and no SCP narrows it".into(),
    ];

    let mut external = finding(
        "external-trust",
        Severity::High,
        FindingStatus::Open,
        deploy,
        "account 999988887777 (vendor `ci-saas`) can assume this role",
    );
    external.related = vec!["aws:999988887777".into()];

    let mut stale = finding(
        "stale-credential",
        Severity::Medium,
        FindingStatus::SuppressionExpired,
        etl,
        "access key is 412 days old; the limit is 90 days",
    );
    stale.suppression = Some(
        "stale-credential on aws:111122223333:user:etl expired 2025-05-01: vendor migration".into(),
    );
    stale.evidence = vec!["key `AKIAEXAMPLEETL` created 2024-04-15".into()];

    let mut human_use = finding(
        "human-use-of-nhi",
        Severity::High,
        FindingStatus::Suppressed,
        etl,
        "non-human identity has a console password",
    );
    human_use.suppression = Some("team-data until 2025-12-31: password removal scheduled".into());

    let mut undeclared = finding(
        "undeclared-identity",
        Severity::Low,
        FindingStatus::Open,
        "aws:444455556666:role:ci",
        "no roster entry declares this identity",
    );
    undeclared.scope = Some(ScopeId::new(ProviderId::Aws, DEV));
    undeclared.environment = Some("dev".into());

    let mut expiring = finding(
        "expiring-credential",
        Severity::Info,
        FindingStatus::Open,
        "gcp:acme-prod:service-account:ci@acme-prod.iam.gserviceaccount.com",
        "key expires in 12 days",
    );
    expiring.provider = Some(ProviderId::Gcp);
    expiring.scope = Some(ScopeId::new(ProviderId::Gcp, "acme-prod"));
    expiring.environment = None;

    let unused_suppressed = finding(
        "unused-identity",
        Severity::Low,
        FindingStatus::Suppressed,
        glass,
        "no authentication in 180 days",
    );

    vec![
        expiring,
        undeclared,
        human_use,
        stale,
        unused_suppressed,
        external,
        admin,
    ]
}

fn identities() -> Vec<IdentitySummary> {
    let prod = ScopeId::new(ProviderId::Aws, PROD);
    let dev = ScopeId::new(ProviderId::Aws, DEV);
    let aws = |scope: &ScopeId, kind, name: &str, drift| {
        let key = IdentityKey::new(ProviderId::Aws, scope.native_id(), kind, name);
        let mut summary = IdentitySummary::new(
            key,
            ProviderId::Aws,
            kind,
            scope.clone(),
            Nature::NonHuman,
            drift,
        );
        summary.environment = Some(if scope == &prod { "prod" } else { "dev" }.into());
        summary
    };

    let mut deploy = aws(&prod, IdentityKind::AwsRole, "deploy", DriftClass::Matched);
    deploy.owner = Some("team-platform".into());
    deploy.nature_evidence = vec!["trust lets `codebuild.amazonaws.com` assume the role".into()];

    let mut etl = aws(&prod, IdentityKind::AwsUser, "etl", DriftClass::Drifted);
    etl.owner = Some("team-data".into());
    etl.nature_evidence = vec![
        "access key used 2025-05-30".into(),
        "console password last used 2025-04-02".into(),
    ];

    let missing = aws(
        &prod,
        IdentityKind::AwsRole,
        "reporting",
        DriftClass::Missing,
    );
    let glass = aws(
        &prod,
        IdentityKind::AwsRole,
        "admin-break-glass",
        DriftClass::Matched,
    );
    let ci = aws(&dev, IdentityKind::AwsRole, "ci", DriftClass::Undeclared);

    let gcp_key = IdentityKey::new(
        ProviderId::Gcp,
        "acme-prod",
        IdentityKind::GcpServiceAccount,
        "ci@acme-prod.iam.gserviceaccount.com",
    );
    let gcp = IdentitySummary::new(
        gcp_key,
        ProviderId::Gcp,
        IdentityKind::GcpServiceAccount,
        ScopeId::new(ProviderId::Gcp, "acme-prod"),
        Nature::NonHuman,
        DriftClass::Unverified,
    );

    vec![gcp, ci, missing, etl, glass, deploy]
}
