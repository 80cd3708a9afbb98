//! `tix schema`: the JSON Schema of the normalized ticket.

use crate::error::Result;
use crate::model::{SCHEMA_ID, Ticket};
use std::io::Write;

pub fn run() -> Result<u8> {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(Ticket)).map_err(std::io::Error::from)?;
    schema["$id"] = SCHEMA_ID.into();
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &schema).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(0)
}
