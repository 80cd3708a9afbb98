//! A whole ticket as compact JSON, written straight into a byte buffer: the bytes
//! `serde_json::to_writer` writes for [`Ticket`], without serde's per-field calls and
//! with strings escaped eight bytes at a time (issue 18: serde_json's byte-by-byte
//! escaping and its map entries were a fifth of a large listing's instructions).
//!
//! Only the ticket's own keys are written here; what may hold anything (`comments`,
//! `raw`) and a time outside the fixed layout go through serde_json itself, so the output
//! stays byte for byte serde's (checked against it in the tests below for any ticket).

use crate::model::{Tenant, Ticket};
use chrono::{DateTime, Utc};
use std::io;

/// `t` as `serde_json::to_writer(out, t)` writes it.
pub(super) fn write(out: &mut Vec<u8>, t: &Ticket) -> io::Result<()> {
    out.extend_from_slice(b"{\"provider\":");
    string(out, &t.provider);
    out.extend_from_slice(b",\"id\":");
    string(out, &t.id);
    out.extend_from_slice(b",\"number\":");
    opt_string(out, t.number.as_deref());
    out.extend_from_slice(b",\"tenant\":");
    match &t.tenant {
        None => out.extend_from_slice(b"null"),
        Some(tenant) => self::tenant(out, tenant),
    }
    out.extend_from_slice(b",\"title\":");
    opt_string(out, t.title.as_deref());
    out.extend_from_slice(b",\"description\":");
    opt_string(out, t.description.as_deref());
    out.extend_from_slice(b",\"status\":");
    word(out, t.status.as_str());
    out.extend_from_slice(b",\"status_raw\":");
    opt_string(out, t.status_raw.as_deref());
    out.extend_from_slice(b",\"priority\":");
    word(out, t.priority.as_str());
    out.extend_from_slice(b",\"priority_raw\":");
    opt_string(out, t.priority_raw.as_deref());
    out.extend_from_slice(b",\"type\":");
    opt_string(out, t.kind.as_deref());
    out.extend_from_slice(b",\"created\":");
    time(out, t.created.as_ref())?;
    out.extend_from_slice(b",\"updated\":");
    time(out, t.updated.as_ref())?;
    out.extend_from_slice(b",\"closed\":");
    time(out, t.closed.as_ref())?;
    out.extend_from_slice(b",\"assignees\":[");
    for (i, a) in t.assignees.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, a);
    }
    out.extend_from_slice(b"],\"url\":");
    opt_string(out, t.url.as_deref());
    if let Some(comments) = &t.comments {
        out.extend_from_slice(b",\"comments\":");
        serde_json::to_writer(&mut *out, comments)?;
    }
    if let Some(raw) = &t.raw {
        out.extend_from_slice(b",\"raw\":");
        serde_json::to_writer(&mut *out, raw)?;
    }
    out.push(b'}');
    Ok(())
}

/// One of tix's own words (a status, a priority): snake_case ASCII, which JSON never
/// escapes, so it is quoted without the escaping scan (checked for every word below).
fn word(out: &mut Vec<u8>, w: &'static str) {
    out.push(b'"');
    out.extend_from_slice(w.as_bytes());
    out.push(b'"');
}

fn tenant(out: &mut Vec<u8>, t: &Tenant) {
    out.extend_from_slice(b"{\"id\":");
    opt_string(out, t.id.as_deref());
    out.extend_from_slice(b",\"name\":");
    opt_string(out, t.name.as_deref());
    out.extend_from_slice(b",\"pod\":");
    opt_string(out, t.pod.as_deref());
    out.push(b'}');
}

fn opt_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// RFC 3339 with `Z` for whole seconds in years 0..=9999 (what chrono's serde writes for
/// them); any other time as chrono's serde writes it.
fn time(out: &mut Vec<u8>, t: Option<&DateTime<Utc>>) -> io::Result<()> {
    let Some(t) = t else {
        out.extend_from_slice(b"null");
        return Ok(());
    };
    match crate::model::time::whole_seconds(t) {
        Some(buf) => {
            out.push(b'"');
            out.extend_from_slice(&buf);
            out.push(b'"');
        }
        None => serde_json::to_writer(&mut *out, t)?,
    }
    Ok(())
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the eight bytes of `w` is one JSON escapes: below 0x20, `"` or `\`.
/// Exact as a yes/no (the classic "has a byte less than n" and "has a zero byte" tests;
/// bytes from 0x80 up, UTF-8's, never match).
fn any_to_escape(w: u64) -> bool {
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    (below_space | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')))) != 0
}

/// `s` as a JSON string, escaped as serde_json escapes: `\"`, `\\`, the short forms
/// `\b \f \n \r \t`, other control characters as `\u00xx` (lowercase hex), nothing else.
fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    // `run` is where the bytes not yet copied start.
    let (mut i, mut run) = (0, 0);
    while i < b.len() {
        // Eight bytes, or the last few padded with a letter (never escaped), so a short
        // string or the tail of a long one is checked at once too.
        let mut w = [b'a'; 8];
        match b.get(i..i + 8) {
            Some(chunk) => w.copy_from_slice(chunk),
            None => w[..b.len() - i].copy_from_slice(&b[i..]),
        }
        if !any_to_escape(u64::from_le_bytes(w)) {
            i += 8;
            continue;
        }
        let c = b[i];
        let short: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&b[run..i]);
        if short.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 0xf)]);
        } else {
            out.extend_from_slice(short);
        }
        i += 1;
        run = i;
    }
    out.extend_from_slice(&b[run..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Comment, Priority, Status};
    use proptest::prelude::*;

    #[test]
    fn every_status_and_priority_word_is_written_as_serde_writes_it() {
        for s in Status::ALL {
            let mut out = Vec::new();
            word(&mut out, s.as_str());
            assert_eq!(out, serde_json::to_vec(&s).unwrap());
        }
        for p in Priority::ALL {
            let mut out = Vec::new();
            word(&mut out, p.as_str());
            assert_eq!(out, serde_json::to_vec(&p).unwrap());
        }
    }

    fn text() -> impl Strategy<Value = String> {
        let special = prop::sample::select(vec![
            '"', '\\', '\n', '\r', '\t', '\u{8}', '\u{c}', '\u{0}', '\u{1}', '\u{1f}', ' ',
            '\u{7f}', '\u{80}', 'é', '€', '\u{2028}', '😀', '/',
        ]);
        let ch = prop_oneof![3 => any::<char>(), 3 => special, 4 => prop::char::range('a', 'z')];
        prop::collection::vec(ch, 0..40).prop_map(String::from_iter)
    }

    fn opt_text() -> impl Strategy<Value = Option<String>> {
        prop::option::of(text())
    }

    fn time() -> impl Strategy<Value = Option<DateTime<Utc>>> {
        let secs = prop_oneof![-62_200_000_000i64..253_500_000_000, 0i64..2_000_000_000,];
        let nanos = prop_oneof![3 => Just(0u32), 1 => 0u32..1_000_000_000];
        prop::option::of(
            (secs, nanos).prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap_or_default()),
        )
    }

    prop_compose! {
        fn ticket()(
            id in text(), number in opt_text(), title in opt_text(), description in opt_text(),
            tenant in prop::option::of((opt_text(), opt_text(), opt_text())),
            status in prop::sample::select(Status::ALL.to_vec()),
            priority in prop::sample::select(vec![
                Priority::Critical, Priority::High, Priority::Medium, Priority::Low, Priority::Unknown,
            ]),
            raws in (opt_text(), opt_text(), opt_text(), opt_text()),
            times in (time(), time(), time()),
            assignees in prop::collection::vec(text(), 0..3),
            comments in prop::option::of(prop::collection::vec((text(), time()), 0..2)),
            raw in prop::option::of(text()),
        ) -> Ticket {
            let mut t = Ticket::new("sonar", id);
            t.number = number;
            t.tenant = tenant.map(|(id, name, pod)| Tenant { id, name, pod });
            t.title = title;
            t.description = description;
            t.status = status;
            t.status_raw = raws.0.map(Into::into);
            t.priority = priority;
            t.priority_raw = raws.1.map(Into::into);
            t.kind = raws.2;
            t.url = raws.3;
            (t.created, t.updated, t.closed) = times;
            t.assignees = assignees;
            t.comments = comments.map(|c| {
                c.into_iter()
                    .map(|(body, created)| Comment { id: None, author: None, created, body, internal: Some(true) })
                    .collect()
            });
            t.raw = raw.map(|r| serde_json::json!({"text": r, "n": [1, 2.5, null]}));
            t
        }
    }

    fn written(t: &Ticket) -> String {
        let mut out = Vec::new();
        write(&mut out, t).unwrap();
        String::from_utf8(out).unwrap()
    }

    proptest! {
        #[test]
        fn any_ticket_is_written_as_serde_json_writes_it(t in ticket()) {
            prop_assert_eq!(written(&t), serde_json::to_string(&t).unwrap());
        }

        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(s in text()) {
            let mut out = Vec::new();
            string(&mut out, &s);
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&s).unwrap());
        }
    }

    #[test]
    fn every_byte_below_0x80_is_escaped_as_serde_json_escapes_it() {
        // Each character at every position of an eight-byte chunk and across chunks.
        for c in (0u8..0x80).map(char::from) {
            for at in 0..17 {
                let s: String = (0..20).map(|i| if i == at { c } else { 'x' }).collect();
                let mut out = Vec::new();
                string(&mut out, &s);
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    serde_json::to_string(&s).unwrap(),
                    "{c:?} at {at}"
                );
            }
        }
    }
}
