//! Decides whether an identity is a person or automation from the evidence providers gather
//! and the roster's declarations.

use roster_model::{Evidence, Identity, IdentityKind, Nature, Signal};

/// The decision on an identity's nature, with the reasons a report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatureVerdict {
    pub nature: Nature,
    pub reasons: Vec<String>,
}

/// Classifies an identity. An explicit `human` in a roster declaration wins; otherwise the
/// identity kind, a tag, then the weight of the interactive and programmatic evidence decide.
/// A roster declaration without `human` confirms a non-human verdict but does not overrule
/// evidence of a person, so a person listed in a machine group is still caught. An identity
/// is non-human unless evidence says it is a person.
pub fn classify(
    identity: &Identity,
    declared_human: Option<bool>,
    declared: bool,
) -> NatureVerdict {
    if let Some(human) = declared_human {
        let nature = if human {
            Nature::Human
        } else {
            Nature::NonHuman
        };
        return verdict(nature, vec!["the roster declares it".to_owned()]);
    }

    let mut result = classify_by_evidence(identity);
    if declared {
        let note = match result.nature {
            Nature::NonHuman => "the roster declares it as a machine identity",
            Nature::Human => {
                "the roster declares it as a machine identity, but the evidence points to a person"
            }
        };
        result.reasons.insert(0, note.to_owned());
    }
    result
}

fn classify_by_evidence(identity: &Identity) -> NatureVerdict {
    if identity.kind == IdentityKind::Human {
        return verdict(
            Nature::Human,
            vec!["the provider lists it as a person".to_owned()],
        );
    }
    if let Some(tag) = first_signal(identity, Signal::Tag) {
        return verdict(tag.points_to, vec![tag.detail.clone()]);
    }
    if identity.kind != IdentityKind::AwsUser {
        return classify_by_trust(identity);
    }
    classify_user(identity)
}

fn classify_by_trust(identity: &Identity) -> NatureVerdict {
    if let Some(federated) = first_signal(identity, Signal::FederatedHumanTrust) {
        return verdict(Nature::Human, vec![federated.detail.clone()]);
    }
    let reasons = identity
        .evidence
        .iter()
        .filter(|evidence| evidence.points_to == Nature::NonHuman)
        .map(|evidence| evidence.detail.clone())
        .collect::<Vec<_>>();
    let reasons = if reasons.is_empty() {
        vec![format!(
            "a {} is automation unless evidence says otherwise",
            identity.kind
        )]
    } else {
        reasons
    };
    verdict(Nature::NonHuman, reasons)
}

/// Weighs the evidence on a user. MFA is the strongest sign of a person; a console password
/// in use without any programmatic use comes next. A user with a console password that also
/// uses access keys and has no MFA stays non-human, so the human-use-of-nhi rule can flag it.
fn classify_user(identity: &Identity) -> NatureVerdict {
    let mfa = first_signal(identity, Signal::MfaDevice);
    let sign_in = first_signal(identity, Signal::InteractiveSignIn);
    let password = first_signal(identity, Signal::ConsolePassword);
    let programmatic = first_signal(identity, Signal::ProgrammaticUse);

    if let Some(mfa) = mfa {
        let mut reasons = vec![mfa.detail.clone()];
        reasons.extend(sign_in.map(|evidence| evidence.detail.clone()));
        return verdict(Nature::Human, reasons);
    }
    if let (Some(sign_in), None) = (sign_in, programmatic) {
        return verdict(Nature::Human, vec![sign_in.detail.clone()]);
    }
    if let (Some(password), None, None) = (password, programmatic, sign_in) {
        return verdict(
            Nature::Human,
            vec![
                password.detail.clone(),
                "no programmatic use was seen".to_owned(),
            ],
        );
    }

    let mut reasons: Vec<String> = programmatic
        .map(|evidence| evidence.detail.clone())
        .into_iter()
        .collect();
    if reasons.is_empty() {
        reasons.push("no sign of a person: no MFA device and no console sign-in".to_owned());
    } else {
        reasons.push("no MFA device".to_owned());
    }
    verdict(Nature::NonHuman, reasons)
}

fn first_signal(identity: &Identity, signal: Signal) -> Option<&Evidence> {
    identity
        .evidence
        .iter()
        .find(|evidence| evidence.signal == signal)
}

fn verdict(nature: Nature, reasons: Vec<String>) -> NatureVerdict {
    NatureVerdict { nature, reasons }
}

#[cfg(test)]
mod tests {
    use roster_model::{IdentityKey, ProviderId, ScopeId, Usage};

    use super::*;

    fn user(evidence: &[(Signal, Nature)]) -> Identity {
        let key = IdentityKey::new(ProviderId::Aws, "1", IdentityKind::AwsUser, "u");
        let mut identity = Identity::new(
            ProviderId::Aws,
            key,
            ScopeId::new(ProviderId::Aws, "1"),
            IdentityKind::AwsUser,
            "u",
            Usage::unknown("test"),
        );
        identity.evidence = evidence
            .iter()
            .map(|(signal, points_to)| Evidence {
                signal: *signal,
                points_to: *points_to,
                detail: format!("{signal:?}"),
            })
            .collect();
        identity
    }

    #[test]
    fn user_with_mfa_is_human() {
        let identity = user(&[
            (Signal::MfaDevice, Nature::Human),
            (Signal::ProgrammaticUse, Nature::NonHuman),
        ]);
        assert_eq!(classify(&identity, None, false).nature, Nature::Human);
    }

    #[test]
    fn user_with_keys_only_is_non_human() {
        let identity = user(&[(Signal::ProgrammaticUse, Nature::NonHuman)]);
        assert_eq!(classify(&identity, None, false).nature, Nature::NonHuman);
    }

    #[test]
    fn password_and_key_use_without_mfa_stays_non_human() {
        let identity = user(&[
            (Signal::ConsolePassword, Nature::Human),
            (Signal::InteractiveSignIn, Nature::Human),
            (Signal::ProgrammaticUse, Nature::NonHuman),
        ]);
        assert_eq!(classify(&identity, None, false).nature, Nature::NonHuman);
    }

    #[test]
    fn console_sign_in_alone_is_human() {
        let identity = user(&[
            (Signal::ConsolePassword, Nature::Human),
            (Signal::InteractiveSignIn, Nature::Human),
        ]);
        assert_eq!(classify(&identity, None, false).nature, Nature::Human);
    }

    #[test]
    fn explicit_declaration_overrides_evidence() {
        let identity = user(&[(Signal::MfaDevice, Nature::Human)]);
        let verdict = classify(&identity, Some(false), true);
        assert_eq!(verdict.nature, Nature::NonHuman);
        assert_eq!(verdict.reasons, vec!["the roster declares it".to_owned()]);
    }

    #[test]
    fn group_membership_does_not_hide_a_person() {
        let identity = user(&[(Signal::MfaDevice, Nature::Human)]);
        let verdict = classify(&identity, None, true);
        assert_eq!(verdict.nature, Nature::Human);
        assert!(verdict.reasons[0].contains("points to a person"));
    }

    #[test]
    fn tag_decides_before_activity() {
        let identity = user(&[
            (Signal::Tag, Nature::Human),
            (Signal::ProgrammaticUse, Nature::NonHuman),
        ]);
        assert_eq!(classify(&identity, None, false).nature, Nature::Human);
    }

    #[test]
    fn user_without_evidence_is_non_human() {
        assert_eq!(classify(&user(&[]), None, false).nature, Nature::NonHuman);
    }
}
