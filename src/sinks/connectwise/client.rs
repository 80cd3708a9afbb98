//! The ConnectWise Manage REST client: where the API lives, how it authenticates, how
//! it pages, and how its errors read (research/arcticwolf-connectwise.md §2.2–2.9).
//!
//! - Root `https://<site>/<codebase>apis/3.0/`; the codebase comes from
//!   `GET /login/companyinfo/<companyId>` (no auth) unless the profile gives it.
//! - `Authorization: Basic base64("<companyId>+<publicKey>:<privateKey>")` and the
//!   mandatory `clientId` header (enforced since August 2019, research §2.3).
//! - Lists ask `page=1&pageSize=1000` (the default 25 is a trap, pyconnectwise #23) and
//!   follow the `Link: <…>; rel="next"` header; there is no total and no body envelope.
//! - Updates are JSON-Patch `PATCH`; creates are `POST` and are never sent twice once the
//!   server may have acted (the shared HTTP client's rule); 429 waits for `Retry-After`.

use super::NAME;
use super::wire::{self, ErrorBody, PatchOp};
use crate::config::Env;
use crate::error::{Error, Result};
use crate::http::{
    self, Body, Credential, Failure, FilePart, HttpClient, HttpOptions, RetryPolicy,
};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use reqwest::header::{HeaderMap, LINK};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use std::fmt;
use url::Url;

/// The largest `pageSize` ConnectWise accepts ("a hard limit of 1,000 records", research §2.7).
pub const MAX_PAGE: u32 = 1000;

/// How to reach one ConnectWise Manage instance; read from `TIX_CW_*`.
pub struct CwConfig {
    /// `https://api-na.myconnectwise.net`, or the simulator's `http://127.0.0.1:P/connectwise`.
    pub site: Url,
    /// The company id typed on the ConnectWise sign-in page (vendor document step 6.3).
    pub company: String,
    pub public_key: SecretString,
    pub private_key: SecretString,
    /// The integration's clientId GUID from developer.connectwise.com.
    pub client_id: String,
    /// `v2025_1/`; discovered from `/login/companyinfo` when absent.
    pub codebase: Option<String>,
    pub retry: RetryPolicy,
    /// `TIX_CW_CA_FILE`: a private CA or the server's own self-signed certificate (PEM),
    /// for an on-prem ConnectWise Manage.
    pub ca_file: Option<std::path::PathBuf>,
    /// `TIX_CW_PIN_SHA256`: the server's certificate or public key hash.
    pub pin_sha256: Option<String>,
    /// The bounds every request keeps: `--timeout`, `--connect-timeout`, `--read-timeout`
    /// and `--max-body` apply to ConnectWise as to the providers.
    pub limits: http::Limits,
}

// Hand-written: the keys never print.
impl fmt::Debug for CwConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CwConfig")
            .field("site", &self.site.as_str())
            .field("company", &self.company)
            .field("client_id", &self.client_id)
            .field("codebase", &self.codebase)
            .finish_non_exhaustive()
    }
}

/// The environment variables `tix cw` and `tix sync --to connectwise` read.
pub const ENV_VARS: [&str; 5] = [
    "TIX_CW_SITE",
    "TIX_CW_COMPANY",
    "TIX_CW_PUBLIC_KEY",
    "TIX_CW_PRIVATE_KEY",
    "TIX_CW_CLIENT_ID",
];

impl CwConfig {
    /// Reads `TIX_CW_SITE`, `TIX_CW_COMPANY`, `TIX_CW_PUBLIC_KEY`, `TIX_CW_PRIVATE_KEY`,
    /// `TIX_CW_CLIENT_ID` and the optional `TIX_CW_CODEBASE`, `TIX_CW_CA_FILE` and
    /// `TIX_CW_PIN_SHA256`. Keys come only from the environment, never from argv.
    pub fn from_env(env: &Env) -> Result<Self> {
        let missing: Vec<&str> = ENV_VARS
            .iter()
            .copied()
            .filter(|v| env.get(v).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(Error::Config(format!(
                "{NAME}: set {} (see README, ConnectWise)",
                missing.join(", ")
            )));
        }
        let var = |v: &str| env.get(v).expect("checked above");
        let raw_site = var("TIX_CW_SITE");
        let site = if raw_site.contains("://") {
            raw_site.clone()
        } else {
            format!("https://{raw_site}")
        };
        let site = Url::parse(&site).map_err(|e| {
            Error::Config(format!(
                "{NAME}: TIX_CW_SITE '{raw_site}' is not a host or URL: {e}"
            ))
        })?;
        Ok(CwConfig {
            site,
            company: var("TIX_CW_COMPANY"),
            public_key: SecretString::from(var("TIX_CW_PUBLIC_KEY")),
            private_key: SecretString::from(var("TIX_CW_PRIVATE_KEY")),
            client_id: var("TIX_CW_CLIENT_ID"),
            codebase: env.get("TIX_CW_CODEBASE"),
            retry: RetryPolicy::default(),
            ca_file: env.get("TIX_CW_CA_FILE").map(std::path::PathBuf::from),
            pin_sha256: env.get("TIX_CW_PIN_SHA256"),
            limits: http::Limits::default(),
        })
    }

    fn http(&self, base: Url) -> Result<HttpClient> {
        use secrecy::ExposeSecret;
        let mut opts = HttpOptions::new(base);
        opts.retry = self.retry;
        opts.ca_file = self.ca_file.clone();
        opts.pin_sha256 = self.pin_sha256.clone();
        opts.limits = self.limits;
        opts.tls_names = Some(http::tls_errors::SettingNames {
            env_prefix: "TIX_CW".into(),
            profile: false,
        });
        HttpClient::new(
            NAME,
            &opts,
            Credential::Basic {
                user: format!("{}+{}", self.company, self.public_key.expose_secret()),
                password: self.private_key.clone(),
            },
            parse_error,
        )?
        .with_header("clientid", &self.client_id)
    }
}

/// One ConnectWise Manage API root, authenticated.
#[derive(Clone)]
pub struct CwClient {
    http: HttpClient,
}

impl CwClient {
    /// Finds the API root (asking `/login/companyinfo` for the codebase when the
    /// configuration does not give it) and builds the client.
    pub async fn connect(cfg: &CwConfig) -> Result<Self> {
        let codebase = match &cfg.codebase {
            Some(c) => c.clone(),
            None => {
                let site = cfg.http(cfg.site.clone())?;
                let url = site.url(&["login/companyinfo", &cfg.company]);
                let info: Option<wire::CompanyInfo> = site.get_json(url, &[]).await?;
                info.ok_or_else(|| Error::Config(format!(
                    "{NAME}: {} does not know company '{}' (GET /login/companyinfo answered null); check TIX_CW_COMPANY",
                    cfg.site, cfg.company
                )))?
                .codebase
            }
        };
        let mut root = cfg.site.clone();
        {
            let mut path = root.path_segments_mut().expect("http(s) URLs have a path");
            path.pop_if_empty();
            path.extend(codebase.split('/').filter(|s| !s.is_empty()));
            path.extend(["apis", "3.0", ""]);
        }
        Ok(CwClient {
            http: cfg.http(root)?,
        })
    }

    /// While a `Retry-After` is being waited out: when requests go again. One back-off
    /// for every concurrent push to this host.
    pub fn paused_until(&self) -> Option<tokio::time::Instant> {
        self.http.paused_until()
    }

    /// The API root, e.g. `https://api-na.myconnectwise.net/v2025_1/apis/3.0/`.
    pub fn root(&self) -> &Url {
        self.http.base()
    }

    /// Every record of a list endpoint, as a stream that follows `Link` headers page by
    /// page (memory stays at one page). `conditions` is ConnectWise's filter language.
    pub fn list<T: DeserializeOwned + Send + 'static>(
        &self,
        segments: &[&str],
        conditions: Option<&str>,
        extra: &[(&str, String)],
    ) -> BoxStream<'static, Result<T>> {
        let mut first = self.http.url(segments);
        {
            let mut q = first.query_pairs_mut();
            if let Some(c) = conditions {
                q.append_pair("conditions", c);
            }
            for (k, v) in extra {
                q.append_pair(k, v);
            }
            q.append_pair("page", "1");
            q.append_pair("pageSize", &MAX_PAGE.to_string());
        }
        let http = self.http.clone();
        stream::try_unfold(Some(first), move |next| {
            let http = http.clone();
            async move {
                let Some(url) = next else {
                    return Ok::<_, Error>(None);
                };
                let (items, headers): (Vec<T>, HeaderMap) = http
                    .send_json_with_headers(Method::GET, url.clone(), &[], Body::Empty)
                    .await?;
                let next = next_link(&headers, &url)?.filter(|n| *n != url);
                Ok(Some((stream::iter(items.into_iter().map(Ok)), next)))
            }
        })
        .try_flatten()
        .boxed()
    }

    /// [`list`](Self::list), collected.
    pub async fn all<T: DeserializeOwned + Send + 'static>(
        &self,
        segments: &[&str],
        conditions: Option<&str>,
        extra: &[(&str, String)],
    ) -> Result<Vec<T>> {
        self.list(segments, conditions, extra).try_collect().await
    }

    /// One record.
    pub async fn get<T: DeserializeOwned>(&self, segments: &[&str]) -> Result<T> {
        self.http.get_json(self.http.url(segments), &[]).await
    }

    /// `GET …/count`: how many records match, without reading them.
    pub async fn count(&self, segments: &[&str], conditions: Option<&str>) -> Result<u64> {
        let mut url = self.http.url(segments);
        url.path_segments_mut()
            .expect("http(s) URLs have a path")
            .push("count");
        let query: Vec<(&str, String)> = conditions
            .map(|c| vec![("conditions", c.to_owned())])
            .unwrap_or_default();
        let body: serde_json::Value = self.http.get_json(url, &query).await?;
        body["count"].as_u64().ok_or_else(|| Error::Decode {
            provider: NAME.into(),
            message: format!(
                "the answer to GET {}/count has no count",
                segments.join("/")
            ),
            source: None,
        })
    }

    /// `POST` a new record; sent once (a retry only where the server cannot have acted).
    pub async fn create<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        body: &impl serde::Serialize,
    ) -> Result<T> {
        let body = serde_json::to_value(body).map_err(|source| Error::Encode {
            provider: NAME.into(),
            source,
        })?;
        self.http
            .send_json_idempotent(
                Method::POST,
                self.http.url(segments),
                &[],
                Body::Json(body),
                false,
            )
            .await
    }

    /// `PATCH` with JSON-Patch `replace` operations, which mean the same when repeated.
    pub async fn patch<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        ops: &[PatchOp],
    ) -> Result<T> {
        let body = serde_json::to_value(ops).expect("patch operations encode");
        self.http
            .send_json_idempotent(
                Method::PATCH,
                self.http.url(segments),
                &[],
                Body::Json(body),
                true,
            )
            .await
    }

    /// `POST /system/documents` as `multipart/form-data` (JSON is answered 415), attached
    /// to a ticket (`recordType=Ticket`).
    pub async fn upload_ticket_document(
        &self,
        ticket: u64,
        title: &str,
        file: FilePart,
    ) -> Result<wire::Document> {
        let fields = vec![
            ("recordType".to_owned(), "Ticket".to_owned()),
            ("recordId".to_owned(), ticket.to_string()),
            ("title".to_owned(), title.to_owned()),
        ];
        self.http
            .send_json_idempotent(
                Method::POST,
                self.http.url(&["system/documents"]),
                &[],
                Body::MultipartFields(fields, vec![file]),
                false,
            )
            .await
    }
}

/// The `rel="next"` target of a `Link` header, which must stay on the API's origin (the
/// credentials go with it).
pub fn next_link(headers: &HeaderMap, current: &Url) -> Result<Option<Url>> {
    for value in headers.get_all(LINK) {
        let Ok(value) = value.to_str() else { continue };
        for (target, params) in link_entries(value) {
            let is_next = params.split(';').any(|p| {
                let p = p.trim();
                p.eq_ignore_ascii_case("rel=\"next\"") || p.eq_ignore_ascii_case("rel=next")
            });
            if !is_next {
                continue;
            }
            let next = current.join(target).map_err(|e| {
                Error::decode(
                    NAME,
                    format_args!("the Link header's next page '{target}' is not a URL"),
                    e,
                )
            })?;
            if next.origin() != current.origin() {
                return Err(Error::Decode {
                    provider: NAME.into(),
                    message: format!(
                        "the Link header points to another host ({}); not following it with the credentials",
                        next.host_str().unwrap_or("?")
                    ),
                    source: None,
                });
            }
            return Ok(Some(next));
        }
    }
    Ok(None)
}

/// `<url>; params` entries of a Link header; a URL may hold commas, so entries are cut at
/// each `<` rather than at commas.
fn link_entries(value: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else { break };
        let target = &after[..close];
        let tail = &after[close + 1..];
        let params_end = tail.find('<').unwrap_or(tail.len());
        out.push((target, tail[..params_end].trim_end_matches([',', ' '])));
        rest = &tail[params_end..];
    }
    out
}

/// ConnectWise's error body `{code, message, errors[]}` as the user's one-line error
/// (research §2.8). Cloud hosts may answer HTML, so a body that is not JSON is quoted.
pub fn parse_error(status: StatusCode, body: &[u8]) -> Failure {
    let message = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => describe(&b).unwrap_or_else(|| http::body_excerpt(body)),
        Err(_) => http::body_excerpt(body),
    };
    let message = if message.is_empty() {
        format!("no error message (HTTP {})", status.as_u16())
    } else {
        message
    };
    match status {
        StatusCode::UNAUTHORIZED => Failure::permanent(Error::Auth {
            provider: NAME.into(),
            message: format!(
                "{message} (HTTP 401; check TIX_CW_COMPANY, TIX_CW_PUBLIC_KEY, TIX_CW_PRIVATE_KEY and TIX_CW_CLIENT_ID)"
            ),
        }),
        StatusCode::FORBIDDEN => Failure::permanent(Error::Auth {
            provider: NAME.into(),
            message: format!("{message} (HTTP 403: the API member's security role)"),
        }),
        s if s.is_client_error() && s != StatusCode::TOO_MANY_REQUESTS => {
            Failure::permanent(Error::Api {
                provider: NAME.into(),
                status: s.as_u16(),
                message,
            })
        }
        s => Failure::new(Error::Api {
            provider: NAME.into(),
            status: s.as_u16(),
            message,
        }),
    }
}

/// `message: errors[0].message (field), …`, or `None` for an empty body.
fn describe(b: &ErrorBody) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(m) = b.message.as_deref().filter(|m| !m.is_empty()) {
        parts.push(m.to_owned());
    } else if let Some(c) = b.code.as_deref().filter(|c| !c.is_empty()) {
        parts.push(c.to_owned());
    }
    let details: Vec<String> = b
        .errors
        .iter()
        .filter_map(|e| {
            let m = e.message.as_deref().or(e.code.as_deref())?;
            Some(match e.field.as_deref() {
                Some(f) if !f.is_empty() => format!("{m} ({f})"),
                _ => m.to_owned(),
            })
        })
        .collect();
    if !details.is_empty() {
        parts.push(details.join("; "));
    }
    (!parts.is_empty()).then(|| parts.join(": "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(link: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(LINK, HeaderValue::from_str(link).unwrap());
        h
    }

    #[test]
    fn next_link_is_found_among_first_and_last() {
        let cur = Url::parse("https://cw.example/v1/apis/3.0/service/tickets?page=1").unwrap();
        let h = headers(
            "<https://cw.example/v1/apis/3.0/service/tickets?conditions=id%20in%20(1,2)&pageSize=1000&page=2>; rel=\"next\", <https://cw.example/v1/apis/3.0/service/tickets?pageSize=1000&page=9>; rel=\"last\"",
        );
        let next = next_link(&h, &cur).unwrap().unwrap();
        assert_eq!(
            next.as_str(),
            "https://cw.example/v1/apis/3.0/service/tickets?conditions=id%20in%20(1,2)&pageSize=1000&page=2"
        );
        assert_eq!(
            next_link(
                &headers("<https://cw.example/x?page=1>; rel=\"first\""),
                &cur
            )
            .unwrap(),
            None
        );
        assert_eq!(next_link(&HeaderMap::new(), &cur).unwrap(), None);
    }

    #[test]
    fn next_link_to_another_host_is_refused() {
        let cur = Url::parse("https://cw.example/x").unwrap();
        let err = next_link(
            &headers("<https://evil.example/x?page=2>; rel=\"next\""),
            &cur,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(!err.to_string().contains("HTTP"), "{err}");
        assert!(err.to_string().contains("evil.example"), "{err}");
    }

    #[test]
    fn error_body_reads_as_one_line_with_the_field() {
        let f = parse_error(
            StatusCode::BAD_REQUEST,
            br#"{"code":"InvalidObject","message":"ticket object is invalid","errors":[{"code":"NotFound","message":"Service Status 17 not found for Service Board 21","resource":"ticket","field":"status/id"}]}"#,
        );
        assert!(f.permanent);
        assert_eq!(
            f.error.to_string(),
            "connectwise: ticket object is invalid: Service Status 17 not found for Service Board 21 (status/id) (HTTP 400)"
        );
    }

    #[test]
    fn security_and_auth_errors_exit_3() {
        let f = parse_error(
            StatusCode::FORBIDDEN,
            br#"{"code":"Security","message":"You do not have security permission to perform this action."}"#,
        );
        assert_eq!(f.error.exit_code(), 3);
        assert!(f.error.to_string().contains("security role"));
        let f = parse_error(StatusCode::UNAUTHORIZED, b"");
        assert_eq!(f.error.exit_code(), 3);
        assert!(f.error.to_string().contains("TIX_CW_PRIVATE_KEY"));
    }

    #[test]
    fn a_429_and_html_5xx_are_retryable() {
        assert!(!parse_error(StatusCode::TOO_MANY_REQUESTS, b"").permanent);
        let f = parse_error(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>");
        assert!(!f.permanent);
        assert!(f.error.to_string().contains("bad gateway"));
    }

    #[test]
    fn config_names_every_missing_variable_and_never_prints_keys() {
        let err = CwConfig::from_env(&Env::from_pairs([("TIX_CW_SITE", "cw.example")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("TIX_CW_PRIVATE_KEY") && !err.contains("TIX_CW_SITE"),
            "{err}"
        );
        let cfg = CwConfig::from_env(&Env::from_pairs([
            ("TIX_CW_SITE", "api-na.myconnectwise.net"),
            ("TIX_CW_COMPANY", "acme"),
            ("TIX_CW_PUBLIC_KEY", "pub-123"),
            ("TIX_CW_PRIVATE_KEY", "priv-456"),
            ("TIX_CW_CLIENT_ID", "c0ffee"),
        ]))
        .unwrap();
        assert_eq!(cfg.site.as_str(), "https://api-na.myconnectwise.net/");
        let shown = format!("{cfg:?}");
        assert!(
            !shown.contains("pub-123") && !shown.contains("priv-456"),
            "{shown}"
        );
    }
}
