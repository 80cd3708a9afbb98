//! `tix get` on a terminal: one ticket in full, for reading rather than parsing.
//!
//! The title, a block of labelled fields, the description, then the comments in order.
//! Text from the provider is wrapped to the width and stripped of control characters.

use super::{OutputOptions, Tone, printable, time_text};
use crate::model::Ticket;
use chrono::{DateTime, Utc};
use comfy_table::{ContentArrangement, Table, presets::NOTHING};
use std::io::{self, Write};

/// Where bodies start, under their heading.
const INDENT: &str = "  ";

const BOLD: &str = "1";
const DIM: &str = "2";

/// Writes one ticket in full: a header block (title, provider, id, number, status and
/// priority with the provider's own words, tenant, type, times, assignees, url), the
/// description, then the comments in order (author, time, internal marker, body).
/// Keys without a value are left out. Colour only when `opts.color`.
pub fn write_detail(opts: &OutputOptions, ticket: &Ticket, out: &mut dyn Write) -> io::Result<()> {
    let paint = |sgr: Option<&str>, s: &str| match sgr {
        Some(code) if opts.color => format!("\x1b[{code}m{s}\x1b[0m"),
        _ => s.to_owned(),
    };

    let title = ticket.title.as_deref().unwrap_or("(no title)");
    for line in wrap(&printable(title, false), opts.width) {
        writeln!(out, "{}", paint(Some(BOLD), &line))?;
    }
    writeln!(out)?;

    let status = with_raw(ticket.status.as_str(), ticket.status_raw.as_deref());
    let priority = with_raw(ticket.priority.as_str(), ticket.priority_raw.as_deref());
    let tenant = ticket.tenant.as_ref().and_then(|t| {
        let mut ids: Vec<String> = t.id.iter().cloned().collect();
        ids.extend(t.pod.as_ref().map(|p| format!("pod {p}")));
        match (&t.name, ids.is_empty()) {
            (Some(name), true) => Some(name.clone()),
            (Some(name), false) => Some(format!("{name} ({})", ids.join(", "))),
            (None, false) => Some(ids.join(", ")),
            (None, true) => None,
        }
    });
    let time = |t: Option<DateTime<Utc>>| t.map(|t| full_time(opts, t));
    let assignees = (!ticket.assignees.is_empty()).then(|| ticket.assignees.join(", "));
    let rows: [(&str, Option<String>, Tone); 12] = [
        ("Provider", Some(ticket.provider.to_string()), Tone::Plain),
        ("ID", Some(ticket.id.clone()), Tone::Plain),
        ("Number", ticket.number.clone(), Tone::Plain),
        ("Status", Some(status), Tone::of_status(ticket.status)),
        (
            "Priority",
            Some(priority),
            Tone::of_priority(ticket.priority),
        ),
        ("Tenant", tenant, Tone::Plain),
        ("Type", ticket.kind.clone(), Tone::Plain),
        ("Created", time(ticket.created), Tone::Plain),
        ("Updated", time(ticket.updated), Tone::Plain),
        ("Closed", time(ticket.closed), Tone::Plain),
        ("Assignees", assignees, Tone::Plain),
        ("URL", ticket.url.clone(), Tone::Plain),
    ];
    for (label, value, tone) in rows {
        if let Some(value) = value {
            let label = paint(Some(DIM), &format!("{label:<10}"));
            writeln!(
                out,
                "{label} {}",
                paint(tone.sgr(), &printable(&value, false))
            )?;
        }
    }

    if let Some(description) = ticket
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        writeln!(out, "\n{}", paint(Some(BOLD), "Description"))?;
        write_body(out, description, opts.width)?;
    }

    if let Some(comments) = &ticket.comments {
        let heading = format!("Comments ({})", comments.len());
        writeln!(out, "\n{}", paint(Some(BOLD), &heading))?;
        for comment in comments {
            writeln!(out)?;
            let author = comment.author.as_deref().unwrap_or("unknown author");
            let mut line = paint(Some(BOLD), &printable(author, false));
            if let Some(t) = comment.created {
                line.push_str(&format!(" · {}", full_time(opts, t)));
            }
            if comment.internal == Some(true) {
                line.push_str(&format!(" · {}", paint(Tone::Yellow.sgr(), "internal")));
            }
            writeln!(out, "{line}")?;
            write_body(out, &comment.body, opts.width)?;
        }
    }
    out.flush()
}

/// `word (raw)`, leaving out the provider's word when it only differs in case.
fn with_raw(word: &str, raw: Option<&str>) -> String {
    match raw {
        Some(raw) if !raw.eq_ignore_ascii_case(word) => format!("{word} ({raw})"),
        _ => word.to_owned(),
    }
}

/// The time in the one style tables use.
fn full_time(opts: &OutputOptions, t: DateTime<Utc>) -> String {
    time_text(opts, t)
}

/// Whether a provider's text is HTML (Argus descriptions, Cyderes insights) rather than
/// plain text that happens to hold a `<`.
fn looks_like_html(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    [
        "</", "<br", "<p>", "<p ", "<div", "<ul", "<ol", "<li", "<table", "&nbsp;", "&amp;", "&lt;",
    ]
    .iter()
    .any(|tag| lower.contains(tag))
}

/// HTML as the text a browser would show (paragraphs, line breaks, lists, entities);
/// anything else unchanged. Wrapping is done after, with the rest of the body.
fn as_text(body: &str) -> String {
    if !looks_like_html(body) {
        return body.to_owned();
    }
    // No wrapping here (a width no line reaches): `wrap` measures display width.
    html2text::config::plain_no_decorate()
        .string_from_read(body.as_bytes(), 100_000)
        .map(|t| t.trim_end().to_owned())
        .unwrap_or_else(|_| body.to_owned())
}

fn write_body(out: &mut dyn Write, body: &str, width: usize) -> io::Result<()> {
    let inner = width.saturating_sub(INDENT.len());
    let width = if width == 0 { 0 } else { inner.max(1) };
    let body = as_text(body);
    for line in wrap(&printable(body.trim_end(), true), width) {
        if line.is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, "{INDENT}{line}")?;
        }
    }
    Ok(())
}

/// `text` broken into lines at most `width` terminal columns wide (0 = as it is), at
/// spaces where possible. comfy-table does the work because it measures display width
/// (wide CJK characters, emoji), which counting chars would get wrong.
fn wrap(text: &str, width: usize) -> Vec<String> {
    if width == 0 {
        return text.lines().map(str::to_owned).collect();
    }
    let mut table = Table::new();
    table
        .force_no_tty()
        .load_style(NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(width).unwrap_or(u16::MAX))
        .add_row(vec![text]);
    for column in table.column_iter_mut() {
        column.set_padding((0, 0));
    }
    table.lines().map(|l| l.trim_end().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::super::{Format, sample};
    use super::*;

    fn detail(opts: &OutputOptions, i: usize) -> String {
        let mut buf = Vec::new();
        write_detail(opts, &sample::tickets()[i], &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn header_description_and_comments_in_order() {
        let mut opts = sample::opts(Format::Table);
        opts.width = 60;
        opts.tty = true;
        let out = detail(&opts, 2);
        insta::assert_snapshot!(out);
        assert!(out.lines().all(|l| l.chars().count() <= 60), "{out}");
        let first = out.find("Ana Souza").unwrap();
        let second = out.find("unknown author").unwrap();
        assert!(first < second);
    }

    #[test]
    fn every_header_key_with_a_value_is_shown() {
        let opts = sample::opts(Format::Table);
        let out = detail(&opts, 0);
        insta::assert_snapshot!(out);
        for want in [
            "ID         8812345",
            "Status     waiting_customer (pendingCustomer)",
            "Priority   critical\n",
            "Tenant     Acme Corp (c-17)",
            "Type       securityIncident",
            "Created    2026-10-01 11:55\n",
            "Assignees  Ana Souza, Björn Ek",
            "URL        https://portal.mnemonic.no/spa/case/view/8812345",
            "  Encoded command spawned by winword.exe.\n  Host isolated.\n",
        ] {
            assert!(out.contains(want), "{want:?} in\n{out}");
        }
        assert!(!out.contains("Closed") && !out.contains("Comments"));
    }

    #[test]
    fn colour_only_when_asked() {
        let mut opts = sample::opts(Format::Table);
        assert!(!detail(&opts, 2).contains('\x1b'));
        opts.color = true;
        let out = detail(&opts, 2);
        assert!(out.contains("\x1b[33mhigh\x1b[0m"), "{out}");
        assert!(out.contains("\x1b[33minternal\x1b[0m"));
    }

    #[test]
    fn provider_text_cannot_send_escapes() {
        let mut t = Ticket::new("sonar", "g-1");
        t.title = Some("evil\x1b]0;pwned\x07 title".into());
        t.description = Some("line\x1b[2J one\r\nline two".into());
        let mut buf = Vec::new();
        write_detail(&sample::opts(Format::Table), &t, &mut buf).unwrap();
        let out = String::from_utf8(buf).unwrap();
        assert!(!out.contains('\x1b') && !out.contains('\x07') && !out.contains('\r'));
        assert!(out.contains("  line[2J one\n  line two\n"), "{out}");
    }

    #[test]
    fn html_is_shown_as_text() {
        let mut t = Ticket::new("argus", "1");
        t.title = Some("x".into());
        t.description = Some(
            "<p>A user reported a <b>login page</b> imitating the VPN.</p><ul><li>one</li><li>two &amp; three</li></ul>"
                .into(),
        );
        let mut buf = Vec::new();
        write_detail(&sample::opts(Format::Table), &t, &mut buf).unwrap();
        let out = String::from_utf8(buf).unwrap();
        assert!(
            !out.contains("<p>") && !out.contains("<b>") && !out.contains("&amp;"),
            "{out}"
        );
        assert!(
            out.contains("A user reported a login page imitating the VPN."),
            "{out}"
        );
        assert!(out.contains("two & three"), "{out}");
        assert_eq!(as_text("if a < b then"), "if a < b then");
    }

    #[test]
    fn wrapping_measures_display_width() {
        assert_eq!(wrap("日本語のテキスト", 8), ["日本語の", "テキスト"]);
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(
            wrap("para one\n\npara two", 0),
            ["para one", "", "para two"]
        );
        assert_eq!(
            wrap("para one\n\npara two", 40),
            ["para one", "", "para two"]
        );
    }
}
