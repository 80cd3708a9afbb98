//! Whom a client trusts, for on-prem servers as well as public ones.
//!
//! One verifier decides, in this order:
//! 1. **A pin** (`pin_sha256`, for the base URL's host only): the server's own (leaf)
//!    certificate must hash to a pin, or its public key (SubjectPublicKeyInfo) must.
//!    When a pin is set it alone decides, CA and hostname aside, so an appliance whose
//!    certificate is re-issued by another CA with the same key keeps working; the
//!    validity dates are still checked. Intermediates and roots are never matched: a
//!    server may present any public certificate, but only the leaf's key signs the
//!    handshake.
//! 2. **A certificate in the CA file presented exactly** (same DER): trusted as itself,
//!    which is how a self-signed appliance certificate is trusted (WebPKI alone refuses a
//!    CA certificate used as a server's, `CaUsedAsEndEntity`). Validity dates and the
//!    hostname are still checked.
//! 3. **WebPKI**: the platform verifier reqwest uses by default (the system's roots),
//!    plus the CA file's certificates as extra roots.
//!
//! There is no switch that turns verification off. A refusal carries its [`Reason`] to
//! the client, which prints it with the setting that fixes it (`tls_errors`).

use super::certificate::{CertSummary, sha256};
use super::tls_errors::{Reason, Refusal, TlsFailure};
use crate::error::{Error, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

/// The trust settings of one source, as the user gave them.
#[derive(Debug, Clone, Default)]
pub struct Trust<'a> {
    /// PEM certificates: CAs to trust, or a server's own self-signed certificate.
    pub ca_file: Option<&'a Path>,
    /// One or more SHA-256 pins, comma-separated (see [`parse_pins`]).
    pub pin_sha256: Option<&'a str>,
}

/// How a server came to be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trusted {
    PinnedCertificate,
    PinnedKey,
    /// The CA file holds exactly the certificate the server presented.
    InCaFile,
    /// A chain to a root of the system or of the CA file.
    WebPki,
}

impl std::fmt::Display for Trusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Trusted::PinnedCertificate => "its certificate matches pin_sha256",
            Trusted::PinnedKey => "its public key matches pin_sha256",
            Trusted::InCaFile => "the CA file holds exactly this certificate",
            Trusted::WebPki => "it chains to a trusted root (the system's or the CA file's)",
        })
    }
}

/// Parses `pin_sha256`: comma-separated SHA-256 values, each as 64 hex digits (colons
/// allowed, as `openssl x509 -fingerprint -sha256` prints them) or as base64 (curl's
/// `sha256//…`). Several pins let a certificate be rotated without an outage.
pub fn parse_pins(text: &str) -> std::result::Result<Vec<[u8; 32]>, String> {
    use base64::Engine as _;
    let mut pins = Vec::new();
    for raw in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let body = raw
            .strip_prefix("sha256//")
            .or_else(|| raw.strip_prefix("sha256:"))
            .unwrap_or(raw);
        let hex: String = body.chars().filter(|c| *c != ':').collect();
        let bytes = if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
                .collect::<std::result::Result<Vec<u8>, _>>()
                .map_err(|e| e.to_string())?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(body)
                .map_err(|_| format!("'{raw}' is neither 64 hex digits nor base64"))?
        };
        let pin: [u8; 32] = bytes
            .try_into()
            .map_err(|_| format!("'{raw}' is not a SHA-256 value (32 bytes)"))?;
        pins.push(pin);
    }
    if pins.is_empty() {
        return Err("no pin given".into());
    }
    Ok(pins)
}

/// The rustls configuration a client of `base_url` uses under `trust`; `who` names the
/// source in errors about the settings themselves.
pub fn client_config(who: &str, base_url: &Url, trust: &Trust<'_>) -> Result<rustls::ClientConfig> {
    let verifier = Verifier::new(who, base_url, trust)?;
    let provider = verifier.provider.clone();
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        // rustls speaks only TLS 1.2 and 1.3: DESIGN.md's "TLS 1.2 minimum".
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("{who}: TLS setup: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // reqwest sets ALPN only on configurations it builds itself.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

#[derive(Debug)]
struct Verifier {
    webpki: Arc<dyn ServerCertVerifier>,
    provider: Arc<CryptoProvider>,
    /// The CA file's certificates: a server presenting one of them exactly is trusted.
    exact: Vec<CertificateDer<'static>>,
    pins: Vec<[u8; 32]>,
    /// Pins hold for this host only: a download from another host (a pre-signed
    /// storage URL) is verified as usual.
    pinned_host: Option<ServerName<'static>>,
}

impl Verifier {
    fn new(who: &str, base_url: &Url, trust: &Trust<'_>) -> Result<Self> {
        let provider = CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
        let exact = match trust.ca_file {
            Some(path) => read_ca_file(who, path)?,
            None => Vec::new(),
        };
        let platform = if exact.is_empty() {
            rustls_platform_verifier::Verifier::new(provider.clone())
        } else {
            rustls_platform_verifier::Verifier::new_with_extra_roots(
                exact.iter().cloned(),
                provider.clone(),
            )
        }
        .map_err(|e| Error::Config(format!("{who}: cannot load the trusted roots: {e}")))?;
        let pins = match trust.pin_sha256 {
            Some(text) => {
                parse_pins(text).map_err(|e| Error::Config(format!("{who}: pin_sha256: {e}")))?
            }
            None => Vec::new(),
        };
        Ok(Verifier {
            webpki: Arc::new(platform),
            provider,
            exact,
            pins,
            pinned_host: server_name(base_url),
        })
    }

    /// The decision, with how the server was trusted or why it was not.
    fn decide(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<Trusted, Reason> {
        let summary = CertSummary::read(end_entity);
        let when = super::tls_errors::date(now.as_secs());
        let dates = |summary: &Option<CertSummary>| match (summary, when) {
            (Some(s), Some(when)) => s.validity_problem(when).map_or(Ok(()), Err),
            _ => Err(Reason::Other("the certificate cannot be read".into())),
        };
        if !self.pins.is_empty() && self.pinned_host.as_ref() == Some(server_name) {
            let parsed = rustls::server::ParsedCertificate::try_from(end_entity)
                .map_err(|e| Reason::Other(e.to_string()))?;
            let how = if self.pins.contains(&sha256(end_entity)) {
                Trusted::PinnedCertificate
            } else if self
                .pins
                .contains(&sha256(parsed.subject_public_key_info().as_ref()))
            {
                Trusted::PinnedKey
            } else {
                return Err(Reason::PinMismatch);
            };
            dates(&summary)?;
            return Ok(how);
        }
        if self.exact.iter().any(|c| c.as_ref() == end_entity.as_ref()) {
            dates(&summary)?;
            let parsed = rustls::server::ParsedCertificate::try_from(end_entity)
                .map_err(|e| Reason::Other(e.to_string()))?;
            rustls::client::verify_server_name(&parsed, server_name)
                .map_err(|_| name_reason(summary.as_ref(), server_name))?;
            return Ok(Trusted::InCaFile);
        }
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(_) => Ok(Trusted::WebPki),
            Err(e) => Err(explain(&e, summary.as_ref(), intermediates, server_name)),
        }
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        self.decide(end_entity, intermediates, server_name, ocsp_response, now)
            .map(|_| ServerCertVerified::assertion())
            .map_err(|reason| Refusal(reason).into_rustls())
    }

    // The handshake signature proves the server holds the leaf's key whichever way the
    // leaf was trusted; it does not depend on the chain.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// WebPKI's refusal in plain words, using what the certificate says.
fn explain(
    error: &rustls::Error,
    leaf: Option<&CertSummary>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
) -> Reason {
    use rustls::CertificateError as C;
    let rustls::Error::InvalidCertificate(cert_error) = error else {
        return Reason::Other(error.to_string());
    };
    match (cert_error, leaf) {
        // A self-issued leaf with nothing above it: whether WebPKI says "unknown issuer"
        // or "CA used as end entity" (a CA:TRUE self-signed certificate), it is the
        // self-signed case.
        (C::UnknownIssuer | C::Other(_), Some(leaf))
            if leaf.self_issued && intermediates.is_empty() =>
        {
            Reason::SelfSigned {
                subject: leaf.subject.clone(),
            }
        }
        (C::UnknownIssuer, _) => Reason::UnknownCa {
            issuer: intermediates
                .last()
                .and_then(|c| CertSummary::read(c))
                .or_else(|| leaf.cloned())
                .map_or_else(|| "issuer unreadable".into(), |c| c.issuer),
        },
        (C::Expired | C::ExpiredContext { .. }, Some(leaf)) => Reason::Expired {
            not_after: leaf.not_after,
        },
        (C::NotValidYet | C::NotValidYetContext { .. }, Some(leaf)) => Reason::NotYetValid {
            not_before: leaf.not_before,
        },
        (C::NotValidForName | C::NotValidForNameContext { .. }, _) => {
            name_reason(leaf, server_name)
        }
        (C::Revoked, _) => Reason::Revoked,
        _ => Reason::Other(cert_error.to_string()),
    }
}

fn name_reason(leaf: Option<&CertSummary>, server_name: &ServerName<'_>) -> Reason {
    let host = server_name.to_str().into_owned();
    match leaf {
        Some(leaf) if leaf.names.is_empty() => Reason::NoSubjectAltName {
            host,
            common_name: leaf.common_name().map(str::to_owned),
        },
        Some(leaf) => Reason::NameMismatch {
            host,
            names: leaf.names.clone(),
        },
        None => Reason::Other(format!("the certificate is not valid for {host}")),
    }
}

fn read_ca_file(who: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let pem = std::fs::read(path).map_err(|e| {
        Error::Config(format!(
            "{who}: cannot read ca_file {}: {e}",
            path.display()
        ))
    })?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::Config(format!(
                "{who}: ca_file {} is not a PEM certificate: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "{who}: ca_file {} holds no PEM certificate",
            path.display()
        )));
    }
    Ok(certs)
}

/// The TLS name of a URL's host (an IP address or a DNS name).
fn server_name(url: &Url) -> Option<ServerName<'static>> {
    match url.host()? {
        url::Host::Domain(d) => ServerName::try_from(d.to_owned()).ok(),
        url::Host::Ipv4(ip) => Some(ServerName::IpAddress(std::net::IpAddr::V4(ip).into())),
        url::Host::Ipv6(ip) => Some(ServerName::IpAddress(std::net::IpAddr::V6(ip).into())),
    }
}

/// What `tix tls show` learns from one handshake.
#[derive(Debug)]
pub struct Inspection {
    /// The certificates the server presented, leaf first; `None` for one that cannot be read.
    pub chain: Vec<Option<CertSummary>>,
    /// Trusted, and how; or refused, and why.
    pub verdict: std::result::Result<Trusted, Reason>,
    /// `TLSv1_3`, when the handshake completed.
    pub protocol: Option<String>,
}

/// Keeps what the server presented and the verifier's decision, then answers as the
/// verifier did: an untrusted server's handshake still fails, and nothing is ever sent
/// over the connection.
#[derive(Debug)]
struct Recorder {
    inner: Verifier,
    /// The chain and the decision; `protocol` is filled in after the handshake.
    seen: Mutex<Option<Inspection>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let decision =
            self.inner
                .decide(end_entity, intermediates, server_name, ocsp_response, now);
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| CertSummary::read(c))
            .collect();
        let answer = match &decision {
            Ok(_) => Ok(ServerCertVerified::assertion()),
            Err(reason) => Err(Refusal(reason.clone()).into_rustls()),
        };
        *self.seen.lock().expect("not poisoned") = Some(Inspection {
            chain,
            verdict: decision,
            protocol: None,
        });
        answer
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Connects to `url`'s host, completes (or fails) one TLS handshake under `trust`, and
/// reports the chain and the decision. Sends no HTTP request. Does not go through
/// `HTTPS_PROXY`: it shows what the server itself presents.
pub async fn inspect(url: &Url, trust: &Trust<'_>, timeout: Duration) -> Result<Inspection> {
    let who = "tls";
    let name = server_name(url)
        .ok_or_else(|| Error::invalid("URL", url.as_str(), "an https:// URL with a host"))?;
    let port = url.port_or_known_default().unwrap_or(443);
    let host = match url.host() {
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        _ => url.host_str().unwrap_or_default().to_owned(),
    };
    let verifier = Arc::new(Recorder {
        inner: Verifier::new(who, url, trust)?,
        seen: Mutex::new(None),
    });
    let mut config = rustls::ClientConfig::builder_with_provider(verifier.inner.provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let transport = |message: String| Error::Transport {
        provider: who.into(),
        message,
    };
    let tcp = tokio::time::timeout(
        timeout,
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    .map_err(|_| transport(format!("timed out connecting to {host}:{port}")))?
    .map_err(|e| transport(format!("could not connect to {host}:{port}: {e}")))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let handshake = tokio::time::timeout(timeout, connector.connect(name, tcp))
        .await
        .map_err(|_| transport(format!("the TLS handshake with {host}:{port} timed out")))?;
    let protocol = handshake
        .as_ref()
        .ok()
        .and_then(|s| s.get_ref().1.protocol_version())
        .map(|v| format!("{v:?}"));
    let seen = verifier.seen.lock().expect("not poisoned").take();
    match (seen, handshake) {
        (Some(seen), _) => Ok(Inspection { protocol, ..seen }),
        // The handshake failed before any certificate was seen.
        (None, Err(e)) => Err(transport(match super::tls_errors::find(&e) {
            Some(TlsFailure::Handshake(text)) => {
                format!("TLS handshake with {host}:{port} failed: {text}")
            }
            _ => format!("TLS handshake with {host}:{port} failed: {e}"),
        })),
        (None, Ok(_)) => Err(transport(format!(
            "{host}:{port} completed a handshake without presenting a certificate"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_read_hex_with_colons_and_curl_base64() {
        let hex = "AB:".repeat(31) + "AB";
        assert_eq!(parse_pins(&hex).unwrap(), vec![[0xab; 32]]);
        let b64 = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode([7u8; 32])
        };
        let both = format!("sha256//{b64}, {}", "00".repeat(32));
        assert_eq!(parse_pins(&both).unwrap(), vec![[7; 32], [0; 32]]);
    }

    #[test]
    fn a_pin_that_is_not_sha256_is_refused_with_its_text() {
        assert_eq!(
            parse_pins("not-a-pin").unwrap_err(),
            "'not-a-pin' is neither 64 hex digits nor base64"
        );
        assert_eq!(parse_pins(" , ").unwrap_err(), "no pin given");
        let short = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode([1u8; 20])
        };
        assert!(
            parse_pins(&short)
                .unwrap_err()
                .contains("not a SHA-256 value")
        );
    }
}
