//! Arctic Wolf (vendor-docs/arcticwolf-ticket-api.txt; research/arcticwolf-connectwise.md §1).
//!
//! - Auth: `Authorization: Bearer <personal API key>` (`TIX_ARCTICWOLF_API_KEY`) on both APIs.
//! - Two APIs: the global Organizations API says which organizations the key sees and in
//!   which regional pod each lives; each pod has its own Ticket API (`endpoints.rs`).
//! - Listing: discovery (`discovery.rs`), then every organization paged on its own pod,
//!   concurrently and merged (`fanout.rs`); a failing pod or organization is a warning
//!   and exit 6, not the end of the listing.
//! - Paging: `offset`/`limit` (limit 1..=100, offset at most 100000) with
//!   `meta.total`. Filters: `query.rs`.
//! - Ids: a ticket number is unique only within its organization, so tix's id is
//!   `ORGANIZATION_ID/NUMBER`.
//! - Operations: list, get (`includeComments=true`, which also brings attachments),
//!   comment, close, attachment download (the API answers a pre-signed URL, fetched
//!   without the key), orgs. Not supported: create, update, upload (no endpoint).
//! - Errors: the Ticket API's `{code, description}` and the Organizations API's
//!   `{message, code, errors[]}` (`errors.rs`).

mod discovery;
mod endpoints;
mod errors;
mod fanout;
mod map;
mod query;
mod recent;
mod top;
mod wire;

use crate::config::ProviderSpec;
use crate::config::SourceConfig;
use crate::error::{Error, Result};
use crate::http::{Body, Credential, HttpClient, is_loopback};
use crate::model::{Attachment, Comment, ListFlag, Org, Query, Ticket};
use crate::providers::ProviderInfo;
use crate::providers::listing::{Paging, ended, refused, take_ok};
use crate::source::{Capabilities, TicketSource};
use async_trait::async_trait;
use discovery::{Discovery, OrgRef};
use endpoints::Endpoints;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use recent::Recent;
use reqwest::Method;
use std::fmt;
use tokio::io::AsyncWrite;

/// The provider's name in the registry, errors and output.
pub const NAME: &str = "arcticwolf";

/// The largest `limit` the Ticket API accepts.
pub const MAX_PAGE: u64 = 100;

/// The Ticket API's largest `offset` (research §1.8).
pub const MAX_OFFSET: u64 = 100_000;

const PAGING: Paging = Paging {
    max: MAX_PAGE,
    default: MAX_PAGE,
    max_offset: Some(MAX_OFFSET),
};

const CAPABILITIES: Capabilities = Capabilities {
    list: true,
    get: true,
    comments: true,
    add_comment: true,
    close: true,
    create: false,
    update: false,
    attachments: true,
    download: true,
    upload: false,
    tags: false,
    iocs: false,
    orgs: true,
};

/// Arctic Wolf's registry entry.
pub const INFO: ProviderInfo = ProviderInfo {
    spec: ProviderSpec {
        name: NAME,
        env: "ARCTICWOLF",
        key_name: "API_KEY",
        options: &["ticket_url"],
        default_base_url: Some(endpoints::DEFAULT_BASE),
    },
    max_page_size: MAX_PAGE,
    min_page_size: 1,
    capabilities: CAPABILITIES,
    list_flags: &[ListFlag::Pod, ListFlag::Root],
    build: ArcticWolfSource::build,
};

/// Every organization one personal API key sees, in every pod.
pub struct ArcticWolfSource {
    discovery: Discovery,
    tickets_http: HttpClient,
    recent: Recent,
    endpoints: Endpoints,
    profile: Option<String>,
}

impl ArcticWolfSource {
    fn build(cfg: SourceConfig) -> Result<Box<dyn TicketSource>> {
        let endpoints = Endpoints::new(&cfg.http.base_url, &cfg.options)?;
        let orgs_http = HttpClient::new(
            NAME,
            &cfg.http,
            Credential::Bearer(cfg.api_key.clone()),
            errors::organizations_api,
        )?;
        let tickets_http = HttpClient::new(
            NAME,
            &cfg.http,
            Credential::Bearer(cfg.api_key),
            errors::ticket_api,
        )?;
        Ok(Box::new(ArcticWolfSource {
            discovery: Discovery::new(orgs_http, endpoints.clone()),
            tickets_http,
            recent: Recent::default(),
            endpoints,
            profile: cfg.profile,
        }))
    }

    /// `ORG/NUMBER` → the organization (looked up for its pod) and the number.
    async fn locate(&self, id: &str) -> Result<(OrgRef, u64)> {
        let (org, number) = parse_id(id)?;
        let orgs = self.discovery.all().await?;
        let org = discovery::by_id(&orgs, &org).ok_or_else(|| not_found(id))?;
        Ok((org, number))
    }

    /// The ticket with its comments and attachments, read once however many verbs ask.
    async fn fetch(&self, id: &str) -> Result<(OrgRef, wire::Ticket)> {
        if let Some(known) = self.recent.get(id) {
            return Ok(known);
        }
        let (org, number) = self.locate(id).await?;
        let url = self
            .endpoints
            .tickets(&org.pod, &org.id, &[&number.to_string()])?;
        let query = [("includeComments", "true".to_owned())];
        let t = self
            .tickets_http
            .get_json(url, &query)
            .await
            .map_err(|e| with_id(e, id))?;
        self.recent.put(id, &org, &t);
        Ok((org, t))
    }
}

/// Splits `ORG/NUMBER`; the organization must be a UUID, since the API answers anything
/// else with a cryptic 403 from its gateway (research §1.10).
fn parse_id(id: &str) -> Result<(String, u64)> {
    let bad = || {
        Error::invalid(
            "<id>",
            id,
            "ORGANIZATION_ID/NUMBER as tix list prints it, e.g. 550e8400-e29b-41d4-a716-446655440000/17680744",
        )
    };
    let (org, number) = id.split_once('/').ok_or_else(bad)?;
    let org = uuid::Uuid::parse_str(org).map_err(|_| bad())?;
    let number: u64 = number.parse().map_err(|_| bad())?;
    if number == 0 {
        return Err(bad());
    }
    Ok((org.hyphenated().to_string(), number))
}

fn not_found(id: &str) -> Error {
    Error::NotFound {
        provider: NAME.into(),
        id: id.to_owned(),
    }
}

/// `errors.rs` cannot know which id was asked for; this puts it in.
fn with_id(e: Error, id: &str) -> Error {
    match e {
        Error::NotFound { .. } => not_found(id),
        other => other,
    }
}

impl fmt::Display for ArcticWolfSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::providers::label(f, NAME, self.profile.as_deref())
    }
}

#[async_trait]
impl TicketSource for ArcticWolfSource {
    fn provider(&self) -> &'static str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn explain(&self, q: &Query) -> Result<String> {
        let plan = query::plan(q)?;
        for pod in &q.options.arcticwolf.pods {
            endpoints::check_pod(pod)?;
        }
        Ok(plan.explain(q, PAGING.page_size(q, client_side(&plan))))
    }

    fn list(&self, q: &Query) -> BoxStream<'static, Result<Ticket>> {
        let plan = match query::plan(q) {
            Ok(p) => p,
            Err(e) => return refused(e),
        };
        if plan.matches_nothing {
            return stream::empty().boxed();
        }
        let client_side = client_side(&plan);
        let lister = fanout::Lister {
            http: self.tickets_http.clone(),
            endpoints: self.endpoints.clone(),
            params: plan.params.clone(),
            spec: PAGING.spec(q, client_side),
            raw: q.raw,
        };
        let discovery = self.discovery.clone();
        let (root, tenants, pods) = (
            q.options.arcticwolf.root.clone(),
            q.tenants.clone(),
            q.options.arcticwolf.pods.clone(),
        );
        let tickets = stream::once(async move {
            let found = discovery.under(root.as_deref()).await?;
            let chosen = discovery::select(&found, &tenants, &pods)?;
            Ok::<_, Error>(fanout::merged(lister, chosen))
        })
        .flat_map(|r| match r {
            Ok(s) => s,
            Err(e) => stream::once(async { Err(e) }).boxed(),
        });
        let filter = plan.filter;
        let filtered = tickets.try_filter(move |t| futures::future::ready(filter.matches(t)));
        let sorted = match plan.sort {
            None => filtered.boxed(),
            Some(sort) => top::sorted(filtered.boxed(), sort, q.limit),
        };
        let limited = match q.limit {
            Some(limit) if client_side => take_ok(sorted, limit),
            _ => sorted,
        };
        ended(NAME, limited)
    }

    async fn get(&self, id: &str) -> Result<Ticket> {
        let (org, w) = self.fetch(id).await?;
        let mut t = map::ticket(w, &org, None);
        t.comments.get_or_insert_with(Vec::new);
        Ok(t)
    }

    async fn comments(&self, id: &str) -> Result<Vec<Comment>> {
        Ok(self.get(id).await?.comments.unwrap_or_default())
    }

    async fn add_comment(&self, id: &str, body: &str) -> Result<Comment> {
        let len = body.chars().count();
        if !(1..=65535).contains(&len) {
            return Err(Error::invalid(
                "<text>",
                format!("{len} characters"),
                "a comment of 1..=65535 characters for arcticwolf",
            ));
        }
        let (org, number) = self.locate(id).await?;
        let url = self
            .endpoints
            .tickets(&org.pod, &org.id, &[&number.to_string(), "comments"])?;
        let c: wire::Comment = self
            .tickets_http
            .send_json_idempotent(
                Method::POST,
                url,
                &[],
                Body::Json(serde_json::json!({ "body": body })),
                false,
            )
            .await
            .map_err(|e| with_id(e, id))?;
        self.recent.forget(id);
        Ok(map::comment(c))
    }

    async fn close(&self, id: &str, comment: Option<&str>) -> Result<()> {
        let (org, number) = self.locate(id).await?;
        let url = self
            .endpoints
            .tickets(&org.pod, &org.id, &[&number.to_string(), "close"])?;
        // The request body is required even without a comment (research §1.5).
        let body = match comment {
            Some(c) => serde_json::json!({ "comment": c }),
            None => serde_json::json!({}),
        };
        let _: serde_json::Value = self
            .tickets_http
            .send_json_idempotent(Method::POST, url, &[], Body::Json(body), false)
            .await
            .map_err(|e| with_id(e, id))?;
        self.recent.forget(id);
        Ok(())
    }

    async fn attachments(&self, id: &str) -> Result<Vec<Attachment>> {
        let (_, w) = self.fetch(id).await?;
        // Deleted attachments are listed "for audit purposes" but cannot be downloaded.
        Ok(w.attachments
            .unwrap_or_default()
            .into_iter()
            .filter(|a| !a.deleted)
            .map(map::attachment)
            .collect())
    }

    async fn download(
        &self,
        id: &str,
        attachment: &str,
        sink: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<Attachment> {
        let aid: u64 = attachment.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            Error::invalid(
                "<attachment>",
                attachment,
                "an attachment id (a number ≥ 1)",
            )
        })?;
        let (org, w) = self.fetch(id).await?;
        let what = format!("{id} attachment {aid}");
        let meta = w
            .attachments
            .unwrap_or_default()
            .into_iter()
            .find(|a| a.id == aid)
            .ok_or_else(|| not_found(&what))?;
        if meta.deleted {
            // Listed "for audit purposes" only: to the user it is gone (exit 4).
            return Err(not_found(&format!(
                "{what} (deleted; Arctic Wolf lists it for audit only)"
            )));
        }
        let number = w.id.to_string();
        let url = self.endpoints.tickets(
            &org.pod,
            &org.id,
            &[&number, "attachments", &aid.to_string()],
        )?;
        let signed: wire::AttachmentUrl = self
            .tickets_http
            .get_json(url, &[])
            .await
            .map_err(|e| with_id(e, &what))?;
        let signed = url::Url::parse(&signed.url)
            .map_err(|e| Error::decode(NAME, "the download URL is not a URL", e))?;
        if signed.scheme() != "https" && !(signed.scheme() == "http" && is_loopback(&signed)) {
            return Err(Error::Decode {
                provider: NAME.into(),
                message: "the download URL is not https://".into(),
                source: None,
            });
        }
        // Pre-signed: the key must not travel to the storage host.
        self.tickets_http.download(signed, &[], false, sink).await?;
        Ok(map::attachment(meta))
    }

    async fn orgs(&self, root: Option<&str>) -> Result<Vec<Org>> {
        let found = self.discovery.under(root).await?;
        Ok(found.iter().cloned().map(discovery::org).collect())
    }
}

/// Whether the limit must wait for tickets filtered or sorted here: then full pages.
fn client_side(plan: &query::Plan) -> bool {
    plan.filters_client_side() || plan.sort.is_some()
}

/// One list page read as one organization's (benches/list_page.rs).
pub(crate) fn read_page(bytes: &[u8]) -> Result<Vec<Ticket>> {
    let org = OrgRef {
        id: "2c3ef37e-2142-44fc-9621-0242ac131202".into(),
        name: Some("Bench".into()),
        pod: "us001".into(),
    };
    fanout::read_page(bytes, &org)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_org_slash_number() {
        let (org, n) = parse_id("550E8400-E29B-41D4-A716-446655440000/17680744").unwrap();
        assert_eq!(org, "550e8400-e29b-41d4-a716-446655440000");
        assert_eq!(n, 17680744);
        for bad in [
            "17680744",
            "bacon/1",
            "550e8400-e29b-41d4-a716-446655440000/0",
            "x/y/z",
        ] {
            let e = parse_id(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().contains("ORGANIZATION_ID/NUMBER"), "{e}");
        }
    }
}
