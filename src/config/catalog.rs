//! What config needs to know of a provider, and no more: config resolves profiles for
//! whichever providers a [`Catalog`] names, so it never imports the providers themselves
//! (the registry in `crate::providers` implements the trait).

use crate::error::{Error, Result};

/// One provider as config sees it: its names and where its settings live.
#[derive(Debug)]
pub struct ProviderSpec {
    pub name: &'static str,
    /// Environment variables are `TIX_<ENV>_URL`, `TIX_<ENV>_<KEY_NAME>`, `TIX_<ENV>_CA_FILE`.
    pub env: &'static str,
    /// The secret's variable suffix: `API_KEY` (`TIX_ARGUS_API_KEY`), or `TOKEN` for
    /// Cyderes, whose documents call it a token.
    pub key_name: &'static str,
    /// Names of provider-specific settings a profile's `options` table (or
    /// `TIX_<ENV>_<NAME>`) may set, e.g. Arctic Wolf's `ticket_url`.
    pub options: &'static [&'static str],
    /// The public API's URL; `None` where every customer has its own host (Sonar).
    pub default_base_url: Option<&'static str>,
}

impl ProviderSpec {
    /// The environment variable holding the key, e.g. `TIX_SONAR_API_KEY`.
    pub fn key_var(&self) -> String {
        format!("TIX_{}_{}", self.env, self.key_name)
    }
}

/// The providers profiles may name.
pub trait Catalog {
    /// Every provider, in the order `tix providers` prints them.
    fn specs(&self) -> Vec<&'static ProviderSpec>;

    /// The provider called `name` (any case), or an error listing the known ones.
    fn find(&self, name: &str) -> Result<&'static ProviderSpec> {
        self.specs()
            .into_iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| Error::invalid("--provider", name, format!("one of: {}", self.names())))
    }

    /// The known providers' names, comma-separated, for error messages.
    fn names(&self) -> String {
        self.specs()
            .iter()
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
