//! Deserialization and matching of group members.

use roster_model::Identity;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use crate::types::{MemberMatcher, Selector};

/// The fields a member may give. Reading them into one struct (instead of trying each variant
/// of an untagged enum) keeps unknown fields and their positions in the error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "MemberMatcher")]
struct MemberFields {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    selector: Option<Selector>,
}

/// The error message of a member that gives both `id` and `selector`, which the loader
/// recognises to name the member.
pub(crate) const BOTH_ID_AND_SELECTOR: &str = "a member gives both `id` and `selector`";

/// The error message of a member that gives neither `id` nor `selector`, which the loader
/// recognises to name the member.
pub(crate) const NEITHER_ID_NOR_SELECTOR: &str = "a member gives neither `id` nor `selector`";

impl<'de> Deserialize<'de> for MemberMatcher {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = MemberFields::deserialize(deserializer)?;
        match (fields.id, fields.selector) {
            (Some(id), None) => Ok(MemberMatcher::Id { id }),
            (None, Some(selector)) => Ok(MemberMatcher::Selector { selector }),
            (Some(_), Some(_)) => Err(D::Error::custom(BOTH_ID_AND_SELECTOR)),
            (None, None) => Err(D::Error::custom(NEITHER_ID_NOR_SELECTOR)),
        }
    }
}

impl MemberMatcher {
    /// Tells whether the identity is this member: its key equals `id`, or it matches the
    /// selector.
    pub fn matches(&self, identity: &Identity) -> bool {
        match self {
            MemberMatcher::Id { id } => identity.key.as_str() == id,
            MemberMatcher::Selector { selector } => selector.matches(identity),
        }
    }
}
