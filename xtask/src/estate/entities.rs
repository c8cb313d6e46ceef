//! The facts of each role, user and group that are not policies: names, ids, dates, tags,
//! trust, last use, boundaries and credentials.

use crate::rng::Rng;

use super::{ACCOUNT, Estate, Stream, documents};

/// Teams that own identities; they appear in names, paths, tags and resource names.
pub(crate) const TEAMS: [&str; 12] = [
    "payments", "search", "billing", "platform", "data", "ml", "web", "mobile", "identity",
    "growth", "support", "security",
];

/// What automation does, for role and user names.
const PURPOSES: [&str; 16] = [
    "deploy",
    "etl",
    "api",
    "worker",
    "backup",
    "exporter",
    "sync",
    "scheduler",
    "ingest",
    "reporter",
    "scanner",
    "builder",
    "migrator",
    "notifier",
    "indexer",
    "archiver",
];

const FIRST_NAMES: [&str; 10] = [
    "maria", "oleg", "ana", "kenji", "fatima", "lucas", "ines", "tomas", "priya", "noah",
];

const LAST_NAMES: [&str; 10] = [
    "chen", "petrov", "silva", "tanaka", "haddad", "moreau", "garcia", "novak", "iyer", "berg",
];

const REGIONS: [&str; 4] = ["eu-west-1", "us-east-1", "eu-central-1", "ap-southeast-2"];

/// Accounts outside the estate that roles trust: vendors and a sibling account.
pub(crate) const OTHER_ACCOUNTS: [&str; 4] = [
    "444455556666",
    "555566667777",
    "777788889999",
    "210987654321",
];

const SERVICES: [&str; 6] = [
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "glue.amazonaws.com",
    "states.amazonaws.com",
    "codebuild.amazonaws.com",
];

/// Who a role's trust policy lets in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustShape {
    /// An AWS service; EC2 roles also get an instance profile.
    Service(&'static str),
    /// Another role of the same account, by index.
    SameAccountRole(usize),
    /// The whole account (`:root`).
    SameAccountRoot,
    /// Another account's root, with an external id condition.
    CrossAccount(&'static str),
    /// GitHub Actions through an OIDC provider, limited to one repository.
    GithubOidc,
    /// An EKS service account through the cluster's OIDC provider.
    EksOidc,
    /// People signing in through a SAML provider.
    Saml,
    /// A service-linked role, created by the service.
    ServiceLinked(&'static str),
    /// A principal that was deleted, which AWS shows as its bare unique id.
    DeletedPrincipal(String),
}

/// A role, apart from its policies.
#[derive(Debug, Clone)]
pub struct RoleFacts {
    pub name: String,
    pub path: String,
    pub id: String,
    pub created_days_ago: u32,
    pub trust: TrustShape,
    /// A second trust statement: Deny for an account, to exercise Deny in trust policies.
    pub trust_deny: bool,
    pub tags: Vec<(String, String)>,
    /// Days since last use; `None` when AWS saw no use.
    pub last_used_days_ago: Option<u32>,
    pub last_used_region: &'static str,
    /// Index of a customer-managed boundary policy.
    pub boundary: Option<usize>,
    pub description: Option<String>,
}

/// One access key of a user.
#[derive(Debug, Clone)]
pub struct AccessKey {
    pub active: bool,
    pub rotated_days_ago: u32,
    pub last_used_days_ago: Option<u32>,
    pub last_used_service: &'static str,
}

/// A user, apart from its policies and groups.
#[derive(Debug, Clone)]
pub struct UserFacts {
    pub name: String,
    pub path: &'static str,
    pub id: String,
    pub created_days_ago: u32,
    pub human: bool,
    pub password_last_used_days_ago: Option<u32>,
    pub mfa: bool,
    pub keys: [Option<AccessKey>; 2],
    pub tags: Vec<(String, String)>,
    pub boundary: Option<usize>,
}

impl Estate {
    pub fn role_name(&self, role: usize) -> String {
        let team = TEAMS[role % TEAMS.len()];
        let purpose = PURPOSES[(role / TEAMS.len()) % PURPOSES.len()];
        format!("{team}-{purpose}-{role}")
    }

    pub fn role(&self, role: usize) -> RoleFacts {
        let mut rng = Rng::stream(self.spec.seed, Stream::Role as u64, role);
        let team = TEAMS[role % TEAMS.len()];
        let trust = self.trust_shape(role, &mut rng);
        let path = match &trust {
            TrustShape::ServiceLinked(service) => format!("/aws-service-role/{service}/"),
            TrustShape::Service(_) if rng.below(2) == 0 => "/service-role/".to_owned(),
            _ if rng.below(3) == 0 => format!("/app/{team}/"),
            _ => "/".to_owned(),
        };
        let name = match &trust {
            TrustShape::ServiceLinked(service) => {
                let short = service.split('.').next().unwrap_or(service);
                format!("AWSServiceRoleFor{}{role}", capitalize(short))
            }
            TrustShape::Saml => format!("AWSReservedSSO_{team}-access_{role}"),
            _ => self.role_name(role),
        };
        let never_used = rng.below(100) < 25;
        let last_used_days_ago = (!never_used).then(|| rng.skewed(400) as u32);
        let boundary = rng
            .per_mille(200)
            .then(|| rng.below(documents::BOUNDARY_POLICIES));

        RoleFacts {
            name,
            path,
            id: format!("AROA{}", rng.id_suffix(17)),
            created_days_ago: 30 + rng.below(1800) as u32,
            trust_deny: rng.per_mille(20),
            tags: tags(team, &mut rng),
            last_used_days_ago,
            last_used_region: rng.pick(&REGIONS),
            boundary,
            description: (rng.below(2) == 0).then(|| format!("Runs the {team} automation")),
            trust,
        }
    }

    fn trust_shape(&self, role: usize, rng: &mut Rng) -> TrustShape {
        match rng.below(100) {
            0..=39 => TrustShape::Service(rng.pick(&SERVICES)),
            40..=52 => TrustShape::SameAccountRole(rng.below(self.roles)),
            53..=57 => TrustShape::SameAccountRoot,
            58..=71 => TrustShape::CrossAccount(rng.pick(&OTHER_ACCOUNTS)),
            72..=79 => TrustShape::GithubOidc,
            80..=86 => TrustShape::EksOidc,
            87..=93 => TrustShape::Saml,
            94..=96 => TrustShape::ServiceLinked(rng.pick(&SERVICES)),
            _ if role.is_multiple_of(2) => {
                TrustShape::DeletedPrincipal(format!("AROA{}", rng.id_suffix(17)))
            }
            _ => TrustShape::Service("lambda.amazonaws.com"),
        }
    }

    pub fn user(&self, user: usize) -> UserFacts {
        let mut rng = Rng::stream(self.spec.seed, Stream::User as u64, user);
        let team = TEAMS[user % TEAMS.len()];
        let human = rng.below(100) < 15;
        let (name, path) = if human {
            let first = rng.pick(&FIRST_NAMES);
            let last = rng.pick(&LAST_NAMES);
            (format!("{first}.{last}{user}"), "/")
        } else if rng.below(2) == 0 {
            let purpose = PURPOSES[(user / TEAMS.len()) % PURPOSES.len()];
            (format!("ci-{team}-{purpose}-{user}"), "/ci/")
        } else {
            let purpose = PURPOSES[(user / TEAMS.len()) % PURPOSES.len()];
            (format!("svc-{team}-{purpose}-{user}"), "/service/")
        };
        let key_chance = if human { 200 } else { 800 };
        let first_key = rng.per_mille(key_chance).then(|| access_key(&mut rng));
        let second_key = (first_key.is_some() && rng.per_mille(150)).then(|| access_key(&mut rng));

        UserFacts {
            name,
            path,
            id: format!("AIDA{}", rng.id_suffix(17)),
            created_days_ago: 30 + rng.below(1800) as u32,
            human,
            password_last_used_days_ago: human.then(|| rng.skewed(200) as u32),
            mfa: human && rng.per_mille(800),
            keys: [first_key, second_key],
            tags: tags(team, &mut rng),
            boundary: rng
                .per_mille(100)
                .then(|| rng.below(documents::BOUNDARY_POLICIES)),
        }
    }

    pub fn group_name(&self, group: usize) -> String {
        let team = TEAMS[group % TEAMS.len()];
        let purpose = PURPOSES[(group / TEAMS.len()) % PURPOSES.len()];
        format!("{team}-{purpose}-group-{group}")
    }

    pub fn group_id(&self, group: usize) -> String {
        let mut rng = Rng::stream(self.spec.seed, Stream::Group as u64 + 100, group);
        format!("AGPA{}", rng.id_suffix(17))
    }

    pub fn account(&self) -> &'static str {
        ACCOUNT
    }
}

fn access_key(rng: &mut Rng) -> AccessKey {
    let rotated_days_ago = rng.below(1200) as u32;
    let used = rng.per_mille(800);
    AccessKey {
        active: rng.per_mille(900),
        rotated_days_ago,
        last_used_days_ago: used.then(|| (rng.skewed(200) as u32).min(rotated_days_ago)),
        last_used_service: rng.pick(&["s3", "sts", "ecr", "dynamodb", "sqs"]),
    }
}

/// Tags of most identities: an owner, a team and an environment; some have none, some lack
/// the owner.
fn tags(team: &str, rng: &mut Rng) -> Vec<(String, String)> {
    let mut tags = Vec::new();
    match rng.below(10) {
        0 => return tags,
        1 => {}
        _ => tags.push(("owner".to_owned(), team.to_owned())),
    }
    tags.push(("team".to_owned(), team.to_owned()));
    let environment = rng.pick(&["prod", "staging", "dev"]);
    tags.push(("env".to_owned(), environment.to_owned()));
    if rng.below(4) == 0 {
        tags.push((
            "cost-center".to_owned(),
            format!("cc-{}", 1000 + rng.below(90)),
        ));
    }
    tags
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}
