//! mnemonic Argus Case API v2 (vendor-docs/argus-case-api.txt; research/argus-sonar.md §1).
//!
//! - Auth: `Argus-API-Key: <key>`; default host `https://api.mnemonic.no`.
//! - Every answer is one envelope (`data`, `count`, `messages[]`, …; `wire.rs`), and
//!   every error carries Argus's own `messages[]` text (`errors.rs`).
//! - List: the advanced search `POST /cases/v2/case/search` (`query.rs`), retried like
//!   a GET since a search changes nothing. `limit`/`offset` go in the body, 1000 a page
//!   by default (the system maximum is 100000); once `count` is known the other pages
//!   are fetched concurrently. A `count` of -1 means the server gave up counting: then
//!   pages follow one another until an empty one (a short page may be a server cap).
//! - Traps: `closedTimestamp` is 0, not null, on open cases; a merged case answers its
//!   GET with 301 to the surviving case, which is followed and reported.

mod cases;
mod errors;
mod map;
mod query;
mod upload;
mod wire;

use crate::config::ProviderSpec;
use crate::config::SourceConfig;
use crate::error::Result;
use crate::http::{Body, Credential, HttpClient};
use crate::model::{Attachment, Comment, ListFlag, NewTicket, Query, Ticket, TicketUpdate};
use crate::paginate::PageRequest;
use crate::providers::ProviderInfo;
use crate::providers::lenient::{Reader, Shape};
use crate::providers::listing::{Paging, offset_listing, refused};
use crate::source::{Capabilities, TicketSource};
use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use tokio::io::AsyncWrite;

/// The provider's name in the registry, errors and output.
pub const NAME: &str = "argus";

/// The documented system limit of one search (`limit` 0..=100000).
pub const MAX_PAGE: u64 = 100_000;

/// The largest `offset` a search pages to; beyond it Argus answers a bare 412, so the
/// pager stops there with a warning saying to narrow the search.
pub const MAX_OFFSET: u64 = 100_000;

/// Cases per search request unless `--page-size` says otherwise: big enough that few
/// requests are needed, small enough that one answer stays a few megabytes.
pub const DEFAULT_PAGE: u64 = 1000;

const PAGING: Paging = Paging {
    max: MAX_PAGE,
    default: DEFAULT_PAGE,
    max_offset: Some(MAX_OFFSET),
};

const SEARCH: &str = "cases/v2/case/search";

const CAPABILITIES: Capabilities = Capabilities {
    list: true,
    get: true,
    comments: true,
    add_comment: true,
    close: true,
    create: true,
    update: true,
    attachments: true,
    download: true,
    upload: true,
    tags: true,
    iocs: false,
    orgs: false,
};

/// Argus's registry entry.
pub const INFO: ProviderInfo = ProviderInfo {
    spec: ProviderSpec {
        name: NAME,
        env: "ARGUS",
        key_name: "API_KEY",
        options: &[],
        default_base_url: Some("https://api.mnemonic.no"),
    },
    max_page_size: MAX_PAGE,
    min_page_size: 1,
    capabilities: CAPABILITIES,
    list_flags: &[ListFlag::Service, ListFlag::Where],
    build: ArgusSource::build,
};

/// An Argus API reached with one API key.
pub struct ArgusSource {
    http: HttpClient,
    profile: Option<String>,
}

impl ArgusSource {
    fn build(cfg: SourceConfig) -> Result<Box<dyn TicketSource>> {
        let key: SecretString = cfg.api_key;
        let http = HttpClient::new(
            NAME,
            &cfg.http,
            Credential::Header("argus-api-key", key),
            errors::parse_error,
        )?;
        Ok(Box::new(ArgusSource {
            http,
            profile: cfg.profile,
        }))
    }
}

impl fmt::Display for ArgusSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::providers::label(f, NAME, self.profile.as_deref())
    }
}

#[async_trait]
impl TicketSource for ArgusSource {
    fn provider(&self) -> &'static str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn explain(&self, q: &Query) -> Result<String> {
        let plan = query::plan(q)?;
        let size = PAGING.page_size(q, plan.filters_client_side());
        Ok(plan.explain(size, q.concurrency))
    }

    fn list(&self, q: &Query) -> BoxStream<'static, Result<Ticket>> {
        let plan = match query::plan(q) {
            Ok(p) => p,
            Err(e) => return refused(e),
        };
        if plan.matches_nothing {
            return stream::empty().boxed();
        }
        let client_side = plan.filters_client_side();
        let http = self.http.clone();
        let url = http.url(&[SEARCH]);
        let reader = Arc::new(Reader {
            provider: NAME,
            raw: q.raw,
            map: map::ticket,
        });
        let filter = plan.filter.clone();
        let plan = Arc::new(plan);
        offset_listing(
            NAME,
            &PAGING,
            q,
            client_side,
            |t: &Ticket| &t.id,
            move |t| filter.matches(t),
            move |req: PageRequest| {
                let (http, url, reader) = (http.clone(), url.clone(), reader.clone());
                let body = plan.page_body(req.offset, req.limit);
                // A search changes nothing, so it is retried like a GET although it is a POST.
                async move {
                    http.send_read(Method::POST, url, &[], Body::Json(body), true, |bytes| {
                        reader.page::<Cases, wire::Case, _>(bytes, req.offset, |t| &t.id)
                    })
                    .await
                }
            },
        )
    }

    async fn get(&self, id: &str) -> Result<Ticket> {
        self.get_case(id).await
    }

    async fn comments(&self, id: &str) -> Result<Vec<Comment>> {
        self.list_comments(id).await
    }

    async fn add_comment(&self, id: &str, body: &str) -> Result<Comment> {
        self.post_comment(id, body).await
    }

    async fn close(&self, id: &str, comment: Option<&str>) -> Result<()> {
        self.close_case(id, comment).await
    }

    async fn create(&self, new: &NewTicket) -> Result<Ticket> {
        self.create_case(new).await
    }

    async fn update(&self, id: &str, change: &TicketUpdate) -> Result<Ticket> {
        self.update_case(id, change).await
    }

    async fn attachments(&self, id: &str) -> Result<Vec<Attachment>> {
        self.list_attachments(id).await
    }

    async fn download(
        &self,
        id: &str,
        attachment: &str,
        sink: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<Attachment> {
        self.download_attachment(id, attachment, sink).await
    }

    async fn upload(&self, id: &str, path: &Path, name: &str) -> Result<Attachment> {
        self.upload_attachment(id, path, name).await
    }

    async fn tags(&self, id: &str) -> Result<Vec<String>> {
        self.list_tags(id).await
    }

    async fn add_tags(&self, id: &str, tags: &[String]) -> Result<Vec<String>> {
        self.post_tags(id, tags).await
    }

    async fn remove_tag(&self, id: &str, tag: &str) -> Result<()> {
        self.delete_tag(id, tag).await
    }
}

/// The search's envelope: `{"data": [...], "count": N}`.
struct Cases;

/// One search page read as `list` reads it, without `raw` (benches/list_page.rs).
pub(crate) fn read_page(bytes: &[u8]) -> Result<Vec<Ticket>> {
    let reader = Reader {
        provider: NAME,
        raw: false,
        map: map::ticket,
    };
    let page = reader.page::<Cases, wire::Case, _>(bytes, 0, |t| &t.id)?;
    Ok(page.items)
}

impl Shape for Cases {
    type Of<X: DeserializeOwned> = wire::Envelope<Vec<X>>;
    fn parts<X: DeserializeOwned>(env: wire::Envelope<Vec<X>>) -> (Vec<X>, Option<u64>) {
        let data = env.data.unwrap_or_default();
        let total = match env.count {
            Some(n) if n > 0 => Some(n as u64),
            // 0 is also "not counted" on some endpoints; only an empty page proves it.
            Some(0) if data.is_empty() => Some(0),
            // -1: the server gave up counting.
            _ => None,
        };
        (data, total)
    }
}

fn decode<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T> {
    crate::providers::decode(NAME, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::lenient::isolation;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    proptest! {
        #[test]
        fn one_mutated_case_leaves_the_others_alone(m in isolation::mutation(), raw: bool) {
            let page: Value = serde_json::from_str(include_str!("../../../fixtures/argus/search.json")).unwrap();
            let cases = isolation::tickets(&page["data"][0], "id", |i| json!(1000 + i));
            let wrap = |c: Vec<Value>| json!({"responseCode": 200, "count": c.len(), "data": c});
            let reader = Reader { provider: NAME, raw, map: map::ticket };
            isolation::check::<Cases, wire::Case, _, _>(&reader, &cases, wrap, m, |t| &t.id)?;
        }
    }
}
