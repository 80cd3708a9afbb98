//! Reading a page of tickets so that one bad ticket never sinks the page (issue 24).
//!
//! The fast path decodes the page in one pass into the vendor's types. Only when that
//! fails is the page read again, ticket by ticket: invalid escapes in strings (a lone
//! UTF-16 surrogate from a Java title cut in half) become U+FFFD, the page is split into
//! its ticket objects, and each is decoded on its own. A field that cannot be read
//! becomes null (`raw` keeps the original) with one warning per field and provider per
//! run; a ticket that cannot be read at all, or has no id, is reported with its position
//! as a [`Page::unreadable`] line, and the rest of the page is kept.

use crate::error::{Error, Result};
use crate::paginate::Page;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// How a provider wraps its tickets in a page: `{"total", "tickets": [...]}`, a bare
/// array, ... Generic over the ticket type, so the same answer is read either as the
/// vendor's tickets (fast path) or as JSON values (one ticket at a time).
pub(crate) trait Shape {
    type Of<X: DeserializeOwned>: DeserializeOwned;
    /// The tickets and the total the page reports, if any.
    fn parts<X: DeserializeOwned>(page: Self::Of<X>) -> (Vec<X>, Option<u64>);
}

/// How one provider's page is read into items.
pub(crate) struct Reader<M> {
    pub provider: &'static str,
    /// Keep each ticket's original JSON in `raw`.
    pub raw: bool,
    /// The vendor's ticket (and its JSON, when kept) → the item.
    pub map: M,
}

impl<M> Reader<M> {
    /// Reads the page asked for at `offset`, whose answer is `bytes`.
    pub(crate) fn page<S, W, T>(
        &self,
        bytes: &[u8],
        offset: u64,
        id: fn(&T) -> &str,
    ) -> Result<Page<T>>
    where
        S: Shape,
        W: DeserializeOwned,
        M: Fn(W, Option<Value>) -> T,
    {
        if !self.raw
            && let Ok(page) = serde_json::from_slice::<S::Of<W>>(bytes)
        {
            let (tickets, total) = S::parts(page);
            let read = tickets
                .into_iter()
                .map(|w| Ok(((self.map)(w, None), Vec::new())));
            return Ok(self.checked(read, total, offset, id));
        }
        let values: S::Of<Value> = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(_) => serde_json::from_slice(&repaired(bytes)).map_err(|e| {
                if e.is_eof() {
                    Error::Transport {
                        provider: self.provider.into(),
                        message: format!("the page at offset {offset} was cut short"),
                    }
                } else {
                    Error::decode(
                        self.provider,
                        format_args!("the page at offset {offset} is not as documented"),
                        e,
                    )
                }
            })?,
        };
        let (values, total) = S::parts(values);
        let read = values.into_iter().map(|v| {
            let (w, nulled) = match serde_json::from_value::<W>(v.clone()) {
                Ok(w) => (w, Vec::new()),
                Err(_) => lenient(&v)?,
            };
            Ok(((self.map)(w, self.raw.then_some(v)), nulled))
        });
        Ok(self.checked(read, total, offset, id))
    }

    /// Keeps the tickets that have an id; reports the others by position.
    fn checked<T>(
        &self,
        read: impl Iterator<Item = std::result::Result<(T, Vec<String>), String>>,
        total: Option<u64>,
        offset: u64,
        id: fn(&T) -> &str,
    ) -> Page<T> {
        let mut page = Page::new(Vec::new(), total);
        for (i, r) in read.enumerate() {
            let at = offset + i as u64 + 1;
            match r {
                Ok((t, _)) if id(&t).trim().is_empty() => page.unreadable.push(format!(
                    "{}: ticket {at} of the listing has no id; skipped",
                    self.provider
                )),
                Ok((t, nulled)) => {
                    for field in nulled {
                        unreadable_field(self.provider, &field, id(&t));
                    }
                    page.items.push(t);
                }
                Err(why) => page.unreadable.push(format!(
                    "{}: ticket {at} of the listing cannot be read ({why}); skipped",
                    self.provider
                )),
            }
        }
        page
    }
}

/// Decodes `value` as `W`, replacing each field that cannot be read with null (at most
/// a few): answers the fields nulled, by top-level name, or why it cannot be read.
fn lenient<W: DeserializeOwned>(value: &Value) -> std::result::Result<(W, Vec<String>), String> {
    const MAX_NULLED: usize = 16;
    let mut work = value.clone();
    let mut nulled: Vec<String> = Vec::new();
    let mut pointers: Vec<String> = Vec::new();
    loop {
        let err = match serde_path_to_error::deserialize::<_, W>(&work) {
            Ok(w) => return Ok((w, nulled)),
            Err(err) => err,
        };
        let Some((pointer, field)) = pointer(err.path()) else {
            return Err(err.inner().to_string());
        };
        // A value already null that still fails (an array that may not hold null) is
        // replaced by nulling what holds it, up to the ticket's own field.
        let mut at = pointer.as_str();
        loop {
            match work.pointer_mut(at) {
                Some(slot) if !slot.is_null() && pointers.len() < MAX_NULLED => {
                    *slot = Value::Null;
                    break;
                }
                _ if at.rfind('/').is_some_and(|i| i > 0) => {
                    at = &at[..at.rfind('/').unwrap_or_default()];
                }
                _ => return Err(format!("`{}`: {}", err.path(), err.inner())),
            }
        }
        pointers.push(at.to_owned());
        if !nulled.contains(&field) {
            nulled.push(field);
        }
    }
}

/// The JSON pointer of a decoding error's path and its top-level field; `None` for the
/// ticket itself (a missing id) or a path that is not plain keys and indexes.
fn pointer(path: &serde_path_to_error::Path) -> Option<(String, String)> {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    let mut field = None;
    for segment in path.iter() {
        let part = match segment {
            Segment::Map { key } => key.replace('~', "~0").replace('/', "~1"),
            Segment::Seq { index } => index.to_string(),
            Segment::Enum { .. } | Segment::Unknown => return None,
        };
        field.get_or_insert_with(|| part.clone());
        pointer.push('/');
        pointer.push_str(&part);
    }
    Some((pointer, field?))
}

/// `bytes` with every invalid string escape (a lone UTF-16 surrogate such as `\ud83d`,
/// `\x41`, `\u12G4`) and every invalid UTF-8 sequence replaced by U+FFFD, so that the
/// ticket holding it can be read; borrowed when nothing needed replacing.
pub(crate) fn repaired(bytes: &[u8]) -> Cow<'_, [u8]> {
    const FFFD: &[u8] = b"\\ufffd";
    let hex4 = |at: usize| -> Option<u16> {
        let digits = std::str::from_utf8(bytes.get(at..at + 4)?).ok()?;
        u16::from_str_radix(digits, 16)
            .ok()
            .filter(|_| digits.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            if let Some(o) = out.as_mut() {
                o.push(bytes[i]);
            }
            i += 1;
            continue;
        }
        // (bytes to keep, or None to write U+FFFD; bytes consumed)
        let (keep, used) = match bytes.get(i + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => (true, 2),
            Some(b'u') => match hex4(i + 2) {
                Some(0xD800..=0xDBFF) => {
                    let low = (bytes.get(i + 6..i + 8) == Some(b"\\u"))
                        .then(|| hex4(i + 8))
                        .flatten();
                    match low {
                        Some(0xDC00..=0xDFFF) => (true, 12),
                        _ => (false, 6),
                    }
                }
                Some(0xDC00..=0xDFFF) => (false, 6),
                Some(_) => (true, 6),
                None => (false, 2),
            },
            Some(_) => (false, 2),
            None => (true, 1),
        };
        if keep {
            if let Some(o) = out.as_mut() {
                o.extend_from_slice(&bytes[i..i + used]);
            }
        } else {
            out.get_or_insert_with(|| bytes[..i].to_vec())
                .extend_from_slice(FFFD);
        }
        i += used;
    }
    let escaped: Cow<'_, [u8]> = match out {
        Some(o) => Cow::Owned(o),
        None => Cow::Borrowed(bytes),
    };
    match String::from_utf8_lossy(&escaped) {
        Cow::Borrowed(_) => escaped,
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    }
}

/// A ticket's time as `parse` reads it; one it cannot read is null, with one warning per
/// field and provider per run. An empty string is no time, not an unreadable one.
pub(crate) fn time(
    provider: &str,
    field: &str,
    id: &str,
    raw: Option<&str>,
    parse: fn(Option<&str>) -> Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    let raw = raw.filter(|r| !r.trim().is_empty())?;
    let parsed = parse(Some(raw));
    if parsed.is_none() {
        unreadable_field(provider, field, id);
    }
    parsed
}

/// Tickets with an unreadable field, by provider and field, since the last summary.
fn tally() -> std::sync::MutexGuard<'static, HashMap<(String, String), u64>> {
    static SEEN: OnceLock<Mutex<HashMap<(String, String), u64>>> = OnceLock::new();
    SEEN.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Counts a ticket whose `field` could not be read; the first one per provider and field
/// is a warning now, the others one line in [`summary`].
fn unreadable_field(provider: &str, field: &str, id: &str) {
    let mut seen = tally();
    let n = seen
        .entry((provider.to_owned(), field.to_owned()))
        .or_insert(0);
    *n += 1;
    if *n == 1 {
        tracing::warn!(
            "{provider}: ticket {id} has an unreadable `{field}`, shown as null (--raw keeps the original)"
        );
    }
}

/// Warns "… and N more tickets with an unreadable `field`" for each field of `provider`
/// seen more than once since the last summary, and starts counting afresh: called when
/// a listing ends, so each run says it once.
pub(crate) fn summary(provider: &str) {
    let mut seen = tally();
    let mut fields: Vec<(String, u64)> = Vec::new();
    seen.retain(|(p, field), n| {
        if p != provider {
            return true;
        }
        fields.push((field.clone(), *n));
        false
    });
    fields.sort();
    for (field, n) in fields {
        if n > 1 {
            let more = n - 1;
            let tickets = if more == 1 { "ticket" } else { "tickets" };
            tracing::warn!("{provider}: … and {more} more {tickets} with an unreadable `{field}`");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(s: &str) -> String {
        String::from_utf8(repaired(s.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn lone_surrogates_and_bad_escapes_become_replacement_characters() {
        assert_eq!(fixed(r#"{"t":"cut \ud83d"}"#), r#"{"t":"cut \ufffd"}"#);
        assert_eq!(fixed(r#"{"t":"\ude00x"}"#), r#"{"t":"\ufffdx"}"#);
        assert_eq!(fixed(r#"{"t":"\x41"}"#), r#"{"t":"\ufffd41"}"#);
        assert_eq!(fixed(r#"{"t":"\u12G4"}"#), r#"{"t":"\ufffd12G4"}"#);
        // Pairs, ordinary escapes and escaped backslashes are kept as they are.
        for ok in [r#"{"t":"\ud83d\ude00"}"#, r#"{"t":"a\\ud83d\n\"\u00e9"}"#] {
            assert!(matches!(repaired(ok.as_bytes()), Cow::Borrowed(_)), "{ok}");
        }
        let v: Value = serde_json::from_slice(&repaired(br#"{"t":"cut \ud83d"}"#)).unwrap();
        assert_eq!(v["t"], "cut \u{fffd}");
    }

    #[test]
    fn invalid_utf8_becomes_a_replacement_character() {
        let v: Value = serde_json::from_slice(&repaired(b"{\"t\":\"a\xffb\"}")).unwrap();
        assert_eq!(v["t"], "a\u{fffd}b");
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Wire {
        id: String,
        n: Option<u32>,
        tags: Option<Vec<String>>,
    }

    #[test]
    fn an_unreadable_field_is_null_and_named() {
        let v = serde_json::json!({"id": "a", "n": "seven", "tags": ["x", 3]});
        let (w, nulled) = lenient::<Wire>(&v).unwrap();
        assert_eq!(
            w,
            Wire {
                id: "a".into(),
                n: None,
                tags: None
            }
        );
        assert_eq!(nulled, vec!["n", "tags"]);
    }

    #[test]
    fn a_ticket_without_its_id_cannot_be_read() {
        let why = lenient::<Wire>(&serde_json::json!({"n": 1})).unwrap_err();
        assert!(why.contains("missing field `id`"), "{why}");
        let why = lenient::<Wire>(&serde_json::json!({"id": 5})).unwrap_err();
        assert!(why.contains("`id`"), "{why}");
    }
}
