//! The one sanitizer for text that reaches a terminal from somewhere tix does not control:
//! a provider's error message, a ticket's fields in a log line, a config value.
//!
//! A terminal obeys what it is sent: an ESC sequence can clear the screen, retitle the
//! window, rewrite what was printed above or (in some terminals) answer back as if typed;
//! bidi overrides make `invoice\u{202e}fdp.exe` read as `invoiceexe.pdf`; invisible
//! characters make two different names look the same. Every such character is shown
//! escaped instead (`\x1b`, `\u{202e}`), so the reader sees that it was there and it does
//! nothing. JSON output is not sanitized: it is exact, and JSON escapes controls itself.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Bidi and invisible format characters: the embeddings and overrides (U+202A–202E), the
/// isolates (U+2066–2069), zero-width characters and marks (U+200B–200F), the line and
/// paragraph separators (U+2028–2029, line breaks to a terminal), the word joiner and
/// invisible operators (U+2060–2064), the Arabic letter mark (U+061C) and the BOM (U+FEFF).
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{2029}'
        | '\u{2060}'..='\u{2064}'
        | '\u{061C}'
        | '\u{FEFF}')
}

/// C0 controls, DEL and C1 controls (U+0080–U+009F, which some terminals obey as CSI,
/// OSC, …), and the invisible characters of [`is_invisible`].
pub fn is_hostile(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// `s` as one safe terminal line: every hostile character, newlines and tabs included,
/// shown escaped. Borrowed when there is nothing to escape.
pub fn line(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

/// Like [`line`], keeping newlines and tabs (multi-line text such as a comment body).
pub fn text(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

/// `s` with every hostile character removed, for names that become files: an escape
/// shown as `\x1b` would be a strange but safe file name; dropped, the name stays what
/// the provider meant, minus the trick.
pub fn strip(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hostile) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().filter(|c| !is_hostile(*c)).collect())
}

fn clean(s: &str, keep_lines: bool) -> Cow<'_, str> {
    let kept = |c: char| keep_lines && (c == '\n' || c == '\t');
    if !s.chars().any(|c| is_hostile(c) && !kept(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if !is_hostile(c) || kept(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_are_shown_not_obeyed() {
        let hostile = "boom\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred\u{9b}1m \u{202e}txt.exe";
        assert_eq!(
            line(hostile),
            "boom\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mred\\u{9b}1m \\u{202e}txt.exe"
        );
    }

    #[test]
    fn lines_cannot_be_forged_but_text_keeps_its_lines() {
        assert_eq!(line("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(text("a\nb\r\tc\u{200b}"), "a\nb\\r\tc\\u{200b}");
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        let s = "Zürich — 東京 ✓ \"quoted\" \\x1b";
        assert!(matches!(line(s), Cow::Borrowed(_)));
        assert_eq!(line(s), s);
    }

    #[test]
    fn file_names_lose_the_trick() {
        assert_eq!(strip("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
        assert_eq!(strip("a\u{1b}[2Jb\u{feff}"), "a[2Jb");
    }

    /// The bytes a terminal could obey: ESC, BEL, any other C0 or DEL, C1 in its UTF-8
    /// form (C2 80..=C2 9F), and the UTF-8 of the bidi and invisible characters.
    fn obeyable(bytes: &[u8]) -> Option<usize> {
        let text = std::str::from_utf8(bytes).expect("sanitized output is UTF-8");
        if let Some(i) = bytes.iter().position(|b| *b < 0x20 || *b == 0x7f) {
            return Some(i);
        }
        if let Some(i) = bytes
            .windows(2)
            .position(|w| w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1]))
        {
            return Some(i);
        }
        text.char_indices()
            .find(|(_, c)| is_invisible(*c))
            .map(|(i, _)| i)
    }

    proptest! {
        #[test]
        fn no_output_byte_can_be_obeyed(s in any::<String>()) {
            let out = line(&s);
            prop_assert_eq!(obeyable(out.as_bytes()), None, "{:?} -> {:?}", s, out);
        }

        #[test]
        fn hostile_characters_anywhere_are_caught(
            a in "[a-z ]{0,8}",
            c in prop::sample::select(vec![
                '\u{1b}', '\u{7}', '\u{0}', '\u{7f}', '\u{85}', '\u{9b}', '\u{9d}', '\u{202a}',
                '\u{202e}', '\u{2066}', '\u{2069}', '\u{200b}', '\u{200f}', '\u{feff}', '\u{2028}',
            ]),
            b in "[a-z ]{0,8}",
        ) {
            let s = format!("{a}{c}{b}");
            let out = text(&s);
            prop_assert_eq!(obeyable(out.as_bytes()), None);
            prop_assert_eq!(strip(&s), format!("{a}{b}"));
        }

        #[test]
        fn text_without_controls_is_unchanged(s in "[^\\p{Cc}\\p{Cf}\\u{2028}\\u{2029}]*") {
            prop_assert_eq!(line(&s), s.as_str());
        }
    }
}
