//! Which organizations to ask, and in which pod each lives: the Organizations API
//! (research/arcticwolf-connectwise.md §1.4). It answers a bare array of
//! `{id, customerID, name, pod}`; `?root=<id>` narrows it to the organizations under one
//! parent, and there is no parent field, so a root given by name is first looked up.

use super::endpoints::{Endpoints, check_pod};
use super::{NAME, wire};
use crate::error::{Error, Result};
use crate::http::HttpClient;
use crate::model::Org;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// One organization as a listing needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OrgRef {
    pub id: String,
    pub name: Option<String>,
    pub pod: String,
}

impl From<&wire::Organization> for OrgRef {
    fn from(o: &wire::Organization) -> Self {
        OrgRef {
            id: o.id.clone(),
            name: o.name.clone(),
            pod: o.pod.to_ascii_lowercase(),
        }
    }
}

/// Every organization the key sees: one request, which the source makes once a run
/// ([`Discovery`]).
async fn all(http: &HttpClient, ep: &Endpoints) -> Result<Vec<wire::Organization>> {
    let all: Vec<wire::Organization> = http.get_json(ep.organizations(), &[]).await?;
    if all.is_empty() {
        return Err(Error::Auth {
            provider: NAME.into(),
            message: "the key sees no organization: check that it has not expired and was \
                      created in the Unified Portal (not the MSP portal)"
                .into(),
        });
    }
    Ok(all)
}

/// The Organizations API, asked once per run: a run that lists 300 tickets and then
/// reads each of them makes one discovery request, not 301.
#[derive(Clone)]
pub(super) struct Discovery {
    http: HttpClient,
    endpoints: Endpoints,
    everything: Arc<OnceCell<Arc<Vec<wire::Organization>>>>,
}

impl Discovery {
    pub fn new(http: HttpClient, endpoints: Endpoints) -> Self {
        Discovery {
            http,
            endpoints,
            everything: Arc::default(),
        }
    }

    /// Every organization the key sees (asked the first time only).
    pub async fn all(&self) -> Result<Arc<Vec<wire::Organization>>> {
        self.everything
            .get_or_try_init(|| async { all(&self.http, &self.endpoints).await.map(Arc::new) })
            .await
            .cloned()
    }

    /// The organizations under `root` (an id or a name) when given, else all of them.
    pub async fn under(&self, root: Option<&str>) -> Result<Arc<Vec<wire::Organization>>> {
        let all = self.all().await?;
        let Some(root) = root else { return Ok(all) };
        let id = find(&all, root, "--root")?.id.clone();
        let under: Vec<wire::Organization> = self
            .http
            .get_json(self.endpoints.organizations(), &[("root", id)])
            .await?;
        Ok(Arc::new(under))
    }
}

/// The organization whose id or name is `wanted` (case-insensitive), or an error naming
/// `flag` and some of those the key sees.
fn find<'a>(
    orgs: &'a [wire::Organization],
    wanted: &str,
    flag: &str,
) -> Result<&'a wire::Organization> {
    let by_id = orgs.iter().find(|o| o.id.eq_ignore_ascii_case(wanted));
    let mut by_name = orgs.iter().filter(|o| {
        o.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
    });
    match (by_id, by_name.next(), by_name.next()) {
        (Some(o), _, _) | (None, Some(o), None) => Ok(o),
        (None, Some(_), Some(_)) => Err(Error::invalid(
            flag,
            wanted,
            "an organization id: several organizations have that name",
        )),
        (None, None, _) => Err(Error::invalid(
            flag,
            wanted,
            format!(
                "an organization id or name the key sees ({})",
                known(
                    orgs.iter()
                        .map(|o| o.name.clone().unwrap_or_else(|| o.id.clone()))
                )
            ),
        )),
    }
}

fn known(items: impl Iterator<Item = String>) -> String {
    let mut all: Vec<String> = items.collect();
    all.sort();
    all.dedup();
    let more = all.len().saturating_sub(8);
    all.truncate(8);
    let mut out = all.join(", ");
    if more > 0 {
        out.push_str(&format!(", and {more} more"));
    }
    out
}

/// The organizations `--org` and `--pod` leave, in the API's order. Every value given
/// must name something the key sees, so a typo is an error rather than an empty list.
pub(super) fn select(
    orgs: &[wire::Organization],
    tenants: &[String],
    pods: &[String],
) -> Result<Vec<OrgRef>> {
    for pod in pods {
        check_pod(pod)?;
        if !orgs.iter().any(|o| o.pod.eq_ignore_ascii_case(pod)) {
            return Err(Error::invalid(
                "--pod",
                pod,
                format!(
                    "a pod holding an organization the key sees ({})",
                    known(orgs.iter().map(|o| o.pod.to_ascii_lowercase()))
                ),
            ));
        }
    }
    let mut chosen: Vec<&wire::Organization> = Vec::new();
    for t in tenants {
        let o = find(orgs, t, "--org")?;
        if !chosen.iter().any(|c| c.id == o.id) {
            chosen.push(o);
        }
    }
    let picked = orgs
        .iter()
        .filter(|o| tenants.is_empty() || chosen.iter().any(|c| c.id == o.id))
        .filter(|o| pods.is_empty() || pods.iter().any(|p| p.eq_ignore_ascii_case(&o.pod)))
        .map(OrgRef::from)
        .collect();
    Ok(picked)
}

/// The one organization `id` names, for the verbs on one ticket.
pub(super) fn by_id(orgs: &[wire::Organization], id: &str) -> Option<OrgRef> {
    orgs.iter()
        .find(|o| o.id.eq_ignore_ascii_case(id))
        .map(OrgRef::from)
}

pub(super) fn org(o: wire::Organization) -> Org {
    Org {
        provider: NAME.into(),
        id: o.id,
        name: o.name,
        pod: Some(o.pod),
        customer_id: o.customer_id,
        parent_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orgs() -> Vec<wire::Organization> {
        serde_json::from_str(include_str!(
            "../../../fixtures/arcticwolf/organizations.json"
        ))
        .unwrap()
    }

    fn names(v: &[OrgRef]) -> Vec<&str> {
        v.iter().map(|o| o.name.as_deref().unwrap()).collect()
    }

    #[test]
    fn everything_by_default_and_narrowed_by_org_and_pod() {
        let all = orgs();
        assert_eq!(select(&all, &[], &[]).unwrap().len(), 3);
        let us = select(&all, &[], &["us002".into()]).unwrap();
        assert_eq!(names(&us), ["Bacon Security", "Maple Clinics"]);
        let one = select(
            &all,
            &[
                "maple clinics".into(),
                "7f1d0a52-9b8e-4c3a-8d21-5a6b7c8d9e0f".into(),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(names(&one), ["Fjord Shipping", "Maple Clinics"]);
        let both = select(&all, &["Fjord Shipping".into()], &["us002".into()]).unwrap();
        assert!(both.is_empty());
    }

    #[test]
    fn unknown_orgs_and_pods_are_errors_naming_the_flag() {
        let all = orgs();
        let e = select(&all, &["Nope".into()], &[]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("--org") && e.to_string().contains("Bacon Security"));
        let e = select(&all, &[], &["au001".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--pod") && e.contains("eu001, us002"), "{e}");
        let e = select(&all, &[], &["EU001.evil".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--pod"), "{e}");
    }
}
