//! The policy engine against the public corpus of real policies and dumps, found through
//! `ROSTER_CORPUS_DIR`. Without the variable each test reports that it was skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::PathBuf;

use roster_policy::aws::{
    AdminEquivalence, BoundaryState, Decision, DenyReason, EscalationKind, Grammar, Layer,
    NamedPolicy, PolicyDocument, PolicyError, PolicySet, Request, effective_access,
    escalation_paths, evaluate, is_admin_equivalent,
};
use serde_json::{Value, json};
use support::gaad;

const COMMENTED: &str =
    "scpexamples__Service-specific-controls_AWS-IAM_deny-service-specific-credential-by-type.json";

fn corpus(relative: &str) -> Option<PathBuf> {
    let Some(root) = std::env::var_os("ROSTER_CORPUS_DIR") else {
        eprintln!("skipped: ROSTER_CORPUS_DIR is not set");
        return None;
    };
    Some(PathBuf::from(root).join(relative))
}

fn read_policy(name: &str, grammar: Grammar) -> Option<NamedPolicy> {
    let path = corpus(&format!("aws/policies/{name}"))?;
    let text = std::fs::read_to_string(&path).unwrap();
    Some(NamedPolicy::new(
        name,
        PolicyDocument::from_text(&text, grammar).unwrap(),
    ))
}

fn grammar_of(file: &str) -> Grammar {
    if file.contains("resource_control_policies") || file.contains("vpc_endpoint_policies") {
        Grammar::Resource
    } else {
        Grammar::Identity
    }
}

#[test]
fn every_corpus_policy_parses() {
    let Some(folder) = corpus("aws/policies") else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() > 50,
        "only {} policies in {}",
        files.len(),
        folder.display()
    );

    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let result = PolicyDocument::from_text(&text, grammar_of(&name));
        if name == COMMENTED {
            assert!(matches!(result, Err(PolicyError::Syntax { .. })), "{name}");
            continue;
        }
        let document = result.unwrap_or_else(|error| panic!("{name}: {error}"));
        assert!(!document.statements.is_empty(), "{name}");
    }
}

#[test]
fn commented_policy_fails_with_position() {
    let Some(path) = corpus(&format!("aws/policies/{COMMENTED}")) else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    let error = PolicyDocument::from_text(&text, Grammar::Identity).unwrap_err();

    let PolicyError::Syntax { line, column, .. } = &error else {
        panic!("expected a syntax error, got {error}");
    };
    assert_eq!((*line, *column), (15, 13));
    assert_eq!(
        error.to_string(),
        "invalid JSON in policy document at line 15, column 13: expected `,` or `]`"
    );
}

fn admin() -> NamedPolicy {
    let document = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    NamedPolicy::new(
        "AdministratorAccess",
        PolicyDocument::from_value(&document, Grammar::Identity).unwrap(),
    )
}

fn full_access() -> NamedPolicy {
    let document = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    NamedPolicy::new(
        "FullAWSAccess",
        PolicyDocument::from_value(&document, Grammar::Identity).unwrap(),
    )
}

fn with_scp<'a>(
    identity: &'a NamedPolicy,
    full: &'a NamedPolicy,
    scp: &'a NamedPolicy,
) -> PolicySet<'a> {
    let mut set = PolicySet::new(vec![identity]);
    set.boundary = BoundaryState::None;
    set.scps = vec![vec![full, scp]];
    set
}

const DEVELOPER: &str = "arn:aws:iam::111122223333:user/developer";

#[test]
fn region_scp_limits_regions() {
    let Some(scp) = read_policy(
        "scpexamples__Region-controls_Deny-access-to-AWS-based-on-the-requested-AWS-region.json",
        Grammar::Identity,
    ) else {
        return;
    };
    let (admin, full) = (admin(), full_access());
    let set = with_scp(&admin, &full, &scp);
    let run = |region: &str| {
        Request::new(DEVELOPER, "ec2:RunInstances", "*").with_context("aws:RequestedRegion", region)
    };

    let Decision::Denied {
        reason: DenyReason::ExplicitDeny(statement),
    } = evaluate(&set, &run("us-east-1")).decision
    else {
        panic!("expected the region Deny");
    };
    assert_eq!(statement.layer, Layer::Scp { level: 0 });
    assert_eq!(
        evaluate(&set, &run("eu-west-1")).decision,
        Decision::Allowed
    );
    assert_eq!(
        evaluate(&set, &run("eu-central-1")).decision,
        Decision::Allowed
    );

    // Global services listed in NotAction stay allowed in any region.
    let iam = Request::new(DEVELOPER, "iam:ListRoles", "*")
        .with_context("aws:RequestedRegion", "us-east-1");
    assert_eq!(evaluate(&set, &iam).decision, Decision::Allowed);
}

#[test]
fn region_scp_exempts_privileged_role_once_account_known() {
    let Some(scp) = read_policy(
        "scpexamples__Region-controls_Deny-access-to-AWS-based-on-the-requested-AWS-region.json",
        Grammar::Identity,
    ) else {
        return;
    };
    let (admin, full) = (admin(), full_access());
    let set = with_scp(&admin, &full, &scp);
    let privileged = "arn:aws:iam::111122223333:role/[PRIVILEGED_ROLE]";
    let request = Request::new(privileged, "ec2:RunInstances", "*")
        .with_context("aws:RequestedRegion", "us-east-1");

    // `${Account}` is a policy variable the request does not supply: the exemption may apply.
    let decision = evaluate(&set, &request).decision;
    assert!(matches!(decision, Decision::AllowedIf(_)), "{decision}");
    assert!(
        decision.to_string().contains("ArnNotLike aws:PrincipalARN"),
        "{decision}"
    );

    let with_account = request.with_context("Account", "111122223333");
    assert_eq!(evaluate(&set, &with_account).decision, Decision::Allowed);
}

#[test]
fn leave_organization_scp_denies() {
    let Some(scp) = read_policy(
        "scpexamples__Privileged-access-controls_Deny-member-accounts-from-leaving-your-AWS-organization.json",
        Grammar::Identity,
    ) else {
        return;
    };
    let (admin, full) = (admin(), full_access());
    let set = with_scp(&admin, &full, &scp);

    let leave = evaluate(
        &set,
        &Request::new(DEVELOPER, "organizations:LeaveOrganization", "*"),
    )
    .decision;
    assert!(
        matches!(
            leave,
            Decision::Denied {
                reason: DenyReason::ExplicitDeny(_)
            }
        ),
        "{leave}"
    );
    let describe = evaluate(
        &set,
        &Request::new(DEVELOPER, "organizations:DescribeOrganization", "*"),
    )
    .decision;
    assert_eq!(describe, Decision::Allowed);
}

#[test]
fn root_user_scp_applies_only_to_root() {
    let Some(scp) = read_policy(
        "scpexamples__Privileged-access-controls_Deny-the-root-user-from-performing-actions-except-S3-bucketpolicy-changes.json",
        Grammar::Identity,
    ) else {
        return;
    };
    let (admin, full) = (admin(), full_access());
    let set = with_scp(&admin, &full, &scp);
    let root = "arn:aws:iam::111122223333:root";

    assert!(
        evaluate(&set, &Request::new(root, "ec2:RunInstances", "*"))
            .decision
            .is_denied()
    );
    assert_eq!(
        evaluate(
            &set,
            &Request::new(root, "s3:PutBucketPolicy", "arn:aws:s3:::logs")
        )
        .decision,
        Decision::Allowed
    );
    assert_eq!(
        evaluate(&set, &Request::new(DEVELOPER, "ec2:RunInstances", "*")).decision,
        Decision::Allowed
    );
}

#[test]
fn large_dump_effective_access() {
    let Some(path) = corpus("aws/cloudsplaining_example_gaad_large.json") else {
        return;
    };
    let dump: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let gaad = gaad::load(&dump);

    assert!(gaad.errors.is_empty(), "{:?}", gaad.errors);
    assert_eq!(gaad.principals.len(), 44 + 78);

    let mut admins = Vec::new();
    let mut escalating = Vec::new();
    for principal in &gaad.principals {
        let mut set = PolicySet::new(gaad.identity_policies(principal));
        set.boundary = match principal.boundary {
            Some(index) => BoundaryState::Policy(&gaad.policies[index]),
            None => BoundaryState::None,
        };
        let effective = effective_access(&set);
        if matches!(
            is_admin_equivalent(&effective),
            AdminEquivalence::Yes { .. }
        ) {
            admins.push(principal.arn.clone());
        }
        for path in escalation_paths(&effective, &principal.arn) {
            escalating.push((principal.arn.clone(), path.kind));
        }
    }

    assert!(
        admins
            .iter()
            .any(|arn| arn.ends_with("role/OrganizationAccountAccessRole")),
        "{admins:?}"
    );
    assert!(
        escalating.contains(&(
            "arn:aws:iam::111122223333:user/privesc8-AttachGroupPolicy-user".to_owned(),
            EscalationKind::AttachOwnPolicy
        )),
        "{escalating:?}"
    );
    assert!(
        escalating
            .iter()
            .any(|(_, kind)| *kind == EscalationKind::PassRoleToCompute)
    );
    assert!(
        escalating
            .iter()
            .any(|(_, kind)| *kind == EscalationKind::CreateAccessKey)
    );
    assert!(
        escalating
            .iter()
            .any(|(_, kind)| *kind == EscalationKind::CreatePolicyVersion)
    );
}
