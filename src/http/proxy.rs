//! Which requests may go through a proxy (`http_proxy`, `https_proxy`, `all_proxy`).
//!
//! An `https://` request through a proxy is a CONNECT tunnel: the proxy sees the host
//! name, never the API key. A plain `http://` request through a proxy hands the proxy the
//! whole request, key included. tix sends plain http only to loopback (the simulator, a
//! local tunnel), and a loopback address means this machine, never a proxy: so loopback
//! bypasses every proxy, and no key ever travels in clear through one.

use super::is_loopback;
use url::Url;

/// The builder for a client whose every request goes to `base`'s host.
pub fn apply(builder: reqwest::ClientBuilder, base: &Url) -> reqwest::ClientBuilder {
    if is_loopback(base) {
        builder.no_proxy()
    } else {
        builder
    }
}

/// Whether a credential may be sent to `url`: only over TLS, or to loopback. The base URL
/// is checked when the client is built; this guards URLs a provider hands back (download
/// links, `Location` headers).
pub fn may_carry_secret(url: &Url) -> bool {
    url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_go_over_tls_or_stay_on_this_machine() {
        let ok = [
            "https://h/x",
            "http://127.0.0.1:9/x",
            "http://localhost/x",
            "http://[::1]/",
        ];
        for u in ok {
            assert!(may_carry_secret(&u.parse().unwrap()), "{u}");
        }
        for u in ["http://h/x", "http://10.0.0.1/x", "ftp://h/x"] {
            assert!(!may_carry_secret(&u.parse().unwrap()), "{u}");
        }
    }
}
