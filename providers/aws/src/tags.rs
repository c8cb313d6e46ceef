//! Tags on users, roles and groups, and the nature evidence they give.

use std::collections::BTreeMap;

use roster_model::{Evidence, Nature, Signal};

use crate::raw::Tag;

/// Collects tags into a map. IAM tag keys are unique per resource, so no value is lost.
pub(crate) fn tag_map(tags: Vec<Tag>) -> BTreeMap<String, String> {
    tags.into_iter().map(|tag| (tag.key, tag.value)).collect()
}

/// Reads the tags that teams use to label identities: `type` or `kind` (`human`, `person`,
/// `service`, `machine`, `bot`, ...), `nhi` and `human` (`true` or `false`). Keys and values
/// compare case-insensitively. Other tags give no evidence.
pub(crate) fn tag_evidence(tags: &BTreeMap<String, String>) -> Vec<Evidence> {
    let mut evidence = Vec::new();
    for (key, value) in tags {
        let Some(nature) = nature_from_tag(key, value) else {
            continue;
        };
        evidence.push(Evidence {
            signal: Signal::Tag,
            points_to: nature,
            detail: format!("tag `{key}` is `{value}`"),
        });
    }
    evidence
}

fn nature_from_tag(key: &str, value: &str) -> Option<Nature> {
    let key = key.to_ascii_lowercase();
    let value = value.trim().to_ascii_lowercase();
    match key.as_str() {
        "type" | "kind" | "identity-type" | "identity_type" => nature_from_label(&value),
        "nhi" | "non-human" => flag(&value).map(|is_nhi| nature_of(!is_nhi)),
        "human" => flag(&value).map(nature_of),
        _ => None,
    }
}

fn nature_from_label(value: &str) -> Option<Nature> {
    match value {
        "human" | "person" | "employee" => Some(Nature::Human),
        "service" | "machine" | "bot" | "automation" | "workload" | "nhi" | "non-human" => {
            Some(Nature::NonHuman)
        }
        _ => None,
    }
}

fn flag(value: &str) -> Option<bool> {
    match value {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn nature_of(is_human: bool) -> Nature {
    if is_human {
        Nature::Human
    } else {
        Nature::NonHuman
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn natures(pairs: &[(&str, &str)]) -> Vec<Nature> {
        tag_evidence(&tags(pairs))
            .into_iter()
            .map(|evidence| evidence.points_to)
            .collect()
    }

    #[test]
    fn type_tag_names_nature() {
        assert_eq!(natures(&[("Type", "Service")]), [Nature::NonHuman]);
        assert_eq!(natures(&[("kind", "person")]), [Nature::Human]);
        assert_eq!(natures(&[("type", "bot")]), [Nature::NonHuman]);
    }

    #[test]
    fn flag_tags_name_nature() {
        assert_eq!(natures(&[("nhi", "true")]), [Nature::NonHuman]);
        assert_eq!(natures(&[("human", "yes")]), [Nature::Human]);
        assert_eq!(natures(&[("human", "false")]), [Nature::NonHuman]);
    }

    #[test]
    fn unrelated_tags_say_nothing() {
        assert!(natures(&[("team", "payments"), ("type", "batch")]).is_empty());
    }

    #[test]
    fn evidence_names_tag() {
        let evidence = tag_evidence(&tags(&[("Type", "machine")]));
        assert_eq!(evidence[0].signal, Signal::Tag);
        assert_eq!(evidence[0].detail, "tag `Type` is `machine`");
    }
}
