//! Logpresso Sonar (vendor-docs/logpresso-sonar-get-tickets.txt; research/argus-sonar.md §3).
//!
//! - Auth: `Authorization: Bearer <API key>`; the host is the customer's own Sonar, often
//!   with a private certificate (profile `ca_file`), so there is no default URL.
//! - Paging: `offset`/`limit` (limit 0..=1000, default 1000) with a `total`: after the
//!   first page the rest are fetched concurrently.
//! - Filters: see `query.rs`.
//! - Operations: list, get (with comments), comments, attachments. Not supported: adding
//!   comments (no documented endpoint), close (only the assignee may, through
//!   `assignee-status`), create (needs a client-chosen GUID and a repository GUID tix
//!   cannot discover), downloads (no documented endpoint).
//! - Traps: an unknown ticket is HTTP 500 `illegal-state` "ticket not found", not 404;
//!   `+` in `from`/`to` must be percent-encoded (the URL encoder does it); priorities
//!   are words in answers but numbers 1..3 in the filter.

mod map;
mod query;
mod wire;

use crate::config::ProviderSpec;
use crate::config::SourceConfig;
use crate::error::{Error, Result};
use crate::http::{self, Body, Credential, Failure, HttpClient};
use crate::model::{Attachment, Comment, Query, Ticket};
use crate::paginate::PageRequest;
use crate::providers::ProviderInfo;
use crate::providers::lenient::{Reader, Shape};
use crate::providers::listing::{Paging, offset_listing, refused};
use crate::source::{Capabilities, TicketSource};
use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;

/// The provider's name in the registry, errors and output.
pub const NAME: &str = "sonar";

/// The largest `limit` Sonar accepts.
pub const MAX_PAGE: u64 = 1000;

/// Pages of 1000 unless `--page-size` says less; no offset cap is documented.
const PAGING: Paging = Paging::new(MAX_PAGE);

const CAPABILITIES: Capabilities = Capabilities {
    list: true,
    get: true,
    comments: true,
    attachments: true,
    add_comment: false,
    close: false,
    create: false,
    update: false,
    download: false,
    upload: false,
    tags: false,
    iocs: false,
    orgs: false,
};

/// Sonar's registry entry.
pub const INFO: ProviderInfo = ProviderInfo {
    spec: ProviderSpec {
        name: NAME,
        env: "SONAR",
        key_name: "API_KEY",
        options: &[],
        default_base_url: None,
    },
    max_page_size: MAX_PAGE,
    min_page_size: 1,
    capabilities: CAPABILITIES,
    list_flags: &[],
    build: SonarSource::build,
};

/// A Sonar server reached with one API key.
pub struct SonarSource {
    http: HttpClient,
    profile: Option<String>,
}

impl SonarSource {
    fn build(cfg: SourceConfig) -> Result<Box<dyn TicketSource>> {
        let http = HttpClient::new(
            NAME,
            &cfg.http,
            Credential::Bearer(cfg.api_key),
            parse_error,
        )?;
        Ok(Box::new(SonarSource {
            http,
            profile: cfg.profile,
        }))
    }

    fn check_guid(id: &str) -> Result<()> {
        uuid::Uuid::parse_str(id).map(|_| ()).map_err(|_| {
            let hint = if id.chars().all(|c| c.is_ascii_digit()) {
                " (that looks like the ticket number; Sonar addresses tickets by GUID, the id column)"
            } else {
                ""
            };
            Error::invalid(
                "<id>",
                id,
                format!("a Sonar ticket GUID such as 49272877-75f2-4c2f-9301-d21c4f9a106d{hint}"),
            )
        })
    }
}

impl fmt::Display for SonarSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::providers::label(f, NAME, self.profile.as_deref())
    }
}

#[async_trait]
impl TicketSource for SonarSource {
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
        let url = http.url(&["api/sonar/tickets"]);
        let params = plan.params.clone();
        let reader = Arc::new(Reader {
            provider: NAME,
            raw: q.raw,
            map: map::ticket,
        });
        let filter = plan.filter;
        offset_listing(
            NAME,
            &PAGING,
            q,
            client_side,
            |t: &Ticket| &t.id,
            move |t| filter.matches(t),
            move |req: PageRequest| {
                let (http, url, reader) = (http.clone(), url.clone(), reader.clone());
                let mut query = params.clone();
                query.push(("offset", req.offset.to_string()));
                query.push(("limit", req.limit.to_string()));
                async move {
                    http.send_read(Method::GET, url, &query, Body::Empty, true, |bytes| {
                        reader.page::<Tickets, wire::Ticket, _>(bytes, req.offset, |t| &t.id)
                    })
                    .await
                }
            },
        )
    }

    async fn get(&self, id: &str) -> Result<Ticket> {
        Self::check_guid(id)?;
        let url = self.http.url(&["api/sonar/tickets", id]);
        let (one, comments) = futures::try_join!(
            self.http
                .get_json::<wire::TicketOne<wire::Ticket>>(url, &[]),
            self.comments(id)
        )?;
        let mut t = map::ticket(one.ticket, None);
        t.comments = Some(comments);
        Ok(t)
    }

    async fn comments(&self, id: &str) -> Result<Vec<Comment>> {
        Self::check_guid(id)?;
        let url = self.http.url(&["api/sonar/tickets", id, "comments"]);
        let list: wire::CommentList = self.http.get_json(url, &[]).await?;
        Ok(list.comments.into_iter().map(map::comment).collect())
    }

    async fn attachments(&self, id: &str) -> Result<Vec<Attachment>> {
        Self::check_guid(id)?;
        let url = self.http.url(&["api/sonar/tickets", id, "attachments"]);
        let list: wire::AttachmentList = self.http.get_json(url, &[]).await?;
        Ok(list.attachments.into_iter().map(map::attachment).collect())
    }
}

/// `{"total": N, "tickets": [...]}`.
struct Tickets;

/// One list page read as `list` reads it, without `raw` (benches/list_page.rs).
pub(crate) fn read_page(bytes: &[u8]) -> Result<Vec<Ticket>> {
    let reader = Reader {
        provider: NAME,
        raw: false,
        map: map::ticket,
    };
    let page = reader.page::<Tickets, wire::Ticket, _>(bytes, 0, |t| &t.id)?;
    Ok(page.items)
}

impl Shape for Tickets {
    type Of<X: DeserializeOwned> = wire::TicketList<X>;
    fn parts<X: DeserializeOwned>(page: wire::TicketList<X>) -> (Vec<X>, Option<u64>) {
        (page.tickets, page.total)
    }
}

/// Sonar's error body is always `{error_code, error_msg}` (research/argus-sonar.md §3.1).
fn parse_error(status: StatusCode, body: &[u8]) -> Failure {
    let parsed: Option<wire::ErrorBody> = serde_json::from_slice(body).ok();
    let code = parsed
        .as_ref()
        .and_then(|b| b.error_code.clone())
        .unwrap_or_default();
    let msg = parsed
        .and_then(|b| b.error_msg)
        .unwrap_or_else(|| http::body_excerpt(body));
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        let message = if msg.is_empty() {
            format!("the API key was rejected (HTTP {})", status.as_u16())
        } else {
            format!("{msg} (HTTP {})", status.as_u16())
        };
        return Failure::permanent(Error::Auth {
            provider: NAME.into(),
            message,
        });
    }
    // Not found is HTTP 500 illegal-state "ticket not found: <guid>" (research §3.1).
    if code == "illegal-state"
        && let Some(id) = msg.strip_prefix("ticket not found")
    {
        return Failure::permanent(Error::NotFound {
            provider: NAME.into(),
            id: id.trim_start_matches(':').trim().to_owned(),
        });
    }
    let error = Error::Api {
        provider: NAME.into(),
        status: status.as_u16(),
        message: if msg.is_empty() {
            "no error message".into()
        } else {
            msg
        },
    };
    // Sonar's illegal-state answers describe the ticket's state; asking again cannot help.
    if code == "illegal-state"
        || (status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS)
    {
        Failure::permanent(error)
    } else {
        Failure::new(error)
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
            let page: Value = serde_json::from_str(include_str!("../../../fixtures/sonar/tickets.json")).unwrap();
            let tickets = isolation::tickets(&page["tickets"][0], "guid", |i| {
                json!(format!("49272877-75f2-4c2f-9301-d21c4f9a100{i}"))
            });
            let wrap = |t: Vec<Value>| json!({"total": t.len(), "tickets": t});
            let reader = Reader { provider: NAME, raw, map: map::ticket };
            isolation::check::<Tickets, wire::Ticket, _, _>(&reader, &tickets, wrap, m, |t| &t.id)?;
        }
    }

    #[test]
    fn not_found_is_500_illegal_state() {
        let f = parse_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            br#"{"error_code":"illegal-state","error_msg":"ticket not found: 0000"}"#,
        );
        assert!(f.permanent);
        assert_eq!(f.error.exit_code(), 4);
        assert_eq!(f.error.to_string(), "sonar: ticket 0000 not found");
    }

    #[test]
    fn a_400_carries_sonars_own_message() {
        let f = parse_error(
            StatusCode::BAD_REQUEST,
            br#"{"error_code":"invalid-argument","error_msg":"sort_type should be one of ASC or DESC. input is NONE"}"#,
        );
        assert_eq!(
            f.error.to_string(),
            "sonar: sort_type should be one of ASC or DESC. input is NONE (HTTP 400)"
        );
        assert_eq!(f.error.exit_code(), 5);
    }

    #[test]
    fn a_503_without_a_body_is_retryable() {
        let f = parse_error(StatusCode::SERVICE_UNAVAILABLE, b"<html>busy</html>");
        assert!(!f.permanent);
        assert!(f.error.to_string().contains("busy"));
    }

    #[test]
    fn numeric_ids_get_a_hint() {
        let e = SonarSource::check_guid("42").unwrap_err().to_string();
        assert!(e.contains("ticket number"), "{e}");
    }
}
