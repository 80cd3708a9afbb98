//! One folder per provider, each with the same files: `mod.rs` (the `TicketSource`),
//! `wire.rs` (the vendor's JSON, private), `map.rs` (wire → model) and `query.rs`
//! (`Query` → request parameters and client-side filters).

pub mod arcticwolf;
pub mod argus;
pub mod cyderes;
pub mod sonar;
