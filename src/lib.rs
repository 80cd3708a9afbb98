//! tix: one CLI for the tickets MSSP/MDR providers open.

pub mod sim;
