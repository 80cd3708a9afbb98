//! The normalized types every provider maps into (schema `tix.ticket/v1`, DESIGN.md).
//!
//! Nothing here knows a provider's wire format; providers map into these in their `map.rs`.

mod change;
mod filter;
mod ioc;
mod org;
mod query;
mod status;
mod ticket;
pub mod time;
pub mod words;

pub use change::{NewTicket, TicketUpdate};
pub use filter::Filter;
pub use ioc::{Ioc, IocQuery};
pub use org::Org;
pub use query::{
    ArcticWolfOptions, ArgusOptions, CyderesOptions, ListFlag, ProviderOptions, Query, SortField,
    SortOrder, TimeField,
};
pub use status::{Priority, Status};
pub use ticket::{Attachment, Comment, FIELDS, SCHEMA_ID, Tenant, Ticket};
