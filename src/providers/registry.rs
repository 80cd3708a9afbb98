//! The registry: the one list of providers, and what the CLI needs of each before a
//! source exists. Adding a provider is a folder beside this file and one line in
//! [`PROVIDERS`].

use crate::config::{Catalog, ProviderSpec, SourceConfig};
use crate::error::{Error, Result};
use crate::model::ListFlag;
use crate::source::{Capabilities, TicketSource};
use std::ops::Deref;

/// One provider tix knows.
pub struct ProviderInfo {
    /// Its names and where its settings live (all config needs of it).
    pub spec: ProviderSpec,
    /// The largest page the API accepts; also the default page size.
    pub max_page_size: u64,
    /// The smallest page size the API accepts.
    pub min_page_size: u64,
    pub capabilities: Capabilities,
    /// The provider-specific `tix list` flags it takes (`--service`, `--where`,
    /// `--escalated-only`, `--with-raw-event`, `--pod`, `--root`); the CLI refuses the
    /// others for it before any request.
    pub list_flags: &'static [ListFlag],
    pub build: fn(SourceConfig) -> Result<Box<dyn TicketSource>>,
}

/// `info.name`, `info.env`, `info.key_var()`: a provider's names read as its own.
impl Deref for ProviderInfo {
    type Target = ProviderSpec;
    fn deref(&self) -> &ProviderSpec {
        &self.spec
    }
}

impl ProviderInfo {
    /// Whether this provider's API sorts a listing itself ([`SORTS_SERVER_SIDE`]).
    pub fn sorts_server_side(&self) -> bool {
        SORTS_SERVER_SIDE.contains(&self.name)
    }

    /// Refuses a `--page-size` outside what the API accepts, naming the bounds.
    pub fn check_page_size(&self, size: Option<u64>) -> Result<()> {
        match size {
            Some(size) if !(self.min_page_size..=self.max_page_size).contains(&size) => {
                Err(Error::invalid(
                    "--page-size",
                    size,
                    format!(
                        "an integer in {}..={} for {}",
                        self.min_page_size, self.max_page_size, self.name
                    ),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// Every provider, in the order `tix providers` prints them. Adding a provider is one line.
pub const PROVIDERS: &[ProviderInfo] = &[
    super::sonar::INFO,
    super::argus::INFO,
    super::cyderes::INFO,
    super::arcticwolf::INFO,
];

/// The registry as config sees it.
pub struct Registry;

impl Catalog for Registry {
    fn specs(&self) -> Vec<&'static ProviderSpec> {
        PROVIDERS.iter().map(|p| &p.spec).collect()
    }
}

/// The provider called `name`, or an error listing the known ones.
pub fn provider(name: &str) -> Result<&'static ProviderInfo> {
    let spec = Registry.find(name)?;
    Ok(info(spec))
}

/// The registry entry a resolved spec came from.
pub fn info(spec: &ProviderSpec) -> &'static ProviderInfo {
    PROVIDERS
        .iter()
        .find(|p| p.name == spec.name)
        .expect("every spec config resolves comes from the registry")
}

/// The known providers' names, comma-separated, for error messages.
pub fn provider_names() -> String {
    Registry.names()
}

/// Providers whose API sorts a listing itself (Sonar `sort_column`/`sort_type`, Argus
/// `sortBy`, Cyderes `lookup`). The others (Arctic Wolf has no sort) are sorted by tix
/// after every ticket is fetched, so a `sync` does not ask them for an order: it would
/// hold a whole window in memory for nothing.
const SORTS_SERVER_SIDE: &[&str] = &["sonar", "argus", "cyderes"];

/// Builds the source a resolved profile describes.
pub fn build(cfg: SourceConfig) -> Result<Box<dyn TicketSource>> {
    (info(cfg.provider).build)(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_providers_whose_api_sorts_are_asked_to_sort_by_sync() {
        let sorted: Vec<_> = PROVIDERS
            .iter()
            .filter(|p| p.sorts_server_side())
            .map(|p| p.name)
            .collect();
        assert_eq!(sorted, ["sonar", "argus", "cyderes"]);
        assert!(SORTS_SERVER_SIDE.iter().all(|n| provider(n).is_ok()));
    }

    #[test]
    fn registry_names_are_unique_lowercase_and_bounded() {
        let mut names: Vec<_> = PROVIDERS.iter().map(|p| p.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PROVIDERS.len());
        for p in PROVIDERS {
            assert_eq!(p.name, p.name.to_ascii_lowercase());
            assert!(p.min_page_size <= p.max_page_size);
            assert!(p.capabilities.list, "{} must list", p.name);
            assert!(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures")
                    .join(p.name)
                    .is_dir(),
                "fixtures/{} is missing",
                p.name
            );
        }
    }

    #[test]
    fn unknown_provider_names_the_known_ones() {
        let err = provider("jira").err().unwrap().to_string();
        assert!(err.contains("--provider") && err.contains("sonar"), "{err}");
    }
}
