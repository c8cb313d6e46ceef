//! Loading roster files and folders: the parsed values, where entries are written, and the
//! exact messages of each kind of error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use jiff::civil::date;
use roster_declared::{Duration, MemberMatcher, RosterError, ScopeList, load, read, validate};
use roster_model::{ProviderId, Scope, ScopeKind};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Writes `files` into a new folder and returns it.
fn folder(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Loads `path` and renders its error with the folder prefix removed, so that messages read
/// `roster.yaml:4:5: ...`.
fn error_of(dir: &TempDir, path: &Path) -> String {
    let error = load(path).expect_err("the roster should be rejected");
    let prefix = format!("{}{}", dir.path().display(), std::path::MAIN_SEPARATOR);
    error.to_string().replace(&prefix, "")
}

/// Loads one `roster.yaml` with `text` and renders its error.
fn error_of_yaml(text: &str) -> String {
    let dir = folder(&[("roster.yaml", text)]);
    error_of(&dir, &dir.path().join("roster.yaml"))
}

#[test]
fn full_roster_loads_every_section() {
    let path = fixture("roster.yaml");
    let loaded = load(&path).unwrap();
    let roster = &loaded.roster;

    assert_eq!(roster.version, 1);
    assert_eq!(roster.settings.unused_after, Duration::from_days(60));
    assert_eq!(roster.settings.credential_max_age, Duration::from_days(84));
    assert_eq!(roster.settings.expiring_within, Duration::from_hours(72));
    assert_eq!(
        roster.settings.organization.vendors["datadog"],
        ["464622532012"]
    );
    assert_eq!(
        roster.owners["platform"].contact.as_deref(),
        Some("#platform-oncall")
    );

    let prod_accounts = &roster.environments["prod"].aws.as_ref().unwrap().accounts;
    assert_eq!(prod_accounts, &["111122223333", "012345678901"]);

    let group = &roster.groups["ci-deployers"];
    assert_eq!(group.environment.as_deref(), Some("prod"));
    assert_eq!(group.members.len(), 2);
    assert!(
        matches!(&group.members[0], MemberMatcher::Id { id } if id == "aws:111122223333:role:deploy")
    );
    let MemberMatcher::Selector { selector } = &group.members[1] else {
        panic!("the second member is a selector");
    };
    assert_eq!(selector.name.as_deref(), Some("ci-*"));
    assert_eq!(selector.tags["team"], "platform");
    let credentials = group.credentials.as_ref().unwrap();
    assert_eq!(credentials.max_age, Some(Duration::from_days(30)));
    assert!(!credentials.long_lived);

    assert_eq!(roster.identities.len(), 2);
    assert_eq!(roster.identities[0].expires, Some(date(2026, 12, 31)));
    assert_eq!(roster.identities[1].human, Some(false));

    assert_eq!(roster.suppressions.len(), 2);
    assert_eq!(roster.suppressions[0].ticket.as_deref(), Some("SEC-142"));
    assert_eq!(roster.suppressions[1].ticket, None);
    assert_eq!(roster.suppressions[1].rule, "*");

    assert_eq!(loaded.files, std::slice::from_ref(&path));
    assert_eq!(loaded.digest, sha256_hex(&fs::read(&path).unwrap()));
    assert_eq!(
        loaded.summary().to_string(),
        "2 environments (9 scopes), 2 owners, 2 groups (3 members), 2 identity declarations, 2 suppressions in 1 file"
    );
}

#[test]
fn full_roster_locates_entries() {
    let path = fixture("roster.yaml");
    let loaded = load(&path).unwrap();
    let locations = &loaded.locations;
    let at = |location: Option<&roster_declared::Location>| {
        let location = location.unwrap();
        assert_eq!(&*location.file, path.as_path());
        (location.line, location.column)
    };

    assert_eq!(at(locations.environment("prod")), (20, 3));
    assert_eq!(
        at(locations.scope("prod", ScopeList::AwsAccounts, 1)),
        (22, 34)
    );
    assert_eq!(
        at(locations.scope("staging", ScopeList::KubernetesNamespaces, 0)),
        (36, 20)
    );
    assert_eq!(at(locations.owner("data")), (17, 3));
    assert_eq!(at(locations.group("ci-deployers")), (39, 3));
    assert_eq!(at(locations.member("ci-deployers", 0)), (45, 9));
    assert_eq!(at(locations.member("ci-deployers", 1)), (46, 9));
    assert_eq!(at(locations.identity(0)), (67, 5));
    assert_eq!(at(locations.identity(1)), (72, 5));
    assert_eq!(at(locations.suppression(1)), (85, 5));
    assert_eq!(at(locations.settings()), (4, 1));
    assert!(locations.group("missing").is_none());
    assert!(locations.identity(2).is_none());

    assert_eq!(
        locations.source_line(locations.group("ci-deployers").unwrap()),
        Some("  ci-deployers:")
    );
}

#[test]
fn full_roster_maps_scopes_to_environments() {
    let loaded = load(&fixture("roster.yaml")).unwrap();
    let roster = &loaded.roster;

    let account = Scope::new(ProviderId::Aws, ScopeKind::AwsAccount, "012345678901");
    assert_eq!(roster.environment_of_scope(&account), Some("prod"));
    let location = loaded.scope_location(&account).unwrap();
    assert_eq!((location.line, location.column), (22, 34));

    let namespace = Scope::new(
        ProviderId::Kubernetes,
        ScopeKind::K8sNamespace,
        "shared-eu/staging",
    );
    assert_eq!(roster.environment_of_scope(&namespace), Some("staging"));
    let unknown = Scope::new(ProviderId::Aws, ScopeKind::AwsAccount, "222233334444");
    assert_eq!(roster.environment_of_scope(&unknown), None);
}

#[test]
fn roster_folder_merges_in_name_order() {
    let dir = fixture("roster.d");
    let loaded = load(&dir).unwrap();
    let roster = &loaded.roster;

    let names: Vec<_> = loaded
        .files
        .iter()
        .map(|file| file.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["10-platform.yaml", "20-data.yml", "30-ml.json"]);

    assert_eq!(roster.settings.unused_after, Duration::from_days(30));
    assert_eq!(
        roster.environments.keys().collect::<Vec<_>>(),
        ["prod", "staging"]
    );
    assert_eq!(
        roster.groups.keys().collect::<Vec<_>>(),
        ["ci-deployers", "data-pipelines"]
    );
    let identity_ids: Vec<_> = roster
        .identities
        .iter()
        .map(|identity| identity.id.as_deref().unwrap())
        .collect();
    assert_eq!(
        identity_ids,
        [
            "aws:111122223333:role:break-glass",
            "gcp:acme-staging:service-account:trainer@acme-staging.iam.gserviceaccount.com",
        ]
    );
    assert_eq!(roster.suppressions.len(), 1);

    let second_identity = loaded.locations.identity(1).unwrap();
    assert_eq!(second_identity.file.file_name().unwrap(), "30-ml.json");
    assert_eq!((second_identity.line, second_identity.column), (4, 5));
    let group = loaded.locations.group("data-pipelines").unwrap();
    assert_eq!(group.file.file_name().unwrap(), "20-data.yml");
    assert_eq!(loaded.locations.suppression(0).unwrap().line, 12);

    let bytes: Vec<u8> = loaded
        .files
        .iter()
        .flat_map(|file| fs::read(file).unwrap())
        .collect();
    assert_eq!(loaded.digest, sha256_hex(&bytes));
}

#[test]
fn roster_folder_rejects_group_defined_twice() {
    let dir = folder(&[
        (
            "10-platform.yaml",
            "version: 1\ngroups:\n  ci-deployers:\n    owner: platform\n",
        ),
        (
            "20-data.yaml",
            "version: 1\ngroups:\n  etl: {}\n  ci-deployers:\n    owner: data\n",
        ),
    ]);
    assert_eq!(
        error_of(&dir, dir.path()),
        "20-data.yaml:4:3: group `ci-deployers` is already defined in `10-platform.yaml` at line 3\n  |\n4 |   ci-deployers:\n  |   ^^^^^^^^^^^^\n  = help: define each group in one file: rename one of the two, or merge them"
    );
}

#[test]
fn roster_folder_rejects_environment_and_owner_defined_twice() {
    let dir = folder(&[
        (
            "a.yaml",
            "version: 1\nowners:\n  platform: {}\nenvironments:\n  prod: {}\n",
        ),
        (
            "b.yml",
            "version: 1\nenvironments:\n  prod: {}\nowners:\n  platform: {}\n",
        ),
    ]);
    let error = load(dir.path()).unwrap_err();
    let messages: Vec<_> = error
        .diagnostics()
        .iter()
        .map(|diagnostic| {
            let file = diagnostic
                .location
                .file
                .file_name()
                .unwrap()
                .to_string_lossy();
            format!(
                "{file}:{}: {}",
                diagnostic.location.line, diagnostic.message
            )
        })
        .collect();
    let first_file = dir.path().join("a.yaml");
    assert_eq!(
        messages,
        [
            format!(
                "b.yml:3: environment `prod` is already defined in `{}` at line 5",
                first_file.display()
            ),
            format!(
                "b.yml:5: owner `platform` is already defined in `{}` at line 3",
                first_file.display()
            ),
        ]
    );
}

#[test]
fn roster_folder_rejects_second_settings_block() {
    let dir = folder(&[
        ("a.yaml", "version: 1\nsettings:\n  unused_after: 30d\n"),
        ("b.yaml", "version: 1\nsettings:\n  unused_after: 60d\n"),
    ]);
    assert_eq!(
        error_of(&dir, dir.path()),
        "b.yaml:2:1: `settings` is already given in `a.yaml` at line 2\n  |\n2 | settings:\n  | ^^^^^^^^\n  = help: keep one `settings` block for the whole folder"
    );
}

#[test]
fn roster_folder_rejects_versions_that_differ() {
    let dir = folder(&[("a.yaml", "version: 1\n"), ("b.yaml", "version: 2\n")]);
    assert_eq!(
        error_of(&dir, dir.path()),
        "b.yaml:1:10: version `2` differs from version `1` in `a.yaml`\n  |\n1 | version: 2\n  |          ^\n  = help: give every file of the folder `version: 1`"
    );
}

#[test]
fn roster_folder_reports_every_failing_file() {
    let dir = folder(&[
        ("a.yaml", "version: 1\ngrups: {}\n"),
        ("b.yaml", "version: 1\nowners:\n  x: {contct: y}\n"),
    ]);
    let error = load(dir.path()).unwrap_err();
    let lines: Vec<_> = error
        .diagnostics()
        .iter()
        .map(|diagnostic| diagnostic.message.as_str())
        .collect();
    assert_eq!(
        lines,
        [
            "unknown field `grups` in the roster (did you mean `groups`?)",
            "unknown field `contct` in owner `x` (did you mean `contact`?)",
        ]
    );
}

#[test]
fn empty_folder_is_an_error() {
    let dir = folder(&[("notes.txt", "version: 1\n")]);
    let error = load(dir.path()).unwrap_err();
    assert!(matches!(error, RosterError::EmptyFolder(_)));
    assert_eq!(
        error.to_string(),
        format!(
            "the folder `{}` holds no `*.yaml`, `*.yml` or `*.json` file: add a roster file to it",
            dir.path().display()
        )
    );
}

#[test]
fn missing_path_is_a_read_error() {
    let dir = folder(&[]);
    let error = load(&dir.path().join("roster.yaml")).unwrap_err();
    assert!(matches!(error, RosterError::Read { .. }));
    assert!(error.to_string().starts_with("failed to read `"));
}

#[test]
fn unknown_field_suggests_the_closest_field() {
    assert_eq!(
        error_of_yaml("version: 1\ngroups:\n  ci-deployers:\n    ownr: platform\n"),
        "roster.yaml:4:5: unknown field `ownr` in group `ci-deployers` (did you mean `owner`?)\n  |\n4 |     ownr: platform\n  |     ^^^^\n  = help: expected one of `environment`, `owner`, `purpose`, `provider_group`, `members`, `allowed`, `credentials`"
    );
}

#[test]
fn unknown_field_without_close_match_lists_fields() {
    assert_eq!(
        error_of_yaml("version: 1\nidentities:\n  - id: aws:111122223333:role:a\n    team: x\n"),
        "roster.yaml:4:5: unknown field `team` in identity `aws:111122223333:role:a`\n  |\n4 |     team: x\n  |     ^^^^\n  = help: expected one of `id`, `selector`, `owner`, `purpose`, `environment`, `expires`, `human`"
    );
}

#[test]
fn unknown_field_in_member_selector_names_the_path() {
    assert_eq!(
        error_of_yaml("version: 1\ngroups:\n  ci:\n    members:\n      - selector: {nme: ci-*}\n"),
        "roster.yaml:5:20: unknown field `nme` in `members[0].selector` of group `ci` (did you mean `name`?)\n  |\n5 |       - selector: {nme: ci-*}\n  |                    ^^^\n  = help: expected one of `provider`, `kind`, `scope`, `name`, `path`, `tags`"
    );
}

#[test]
fn member_with_unknown_field_is_an_error() {
    assert_eq!(
        error_of_yaml(
            "version: 1\ngroups:\n  ci:\n    members:\n      - id: aws:111122223333:role:a\n        owner: x\n"
        ),
        "roster.yaml:6:9: unknown field `owner` in `members[0]` of group `ci`\n  |\n6 |         owner: x\n  |         ^^^^^\n  = help: expected one of `id`, `selector`"
    );
}

#[test]
fn member_with_id_and_selector_is_an_error() {
    assert_eq!(
        error_of_yaml(
            "version: 1\ngroups:\n  ci:\n    members:\n      - id: aws:111122223333:role:a\n        selector: {name: a}\n"
        ),
        "roster.yaml:5:9: `members[0]` of group `ci` gives both `id` and `selector`\n  |\n5 |       - id: aws:111122223333:role:a\n  |         ^\n  = help: give exactly one of `id` (an identity key) or `selector`"
    );
}

#[test]
fn duplicate_key_names_both_lines() {
    assert_eq!(
        error_of_yaml(
            "version: 1\ngroups:\n  ci:\n    owner: platform\n    purpose: deploys\n    owner: data\n"
        ),
        "roster.yaml:6:5: duplicate key `owner` in group `ci`: it is already given at line 4\n  |\n6 |     owner: data\n  |     ^^^^^\n  = help: remove one of the two, or merge them into one"
    );
}

#[test]
fn duplicate_group_name_is_an_error() {
    assert_eq!(
        error_of_yaml("version: 1\ngroups:\n  ci:\n    owner: platform\n  ci:\n    owner: data\n"),
        "roster.yaml:5:3: duplicate key `ci` in `groups`: it is already given at line 3\n  |\n5 |   ci:\n  |   ^^\n  = help: remove one of the two, or merge them into one"
    );
}

#[test]
fn wrong_scalar_type_is_an_error() {
    assert_eq!(
        error_of_yaml("version: one\n"),
        "roster.yaml:1:10: invalid type for `version`: expected a whole number, found `one`\n  |\n1 | version: one\n  |          ^^^"
    );
}

#[test]
fn wrong_collection_type_is_an_error() {
    assert_eq!(
        error_of_yaml("version: 1\ngroups:\n  ci:\n    members: aws:111122223333:role:a\n"),
        "roster.yaml:4:14: invalid type for `members` of group `ci`: expected a list, found `aws:111122223333:role:a`\n  |\n4 |     members: aws:111122223333:role:a\n  |              ^^^^^^^^^^^^^^^^^^^^^^^"
    );
}

#[test]
fn yaml_one_one_booleans_are_not_booleans() {
    assert_eq!(
        error_of_yaml("version: 1\ngroups:\n  ci:\n    credentials:\n      long_lived: no\n"),
        "roster.yaml:5:19: invalid type for `credentials.long_lived` of group `ci`: expected `true` or `false`, found `no`\n  |\n5 |       long_lived: no\n  |                   ^^"
    );
}

#[test]
fn invalid_duration_names_the_setting() {
    assert_eq!(
        error_of_yaml("version: 1\nsettings:\n  unused_after: 90\n"),
        "roster.yaml:3:17: invalid duration `90` for `settings.unused_after`: the unit is missing; add `h`, `d` or `w`, for example `90d`\n  |\n3 |   unused_after: 90\n  |                 ^^"
    );
}

#[test]
fn invalid_identity_kind_suggests_the_closest_kind() {
    let error = error_of_yaml("version: 1\nidentities:\n  - selector: {kind: aws-rol}\n");
    assert!(
        error.starts_with(
            "roster.yaml:3:22: invalid value `aws-rol` for `identities[0].selector.kind` (did you mean `aws-role`?)"
        ),
        "{error}"
    );
}

#[test]
fn invalid_identity_keys_are_errors() {
    assert_eq!(
        error_of_yaml(
            "version: 1\ngroups:\n  ci:\n    members:\n      - id: aws:111122223333:bucket:x\n      - id: deploy\nidentities:\n  - id: slack:T0123:bot\n"
        ),
        "roster.yaml:5:13: invalid identity key `aws:111122223333:bucket:x` in `members[0].id` of group `ci`: `bucket` is not an identity kind of provider `aws`\n  |\n5 |       - id: aws:111122223333:bucket:x\n  |             ^^^^^^^^^^^^^^^^^^^^^^^^^\n\nroster.yaml:6:13: invalid identity key `deploy` in `members[1].id` of group `ci`: expected `provider:scope:kind:native-id`\n  |\n6 |       - id: deploy\n  |             ^^^^^^\n  = help: for example `aws:111122223333:role:deploy`\n\nroster.yaml:8:9: invalid identity key `slack:T0123:bot` in `id` of identity `slack:T0123:bot`: expected `provider:scope:kind:native-id`\n  |\n8 |   - id: slack:T0123:bot\n  |         ^^^^^^^^^^^^^^^\n  = help: for example `aws:111122223333:role:deploy`"
    );
}

#[test]
fn identity_needs_exactly_one_of_id_and_selector() {
    assert_eq!(
        error_of_yaml(
            "version: 1\nidentities:\n  - owner: platform\n  - id: aws:111122223333:role:a\n    selector: {name: a}\n"
        ),
        "roster.yaml:3:5: `identities[0]` gives neither `id` nor `selector`\n  |\n3 |   - owner: platform\n  |     ^\n  = help: give exactly one of `id` (an identity key) or `selector`\n\nroster.yaml:5:15: identity `aws:111122223333:role:a` gives both `id` and `selector`\n  |\n5 |     selector: {name: a}\n  |               ^\n  = help: give exactly one of `id` (an identity key) or `selector`"
    );
}

#[test]
fn empty_selector_is_an_error() {
    assert_eq!(
        error_of_yaml("version: 1\nidentities:\n  - selector: {}\n"),
        "roster.yaml:3:15: `identities[0].selector` is empty, so it would match every identity\n  |\n3 |   - selector: {}\n  |               ^\n  = help: give at least one of `provider`, `kind`, `scope`, `name`, `path` or `tags`"
    );
}

#[test]
fn selector_with_unknown_provider_is_an_error() {
    assert_eq!(
        error_of_yaml("version: 1\nidentities:\n  - selector: {provider: gpc}\n"),
        "roster.yaml:3:26: unknown provider `gpc` in `identities[0].selector` (did you mean `gcp`?)\n  |\n3 |   - selector: {provider: gpc}\n  |                          ^^^\n  = help: expected one of `aws`, `gcp`, `azure`, `slack`, `kubernetes`"
    );
}

#[test]
fn unknown_environment_suggests_a_declared_one() {
    assert_eq!(
        error_of_yaml(
            "version: 1\nenvironments:\n  prod: {}\n  staging: {}\ngroups:\n  ci-deployers:\n    environment: prd\nidentities:\n  - id: aws:111122223333:role:a\n    environment: qa\n"
        ),
        "roster.yaml:7:18: unknown environment `prd` in group `ci-deployers` (did you mean `prod`?)\n  |\n7 |     environment: prd\n  |                  ^^^\n  = help: declare `prd` under `environments`, or use one of `prod`, `staging`\n\nroster.yaml:10:18: unknown environment `qa` in identity `aws:111122223333:role:a`\n   |\n10 |     environment: qa\n   |                  ^^\n   = help: declare `qa` under `environments`, or use one of `prod`, `staging`"
    );
}

#[test]
fn scope_in_two_environments_is_an_error() {
    let dir = folder(&[(
        "roster.yaml",
        "version: 1\nenvironments:\n  prod:\n    aws:\n      accounts: ['111122223333']\n  staging:\n    aws:\n      accounts: ['111122223333']\n",
    )]);
    assert_eq!(
        error_of(&dir, &dir.path().join("roster.yaml")),
        "roster.yaml:8:18: scope `111122223333` of environment `staging` is already listed in environment `prod` at `roster.yaml:5:18`\n  |\n8 |       accounts: ['111122223333']\n  |                  ^^^^^^^^^^^^^^\n  = help: a scope belongs to one environment: remove one of the two entries"
    );
}

#[test]
fn scope_listed_twice_is_an_error() {
    assert_eq!(
        error_of_yaml(
            "version: 1\nenvironments:\n  prod:\n    gcp:\n      projects: [acme-prod, projects/acme-prod]\n"
        ),
        "roster.yaml:5:29: scope `projects/acme-prod` is listed twice in environment `prod`: first at line 5\n  |\n5 |       projects: [acme-prod, projects/acme-prod]\n  |                             ^^^^^^^^^^^^^^^^^^\n  = help: a scope belongs to one environment: remove one of the two entries"
    );
}

#[test]
fn aws_account_ids_are_twelve_digits() {
    assert_eq!(
        error_of_yaml(
            "version: 1\nsettings:\n  organization:\n    aws_accounts: ['12345678901x']\nenvironments:\n  prod:\n    aws:\n      accounts: [1234]\nidentities:\n  - selector: {provider: aws, scope: '99'}\n"
        ),
        "roster.yaml:4:20: invalid AWS account id `12345678901x` in `settings.organization.aws_accounts[0]`: an account id is 12 digits\n  |\n4 |     aws_accounts: ['12345678901x']\n  |                    ^^^^^^^^^^^^^^\n\nroster.yaml:8:18: invalid scope `1234` in `aws.accounts` of environment `prod`: an AWS account id is 12 digits\n  |\n8 |       accounts: [1234]\n  |                  ^^^^\n\nroster.yaml:10:38: invalid AWS account id `99` in `identities[0].selector.scope`: an account id is 12 digits\n   |\n10 |   - selector: {provider: aws, scope: '99'}\n   |                                      ^^^^"
    );
}

#[test]
fn account_id_with_leading_zero_stays_text() {
    let dir = folder(&[(
        "roster.yaml",
        "version: 1\nenvironments:\n  prod:\n    aws:\n      accounts: [012345678901]\n",
    )]);
    let loaded = load(&dir.path().join("roster.yaml")).unwrap();
    assert_eq!(
        loaded.roster.environments["prod"]
            .aws
            .as_ref()
            .unwrap()
            .accounts,
        ["012345678901"]
    );
}

#[test]
fn unsupported_version_is_an_error() {
    assert_eq!(
        error_of_yaml("version: 2\n"),
        "roster.yaml:1:10: unsupported roster version `2`: this Roster reads version 1\n  |\n1 | version: 2\n  |          ^\n  = help: set `version: 1`"
    );
}

#[test]
fn missing_version_is_an_error() {
    assert_eq!(
        error_of_yaml("groups: {}\n"),
        "roster.yaml:1:1: missing field `version` in the roster\n  |\n1 | groups: {}\n  | ^\n  = help: add `version:` with a value"
    );
}

#[test]
fn suppression_requires_expires_reason_and_owner() {
    let complete = "  - rule: stale-credential\n    target: aws:111122223333:user:legacy\n    reason: vendor blocks rotation\n    owner: platform\n    expires: 2026-03-31\n";
    for field in ["expires", "reason", "owner", "target", "rule"] {
        let text: String = complete
            .lines()
            .filter(|line| {
                !line
                    .trim_start_matches(['-', ' '])
                    .starts_with(&format!("{field}:"))
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let text = text.replacen("    ", "  - ", usize::from(field == "rule"));
        let error = error_of_yaml(&format!("version: 1\nsuppressions:\n{text}"));
        let first_line = error.lines().next().unwrap();
        assert_eq!(
            first_line,
            format!("roster.yaml:3:5: missing field `{field}` in `suppressions[0]`"),
            "{field}"
        );
    }
}

#[test]
fn suppression_ticket_is_optional() {
    let dir = folder(&[(
        "roster.yaml",
        "version: 1\nsuppressions:\n  - rule: stale-credential\n    target: aws:111122223333:user:legacy\n    reason: vendor blocks rotation\n    owner: platform\n    expires: 2026-03-31\n",
    )]);
    let loaded = load(&dir.path().join("roster.yaml")).unwrap();
    assert_eq!(loaded.roster.suppressions[0].ticket, None);
    assert_eq!(loaded.roster.suppressions[0].expires, date(2026, 3, 31));
}

#[test]
fn suppression_with_invalid_date_is_an_error() {
    assert_eq!(
        error_of_yaml(
            "version: 1\nsuppressions:\n  - rule: '*'\n    target: x\n    reason: y\n    owner: z\n    expires: 2026-02-30\n"
        ),
        "roster.yaml:7:14: invalid date `2026-02-30` for `suppressions[0].expires`: parsed date is not valid: parameter 'day' for `2026-02` is invalid, must be in range `1..=28`\n  |\n7 |     expires: 2026-02-30\n  |              ^^^^^^^^^^\n  = help: write the date as `YYYY-MM-DD`, for example `2026-06-30`"
    );
}

#[test]
fn suppression_rule_must_be_known() {
    assert_eq!(
        error_of_yaml(
            "version: 1\nsuppressions:\n  - rule: stale-credentials\n    target: x\n    reason: ' '\n    owner: z\n    expires: 2026-01-01\n"
        ),
        "roster.yaml:3:11: unknown rule `stale-credentials` in `suppressions[0]` (did you mean `stale-credential`?)\n  |\n3 |   - rule: stale-credentials\n  |           ^^^^^^^^^^^^^^^^^\n  = help: name a rule such as `stale-credential`, or `*` for every rule; `roster rules` lists them\n\nroster.yaml:5:13: empty `reason` in `suppressions[0]`\n  |\n5 |     reason: ' '\n  |             ^^^\n  = help: a suppression needs a `reason`"
    );
}

#[test]
fn validate_takes_the_rule_names() {
    let dir = folder(&[(
        "roster.yaml",
        "version: 1\nsuppressions:\n  - {rule: new-rule, target: x, reason: y, owner: z, expires: 2026-01-01}\n",
    )]);
    let loaded = read(&dir.path().join("roster.yaml")).unwrap();
    assert!(validate(&loaded, &["new-rule"]).is_empty());
    assert_eq!(validate(&loaded, &["stale-credential"]).len(), 1);
}

#[test]
fn owner_not_in_owners_is_not_an_error() {
    let dir = folder(&[(
        "roster.yaml",
        "version: 1\nowners:\n  platform: {}\ngroups:\n  ci:\n    owner: gone-team\n",
    )]);
    assert!(load(&dir.path().join("roster.yaml")).is_ok());
}

#[test]
fn alias_bomb_is_rejected() {
    let bomb = "version: 1\nowners:\n  a: &a {contact: x}\n".to_owned()
        + "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        + "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        + "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        + "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        + "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        + "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
        + "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
        + "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    let error = error_of_yaml(&bomb);
    let first_line = error.lines().next().unwrap();
    assert!(
        first_line.contains("`roster.yaml` exceeds the limits of a roster file:"),
        "{error}"
    );
    assert!(
        error.ends_with("= help: anchors and aliases that repeat large parts of a file trip this limit; write the entries out"),
        "{error}"
    );
}

#[test]
fn small_aliases_are_accepted() {
    let dir = folder(&[(
        "roster.yaml",
        "version: 1\ngroups:\n  ci:\n    allowed: &read\n      aws: ['s3:Get*']\n  etl:\n    allowed: *read\n",
    )]);
    let loaded = load(&dir.path().join("roster.yaml")).unwrap();
    assert_eq!(
        loaded.roster.groups["etl"].allowed,
        loaded.roster.groups["ci"].allowed
    );
}

#[test]
fn several_documents_are_an_error() {
    assert_eq!(
        error_of_yaml("version: 1\n---\nversion: 1\n"),
        "roster.yaml:2:1: `roster.yaml` holds more than one YAML document, but a roster file is one document\n  |\n2 | ---\n  | ^^^\n  = help: remove the `---` line, or move each document into its own file of a `roster.d/` folder"
    );
}

#[test]
fn empty_file_is_an_error() {
    assert_eq!(
        error_of_yaml(""),
        "roster.yaml:1:1: the roster is empty, but a roster is a mapping of `version`, `environments`, `groups` and the other sections\n = help: start the file with `version: 1`"
    );
}

#[test]
fn yaml_syntax_error_has_a_position() {
    assert_eq!(
        error_of_yaml("version: 1\ngroups:\n  ci: [\n"),
        "roster.yaml:3:7: invalid YAML: unclosed bracket '['\n  |\n3 |   ci: [\n  |       ^"
    );
}

#[test]
fn json_roster_loads() {
    let dir = folder(&[(
        "roster.json",
        "{\n\t\"version\": 1,\n\t\"environments\": {\"prod\": {\"aws\": {\"accounts\": [\"111122223333\"]}}},\n\t\"groups\": {\"ci\": {\"environment\": \"prod\", \"members\": [{\"id\": \"aws:111122223333:role:deploy\"}]}}\n}\n",
    )]);
    let loaded = load(&dir.path().join("roster.json")).unwrap();
    assert_eq!(loaded.roster.groups["ci"].members.len(), 1);
    let group = loaded.locations.group("ci").unwrap();
    assert_eq!((group.line, group.column), (4, 13));
}

#[test]
fn json_roster_errors_have_positions() {
    let dir = folder(&[(
        "roster.json",
        "{\n  \"version\": 1,\n  \"groups\": {\"ci\": {\"ownr\": \"platform\"}}\n}\n",
    )]);
    assert_eq!(
        error_of(&dir, &dir.path().join("roster.json")),
        "roster.json:3:21: unknown field `ownr` in group `ci` (did you mean `owner`?)\n  |\n3 |   \"groups\": {\"ci\": {\"ownr\": \"platform\"}}\n  |                     ^^^^^^\n  = help: expected one of `environment`, `owner`, `purpose`, `provider_group`, `members`, `allowed`, `credentials`"
    );
}
