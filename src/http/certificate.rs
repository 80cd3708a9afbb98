//! What a certificate says, in the words an administrator compares: subject, issuer,
//! validity, names, and the SHA-256 fingerprints of the certificate and of its public key
//! (the values `pin_sha256` takes). Read with x509-parser; rustls itself keeps these
//! fields private.

use chrono::{DateTime, Utc};
use std::net::IpAddr;

/// One certificate as `tix tls show` prints it and the verifier's messages quote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// The subject's distinguished name (`CN=sonar.example, O=Example`).
    pub subject: String,
    pub issuer: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// The DNS names and IP addresses of its subjectAltName; the only names a client
    /// checks (RFC 6125 §6.4.4: the CN is ignored once a SAN exists, and rustls never
    /// reads it).
    pub names: Vec<String>,
    /// Issued by itself: subject and issuer are the same name.
    pub self_issued: bool,
    /// basicConstraints CA:TRUE (what `openssl req -x509` writes by default).
    pub is_ca: bool,
    /// SHA-256 of the whole certificate (DER): `openssl x509 -fingerprint -sha256`.
    pub sha256: [u8; 32],
    /// SHA-256 of its SubjectPublicKeyInfo (DER): curl's `--pinnedpubkey sha256//…`,
    /// unchanged when the same key is certified again, by the same CA or another.
    pub spki_sha256: [u8; 32],
}

impl CertSummary {
    /// Reads a DER certificate; `None` when it is not one x509-parser can read.
    pub fn read(der: &[u8]) -> Option<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        let tbs = &cert.tbs_certificate;
        let time = |t: &x509_parser::time::ASN1Time| DateTime::from_timestamp(t.timestamp(), 0);
        let names = match tbs.subject_alternative_name() {
            Ok(Some(san)) => san
                .value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    x509_parser::extensions::GeneralName::DNSName(d) => Some(printable(d)),
                    x509_parser::extensions::GeneralName::IPAddress(ip) => ip_text(ip),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        Some(CertSummary {
            subject: printable(&tbs.subject().to_string()),
            issuer: printable(&tbs.issuer().to_string()),
            not_before: time(&tbs.validity().not_before)?,
            not_after: time(&tbs.validity().not_after)?,
            names,
            self_issued: tbs.subject().as_raw() == tbs.issuer().as_raw(),
            is_ca: tbs.is_ca(),
            sha256: sha256(der),
            spki_sha256: sha256(tbs.public_key().raw),
        })
    }

    /// The subject's common name, for messages about a certificate without a SAN.
    pub fn common_name(&self) -> Option<&str> {
        self.subject
            .split(", ")
            .find_map(|part| part.strip_prefix("CN="))
    }

    /// Why this certificate is not valid at `now`, if it is not.
    pub fn validity_problem(&self, now: DateTime<Utc>) -> Option<super::tls_errors::Reason> {
        use super::tls_errors::Reason;
        if now > self.not_after {
            Some(Reason::Expired {
                not_after: self.not_after,
            })
        } else if now < self.not_before {
            Some(Reason::NotYetValid {
                not_before: self.not_before,
            })
        } else {
            None
        }
    }
}

/// SHA-256 with the crypto backend rustls already uses (aws-lc-rs).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Lower-case hex without separators: the form `tix tls show` prints for `pin_sha256`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A server chooses every byte of its certificate's names, and they reach the terminal
/// in errors and in `tix tls show`: control characters (ESC sequences) are dropped.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

fn ip_text(raw: &[u8]) -> Option<String> {
    let ip = match raw.len() {
        4 => IpAddr::from(<[u8; 4]>::try_from(raw).ok()?),
        16 => IpAddr::from(<[u8; 16]>::try_from(raw).ok()?),
        _ => return None,
    };
    Some(ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_control_characters() {
        assert_eq!(printable("CN=a\x1b[2Jb\n"), "CN=a[2Jb");
    }

    #[test]
    fn hex_is_lower_case_without_separators() {
        assert_eq!(hex(&[0x00, 0xab, 0x10]), "00ab10");
    }

    #[test]
    fn sha256_of_nothing_is_the_known_digest() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
