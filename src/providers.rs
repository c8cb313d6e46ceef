//! The providers compiled into this build, listed explicitly.

use roster_model::ProviderId;
use roster_provider::Provider;

static AWS: roster_provider_aws::AwsProvider = roster_provider_aws::AwsProvider;
static GCP: roster_provider_gcp::GcpProvider = roster_provider_gcp::GcpProvider;

/// Returns every provider of this build.
pub fn all() -> [&'static dyn Provider; 2] {
    [&AWS, &GCP]
}

/// Returns the provider that imports exports of `id`, when this build has one.
pub fn importer(id: ProviderId) -> Option<&'static dyn Provider> {
    all().into_iter().find(|provider| provider.info().id == id)
}

/// Names the providers that can import files, for error messages.
pub fn importable_list() -> String {
    let names: Vec<&str> = all()
        .into_iter()
        .map(|provider| provider.info().id.as_str())
        .collect();
    format!("this build imports {}", names.join(", "))
}
