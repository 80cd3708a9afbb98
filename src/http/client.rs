use super::body::{BodyError, read_capped, read_prefix};
use super::json_repair::repaired;
use super::limits::{Limits, show_duration, show_size};
use super::request::{Body, Credential, HttpOptions, multipart, secret_header};
use super::retry::{RetryPolicy, is_idempotent, parse_retry_after, retryable_status};
use super::{ErrorParser, Failure, is_loopback};
use super::{proxy, redact};
use crate::error::{Error, Result};
use futures::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER, USER_AGENT};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use url::Url;

/// One provider's HTTP client.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    provider: &'static str,
    base: Url,
    auth: (HeaderName, HeaderValue),
    /// Non-secret headers every request carries (ConnectWise `clientId`).
    extra: HeaderMap,
    retry: RetryPolicy,
    limits: Limits,
    parse_error: ErrorParser,
    tls_names: super::tls_errors::SettingNames,
    /// The host's `Retry-After` back-off, shared by every clone (`pause.rs`).
    pause: super::pause::Pause,
}

/// Same-origin redirects a GET follows (Argus answers a merged case with 301).
const MAX_REDIRECTS: usize = 5;

/// Bytes of an error answer read: any provider's error message fits many times over.
const ERROR_BODY_CAP: usize = 64 * 1024;

/// What one attempt came to.
enum Attempt<T> {
    Done(T),
    Retry {
        error: Error,
        after: Option<Duration>,
    },
    Fail(Error),
}

impl HttpClient {
    /// Builds the client, refusing plain `http://` to anything but loopback.
    pub fn new(
        provider: &'static str,
        opts: &HttpOptions,
        credential: Credential,
        parse_error: ErrorParser,
    ) -> Result<Self> {
        let base = &opts.base_url;
        match base.scheme() {
            "https" => {}
            "http" if is_loopback(base) => {}
            "http" => {
                return Err(Error::Config(format!(
                    "{provider}: refusing plain http:// to {} (only loopback may use http); use https://",
                    base.host_str().unwrap_or("?")
                )));
            }
            other => {
                return Err(Error::Config(format!(
                    "{provider}: unsupported URL scheme '{other}' in {base}; use https://"
                )));
            }
        }
        // Our own verifier (http::tls): self-signed certificates in the CA file, pins,
        // and refusals that say why; TLS 1.2 minimum is set there.
        let tls = super::tls::client_config(
            provider,
            base,
            &super::tls::Trust {
                ca_file: opts.ca_file.as_deref(),
                pin_sha256: opts.pin_sha256.as_deref(),
            },
        )?;
        let builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .gzip(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(
                [(
                    USER_AGENT,
                    HeaderValue::from_static(concat!("tix/", env!("CARGO_PKG_VERSION"))),
                )]
                .into_iter()
                .collect(),
            );
        let builder = proxy::apply(opts.limits.apply(builder), base);
        let client = builder
            .build()
            .map_err(|e| Error::Config(format!("{provider}: cannot build HTTP client: {e}")))?;
        let auth = match credential {
            Credential::Bearer(token) => (
                reqwest::header::AUTHORIZATION,
                secret_header(provider, &format!("Bearer {}", token.expose_secret()))?,
            ),
            Credential::Header(name, value) => (
                HeaderName::from_static(name),
                secret_header(provider, value.expose_secret())?,
            ),
            Credential::Basic { user, password } => {
                use base64::Engine as _;
                let pair = format!("{user}:{}", password.expose_secret());
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                (
                    reqwest::header::AUTHORIZATION,
                    secret_header(provider, &format!("Basic {encoded}"))?,
                )
            }
        };
        Ok(HttpClient {
            client,
            provider,
            base: base.clone(),
            auth,
            extra: HeaderMap::new(),
            retry: opts.retry,
            limits: opts.limits,
            parse_error,
            tls_names: opts
                .tls_names
                .clone()
                .unwrap_or_else(|| super::tls_errors::SettingNames::provider(provider)),
            pause: super::pause::Pause::default(),
        })
    }

    /// When a `Retry-After` the server sent lets requests go again, while one is on: every
    /// request of this client and its clones waits until then.
    pub fn paused_until(&self) -> Option<tokio::time::Instant> {
        self.pause.paused_until()
    }

    /// The provider's name, for messages.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// Adds a non-secret header to every request (ConnectWise's mandatory `clientId`).
    pub fn with_header(mut self, name: &'static str, value: &str) -> Result<Self> {
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::Config(format!(
                "{}: the {name} header value holds characters a header cannot carry",
                self.provider
            ))
        })?;
        self.extra.insert(HeaderName::from_static(name), value);
        Ok(self)
    }

    /// The base URL this client was built with.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// `path` under the base URL, keeping the base's own path (`http://h/sonar` +
    /// `/api/x` is `http://h/sonar/api/x`), with each segment percent-encoded.
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().expect("http(s) URLs have a path");
            path.pop_if_empty();
            for s in segments {
                path.extend(s.split('/').filter(|p| !p.is_empty()));
            }
        }
        url
    }

    /// A GET whose answer is JSON of type `T`; retried per the policy, including when the
    /// body is cut short or is not the JSON promised.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        url: Url,
        query: &[(&str, String)],
    ) -> Result<T> {
        self.send_json(Method::GET, url, query, Body::Empty).await
    }

    /// Any request whose answer is JSON of type `T`. An empty answer (204) reads as
    /// JSON `null`, so `serde_json::Value` or `Option<_>` takes it.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, String)],
        body: Body,
    ) -> Result<T> {
        Ok(self
            .send_json_with_headers(method, url, query, body)
            .await?
            .0)
    }

    /// Like [`send_json`](Self::send_json), also answering the response headers
    /// (ConnectWise pages by `Link`).
    pub async fn send_json_with_headers<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, String)],
        body: Body,
    ) -> Result<(T, HeaderMap)> {
        let idempotent = is_idempotent(&method);
        self.send_json_as(method, url, query, body, idempotent)
            .await
    }

    /// Like [`send_json`](Self::send_json) where the method alone does not say whether
    /// a retry is safe: a search sent as POST is (`idempotent: true`), a PUT that adds a
    /// comment is not (`false`). A request that is not idempotent is never sent twice
    /// once the server may have acted on it.
    pub async fn send_json_idempotent<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, String)],
        body: Body,
        idempotent: bool,
    ) -> Result<T> {
        Ok(self
            .send_json_as(method, url, query, body, idempotent)
            .await?
            .0)
    }

    /// A request whose answer the caller reads itself with `read` (a page of tickets
    /// read one ticket at a time when one is broken), retried like
    /// [`send_json_idempotent`](Self::send_json_idempotent). `read` answering
    /// [`Error::Transport`] means the body was cut short: asked again when `idempotent`.
    pub async fn send_read<T>(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, String)],
        body: Body,
        idempotent: bool,
        read: impl Fn(&[u8]) -> Result<T>,
    ) -> Result<T> {
        self.send_reading(method, url, query, body, idempotent, |bytes, _| read(bytes))
            .await
    }

    /// Sends until an answer is read by `read`, or fails for good: `read` answering
    /// [`Error::Transport`] (a body cut short) is asked again when `idempotent`; any
    /// other error of `read` is final, since the same bytes would come again.
    async fn send_reading<T>(
        &self,
        method: Method,
        mut url: Url,
        query: &[(&str, String)],
        body: Body,
        idempotent: bool,
        read: impl Fn(&[u8], &HeaderMap) -> Result<T>,
    ) -> Result<T> {
        add_query(&mut url, query);
        let (method, url, body, read) = (&method, &url, &body, &read);
        self.retrying(method, url, || async move {
            match self.attempt(method, url, body, idempotent).await {
                Attempt::Done((bytes, headers)) => match read(&bytes, &headers) {
                    Ok(value) => Attempt::Done(value),
                    Err(error @ Error::Transport { .. }) if idempotent => {
                        Attempt::Retry { error, after: None }
                    }
                    Err(error) => Attempt::Fail(error),
                },
                Attempt::Retry { error, after } => Attempt::Retry { error, after },
                Attempt::Fail(error) => Attempt::Fail(error),
            }
        })
        .await
    }

    async fn send_json_as<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        query: &[(&str, String)],
        body: Body,
        idempotent: bool,
    ) -> Result<(T, HeaderMap)> {
        let what = format!("the answer to {method} {}", url.path());
        let read = |bytes: &[u8], headers: &HeaderMap| {
            // An empty answer (204) is JSON null.
            let json: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
                b"null"
            } else {
                bytes
            };
            // Strict first; an answer with a broken string escape (a lone surrogate) is
            // read again with it as U+FFFD rather than lost whole.
            let parsed = serde_json::from_slice::<T>(json).or_else(|e| match repaired(json) {
                std::borrow::Cow::Owned(fixed) if !e.is_eof() => serde_json::from_slice(&fixed),
                _ => Err(e),
            });
            match parsed {
                Ok(value) => Ok((value, headers.clone())),
                // JSON that stops mid-way was cut short on the way: asking again helps.
                Err(e) if e.is_eof() => Err(Error::Transport {
                    provider: self.provider.into(),
                    message: format!("{what} was cut short"),
                }),
                Err(e) => Err(Error::decode(
                    self.provider,
                    format_args!("{what} is not the JSON expected"),
                    e,
                )),
            }
        };
        self.send_reading(method, url, query, body, idempotent, read)
            .await
    }

    /// Streams the body of a GET into `sink`, chunk by chunk, so memory stays at one
    /// chunk whatever the file's size. Retried per the policy until the first byte is
    /// written; a body cut short after that is an error (the caller discards the file).
    /// `authenticated: false` sends no credential (a pre-signed URL on another host
    /// must not receive the API key). Answers the byte count and the response headers.
    pub async fn download(
        &self,
        mut url: Url,
        query: &[(&str, String)],
        authenticated: bool,
        sink: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<(u64, HeaderMap)> {
        add_query(&mut url, query);
        let url = &url;
        // Each attempt borrows the sink in turn; the retry loop needs a shareable handle.
        let sink = tokio::sync::Mutex::new(sink);
        let sink = &sink;
        self.retrying(&Method::GET, url, || async move {
            let resp = match self
                .response(&Method::GET, url, &Body::Empty, true, authenticated)
                .await
            {
                Ok(resp) => resp,
                Err(attempt) => return attempt.map(|_| unreachable!()),
            };
            let status = resp.status();
            if !status.is_success() {
                let after = retry_after(resp.headers());
                let bytes = read_prefix(resp, ERROR_BODY_CAP).await;
                return self.failure(&Method::GET, url, status, after, &bytes, true);
            }
            let headers = resp.headers().clone();
            let mut guard = sink.lock().await;
            let mut written = 0u64;
            let mut stream = resp.bytes_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = match chunk {
                    Ok(c) => c,
                    Err(e) => {
                        let error = Error::Transport {
                            provider: self.provider.into(),
                            message: format!(
                                "the download of {} was cut short after {written} bytes: {}",
                                url.path(),
                                e.without_url()
                            ),
                        };
                        return if written == 0 {
                            Attempt::Retry { error, after: None }
                        } else {
                            Attempt::Fail(error)
                        };
                    }
                };
                if written + chunk.len() as u64 > self.limits.max_download {
                    return Attempt::Fail(Error::Api {
                        provider: self.provider.into(),
                        status: 200,
                        message: format!(
                            "the download of {} is larger than {}; refusing to write more",
                            url.path(),
                            show_size(self.limits.max_download)
                        ),
                    });
                }
                if let Err(e) = guard.write_all(&chunk).await {
                    return Attempt::Fail(Error::Io(e));
                }
                written += chunk.len() as u64;
            }
            if let Err(e) = guard.flush().await {
                return Attempt::Fail(Error::Io(e));
            }
            Attempt::Done((written, headers))
        })
        .await
    }

    /// Runs `op` until it is done, fails for good, or the retry budget is spent,
    /// sleeping between attempts as the policy and `Retry-After` say.
    async fn retrying<T, F, Fut>(&self, method: &Method, url: &Url, mut op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Attempt<T>>,
    {
        let shown = redact::url(url);
        let mut ceilings = self.retry.ceilings();
        let mut attempt = 1usize;
        // One budget for the logical request: every attempt, every body and every wait.
        let budget = self.limits.budget;
        let deadline = tokio::time::Instant::now() + budget;
        loop {
            // Another request was told to back off: this one waits too (within its
            // budget; past it, the timeout below answers).
            let _ = tokio::time::timeout_at(deadline, self.pause.wait()).await;
            let started = Instant::now();
            let outcome = match tokio::time::timeout_at(deadline, op()).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    return Err(Error::Transport {
                        provider: self.provider.into(),
                        message: format!(
                            "no complete answer to {method} {} within {} (--timeout); \
                             the server is too slow or not answering",
                            url.path(),
                            show_duration(budget)
                        ),
                    });
                }
            };
            let (error, after) = match outcome {
                Attempt::Done(value) => {
                    tracing::debug!(provider = self.provider, %method, url = %shown, ms = started.elapsed().as_millis() as u64, "ok");
                    return Ok(value);
                }
                Attempt::Retry { error, after } => (error, after),
                Attempt::Fail(error) => return Err(error),
            };
            let Some(ceiling) = ceilings.next() else {
                return Err(error);
            };
            let wait = match after {
                Some(after) if after > self.retry.max_retry_after => {
                    return Err(Error::Api {
                        provider: self.provider.into(),
                        status: 429,
                        message: format!(
                            "rate limited; the server asks to wait {}s, more than tix waits ({}s)",
                            after.as_secs(),
                            self.retry.max_retry_after.as_secs()
                        ),
                    });
                }
                Some(after) if tokio::time::Instant::now() + after > deadline => {
                    return Err(Error::Api {
                        provider: self.provider.into(),
                        status: 429,
                        message: format!(
                            "rate limited; the server asks to wait {}s, past this request's {} budget (--timeout)",
                            after.as_secs(),
                            show_duration(budget)
                        ),
                    });
                }
                Some(after) => {
                    self.pause.until(tokio::time::Instant::now() + after);
                    after
                }
                None => RetryPolicy::delay(ceiling),
            };
            // A backoff that would end past the budget cannot lead to an answer in time.
            if tokio::time::Instant::now() + wait >= deadline {
                return Err(error);
            }
            attempt += 1;
            tracing::info!(
                provider = self.provider,
                %method,
                url = %shown,
                "{error}; retrying in {:.1}s (attempt {attempt}/{})",
                wait.as_secs_f64(),
                self.retry.retries + 1
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends one request, following same-origin redirects for a GET; any other
    /// redirect is an error that says where the resource went.
    async fn response(
        &self,
        method: &Method,
        url: &Url,
        body: &Body,
        idempotent: bool,
        authenticated: bool,
    ) -> std::result::Result<reqwest::Response, Attempt<(bytes::Bytes, HeaderMap)>> {
        let mut url = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut req = self
                .client
                .request(method.clone(), url.clone())
                .headers(self.extra.clone());
            if authenticated {
                // A link the provider handed back may point anywhere: the key goes only
                // over TLS or to this machine (proxy.rs).
                if !proxy::may_carry_secret(&url) {
                    return Err(Attempt::Fail(Error::Config(format!(
                        "{}: refusing to send the API key to {} over plain http",
                        self.provider,
                        url.host_str().unwrap_or("?")
                    ))));
                }
                req = req.header(self.auth.0.clone(), self.auth.1.clone());
            }
            req = match body {
                Body::Empty => req,
                Body::Json(v) => req.json(v),
                Body::Form(pairs) => req.form(pairs),
                Body::Multipart(parts) => req.multipart(multipart(parts)),
                Body::MultipartFields(fields, parts) => req.multipart(
                    fields
                        .iter()
                        .fold(multipart(parts), |f, (k, v)| f.text(k.clone(), v.clone())),
                ),
            };
            let resp = match req.send().await {
                Ok(resp) => resp,
                Err(e) => {
                    let error = self.transport(&url, &e);
                    // A refused certificate is refused again: one handshake, not seven.
                    let tls_refused = super::tls_errors::find(&e).is_some();
                    // A refused connection never reached the server, so even a write may be
                    // sent again; a timeout may have, so a write is not.
                    return Err(
                        if !tls_refused
                            && (e.is_connect()
                                || (idempotent && (e.is_timeout() || e.is_request())))
                        {
                            Attempt::Retry { error, after: None }
                        } else {
                            Attempt::Fail(error)
                        },
                    );
                }
            };
            if !resp.status().is_redirection() {
                return Ok(resp);
            }
            let status = resp.status();
            let target = resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| url.join(l).ok());
            match target {
                Some(next) if *method == Method::GET && next.origin() == url.origin() => {
                    tracing::debug!(provider = self.provider, from = %redact::url(&url), to = %redact::url(&next), "following redirect");
                    url = next;
                }
                // A write is not sent again somewhere else: the user decides.
                _ => {
                    return Err(Attempt::Fail(Error::Api {
                        provider: self.provider.into(),
                        status: status.as_u16(),
                        message: match target {
                            Some(next) => format!("{} has moved to {}", url.path(), next.path()),
                            None => format!("{} has moved", url.path()),
                        },
                    }));
                }
            }
        }
        Err(Attempt::Fail(Error::Redirect {
            provider: self.provider.into(),
            message: format!("more than {MAX_REDIRECTS} redirects from {}", url.path()),
        }))
    }

    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        body: &Body,
        idempotent: bool,
    ) -> Attempt<(bytes::Bytes, HeaderMap)> {
        let resp = match self.response(method, url, body, idempotent, true).await {
            Ok(resp) => resp,
            Err(attempt) => return attempt,
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        let after = retry_after(&headers);
        if !status.is_success() {
            let bytes = read_prefix(resp, ERROR_BODY_CAP).await;
            return self.failure(method, url, status, after, &bytes, idempotent);
        }
        match read_capped(resp, self.limits.max_body).await {
            Ok(bytes) => Attempt::Done((bytes, headers)),
            Err(BodyError::TooLarge) => Attempt::Fail(self.too_large(method, url)),
            Err(BodyError::Cut(e)) => {
                let error = Error::Transport {
                    provider: self.provider.into(),
                    message: if e.is_timeout() {
                        format!(
                            "the answer to {method} {} stalled: no byte for {}",
                            url.path(),
                            show_duration(self.limits.read_idle)
                        )
                    } else {
                        format!(
                            "the answer to {method} {} was cut short: {}",
                            url.path(),
                            e.without_url()
                        )
                    },
                };
                if idempotent {
                    Attempt::Retry { error, after: None }
                } else {
                    Attempt::Fail(error)
                }
            }
        }
    }

    /// A body past the ceiling is not retried: the same server would send it again.
    fn too_large(&self, method: &Method, url: &Url) -> Error {
        Error::Api {
            provider: self.provider.into(),
            status: 200,
            message: format!(
                "the answer to {method} {} is larger than {} (--max-body); refusing to read more",
                url.path(),
                show_size(self.limits.max_body)
            ),
        }
    }

    /// Reads an error answer with the provider's parser and decides whether to retry.
    fn failure<T>(
        &self,
        method: &Method,
        url: &Url,
        status: StatusCode,
        after: Option<Duration>,
        bytes: &[u8],
        idempotent: bool,
    ) -> Attempt<T> {
        tracing::debug!(provider = self.provider, %method, url = %redact::url(url), status = status.as_u16(), "error answer");
        let failure: Failure = (self.parse_error)(status, bytes);
        // A write answered 429 was refused unprocessed, so it is safe to send again.
        let may_retry = idempotent || status == StatusCode::TOO_MANY_REQUESTS;
        if !failure.permanent && may_retry && retryable_status(status, idempotent) {
            Attempt::Retry {
                error: failure.error,
                after: if status == StatusCode::TOO_MANY_REQUESTS {
                    after
                } else {
                    None
                },
            }
        } else {
            Attempt::Fail(failure.error)
        }
    }

    fn transport(&self, url: &Url, e: &reqwest::Error) -> Error {
        if let Some(failure) = super::tls_errors::find(e) {
            return Error::Transport {
                provider: self.provider.into(),
                message: super::tls_errors::message(
                    &failure,
                    &url.origin().ascii_serialization(),
                    &self.tls_names,
                ),
            };
        }
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else {
            "request failed"
        };
        let mut message = format!("{what}: {}", redact::url(url));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            message = format!("{message}: {s}");
            source = s.source();
        }
        Error::Transport {
            provider: self.provider.into(),
            message,
        }
    }
}

impl<T> Attempt<T> {
    /// The same outcome for another success type (for attempts that did not succeed).
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Attempt<U> {
        match self {
            Attempt::Done(v) => Attempt::Done(f(v)),
            Attempt::Retry { error, after } => Attempt::Retry { error, after },
            Attempt::Fail(error) => Attempt::Fail(error),
        }
    }
}

fn add_query(url: &mut Url, query: &[(&str, String)]) {
    if !query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, chrono::Utc::now()))
}
