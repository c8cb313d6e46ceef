//! Failures of API calls, sorted into what coverage needs to know: denied, throttled past the
//! retry budget, or failed otherwise.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use roster_model::CoverageStatus;

/// Error codes that AWS services return when the caller lacks a permission.
const DENIED_CODES: [&str; 6] = [
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "NotAuthorized",
];

/// Error codes that AWS services return when they throttle the caller.
const THROTTLED_CODES: [&str; 8] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
];

/// A call that failed after the SDK's retries. `operation` is named as its permission, for
/// example `iam:GetAccountAuthorizationDetails`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("`{operation}` was denied: {message}")]
    Denied {
        operation: &'static str,
        message: String,
    },

    #[error("`{operation}` was still throttled when the retry budget ran out: {message}")]
    Throttled {
        operation: &'static str,
        message: String,
    },

    #[error("`{operation}` failed: {message}")]
    Failed {
        operation: &'static str,
        message: String,
    },

    #[error(
        "`{operation}` returned the Marker `{marker}` of an earlier page, so its pages loop; the listing was stopped"
    )]
    RepeatedMarker {
        operation: &'static str,
        marker: String,
    },

    #[error("`{operation}` returned an invalid response: {reason}")]
    InvalidResponse {
        operation: &'static str,
        reason: String,
    },

    #[error("`{operation}` did not finish within {seconds} s")]
    TimedOut {
        operation: &'static str,
        seconds: u64,
    },
}

impl ApiError {
    /// Sorts an SDK error by its error code.
    pub fn from_sdk<E>(operation: &'static str, error: SdkError<E, HttpResponse>) -> ApiError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let code = error.code().map(str::to_owned);
        let message = match (error.code(), error.message(), error.raw_response()) {
            (Some(code), Some(text), _) => format!("{code}: {text}"),
            (Some(code), None, _) => code.to_owned(),
            (None, _, Some(response)) => format!(
                "HTTP {} without an AWS error code in the response",
                response.status().as_u16()
            ),
            (None, _, None) => error_chain(&error),
        };
        match code.as_deref() {
            Some(code) if DENIED_CODES.contains(&code) => ApiError::Denied { operation, message },
            Some(code) if THROTTLED_CODES.contains(&code) => {
                ApiError::Throttled { operation, message }
            }
            _ => ApiError::Failed { operation, message },
        }
    }

    pub fn invalid(operation: &'static str, reason: impl Into<String>) -> ApiError {
        ApiError::InvalidResponse {
            operation,
            reason: reason.into(),
        }
    }

    pub fn operation(&self) -> &'static str {
        match self {
            ApiError::Denied { operation, .. }
            | ApiError::Throttled { operation, .. }
            | ApiError::Failed { operation, .. }
            | ApiError::RepeatedMarker { operation, .. }
            | ApiError::InvalidResponse { operation, .. }
            | ApiError::TimedOut { operation, .. } => operation,
        }
    }

    /// Returns the coverage of a part that this failure left uncollected: `denied` naming the
    /// permission, or `partial` with the failure as the reason.
    pub fn coverage(&self) -> CoverageStatus {
        match self {
            ApiError::Denied { operation, .. } => CoverageStatus::Denied {
                permission: (*operation).to_owned(),
            },
            other => CoverageStatus::Partial {
                reason: other.to_string(),
            },
        }
    }
}

/// Joins an error's message with those of its sources, skipping a source whose message the
/// previous one already contains.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(next) = source {
        let text = next.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = next.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_coverage_names_permission() {
        let error = ApiError::Denied {
            operation: "iam:GetAccountAuthorizationDetails",
            message: "AccessDenied: not authorized".to_owned(),
        };
        assert_eq!(
            error.coverage(),
            CoverageStatus::Denied {
                permission: "iam:GetAccountAuthorizationDetails".to_owned()
            }
        );
    }

    #[test]
    fn throttled_coverage_is_partial_with_reason() {
        let error = ApiError::Throttled {
            operation: "iam:GetRole",
            message: "Throttling: Rate exceeded".to_owned(),
        };
        let CoverageStatus::Partial { reason } = error.coverage() else {
            unreachable!("throttling is partial coverage");
        };
        assert_eq!(
            reason,
            "`iam:GetRole` was still throttled when the retry budget ran out: Throttling: Rate exceeded"
        );
    }
}
