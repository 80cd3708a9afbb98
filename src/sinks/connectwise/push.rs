//! MSSP ticket → ConnectWise service ticket (issue 8, "What to build" 2 and 3).
//!
//! Per ticket: one `POST /service/tickets` the first time (after a lookup by
//! `externalXRef`, so a lost ledger or a run killed between the POST and the ledger write
//! finds the ticket instead of making a second one); then a Discussion note for a change
//! of title, status or priority, one per new MSSP comment, and one per attachment (the
//! file itself through `/system/documents`, under the vendor document's 50 MB limit).
//! Before any note is posted the ticket's notes are read once and tix's marks in them
//! (`marker.rs`) say what is already there, so a note is never posted twice either.
//!
//! A ticket new to ConnectWise brings its history in the create itself (issue 17: ≤ 5
//! requests per new ticket): the comments it already has, and the attachments that need
//! no upload, are sections of the `initialDescription`, each with the mark its note would
//! carry, up to [`FOLD_MAX`] bytes; the rest follow as notes. ConnectWise makes the
//! initial description the ticket's first Discussion entry (research §2.4), so the marks
//! are found there exactly as in notes, and a redone push never writes them again.

use super::NAME;
use super::client::CwClient;
use super::ledger::{Ledger, Mapping, Pushed, TicketKey};
use super::marker::{self, Item};
use super::target::{Target, quoted};
use super::wire::{self, NewNote, NewTicket, PatchOp, Reference};
use crate::error::{Error, Result};
use crate::http::FilePart;
use crate::model::{Attachment, Comment, Ticket};
use crate::source::TicketSource;
use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The vendor document's limit on attachments ("less than 50 MB").
pub const MAX_ATTACHMENT: u64 = 50 * 1024 * 1024;

/// ConnectWise's `summary` limit (research §2.4, `MaxLengthField`).
pub const MAX_SUMMARY: usize = 100;

/// The longest initial description (in UTF-8 bytes) that takes a new ticket's comments
/// and attachment notes as sections. ConnectWise documents no limit on `initialDescription`; this keeps
/// the first Discussion entry readable and the create request small, and a ticket with a
/// longer history gets the rest as notes, one per item, as before.
pub const FOLD_MAX: usize = 8_000;

/// Between the sections of an initial description.
const SECTION: &str = "\n\n---\n\n";

/// What one push did, summed over a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PushReport {
    /// ConnectWise tickets created.
    pub created: usize,
    /// Tickets the ledger did not know that were found by their `externalXRef`.
    pub found: usize,
    /// Changes, comments and attachments written to the Discussion: a note each, or a
    /// section of a new ticket's initial description.
    pub notes: usize,
    pub documents: usize,
}

/// Pushes tickets to one board.
pub struct Pusher<'a> {
    pub cw: &'a CwClient,
    pub target: &'a Target,
}

impl Pusher<'_> {
    /// Brings `ticket` (as `source.get` answers it, with its comments) to ConnectWise.
    pub async fn push(
        &self,
        ledger: &mut dyn Ledger,
        source: &dyn TicketSource,
        ticket: &Ticket,
        report: &mut PushReport,
    ) -> Result<u64> {
        self.push_found(ledger, source, ticket, report, Lookup::Ask, None)
            .await
    }

    /// [`push`](Self::push), with the `externalXRef` lookup of a ticket the ledger does
    /// not know already done (by [`find_many`](Self::find_many)) or still to do, and the
    /// ticket's attachments already read (`Some`, read with the ticket) or still to read.
    pub async fn push_found(
        &self,
        ledger: &mut dyn Ledger,
        source: &dyn TicketSource,
        ticket: &Ticket,
        report: &mut PushReport,
        lookup: Lookup,
        attachments: Option<Vec<Attachment>>,
    ) -> Result<u64> {
        let key = TicketKey::new(&ticket.provider, &ticket.id);
        let now = Pushed::of(ticket);
        let mut notes = Marks::default();
        // Read before a create: those that need no upload go into its description.
        let attachments = match attachments {
            Some(a) => a,
            None if source.capabilities().attachments => source.attachments(&ticket.id).await?,
            None => Vec::new(),
        };
        let mut comments: Vec<_> = ticket
            .comments
            .iter()
            .flatten()
            .filter(|c| !marker::comment_is_tix(&c.body))
            .collect();
        comments.sort_by_key(|c| c.created);
        let found = match ledger.mapping(&key)? {
            Some(m) => Err(m),
            None => Ok(match lookup {
                Lookup::Ask => self.find(&key).await?,
                Lookup::Found(found) => found,
            }),
        };
        let (mut mapping, fresh) = match found {
            Err(m) => (m, false),
            Ok(found) => match found {
                Some(cw_id) => {
                    report.found += 1;
                    // What was pushed before the ledger was lost is unknown: the marks
                    // in the notes decide whether the current state was reported.
                    let m = Mapping {
                        cw_id,
                        pushed: Pushed::default(),
                        cw_seen: None,
                        closed_upstream: false,
                    };
                    (m, false)
                }
                None => {
                    let history = self.history(&key, source, ticket, &comments, &attachments);
                    let cw_id = self.create(&key, ticket, &now, &history.text).await?;
                    crate::sync::crash::point("cw-created");
                    report.created += 1;
                    // Just created: its only note is the description tix wrote, so
                    // there is nothing to read back before the first comment.
                    notes.seen = Some(HashSet::new());
                    let m = Mapping {
                        cw_id,
                        pushed: now.clone(),
                        cw_seen: None,
                        closed_upstream: false,
                    };
                    ledger.set_mapping(&key, &m)?;
                    for item in &history.items {
                        ledger.add_item(&key, item)?;
                        report.notes += 1;
                    }
                    (m, true)
                }
            },
        };
        let cw_id = mapping.cw_id;

        if !fresh && mapping.pushed.fingerprint() != now.fingerprint() {
            let mark = marker::on_note(&key, &Item::State(&now.fingerprint()));
            if !notes.has(self.cw, cw_id, &mark).await? {
                self.patch_changes(cw_id, &mapping.pushed, &now).await?;
                let text = format!("{}\n\n{mark}", change_text(ticket, &mapping.pushed, &now));
                self.note(cw_id, text).await?;
                report.notes += 1;
            }
        }
        mapping.pushed = now;
        ledger.set_mapping(&key, &mapping)?;

        for c in comments {
            let cid = marker::comment_id(c);
            let item = format!("comment:{cid}");
            if ledger.has_item(&key, &item)? {
                continue;
            }
            let mark = marker::on_note(&key, &Item::Comment(&cid));
            if !notes.has(self.cw, cw_id, &mark).await? {
                self.note(cw_id, comment_text(ticket, c, &mark)).await?;
                report.notes += 1;
            }
            ledger.add_item(&key, &item)?;
        }

        for a in &attachments {
            let item = format!("attachment:{}", a.id);
            if ledger.has_item(&key, &item)? {
                continue;
            }
            let mark = marker::on_note(&key, &Item::Attachment(&a.id));
            if !notes.has(self.cw, cw_id, &mark).await? {
                self.attachment(source, ticket, cw_id, a, &mark, report)
                    .await?;
            }
            ledger.add_item(&key, &item)?;
        }
        Ok(cw_id)
    }

    /// A new ticket's initial description: the ticket with its state mark, then its
    /// comments (oldest first) and its attachments that need no upload as sections,
    /// while the whole stays within [`FOLD_MAX`]. Stops at the first item that does not
    /// fit, so what follows as notes keeps the order.
    fn history(
        &self,
        key: &TicketKey,
        source: &dyn TicketSource,
        t: &Ticket,
        comments: &[&Comment],
        attachments: &[Attachment],
    ) -> History {
        let mark = marker::on_note(key, &Item::State(&Pushed::of(t).fingerprint()));
        let mut history = History {
            text: format!("{}\n\n{mark}", description(t)),
            items: Vec::new(),
        };
        let comments = comments.iter().map(|c| {
            let cid = marker::comment_id(c);
            let mark = marker::on_note(key, &Item::Comment(&cid));
            Some((format!("comment:{cid}"), comment_text(t, c, &mark)))
        });
        let attachments = attachments.iter().map(|a| {
            let mark = marker::on_note(key, &Item::Attachment(&a.id));
            let text = attachment_without_upload(source, t, a)?;
            Some((format!("attachment:{}", a.id), format!("{text}\n\n{mark}")))
        });
        for section in comments.chain(attachments) {
            let Some((item, text)) = section else { break };
            if history.text.len() + SECTION.len() + text.len() > FOLD_MAX {
                break;
            }
            history.text.push_str(SECTION);
            history.text.push_str(&text);
            history.items.push(item);
        }
        history
    }

    /// The ConnectWise tickets carrying the `externalXRef`s of `keys`, by xref: one
    /// `conditions=externalXRef in ("…","…")` request per [`XREF_CONDITION_MAX`]
    /// characters of condition (`pageSize=1000`, Link pages followed), not one per
    /// ticket. Where two carry the same xref the older (lower id) wins, as in `find`.
    pub async fn find_many(&self, keys: &[TicketKey]) -> Result<HashMap<String, u64>> {
        let mut out: HashMap<String, u64> = HashMap::new();
        for condition in xref_conditions(keys) {
            let found: Vec<wire::Ticket> = self
                .cw
                .all(
                    &["service/tickets"],
                    Some(&condition),
                    &[("fields", "id,externalXRef".to_owned())],
                )
                .await?;
            for t in found {
                if let Some(x) = t.external_xref {
                    let id = out.entry(x).or_insert(t.id);
                    *id = (*id).min(t.id);
                }
            }
        }
        Ok(out)
    }

    /// The ConnectWise ticket carrying `key`'s `externalXRef`, if one exists.
    pub async fn find(&self, key: &TicketKey) -> Result<Option<u64>> {
        let condition = format!("externalXRef={}", quoted(&key.xref()));
        let found: Vec<wire::Ticket> = self
            .cw
            .all(
                &["service/tickets"],
                Some(&condition),
                &[("fields", "id,externalXRef".to_owned())],
            )
            .await?;
        Ok(found.iter().map(|t| t.id).min())
    }

    async fn create(
        &self,
        key: &TicketKey,
        t: &Ticket,
        now: &Pushed,
        initial_description: &str,
    ) -> Result<u64> {
        debug_assert!(
            initial_description.contains(&marker::on_note(key, &Item::State(&now.fingerprint())))
        );
        let body = NewTicket {
            summary: summary(t),
            board: Reference::id(self.target.board),
            status: Reference::id(self.target.status),
            company: Reference::id(self.target.company),
            priority: self
                .target
                .priorities
                .get(&t.priority)
                .map(|id| Reference::id(*id)),
            initial_description: initial_description.to_owned(),
            external_xref: key.xref(),
        };
        let created: wire::Ticket = self.cw.create(&["service/tickets"], &body).await?;
        tracing::info!(provider = %t.provider, id = %t.id, cw = created.id, "created ConnectWise ticket");
        Ok(created.id)
    }

    /// Keeps the ConnectWise summary and priority in step with the MSSP ticket.
    async fn patch_changes(&self, cw_id: u64, was: &Pushed, now: &Pushed) -> Result<()> {
        let mut ops = Vec::new();
        if was.title.is_some() && was.title != now.title {
            ops.push(PatchOp {
                op: "replace",
                path: "summary".into(),
                value: serde_json::Value::String(truncate(
                    now.title.as_deref().unwrap_or("(no title)"),
                    MAX_SUMMARY,
                )),
            });
        }
        if was.priority.is_some()
            && was.priority != now.priority
            && let Some(p) = now.priority.as_deref().and_then(|p| p.parse().ok())
            && let Some(id) = self.target.priorities.get(&p)
        {
            ops.push(PatchOp {
                op: "replace",
                path: "priority".into(),
                value: serde_json::json!({ "id": id }),
            });
        }
        if !ops.is_empty() {
            let _: serde_json::Value = self
                .cw
                .patch(&["service/tickets", &cw_id.to_string()], &ops)
                .await?;
        }
        Ok(())
    }

    async fn note(&self, cw_id: u64, text: String) -> Result<()> {
        let body = NewNote {
            text,
            detail_description_flag: true,
            internal_analysis_flag: false,
            resolution_flag: false,
        };
        let _: serde_json::Value = self
            .cw
            .create(&["service/tickets", &cw_id.to_string(), "notes"], &body)
            .await?;
        Ok(())
    }

    /// The file through `/system/documents` with a note naming it, as the vendor document
    /// asks ("all attachments are submitted with a comment"); a note alone when the file
    /// is too large or the provider cannot hand it over.
    async fn attachment(
        &self,
        source: &dyn TicketSource,
        t: &Ticket,
        cw_id: u64,
        a: &Attachment,
        mark: &str,
        report: &mut PushReport,
    ) -> Result<()> {
        let name = a.name.clone().unwrap_or_else(|| a.id.clone());
        let fetch = format!("tix attach get {} {} {}", t.provider, t.id, a.id);
        let text = if let Some(text) = attachment_without_upload(source, t, a) {
            text
        } else {
            let mut sink = Capped::default();
            match source.download(&t.id, &a.id, &mut sink).await {
                Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::FileTooLarge => format!(
                    "Attachment on {}: {name} is over ConnectWise's 50 MB limit; fetch it with `{fetch}`.",
                    t.provider
                ),
                Err(e) => return Err(e),
                Ok(_) => {
                    let len = sink.buf.len() as u64;
                    let title = truncate(&name, 100);
                    let file = FilePart {
                        field: "file".into(),
                        file_name: name.clone(),
                        content_type: a
                            .content_type
                            .clone()
                            .unwrap_or_else(|| "application/octet-stream".into()),
                        bytes: bytes::Bytes::from(sink.buf),
                    };
                    let doc = self.cw.upload_ticket_document(cw_id, &title, file).await?;
                    report.documents += 1;
                    format!(
                        "Attachment from {}: {name} ({}), document {}.",
                        t.provider,
                        human_size(len),
                        doc.id
                    )
                }
            }
        };
        self.note(cw_id, format!("{text}\n\n{mark}")).await?;
        report.notes += 1;
        Ok(())
    }
}

/// A new ticket's initial description and the ledger items it carries.
struct History {
    text: String,
    items: Vec<String>,
}

/// The note for one MSSP comment: who, when, the text, the mark.
fn comment_text(t: &Ticket, c: &Comment, mark: &str) -> String {
    let who = c.author.as_deref().unwrap_or("someone");
    let when = c
        .created
        .map(|t| format!(", {}", t.format("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default();
    format!("{who} on {}{when}:\n\n{}\n\n{mark}", t.provider, c.body)
}

/// The note for an attachment that is not uploaded (over 50 MB, or a provider tix cannot
/// download from), without its mark; `None` when the file itself goes to ConnectWise.
fn attachment_without_upload(
    source: &dyn TicketSource,
    t: &Ticket,
    a: &Attachment,
) -> Option<String> {
    let name = a.name.clone().unwrap_or_else(|| a.id.clone());
    let size = a.size.map(human_size).unwrap_or_default();
    if a.size.is_some_and(|s| s > MAX_ATTACHMENT) {
        let fetch = format!("tix attach get {} {} {}", t.provider, t.id, a.id);
        Some(format!(
            "Attachment on {}: {name} ({size}) is over ConnectWise's 50 MB limit; fetch it with `{fetch}`.",
            t.provider
        ))
    } else if !source.capabilities().download {
        Some(format!(
            "Attachment on {}: {name}{} ({} does not let tix download it).",
            t.provider,
            if size.is_empty() {
                String::new()
            } else {
                format!(" ({size})")
            },
            t.provider
        ))
    } else {
        None
    }
}

/// Whether the `externalXRef` lookup of a ticket the ledger does not know is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// Not yet: [`Pusher::push_found`] asks ConnectWise itself.
    Ask,
    /// Done: the ConnectWise ticket found, or none.
    Found(Option<u64>),
}

/// The longest `conditions` value of one batched lookup: percent-encoded (quotes and
/// commas grow to three characters) it stays under the 2,048-character query string IIS
/// accepts by default [I]; about 30 Sonar GUIDs per request.
pub const XREF_CONDITION_MAX: usize = 1500;

/// `externalXRef in ("tix:sonar:1","tix:sonar:2",…)` conditions covering `keys`, each at
/// most [`XREF_CONDITION_MAX`] characters (one xref is at most 100, research §2.4).
pub fn xref_conditions(keys: &[TicketKey]) -> Vec<String> {
    const HEAD: &str = "externalXRef in (";
    let mut out = Vec::new();
    let mut cur = String::new();
    for k in keys {
        let q = quoted(&k.xref());
        if !cur.is_empty() && cur.len() + 1 + q.len() + 1 > XREF_CONDITION_MAX {
            cur.push(')');
            out.push(std::mem::take(&mut cur));
        }
        if cur.is_empty() {
            cur.push_str(HEAD);
        } else {
            cur.push(',');
        }
        cur.push_str(&q);
    }
    if !cur.is_empty() {
        cur.push(')');
        out.push(cur);
    }
    out
}

/// The marks already present in one ConnectWise ticket's notes, read on first need.
#[derive(Default)]
struct Marks {
    seen: Option<HashSet<String>>,
}

impl Marks {
    async fn has(&mut self, cw: &CwClient, cw_id: u64, mark: &str) -> Result<bool> {
        if self.seen.is_none() {
            let notes: Vec<wire::Note> = cw
                .all(&["service/tickets", &cw_id.to_string(), "notes"], None, &[])
                .await?;
            self.seen = Some(
                notes
                    .iter()
                    .filter_map(|n| n.text.as_deref())
                    .flat_map(marks_in)
                    .collect(),
            );
        }
        Ok(self.seen.as_ref().is_some_and(|s| s.contains(mark)))
    }
}

/// Every `[tix:…]` in a note.
fn marks_in(text: &str) -> Vec<String> {
    text.match_indices("[tix:")
        .filter_map(|(at, _)| {
            let rest = &text[at..];
            rest.find(']').map(|end| rest[..=end].to_owned())
        })
        .collect()
}

/// `[sonar 1234] Title`, cut to ConnectWise's 100 characters.
pub fn summary(t: &Ticket) -> String {
    let number = t.number.as_deref().unwrap_or(&t.id);
    let title = t.title.as_deref().unwrap_or("(no title)");
    truncate(&format!("[{} {number}] {title}", t.provider), MAX_SUMMARY)
}

/// `text` in at most `max` characters, ending in `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// The normalized fields, the link, then the provider's description.
pub fn description(t: &Ticket) -> String {
    let mut lines = vec![
        t.title.clone().unwrap_or_else(|| "(no title)".into()),
        String::new(),
        format!("Provider: {}", t.provider),
        format!("Ticket: {}", t.id),
    ];
    let mut field = |name: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            lines.push(format!("{name}: {v}"));
        }
    };
    field("Number", t.number.clone());
    field(
        "Tenant",
        t.tenant.as_ref().and_then(|x| match (&x.name, &x.id) {
            (Some(n), Some(i)) => Some(format!("{n} ({i})")),
            (Some(n), None) => Some(n.clone()),
            (None, Some(i)) => Some(i.clone()),
            (None, None) => None,
        }),
    );
    field(
        "Status",
        Some(with_raw(t.status.as_str(), t.status_raw.as_deref())),
    );
    field(
        "Priority",
        Some(with_raw(t.priority.as_str(), t.priority_raw.as_deref())),
    );
    field("Type", t.kind.clone());
    field("Created", t.created.map(|c| c.to_rfc3339()));
    field("Assignees", Some(t.assignees.join(", ")));
    field("Link", t.url.clone());
    if let Some(d) = t.description.as_deref().filter(|d| !d.trim().is_empty()) {
        lines.push(String::new());
        lines.push(d.to_owned());
    }
    lines.join("\n")
}

fn with_raw(word: &str, raw: Option<&str>) -> String {
    match raw {
        Some(r) if !r.eq_ignore_ascii_case(word) => format!("{word} ({r})"),
        _ => word.to_owned(),
    }
}

/// What a change note says: each field that moved, `was → now` where tix knows `was`.
pub fn change_text(t: &Ticket, was: &Pushed, now: &Pushed) -> String {
    let mut lines = vec![format!("{} ticket {} changed:", t.provider, t.id)];
    let fields = [
        ("status", &was.status, &now.status),
        ("priority", &was.priority, &now.priority),
        ("title", &was.title, &now.title),
    ];
    for (name, a, b) in fields {
        let b_text = b.as_deref().unwrap_or("(none)");
        match a {
            Some(a) if a != b_text => lines.push(format!("- {name}: {a} → {b_text}")),
            Some(_) => {}
            None => lines.push(format!("- {name}: {b_text}")),
        }
    }
    lines.join("\n")
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// A download buffer that refuses to grow past [`MAX_ATTACHMENT`], so a file whose size
/// the provider did not say never fills memory.
#[derive(Default)]
struct Capped {
    buf: Vec<u8>,
}

impl tokio::io::AsyncWrite for Capped {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if (self.buf.len() + data.len()) as u64 > MAX_ATTACHMENT {
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                format!("{NAME}: attachment over 50 MB"),
            )));
        }
        self.buf.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Priority, Status};

    #[test]
    fn xref_conditions_cover_every_key_once_and_stay_under_the_limit() {
        let keys: Vec<TicketKey> = (0..500)
            .map(|i| TicketKey::new("sonar", &format!("{i:036}")))
            .collect();
        let conds = xref_conditions(&keys);
        assert!(conds.len() > 1, "{}", conds.len());
        let mut seen = Vec::new();
        for c in &conds {
            assert!(c.len() <= XREF_CONDITION_MAX, "{}", c.len());
            let inner = c
                .strip_prefix("externalXRef in (")
                .and_then(|c| c.strip_suffix(')'))
                .unwrap();
            seen.extend(inner.split(',').map(str::to_owned));
        }
        let want: Vec<String> = keys.iter().map(|k| quoted(&k.xref())).collect();
        assert_eq!(seen, want);
        assert!(xref_conditions(&[]).is_empty());
    }

    fn ticket() -> Ticket {
        let mut t = Ticket::new("sonar", "g-1");
        t.number = Some("42".into());
        t.title = Some("Suspicious login".into());
        t.status = Status::Open;
        t.status_raw = Some("ASSIGNED".into());
        t.priority = Priority::High;
        t.url = Some("https://sonar.example/t/42".into());
        t
    }

    #[test]
    fn summary_carries_the_provider_and_number_and_fits_100() {
        assert_eq!(summary(&ticket()), "[sonar 42] Suspicious login");
        let mut t = ticket();
        t.title = Some("x".repeat(300));
        let s = summary(&t);
        assert_eq!(s.chars().count(), 100);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn description_has_the_normalized_fields_and_the_link() {
        let d = description(&ticket());
        assert!(d.contains("Status: open (ASSIGNED)"), "{d}");
        assert!(d.contains("Priority: high\n"), "{d}");
        assert!(d.contains("Link: https://sonar.example/t/42"), "{d}");
        assert!(!d.contains("Assignees"), "{d}");
    }

    #[test]
    fn change_text_names_what_moved() {
        let mut t = ticket();
        let was = Pushed::of(&t);
        t.status = Status::Closed;
        let now = Pushed::of(&t);
        assert_eq!(
            change_text(&t, &was, &now),
            "sonar ticket g-1 changed:\n- status: open → closed"
        );
        let recovered = change_text(&t, &Pushed::default(), &now);
        assert!(recovered.contains("- status: closed") && recovered.contains("- priority: high"));
    }

    #[test]
    fn marks_are_read_out_of_note_text() {
        assert_eq!(
            marks_in("a [tix:sonar:1 comment 2] b [tix:cw:3 note 4]"),
            vec!["[tix:sonar:1 comment 2]", "[tix:cw:3 note 4]"]
        );
    }
}
