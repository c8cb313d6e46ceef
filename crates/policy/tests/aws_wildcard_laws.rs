//! Properties of wildcard matching and the case rules of each field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use roster_policy::aws::{
    ActionPattern, BoundaryState, Case, Grammar, NamedPolicy, PolicyDocument, PolicySet, Request,
    evaluate, wildcard_match,
};
use serde_json::json;

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,16}"
}

fn flip_case(text: &str) -> String {
    text.chars()
        .map(|character| {
            if character.is_ascii_lowercase() {
                character.to_ascii_uppercase()
            } else {
                character.to_ascii_lowercase()
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn literal_pattern_matches_only_itself(pattern in name(), other in name()) {
        prop_assert!(wildcard_match(&pattern, &pattern, Case::Sensitive));
        prop_assert_eq!(wildcard_match(&pattern, &other, Case::Sensitive), pattern == other);
    }

    #[test]
    fn literal_action_matches_itself_in_any_case(service in "[a-z0-9-]{1,10}", action in "[A-Za-z0-9]{1,20}", other in "[A-Za-z0-9]{1,20}") {
        let literal = format!("{service}:{action}");
        let flipped = flip_case(&literal);
        let different = format!("{service}:{other}");
        let pattern = ActionPattern::parse(&literal).unwrap();

        prop_assert!(pattern.matches(&literal));
        prop_assert!(pattern.matches(&flipped));
        prop_assert_eq!(pattern.matches(&different), action.eq_ignore_ascii_case(&other));
    }

    #[test]
    fn star_matches_any_suffix(prefix in name(), suffix in "[A-Za-z0-9:/_.*?-]{0,20}") {
        let pattern = format!("{prefix}*");
        let text = format!("{prefix}{suffix}");

        prop_assert!(wildcard_match(&pattern, &text, Case::Sensitive));
        prop_assert!(wildcard_match("*", &suffix, Case::Sensitive));
    }

    #[test]
    fn question_mark_matches_exactly_one(prefix in name(), middle in "[A-Za-z0-9éß]", suffix in name()) {
        let pattern = format!("{prefix}?{suffix}");
        let one_char = format!("{prefix}{middle}{suffix}");
        let no_char = format!("{prefix}{suffix}");
        let two_chars = format!("{prefix}{middle}{middle}{suffix}");

        prop_assert!(wildcard_match(&pattern, &one_char, Case::Sensitive));
        prop_assert!(!wildcard_match(&pattern, &no_char, Case::Sensitive));
        prop_assert!(!wildcard_match(&pattern, &two_chars, Case::Sensitive));
    }

    #[test]
    fn resource_arns_compare_case_sensitively(bucket in "[a-z][a-z0-9-]{2,20}", key in "[a-z]{1,10}") {
        let resource = format!("arn:aws:s3:::{bucket}/{key}");
        let document = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}]});
        let policy = NamedPolicy::new("p", PolicyDocument::from_value(&document, Grammar::Identity).unwrap());
        let mut set = PolicySet::new(vec![&policy]);
        set.boundary = BoundaryState::None;
        let user = "arn:aws:iam::111122223333:user/ci";

        let exact = Request::new(user, "S3:GETOBJECT", &resource);
        let shouted = Request::new(user, "s3:GetObject", &resource.to_uppercase());
        prop_assert!(evaluate(&set, &exact).decision.is_allowed());
        prop_assert!(evaluate(&set, &shouted).decision.is_denied());
    }
}
