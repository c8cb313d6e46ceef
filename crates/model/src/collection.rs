use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ProviderId, ScopeId};

/// The cost of collecting one scope from a live API: calls per operation, pages, retries and
/// wall time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct CollectionStats {
    pub provider: ProviderId,
    pub scope: ScopeId,
    /// Wall time of the scope's collection, in milliseconds.
    pub duration_ms: u64,
    /// One entry per API operation, sorted by operation.
    pub operations: Vec<OperationStats>,
}

impl CollectionStats {
    /// Returns the total of calls over every operation.
    pub fn calls(&self) -> u64 {
        self.operations
            .iter()
            .map(|operation| operation.calls)
            .sum()
    }
}

/// Calls of one API operation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct OperationStats {
    /// The operation as a permission names it, for example `iam:GetAccountAuthorizationDetails`.
    pub operation: String,
    /// Calls made, each counted once however many attempts it took.
    pub calls: u64,
    /// Responses that carried one page of a listing.
    pub pages: u64,
    /// Attempts beyond the first, after throttling or a transient error.
    pub retries: u64,
    /// Calls that failed after their last attempt.
    pub failures: u64,
}
