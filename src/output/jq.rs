//! `--jq EXPR`: a jq filter run in-process (the jaq crates) over what `-o json`,
//! `-o jsonl` or `-o ocsf` would print, each result on its own line as `jq -c` prints it.
//!
//! The input is what the format writes, so `tix list -o F --jq E` prints what
//! `tix list -o F | jq -c E` would:
//! - `-o jsonl` and `-o ocsf`: each ticket is one input, filtered as it arrives.
//! - `-o json`: the one array is the input (`length` counts the tickets). A filter of
//!   the form `.[]` or `.[] | F` is run as `F` on each ticket as it arrives instead,
//!   which gives the same results without holding the list; any other filter needs
//!   the whole array, which is kept until the list ends.

use super::TicketWriter;
use super::fields::Projection;
use crate::error::{Error, Result};
use crate::model::Ticket;
use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data};
use jaq_json::Val;
use std::io::{self, Write};
use std::sync::Arc;

type Filter = jaq_core::Filter<data::JustLut<Val>>;

/// A checked `--jq` filter.
#[derive(Clone)]
pub struct Jq {
    text: Arc<str>,
    whole: Arc<Filter>,
    /// For `.[] | F`: `F`, to run on each element of the array as it arrives.
    each: Option<Arc<Filter>>,
}

impl std::fmt::Debug for Jq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Jq").field(&self.text).finish()
    }
}

impl Jq {
    /// Compiles `expr`; a syntax error or an undefined name is a one-line error naming
    /// `--jq`, before any request.
    pub fn parse(expr: &str) -> Result<Jq> {
        let whole = compile(expr)?;
        let each = element_filter(expr).map(compile).transpose()?;
        Ok(Jq {
            text: expr.into(),
            whole: Arc::new(whole),
            each: each.map(Arc::new),
        })
    }

    /// Whether `-o json` can filter each ticket as it arrives (`.[] | F`).
    pub fn streams_arrays(&self) -> bool {
        self.each.is_some()
    }

    /// Runs the filter on one input and writes each result as one compact line. The
    /// input is serialized as the formats print it, so keys keep their order.
    pub fn write<T: serde::Serialize + ?Sized>(
        &self,
        input: &T,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        run(&self.whole, to_val(input)?, out)
    }
}

/// `F` when `expr` is `.[] | F` (or `.[]` alone, when `F` is `.`): the pipe binds
/// loosest in jq, so everything after the first `|` is `F` whole. `.[] |= …`, `.[] //
/// …`, `.[], …` and `.[] as $x | …` are other filters and are not split.
fn element_filter(expr: &str) -> Option<&str> {
    let rest = expr.trim_start().strip_prefix(".[]")?.trim_start();
    if rest.is_empty() {
        return Some(".");
    }
    let f = rest.strip_prefix('|')?;
    if f.starts_with('=') || f.trim().is_empty() {
        return None;
    }
    Some(f)
}

fn compile(expr: &str) -> Result<Filter> {
    let invalid = |why: String| Error::invalid("--jq", expr, why);
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());
    let arena = Arena::default();
    let modules = Loader::new(defs)
        .load(
            &arena,
            File {
                code: expr,
                path: (),
            },
        )
        .map_err(|errs| invalid(load_message(&errs)))?;
    Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errs| {
            let names: Vec<String> = errs
                .iter()
                .flat_map(|(_, e)| e.iter())
                .map(|(name, kind)| format!("undefined {} '{name}'", kind.as_str()))
                .collect();
            invalid(names.join(", "))
        })
}

/// The first load error as one line: what was expected and the text where it was not.
fn load_message(errs: &jaq_core::load::Errors<&str, ()>) -> String {
    use jaq_core::load::Error as E;
    let near = |s: &str| {
        let s: String = s.chars().take(20).collect();
        if s.is_empty() {
            "at the end".to_owned()
        } else {
            format!("near '{s}'")
        }
    };
    match errs.first().map(|(_, e)| e) {
        Some(E::Lex(es)) => es
            .first()
            .map(|(expect, at)| format!("expected {} {}", expect.as_str(), near(at)))
            .unwrap_or_default(),
        Some(E::Parse(es)) => es
            .first()
            .map(|(expect, at)| format!("expected {} {}", expect.as_str(), near(at)))
            .unwrap_or_default(),
        Some(E::Io(es)) => es
            .first()
            .map(|(path, why)| format!("cannot load '{path}': {why}"))
            .unwrap_or_default(),
        None => "not a jq filter".to_owned(),
    }
}

/// A value as jaq reads it, through its JSON text: key order and numbers as printed.
fn to_val<T: serde::Serialize + ?Sized>(v: &T) -> io::Result<Val> {
    let text = serde_json::to_vec(v)?;
    jaq_json::read::parse_single(&text).map_err(|e| io::Error::other(format!("--jq: {e}")))
}

fn run(filter: &Filter, input: Val, out: &mut dyn Write) -> io::Result<()> {
    let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
    for result in filter.id.run((ctx, input)) {
        match result {
            Ok(v) => {
                jaq_json::write::write(out, &jaq_json::write::Pp::default(), 0, &v)?;
                out.write_all(b"\n")?;
            }
            // `halt` ends jq itself; here it ends the filter, not the process.
            Err(exn) => {
                let msg = match exn.get_err() {
                    Ok(e) => e.to_string(),
                    Err(_) => "halt is not supported".to_owned(),
                };
                return Err(io::Error::other(format!("--jq: {msg}")));
            }
        }
    }
    Ok(())
}

/// What `--jq` reads from each ticket: the ticket as `-o json|jsonl` prints it (with
/// `--fields`), or its OCSF event.
pub(super) enum Shape {
    Ticket(Option<Vec<String>>),
    Ocsf(chrono::DateTime<chrono::Utc>),
}

/// A [`TicketWriter`] that prints the filter's results instead of the tickets.
pub(super) struct JqWriter<W> {
    out: W,
    jq: Jq,
    shape: Shape,
    /// `-o json` with a filter of the whole array: the items until `finish`.
    array: Option<Vec<Val>>,
    /// `-o json` with `.[] | F`: `F` on each item as it arrives.
    elements: bool,
    count: u64,
}

impl<W: Write> JqWriter<W> {
    /// `array`: the input is one array of every ticket (`-o json`), not each ticket.
    pub fn new(out: W, jq: Jq, shape: Shape, array: bool) -> Self {
        let elements = array && jq.streams_arrays();
        let array = (array && !elements).then(Vec::new);
        JqWriter {
            out,
            jq,
            shape,
            array,
            elements,
            count: 0,
        }
    }
}

impl<W: Write> TicketWriter for JqWriter<W> {
    fn write(&mut self, ticket: &Ticket) -> io::Result<()> {
        let value = match &self.shape {
            Shape::Ticket(keys) => to_val(&Projection {
                ticket,
                keys: keys.as_deref(),
            })?,
            Shape::Ocsf(now) => to_val(&super::ocsf::event(ticket, *now))?,
        };
        self.count += 1;
        match (&mut self.array, &self.jq.each) {
            (Some(items), _) => items.push(value),
            (None, Some(each)) if self.elements => run(each, value, &mut self.out)?,
            (None, _) => run(&self.jq.whole, value, &mut self.out)?,
        }
        Ok(())
    }

    /// Runs a whole-array filter (once; a second call prints nothing) and flushes.
    fn finish(&mut self) -> io::Result<()> {
        if let Some(items) = self.array.take() {
            let array = Val::Arr(jaq_json::Rc::new(items));
            run(&self.jq.whole, array, &mut self.out)?;
        }
        self.out.flush()
    }

    fn count(&self) -> u64 {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn print(expr: &str, input: serde_json::Value) -> String {
        let mut out = Vec::new();
        Jq::parse(expr).unwrap().write(&input, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn results_print_compact_one_per_line() {
        let t = json!({"id": "7", "title": "Zürich \"x\"\u{1b}", "n": [1, 2.5], "tenant": null});
        assert_eq!(print(".id", t.clone()), "\"7\"\n");
        assert_eq!(
            print("{id,title}", t.clone()),
            "{\"id\":\"7\",\"title\":\"Zürich \\\"x\\\"\\u001b\"}\n"
        );
        assert_eq!(print(".n[]", t.clone()), "1\n2.5\n");
        assert_eq!(print(".tenant.name // \"none\"", t.clone()), "\"none\"\n");
        assert_eq!(print("empty", t), "");
    }

    #[test]
    fn a_bad_filter_is_one_line_naming_the_flag() {
        for bad in [".id |", "{id", "nosuchfilter", ".[] | $x"] {
            let e = Jq::parse(bad).unwrap_err();
            let msg = e.to_string();
            assert!(
                msg.starts_with(&format!("invalid value '{bad}' for --jq: ")),
                "{msg}"
            );
            assert!(!msg.contains('\n'), "{msg}");
            assert_eq!(e.exit_code(), 2);
        }
        assert!(
            Jq::parse("nosuchfilter")
                .unwrap_err()
                .to_string()
                .contains("undefined filter 'nosuchfilter'")
        );
    }

    #[test]
    fn only_a_leading_iteration_piped_on_is_split_per_element() {
        assert_eq!(element_filter(".[]"), Some("."));
        assert_eq!(element_filter(" .[] | .id"), Some(" .id"));
        assert_eq!(element_filter(".[]|select(.a)|.b"), Some("select(.a)|.b"));
        for whole in [
            ".[] |= 1",
            ".[], 1",
            ".[] as $x | $x",
            ".[] // 1",
            "length",
            ".[].id",
            ".[] |",
        ] {
            assert_eq!(element_filter(whole), None, "{whole}");
        }
    }

    #[test]
    fn a_runtime_error_names_the_flag() {
        let mut out = Vec::new();
        let e = Jq::parse(".id + 1")
            .unwrap()
            .write(&json!({"id": "x"}), &mut out)
            .unwrap_err();
        assert!(e.to_string().starts_with("--jq: "), "{e}");
    }

    /// A sink the test can read while the writer still holds it.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// Writes the sample tickets one by one; answers what was printed after each and
    /// after `finish`.
    fn printed_as_they_arrive(expr: &str, array: bool) -> Vec<String> {
        let out = Shared::default();
        let shape = Shape::Ticket(Some(vec!["id".into()]));
        let mut w = JqWriter::new(out.clone(), Jq::parse(expr).unwrap(), shape, array);
        let mut seen = Vec::new();
        for t in super::super::sample::tickets() {
            w.write(&t).unwrap();
            seen.push(out.text());
        }
        w.finish().unwrap();
        w.finish().unwrap();
        assert_eq!(w.count(), 3);
        seen.push(out.text());
        seen
    }

    #[test]
    fn each_ticket_is_filtered_as_it_arrives_unless_the_filter_needs_the_array() {
        let jsonl = printed_as_they_arrive(".id", false);
        assert_eq!(jsonl[0], "\"8812345\"\n");
        assert_eq!(jsonl[1], "\"8812345\"\n\"5f0c2a9e\"\n");
        let json_each = printed_as_they_arrive(".[] | .id", true);
        assert_eq!(json_each, jsonl);
        let json_whole = printed_as_they_arrive("length", true);
        assert_eq!(json_whole, ["", "", "", "3\n"]);
        let keys = printed_as_they_arrive("map(.id)", true);
        assert_eq!(keys[3], "[\"8812345\",\"5f0c2a9e\",\"g-4471\"]\n");
    }
}
