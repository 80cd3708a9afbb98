//! Where Arctic Wolf's two APIs live (vendor-docs/arcticwolf-ticket-api.txt; research
//! §1.3): one global Organizations API, and a Ticket API per regional pod whose host
//! carries the pod's name.
//!
//! - Organizations: `<base>/api/v1/organizations`, base `https://eloc.global-prod.arcticwolf.net`
//!   (`TIX_ARCTICWOLF_URL`, a profile's `base_url`, or `--base-url`).
//! - Tickets: the template in the `ticket_url` option (`TIX_ARCTICWOLF_TICKET_URL`) with
//!   `{pod}` replaced; without it, the public template when the base is the public one,
//!   else `<base>/pods/{pod}` (how `tix sim` serves every pod under one address).

use super::NAME;
use crate::error::{Error, Result};
use crate::http::is_loopback;
use std::collections::BTreeMap;
use url::Url;

/// The public Organizations API host.
pub const DEFAULT_BASE: &str = "https://eloc.global-prod.arcticwolf.net";

/// The public Ticket API host of one pod.
pub const DEFAULT_TICKET_URL: &str = "https://ticket-api.managedgw.{pod}-prod.arcticwolf.net";

const POD: &str = "{pod}";

#[derive(Debug, Clone)]
pub(super) struct Endpoints {
    base: Url,
    ticket_template: String,
}

impl Endpoints {
    pub fn new(base: &Url, options: &BTreeMap<String, String>) -> Result<Self> {
        let ticket_template = match options.get("ticket_url") {
            Some(t) => t.trim().to_owned(),
            None if base.as_str().trim_end_matches('/') == DEFAULT_BASE => {
                DEFAULT_TICKET_URL.to_owned()
            }
            None => format!("{}/pods/{POD}", base.as_str().trim_end_matches('/')),
        };
        let e = Endpoints {
            base: base.clone(),
            ticket_template,
        };
        if !e.ticket_template.contains(POD) {
            return Err(Error::Config(format!(
                "{NAME}: ticket_url '{}' has no {POD} placeholder (e.g. {DEFAULT_TICKET_URL})",
                e.ticket_template
            )));
        }
        let sample = e.pod_base("us001")?;
        match sample.scheme() {
            "https" => {}
            "http" if is_loopback(&sample) => {}
            _ => {
                return Err(Error::Config(format!(
                    "{NAME}: ticket_url '{}' must be https:// (plain http only to loopback)",
                    e.ticket_template
                )));
            }
        }
        Ok(e)
    }

    /// `GET` here lists the organizations.
    pub fn organizations(&self) -> Url {
        join(&self.base, &["api", "v1", "organizations"])
    }

    /// `…/api/v1/organizations/{org}/tickets[/{rest}]` on the org's pod.
    pub fn tickets(&self, pod: &str, org: &str, rest: &[&str]) -> Result<Url> {
        let mut segments = vec!["api", "v1", "organizations", org, "tickets"];
        segments.extend_from_slice(rest);
        Ok(join(&self.pod_base(pod)?, &segments))
    }

    /// The Ticket API's base URL of `pod`. A pod name becomes part of a host name, so only
    /// what the Organizations API sends (`us001`, `eu001`, …) is accepted.
    fn pod_base(&self, pod: &str) -> Result<Url> {
        check_pod(pod)?;
        let raw = self.ticket_template.replace(POD, pod);
        Url::parse(&raw).map_err(|e| {
            Error::Config(format!(
                "{NAME}: ticket_url '{}' is not a URL once {POD} is {pod}: {e}",
                self.ticket_template
            ))
        })
    }
}

/// A pod name as the Organizations API spells it: lowercase letters and digits.
pub(super) fn check_pod(pod: &str) -> Result<()> {
    if !pod.is_empty()
        && pod.len() <= 32
        && pod
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(Error::invalid(
            "--pod",
            pod,
            "a pod name of lowercase letters and digits, e.g. us001, eu001",
        ))
    }
}

/// `segments` under `base`, keeping the base's own path, each segment percent-encoded.
fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        path.extend(segments);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_public_hosts_by_default() {
        let e = Endpoints::new(&Url::parse(DEFAULT_BASE).unwrap(), &opts(&[])).unwrap();
        assert_eq!(
            e.organizations().as_str(),
            "https://eloc.global-prod.arcticwolf.net/api/v1/organizations"
        );
        assert_eq!(
            e.tickets("eu001", "o-1", &["7"]).unwrap().as_str(),
            "https://ticket-api.managedgw.eu001-prod.arcticwolf.net/api/v1/organizations/o-1/tickets/7"
        );
    }

    #[test]
    fn another_base_serves_pods_under_it_and_the_option_wins() {
        let base = Url::parse("http://127.0.0.1:9/arcticwolf").unwrap();
        let e = Endpoints::new(&base, &opts(&[])).unwrap();
        assert_eq!(
            e.organizations().as_str(),
            "http://127.0.0.1:9/arcticwolf/api/v1/organizations"
        );
        assert_eq!(
            e.tickets("us002", "o", &[]).unwrap().as_str(),
            "http://127.0.0.1:9/arcticwolf/pods/us002/api/v1/organizations/o/tickets"
        );
        let e =
            Endpoints::new(&base, &opts(&[("ticket_url", "https://t.example/{pod}/x")])).unwrap();
        assert_eq!(
            e.tickets("ca001", "o", &[]).unwrap().as_str(),
            "https://t.example/ca001/x/api/v1/organizations/o/tickets"
        );
    }

    #[test]
    fn bad_templates_and_pods_are_refused() {
        let base = Url::parse(DEFAULT_BASE).unwrap();
        for t in ["https://no-placeholder", "http://{pod}.example.com"] {
            let err = Endpoints::new(&base, &opts(&[("ticket_url", t)])).unwrap_err();
            assert_eq!(err.exit_code(), 3, "{err}");
        }
        let e = Endpoints::new(&base, &opts(&[])).unwrap();
        for pod in ["", "evil.com/", "US001", "a b"] {
            assert!(e.tickets(pod, "o", &[]).is_err(), "{pod}");
        }
    }
}
