//! Cyderes TSI API v2 (vendor-docs/cyderes-tsi-api-v2.txt; research/cyderes-cli-conventions.md
//! part A).
//!
//! - Auth: `Authorization: Bearer <token>` (`TIX_CYDERES_TOKEN`); 401 and 403 both mean
//!   the token was rejected (exit 3). Default URL `https://tsi-api.cyderes.io`.
//! - Paging: `skip`/`limit` (1..=250) and a bare array with no total, so pages are read
//!   one after another until an empty page (a short page may be a server-side cap).
//! - Traps: the API's defaults `ticket_type=alert` and `escalated_only=true` hide most
//!   tickets, so tix always sends both (`all`, `false` unless `--escalated-only`); list
//!   and get name different fields; attachments come inline in the list; the MISP
//!   endpoint has no `/v2`.
//! - Operations: list, get (comments included), comments, add_comment (author from the
//!   profile option `author`; never retried), close (comment in the query), attachments,
//!   download (raw form, streamed), upload (multipart `file`), create (a service request),
//!   iocs (MISP). Not supported: update, tags, orgs (no endpoints).

mod errors;
mod files;
mod iocs;
mod map;
mod query;
mod service_request;
mod wire;

use crate::config::ProviderSpec;
use crate::config::SourceConfig;
use crate::error::{Error, Result};
use crate::http::{Body, Credential, HttpClient};
use crate::model::{Attachment, Comment, Ioc, IocQuery, ListFlag, NewTicket, Query, Ticket};
use crate::paginate::PageRequest;
use crate::providers::ProviderInfo;
use crate::providers::lenient::{Reader, Shape};
use crate::providers::listing::{Paging, offset_listing, refused};
use crate::source::{Capabilities, TicketSource};
use async_trait::async_trait;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use tokio::io::AsyncWrite;

/// The provider's name in the registry, errors and output.
pub const NAME: &str = "cyderes";

/// The largest `limit` the list accepts (documented range 1..=250).
pub const MAX_PAGE: u64 = 250;

const PAGING: Paging = Paging::new(MAX_PAGE);

const CAPABILITIES: Capabilities = Capabilities {
    list: true,
    get: true,
    comments: true,
    add_comment: true,
    close: true,
    create: true,
    update: false,
    attachments: true,
    download: true,
    upload: true,
    tags: false,
    iocs: true,
    orgs: false,
};

/// Cyderes' registry entry.
pub const INFO: ProviderInfo = ProviderInfo {
    spec: ProviderSpec {
        name: NAME,
        env: "CYDERES",
        key_name: "TOKEN",
        options: &["author"],
        default_base_url: Some("https://tsi-api.cyderes.io"),
    },
    max_page_size: MAX_PAGE,
    min_page_size: 1,
    capabilities: CAPABILITIES,
    list_flags: &[ListFlag::EscalatedOnly, ListFlag::WithRawEvent],
    build: CyderesSource::build,
};

/// A Cyderes TSI API reached with one token.
pub struct CyderesSource {
    http: HttpClient,
    profile: Option<String>,
    /// The profile option `author`: who comments and service requests are from.
    author: Option<String>,
}

impl CyderesSource {
    fn build(cfg: SourceConfig) -> Result<Box<dyn TicketSource>> {
        let http = HttpClient::new(
            NAME,
            &cfg.http,
            Credential::Bearer(cfg.api_key),
            errors::parse_error,
        )?;
        Ok(Box::new(CyderesSource {
            http,
            profile: cfg.profile,
            author: cfg
                .options
                .get("author")
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty()),
        }))
    }

    /// The author the API requires on comments and service requests.
    fn author(&self, what: &str) -> Result<&str> {
        self.author.as_deref().ok_or_else(|| {
            Error::Config(format!(
                "{NAME}: {what} needs an author: set TIX_CYDERES_AUTHOR or the profile option author = \"Full Name\""
            ))
        })
    }

    /// `/v2/tickets/{id}/<rest…>`, the id kept as one path segment even if it holds a `/`.
    fn ticket_url(&self, id: &str, rest: &[&str]) -> Result<url::Url> {
        if id.trim().is_empty() {
            return Err(Error::invalid(
                "<id>",
                id,
                "a Cyderes ticket id such as CYDERES-000123",
            ));
        }
        let mut url = self.http.url(&["v2", "tickets"]);
        url.path_segments_mut()
            .expect("http(s) URLs have a path")
            .push(id)
            .extend(rest);
        Ok(url)
    }
}

impl fmt::Display for CyderesSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::providers::label(f, NAME, self.profile.as_deref())
    }
}

/// A listed ticket with what the escalation guard needs.
struct Listed {
    ticket: Ticket,
    escalated: Option<bool>,
}

#[async_trait]
impl TicketSource for CyderesSource {
    fn provider(&self) -> &'static str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn explain(&self, q: &Query) -> Result<String> {
        let plan = query::plan(q)?;
        let size = PAGING.page_size(q, plan.filters_client_side());
        Ok(plan.explain(size))
    }

    fn list(&self, q: &Query) -> BoxStream<'static, Result<Ticket>> {
        let plan = match query::plan(q) {
            Ok(p) => p,
            Err(e) => return refused(e),
        };
        let client_side = plan.filters_client_side();
        let http = self.http.clone();
        let url = http.url(&["v2", "tickets"]);
        let params = plan.params.clone();
        let reader = Arc::new(Reader {
            provider: NAME,
            raw: plan.raw,
            map: listed,
        });
        let filter = plan.filter;
        let escalated_only = plan.escalated_only;
        offset_listing(
            NAME,
            &PAGING,
            q,
            client_side,
            |l: &Listed| &l.ticket.id,
            // The server filters `escalated_only`; a ticket that says otherwise is dropped
            // rather than shown under a flag that promised it away.
            move |l| !(escalated_only && l.escalated == Some(false)) && filter.matches(&l.ticket),
            move |req: PageRequest| {
                let (http, url, reader) = (http.clone(), url.clone(), reader.clone());
                let mut query = vec![
                    ("skip", req.offset.to_string()),
                    ("limit", req.limit.to_string()),
                ];
                query.extend(params.iter().cloned());
                async move {
                    http.send_read(Method::GET, url, &query, Body::Empty, true, |bytes| {
                        reader.page::<Tickets, wire::Ticket, _>(bytes, req.offset, |l| &l.ticket.id)
                    })
                    .await
                }
            },
        )
        .map_ok(|l| l.ticket)
        .boxed()
    }

    async fn get(&self, id: &str) -> Result<Ticket> {
        let url = self.ticket_url(id, &[])?;
        let w: wire::Ticket = self
            .http
            .get_json(url, &[])
            .await
            .map_err(|e| errors::ticket_not_found(e, id))?;
        Ok(map::ticket(w, true, None))
    }

    /// The comments come with the ticket; there is no endpoint of their own.
    async fn comments(&self, id: &str) -> Result<Vec<Comment>> {
        Ok(self.get(id).await?.comments.unwrap_or_default())
    }

    async fn add_comment(&self, id: &str, body: &str) -> Result<Comment> {
        let author = self.author("a comment")?;
        let url = self.ticket_url(id, &["comment"])?;
        let payload = serde_json::to_value(wire::NewComment { author, body })
            .map_err(|e| Error::Io(e.into()))?;
        // No idempotency key: a comment sent twice shows twice, so it is never retried.
        let _: serde_json::Value = self
            .http
            .send_json_idempotent(Method::POST, url, &[], Body::Json(payload), false)
            .await
            .map_err(|e| errors::ticket_not_found(e, id))?;
        Ok(Comment {
            id: None,
            author: Some(author.to_owned()),
            created: None,
            body: body.to_owned(),
            internal: None,
        })
    }

    async fn close(&self, id: &str, comment: Option<&str>) -> Result<()> {
        let url = self.ticket_url(id, &["close"])?;
        let query: Vec<(&str, String)> = comment
            .map(|c| vec![("comment", c.to_owned())])
            .unwrap_or_default();
        if let Some(c) = comment
            && c.len() > service_request::MAX_QUERY_TEXT
        {
            return Err(Error::invalid(
                "--comment",
                format!("({} bytes)", c.len()),
                format!(
                    "at most {} bytes: cyderes takes the closing comment in the URL",
                    service_request::MAX_QUERY_TEXT
                ),
            ));
        }
        let _: serde_json::Value = self
            .http
            .send_json(Method::POST, url, &query, Body::Empty)
            .await
            .map_err(|e| errors::ticket_not_found(e, id))?;
        Ok(())
    }

    async fn create(&self, new: &NewTicket) -> Result<Ticket> {
        let author = self.author("a service request")?;
        let body = service_request::body(new, author)?;
        let url = self.http.url(&["v2", "tickets", "create"]);
        let created: wire::Created = self
            .http
            .send_json_idempotent(Method::POST, url, &[], Body::Json(body), false)
            .await?;
        let id = created.ticket_id.0.ok_or_else(|| Error::Decode {
            provider: NAME.into(),
            source: None,
            message: format!(
                "the service request was created but the answer names no ticket_id ({})",
                created.message.unwrap_or_default()
            ),
        })?;
        self.get(&id).await
    }

    async fn attachments(&self, id: &str) -> Result<Vec<Attachment>> {
        files::list(self, id).await
    }

    async fn download(
        &self,
        id: &str,
        attachment: &str,
        sink: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<Attachment> {
        files::download(self, id, attachment, sink).await
    }

    async fn upload(&self, id: &str, path: &Path, name: &str) -> Result<Attachment> {
        files::upload(self, id, path, name).await
    }

    async fn iocs(&self, q: &IocQuery) -> Result<Vec<Ioc>> {
        iocs::fetch(&self.http, q).await
    }
}

/// A bare array of tickets, with no total: the pager reads until an empty page.
struct Tickets;

/// One list page read as `list` reads it, without `raw` (benches/list_page.rs).
pub(crate) fn read_page(bytes: &[u8]) -> Result<Vec<Ticket>> {
    let reader = Reader {
        provider: NAME,
        raw: false,
        map: listed,
    };
    let page = reader.page::<Tickets, wire::Ticket, _>(bytes, 0, |l| &l.ticket.id)?;
    Ok(page.items.into_iter().map(|l| l.ticket).collect())
}

impl Shape for Tickets {
    type Of<X: DeserializeOwned> = Vec<X>;
    fn parts<X: DeserializeOwned>(page: Vec<X>) -> (Vec<X>, Option<u64>) {
        (page, None)
    }
}

fn listed(w: wire::Ticket, raw: Option<serde_json::Value>) -> Listed {
    let escalated = map::escalated(w.escalated.get());
    Listed {
        ticket: map::ticket(w, false, raw),
        escalated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::lenient::isolation;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    proptest! {
        #[test]
        fn one_mutated_ticket_leaves_the_others_alone(m in isolation::mutation(), raw: bool) {
            let page: Value = serde_json::from_str(include_str!("../../../fixtures/cyderes/tickets.json")).unwrap();
            let tickets = isolation::tickets(&page[0], "ticket_id", |i| json!(format!("CYDERES-00010{i}")));
            let reader = Reader { provider: NAME, raw, map: |w, raw| map::ticket(w, false, raw) };
            isolation::check::<Tickets, wire::Ticket, _, _>(&reader, &tickets, Value::from, m, |t| &t.id)?;
        }
    }
}
