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
use crate::http::repaired;
use crate::paginate::Page;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
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
            && let Ok(page) = from_bytes::<S::Of<W>>(bytes)
        {
            let (tickets, total) = S::parts(page);
            let read = tickets
                .into_iter()
                .map(|w| Ok(((self.map)(w, None), Vec::new())));
            return Ok(self.checked(read, total, offset, id));
        }
        let values: S::Of<Value> = match from_bytes(bytes) {
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
        let mut page = Page::new(Vec::with_capacity(read.size_hint().0), total);
        for (i, r) in read.enumerate() {
            let at = offset + i as u64 + 1;
            match r {
                Ok((t, _)) if id(&t).trim().is_empty() => page.unreadable.push(Error::Unreadable {
                    provider: self.provider.to_owned(),
                    position: at,
                    why: "has no id".into(),
                }),
                Ok((t, nulled)) => {
                    for field in nulled {
                        unreadable_field(self.provider, &field, id(&t));
                    }
                    page.items.push(t);
                }
                Err(why) => page.unreadable.push(Error::Unreadable {
                    provider: self.provider.to_owned(),
                    position: at,
                    why: format!("cannot be read ({why})"),
                }),
            }
        }
        page
    }
}

/// Room for this many tickets when a page's array starts: a full page of most providers.
const PAGE_ROOM: usize = 1000;

/// `#[serde(deserialize_with)]` for a page's array of tickets: a `Vec` with room for a
/// full page from the start. serde grows it from empty (JSON gives no length ahead), which
/// copied a 1,000-ticket page's records about ten times over as it doubled (issue 18).
pub(crate) fn page_items<'de, D, X>(d: D) -> std::result::Result<Vec<X>, D::Error>
where
    D: serde::Deserializer<'de>,
    X: serde::Deserialize<'de>,
{
    struct Items<X>(std::marker::PhantomData<X>);
    impl<'de, X: serde::Deserialize<'de>> serde::de::Visitor<'de> for Items<X> {
        type Value = Vec<X>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Vec<X>, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(PAGE_ROOM));
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }
    }
    d.deserialize_seq(Items(std::marker::PhantomData))
}

/// `bytes` as JSON. Read from bytes, serde_json checks the UTF-8 of every string and key
/// on its own, short strings at a time (8% of a large listing's instructions, issue 18);
/// the page checked once as a whole (a word at a time over ASCII) is read as text without
/// those checks. Not UTF-8: read from bytes, for the same error as before.
fn from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
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
pub(crate) fn unreadable_field(provider: &str, field: &str, id: &str) {
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

/// The property of issue 24, checked for each provider in its own tests: no single
/// mutated ticket of a valid page changes how the other tickets of that page decode.
#[cfg(test)]
pub(crate) mod isolation {
    use super::*;
    use proptest::prelude::*;
    use std::fmt::Debug;

    /// What is done to one field of one ticket.
    #[derive(Debug, Clone)]
    pub(crate) enum Mutation {
        Remove,
        Replace(Value),
        /// The field becomes a string ending in half a UTF-16 surrogate pair.
        LoneSurrogate,
    }

    fn json() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".{0,12}".prop_map(Value::from),
            proptest::collection::vec(any::<i32>(), 0..3).prop_map(Value::from),
            Just(serde_json::json!({"unexpected": [1, {"deeper": null}]})),
        ]
    }

    /// Which ticket, which of its fields (an index into its sorted keys), and what.
    pub(crate) fn mutation() -> impl Strategy<Value = (usize, usize, Mutation)> {
        let what = prop_oneof![
            Just(Mutation::Remove),
            Just(Mutation::LoneSurrogate),
            json().prop_map(Mutation::Replace),
        ];
        (0usize..64, 0usize..64, what)
    }

    const LONE: &str = "@@lone-surrogate@@";

    /// A valid page's tickets: four copies of `base` (a fixture's ticket), told apart
    /// by `id_key` = `ids(i)`.
    pub(crate) fn tickets(base: &Value, id_key: &str, ids: fn(usize) -> Value) -> Vec<Value> {
        (0..4)
            .map(|i| {
                let mut t = base.clone();
                t[id_key] = ids(i);
                t
            })
            .collect()
    }

    /// Decodes `tickets` wrapped by `wrap` as a page, and again with one ticket mutated,
    /// and fails when any other ticket decodes differently.
    pub(crate) fn check<S, W, T, M>(
        reader: &Reader<M>,
        tickets: &[Value],
        wrap: fn(Vec<Value>) -> Value,
        (victim, field, what): (usize, usize, Mutation),
        id: fn(&T) -> &str,
    ) -> std::result::Result<(), TestCaseError>
    where
        S: Shape,
        W: DeserializeOwned,
        T: PartialEq + Debug,
        M: Fn(W, Option<Value>) -> T,
    {
        let page = |tickets: Vec<Value>| {
            serde_json::to_string(&wrap(tickets))
                .unwrap()
                .replace(&format!("\"{LONE}\""), "\"cut \\ud83d\"")
        };
        let before = reader
            .page::<S, W, T>(page(tickets.to_vec()).as_bytes(), 0, id)
            .unwrap();
        prop_assert_eq!(before.items.len(), tickets.len(), "the page is valid");
        let victim = victim % tickets.len();
        let mut mutated = tickets.to_vec();
        let object = mutated[victim].as_object_mut().unwrap();
        let mut keys: Vec<String> = object.keys().cloned().collect();
        keys.sort();
        let key = keys[field % keys.len()].clone();
        match what {
            Mutation::Remove => {
                object.remove(&key);
            }
            Mutation::Replace(v) => {
                object.insert(key, v);
            }
            Mutation::LoneSurrogate => {
                object.insert(key, Value::from(LONE));
            }
        }
        let after = reader
            .page::<S, W, T>(page(mutated).as_bytes(), 0, id)
            .map_err(|e| TestCaseError::fail(format!("the page failed: {e}")))?;
        let mut others = after.items;
        prop_assert!(
            others.len() + after.unreadable.len() == tickets.len(),
            "each ticket is read or reported"
        );
        if others.len() == tickets.len() {
            others.remove(victim);
        }
        let mut expected = before.items;
        expected.remove(victim);
        prop_assert_eq!(others, expected);
        Ok(())
    }
}
