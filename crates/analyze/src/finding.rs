use roster_model::{Finding, FindingStatus, Identity, ProviderId, ScopeId};
use sha2::{Digest, Sha256};

use crate::RuleInfo;

/// A finding being built; [`FindingDraft::build`] computes the fingerprint.
#[must_use]
pub struct FindingDraft {
    info: &'static RuleInfo,
    subject: String,
    message: String,
    provider: Option<ProviderId>,
    scope: Option<ScopeId>,
    environment: Option<String>,
    evidence: Vec<String>,
    related: Vec<String>,
    discriminators: Vec<String>,
}

impl FindingDraft {
    pub fn new(
        info: &'static RuleInfo,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FindingDraft {
            info,
            subject: subject.into(),
            message: message.into(),
            provider: None,
            scope: None,
            environment: None,
            evidence: Vec::new(),
            related: Vec::new(),
            discriminators: Vec::new(),
        }
    }

    /// Starts a finding about an identity, with its provider and scope filled in.
    pub fn about(info: &'static RuleInfo, identity: &Identity, message: impl Into<String>) -> Self {
        FindingDraft::new(info, identity.key.as_str(), message)
            .provider(identity.provider)
            .scope(identity.scope.clone())
    }

    pub fn provider(mut self, provider: ProviderId) -> Self {
        self.provider = Some(provider);
        self
    }

    pub fn scope(mut self, scope: ScopeId) -> Self {
        self.scope = Some(scope);
        self
    }

    pub fn environment(mut self, environment: Option<&str>) -> Self {
        self.environment = environment.map(str::to_owned);
        self
    }

    pub fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    pub fn related(mut self, key: impl Into<String>) -> Self {
        self.related.push(key.into());
        self
    }

    /// Adds a fact that tells this finding apart from others of the same rule and subject,
    /// for example the credential or the trusted principal. It enters the fingerprint.
    pub fn discriminator(mut self, value: impl Into<String>) -> Self {
        self.discriminators.push(value.into());
        self
    }

    pub fn build(mut self) -> Finding {
        self.related.sort();
        self.related.dedup();
        let fingerprint = fingerprint(self.info.name, &self.subject, &self.discriminators);
        Finding {
            rule_id: self.info.id.to_owned(),
            rule: self.info.name.to_owned(),
            severity: self.info.severity,
            status: FindingStatus::Open,
            subject: self.subject,
            provider: self.provider,
            scope: self.scope,
            environment: self.environment,
            message: self.message,
            evidence: self.evidence,
            related: self.related,
            fingerprint,
            suppression: None,
        }
    }
}

/// Hashes the rule name, the subject and the discriminators, each ended by a NUL byte, with
/// SHA-256. Messages and evidence stay out, so rewording them keeps fingerprints stable.
pub fn fingerprint(rule: &str, subject: &str, discriminators: &[String]) -> String {
    let mut hasher = Sha256::new();
    for part in [rule, subject]
        .into_iter()
        .chain(discriminators.iter().map(String::as_str))
    {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest.iter() {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected value is the SHA-256 of `unused-identity\0aws:111122223333:role:ci\0key-1\0`,
    /// as Python's `hashlib.sha256` computes it.
    #[test]
    fn fingerprint_is_lowercase_sha256_hex() {
        let discriminators = vec!["key-1".to_owned()];

        let value = fingerprint(
            "unused-identity",
            "aws:111122223333:role:ci",
            &discriminators,
        );

        assert_eq!(
            value,
            "ebd0a156dfab475217fffc17559ddad474fddf3bb9ca5c187b9e4156de86b621"
        );
    }
}
