//! A provider's word for a status or priority, kept without a copy where it is a word the
//! provider's table already holds (issue 18: one allocation per field per listed ticket).

use std::borrow::Cow;

/// `raw` as the word of `words` it is exactly (byte for byte, case included), borrowed
/// from the table with no allocation; else `raw` itself, owned (a `String` is kept as it
/// is, a `&str` copied once). The text is what the provider sent either way.
pub fn known<S>(raw: S, words: impl IntoIterator<Item = &'static str>) -> Cow<'static, str>
where
    S: AsRef<str> + Into<String>,
{
    let text = raw.as_ref();
    match words.into_iter().find(|w| *w == text) {
        Some(word) => Cow::Borrowed(word),
        None => Cow::Owned(raw.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: &[&str] = &["NEW", "IN_PROGRESS", "CLOSED"];

    #[test]
    fn a_known_word_is_borrowed_from_the_table_and_equal() {
        for raw in ["IN_PROGRESS", "CLOSED"] {
            let from_str = known(raw, WORDS.iter().copied());
            let from_string = known(raw.to_owned(), WORDS.iter().copied());
            for w in [from_str, from_string] {
                assert_eq!(w, raw);
                let Cow::Borrowed(b) = w else {
                    panic!("{raw} was copied")
                };
                // The table's own text, not a copy that happens to be equal.
                assert!(WORDS.iter().any(|t| std::ptr::eq(*t, b)), "{raw}");
            }
        }
    }

    #[test]
    fn an_unknown_or_differently_cased_word_is_owned_and_unchanged() {
        for raw in [
            "closed",
            "Closed",
            "ESCALATED",
            "CLOSED ",
            "",
            "IN PROGRESS",
        ] {
            let w = known(raw, WORDS.iter().copied());
            assert!(matches!(w, Cow::Owned(_)), "{raw:?}");
            assert_eq!(w, raw);
        }
    }

    #[test]
    fn an_unknown_string_is_kept_not_copied() {
        let raw = String::from("pendingSomething");
        let at = raw.as_ptr();
        let Cow::Owned(kept) = known(raw, WORDS.iter().copied()) else {
            panic!("an unknown word was borrowed")
        };
        assert_eq!(kept.as_ptr(), at);
    }
}
