//! The marks tix leaves on what it writes, so it never writes the same thing twice and
//! never sends back what it wrote (issue 8: "tix marks what it wrote on both sides").
//!
//! - In ConnectWise, every note tix writes ends with `[tix:<provider>:<id> <what>]`, where
//!   `<what>` is `state <fingerprint>`, `comment <comment id>` or `attachment <id>`.
//! - On the MSSP side, every comment tix writes ends with `[tix:cw:<ticket> note <id>]`
//!   or `[tix:cw:<ticket> closed]`.
//!
//! A note carrying a provider mark is tix's own and never goes back upstream; a provider
//! comment carrying a `tix:cw:` mark is tix's own and never comes back as a note.

use super::ledger::{TicketKey, fnv1a};

/// What a mark names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<'a> {
    /// The ticket's status, priority and title as a fingerprint.
    State(&'a str),
    Comment(&'a str),
    Attachment(&'a str),
}

/// The mark tix puts on a ConnectWise note about `key`.
pub fn on_note(key: &TicketKey, item: &Item<'_>) -> String {
    let (what, id) = match item {
        Item::State(f) => ("state", *f),
        Item::Comment(c) => ("comment", *c),
        Item::Attachment(a) => ("attachment", *a),
    };
    format!("[tix:{}:{} {what} {id}]", key.provider, key.id)
}

/// The mark tix puts on a comment it adds to the MSSP ticket for ConnectWise note `note`.
pub fn on_comment(cw_ticket: u64, note: u64) -> String {
    format!("[tix:cw:{cw_ticket} note {note}]")
}

/// The mark on the closing comment tix sends upstream.
pub fn on_close(cw_ticket: u64) -> String {
    format!("[tix:cw:{cw_ticket} closed]")
}

/// True when a ConnectWise note was written by tix (any provider's mark).
pub fn note_is_tix(text: &str) -> bool {
    text.match_indices("[tix:")
        .any(|(at, _)| !text[at..].starts_with("[tix:cw:"))
}

/// True when an MSSP comment was written by tix from ConnectWise.
pub fn comment_is_tix(body: &str) -> bool {
    body.contains("[tix:cw:")
}

/// An item id for a comment the provider gives no id: its time and text.
pub fn comment_id(c: &crate::model::Comment) -> String {
    match &c.id {
        Some(id) => id.clone(),
        None => {
            let text = format!(
                "{}\u{1f}{}",
                c.created.map(|t| t.to_rfc3339()).unwrap_or_default(),
                c.body
            );
            format!("h{:016x}", fnv1a(text.as_bytes()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_tell_tix_notes_from_people() {
        let key = TicketKey::new("sonar", "g-1");
        let note = format!("hello\n\n{}", on_note(&key, &Item::Comment("17")));
        assert!(note.ends_with("[tix:sonar:g-1 comment 17]"));
        assert!(note_is_tix(&note));
        assert!(!note_is_tix("a technician's reply"));
        // A technician quoting a comment tix brought up is still a person's note.
        assert!(!note_is_tix("see [tix:cw:5 note 9]"));
        assert!(comment_is_tix(&format!("ok\n{}", on_comment(5, 9))));
        assert!(!comment_is_tix("[tix:sonar:g-1 comment 1]"));
    }

    #[test]
    fn fingerprint_follows_status_priority_and_title_only() {
        use super::super::ledger::Pushed;
        let mut t = crate::model::Ticket::new("sonar", "1");
        t.title = Some("x".into());
        let a = Pushed::of(&t).fingerprint();
        t.description = Some("changed".into());
        t.updated = Some(chrono::Utc::now());
        assert_eq!(Pushed::of(&t).fingerprint(), a);
        t.status = crate::model::Status::Closed;
        assert_ne!(Pushed::of(&t).fingerprint(), a);
        assert_eq!(a.len(), 12);
    }
}
