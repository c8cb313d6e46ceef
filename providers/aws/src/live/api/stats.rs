//! Counts of the calls of one account: calls, pages and failures as the API layer makes them,
//! and attempts as the SDK sends them, through an interceptor.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use roster_model::OperationStats;

#[derive(Debug, Default, Clone, Copy)]
struct Counters {
    calls: u64,
    pages: u64,
    attempts: u64,
    failures: u64,
}

/// Call counters shared by the clients of one account, keyed by permission name.
#[derive(Debug, Default, Clone)]
pub struct CallStats {
    counters: Arc<Mutex<BTreeMap<String, Counters>>>,
}

impl CallStats {
    fn update(&self, operation: &str, change: impl FnOnce(&mut Counters)) {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        change(counters.entry(operation.to_owned()).or_default());
    }

    /// Records a call that returned, and whether its response was a page of a listing.
    pub fn succeeded(&self, operation: &str, page: bool) {
        self.update(operation, |counters| {
            counters.calls += 1;
            if page {
                counters.pages += 1;
            }
        });
    }

    pub fn failed(&self, operation: &str) {
        self.update(operation, |counters| {
            counters.calls += 1;
            counters.failures += 1;
        });
    }

    fn attempted(&self, operation: &str) {
        self.update(operation, |counters| counters.attempts += 1);
    }

    /// Returns the counts per operation, sorted.
    pub fn operations(&self) -> Vec<OperationStats> {
        let counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        counters
            .iter()
            .map(|(operation, counters)| OperationStats {
                operation: operation.clone(),
                calls: counters.calls,
                pages: counters.pages,
                retries: counters.attempts.saturating_sub(counters.calls),
                failures: counters.failures,
            })
            .collect()
    }

    /// Returns the interceptor that counts the attempts of every request a client sends.
    pub fn interceptor(&self) -> AttemptCounter {
        AttemptCounter {
            stats: self.clone(),
        }
    }
}

/// Counts each attempt, the first and every retry, under the operation's permission name.
#[derive(Debug, Clone)]
pub struct AttemptCounter {
    stats: CallStats,
}

impl Intercept for AttemptCounter {
    fn name(&self) -> &'static str {
        "RosterAttemptCounter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            let service = permission_prefix(metadata.service());
            self.stats
                .attempted(&format!("{service}:{}", metadata.name()));
        }
        Ok(())
    }
}

/// Returns the prefix that permissions use for a service's SDK name (`IAM` is `iam`).
fn permission_prefix(service: &str) -> String {
    service.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_are_attempts_beyond_calls() {
        let stats = CallStats::default();
        stats.attempted("iam:GetRole");
        stats.attempted("iam:GetRole");
        stats.attempted("iam:GetRole");
        stats.succeeded("iam:GetRole", false);

        let operations = stats.operations();

        assert_eq!(operations.len(), 1);
        assert_eq!(operations[0].calls, 1);
        assert_eq!(operations[0].retries, 2);
        assert_eq!(operations[0].pages, 0);
    }

    #[test]
    fn prefix_is_lowercase_service() {
        assert_eq!(permission_prefix("Organizations"), "organizations");
        assert_eq!(permission_prefix("IAM"), "iam");
    }
}
