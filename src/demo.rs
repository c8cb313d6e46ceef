//! The bundled demo estate: two AWS accounts, two GCP projects and their roster, compiled
//! into the binary so `roster scan --demo` works anywhere without credentials. The files live
//! in `fixtures/demo/`.

use std::path::Path;

use jiff::Timestamp;
use roster_declared::LoadedRoster;
use roster_model::{Inventory, ProviderId};
use roster_provider::Source;

use crate::providers;

/// The instant the demo estate's dates were chosen against. The demo uses it unless `--now`
/// is given, so its findings do not change as the clock moves.
pub const DEMO_NOW: &str = "2026-06-01T00:00:00Z";

const ROSTER_NAME: &str = "fixtures/demo/roster.yaml";
const ROSTER_TEXT: &str = include_str!("../fixtures/demo/roster.yaml");

const AWS_FILES: [(&str, &[u8]); 4] = [
    (
        "fixtures/demo/aws/prod-account-authorization.json",
        include_bytes!("../fixtures/demo/aws/prod-account-authorization.json"),
    ),
    (
        "fixtures/demo/aws/prod-credential-report.json",
        include_bytes!("../fixtures/demo/aws/prod-credential-report.json"),
    ),
    (
        "fixtures/demo/aws/dev-account-authorization.json",
        include_bytes!("../fixtures/demo/aws/dev-account-authorization.json"),
    ),
    (
        "fixtures/demo/aws/dev-credential-report.json",
        include_bytes!("../fixtures/demo/aws/dev-credential-report.json"),
    ),
];

const GCP_FILES: [(&str, &[u8]); 3] = [
    (
        "fixtures/demo/gcp/resources.jsonl",
        include_bytes!("../fixtures/demo/gcp/resources.jsonl"),
    ),
    (
        "fixtures/demo/gcp/iam-policies.jsonl",
        include_bytes!("../fixtures/demo/gcp/iam-policies.jsonl"),
    ),
    (
        "fixtures/demo/gcp/roles.json",
        include_bytes!("../fixtures/demo/gcp/roles.json"),
    ),
];

/// Returns the demo's fixed `now`.
pub fn now() -> anyhow::Result<Timestamp> {
    Ok(DEMO_NOW.parse()?)
}

/// Loads the demo roster.
pub fn roster() -> anyhow::Result<LoadedRoster> {
    Ok(roster_declared::load_text(
        Path::new(ROSTER_NAME),
        ROSTER_TEXT,
    )?)
}

/// Imports the demo estate's AWS and GCP exports.
pub fn inventories() -> anyhow::Result<Vec<Inventory>> {
    Ok(vec![
        import(ProviderId::Aws, &AWS_FILES)?,
        import(ProviderId::Gcp, &GCP_FILES)?,
    ])
}

fn import(provider: ProviderId, files: &[(&str, &[u8])]) -> anyhow::Result<Inventory> {
    let sources = files
        .iter()
        .map(|(name, bytes)| Source {
            name: (*name).to_owned(),
            bytes: bytes.to_vec(),
        })
        .collect();
    let importer = providers::importer(provider)
        .ok_or_else(|| anyhow::anyhow!("the {provider} importer is missing from this build"))?;
    Ok(importer.import(sources)?)
}
