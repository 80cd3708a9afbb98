//! Free text for comments and descriptions: an argument, a file, or stdin.

use crate::error::{Error, Result};
use std::io::{IsTerminal, Read};
use std::path::Path;

/// The text from `arg`, else the file `file` (`-` = stdin), else stdin when it is not a
/// terminal, without its trailing line breaks. Empty text is refused: a provider would store an empty comment.
pub fn read(flag: &str, arg: Option<&str>, file: Option<&Path>) -> Result<String> {
    let text = match (arg, file) {
        (Some(t), _) => t.to_owned(),
        (None, Some(p)) if p == Path::new("-") => stdin()?,
        (None, Some(p)) => std::fs::read_to_string(p).map_err(|e| {
            Error::invalid(
                "--file",
                p.display(),
                format!("a readable UTF-8 text file ({e})"),
            )
        })?,
        (None, None) if !std::io::stdin().is_terminal() => stdin()?,
        (None, None) => {
            return Err(Error::invalid(
                flag,
                "",
                "required: give the text, --file FILE, or pipe it on stdin",
            ));
        }
    };
    if text.trim().is_empty() {
        return Err(Error::invalid(flag, "", "non-empty text"));
    }
    // `echo text | tix comment …` and files end in a newline the user never meant to
    // post; inner line breaks and leading indentation are kept.
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

fn stdin() -> Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| Error::invalid("stdin", "", format!("UTF-8 text ({e})")))?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_line_breaks_are_dropped_and_inner_ones_kept() {
        let text = read("--comment", Some("  first\r\nsecond\n\n"), None).unwrap();
        assert_eq!(text, "  first\r\nsecond");
    }

    #[test]
    fn blank_text_is_refused_naming_the_flag() {
        let err = read("--comment", Some(" \n"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--comment"), "{err}");
    }
}
