//! tix: one CLI for the tickets MSSP/MDR providers open.

pub mod error;
pub mod model;
pub mod output;
pub mod sim;

pub use error::{Error, Result};
