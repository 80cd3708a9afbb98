use super::redact;
use super::retry::{RetryPolicy, is_idempotent, parse_retry_after, retryable_status};
use super::{ErrorParser, Failure, is_loopback};
use crate::error::{Error, Result};
use reqwest::header::{HeaderName, HeaderValue, RETRY_AFTER, USER_AGENT};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use url::Url;

/// How a source reaches its API; built from the resolved profile.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub base_url: Url,
    /// An extra CA to trust (on-prem servers with a private certificate).
    pub ca_file: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl HttpOptions {
    /// DESIGN.md's defaults: connect 10 s, request 60 s.
    pub fn new(base_url: Url) -> Self {
        HttpOptions {
            base_url,
            ca_file: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
        }
    }
}

/// The secret a provider's API wants on every request.
pub enum Credential {
    /// `Authorization: Bearer <token>`.
    Bearer(SecretString),
    /// A vendor header such as `Argus-API-Key`.
    Header(&'static str, SecretString),
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
}

/// One provider's HTTP client.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    provider: &'static str,
    base: Url,
    auth: (HeaderName, HeaderValue),
    retry: RetryPolicy,
    parse_error: ErrorParser,
}

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
        let mut builder = reqwest::Client::builder()
            .tls_version_min(reqwest::tls::Version::TLS_1_2)
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
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
        if let Some(path) = &opts.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                Error::Config(format!(
                    "{provider}: cannot read ca_file {}: {e}",
                    path.display()
                ))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::Config(format!(
                    "{provider}: ca_file {} is not a PEM certificate: {e}",
                    path.display()
                ))
            })?;
            if certs.is_empty() {
                return Err(Error::Config(format!(
                    "{provider}: ca_file {} holds no PEM certificate",
                    path.display()
                )));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
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
        };
        Ok(HttpClient {
            client,
            provider,
            base: base.clone(),
            auth,
            retry: opts.retry,
            parse_error,
        })
    }

    /// The provider's name, for messages.
    pub fn provider(&self) -> &'static str {
        self.provider
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

    /// Any request whose answer is JSON of type `T`.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        mut url: Url,
        query: &[(&str, String)],
        body: Body,
    ) -> Result<T> {
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let idempotent = is_idempotent(&method);
        let shown = redact::url(&url);
        let mut ceilings = self.retry.ceilings();
        let mut attempt = 1usize;
        loop {
            let started = Instant::now();
            let outcome = self.attempt(&method, &url, &body, idempotent).await;
            let error = match outcome {
                Attempt::Done(bytes) => match serde_json::from_slice::<T>(&bytes) {
                    Ok(value) => {
                        tracing::debug!(provider = self.provider, %method, url = %shown, ms = started.elapsed().as_millis() as u64, "ok");
                        return Ok(value);
                    }
                    Err(e) => {
                        let error = Error::Api {
                            provider: self.provider.into(),
                            status: 200,
                            message: format!(
                                "the answer to {method} {} is not the JSON expected: {e}",
                                url.path()
                            ),
                        };
                        if !idempotent {
                            return Err(error);
                        }
                        (error, None)
                    }
                },
                Attempt::Retry { error, after } => (error, after),
                Attempt::Fail(error) => return Err(error),
            };
            let (error, after) = error;
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
                Some(after) => after,
                None => RetryPolicy::delay(ceiling),
            };
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

    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        body: &Body,
        idempotent: bool,
    ) -> Attempt<bytes::Bytes> {
        let mut req = self
            .client
            .request(method.clone(), url.clone())
            .header(self.auth.0.clone(), self.auth.1.clone());
        req = match body {
            Body::Empty => req,
            Body::Json(v) => req.json(v),
            Body::Form(pairs) => req.form(pairs),
        };
        let resp = match req.send().await {
            Ok(resp) => resp,
            Err(e) => {
                let error = self.transport(url, &e);
                // A refused connection never reached the server, so even a write may be
                // sent again; a timeout may have, so a write is not.
                return if e.is_connect() || (idempotent && (e.is_timeout() || e.is_request())) {
                    Attempt::Retry { error, after: None }
                } else {
                    Attempt::Fail(error)
                };
            }
        };
        let status = resp.status();
        let after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                let error = Error::Transport {
                    provider: self.provider.into(),
                    message: format!(
                        "the answer to {method} {} was cut short: {}",
                        url.path(),
                        e.without_url()
                    ),
                };
                return if idempotent {
                    Attempt::Retry { error, after: None }
                } else {
                    Attempt::Fail(error)
                };
            }
        };
        if status.is_success() {
            return Attempt::Done(bytes);
        }
        tracing::debug!(provider = self.provider, %method, url = %redact::url(url), status = status.as_u16(), "error answer");
        let failure: Failure = (self.parse_error)(status, &bytes);
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

fn secret_header(provider: &str, value: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::Config(format!(
            "{provider}: the API key holds characters a header cannot carry"
        ))
    })?;
    // Marks the value so reqwest's and hyper's Debug output print "Sensitive".
    v.set_sensitive(true);
    Ok(v)
}
