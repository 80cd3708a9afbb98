//! ConnectWise Manage (PSA) as the place MSSP tickets land: one service ticket per MSSP
//! ticket on a chosen board, its comments as Discussion notes, and with `--two-way`
//! what technicians write going back (issue 8).
//!
//! Sources: `shared/vendor-docs/connectwise-configuration.txt` (security role, board,
//! status, API keys, company id, Discussion notes, the 50 MB attachment limit, the
//! TLS 1.2/1.3 policy the shared HTTP client already enforces) and
//! `shared/research/arcticwolf-connectwise.md` §2–3 (the REST API).
//!
//! - `client.rs`: root, auth, paging by `Link`, errors; `wire.rs`: the API's types.
//! - `target.rs`: board, status, company and priorities by name or id.
//! - `check.rs`: `tix cw check`, naming the missing security-role permission
//!   (`security.rs`: what sync needs, read from `GET /system/mysecurity`).
//! - `push.rs` / `pull.rs`: the two directions; `ledger.rs`: what tix remembers
//!   (`sqlite_ledger.rs`: in the sync state); `marker.rs`: the marks that make writes
//!   exactly-once and echo-free; `sink.rs`: ConnectWise as a sink of the sync engine
//!   (`tix sync --to connectwise`).

pub mod check;
pub mod client;
pub mod ledger;
pub mod marker;
pub mod pull;
pub mod push;
pub mod security;
pub mod sink;
pub mod sqlite_ledger;
pub mod target;
mod wire;

pub use client::{CwClient, CwConfig};
pub use ledger::{Ledger, Mapping, MemoryLedger, Pushed, TicketKey};
pub use pull::{PullReport, pull};
pub use push::{PushReport, Pusher};
pub use sink::CwSink;
pub use target::{Target, TargetSpec, parse_priority_map};

/// The sink's name in messages and errors.
pub const NAME: &str = "connectwise";
