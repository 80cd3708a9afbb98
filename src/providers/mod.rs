//! One folder per provider, each with the same files: `mod.rs` (the `TicketSource`),
//! `wire.rs` (the vendor's JSON, private), `map.rs` (wire → model) and `query.rs`
//! (`Query` → request parameters and client-side filters).

pub mod arcticwolf;
pub mod argus;
mod borrowed;
pub mod cyderes;
mod explain;
mod lenient;
mod listing;
mod registry;
pub mod sonar;
mod words;

pub(crate) use explain::Explanation;
pub use registry::{PROVIDERS, ProviderInfo, Registry, build, info, provider, provider_names};

/// How a source names itself in warnings: `sonar`, or `sonar (profile prod)`.
pub(crate) fn label(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    profile: Option<&str>,
) -> std::fmt::Result {
    match profile {
        Some(p) => write!(f, "{name} (profile {p})"),
        None => f.write_str(name),
    }
}

/// Logs a vendor value the mapping tables do not know and that is shown as `unknown`:
/// a new vendor status should be noticed, but not once per ticket in a 100,000-ticket
/// list, so it is said for every ticket and the CLI's log layer prints it once and
/// counts the rest ("… and 999 more like: …", `cli::logging`).
pub(crate) fn warn_unmapped(provider: &str, what: &str, raw: &str) {
    tracing::warn!("{provider}: unmapped {what} '{raw}' shown as unknown");
}

/// One list page of `provider` read as `tix list` reads it (the one-pass fast path,
/// without `raw`), for the decode benchmark (benches/list_page.rs); Arctic Wolf's page is
/// read as one organization's. Not an interface: the pages are each vendor's own JSON.
#[doc(hidden)]
pub fn read_list_page(
    provider: &str,
    bytes: &[u8],
) -> crate::error::Result<Vec<crate::model::Ticket>> {
    match provider {
        sonar::NAME => sonar::read_page(bytes),
        argus::NAME => argus::read_page(bytes),
        cyderes::NAME => cyderes::read_page(bytes),
        arcticwolf::NAME => arcticwolf::read_page(bytes),
        _ => Err(crate::error::Error::invalid(
            "provider",
            provider,
            "one of: sonar, argus, cyderes, arcticwolf",
        )),
    }
}

/// Reads a JSON value of an answer as the vendor's type `W`: for answers kept raw
/// (`--with-raw-event`), read once as JSON and then as what the document says they are.
pub(crate) fn decode<W: serde::de::DeserializeOwned>(
    provider: &str,
    value: serde_json::Value,
) -> crate::error::Result<W> {
    serde_json::from_value(value).map_err(|e| {
        crate::error::Error::decode(provider, "an object in the answer is not as documented", e)
    })
}
