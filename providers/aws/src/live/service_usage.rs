//! Translates service-last-accessed reports into per-service usage of an identity.

use roster_model::{ActionUsage, ServiceUsage, Usage};

use super::api::{ServiceLastAccessed, TrackedAction};

/// The source named in usage that comes from service last accessed.
pub const SERVICE_USAGE_SOURCE: &str = "aws service last accessed";

/// Blind spots of IAM's last-accessed information, per its documentation.
const BLIND_SPOTS: [&str; 3] = [
    "IAM reports activity within about four hours, so the latest use may be missing",
    "attempts that were denied count as uses, so a service can look used when every call failed",
    "covers only the trailing 400 days",
];

/// The extra blind spot of action-level information.
const ACTION_BLIND_SPOT: &str =
    "IAM tracks only some actions of some services; the actions it does not track are not listed";

/// Translates the report of one identity, sorted by service and action.
pub(crate) fn translate(services: &[ServiceLastAccessed]) -> Vec<ServiceUsage> {
    let mut usage: Vec<ServiceUsage> = services.iter().map(service_usage).collect();
    usage.sort_by(|a, b| a.service.cmp(&b.service));
    usage
}

fn service_usage(service: &ServiceLastAccessed) -> ServiceUsage {
    let mut actions: Vec<ActionUsage> = service
        .tracked_actions
        .iter()
        .flatten()
        .map(|action| action_usage(&service.namespace, action))
        .collect();
    actions.sort_by(|a, b| a.action.cmp(&b.action));
    ServiceUsage {
        service: service.namespace.clone(),
        name: Some(service.name.clone()),
        last_used: usage(
            service.last_authenticated,
            service.region.clone(),
            &BLIND_SPOTS,
        ),
        actions,
    }
}

/// IAM names a tracked action without its service (`GetObject`); the usage names it as a
/// permission does (`s3:GetObject`).
fn action_usage(namespace: &str, action: &TrackedAction) -> ActionUsage {
    let mut blind_spots = BLIND_SPOTS.to_vec();
    blind_spots.push(ACTION_BLIND_SPOT);
    let name = if action.action.contains(':') {
        action.action.clone()
    } else {
        format!("{namespace}:{}", action.action)
    };
    ActionUsage {
        action: name,
        last_used: usage(action.last_accessed, action.region.clone(), &blind_spots),
    }
}

/// Builds the usage of a date: a date is a use, and no date means no use within the
/// tracking period.
fn usage(at: Option<jiff::Timestamp>, region: Option<String>, blind_spots: &[&str]) -> Usage {
    let mut usage = match at {
        Some(at) => Usage::used(at, SERVICE_USAGE_SOURCE),
        None => Usage::never_used(SERVICE_USAGE_SOURCE),
    }
    .with_blind_spots(blind_spots);
    if at.is_some() {
        usage.detail = region;
    }
    usage
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use roster_model::UsageState;

    use super::*;

    fn at(text: &str) -> jiff::Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn services_and_actions_are_sorted_with_usage() {
        let services = vec![
            ServiceLastAccessed {
                namespace: "s3".to_owned(),
                name: "Amazon S3".to_owned(),
                last_authenticated: Some(at("2025-01-02T03:04:05Z")),
                region: Some("eu-west-1".to_owned()),
                tracked_actions: Some(vec![
                    TrackedAction {
                        action: "PutObject".to_owned(),
                        last_accessed: None,
                        region: None,
                    },
                    TrackedAction {
                        action: "GetObject".to_owned(),
                        last_accessed: Some(at("2025-01-02T03:04:05Z")),
                        region: Some("eu-west-1".to_owned()),
                    },
                ]),
            },
            ServiceLastAccessed {
                namespace: "dynamodb".to_owned(),
                name: "Amazon DynamoDB".to_owned(),
                last_authenticated: None,
                region: None,
                tracked_actions: None,
            },
        ];

        let usage = translate(&services);

        assert_eq!(usage[0].service, "dynamodb");
        assert_eq!(usage[0].last_used.state, UsageState::NeverUsed);
        assert!(usage[0].actions.is_empty());
        assert_eq!(usage[1].service, "s3");
        assert_eq!(usage[1].last_used.state, UsageState::Used);
        assert_eq!(usage[1].last_used.detail.as_deref(), Some("eu-west-1"));
        assert_eq!(usage[1].last_used.blind_spots.len(), 3);
        let actions: Vec<&str> = usage[1].actions.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(actions, ["s3:GetObject", "s3:PutObject"]);
        assert_eq!(usage[1].actions[1].last_used.state, UsageState::NeverUsed);
        assert_eq!(usage[1].actions[1].last_used.blind_spots.len(), 4);
    }
}
