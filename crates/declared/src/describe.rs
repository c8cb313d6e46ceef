//! Names of roster entries in messages: group `ci-deployers`, `suppressions[2].expires`.

use crate::tree::{Node, Segment, render_path};

/// The entry a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject<'a> {
    /// The top level of a roster file.
    Roster,
    Settings,
    Environment(&'a str),
    Owner(&'a str),
    Group(&'a str),
    /// An identity declaration: its position in its file's list, and its key when it has one.
    Identity {
        index: usize,
        id: Option<&'a str>,
    },
    /// A suppression, by its position in its file's list.
    Suppression(usize),
}

/// Names a place inside an entry: the entry itself when `rest` is empty, else the field path
/// `rest` within it.
pub(crate) fn describe(subject: Subject<'_>, rest: &str) -> String {
    let listed = |list: &str, index: usize| {
        let joiner = if rest.is_empty() || rest.starts_with('[') {
            ""
        } else {
            "."
        };
        format!("`{list}[{index}]{joiner}{rest}`")
    };
    let named = |kind: &str, name: &str| {
        if rest.is_empty() {
            format!("{kind} `{name}`")
        } else {
            format!("`{rest}` of {kind} `{name}`")
        }
    };

    match subject {
        Subject::Roster if rest.is_empty() => "the roster".to_owned(),
        Subject::Roster => format!("`{rest}`"),
        Subject::Settings if rest.is_empty() => "`settings`".to_owned(),
        Subject::Settings => format!("`settings.{rest}`"),
        Subject::Environment(name) => named("environment", name),
        Subject::Owner(name) => named("owner", name),
        Subject::Group(name) => named("group", name),
        Subject::Identity { id: Some(id), .. } => named("identity", id),
        Subject::Identity { index, id: None } => listed("identities", index),
        Subject::Suppression(index) => listed("suppressions", index),
    }
}

/// Names the place at `path` in a file whose tree is `root`.
pub(crate) fn describe_path(root: &Node, path: &[Segment]) -> String {
    let (subject, rest) = subject_of_path(root, path);
    describe(subject, &render_path(rest))
}

/// Splits a path into the entry it lies in and the path inside that entry.
pub(crate) fn subject_of_path<'a>(
    root: &'a Node,
    path: &'a [Segment],
) -> (Subject<'a>, &'a [Segment]) {
    let [Segment::Key(top), entry, rest @ ..] = path else {
        return match path {
            [Segment::Key(top), rest @ ..] if top == "settings" => (Subject::Settings, rest),
            _ => (Subject::Roster, path),
        };
    };

    match (top.as_str(), entry) {
        ("settings", _) => (Subject::Settings, &path[1..]),
        ("environments", Segment::Key(name)) => (Subject::Environment(name), rest),
        ("owners", Segment::Key(name)) => (Subject::Owner(name), rest),
        ("groups", Segment::Key(name)) => (Subject::Group(name), rest),
        ("identities", Segment::Index(index)) => {
            let id = root
                .get("identities")
                .and_then(|list| list.items().nth(*index))
                .and_then(|item| item.get("id"))
                .and_then(Node::as_scalar);
            (Subject::Identity { index: *index, id }, rest)
        }
        ("suppressions", Segment::Index(index)) => (Subject::Suppression(*index), rest),
        _ => (Subject::Roster, path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_names_entries() {
        assert_eq!(describe(Subject::Roster, ""), "the roster");
        assert_eq!(describe(Subject::Roster, "version"), "`version`");
        assert_eq!(
            describe(Subject::Settings, "organization"),
            "`settings.organization`"
        );
        assert_eq!(
            describe(Subject::Group("ci-deployers"), ""),
            "group `ci-deployers`"
        );
        assert_eq!(
            describe(Subject::Group("ci-deployers"), "members[0].selector"),
            "`members[0].selector` of group `ci-deployers`"
        );
        assert_eq!(
            describe(
                Subject::Identity {
                    index: 2,
                    id: Some("aws:111122223333:role:deploy")
                },
                ""
            ),
            "identity `aws:111122223333:role:deploy`"
        );
        assert_eq!(
            describe(Subject::Identity { index: 2, id: None }, "selector"),
            "`identities[2].selector`"
        );
        assert_eq!(
            describe(Subject::Suppression(0), "expires"),
            "`suppressions[0].expires`"
        );
    }
}
