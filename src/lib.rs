//! tix: one CLI for the tickets MSSP/MDR providers open.
//!
//! The CLI (`src/cli`) turns flags into a [`model::Query`], builds a
//! [`source::TicketSource`] from a profile ([`config`]), and prints the stream of
//! normalized [`model::Ticket`]s it yields.

pub mod atomic_file;
pub mod cli;
pub mod config;
pub mod error;
pub mod http;
pub mod model;
pub mod output;
pub mod paginate;
pub mod providers;
pub mod sinks;
pub mod source;
pub mod sync;

pub use error::{Error, Result};
