use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The result of comparing an identity with the roster.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DriftClass {
    /// Declared and found.
    Matched,
    /// Found, not declared.
    Undeclared,
    /// Declared, not found, in a scope whose coverage is complete.
    Missing,
    /// Found, and different from its declaration.
    Drifted,
    /// In a scope or kind that was not fully collected, so no comparison was made.
    Unverified,
}

impl DriftClass {
    pub const ALL: [DriftClass; 5] = [
        DriftClass::Matched,
        DriftClass::Undeclared,
        DriftClass::Missing,
        DriftClass::Drifted,
        DriftClass::Unverified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DriftClass::Matched => "matched",
            DriftClass::Undeclared => "undeclared",
            DriftClass::Missing => "missing",
            DriftClass::Drifted => "drifted",
            DriftClass::Unverified => "unverified",
        }
    }
}

impl std::fmt::Display for DriftClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
