//! `roster init`: writes a roster file that declares the estate as it is, so that a team can
//! adopt Roster on an existing estate and tighten the file from there.
//!
//! One environment per scope that contains identities, a roster group per provider group
//! (mirroring its members by id), a roster group per shared IAM path or name prefix
//! (matching by selector), and an identity declaration for everything else. Owners come
//! from owner tags; where none is known the file says `unassigned` with a `TODO` mark.
//! Scanning the same state with the written file reports no undeclared, missing or
//! membership-drift findings.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;
use jiff::Timestamp;
use roster_analyze::IdentityAssessment;
use roster_declared::ScopeList;
use roster_graph::IdentityGraph;
use roster_model::{Group, Identity, IdentityKey, Inventory, Nature, Scope, ScopeId};

use crate::commands::scan::import_all;
use crate::demo;
use crate::exit::Outcome;

/// The owner written where no owner tag names one.
pub const UNASSIGNED_OWNER: &str = "unassigned";

/// The minimum number of identities sharing an IAM path or a name prefix for which `init`
/// writes a selector group.
const MIN_PATTERN_MEMBERS: usize = 2;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Read a provider's exports: PROVIDER=PATH, where PATH is a file or a folder of files.
    /// Repeatable.
    #[arg(
        long = "import",
        value_name = "PROVIDER=PATH",
        env = "ROSTER_IMPORT",
        value_delimiter = ','
    )]
    pub imports: Vec<String>,

    /// Describe the bundled demo estate.
    #[arg(long, env = "ROSTER_DEMO", conflicts_with = "imports")]
    pub demo: bool,

    /// The file to write the roster to; `-` writes it to stdout.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "roster.yaml",
        env = "ROSTER_INIT_OUT"
    )]
    pub out: PathBuf,

    /// Replace the file when it exists.
    #[arg(long, env = "ROSTER_INIT_FORCE")]
    pub force: bool,
}

pub fn run(args: &InitArgs) -> anyhow::Result<Outcome> {
    let (inventories, now) = if args.demo {
        (demo::inventories()?, demo::now()?)
    } else {
        (import_all(&args.imports)?, Timestamp::now())
    };

    let text = render(inventories, now);
    let shown_path = if args.out == Path::new("-") {
        Path::new("roster.yaml")
    } else {
        args.out.as_path()
    };
    roster_declared::load_text(shown_path, &text)
        .context("the generated roster does not load; this is a bug in `roster init`")?;

    write_out(&args.out, &text, args.force)?;
    if args.out != Path::new("-") {
        eprintln!(
            "wrote `{}`: review every `TODO`, then scan with `roster scan --roster {}`",
            args.out.display(),
            args.out.display()
        );
    }
    Ok(Outcome::Clean)
}

fn write_out(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    if path == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        return stdout.flush().context("cannot write the roster");
    }
    if path.exists() && !force {
        bail!(
            "`{}` exists: give `--force` to replace it, or `--out` another file",
            path.display()
        );
    }
    fs::write(path, text).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Renders the roster file for the inventories.
fn render(inventories: Vec<Inventory>, now: Timestamp) -> String {
    let graph = IdentityGraph::build(inventories);
    let analysis = roster_analyze::analyze(&graph, None, now);
    let assessments: BTreeMap<&IdentityKey, &IdentityAssessment> = analysis
        .identities
        .iter()
        .map(|assessment| (&assessment.key, assessment))
        .collect();
    let plan = Plan::build(&graph, &assessments);

    let mut text = header(&graph);
    text.push_str("version: 1\n");
    environments_section(&mut text, &plan);
    groups_section(&mut text, &plan);
    identities_section(&mut text, &plan);
    text
}

/// The file's declarations, decided before anything is written.
struct Plan<'a> {
    /// Scope id to its environment name and the scope itself.
    environments: BTreeMap<&'a ScopeId, (String, &'a Scope)>,
    provider_groups: Vec<(String, &'a Group)>,
    pattern_groups: Vec<PatternGroup<'a>>,
    singles: Vec<&'a Identity>,
    owners: BTreeMap<&'a IdentityKey, Option<String>>,
    natures: BTreeMap<&'a IdentityKey, Nature>,
}

/// Identities of one scope that share an IAM path prefix or a name prefix.
struct PatternGroup<'a> {
    name: String,
    scope: &'a Scope,
    pattern: Pattern,
    members: Vec<&'a Identity>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Pattern {
    /// An IAM path prefix such as `/app/`.
    Path(String),
    /// A name prefix such as `ci-`, within one identity kind.
    NamePrefix(roster_model::IdentityKind, String),
}

impl<'a> Plan<'a> {
    fn build(
        graph: &'a IdentityGraph,
        assessments: &BTreeMap<&IdentityKey, &IdentityAssessment>,
    ) -> Plan<'a> {
        let environments = environment_names(graph);
        let mut taken: BTreeSet<String> = BTreeSet::new();

        let mut provider_groups = Vec::new();
        let mut grouped: BTreeSet<&IdentityKey> = BTreeSet::new();
        for group in graph.groups() {
            let environment = environments
                .get(&group.scope)
                .map_or("", |(name, _)| name.as_str());
            let name = unique_name(&slug(&group.name), environment, &mut taken);
            grouped.extend(
                group
                    .members
                    .iter()
                    .filter(|key| graph.identity(key).is_some()),
            );
            provider_groups.push((name, group));
        }

        let ungrouped: Vec<&Identity> = graph
            .identities()
            .filter(|identity| !grouped.contains(&identity.key))
            .collect();
        let (pattern_groups, singles) =
            pattern_groups(graph, &environments, ungrouped, assessments, &mut taken);

        Plan {
            environments,
            provider_groups,
            pattern_groups,
            singles,
            owners: graph
                .identities()
                .map(|identity| {
                    let owner = assessments
                        .get(&identity.key)
                        .and_then(|assessment| assessment.owner.as_ref())
                        .map(|owner| owner.name.clone());
                    (&identity.key, owner)
                })
                .collect(),
            natures: graph
                .identities()
                .map(|identity| {
                    let nature = assessments
                        .get(&identity.key)
                        .map_or(Nature::NonHuman, |assessment| assessment.nature);
                    (&identity.key, nature)
                })
                .collect(),
        }
    }

    fn environment(&self, scope: &ScopeId) -> Option<&str> {
        self.environments.get(scope).map(|(name, _)| name.as_str())
    }

    /// Returns the owner that every identity agrees on, when there is one.
    fn common_owner<'k>(&self, keys: impl IntoIterator<Item = &'k IdentityKey>) -> Option<&str> {
        let mut owners = keys
            .into_iter()
            .map(|key| self.owners.get(key).and_then(Option::as_deref));
        let first = owners.next()??;
        owners.all(|owner| owner == Some(first)).then_some(first)
    }
}

/// Names one environment per scope that contains identities or groups: `<provider>-<id>`, or
/// the scope's display name when the provider gave one.
fn environment_names(graph: &IdentityGraph) -> BTreeMap<&ScopeId, (String, &Scope)> {
    let used: BTreeSet<&ScopeId> = graph
        .identities()
        .map(|identity| &identity.scope)
        .chain(graph.groups().map(|group| &group.scope))
        .collect();

    let mut taken = BTreeSet::new();
    let mut names = BTreeMap::new();
    for scope in graph.scopes().filter(|scope| used.contains(&scope.id)) {
        let base = match &scope.display_name {
            Some(display) if !slug(display).is_empty() => slug(display),
            _ => slug(&format!("{}-{}", scope.provider, scope.native_id)),
        };
        let name = unique_name(&base, "", &mut taken);
        names.insert(&scope.id, (name, scope));
    }
    names
}

/// Splits identities into selector groups (by IAM path prefix, then by name prefix) and the
/// rest, which are declared one by one. People are always declared one by one.
fn pattern_groups<'a>(
    graph: &'a IdentityGraph,
    environments: &BTreeMap<&ScopeId, (String, &'a Scope)>,
    identities: Vec<&'a Identity>,
    assessments: &BTreeMap<&IdentityKey, &IdentityAssessment>,
    taken: &mut BTreeSet<String>,
) -> (Vec<PatternGroup<'a>>, Vec<&'a Identity>) {
    let is_human = |identity: &Identity| {
        assessments
            .get(&identity.key)
            .is_some_and(|assessment| assessment.nature == Nature::Human)
    };

    let mut by_pattern: BTreeMap<(&ScopeId, Pattern), Vec<&Identity>> = BTreeMap::new();
    let mut singles = Vec::new();
    for identity in identities {
        if is_human(identity) {
            singles.push(identity);
            continue;
        }
        match pattern_of(identity) {
            Some(pattern) => by_pattern
                .entry((&identity.scope, pattern))
                .or_default()
                .push(identity),
            None => singles.push(identity),
        }
    }

    let mut groups = Vec::new();
    for ((scope_id, pattern), members) in by_pattern {
        let scope = graph.scope(scope_id);
        let (Some(scope), true) = (scope, members.len() >= MIN_PATTERN_MEMBERS) else {
            singles.extend(members);
            continue;
        };
        let environment = environments
            .get(scope_id)
            .map_or("", |(name, _)| name.as_str());
        let base = match &pattern {
            Pattern::Path(path) => slug(path),
            Pattern::NamePrefix(kind, prefix) => slug(&format!("{prefix}{kind}s")),
        };
        let name = unique_name(&format!("{base}-{environment}"), "", taken);
        groups.push(PatternGroup {
            name,
            scope,
            pattern,
            members,
        });
    }
    singles.sort_by(|a, b| a.key.cmp(&b.key));
    (groups, singles)
}

/// Returns the IAM path's first segment (`/app/` of `/app/batch/`) when the path is not `/`,
/// else the part of the name before its first `-`, `_` or `.` when that part has at least
/// two characters.
fn pattern_of(identity: &Identity) -> Option<Pattern> {
    if let Some(path) = identity.aws.as_ref().map(|aws| aws.path.as_str()) {
        let first = path.trim_matches('/').split('/').next().unwrap_or_default();
        if !first.is_empty() {
            return Some(Pattern::Path(format!("/{first}/")));
        }
    }
    let cut = identity.name.find(['-', '_', '.'])?;
    let prefix = &identity.name[..=cut];
    (cut >= 2).then(|| Pattern::NamePrefix(identity.kind, prefix.to_owned()))
}

fn header(graph: &IdentityGraph) -> String {
    let mut text = String::from(
        "# Machine identities, declared by `roster init` from the estate as it was found:\n",
    );
    for source in graph.sources() {
        let _ = writeln!(text, "#   {source}");
    }
    text.push_str(
        "#\n\
         # This file records what exists, not what should exist. Review every `TODO`: name the\n\
         # environments and owners, then tighten the groups with `allowed` ceilings and\n\
         # `credentials` rules, and remove what nobody needs.\n",
    );
    text
}

fn environments_section(text: &mut String, plan: &Plan<'_>) {
    text.push_str("\nenvironments:\n");
    let mut entries: Vec<&(String, &Scope)> = plan.environments.values().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));

    for (name, scope) in entries {
        let list = ScopeList::for_kind(scope.kind);
        let (provider, field) = list.field_path().split_once('.').unwrap_or(("", ""));
        let _ = writeln!(
            text,
            "  # TODO: name this environment (for example prod, staging or dev): {} `{}`",
            scope_kind_words(list),
            scope.native_id
        );
        let _ = writeln!(text, "  {name}:");
        let _ = writeln!(text, "    {provider}:");
        let _ = writeln!(text, "      {field}: [{}]", quoted(&scope.native_id));
    }
}

fn groups_section(text: &mut String, plan: &Plan<'_>) {
    if plan.provider_groups.is_empty() && plan.pattern_groups.is_empty() {
        return;
    }
    text.push_str("\ngroups:\n");

    for (index, (name, group)) in plan.provider_groups.iter().enumerate() {
        if index > 0 {
            text.push('\n');
        }
        let members: Vec<&IdentityKey> = group
            .members
            .iter()
            .filter(|key| plan.owners.contains_key(key))
            .collect();
        let _ = writeln!(text, "  # Mirrors the provider group `{}`.", group.name);
        let _ = writeln!(text, "  {name}:");
        write_environment(text, plan.environment(&group.scope), 4);
        let owner = group_owner(group).or_else(|| plan.common_owner(members.iter().copied()));
        write_owner(text, owner, 4);
        let _ = writeln!(text, "    provider_group: {}", quoted(group.key.as_str()));
        if members.is_empty() {
            text.push_str("    members: []\n");
            continue;
        }
        text.push_str("    members:\n");
        for key in members {
            let _ = writeln!(text, "      - id: {}", quoted(key.as_str()));
        }
    }

    for (index, group) in plan.pattern_groups.iter().enumerate() {
        if index > 0 || !plan.provider_groups.is_empty() {
            text.push('\n');
        }
        let (comment, selector) = match &group.pattern {
            Pattern::Path(path) => (
                format!("Identities under the IAM path `{path}`"),
                format!("          path: {}\n", quoted(path)),
            ),
            Pattern::NamePrefix(kind, prefix) => (
                format!("Identities of kind `{kind}` named `{prefix}*`"),
                format!(
                    "          kind: {kind}\n          name: {}\n",
                    quoted(&format!("{prefix}*"))
                ),
            ),
        };
        let _ = writeln!(
            text,
            "  # {comment}: {} when written.",
            counted(group.members.len())
        );
        let _ = writeln!(text, "  {}:", group.name);
        write_environment(text, plan.environment(&group.scope.id), 4);
        write_owner(
            text,
            plan.common_owner(group.members.iter().map(|identity| &identity.key)),
            4,
        );
        text.push_str("    members:\n      - selector:\n");
        let _ = writeln!(text, "          provider: {}", group.scope.provider);
        let _ = writeln!(text, "          scope: {}", quoted(&group.scope.native_id));
        text.push_str(&selector);
    }
}

fn identities_section(text: &mut String, plan: &Plan<'_>) {
    if plan.singles.is_empty() {
        return;
    }
    text.push_str("\nidentities:\n");
    for (index, identity) in plan.singles.iter().enumerate() {
        if index > 0 {
            text.push('\n');
        }
        let _ = writeln!(text, "  - id: {}", quoted(identity.key.as_str()));
        let owner = plan.owners.get(&identity.key).and_then(Option::as_deref);
        write_owner(text, owner, 4);
        write_environment(text, plan.environment(&identity.scope), 4);
        if plan.natures.get(&identity.key) == Some(&Nature::Human) {
            text.push_str("    # The evidence points to a person's account.\n    human: true\n");
        }
    }
}

fn write_environment(text: &mut String, environment: Option<&str>, indent: usize) {
    if let Some(environment) = environment {
        let _ = writeln!(text, "{}environment: {environment}", " ".repeat(indent));
    }
}

fn write_owner(text: &mut String, owner: Option<&str>, indent: usize) {
    let pad = " ".repeat(indent);
    match owner {
        Some(owner) => {
            let _ = writeln!(text, "{pad}owner: {}", quoted(owner));
        }
        None => {
            let _ = writeln!(
                text,
                "{pad}owner: {UNASSIGNED_OWNER}  # TODO: name the owner; no owner tag was found"
            );
        }
    }
}

/// Returns the group's own owner tag.
fn group_owner(group: &Group) -> Option<&str> {
    ["owner", "team", "owner-team", "contact"]
        .iter()
        .find_map(|name| {
            group
                .tags
                .iter()
                .find(|(key, value)| key.eq_ignore_ascii_case(name) && !value.trim().is_empty())
                .map(|(_, value)| value.as_str())
        })
}

fn scope_kind_words(list: ScopeList) -> &'static str {
    match list {
        ScopeList::AwsAccounts => "AWS account",
        ScopeList::GcpOrganizations => "GCP organization",
        ScopeList::GcpFolders => "GCP folder",
        ScopeList::GcpProjects => "GCP project",
        ScopeList::AzureTenants => "Azure tenant",
        ScopeList::AzureManagementGroups => "Azure management group",
        ScopeList::AzureSubscriptions => "Azure subscription",
        ScopeList::AzureResourceGroups => "Azure resource group",
        ScopeList::SlackWorkspaces => "Slack workspace",
        ScopeList::KubernetesClusters => "Kubernetes cluster",
        ScopeList::KubernetesNamespaces => "Kubernetes namespace",
    }
}

fn counted(count: usize) -> String {
    if count == 1 {
        "1 identity".to_owned()
    } else {
        format!("{count} identities")
    }
}

/// Lowercases and keeps letters, digits and single dashes: `/aws-service-role/` becomes
/// `aws-service-role`.
fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for character in text.chars() {
        if character.is_ascii_alphanumeric() {
            slug.push(character.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// Returns `base`, else `base-suffix`, else `base-2`, `base-3` ..., whichever is free.
fn unique_name(base: &str, suffix: &str, taken: &mut BTreeSet<String>) -> String {
    let base = if base.is_empty() { "group" } else { base };
    let mut candidates = vec![base.to_owned()];
    if !suffix.is_empty() {
        candidates.push(format!("{base}-{suffix}"));
    }
    let name = candidates
        .into_iter()
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| {
            (2..)
                .map(|number| format!("{base}-{number}"))
                .find(|candidate| !taken.contains(candidate))
                .unwrap_or_else(|| base.to_owned())
        });
    taken.insert(name.clone());
    name
}

/// Writes a YAML double-quoted scalar.
fn quoted(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn slug_keeps_letters_digits_and_single_dashes() {
        assert_eq!(slug("/aws-service-role/"), "aws-service-role");
        assert_eq!(slug("CI Deployers!"), "ci-deployers");
        assert_eq!(slug("aws-210987654321"), "aws-210987654321");
    }

    #[test]
    fn unique_name_adds_suffix_then_number() {
        let mut taken = BTreeSet::new();

        assert_eq!(unique_name("deployers", "prod", &mut taken), "deployers");
        assert_eq!(
            unique_name("deployers", "prod", &mut taken),
            "deployers-prod"
        );
        assert_eq!(unique_name("deployers", "prod", &mut taken), "deployers-2");
    }

    #[test]
    fn demo_roster_loads() {
        let text = render(demo::inventories().unwrap(), demo::now().unwrap());

        let loaded = roster_declared::load_text(Path::new("roster.yaml"), &text);

        assert!(loaded.is_ok(), "{text}\n{loaded:?}");
        assert!(text.contains("TODO: name this environment"), "{text}");
    }
}
