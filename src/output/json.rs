//! `-o json`: one JSON array, streamed: `[`, then one compact item per line separated by
//! commas, then `]` on finish. The output is one valid JSON document at the end and
//! never needs the whole result in memory.

use super::TicketWriter;
use super::fields::Projection;
use crate::model::Ticket;
use std::io::{self, Write};

pub(super) struct JsonWriter<W> {
    out: W,
    fields: Option<Vec<String>>,
    count: u64,
    finished: bool,
    /// One item, serialized here first and written to `out` at once (as in jsonl.rs).
    item: Vec<u8>,
}

impl<W: Write> JsonWriter<W> {
    pub fn new(out: W, fields: Option<Vec<String>>) -> Self {
        JsonWriter {
            out,
            fields,
            count: 0,
            finished: false,
            item: Vec::with_capacity(4096),
        }
    }
}

impl<W: Write> TicketWriter for JsonWriter<W> {
    fn write(&mut self, ticket: &Ticket) -> io::Result<()> {
        self.item.clear();
        self.item
            .extend_from_slice(if self.count == 0 { b"[\n" } else { b",\n" });
        let item = Projection {
            ticket,
            keys: self.fields.as_deref(),
        };
        item.write_json(&mut self.item)?;
        self.out.write_all(&self.item)?;
        self.count += 1;
        Ok(())
    }

    /// Closes the array (an empty result is `[]`); a second call writes nothing.
    fn finish(&mut self) -> io::Result<()> {
        if !self.finished {
            self.finished = true;
            self.out
                .write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }

    fn count(&self) -> u64 {
        self.count
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, sample};
    use serde_json::Value;

    fn print(fields: Option<Vec<String>>, n: usize) -> String {
        sample::print(&sample::with_fields(Format::Json, fields), n)
    }

    #[test]
    fn output_is_one_array_of_tickets_one_per_line() {
        let out = print(None, 3);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 5, "{out}");
        assert_eq!((lines[0], lines[4]), ("[", "]"));
        assert!(lines[1].ends_with(',') && lines[2].ends_with(',') && !lines[3].ends_with(','));
        let items: Vec<Value> = serde_json::from_str(&out).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["provider"], "argus");
        assert_eq!(items[0]["tenant"]["id"], "c-17");
        assert_eq!(items[0]["priority"], "critical");
        assert_eq!(items[1]["number"], "CYD-1001");
        assert_eq!(items[1]["assignees"], serde_json::json!([]));
        assert_eq!(items[2]["comments"][1]["internal"], true);
    }

    #[test]
    fn an_empty_result_is_an_empty_array() {
        assert_eq!(print(None, 0), "[]\n");
    }

    #[test]
    fn fields_pick_keys_in_the_order_given() {
        let fields = ["title", "provider", "closed"].map(String::from).to_vec();
        let out = print(Some(fields), 2);
        let items: Vec<Value> = serde_json::from_str(&out).unwrap();
        assert_eq!(items[1]["closed"], "2026-08-03T17:05:00Z");
        assert!(
            out.contains(
                r#"{"title":"Phishing report: invoice.pdf","provider":"cyderes","closed":"#
            )
        );
        assert_eq!(items[0].as_object().unwrap().len(), 3);
    }
}
