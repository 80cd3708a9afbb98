//! One case and what hangs off it: get, comments, close, create, update, attachments
//! and tags (vendor-docs/argus-case-api.txt, each section named below).
//!
//! Writes that may have acted on the server (a comment, a close, a create, an update
//! carrying a comment, an upload, a tag) are sent once: a retry could add them twice.

use super::{ArgusSource, NAME, decode, map, upload, wire};
use crate::error::{Error, Result};
use crate::http::Body;
use crate::model::{Attachment, Comment, NewTicket, Priority, Status, Ticket, TicketUpdate};
use reqwest::Method;
use serde_json::{Map, Value, json};
use std::path::Path;
use tokio::io::AsyncWrite;

const CASE: &str = "cases/v2/case";

/// `limit=0`: every item, not the default first 25 (research §1.11 item 7).
fn all() -> [(&'static str, String); 1] {
    [("limit", "0".to_owned())]
}

/// A case id as Argus takes it: a positive integer.
fn case_id(id: &str) -> Result<String> {
    match id.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n.to_string()),
        _ => Err(Error::invalid(
            "<id>",
            id,
            "an Argus case id, a positive number such as 123456",
        )),
    }
}

/// Argus's 404 names no id; the caller knows which case it asked for.
fn not_found(id: &str) -> impl FnOnce(Error) -> Error + '_ {
    move |e| match e {
        Error::Api { status: 404, .. } => Error::NotFound {
            provider: NAME.into(),
            id: id.to_owned(),
        },
        e => e,
    }
}

fn data<T>(env: wire::Envelope<T>, id: &str) -> Result<T> {
    env.data.ok_or_else(|| Error::NotFound {
        provider: NAME.into(),
        id: id.to_owned(),
    })
}

impl ArgusSource {
    /// "Fetching a case", with its comments. A merged case answers 301 to the case it
    /// was merged into (research §1.11 item 5); the client follows it, and this says so.
    pub(super) async fn get_case(&self, id: &str) -> Result<Ticket> {
        let n = case_id(id)?;
        let url = self.http.url(&[CASE, &n]);
        let (case, comments) = futures::join!(
            self.http.get_json::<wire::Envelope<Value>>(url, &[]),
            self.list_comments(&n)
        );
        let case: wire::Case = decode(data(case.map_err(not_found(id))?, id)?)?;
        let comments = if case.id.to_string() == n {
            comments?
        } else {
            tracing::warn!(
                "argus: case {n} was merged into case {}; showing case {}",
                case.id,
                case.id
            );
            self.list_comments(&case.id.to_string()).await?
        };
        let mut t = map::ticket(case, None);
        t.comments = Some(comments);
        Ok(t)
    }

    /// One of a case's lists (comments, attachments, tags), every item (`limit=0`).
    async fn case_items<W: serde::de::DeserializeOwned, T>(
        &self,
        id: &str,
        what: &str,
        map: fn(W) -> T,
    ) -> Result<Vec<T>> {
        let n = case_id(id)?;
        let url = self.http.url(&[CASE, &n, what]);
        let env: wire::Envelope<Vec<W>> = self
            .http
            .get_json(url, &all())
            .await
            .map_err(not_found(id))?;
        Ok(env.data.unwrap_or_default().into_iter().map(map).collect())
    }

    /// "Listing comments".
    pub(super) async fn list_comments(&self, id: &str) -> Result<Vec<Comment>> {
        self.case_items::<wire::Comment, _>(id, "comments", map::comment)
            .await
    }

    /// "Adding a comment": `POST …/comments {"comment": …}`, sent once.
    pub(super) async fn post_comment(&self, id: &str, body: &str) -> Result<Comment> {
        let n = case_id(id)?;
        let url = self.http.url(&[CASE, &n, "comments"]);
        let env: wire::Envelope<wire::Comment> = self
            .write(Method::POST, url, json!({ "comment": body }))
            .await
            .map_err(not_found(id))?;
        Ok(map::comment(data(env, id)?))
    }

    /// "Closing a case": `PUT …/close` with the optional comment, sent once.
    pub(super) async fn close_case(&self, id: &str, comment: Option<&str>) -> Result<()> {
        let n = case_id(id)?;
        let url = self.http.url(&[CASE, &n, "close"]);
        let body = match comment {
            Some(c) => json!({ "comment": c }),
            None => json!({}),
        };
        let _: wire::Envelope<Value> = self
            .write(Method::PUT, url, body)
            .await
            .map_err(not_found(id))?;
        Ok(())
    }

    /// "Creating a case": customer, service, type, subject and description; priority
    /// when given, and `accessMode: readRestricted` with `--restricted` ("Creating a
    /// restricted case": the customer's users need explicit access, the SOC keeps its own).
    pub(super) async fn create_case(&self, new: &NewTicket) -> Result<Ticket> {
        let body = create_body(new)?;
        let url = self.http.url(&[CASE]);
        let env: wire::Envelope<Value> = self.write(Method::POST, url, body).await?;
        let case: wire::Case = decode(data(env, "(new)")?)?;
        Ok(map::ticket(case, None))
    }

    /// "Updating a case": `PUT /cases/v2/case/{id}` with status, priority and comment.
    /// Sent once when it carries a comment; without one it is idempotent.
    pub(super) async fn update_case(&self, id: &str, change: &TicketUpdate) -> Result<Ticket> {
        let n = case_id(id)?;
        let body = update_body(change)?;
        let url = self.http.url(&[CASE, &n]);
        let env: wire::Envelope<Value> = self
            .http
            .send_json_idempotent(
                Method::PUT,
                url,
                &[],
                Body::Json(body),
                change.comment.is_none(),
            )
            .await
            .map_err(not_found(id))?;
        Ok(map::ticket(decode(data(env, id)?)?, None))
    }

    /// "Listing attachments" (metadata).
    pub(super) async fn list_attachments(&self, id: &str) -> Result<Vec<Attachment>> {
        self.case_items::<wire::Attachment, _>(id, "attachments", map::attachment)
            .await
    }

    /// "Downloading an attachment": the metadata (for its name), then the raw bytes
    /// streamed into `sink`.
    pub(super) async fn download_attachment(
        &self,
        id: &str,
        attachment: &str,
        sink: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<Attachment> {
        let n = case_id(id)?;
        let what = format!("{n} attachment {attachment}");
        let meta = self.http.url(&[CASE, &n, "attachments", attachment]);
        let env: wire::Envelope<wire::Attachment> = self
            .http
            .get_json(meta, &[])
            .await
            .map_err(not_found(&what))?;
        let found = map::attachment(data(env, &what)?);
        let url = self
            .http
            .url(&[CASE, &n, "attachments", attachment, "download"]);
        self.http
            .download(url, &[], true, sink)
            .await
            .map_err(not_found(&what))?;
        Ok(found)
    }

    /// "Adding an attachment": the file base64-encoded in a JSON body, sent once.
    pub(super) async fn upload_attachment(
        &self,
        id: &str,
        path: &Path,
        name: &str,
    ) -> Result<Attachment> {
        let n = case_id(id)?;
        let body = upload::body(path, name).await?;
        let url = self.http.url(&[CASE, &n, "attachments"]);
        let env: wire::Envelope<wire::Attachment> = self
            .write(Method::POST, url, body)
            .await
            .map_err(not_found(id))?;
        Ok(map::attachment(data(env, id)?))
    }

    /// "Listing tags", as `key/value`.
    pub(super) async fn list_tags(&self, id: &str) -> Result<Vec<String>> {
        self.case_items::<wire::Tag, _>(id, "tags", map::tag).await
    }

    /// "Adding a tag": `{"tags": ["key/value", …]}`, sent once; answers every tag after.
    pub(super) async fn post_tags(&self, id: &str, tags: &[String]) -> Result<Vec<String>> {
        let n = case_id(id)?;
        for t in tags {
            split_tag(t)?;
        }
        let url = self.http.url(&[CASE, &n, "tags"]);
        let _: wire::Envelope<Value> = self
            .write(Method::POST, url, json!({ "tags": tags }))
            .await
            .map_err(not_found(id))?;
        self.list_tags(&n).await
    }

    /// "Removing a tag", by `key/value` or by the tag's id.
    pub(super) async fn delete_tag(&self, id: &str, tag: &str) -> Result<()> {
        let n = case_id(id)?;
        let url = match uuid::Uuid::parse_str(tag) {
            Ok(tag_id) => self
                .http
                .url(&[CASE, &n, "tags", &tag_id.hyphenated().to_string()]),
            Err(_) => {
                let (key, value) = split_tag(tag)?;
                self.http.url(&[CASE, &n, "tags", key, value])
            }
        };
        let _: wire::Envelope<Value> = self
            .http
            .send_json(Method::DELETE, url, &[], Body::Empty)
            .await
            .map_err(not_found(id))?;
        Ok(())
    }

    /// A write sent once.
    async fn write<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        url: url::Url,
        body: Value,
    ) -> Result<T> {
        self.http
            .send_json_idempotent(method, url, &[], Body::Json(body), false)
            .await
    }
}

/// `key/value`, both parts non-empty and the value without a further `/` (it is one
/// path segment of the DELETE).
fn split_tag(tag: &str) -> Result<(&str, &str)> {
    match tag.split_once('/') {
        Some((k, v)) if !k.is_empty() && !v.is_empty() && !v.contains('/') => Ok((k, v)),
        _ => Err(Error::invalid(
            "<TAG>",
            tag,
            "key/value, e.g. campaign/phishing",
        )),
    }
}

fn create_body(new: &NewTicket) -> Result<Value> {
    let service = new
        .service
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            Error::invalid(
                "--service",
                "",
                "required for argus: the service's shortname or id, e.g. support",
            )
        })?;
    let kind = new.kind.as_deref().unwrap_or_default();
    let kind = map::case_type(kind).ok_or_else(|| {
        Error::invalid(
            "--type",
            kind,
            format!("required for argus, one of: {}", map::TYPES.join(", ")),
        )
    })?;
    if new.description.trim().is_empty() {
        return Err(Error::invalid("--description", "", "non-empty text"));
    }
    let mut body = Map::new();
    if let Some(c) = new.tenant.as_deref().filter(|c| !c.trim().is_empty()) {
        body.insert("customer".into(), json!(c));
    }
    body.insert("service".into(), json!(service));
    body.insert("type".into(), json!(kind));
    body.insert("subject".into(), json!(new.title));
    body.insert("description".into(), json!(new.description));
    if let Some(p) = new.priority.and_then(map::priority_word) {
        body.insert("priority".into(), json!(p));
    }
    if new.restricted {
        body.insert("accessMode".into(), json!("readRestricted"));
    }
    Ok(Value::Object(body))
}

fn update_body(change: &TicketUpdate) -> Result<Value> {
    let mut body = Map::new();
    if let Some(st) = change.status {
        let word = map::status_to_set(st).ok_or_else(|| {
            let allowed = if st == Status::Closed {
                "closing is its own step in Argus: tix close argus <id> [--comment TEXT]"
            } else {
                "one of: open, in_progress, waiting_customer, waiting_provider, resolved (argus has no 'new')"
            };
            Error::invalid("--status", st, allowed)
        })?;
        body.insert("status".into(), json!(word));
    }
    if let Some(p) = change.priority {
        let word = map::priority_word(p).ok_or_else(|| {
            Error::invalid(
                "--priority",
                Priority::Unknown,
                "one of: critical, high, medium, low",
            )
        })?;
        body.insert("priority".into(), json!(word));
    }
    if let Some(c) = &change.comment {
        body.insert("comment".into(), json!(c));
    }
    Ok(Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_numbers() {
        assert_eq!(case_id(" 42").unwrap(), "42");
        for bad in ["0", "-1", "abc", "12a"] {
            let e = case_id(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn create_needs_service_and_a_known_type() {
        let mut new = NewTicket {
            title: "s".into(),
            description: "d".into(),
            kind: Some("securityincident".into()),
            ..NewTicket::default()
        };
        assert!(
            create_body(&new)
                .unwrap_err()
                .to_string()
                .contains("--service")
        );
        new.service = Some("support".into());
        new.restricted = true;
        assert_eq!(
            create_body(&new).unwrap(),
            json!({"service": "support", "type": "securityIncident", "subject": "s", "description": "d", "accessMode": "readRestricted"})
        );
        new.kind = Some("incident".into());
        assert!(
            create_body(&new)
                .unwrap_err()
                .to_string()
                .contains("--type")
        );
    }

    #[test]
    fn update_refuses_closed_and_new() {
        for st in [Status::Closed, Status::New] {
            let change = TicketUpdate {
                status: Some(st),
                ..TicketUpdate::default()
            };
            assert!(
                update_body(&change)
                    .unwrap_err()
                    .to_string()
                    .contains("--status")
            );
        }
    }

    #[test]
    fn tags_are_key_slash_value() {
        assert_eq!(
            split_tag("campaign/phishing").unwrap(),
            ("campaign", "phishing")
        );
        for bad in ["vip", "/x", "k/", "a/b/c"] {
            assert!(split_tag(bad).is_err(), "{bad}");
        }
    }
}
