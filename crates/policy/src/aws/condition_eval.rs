//! Evaluating one condition against a request's context keys.

use std::net::IpAddr;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

use super::condition::{Condition, OperatorKind, SetQualifier};
use super::request::ContextView;
use super::truth::{self, Truth};
use super::variable::Resolution;
use super::wildcard::{self, Case, Token};

/// Evaluates a condition. Returns `Unknown` only when the result depends on something the
/// request does not supply: a context key (in a partial context) or a policy variable.
pub(crate) fn evaluate(condition: &Condition, view: &ContextView<'_>) -> Truth {
    let operator = condition.operator;
    let values = view
        .values(condition.key_lower())
        .filter(|values| values.len() > 0 || operator.qualifier.is_some());

    if operator.kind == OperatorKind::Null {
        return evaluate_null(condition, values.is_none());
    }

    let Some(values) = values else {
        return absent_key(condition, view);
    };

    let negated = operator.kind.is_negated();
    let matches_policy = |request_value: &str| match_any_value(condition, request_value, view);
    match operator.qualifier {
        None => {
            let matched = truth::any(values.iter().map(matches_policy));
            if negated { matched.not() } else { matched }
        }
        Some(SetQualifier::ForAllValues) => truth::all(values.iter().map(|value| {
            let matched = matches_policy(value);
            if negated { matched.not() } else { matched }
        })),
        Some(SetQualifier::ForAnyValue) => truth::any(values.iter().map(|value| {
            let matched = matches_policy(value);
            if negated { matched.not() } else { matched }
        })),
    }
}

/// Evaluates a condition on a key the request lacks. `IfExists` and the set qualifiers define the result. Otherwise a
/// partial context leaves it undetermined, and a complete one follows AWS: positive operators
/// are false and negated operators true.
fn absent_key(condition: &Condition, view: &ContextView<'_>) -> Truth {
    let operator = condition.operator;
    if operator.if_exists {
        return Truth::True;
    }
    match operator.qualifier {
        Some(SetQualifier::ForAllValues) => return Truth::True,
        Some(SetQualifier::ForAnyValue) => return Truth::False,
        None => {}
    }
    if !view.complete() {
        return Truth::Unknown;
    }
    Truth::from_bool(operator.kind.is_negated())
}

/// `Null`: `true` holds when the key is absent, `false` when it is present.
fn evaluate_null(condition: &Condition, absent: bool) -> Truth {
    truth::any(condition.templates().iter().map(|value| {
        let text = value.as_str();
        if text.eq_ignore_ascii_case("true") {
            Truth::from_bool(absent)
        } else if text.eq_ignore_ascii_case("false") {
            Truth::from_bool(!absent)
        } else {
            Truth::False
        }
    }))
}

/// Returns whether a request value matches any policy value, comparing as the operator's
/// positive form does (`StringNotEquals` compares as `StringEquals`).
fn match_any_value(condition: &Condition, request_value: &str, view: &ContextView<'_>) -> Truth {
    truth::any(
        (0..condition.templates().len())
            .map(|index| match_value(condition, index, request_value, view)),
    )
}

fn match_value(
    condition: &Condition,
    index: usize,
    request_value: &str,
    view: &ContextView<'_>,
) -> Truth {
    use OperatorKind as K;

    let kind = condition.operator.kind;
    match kind {
        K::StringEquals | K::StringNotEquals | K::BinaryEquals => match_text(
            condition,
            index,
            request_value,
            view,
            false,
            Case::Sensitive,
        ),
        K::StringEqualsIgnoreCase | K::StringNotEqualsIgnoreCase => match_text(
            condition,
            index,
            request_value,
            view,
            false,
            Case::Insensitive,
        ),
        K::StringLike | K::StringNotLike => {
            match_text(condition, index, request_value, view, true, Case::Sensitive)
        }
        K::ArnEquals | K::ArnLike | K::ArnNotEquals | K::ArnNotLike => {
            match_arn(condition, index, request_value, view)
        }
        K::Bool => compare_resolved(condition, index, view, |policy| {
            policy.eq_ignore_ascii_case(request_value)
        }),
        K::NumericEquals
        | K::NumericNotEquals
        | K::NumericLessThan
        | K::NumericLessThanEquals
        | K::NumericGreaterThan
        | K::NumericGreaterThanEquals => compare_resolved(condition, index, view, |policy| {
            compare_numbers(kind, request_value, policy)
        }),
        K::DateEquals
        | K::DateNotEquals
        | K::DateLessThan
        | K::DateLessThanEquals
        | K::DateGreaterThan
        | K::DateGreaterThanEquals => compare_resolved(condition, index, view, |policy| {
            compare_dates(kind, request_value, policy)
        }),
        K::IpAddress | K::NotIpAddress => compare_resolved(condition, index, view, |policy| {
            ip_in_range(request_value, policy)
        }),
        K::Null => Truth::False,
    }
}

/// Compares text, with wildcards for the `Like` operators. A policy variable without a value
/// matches any text, so a miss is definite while a hit stays undetermined.
fn match_text(
    condition: &Condition,
    index: usize,
    request_value: &str,
    view: &ContextView<'_>,
    wildcards: bool,
    case: Case,
) -> Truth {
    if wildcards && let Some(compiled) = condition.compiled(index) {
        return Truth::from_bool(wildcard::matches(compiled, request_value, case));
    }
    let template = &condition.templates()[index];
    if template.is_plain() {
        let policy = template.as_str();
        return Truth::from_bool(match case {
            Case::Sensitive => policy == request_value,
            Case::Insensitive => {
                policy == request_value || policy.to_lowercase() == request_value.to_lowercase()
            }
        });
    }

    let mut tokens = Vec::new();
    let resolution = template.push_tokens(view, wildcards, &mut tokens);
    with_resolution(
        resolution,
        view,
        wildcard::matches(&tokens, request_value, case),
    )
}

/// ARN operators compare each of the six colon-separated fields on its own, with wildcards,
/// case-sensitively. `ArnEquals` and `ArnLike` behave the same.
fn match_arn(
    condition: &Condition,
    index: usize,
    request_value: &str,
    view: &ContextView<'_>,
) -> Truth {
    let template = &condition.templates()[index];
    let mut tokens = Vec::new();
    let resolution = template.push_tokens(view, true, &mut tokens);
    with_resolution(resolution, view, arn_fields_match(&tokens, request_value))
}

fn arn_fields_match(pattern: &[Token], arn: &str) -> bool {
    let pattern_fields: Vec<&[Token]> = split_tokens(pattern, 6);
    let arn_fields: Vec<&str> = arn.splitn(6, ':').collect();
    if pattern_fields.len() != 6 || arn_fields.len() != 6 {
        // Not an ARN pattern (such as `*`): compare the whole text.
        return wildcard::matches(pattern, arn, Case::Sensitive);
    }
    pattern_fields
        .iter()
        .zip(&arn_fields)
        .all(|(field, text)| wildcard::matches(field, text, Case::Sensitive))
}

/// Splits tokens at `:` into at most `limit` fields; the last field keeps any further colons.
fn split_tokens(tokens: &[Token], limit: usize) -> Vec<&[Token]> {
    let mut fields = Vec::with_capacity(limit);
    let mut start = 0;
    for (position, token) in tokens.iter().enumerate() {
        if fields.len() + 1 == limit {
            break;
        }
        if *token == Token::Char(':') {
            fields.push(&tokens[start..position]);
            start = position + 1;
        }
    }
    fields.push(&tokens[start..]);
    fields
}

/// Resolves a policy value and compares it. A policy variable without a value leaves the
/// result undetermined in a partial context, and false in a complete one.
fn compare_resolved(
    condition: &Condition,
    index: usize,
    view: &ContextView<'_>,
    compare: impl Fn(&str) -> bool,
) -> Truth {
    match condition.templates()[index].resolve(view) {
        Some(policy) => Truth::from_bool(compare(&policy)),
        None if view.complete() => Truth::False,
        None => Truth::Unknown,
    }
}

fn with_resolution(resolution: Resolution, view: &ContextView<'_>, matched: bool) -> Truth {
    match (resolution, matched) {
        (Resolution::Complete, matched) => Truth::from_bool(matched),
        (Resolution::Missing, false) => Truth::False,
        (Resolution::Missing, true) if view.complete() => Truth::False,
        (Resolution::Missing, true) => Truth::Unknown,
    }
}

fn compare_numbers(kind: OperatorKind, request: &str, policy: &str) -> bool {
    let (Ok(request), Ok(policy)) = (request.trim().parse::<f64>(), policy.trim().parse::<f64>())
    else {
        return false;
    };
    compare_ordered(kind, request.partial_cmp(&policy))
}

fn compare_dates(kind: OperatorKind, request: &str, policy: &str) -> bool {
    let (Some(request), Some(policy)) = (parse_date(request), parse_date(policy)) else {
        return false;
    };
    compare_ordered(kind, Some(request.cmp(&policy)))
}

fn compare_ordered(kind: OperatorKind, ordering: Option<std::cmp::Ordering>) -> bool {
    use OperatorKind as K;
    use std::cmp::Ordering::{Equal, Greater, Less};

    let Some(ordering) = ordering else {
        return false;
    };
    match kind {
        K::NumericEquals | K::NumericNotEquals | K::DateEquals | K::DateNotEquals => {
            ordering == Equal
        }
        K::NumericLessThan | K::DateLessThan => ordering == Less,
        K::NumericLessThanEquals | K::DateLessThanEquals => ordering != Greater,
        K::NumericGreaterThan | K::DateGreaterThan => ordering == Greater,
        K::NumericGreaterThanEquals | K::DateGreaterThanEquals => ordering != Less,
        _ => false,
    }
}

/// Reads a date as AWS accepts it: an ISO 8601 timestamp (UTC when it has no offset), a
/// date alone (midnight UTC), or seconds since the Unix epoch.
pub(crate) fn parse_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(timestamp) = Timestamp::from_str(text) {
        return Some(timestamp);
    }
    if let Ok(datetime) = DateTime::from_str(text) {
        return datetime
            .to_zoned(TimeZone::UTC)
            .ok()
            .map(|zoned| zoned.timestamp());
    }
    if let Ok(date) = Date::from_str(text) {
        return date
            .to_zoned(TimeZone::UTC)
            .ok()
            .map(|zoned| zoned.timestamp());
    }
    let seconds = text.parse::<i64>().ok()?;
    Timestamp::from_second(seconds).ok()
}

/// Returns whether an address lies in a range written as CIDR (`10.0.0.0/8`,
/// `2001:db8::/32`) or as a single address.
fn ip_in_range(address: &str, range: &str) -> bool {
    let address = address.trim();
    // A request value may itself carry a prefix length; its address part is what counts.
    let address = address.split('/').next().unwrap_or(address);
    let Ok(address) = IpAddr::from_str(address) else {
        return false;
    };
    let (network, prefix) = match range.trim().split_once('/') {
        Some((network, prefix)) => (network, prefix.parse::<u32>().ok()),
        None => (range.trim(), None),
    };
    let Ok(network) = IpAddr::from_str(network) else {
        return false;
    };

    match (address, network) {
        (IpAddr::V4(address), IpAddr::V4(network)) => {
            let prefix = prefix.unwrap_or(32);
            prefix <= 32
                && masked(
                    u128::from(address.to_bits()),
                    u128::from(network.to_bits()),
                    prefix,
                    32,
                )
        }
        (IpAddr::V6(address), IpAddr::V6(network)) => {
            let prefix = prefix.unwrap_or(128);
            prefix <= 128 && masked(address.to_bits(), network.to_bits(), prefix, 128)
        }
        _ => false,
    }
}

fn masked(address: u128, network: u128, prefix: u32, width: u32) -> bool {
    if prefix == 0 {
        return true;
    }
    let shift = width - prefix;
    (address >> shift) == (network >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_ranges_match_v4_and_v6() {
        assert!(ip_in_range("203.0.113.7", "203.0.113.0/24"));
        assert!(!ip_in_range("203.0.114.7", "203.0.113.0/24"));
        assert!(ip_in_range("203.0.113.7", "203.0.113.7"));
        assert!(ip_in_range("198.51.100.1", "0.0.0.0/0"));
        assert!(ip_in_range("2001:db8::1", "2001:db8::/32"));
        assert!(!ip_in_range("2001:db9::1", "2001:db8::/32"));
        assert!(!ip_in_range("203.0.113.7", "2001:db8::/32"));
        assert!(!ip_in_range("not-an-ip", "0.0.0.0/0"));
    }

    #[test]
    fn dates_parse_in_aws_forms() {
        let midnight = parse_date("2024-01-01T00:00:00Z");

        assert!(midnight.is_some());
        assert_eq!(parse_date("2024-01-01"), midnight);
        assert_eq!(parse_date("2024-01-01T00:00:00"), midnight);
        assert_eq!(parse_date("1704067200"), midnight);
        assert_eq!(parse_date("not a date"), None);
    }

    #[test]
    fn arn_fields_compare_separately() {
        let pattern = wildcard::compile("arn:aws:iam::*:root");

        assert!(arn_fields_match(&pattern, "arn:aws:iam::111122223333:root"));
        assert!(!arn_fields_match(
            &pattern,
            "arn:aws:iam::111122223333:user/root"
        ));
        assert!(arn_fields_match(
            &wildcard::compile("*"),
            "arn:aws:iam::111122223333:root"
        ));
    }
}
