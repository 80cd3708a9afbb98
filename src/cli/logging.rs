//! Log lines and warnings on stderr: sanitized, coloured only for a person, and said once.
//!
//! - Every field of a log line goes through [`sanitize::line`], so a provider's text in a
//!   message (an error body, a status string) cannot send escape sequences.
//! - Colour only when stderr is a terminal and `NO_COLOR` is unset: a log file or a cron
//!   mail gets plain text.
//! - A warning or error repeated word for word is printed once; [`finish`] then says how
//!   many more there were (`… and 999 more like: …`), so 1000 tickets with the same
//!   unmapped status make two lines, not a thousand.

use crate::output::sanitize;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// Starts logging on stderr: warnings by default, `-v` info, `-vv` debug, `RUST_LOG` over
/// both. `color` is the caller's decision (stderr is a terminal, no `NO_COLOR`).
pub fn init(verbose: u8, color: bool) {
    // rustls-platform-verifier logs every refused certificate as an ERROR; tix prints
    // that refusal itself, once, in plain words with its fix (http::tls_errors).
    let default = match verbose {
        0 => "warn,rustls_platform_verifier=off",
        1 => "tix=info,warn,rustls_platform_verifier=off",
        _ => "tix=debug,info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let fields = tracing_subscriber::fmt::format::debug_fn(|w, field, value| {
        let shown = format!("{value:?}");
        let shown = sanitize::line(&shown);
        if field.name() == "message" {
            write!(w, "{shown}")
        } else {
            write!(w, "{}={shown}", field.name())
        }
    });
    let fields = tracing_subscriber::field::MakeExt::delimited(fields, " ");
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(color)
        .fmt_fields(fields);
    // The collapsing layer sits after the filter and before the printer: its
    // `event_enabled` drops a repeat before anything is written.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(Collapse)
        .with(fmt)
        .try_init();
}

/// Whether stderr should get colour: a terminal, and `NO_COLOR` unset or empty.
pub fn stderr_color(stderr_tty: bool) -> bool {
    stderr_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// How often each warning was seen, in the order first seen.
#[derive(Default)]
struct Seen {
    counts: HashMap<String, u64>,
    order: Vec<String>,
}

fn seen() -> &'static Mutex<Seen> {
    static SEEN: OnceLock<Mutex<Seen>> = OnceLock::new();
    SEEN.get_or_init(Default::default)
}

/// True the first time `key` is said; counts every later time.
pub fn first_time(key: &str) -> bool {
    let mut seen = seen().lock().unwrap_or_else(|e| e.into_inner());
    match seen.counts.get_mut(key) {
        Some(n) => {
            *n += 1;
            false
        }
        None => {
            seen.counts.insert(key.to_owned(), 0);
            seen.order.push(key.to_owned());
            true
        }
    }
}

/// The lines that close a run: one per warning said more than once, with how many
/// times more. Emptied by the call.
pub fn repeats() -> Vec<String> {
    let mut seen = seen().lock().unwrap_or_else(|e| e.into_inner());
    let seen = std::mem::take(&mut *seen);
    seen.order
        .into_iter()
        .filter_map(|k| {
            let n = seen.counts[&k];
            (n > 0).then(|| format!("… and {n} more like: {}", sanitize::line(&k)))
        })
        .collect()
}

/// Prints [`repeats`] on stderr, as warnings; called once as the process ends.
pub fn finish() {
    for line in repeats() {
        eprintln!("tix: warning: {line}");
    }
}

/// Drops a warning or error event whose text was already printed.
struct Collapse;

impl<S: Subscriber> Layer<S> for Collapse {
    fn event_enabled(&self, event: &Event<'_>, _cx: Context<'_, S>) -> bool {
        if *event.metadata().level() > Level::WARN {
            return true;
        }
        let mut key = Key(String::new());
        event.record(&mut key);
        first_time(&key.0)
    }
}

/// An event's fields as one string: what makes two events "the same".
struct Key(String);

impl Visit for Key {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, "{}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_warning_is_counted_not_repeated() {
        let key = "test-only: unmapped status 'x'";
        assert!(first_time(key));
        for _ in 0..999 {
            assert!(!first_time(key));
        }
        assert!(first_time("test-only: another"));
        let lines = repeats();
        assert!(
            lines.contains(&"… and 999 more like: test-only: unmapped status 'x'".to_owned()),
            "{lines:?}"
        );
        assert!(!lines.iter().any(|l| l.contains("another")), "{lines:?}");
    }
}
