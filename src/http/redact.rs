//! Keeping secrets out of log lines and error messages.

use url::Url;

/// Query parameters whose values are masked wherever a URL is shown: pre-signed
/// download links and some APIs carry credentials in the query string.
const SENSITIVE: &[&str] = &[
    "token",
    "key",
    "secret",
    "password",
    "signature",
    "sig",
    "credential",
    "auth",
];

/// The URL as it may appear in a log line: sensitive query values and any
/// userinfo replaced by `***`.
pub fn url(u: &Url) -> String {
    let mut shown = u.clone();
    if !shown.username().is_empty() {
        let _ = shown.set_username("***");
    }
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    if shown.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let lower = k.to_ascii_lowercase();
                let secret = SENSITIVE.iter().any(|s| lower.contains(s));
                (
                    k.into_owned(),
                    if secret { "***".into() } else { v.into_owned() },
                )
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}

/// A URL as written in a config file or the environment, for `config show`: like
/// [`url`] when it parses; when it does not, any `user:password@` before the host is
/// still masked, since a typo elsewhere in the URL must not show the password.
pub fn url_text(raw: &str) -> String {
    if let Ok(u) = Url::parse(raw.trim()) {
        let shown = url(&u);
        // Nothing masked: the text as the user wrote it (no added `/`), so `config show`
        // shows what is in the file.
        return if shown == u.as_str() {
            raw.to_owned()
        } else {
            shown
        };
    }
    let (scheme, rest) = match raw.find("://") {
        Some(i) => raw.split_at(i + 3),
        None => ("", raw),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_urls_lose_their_user_info_even_when_broken() {
        assert_eq!(
            url_text("https://bob:hunter2@sonar.example/x"),
            "https://***:***@sonar.example/x"
        );
        assert_eq!(
            url_text("https://bob:hunter2@sonar example/x"),
            "https://***@sonar example/x"
        );
        // Nothing to mask: shown as written, not normalized.
        assert_eq!(url_text("https://sonar.example"), "https://sonar.example");
        assert_eq!(url_text("not a url"), "not a url");
    }

    #[test]
    fn masks_credentials_in_query_and_userinfo() {
        let u = Url::parse(
            "https://user:pw@s3.example/f?X-Amz-Signature=abc&X-Amz-Credential=k&offset=5&api_key=z",
        )
        .unwrap();
        let shown = url(&u);
        assert!(!shown.contains("abc") && !shown.contains("pw") && !shown.contains("=z"));
        assert!(shown.contains("offset=5"), "{shown}");
    }

    #[test]
    fn leaves_plain_urls_alone() {
        let u = Url::parse("https://h/api/sonar/tickets?offset=0&limit=10").unwrap();
        assert_eq!(url(&u), "https://h/api/sonar/tickets?offset=0&limit=10");
    }
}
