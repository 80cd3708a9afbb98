//! A status or priority decoded straight into the provider's own word: one of the words
//! its table lists is borrowed from the table, so a listed ticket makes no `String` for it
//! (issue 18); any other text is kept, owned, exactly as sent.

use crate::model::words::known;
use serde::Deserializer;
use serde::de::Visitor;
use std::borrow::Cow;
use std::fmt;

/// The body of a `#[serde(default, deserialize_with = "…")]` function for an optional
/// string field whose usual values are `words`: null or absent is `None`, a string is
/// [`known`]. Anything else is refused as a `String` field refuses it.
pub(crate) fn word<'de, D, W>(d: D, words: W) -> Result<Option<Cow<'static, str>>, D::Error>
where
    D: Deserializer<'de>,
    W: IntoIterator<Item = &'static str>,
{
    d.deserialize_option(Optional(words))
}

struct Optional<W>(W);

impl<'de, W: IntoIterator<Item = &'static str>> Visitor<'de> for Optional<W> {
    type Value = Option<Cow<'static, str>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(Word(self.0)).map(Some)
    }
}

struct Word<W>(W);

impl<W: IntoIterator<Item = &'static str>> Visitor<'_> for Word<W> {
    type Value = Cow<'static, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(known(s, self.0))
    }

    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(known(s, self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    const WORDS: &[&str] = &["OPEN", "CLOSED"];

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "status")]
        status: Option<Cow<'static, str>>,
    }

    fn status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'static, str>>, D::Error> {
        word(d, WORDS.iter().copied())
    }

    fn read(json: &str) -> Option<Cow<'static, str>> {
        serde_json::from_str::<T>(json).unwrap().status
    }

    #[test]
    fn a_listed_word_is_borrowed_and_other_text_owned_as_sent() {
        assert!(matches!(
            read(r#"{"status":"OPEN"}"#),
            Some(Cow::Borrowed("OPEN"))
        ));
        // An escape makes serde_json hand over a transient copy: still the table's word.
        assert!(matches!(
            read(r#"{"status":"OP\u0045N"}"#),
            Some(Cow::Borrowed("OPEN"))
        ));
        assert!(matches!(read(r#"{"status":"open"}"#), Some(Cow::Owned(s)) if s == "open"));
        assert!(
            matches!(read(r#"{"status":"On \"hold\""}"#), Some(Cow::Owned(s)) if s == "On \"hold\"")
        );
    }

    #[test]
    fn null_or_absent_is_none_and_a_number_is_refused_like_a_string_field() {
        assert_eq!(read(r#"{"status":null}"#), None);
        assert_eq!(read("{}"), None);
        let e = serde_json::from_str::<T>(r#"{"status":3}"#).err().unwrap();
        assert!(e.to_string().contains("expected a string"), "{e}");
    }

    #[test]
    fn a_json_value_reads_the_same() {
        let v = serde_json::json!({"status": "CLOSED"});
        let t: T = serde_json::from_value(v).unwrap();
        assert!(matches!(t.status, Some(Cow::Borrowed("CLOSED"))));
        let v = serde_json::json!({"status": "Closed"});
        let t = T::deserialize(&v).unwrap();
        assert!(matches!(t.status, Some(Cow::Owned(s)) if s == "Closed"));
    }

    fn fixture(path: &str) -> String {
        std::fs::read_to_string(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    /// (provider, fixture, [(word in the fixture, how it is sent instead, raw expected)]).
    type Case = (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str, &'static str)],
    );

    /// Every provider, read as `tix list` reads a page: the fixture's words are the
    /// tables' own (no `String`), and the same field spelled otherwise is kept as sent.
    #[test]
    fn every_provider_lists_its_known_words_without_a_copy() {
        let cases: &[Case] = &[
            (
                "sonar",
                "sonar/tickets.json",
                &[
                    (r#""ASSIGNED""#, r#""Assigned""#, "Assigned"),
                    (r#""LOW""#, r#""L\u004fw""#, "LOw"),
                ],
            ),
            (
                "argus",
                "argus/search.json",
                &[
                    (
                        r#""pendingCustomer""#,
                        r#""PendingCustomer""#,
                        "PendingCustomer",
                    ),
                    (r#""high""#, r#""High""#, "High"),
                ],
            ),
            (
                "arcticwolf",
                "arcticwolf/tickets-page.json",
                &[
                    (r#""OPEN""#, r#""Open""#, "Open"),
                    (r#""HIGH""#, r#""high""#, "high"),
                ],
            ),
            (
                "cyderes",
                "cyderes/tickets.json",
                &[
                    (r#""In Progress""#, r#""in progress""#, "in progress"),
                    (
                        r#""priority": "1""#,
                        r#""priority": "1 - High""#,
                        "1 - High",
                    ),
                ],
            ),
        ];
        for (provider, path, changes) in cases {
            let page = fixture(path);
            let tickets = super::super::read_list_page(provider, page.as_bytes()).unwrap();
            assert!(!tickets.is_empty(), "{provider}");
            for t in &tickets {
                assert!(matches!(t.provider, Cow::Borrowed(_)), "{provider}");
                for raw in [&t.status_raw, &t.priority_raw] {
                    assert!(matches!(raw, Some(Cow::Borrowed(_))), "{provider}: {raw:?}");
                }
            }
            let mut changed = page.clone();
            for (from, to, _) in *changes {
                assert!(changed.contains(from), "{provider}: {from}");
                changed = changed.replacen(from, to, 1);
            }
            let first = super::super::read_list_page(provider, changed.as_bytes()).unwrap();
            let raws = [&first[0].status_raw, &first[0].priority_raw];
            for (raw, (_, _, expected)) in raws.into_iter().zip(*changes) {
                assert!(
                    matches!(raw, Some(Cow::Owned(s)) if s == expected),
                    "{provider}: {raw:?}"
                );
            }
        }
    }

    #[test]
    fn an_escaped_or_numeric_known_word_is_still_the_tables_own() {
        let page = fixture("sonar/tickets.json").replacen(r#""ASSIGNED""#, r#""ASS\u0049GNED""#, 1);
        let t = &super::super::read_list_page("sonar", page.as_bytes()).unwrap()[0];
        assert!(matches!(t.status_raw, Some(Cow::Borrowed("ASSIGNED"))));
        // Cyderes priorities may come as numbers (the webhook document's integers).
        let page =
            fixture("cyderes/tickets.json").replacen(r#""priority": "1""#, r#""priority": 1"#, 1);
        let t = &super::super::read_list_page("cyderes", page.as_bytes()).unwrap()[0];
        assert!(matches!(t.priority_raw, Some(Cow::Borrowed("1"))));
    }
}
