//! `-o jsonl`: one compact JSON object per line, written as each ticket arrives.

use super::TicketWriter;
use super::fields::Projection;
use crate::model::Ticket;
use std::io::{self, Write};

pub(super) struct JsonlWriter<W> {
    out: W,
    fields: Option<Vec<String>>,
    count: u64,
    /// One line, serialized here first and handed to `out` in one write: serde_json's
    /// many small writes would each go through `out`'s dynamic dispatch. Its capacity is
    /// kept from ticket to ticket.
    line: Vec<u8>,
}

impl<W: Write> JsonlWriter<W> {
    pub fn new(out: W, fields: Option<Vec<String>>) -> Self {
        JsonlWriter {
            out,
            fields,
            count: 0,
            line: Vec::with_capacity(4096),
        }
    }
}

impl<W: Write> TicketWriter for JsonlWriter<W> {
    fn write(&mut self, ticket: &Ticket) -> io::Result<()> {
        let item = Projection {
            ticket,
            keys: self.fields.as_deref(),
        };
        self.line.clear();
        item.write_json(&mut self.line)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.count += 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
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
        sample::print(&sample::with_fields(Format::Jsonl, fields), n)
    }

    #[test]
    fn one_whole_ticket_per_line_in_schema_order() {
        let out = print(None, 2);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(out.ends_with('\n'));
        // The key order of tix.ticket/v1, restated here rather than taken from the model.
        assert!(lines[1].starts_with(
            r#"{"provider":"cyderes","id":"5f0c2a9e","number":"CYD-1001","tenant":null,"#
        ));
        let a: Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(a["tenant"]["name"], "Acme Corp");
        assert_eq!(a["status"], "waiting_customer");
        assert_eq!(a["status_raw"], "pendingCustomer");
        assert_eq!(a["type"], "securityIncident");
        assert_eq!(a["created"], "2026-10-01T11:55:00Z");
        assert_eq!(a["closed"], Value::Null);
        assert_eq!(a["assignees"][1], "Björn Ek");
        assert!(a.get("comments").is_none() && a.get("raw").is_none());
        let b: Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(b["closed"], "2026-08-03T17:05:00Z");
    }

    #[test]
    fn fields_pick_keys_in_the_order_given() {
        let fields = ["url", "tenant.name", "id", "assignees"]
            .map(String::from)
            .to_vec();
        let out = print(Some(fields), 1);
        assert_eq!(
            out,
            "{\"url\":\"https://portal.mnemonic.no/spa/case/view/8812345\",\
             \"tenant.name\":\"Acme Corp\",\"id\":\"8812345\",\
             \"assignees\":[\"Ana Souza\",\"Björn Ek\"]}\n"
        );
    }

    #[test]
    fn an_empty_result_prints_nothing() {
        assert_eq!(print(None, 0), "");
    }
}
