//! OAuth scopes of Slack apps and tokens, classified by the risk of what they allow.
//!
//! A table lists the scopes Slack documents. A scope missing from it is classified by its form
//! (`admin.*`, `*:write`, `*:read`, `*:history`, `identity.*`) and marked as such. A scope that
//! fits neither is reported as unknown, never counted as harmless.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt;

/// The risk of the rights a scope gives a token, from least to most dangerous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScopeRisk {
    /// Sign in with Slack: the user's identity, email, team and avatar.
    Identity,
    /// Read workspace data: messages, files, users, channels.
    Read,
    /// Post, change or delete workspace data, or act in channels.
    Write,
    /// Administer the workspace or Enterprise organization (`admin`, `admin.*`).
    Admin,
}

impl ScopeRisk {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeRisk::Identity => "identity",
            ScopeRisk::Read => "read",
            ScopeRisk::Write => "write",
            ScopeRisk::Admin => "admin",
        }
    }
}

impl fmt::Display for ScopeRisk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The source of a scope's risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Basis {
    /// The scope is in the table of known scopes.
    Table,
    /// The scope is not in the table; its prefix or suffix decided.
    Form,
}

/// The classification of one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScopeClass {
    Known {
        risk: ScopeRisk,
        basis: Basis,
    },
    /// Neither the table nor the scope's form tells what it allows.
    Unknown,
}

impl ScopeClass {
    /// Returns the risk, or `None` for an unknown scope.
    pub fn risk(self) -> Option<ScopeRisk> {
        match self {
            ScopeClass::Known { risk, .. } => Some(risk),
            ScopeClass::Unknown => None,
        }
    }
}

/// Scopes Slack documents, granular and classic, with their risk. Every `admin.*` scope is
/// administration, reading ones included, because they reach the whole organization.
pub const KNOWN_SCOPES: &[(&str, ScopeRisk)] = {
    use ScopeRisk::{Admin, Identity, Read, Write};
    &[
        ("admin", Admin),
        ("admin.analytics:read", Admin),
        ("admin.app_activities:read", Admin),
        ("admin.apps:read", Admin),
        ("admin.apps:write", Admin),
        ("admin.barriers:read", Admin),
        ("admin.barriers:write", Admin),
        ("admin.chat:read", Admin),
        ("admin.chat:write", Admin),
        ("admin.conversations:manage_objects", Admin),
        ("admin.conversations:read", Admin),
        ("admin.conversations:write", Admin),
        ("admin.invites:read", Admin),
        ("admin.invites:write", Admin),
        ("admin.roles:read", Admin),
        ("admin.roles:write", Admin),
        ("admin.teams:read", Admin),
        ("admin.teams:write", Admin),
        ("admin.usergroups:read", Admin),
        ("admin.usergroups:write", Admin),
        ("admin.users:read", Admin),
        ("admin.users:write", Admin),
        ("admin.workflows:read", Admin),
        ("admin.workflows:write", Admin),
        ("app_configurations:read", Read),
        ("app_configurations:write", Write),
        ("app_mentions:read", Read),
        ("auditlogs:read", Read),
        ("authorizations:read", Read),
        // Classic bot scope: the bot user's full set of rights, posting included.
        ("bot", Write),
        ("bookmarks:read", Read),
        ("bookmarks:write", Write),
        ("calls:read", Read),
        ("calls:write", Write),
        ("canvases:read", Read),
        ("canvases:write", Write),
        ("channels:history", Read),
        ("channels:join", Write),
        ("channels:manage", Write),
        ("channels:read", Read),
        ("channels:write", Write),
        ("channels:write.invites", Write),
        ("channels:write.topic", Write),
        ("chat:write", Write),
        ("chat:write.customize", Write),
        ("chat:write.public", Write),
        ("chat:write:bot", Write),
        ("chat:write:user", Write),
        // Classic scope: everything the Slack client can do as the user.
        ("client", Write),
        ("commands", Write),
        ("connections:write", Write),
        ("conversations.connect:manage", Write),
        ("conversations.connect:read", Read),
        ("conversations.connect:write", Write),
        ("datastore:read", Read),
        ("datastore:write", Write),
        ("dnd:read", Read),
        ("dnd:write", Write),
        ("email", Identity),
        ("emoji:read", Read),
        ("files:read", Read),
        ("files:write", Write),
        ("files:write:user", Write),
        ("groups:history", Read),
        ("groups:read", Read),
        ("groups:write", Write),
        ("groups:write.invites", Write),
        ("groups:write.topic", Write),
        ("identify", Identity),
        ("identity.avatar", Identity),
        ("identity.basic", Identity),
        ("identity.email", Identity),
        ("identity.team", Identity),
        ("im:history", Read),
        ("im:read", Read),
        ("im:write", Write),
        ("im:write.topic", Write),
        ("incoming-webhook", Write),
        ("links.embed:write", Write),
        ("links:read", Read),
        ("links:write", Write),
        ("lists:read", Read),
        ("lists:write", Write),
        ("metadata.message:read", Read),
        ("mpim:history", Read),
        ("mpim:read", Read),
        ("mpim:write", Write),
        ("mpim:write.invites", Write),
        ("mpim:write.topic", Write),
        ("openid", Identity),
        ("pins:read", Read),
        ("pins:write", Write),
        // Classic scope: post messages.
        ("post", Write),
        ("profile", Identity),
        ("reactions:read", Read),
        ("reactions:write", Write),
        // Classic scope: read everything the user can see.
        ("read", Read),
        ("reminders:read", Read),
        ("reminders:write", Write),
        ("remote_files:read", Read),
        ("remote_files:share", Write),
        ("remote_files:write", Write),
        ("search:read", Read),
        ("search:read.files", Read),
        ("search:read.im", Read),
        ("search:read.mpim", Read),
        ("search:read.private", Read),
        ("search:read.public", Read),
        ("search:read.users", Read),
        ("stars:read", Read),
        ("stars:write", Write),
        ("team.billing:read", Read),
        ("team.preferences:read", Read),
        ("team:read", Read),
        ("triggers:read", Read),
        ("triggers:write", Write),
        ("usergroups:read", Read),
        ("usergroups:write", Write),
        ("users.profile:read", Read),
        ("users.profile:write", Write),
        ("users:read", Read),
        ("users:read.email", Read),
        ("users:write", Write),
        ("workflow.steps:execute", Write),
    ]
};

/// Classifies one scope: from the table, else from its form, else as unknown.
pub fn classify_scope(scope: &str) -> ScopeClass {
    let scope = scope.trim();
    if let Some((_, risk)) = KNOWN_SCOPES.iter().find(|(known, _)| *known == scope) {
        return ScopeClass::Known {
            risk: *risk,
            basis: Basis::Table,
        };
    }
    match risk_from_form(scope) {
        Some(risk) => ScopeClass::Known {
            risk,
            basis: Basis::Form,
        },
        None => ScopeClass::Unknown,
    }
}

/// Reads the risk from the scope's form: `admin.*` and `identity.*` by prefix, otherwise the
/// access after the first `:` (`write...`, `manage`, `join`, `execute` and `share` write;
/// `read...` and `history` read).
fn risk_from_form(scope: &str) -> Option<ScopeRisk> {
    if scope == "admin" || scope.starts_with("admin.") {
        return Some(ScopeRisk::Admin);
    }
    if scope.starts_with("identity.") {
        return Some(ScopeRisk::Identity);
    }
    let (_, access) = scope.split_once(':')?;
    // Classic scopes add the token type: `chat:write:bot`, `files:write:user`.
    let access = access
        .strip_suffix(":user")
        .or_else(|| access.strip_suffix(":bot"))
        .unwrap_or(access);
    let verb = access.split('.').next().unwrap_or(access);
    match verb {
        "write" | "manage" | "manage_objects" | "join" | "execute" | "share" => {
            Some(ScopeRisk::Write)
        }
        "read" | "history" => Some(ScopeRisk::Read),
        _ => None,
    }
}

/// Splits a scope list as Slack writes it: comma-separated in OAuth responses, or separated
/// by spaces. Empty entries are dropped.
pub fn split_scopes(text: &str) -> Vec<&str> {
    text.split(|character: char| character == ',' || character.is_whitespace())
        .filter(|scope| !scope.is_empty())
        .collect()
}

/// The scopes of a token or app, grouped by risk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSummary {
    pub by_risk: BTreeMap<ScopeRisk, BTreeSet<String>>,
    /// Scopes whose risk was read from their form, not from the table.
    pub by_form: BTreeSet<String>,
    pub unknown: BTreeSet<String>,
}

impl ScopeSummary {
    /// Classifies every scope.
    pub fn of<I, S>(scopes: I) -> ScopeSummary
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut summary = ScopeSummary::default();
        for scope in scopes {
            let scope = scope.as_ref().trim();
            if scope.is_empty() {
                continue;
            }
            match classify_scope(scope) {
                ScopeClass::Known { risk, basis } => {
                    summary
                        .by_risk
                        .entry(risk)
                        .or_default()
                        .insert(scope.to_owned());
                    if basis == Basis::Form {
                        summary.by_form.insert(scope.to_owned());
                    }
                }
                ScopeClass::Unknown => {
                    summary.unknown.insert(scope.to_owned());
                }
            }
        }
        summary
    }

    /// Returns the highest known risk. Unknown scopes may be higher still: check
    /// [`ScopeSummary::unknown`].
    pub fn highest(&self) -> Option<ScopeRisk> {
        self.by_risk.keys().next_back().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_classifies_known_scopes() {
        let cases = [
            ("admin", ScopeRisk::Admin),
            ("admin.users:read", ScopeRisk::Admin),
            ("chat:write", ScopeRisk::Write),
            ("files:write:user", ScopeRisk::Write),
            ("incoming-webhook", ScopeRisk::Write),
            ("channels:history", ScopeRisk::Read),
            ("users:read.email", ScopeRisk::Read),
            ("openid", ScopeRisk::Identity),
            ("identity.basic", ScopeRisk::Identity),
        ];

        for (scope, risk) in cases {
            assert_eq!(
                classify_scope(scope),
                ScopeClass::Known {
                    risk,
                    basis: Basis::Table
                },
                "{scope}"
            );
        }
    }

    #[test]
    fn form_classifies_new_scopes() {
        let cases = [
            ("admin.newthing:read", ScopeRisk::Admin),
            ("identity.locale", ScopeRisk::Identity),
            ("widgets:write", ScopeRisk::Write),
            ("widgets:write.config", ScopeRisk::Write),
            ("widgets:write:bot", ScopeRisk::Write),
            ("widgets:history", ScopeRisk::Read),
            ("widgets:read.all", ScopeRisk::Read),
        ];

        for (scope, risk) in cases {
            assert_eq!(
                classify_scope(scope),
                ScopeClass::Known {
                    risk,
                    basis: Basis::Form
                },
                "{scope}"
            );
        }
    }

    #[test]
    fn unrecognized_scope_is_unknown() {
        for scope in ["widgets", "widgets:frobnicate", "administrator"] {
            assert_eq!(classify_scope(scope), ScopeClass::Unknown, "{scope}");
        }
    }

    #[test]
    fn table_has_no_duplicates() {
        let names: BTreeSet<&str> = KNOWN_SCOPES.iter().map(|(name, _)| *name).collect();

        assert_eq!(names.len(), KNOWN_SCOPES.len());
    }

    #[test]
    fn summary_groups_and_reports_unknown() {
        let summary = ScopeSummary::of(split_scopes(
            "commands,incoming-webhook, users:read widgets",
        ));

        assert_eq!(summary.highest(), Some(ScopeRisk::Write));
        assert_eq!(summary.by_risk[&ScopeRisk::Write].len(), 2);
        assert!(summary.by_risk[&ScopeRisk::Read].contains("users:read"));
        assert!(summary.unknown.contains("widgets"));
        assert!(summary.by_form.is_empty());
    }
}
