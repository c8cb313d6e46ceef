//! Call counting and retries: every API call goes through [`CallStats::run`], which retries
//! throttled (429) and failed (5xx, connection) attempts with exponential backoff and
//! jitter, and counts calls, pages, retries and failures per operation.

use std::collections::BTreeMap;
use std::future::Future;
use std::hash::{BuildHasher as _, RandomState};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use roster_model::OperationStats;

/// The retry policy of API calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySettings {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// The first backoff; each later one doubles, up to `max_backoff`.
    pub initial_backoff: Duration,
    /// The maximum wait between two attempts, a server's `Retry-After` included.
    pub max_backoff: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl RetrySettings {
    /// Returns the wait before attempt `attempt + 1`: the exponential backoff with jitter
    /// between half and all of it, or the server's `Retry-After` when that is longer, both
    /// capped at `max_backoff`.
    fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exponent = attempt.saturating_sub(1).min(16);
        let backoff = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        let jitter = RandomState::new().hash_one(attempt) % 1000;
        let jittered = backoff / 2 + backoff.mul_f64(jitter as f64 / 2000.0);
        jittered
            .max(retry_after.unwrap_or_default())
            .min(self.max_backoff)
    }
}

/// A failed attempt, as the API layer reports it.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// The HTTP status, when the server responded.
    pub status: Option<u16>,
    pub retry_after: Option<Duration>,
    /// True for failures before any response: connection refused, reset, timed out.
    pub transient: bool,
    pub message: String,
}

impl Failure {
    fn is_retryable(&self) -> bool {
        self.transient || matches!(self.status, Some(429 | 500..=599))
    }
}

/// The reason a call failed after its last attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallError {
    /// HTTP 403: the caller lacks the permission the operation needs.
    Denied { permission: String, message: String },
    /// HTTP 404.
    NotFound { message: String },
    /// Anything else, retries used up included.
    Failed { message: String },
}

impl CallError {
    pub fn message(&self) -> &str {
        match self {
            CallError::Denied { message, .. }
            | CallError::NotFound { message }
            | CallError::Failed { message } => message,
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Counters {
    calls: u64,
    pages: u64,
    attempts: u64,
    failures: u64,
}

/// Call counters of one scope, keyed by the permission each operation needs.
#[derive(Debug, Default, Clone)]
pub(crate) struct CallStats {
    counters: Arc<Mutex<BTreeMap<String, Counters>>>,
}

impl CallStats {
    fn update(&self, operation: &str, change: impl FnOnce(&mut Counters)) {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        change(counters.entry(operation.to_owned()).or_default());
    }

    /// Runs one call, with retries, and counts it. `page` tells whether a response is a page
    /// of a listing.
    pub async fn run<T, F, Fut>(
        &self,
        retry: &RetrySettings,
        operation: &str,
        page: bool,
        mut send: F,
    ) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let mut attempt = 1;
        loop {
            self.update(operation, |counters| counters.attempts += 1);
            let failure = match send().await {
                Ok(value) => {
                    self.update(operation, |counters| {
                        counters.calls += 1;
                        counters.pages += u64::from(page);
                    });
                    return Ok(value);
                }
                Err(failure) => failure,
            };
            if failure.is_retryable() && attempt < retry.max_attempts {
                let wait = retry.delay(attempt, failure.retry_after);
                tracing::debug!(operation, attempt, status = ?failure.status, wait_ms = wait.as_millis() as u64, "retrying a GCP call");
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }

            self.update(operation, |counters| {
                counters.calls += 1;
                counters.failures += 1;
            });
            return Err(match failure.status {
                Some(403) => CallError::Denied {
                    permission: operation.to_owned(),
                    message: failure.message,
                },
                Some(404) => CallError::NotFound {
                    message: failure.message,
                },
                _ if failure.is_retryable() => CallError::Failed {
                    message: format!("{} after {attempt} attempts", failure.message),
                },
                _ => CallError::Failed {
                    message: failure.message,
                },
            });
        }
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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn quick() -> RetrySettings {
        RetrySettings {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
        }
    }

    fn failure(status: u16) -> Failure {
        Failure {
            status: Some(status),
            retry_after: None,
            transient: false,
            message: format!("HTTP {status}"),
        }
    }

    #[tokio::test]
    async fn throttled_call_is_retried_then_counted_once() {
        let stats = CallStats::default();
        let tries = AtomicU32::new(0);
        let result = stats
            .run(&quick(), "iam.serviceAccounts.list", true, || async {
                if tries.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(failure(429))
                } else {
                    Ok(7)
                }
            })
            .await;

        assert_eq!(result, Ok(7));
        let operations = stats.operations();
        assert_eq!(operations[0].calls, 1);
        assert_eq!(operations[0].pages, 1);
        assert_eq!(operations[0].retries, 2);
        assert_eq!(operations[0].failures, 0);
    }

    #[tokio::test]
    async fn denied_call_is_not_retried() {
        let stats = CallStats::default();
        let result: Result<(), CallError> = stats
            .run(&quick(), "iam.serviceAccounts.list", true, || async {
                Err(failure(403))
            })
            .await;

        assert_eq!(
            result,
            Err(CallError::Denied {
                permission: "iam.serviceAccounts.list".to_owned(),
                message: "HTTP 403".to_owned()
            })
        );
        assert_eq!(stats.operations()[0].retries, 0);
        assert_eq!(stats.operations()[0].failures, 1);
    }

    #[tokio::test]
    async fn endless_throttling_fails_after_last_attempt() {
        let stats = CallStats::default();
        let result: Result<(), CallError> = stats
            .run(&quick(), "iam.roles.get", false, || async {
                Err(failure(503))
            })
            .await;

        assert_eq!(
            result,
            Err(CallError::Failed {
                message: "HTTP 503 after 3 attempts".to_owned()
            })
        );
        assert_eq!(stats.operations()[0].retries, 2);
    }

    #[test]
    fn delay_grows_and_stays_capped() {
        let settings = RetrySettings {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        for attempt in 1..10 {
            let delay = settings.delay(attempt, None);
            assert!(delay <= Duration::from_secs(1), "{delay:?}");
            assert!(delay >= Duration::from_millis(50), "{delay:?}");
        }
        assert_eq!(
            settings.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(1)
        );
    }
}
