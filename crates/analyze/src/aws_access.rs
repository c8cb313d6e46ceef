//! What AWS identities can do, judged by the policy engine of `roster-policy`.
//!
//! Each policy document is parsed once per analysis, on first use, because a managed policy is
//! usually attached to many identities. Each identity's policies form a [`PolicySet`] with its
//! permission boundary, and the engine computes the effective access from it. Every rule that
//! looks at AWS rights reads them here, so conditions and Denies mean the same to all of them.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};
use rayon::prelude::*;
use roster_graph::IdentityGraph;
use roster_model::{
    Boundary, GroupKey, Identity, IdentityKey, IdentityKind, Policy, PolicyKey, ProviderId, Subject,
};
use roster_policy::aws::{
    ActionName, ActionPattern, ActionSet, AdminEquivalence, BoundaryState, Condition, Effect,
    EffectiveAccess, EffectiveGrant, Exemption, Grammar, Layer, NamedPolicy, OperatorKind,
    PolicyDocument, PolicySet, StatementRef, effective_access, effective_access_for,
    is_admin_equivalent,
};

use crate::Context;

/// The AWS policy documents that reach the graph's identities, parsed once, by policy key.
pub struct AwsPolicies {
    parsed: HashMap<PolicyKey, Result<NamedPolicy, String>>,
}

impl AwsPolicies {
    /// Parses every AWS document that a grant or a permission boundary of an AWS user or role
    /// uses, and those of AWS groups, with or without members. Policies that nothing uses are
    /// left unread.
    pub fn read(graph: &IdentityGraph) -> AwsPolicies {
        let mut unread: HashMap<&PolicyKey, &Policy> = HashMap::new();
        let group_policies = graph
            .groups()
            .filter(|group| group.provider == ProviderId::Aws)
            .flat_map(|group| {
                graph
                    .grants_held_by(&Subject::Group(group.key.clone()))
                    .collect::<Vec<_>>()
            })
            .filter_map(|grant| graph.policy(&grant.policy));
        let identity_policies = graph
            .identities()
            .filter(|identity| is_aws_principal(identity))
            .flat_map(|identity| {
                let attached = graph
                    .grants_reaching(&identity.key)
                    .into_iter()
                    .filter_map(|reaching| reaching.policy);
                let boundary = match &identity.boundary {
                    Boundary::Policy(key) => graph.policy(key),
                    Boundary::NotCollected | Boundary::None => None,
                };
                attached.chain(boundary)
            });
        for policy in identity_policies.chain(group_policies) {
            if policy.provider == ProviderId::Aws && policy.document.is_some() {
                unread.insert(&policy.key, policy);
            }
        }

        let parsed = unread
            .into_par_iter()
            .filter_map(|(key, policy)| {
                let document = policy.document.as_ref()?;
                let named = PolicyDocument::from_value(document, Grammar::Any)
                    .map(|document| NamedPolicy::new(policy.name.clone(), document))
                    .map_err(|error| error.to_string());
                Some((key.clone(), named))
            })
            .collect();
        AwsPolicies { parsed }
    }

    /// Returns the parsed policy, `Some(Err)` with the reason when its document is invalid,
    /// or `None` when the inventory holds no document for it.
    fn get(&self, key: &PolicyKey) -> Option<&Result<NamedPolicy, String>> {
        self.parsed.get(key)
    }
}

/// The policies of one AWS user or role, as the engine takes them, with what is missing.
pub struct IdentityPolicies<'c> {
    pub set: PolicySet<'c>,
    /// Attached policies and boundaries whose documents the inventory lacks.
    pub missing: Vec<PolicyKey>,
    /// Attached policies whose documents are invalid, with the reason.
    pub unreadable: Vec<(PolicyKey, String)>,
    /// The group through which each identity policy reaches the identity.
    groups: Vec<(&'c NamedPolicy, &'c GroupKey)>,
}

impl<'c> IdentityPolicies<'c> {
    /// Computes the effective access at `now`. Grants whose conditions can no longer hold,
    /// such as a date that has passed, are left out.
    pub fn effective(&self, now: Timestamp) -> EffectiveAccess<'c> {
        let mut effective = effective_access(&self.set);
        drop_expired(&mut effective, now);
        effective
    }

    /// Computes the effective access at `now` like [`Self::effective`], with only the grants
    /// whose statements name the action.
    pub fn effective_for(&self, now: Timestamp, action: ActionName<'_>) -> EffectiveAccess<'c> {
        let mut effective = effective_access_for(&self.set, action);
        drop_expired(&mut effective, now);
        effective
    }

    /// Describes a statement for evidence: `policy `deploy` statement 1`, with the statement
    /// id and the group it reaches the identity through.
    pub fn describe(&self, source: &StatementRef<'_>) -> String {
        let kind = match source.layer {
            Layer::Boundary => "permission boundary",
            Layer::Scp { .. } => "SCP",
            _ => "policy",
        };
        let mut text = format!(
            "{kind} `{}` statement {}",
            source.policy, source.statement.index
        );
        if let Some(sid) = source
            .statement
            .sid
            .as_deref()
            .filter(|sid| !sid.is_empty())
        {
            text.push_str(&format!(" (`{sid}`)"));
        }
        let via = self
            .groups
            .iter()
            .find(|(policy, _)| std::ptr::eq(policy.name.as_str(), source.policy));
        if let Some((_, group)) = via {
            text.push_str(&format!(" through group `{group}`"));
        }
        text
    }

    /// Describes what must hold for a grant to apply: its conditions and the restrictions on
    /// the actions in `actions`, as sentences. Empty when the grant applies outright.
    pub fn qualifications(&self, grant: &EffectiveGrant<'_>, actions: &ActionSet) -> Vec<String> {
        let mut terms: Vec<String> = grant
            .conditions
            .iter()
            .map(|condition| format!("if {condition}"))
            .collect();
        terms.extend(
            grant
                .restrictions
                .iter()
                .filter(|restriction| restriction.actions().intersects(actions))
                .map(ToString::to_string),
        );
        terms
    }
}

/// Drops the grants whose conditions can no longer hold at `now`.
fn drop_expired(effective: &mut EffectiveAccess<'_>, now: Timestamp) {
    effective.grants.retain(|grant| {
        !grant
            .conditions
            .iter()
            .any(|condition| expired(condition, now))
    });
}

/// The identity's effective access amounts to full administration, and how.
pub struct Admin<'c> {
    /// [`AdminEquivalence::Yes`] or [`AdminEquivalence::Conditional`]; never `No`.
    pub verdict: AdminEquivalence<'c>,
    /// True when the verdict rests on every IAM action rather than every action: an identity
    /// that can change any IAM policy can grant itself the rest.
    pub through_iam: bool,
}

/// Judges whether effective access amounts to full administration: every action on every
/// resource, or every IAM action on every resource.
pub fn admin_equivalence<'c>(effective: &EffectiveAccess<'c>) -> Option<Admin<'c>> {
    match is_admin_equivalent(effective) {
        AdminEquivalence::No => {}
        AdminEquivalence::Yes { confirmed, sources } => {
            return Some(Admin {
                verdict: AdminEquivalence::Yes {
                    confirmed,
                    sources: main_sources(sources),
                },
                through_iam: false,
            });
        }
        AdminEquivalence::Conditional {
            sources,
            qualifications,
        } => {
            return Some(Admin {
                verdict: AdminEquivalence::Conditional {
                    sources: main_sources(sources),
                    qualifications,
                },
                through_iam: false,
            });
        }
    }

    let wide: Vec<&EffectiveGrant<'c>> = effective
        .grants
        .iter()
        .filter(|grant| grant.covers_all_resources())
        .collect();
    let reachable = ActionSet::union_of(wide.iter().map(|grant| &*grant.actions));
    let iam = every_iam_action();
    if !iam.is_subset_of(&reachable) {
        return None;
    }

    let outright = ActionSet::union_of(
        wide.iter()
            .filter(|grant| grant.is_unconditional())
            .map(|grant| &*grant.actions),
    );
    // The grants that allow all of IAM by themselves are the sources, when there are any.
    let covers_iam = |grant: &&EffectiveGrant<'c>| iam.is_subset_of(&grant.actions);
    let any_covers_iam = wide.iter().any(covers_iam);
    let covering = |grant: &&&EffectiveGrant<'c>| {
        covers_iam(grant) || (!any_covers_iam && grant.actions.intersects(iam))
    };
    let verdict = if iam.is_subset_of(&outright) {
        AdminEquivalence::Yes {
            confirmed: effective.is_complete(),
            sources: wide
                .iter()
                .filter(|grant| grant.is_unconditional())
                .filter(covering)
                .map(|grant| grant.source)
                .collect(),
        }
    } else {
        let mut qualifications: Vec<String> = Vec::new();
        for grant in wide.iter().filter(covering) {
            let terms = grant
                .conditions
                .iter()
                .map(|condition| format!("if {condition}"))
                .chain(grant.restrictions.iter().map(ToString::to_string));
            for term in terms {
                if !qualifications.contains(&term) {
                    qualifications.push(term);
                }
            }
        }
        qualifications.sort();
        AdminEquivalence::Conditional {
            sources: wide
                .iter()
                .filter(covering)
                .map(|grant| grant.source)
                .collect(),
            qualifications,
        }
    };
    Some(Admin {
        verdict,
        through_iam: true,
    })
}

/// Keeps the statements that allow every action by themselves, when there are any: the
/// other statements of an administrator add nothing to the verdict.
fn main_sources(sources: Vec<StatementRef<'_>>) -> Vec<StatementRef<'_>> {
    let whole: Vec<StatementRef<'_>> = sources
        .iter()
        .filter(|source| source.statement.actions.covers_all())
        .copied()
        .collect();
    if whole.is_empty() { sources } else { whole }
}

/// Returns the set of every IAM action of the catalogue (`iam:*`).
fn every_iam_action() -> &'static ActionSet {
    static IAM: OnceLock<ActionSet> = OnceLock::new();
    IAM.get_or_init(|| {
        let patterns: Vec<ActionPattern> = ActionPattern::parse("iam:*").into_iter().collect();
        ActionSet::from_patterns(&patterns)
    })
}

/// What the analysis keeps of each AWS identity's access, for rules that compare identities.
pub struct AwsSummary {
    pub arn: String,
    /// Whether the identity is admin-equivalent, outright or under conditions.
    pub admin: bool,
    /// Every action some grant allows, on some resource, under conditions or not.
    pub actions: ActionSet,
}

impl AwsSummary {
    /// Returns whether this identity can do something `other` cannot: it is an administrator,
    /// or it holds a catalogue action that `other` lacks.
    pub fn grants_more_than(&self, other: &ActionSet) -> bool {
        if self.admin {
            return true;
        }
        self.actions.has_catalogue_action_outside(other)
    }
}

/// The most recently issued credentials a request can still use were issued this long ago at
/// most: `GetSessionToken` and `GetFederationToken` sessions last up to 36 hours, longer than
/// role sessions.
const MAX_SESSION: SignedDuration = SignedDuration::from_hours(36);

/// Returns whether a condition can no longer hold at `now`: an upper bound on
/// `aws:CurrentTime` or `aws:EpochTime` that has passed, or one on `aws:TokenIssueTime` that
/// lies further back than any live session. `IfExists` and set qualifiers are left alone.
fn expired(condition: &Condition, now: Timestamp) -> bool {
    let operator = condition.operator;
    let upper_bound = matches!(
        operator.kind,
        OperatorKind::DateLessThan
            | OperatorKind::DateLessThanEquals
            | OperatorKind::NumericLessThan
            | OperatorKind::NumericLessThanEquals
    );
    if !upper_bound || operator.if_exists || operator.qualifier.is_some() {
        return false;
    }

    let key = condition.key().to_ascii_lowercase();
    let latest = match key.as_str() {
        "aws:currenttime" | "aws:epochtime" => now,
        "aws:tokenissuetime" => match now.checked_sub(MAX_SESSION) {
            Ok(latest) => latest,
            Err(_) => return false,
        },
        _ => return false,
    };
    let mut values = condition.values().peekable();
    values.peek().is_some()
        && values.all(|value| parse_time(value).is_some_and(|bound| bound <= latest))
}

/// Reads a date condition value: an ISO 8601 timestamp or seconds since the Unix epoch.
fn parse_time(value: &str) -> Option<Timestamp> {
    if let Ok(timestamp) = value.parse::<Timestamp>() {
        return Some(timestamp);
    }
    value
        .parse::<i64>()
        .ok()
        .and_then(|seconds| Timestamp::from_second(seconds).ok())
}

/// Returns whether the identity is an AWS user or role, the principals IAM policies apply to.
pub fn is_aws_principal(identity: &Identity) -> bool {
    matches!(identity.kind, IdentityKind::AwsRole | IdentityKind::AwsUser)
}

/// Returns the identity's ARN, built from its account and name when the inventory lacks it.
pub fn aws_arn(identity: &Identity) -> String {
    if let Some(aws) = identity.aws.as_ref().filter(|aws| !aws.arn.is_empty()) {
        return aws.arn.clone();
    }
    let kind = if identity.kind == IdentityKind::AwsUser {
        "user"
    } else {
        "role"
    };
    format!(
        "arn:aws:iam::{}:{kind}/{}",
        identity.scope.native_id(),
        identity.name
    )
}

impl Context<'_> {
    /// Returns the parsed AWS policies of the graph, reading them on first use.
    pub fn aws_policies(&self) -> &AwsPolicies {
        self.aws_policies
            .get_or_init(|| AwsPolicies::read(self.graph))
    }

    /// Returns the policies of an AWS user or role as a policy set, or `None` for any other
    /// identity.
    pub fn aws_policy_set(&self, identity: &Identity) -> Option<IdentityPolicies<'_>> {
        if !is_aws_principal(identity) {
            return None;
        }
        let policies = self.aws_policies();
        let mut identity_policies: Vec<&NamedPolicy> = Vec::new();
        let mut missing = Vec::new();
        let mut unreadable = Vec::new();
        let mut groups = Vec::new();
        let mut seen: HashSet<*const NamedPolicy> = HashSet::new();

        for reaching in self.graph.grants_reaching(&identity.key) {
            let key = &reaching.grant.policy;
            match policies.get(key) {
                Some(Ok(policy)) => {
                    if !seen.insert(std::ptr::from_ref(policy)) {
                        continue;
                    }
                    identity_policies.push(policy);
                    if let Some(group) = reaching.via_group {
                        groups.push((policy, group));
                    }
                }
                Some(Err(reason)) => unreadable.push((key.clone(), reason.clone())),
                None if reaching
                    .policy
                    .is_none_or(|policy| policy.provider == ProviderId::Aws) =>
                {
                    missing.push(key.clone());
                }
                None => {}
            }
        }

        let mut set = PolicySet::new(identity_policies);
        set.boundary = match &identity.boundary {
            Boundary::NotCollected => BoundaryState::NotCollected,
            Boundary::None => BoundaryState::None,
            Boundary::Policy(key) => match policies.get(key) {
                Some(Ok(policy)) => BoundaryState::Policy(policy),
                Some(Err(reason)) => {
                    unreadable.push((key.clone(), reason.clone()));
                    BoundaryState::NotCollected
                }
                None => {
                    missing.push(key.clone());
                    BoundaryState::NotCollected
                }
            },
        };
        set.scps = self.scps_of(identity);
        if identity.aws.as_ref().is_some_and(|aws| aws.service_linked) {
            set.exemption = Some(Exemption::ServiceLinkedRole);
        }

        Some(IdentityPolicies {
            set,
            missing,
            unreadable,
            groups,
        })
    }

    /// Returns the SCPs that apply to an identity, by organization level from the root.
    ///
    /// NOTE: the inventory holds no SCPs yet, so this returns no level. Once a provider
    /// collects them, this reads the levels above the identity's account, and the engine
    /// applies them before any "admin" verdict. Until then the management-account exemption
    /// is never set either.
    fn scps_of(&self, _identity: &Identity) -> Vec<Vec<&NamedPolicy>> {
        Vec::new()
    }

    /// Returns every action that the policies of an AWS group allow, on some resource and
    /// under conditions or not, with Denies left out. Returns `None` when the document of a
    /// policy of the group is missing or invalid.
    pub fn aws_group_actions(&self, group: &GroupKey) -> Option<ActionSet> {
        let policies = self.aws_policies();
        let mut actions = ActionSet::empty();
        for grant in self.graph.grants_held_by(&Subject::Group(group.clone())) {
            let Some(Ok(policy)) = policies.get(&grant.policy) else {
                return None;
            };
            for statement in &policy.document.statements {
                if statement.effect == Effect::Allow {
                    actions.union_with(statement.action_set());
                }
            }
        }
        Some(actions)
    }

    /// Returns what the analysis keeps of an AWS user's or role's access, computing it for
    /// every AWS identity on first use.
    pub fn aws_summary(&self, key: &IdentityKey) -> Option<&AwsSummary> {
        self.aws_summaries
            .get_or_init(|| self.summarize_aws())
            .get(key)
    }

    /// Parses the AWS policies and computes every AWS identity's summary now, in parallel,
    /// so that rules running side by side find them ready.
    pub fn prepare_aws(&self) {
        self.aws_policies();
        self.aws_summaries.get_or_init(|| self.summarize_aws());
    }

    fn summarize_aws(&self) -> HashMap<IdentityKey, AwsSummary> {
        // The policies are read first, so that no parallel task waits on their first use.
        self.aws_policies();
        let identities: Vec<&Identity> = self.graph.identities().collect();
        identities
            .into_par_iter()
            .filter_map(|identity| {
                let policies = self.aws_policy_set(identity)?;
                let effective = policies.effective(self.now);
                let summary = AwsSummary {
                    arn: aws_arn(identity),
                    admin: admin_equivalence(&effective).is_some(),
                    actions: effective.actions(),
                };
                Some((identity.key.clone(), summary))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::{Value, json};

    use super::*;
    use crate::testing::{Estate, aws_group, aws_policy, grant_to, now, role, user};

    fn admin_of(statements: Value) -> Option<(bool, Vec<String>)> {
        let deploy = role("deploy");
        let policy = aws_policy("grants", json!({"Statement": statements}));
        let graph = Estate::new()
            .grant(grant_to(&deploy, &policy))
            .identity(deploy.clone())
            .policy(policy)
            .graph();
        let context = Context::new(&graph, None, now());
        let policies = context.aws_policy_set(&deploy).unwrap();
        let effective = policies.effective(now());

        match admin_equivalence(&effective)?.verdict {
            AdminEquivalence::Yes { .. } => Some((true, Vec::new())),
            AdminEquivalence::Conditional { qualifications, .. } => Some((false, qualifications)),
            AdminEquivalence::No => panic!("`No` is never returned as a verdict"),
        }
    }

    #[test]
    fn deny_statement_never_grants() {
        let verdict = admin_of(json!([
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}}}
        ]));

        assert!(verdict.is_none());
    }

    #[test]
    fn conditional_deny_qualifies_admin() {
        let (outright, qualifications) = admin_of(json!([
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
        ]))
        .unwrap();

        assert!(!outright);
        assert_eq!(
            qualifications,
            [
                "unless BoolIfExists aws:MultiFactorAuthPresent `false` (identity policy `grants` \
              statement 1)"
            ]
        );
    }

    #[test]
    fn unconditional_deny_removes_admin() {
        let verdict = admin_of(json!([
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*"}
        ]));

        assert!(verdict.is_none());
    }

    #[test]
    fn every_iam_action_is_admin() {
        let (outright, _) = admin_of(json!([
            {"Effect": "Allow", "Action": ["iam:*", "s3:*"], "Resource": "*"}
        ]))
        .unwrap();
        let partial_iam = admin_of(json!([
            {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}
        ]));

        assert!(outright);
        assert!(partial_iam.is_none());
    }

    #[test]
    fn expired_condition_drops_grant() {
        let past = admin_of(json!([
            {"Effect": "Allow", "Action": "*", "Resource": "*",
             "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}}
        ]));
        let open = admin_of(json!([
            {"Effect": "Allow", "Action": "*", "Resource": "*",
             "Condition": {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}}
        ]));

        assert!(past.is_none());
        assert_eq!(
            open.unwrap().1,
            ["if DateGreaterThan aws:TokenIssueTime `2020-01-01T00:00:01Z`"]
        );
    }

    #[test]
    fn token_issued_within_session_is_not_expired() {
        let condition_at = |value: &str| {
            let document = json!({"Statement": [{"Effect": "Allow", "Action": "*",
                "Resource": "*", "Condition": {"DateLessThan": {"aws:TokenIssueTime": value}}}]});
            let document = PolicyDocument::from_value(&document, Grammar::Identity).unwrap();
            document.statements[0].conditions[0].clone()
        };

        assert!(!expired(&condition_at("2025-05-31T00:00:00Z"), now()));
        assert!(expired(&condition_at("2025-05-30T00:00:00Z"), now()));
        assert!(expired(&condition_at("1700000000"), now()));
    }

    #[test]
    fn group_policy_names_its_group() {
        let ci = user("ci");
        let group = aws_group("deployers", &[&ci.key]);
        let policy = aws_policy(
            "deploy",
            json!({"Statement": [{"Sid": "Ship", "Effect": "Allow", "Action": "s3:PutObject",
                "Resource": "*"}]}),
        );
        let graph = Estate::new()
            .grant(roster_model::Grant {
                subject: roster_model::Subject::Group(group.key.clone()),
                policy: policy.key.clone(),
                scope: ci.scope.clone(),
                condition: None,
            })
            .group(group)
            .identity(ci.clone())
            .policy(policy)
            .graph();
        let context = Context::new(&graph, None, now());
        let policies = context.aws_policy_set(&ci).unwrap();
        let effective = policies.effective(now());

        assert_eq!(
            policies.describe(&effective.grants[0].source),
            "policy `deploy` statement 0 (`Ship`) through group `aws:111122223333:group:deployers`"
        );
    }

    #[test]
    fn missing_documents_are_listed() {
        let deploy = role("deploy");
        let lost = aws_policy("lost", json!({}));
        let mut without_document = lost.clone();
        without_document.document = None;
        let graph = Estate::new()
            .grant(grant_to(&deploy, &lost))
            .identity(deploy.clone())
            .policy(without_document)
            .graph();
        let context = Context::new(&graph, None, now());

        let policies = context.aws_policy_set(&deploy).unwrap();

        assert_eq!(policies.missing, [lost.key]);
        assert!(policies.set.identity.is_empty());
    }

    #[test]
    fn arn_is_built_when_absent() {
        assert_eq!(aws_arn(&user("ci")), "arn:aws:iam::111122223333:user/ci");
        assert_eq!(
            aws_arn(&role("deploy")),
            "arn:aws:iam::111122223333:role/deploy"
        );
    }
}
