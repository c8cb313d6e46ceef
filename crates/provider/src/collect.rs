use std::future::Future;
use std::sync::Arc;

use roster_model::{CollectionStats, Inventory, ScopeId};

/// What a live collection returns: the inventory, and the API calls each scope took.
#[derive(Debug, Clone)]
pub struct Collection {
    pub inventory: Inventory,
    /// One entry per scope, sorted by scope.
    pub stats: Vec<CollectionStats>,
}

/// A provider that collects from its live API.
///
/// A failure that leaves a scope or kind uncollected is not an error: it becomes coverage
/// (`denied` or `partial`) in the returned inventory. An error means that nothing could be
/// collected, for example when no credentials are found.
pub trait Collector {
    /// The provider's typed configuration: credentials source, endpoints, scopes, limits.
    type Config: Send + Sync;
    type Error: std::error::Error + Send + Sync + 'static;

    fn collect(
        &self,
        config: &Self::Config,
        progress: Arc<dyn Progress>,
    ) -> impl Future<Output = Result<Collection, Self::Error>> + Send;
}

/// Receives a live collection's progress, per scope. The binary draws it on a terminal.
pub trait Progress: Send + Sync {
    /// A scope's collection began.
    fn started(&self, scope: &ScopeId);

    /// The scope has `units` more units of work, for example one per identity to look up.
    fn add_work(&self, scope: &ScopeId, units: u64);

    /// One unit of work of the scope is done; `stage` names what it was part of.
    fn advance(&self, scope: &ScopeId, stage: &str);

    /// The scope's collection ended; `outcome` is one short sentence, for example
    /// `complete` or `2 parts unverified`.
    fn finished(&self, scope: &ScopeId, outcome: &str);
}

/// Progress that is not shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn started(&self, _scope: &ScopeId) {}

    fn add_work(&self, _scope: &ScopeId, _units: u64) {}

    fn advance(&self, _scope: &ScopeId, _stage: &str) {}

    fn finished(&self, _scope: &ScopeId, _outcome: &str) {}
}
