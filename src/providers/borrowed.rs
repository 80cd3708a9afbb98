//! Text read from a page without a copy where the page allows it.
//!
//! serde borrows a `Cow<'a, str>` field only when the field's type is literally `Cow`;
//! inside an `Option` (or any other wrapper) it always deserializes an owned `String`,
//! so `Option<Cow<str>>` allocated for every value it was meant to borrow (issue 18).
//! [`Text`] takes what the deserializer offers: the page's own bytes when the string
//! has no escapes, an owned copy otherwise.

use serde::de::{Deserialize, Deserializer, Error, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A string of the page, borrowed when it has no escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text<'a>(pub Cow<'a, str>);

impl<'a> Text<'a> {
    pub fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Read<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Read<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: Error>(self, s: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E: Error>(self, s: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: Error>(self, s: String) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        d.deserialize_str(Read(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Held<'a> {
        #[serde(borrow)]
        text: Option<Text<'a>>,
    }

    #[test]
    fn plain_text_is_borrowed_and_escaped_text_is_owned() {
        let page = r#"{"text":"Acme Logistics"}"#;
        let held: Held = serde_json::from_str(page).unwrap();
        assert!(matches!(
            held.text,
            Some(Text(Cow::Borrowed("Acme Logistics")))
        ));
        let escaped: Held = serde_json::from_str(r#"{"text":"A\"cme"}"#).unwrap();
        assert!(matches!(escaped.text, Some(Text(Cow::Owned(ref s))) if s == "A\"cme"));
        let none: Held = serde_json::from_str(r#"{"text":null}"#).unwrap();
        assert!(none.text.is_none());
        // A value read by reference lends its strings; a value moved in cannot.
        let value = serde_json::json!({"text": "x"});
        let owned = Held::deserialize(&value).unwrap();
        assert!(matches!(owned.text, Some(Text(Cow::Borrowed("x")))));
        let owned: Option<Text> = Deserialize::deserialize(value["text"].clone()).unwrap();
        assert!(matches!(owned, Some(Text(Cow::Owned(ref s))) if s == "x"));
        assert!(serde_json::from_str::<Held>(r#"{"text":1}"#).is_err());
    }
}
