//! A refused TLS connection in plain words: why the certificate was refused and the one
//! setting that fixes it. Such a failure is never retried: the same server presents the
//! same certificate on the next attempt.

use chrono::{DateTime, Utc};
use std::error::Error as StdError;
use std::fmt;

/// Why a server's certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Issued by itself and not in the CA file (nor pinned).
    SelfSigned {
        subject: String,
    },
    /// Signed by a CA neither the system nor the CA file trusts.
    UnknownCa {
        issuer: String,
    },
    Expired {
        not_after: DateTime<Utc>,
    },
    NotYetValid {
        not_before: DateTime<Utc>,
    },
    /// The certificate names other hosts than the one in the URL.
    NameMismatch {
        host: String,
        names: Vec<String>,
    },
    /// The certificate has no subjectAltName at all; its CN is not a name clients check.
    NoSubjectAltName {
        host: String,
        common_name: Option<String>,
    },
    /// A pin is set and neither the certificate nor its public key hashes to it.
    PinMismatch,
    Revoked,
    /// Anything else rustls refused, in its own words.
    Other(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::SelfSigned { subject } => {
                write!(
                    f,
                    "the certificate is self-signed ({subject}) and not trusted"
                )
            }
            Reason::UnknownCa { issuer } => {
                write!(f, "the certificate is signed by an unknown CA ({issuer})")
            }
            Reason::Expired { not_after } => write!(
                f,
                "the certificate expired on {}",
                not_after.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            Reason::NotYetValid { not_before } => write!(
                f,
                "the certificate is not valid before {}",
                not_before.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            Reason::NameMismatch { host, names } => write!(
                f,
                "name mismatch: the certificate is for {}, not {host}",
                names.join(", ")
            ),
            Reason::NoSubjectAltName { host, common_name } => {
                write!(
                    f,
                    "the certificate has no subject alternative name for {host}"
                )?;
                if let Some(cn) = common_name {
                    write!(f, " (its CN {cn} is not a name TLS clients check)")?;
                }
                Ok(())
            }
            Reason::PinMismatch => write!(
                f,
                "neither the certificate nor its public key matches pin_sha256"
            ),
            Reason::Revoked => write!(f, "the certificate has been revoked"),
            Reason::Other(text) => write!(f, "the certificate was refused: {text}"),
        }
    }
}

/// The verifier's refusal, carried through rustls inside `CertificateError::Other` so
/// the client can read the reason back from the connection error.
#[derive(Debug, Clone)]
pub struct Refusal(pub Reason);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl StdError for Refusal {}

impl Refusal {
    /// As the error a `ServerCertVerifier` answers.
    pub fn into_rustls(self) -> rustls::Error {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
            std::sync::Arc::new(self),
        )))
    }
}

/// Where the user sets one source's TLS trust, so the error names the exact setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingNames {
    /// `TIX_SONAR`, `TIX_CW`: `<prefix>_CA_FILE`, `<prefix>_PIN_SHA256`, `<prefix>_URL`.
    pub env_prefix: String,
    /// Whether the source can come from a profile (`ca_file`, `pin_sha256` keys);
    /// ConnectWise is configured by environment only.
    pub profile: bool,
}

impl SettingNames {
    /// A provider's names: `TIX_<PROVIDER>_*` and a profile.
    pub fn provider(provider: &str) -> Self {
        SettingNames {
            env_prefix: format!("TIX_{}", provider.to_ascii_uppercase()),
            profile: true,
        }
    }

    fn pin(&self) -> String {
        if self.profile {
            format!(
                "pin_sha256 in the profile or {}_PIN_SHA256",
                self.env_prefix
            )
        } else {
            format!("{}_PIN_SHA256", self.env_prefix)
        }
    }

    /// The one-line advice that goes with `reason` for a server at `origin`.
    pub fn fix(&self, reason: &Reason, origin: &str) -> String {
        let p = &self.env_prefix;
        let show = format!("`tix tls show {origin}` prints its fingerprints");
        match reason {
            Reason::SelfSigned { .. } | Reason::UnknownCa { .. } | Reason::Other(_) => format!(
                "to trust it, set {p}_CA_FILE=<the certificate or its CA, PEM>{}, or {} ({show})",
                if self.profile {
                    " or ca_file in the profile"
                } else {
                    ""
                },
                self.pin()
            ),
            Reason::Expired { .. } => {
                "renew the certificate on the server; tix does not accept an expired one".into()
            }
            Reason::NotYetValid { .. } => {
                "check this machine's clock, or the certificate's start date on the server".into()
            }
            Reason::NameMismatch { .. } => format!(
                "use one of those names in {p}_URL{}, or set {} ({show})",
                if self.profile {
                    " or the profile's base_url"
                } else {
                    ""
                },
                self.pin()
            ),
            Reason::NoSubjectAltName { host, .. } => {
                let kind = if host.parse::<std::net::IpAddr>().is_ok() {
                    "IP"
                } else {
                    "DNS"
                };
                format!(
                    "reissue it with subjectAltName={kind}:{host}, or set {} ({show})",
                    self.pin()
                )
            }
            Reason::PinMismatch => format!(
                "if the server's certificate changed on purpose, update {} ({show})",
                self.pin()
            ),
            Reason::Revoked => "the server needs a new certificate".into(),
        }
    }
}

/// What went wrong in a TLS handshake, found in a connection error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// The server's certificate was refused.
    Certificate(Reason),
    /// The handshake failed for another reason rustls gave (no common protocol version
    /// or cipher, the server wants a client certificate, ...).
    Handshake(String),
}

/// The TLS failure behind a connection error, if there is one. Any rustls error is
/// final: it comes from what the server presented, which a retry does not change.
/// A connection cut during the handshake is an I/O error, not this, and stays retryable.
pub fn find(error: &(dyn StdError + 'static)) -> Option<TlsFailure> {
    let tls = find_rustls(error)?;
    Some(match tls {
        rustls::Error::InvalidCertificate(cert) => TlsFailure::Certificate(reason_of(cert)),
        other => TlsFailure::Handshake(other.to_string()),
    })
}

/// The one-line error for a TLS failure reaching `origin`.
pub fn message(failure: &TlsFailure, origin: &str, names: &SettingNames) -> String {
    match failure {
        TlsFailure::Certificate(reason) => format!(
            "cannot trust {origin}: {reason}; {}",
            names.fix(reason, origin)
        ),
        TlsFailure::Handshake(text) => {
            format!("TLS handshake with {origin} failed: {text}")
        }
    }
}

fn reason_of(error: &rustls::CertificateError) -> Reason {
    use rustls::CertificateError as C;
    match error {
        C::Other(other) => match other.0.downcast_ref::<Refusal>() {
            Some(refusal) => refusal.0.clone(),
            None => Reason::Other(other.0.to_string()),
        },
        C::ExpiredContext { not_after, .. } => match date(not_after.as_secs()) {
            Some(not_after) => Reason::Expired { not_after },
            None => Reason::Other(error.to_string()),
        },
        C::NotValidYetContext { not_before, .. } => match date(not_before.as_secs()) {
            Some(not_before) => Reason::NotYetValid { not_before },
            None => Reason::Other(error.to_string()),
        },
        C::NotValidForNameContext {
            expected,
            presented,
        } => Reason::NameMismatch {
            host: expected.to_str().into_owned(),
            names: presented.clone(),
        },
        C::Revoked => Reason::Revoked,
        other => Reason::Other(other.to_string()),
    }
}

pub(super) fn date(secs: u64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(i64::try_from(secs).ok()?, 0)
}

/// Walks the error chain. tokio-rustls reports a refused handshake as an `io::Error`
/// wrapping the rustls error, and `io::Error::source` skips the wrapped error itself,
/// so the wrapped error is looked at explicitly.
fn find_rustls<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(tls) = find_rustls(inner)
        {
            return Some(tls);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sonar() -> SettingNames {
        SettingNames::provider("sonar")
    }

    #[test]
    fn a_refusal_survives_the_trip_through_rustls_and_io() {
        let reason = Reason::SelfSigned {
            subject: "CN=127.0.0.1".into(),
        };
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            Refusal(reason.clone()).into_rustls(),
        );
        assert_eq!(find(&io), Some(TlsFailure::Certificate(reason)));
        let plain = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert_eq!(find(&plain), None);
    }

    #[test]
    fn a_self_signed_certificate_names_the_ca_file_and_the_pin() {
        let failure = TlsFailure::Certificate(Reason::SelfSigned {
            subject: "CN=127.0.0.1".into(),
        });
        assert_eq!(
            message(&failure, "https://127.0.0.1:8443", &sonar()),
            "cannot trust https://127.0.0.1:8443: the certificate is self-signed (CN=127.0.0.1) \
             and not trusted; to trust it, set TIX_SONAR_CA_FILE=<the certificate or its CA, PEM> \
             or ca_file in the profile, or pin_sha256 in the profile or TIX_SONAR_PIN_SHA256 \
             (`tix tls show https://127.0.0.1:8443` prints its fingerprints)"
        );
    }

    #[test]
    fn connectwise_has_no_profile_to_name() {
        let cw = SettingNames {
            env_prefix: "TIX_CW".into(),
            profile: false,
        };
        let fix = cw.fix(
            &Reason::UnknownCa {
                issuer: "CN=Corp CA".into(),
            },
            "https://cw.example",
        );
        assert_eq!(
            fix,
            "to trust it, set TIX_CW_CA_FILE=<the certificate or its CA, PEM>, or \
             TIX_CW_PIN_SHA256 (`tix tls show https://cw.example` prints its fingerprints)"
        );
    }

    #[test]
    fn expiry_and_names_read_plainly() {
        let expired = Reason::Expired {
            not_after: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        };
        assert_eq!(
            expired.to_string(),
            "the certificate expired on 2023-11-14 22:13:20 UTC"
        );
        let names = Reason::NameMismatch {
            host: "127.0.0.1".into(),
            names: vec!["sonar.example".into()],
        };
        assert_eq!(
            names.to_string(),
            "name mismatch: the certificate is for sonar.example, not 127.0.0.1"
        );
        let no_san = Reason::NoSubjectAltName {
            host: "10.0.0.5".into(),
            common_name: Some("10.0.0.5".into()),
        };
        assert!(
            sonar()
                .fix(&no_san, "https://10.0.0.5")
                .starts_with("reissue it with subjectAltName=IP:10.0.0.5")
        );
    }
}
