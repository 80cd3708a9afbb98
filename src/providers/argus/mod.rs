//! mnemonic Argus Case API v2 (vendor-docs/argus-case-api.txt; research/argus-sonar.md §1).
//!
//! - Auth: `Argus-API-Key: <key>`; default host `https://api.mnemonic.no`.
//! - Every answer is one envelope (`data`, `count`, `messages[]`, …; `wire.rs`), and
//!   every error carries Argus's own `messages[]` text (`errors.rs`).
//! - List: the advanced search `POST /cases/v2/case/search` (`query.rs`), retried like
//!   a GET since a search changes nothing. `limit`/`offset` go in the body, 1000 a page
//!   by default (the system maximum is 100000); once `count` is known the other pages
//!   are fetched concurrently. A `count` of -1 means the server gave up counting: then
//!   pages follow one another until a short one.
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
use crate::error::{Error, Result};
use crate::http::{Body, Credential, HttpClient};
use crate::model::{Attachment, Comment, NewTicket, Query, Ticket, TicketUpdate};
use crate::paginate::{Page, PageRequest, PagerSpec, offset_pages};
use crate::providers::ProviderInfo;
use crate::source::{Capabilities, TicketSource};
use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use reqwest::Method;
use secrecy::SecretString;
use std::fmt;
use std::path::Path;
use tokio::io::AsyncWrite;

/// The provider's name in the registry, errors and output.
pub const NAME: &str = "argus";

/// The documented system limit of one search (`limit` 0..=100000).
pub const MAX_PAGE: u64 = 100_000;

/// Cases per search request unless `--page-size` says otherwise: big enough that few
/// requests are needed, small enough that one answer stays a few megabytes.
pub const DEFAULT_PAGE: u64 = 1000;

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
    list_flags: &["--service", "--where"],
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

    fn page_size(q: &Query, client_side: bool) -> u64 {
        let size = q.page_size.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE);
        match q.limit {
            Some(limit) if !client_side => size.min(limit.max(1)),
            _ => size,
        }
    }
}

impl fmt::Display for ArgusSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.profile {
            Some(p) => write!(f, "{NAME} (profile {p})"),
            None => f.write_str(NAME),
        }
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
        let size = Self::page_size(q, plan.filters_client_side());
        Ok(plan.explain(size, q.concurrency))
    }

    fn list(&self, q: &Query) -> BoxStream<'static, Result<Ticket>> {
        let plan = match query::plan(q) {
            Ok(p) => p,
            Err(e) => return stream::once(async { Err(e) }).boxed(),
        };
        if plan.matches_nothing {
            return stream::empty().boxed();
        }
        let client_side = plan.filters_client_side();
        // With a client-side filter the server's count is not the user's, so the
        // limit is applied after filtering.
        let spec = PagerSpec {
            page_size: Self::page_size(q, client_side),
            limit: if client_side { None } else { q.limit },
            concurrency: q.concurrency,
        };
        let http = self.http.clone();
        let url = http.url(&[SEARCH]);
        let raw = q.raw;
        let filter = plan.filter.clone();
        let plan = std::sync::Arc::new(plan);
        let pages = offset_pages(
            spec,
            |t: &Ticket| &t.id,
            move |req: PageRequest| {
                let http = http.clone();
                let url = url.clone();
                let body = plan.page_body(req.offset, req.limit);
                async move {
                    reachable(req.offset)?;
                    search_page(&http, url, body, raw).await
                }
            },
        );
        let filtered = pages.try_filter(move |t| futures::future::ready(filter.matches(t)));
        match q.limit {
            Some(limit) if client_side => filtered.take(limit as usize).boxed(),
            _ => filtered.boxed(),
        }
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

/// One page of the advanced search. A search changes nothing, so it is retried like a
/// GET although it is a POST.
/// Argus pages no further than offset 100000 and answers a bare 412 beyond it; saying
/// why, and what to do, before the request is kinder at the end of a long listing.
fn reachable(offset: u64) -> Result<()> {
    if offset <= MAX_PAGE {
        return Ok(());
    }
    Err(Error::Api {
        provider: NAME.into(),
        status: 412,
        message: format!(
            "more cases match than Argus pages through (offset {MAX_PAGE} at most); narrow with --since/--until or --limit"
        ),
    })
}

async fn search_page(
    http: &HttpClient,
    url: url::Url,
    body: serde_json::Value,
    raw: bool,
) -> Result<Page<Ticket>> {
    let env: wire::Envelope<Vec<serde_json::Value>> = http
        .send_json_idempotent(Method::POST, url, &[], Body::Json(body), true)
        .await?;
    let data = env.data.unwrap_or_default();
    let total = match env.count {
        Some(n) if n > 0 => Some(n as u64),
        // 0 is also "not counted" on some endpoints; only an empty page proves it.
        Some(0) if data.is_empty() => Some(0),
        _ => None,
    };
    let items = data
        .into_iter()
        .map(|v| {
            let case = decode::<wire::Case>(v.clone())?;
            Ok(map::ticket(case, raw.then_some(v)))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Page { items, total })
}

fn decode<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T> {
    crate::providers::decode(NAME, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_1000_by_default_and_never_more_than_the_limit_needs() {
        let q = Query::default();
        assert_eq!(ArgusSource::page_size(&q, false), 1000);
        let q = Query {
            limit: Some(10),
            ..Query::default()
        };
        assert_eq!(ArgusSource::page_size(&q, false), 10);
        assert_eq!(ArgusSource::page_size(&q, true), 1000);
        let q = Query {
            page_size: Some(100_000),
            ..Query::default()
        };
        assert_eq!(ArgusSource::page_size(&q, false), 100_000);
    }

    #[test]
    fn a_page_past_the_system_limit_is_refused_with_what_to_do() {
        assert!(reachable(0).is_ok() && reachable(100_000).is_ok());
        let err = reachable(100_001).unwrap_err().to_string();
        assert!(err.contains("--since/--until"), "{err}");
    }
}
