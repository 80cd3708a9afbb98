//! The `--explain` text in one layout for every provider: the request, what the server
//! filters, what tix filters after mapping, and how it pages. One layout, so a
//! multi-provider `tix list --explain` reads as one report and a reader learns it once.

use std::fmt::{Display, Write};

pub(crate) struct Explanation(String);

impl Explanation {
    /// Opens with the provider and the request, e.g. `sonar: GET /api/sonar/tickets`.
    pub fn new(provider: &str, request: impl Display) -> Self {
        Explanation(format!("{provider}: {request}\n"))
    }

    /// One indented `label: text` line.
    pub fn line(mut self, label: &str, text: impl Display) -> Self {
        let _ = writeln!(self.0, "  {label}: {text}");
        self
    }

    /// Says that no request is sent, and why, when no vendor value matches the filter.
    pub fn no_request_if(self, nothing: bool, why: &str) -> Self {
        if nothing {
            self.line("no request", why)
        } else {
            self
        }
    }

    /// The query parameters as sent, `key=value` space-separated.
    pub fn server_params<K: Display, V: Display>(self, params: &[(K, V)]) -> Self {
        let sent: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.line("server-side", or_none(sent.join(" ")))
    }

    /// The filters applied here, after mapping.
    pub fn client(self, filters: &[String]) -> Self {
        self.line("client-side", or_none(filters.join("; ")))
    }

    pub fn pages(self, how: impl Display) -> Self {
        self.line("pages", how)
    }

    pub fn finish(self) -> String {
        self.0
    }
}

fn or_none(text: String) -> String {
    if text.is_empty() {
        "(none)".to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_in_the_shared_layout() {
        let text = Explanation::new("sonar", "GET /api/sonar/tickets")
            .no_request_if(true, "no Sonar status matches the filter")
            .server_params(&[("status", "OPEN"), ("limit", "1000")])
            .client(&[])
            .pages("offset/limit")
            .finish();
        assert_eq!(
            text,
            "sonar: GET /api/sonar/tickets\n  no request: no Sonar status matches the filter\n  server-side: status=OPEN limit=1000\n  client-side: (none)\n  pages: offset/limit\n"
        );
    }
}
