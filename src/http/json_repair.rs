//! Provider text that is not quite JSON: Java services cut strings in the middle of a
//! UTF-16 pair and write the half as a lone surrogate escape (`"\ud83d"`), which a
//! strict parser refuses, taking the whole answer with it. Repaired to U+FFFD, the answer
//! reads, and the one damaged character shows as what it is.

use std::borrow::Cow;

/// `bytes` with every invalid string escape (a lone UTF-16 surrogate such as `\ud83d`,
/// `\x41`, `\u12G4`) and every invalid UTF-8 sequence replaced by U+FFFD, so that the
/// ticket holding it can be read; borrowed when nothing needed replacing.
pub fn repaired(bytes: &[u8]) -> Cow<'_, [u8]> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

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
}
