//! On-prem TLS (issue #23): the real binary against a local rustls HTTPS server that
//! answers a Sonar-shaped ticket page, with certificates made here by rcgen. Each case
//! asserts the connection or the exact error, and that a refused certificate costs one
//! TCP connection, not one per retry.

use crate::harness::{KEY, code, fixture, lines, run, stderr, stdout};
use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, PublicKeyData as _,
    date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A certificate and its key, as the server holds them.
struct Made {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Made {
    fn pem(&self) -> String {
        self.cert.pem()
    }
    fn der(&self) -> CertificateDer<'static> {
        self.cert.der().clone()
    }
}

fn params(cn: &str, names: &[&str], ca: bool) -> CertificateParams {
    let mut p =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = date_time_ymd(2020, 1, 1);
    p.not_after = date_time_ymd(2099, 1, 1);
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    p
}

/// What `openssl req -x509 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1`
/// makes: self-signed, and CA:TRUE, which WebPKI refuses as a server certificate.
fn self_signed(params: CertificateParams) -> Made {
    let key = KeyPair::generate().unwrap();
    Made {
        cert: params.self_signed(&key).unwrap(),
        key,
    }
}

/// A private CA and a leaf it signs.
fn ca_and_leaf(leaf: CertificateParams) -> (Made, Made) {
    let ca_params = params("Appliance Test CA", &[], true);
    let ca = self_signed(ca_params.clone());
    let issuer = Issuer::from_params(&ca_params, &ca.key);
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    (ca, Made { cert, key })
}

fn sha256(data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A local HTTPS server presenting `leaf`, answering every request with one Sonar
/// ticket page; it counts the TCP connections it accepts.
struct Server {
    url: String,
    connections: Arc<AtomicUsize>,
    requests: Arc<std::sync::Mutex<Vec<String>>>,
}

async fn serve(leaf: &Made) -> Server {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der()], key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
    let page = serde_json::json!({
        "total": 1,
        "tickets": [fixture("sonar", "tickets.json")["tickets"][0].clone()],
    })
    .to_string();
    let (count, seen) = (connections.clone(), requests.clone());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let (acceptor, page, seen) = (acceptor.clone(), page.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head);
                seen.lock()
                    .unwrap()
                    .push(text.lines().next().unwrap_or_default().to_owned());
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                    page.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Server {
        url: format!("https://127.0.0.1:{port}"),
        connections,
        requests,
    }
}

impl Server {
    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// `tix list -p sonar -o jsonl` against `server`, with extra environment.
async fn list(server: &Server, extra: &[(&str, &str)]) -> std::process::Output {
    let mut env = vec![
        ("TIX_SONAR_URL", server.url.as_str()),
        ("TIX_SONAR_API_KEY", KEY),
    ];
    env.extend_from_slice(extra);
    run(&["list", "-p", "sonar", "-o", "jsonl"], &env).await
}

fn pem_file(dir: &tempfile::TempDir, name: &str, pem: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, pem).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The error line tix prints for a refused certificate of `server`.
fn refused(server: &Server, reason: &str, fix: &str) -> String {
    format!("tix: sonar: cannot trust {}: {reason}; {fix}\n", server.url)
}

fn trust_fix(server: &Server) -> String {
    format!(
        "to trust it, set TIX_SONAR_CA_FILE=<the certificate or its CA, PEM> or ca_file in the \
         profile, or pin_sha256 in the profile or TIX_SONAR_PIN_SHA256 (`tix tls show {}` \
         prints its fingerprints)",
        server.url
    )
}

fn assert_one_ticket(o: &std::process::Output, server: &Server) {
    assert_eq!(code(o), 0, "{}", stderr(o));
    assert_eq!(lines(o).len(), 1);
    assert_eq!(lines(o)[0]["provider"], "sonar");
    let requests = server.requests.lock().unwrap();
    assert!(
        requests[0].starts_with("GET /api/sonar/tickets?"),
        "{requests:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_self_signed_certificate_in_the_ca_file_is_trusted() {
    let leaf = self_signed(params("127.0.0.1", &["127.0.0.1"], true));
    let server = serve(&leaf).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = pem_file(&dir, "appliance.pem", &leaf.pem());
    let o = list(&server, &[("TIX_SONAR_CA_FILE", &ca)]).await;
    assert_one_ticket(&o, &server);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_untrusted_self_signed_certificate_fails_once_and_says_how_to_trust_it() {
    let leaf = self_signed(params("127.0.0.1", &["127.0.0.1"], true));
    let server = serve(&leaf).await;
    let o = list(&server, &[]).await;
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        refused(
            &server,
            "the certificate is self-signed (CN=127.0.0.1) and not trusted",
            &trust_fix(&server)
        )
    );
    assert_eq!(
        server.connections(),
        1,
        "a refused certificate is not retried"
    );
    assert_eq!(stdout(&o), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_leaf_of_a_private_ca_is_trusted_through_the_ca_file() {
    let (ca, leaf) = ca_and_leaf(params("sonar appliance", &["127.0.0.1"], false));
    let server = serve(&leaf).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = pem_file(&dir, "ca.pem", &ca.pem());
    let o = list(&server, &[("TIX_SONAR_CA_FILE", &ca_file)]).await;
    assert_one_ticket(&o, &server);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_leaf_of_an_unknown_ca_names_the_ca() {
    let (_ca, leaf) = ca_and_leaf(params("sonar appliance", &["127.0.0.1"], false));
    let server = serve(&leaf).await;
    let o = list(&server, &[]).await;
    assert_eq!(
        stderr(&o),
        refused(
            &server,
            "the certificate is signed by an unknown CA (CN=Appliance Test CA)",
            &trust_fix(&server)
        )
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_leaf_says_when_it_expired() {
    let mut p = params("sonar appliance", &["127.0.0.1"], false);
    p.not_before = date_time_ymd(2019, 1, 1);
    p.not_after = date_time_ymd(2021, 3, 4);
    let (ca, leaf) = ca_and_leaf(p);
    let server = serve(&leaf).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = pem_file(&dir, "ca.pem", &ca.pem());
    let o = list(&server, &[("TIX_SONAR_CA_FILE", &ca_file)]).await;
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        refused(
            &server,
            "the certificate expired on 2021-03-04 00:00:00 UTC",
            "renew the certificate on the server; tix does not accept an expired one"
        )
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_self_signed_certificate_in_the_ca_file_is_still_refused() {
    let mut p = params("127.0.0.1", &["127.0.0.1"], true);
    p.not_after = date_time_ymd(2022, 6, 30);
    let leaf = self_signed(p);
    let server = serve(&leaf).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = pem_file(&dir, "appliance.pem", &leaf.pem());
    let o = list(&server, &[("TIX_SONAR_CA_FILE", &ca)]).await;
    assert_eq!(
        stderr(&o),
        refused(
            &server,
            "the certificate expired on 2022-06-30 00:00:00 UTC",
            "renew the certificate on the server; tix does not accept an expired one"
        )
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_mismatch_says_whom_the_certificate_is_for() {
    let (ca, leaf) = ca_and_leaf(params("sonar.example", &["sonar.example"], false));
    let server = serve(&leaf).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = pem_file(&dir, "ca.pem", &ca.pem());
    let o = list(&server, &[("TIX_SONAR_CA_FILE", &ca_file)]).await;
    assert_eq!(
        stderr(&o),
        refused(
            &server,
            "name mismatch: the certificate is for sonar.example, not 127.0.0.1",
            &format!(
                "use one of those names in TIX_SONAR_URL or the profile's base_url, or set \
                 pin_sha256 in the profile or TIX_SONAR_PIN_SHA256 (`tix tls show {}` prints \
                 its fingerprints)",
                server.url
            )
        )
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trusted_self_signed_certificate_without_a_san_says_so() {
    // `openssl req -x509 -subj /CN=127.0.0.1` without -addext: a CN and no SAN.
    let leaf = self_signed(params("127.0.0.1", &[], true));
    let server = serve(&leaf).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = pem_file(&dir, "appliance.pem", &leaf.pem());
    let o = list(&server, &[("TIX_SONAR_CA_FILE", &ca)]).await;
    assert_eq!(
        stderr(&o),
        refused(
            &server,
            "the certificate has no subject alternative name for 127.0.0.1 (its CN 127.0.0.1 \
             is not a name TLS clients check)",
            &format!(
                "reissue it with subjectAltName=IP:127.0.0.1, or set pin_sha256 in the profile \
                 or TIX_SONAR_PIN_SHA256 (`tix tls show {}` prints its fingerprints)",
                server.url
            )
        )
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pin_of_the_leaf_certificate_connects_without_a_ca_file() {
    let (_ca, leaf) = ca_and_leaf(params("sonar appliance", &["127.0.0.1"], false));
    let server = serve(&leaf).await;
    // The colon form `openssl x509 -fingerprint -sha256` prints.
    let pin = sha256(leaf.der().as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    let o = list(&server, &[("TIX_SONAR_PIN_SHA256", &pin)]).await;
    assert_one_ticket(&o, &server);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pin_of_the_key_survives_a_new_certificate_from_another_ca() {
    let (_ca, first) = ca_and_leaf(params("sonar appliance", &["127.0.0.1"], false));
    // curl's form: sha256//base64 of the SubjectPublicKeyInfo.
    let pin = format!(
        "sha256//{}",
        base64::engine::general_purpose::STANDARD
            .encode(sha256(&first.key.subject_public_key_info()))
    );
    // The same key, now in a self-signed certificate.
    let again = Made {
        cert: params("sonar appliance", &["127.0.0.1"], false)
            .self_signed(&first.key)
            .unwrap(),
        key: KeyPair::try_from(first.key.serialize_der().as_slice()).unwrap(),
    };
    for leaf in [first, again] {
        let server = serve(&leaf).await;
        let o = list(&server, &[("TIX_SONAR_PIN_SHA256", &pin)]).await;
        assert_one_ticket(&o, &server);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pin_that_does_not_match_refuses_even_a_trusted_certificate() {
    let (ca, leaf) = ca_and_leaf(params("sonar appliance", &["127.0.0.1"], false));
    let server = serve(&leaf).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = pem_file(&dir, "ca.pem", &ca.pem());
    let other = hex(&sha256(b"another certificate"));
    let o = list(
        &server,
        &[
            ("TIX_SONAR_CA_FILE", &ca_file),
            ("TIX_SONAR_PIN_SHA256", &other),
        ],
    )
    .await;
    assert_eq!(
        stderr(&o),
        refused(
            &server,
            "neither the certificate nor its public key matches pin_sha256",
            &format!(
                "if the server's certificate changed on purpose, update pin_sha256 in the \
                 profile or TIX_SONAR_PIN_SHA256 (`tix tls show {}` prints its fingerprints)",
                server.url
            )
        )
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pin_that_is_not_a_hash_is_a_config_error_before_any_connection() {
    let leaf = self_signed(params("127.0.0.1", &["127.0.0.1"], true));
    let server = serve(&leaf).await;
    let o = list(&server, &[("TIX_SONAR_PIN_SHA256", "not-a-pin")]).await;
    assert_eq!(code(&o), 3);
    assert_eq!(
        stderr(&o),
        "tix: config: sonar: pin_sha256: 'not-a-pin' is neither 64 hex digits nor base64\n"
    );
    assert_eq!(server.connections(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn connectwise_names_its_own_variables() {
    let leaf = self_signed(params("127.0.0.1", &["127.0.0.1"], true));
    let server = serve(&leaf).await;
    let o = run(
        &[
            "cw",
            "check",
            "--board",
            "SOC",
            "--status",
            "New",
            "--company",
            "Acme",
        ],
        &[
            ("TIX_CW_SITE", server.url.as_str()),
            ("TIX_CW_COMPANY", "acme"),
            ("TIX_CW_PUBLIC_KEY", "pub"),
            ("TIX_CW_PRIVATE_KEY", "priv"),
            ("TIX_CW_CLIENT_ID", "00000000-0000-0000-0000-000000000000"),
            ("TIX_CW_CODEBASE", "v2025_1/"),
        ],
    )
    .await;
    assert!(
        stderr(&o).ends_with(&format!(
            "cannot trust {0}: the certificate is self-signed (CN=127.0.0.1) and not trusted; \
             to trust it, set TIX_CW_CA_FILE=<the certificate or its CA, PEM>, or \
             TIX_CW_PIN_SHA256 (`tix tls show {0}` prints its fingerprints)\n",
            server.url
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(server.connections(), 1);
    // With the certificate trusted, the same request reaches the server.
    let dir = tempfile::tempdir().unwrap();
    let ca = pem_file(&dir, "cw.pem", &leaf.pem());
    let o = run(
        // This server answers a Sonar page, which ConnectWise would retry as malformed.
        &[
            "cw",
            "check",
            "--board",
            "SOC",
            "--status",
            "New",
            "--company",
            "Acme",
            "--retries",
            "0",
        ],
        &[
            ("TIX_CW_SITE", server.url.as_str()),
            ("TIX_CW_COMPANY", "acme"),
            ("TIX_CW_PUBLIC_KEY", "pub"),
            ("TIX_CW_PRIVATE_KEY", "priv"),
            ("TIX_CW_CLIENT_ID", "00000000-0000-0000-0000-000000000000"),
            ("TIX_CW_CODEBASE", "v2025_1/"),
            ("TIX_CW_CA_FILE", &ca),
        ],
    )
    .await;
    assert!(!stderr(&o).contains("cannot trust"), "{}", stderr(&o));
    let requests = server.requests.lock().unwrap();
    assert!(
        requests[0].starts_with("GET /v2025_1/apis/3.0/"),
        "{requests:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_show_prints_the_fingerprints_to_pin_and_the_verdict() {
    let leaf = self_signed(params("127.0.0.1", &["127.0.0.1"], true));
    let server = serve(&leaf).await;
    let o = run(
        &["tls", "show", &server.url],
        &[("TIX_SONAR_URL", server.url.as_str())],
    )
    .await;
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    let cert = hex(&sha256(leaf.der().as_ref()));
    let key = hex(&sha256(&leaf.key.subject_public_key_info()));
    assert!(out.contains(&format!("  sha256      {cert}\n")), "{out}");
    assert!(out.contains(&format!("  key sha256  {key}\n")), "{out}");
    assert!(
        out.contains("  issuer      CN=127.0.0.1 (self-signed)\n"),
        "{out}"
    );
    assert!(out.contains("  names       127.0.0.1\n"), "{out}");
    assert!(
        out.contains("settings: sonar (TIX_SONAR_*): ca_file -, pin_sha256 -\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "trusted: no, the certificate is self-signed (CN=127.0.0.1) and not trusted\n"
        ),
        "{out}"
    );
    assert_eq!(
        server.requests.lock().unwrap().len(),
        0,
        "no HTTP request is sent"
    );
    // The key pin it printed is accepted.
    let o = run(
        &["tls", "show", &server.url, "--pin-sha256", &key],
        &[("TIX_SONAR_URL", server.url.as_str())],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("trusted: yes, its public key matches pin_sha256\n"),
        "{}",
        stdout(&o)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn config_show_prints_the_pin() {
    let pin = hex(&sha256(b"appliance key"));
    let o = run(
        &["config", "show", "--json"],
        &[
            ("TIX_SONAR_URL", "https://10.0.0.5:8443"),
            ("TIX_SONAR_API_KEY", KEY),
            ("TIX_SONAR_PIN_SHA256", &pin),
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let shown: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sonar = &shown["sources"][0];
    assert_eq!(sonar["selection"], "--provider sonar");
    assert_eq!(sonar["settings"]["pin_sha256"]["value"], pin.as_str());
    assert_eq!(
        sonar["settings"]["pin_sha256"]["from"],
        "env TIX_SONAR_PIN_SHA256"
    );
    let o = run(
        &["config", "show"],
        &[
            ("TIX_SONAR_URL", "https://10.0.0.5:8443"),
            ("TIX_SONAR_API_KEY", KEY),
            ("TIX_SONAR_PIN_SHA256", &pin),
        ],
    )
    .await;
    assert!(stdout(&o).contains("pin_sha256"), "{}", stdout(&o));
    assert!(stdout(&o).contains(&pin), "{}", stdout(&o));
}
