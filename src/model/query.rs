use super::{Priority, Status};
use chrono::{DateTime, Utc};

/// What `tix list` asks of every provider, already validated against the provider's bounds.
///
/// Each provider sends server-side what its API supports and filters the rest
/// client-side (`--explain` says which); no field here is provider-specific in meaning.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// Inclusive lower bound on `time_field`.
    pub since: Option<DateTime<Utc>>,
    /// Inclusive upper bound on `time_field`.
    pub until: Option<DateTime<Utc>>,
    pub time_field: TimeField,
    /// Any of these (empty = all).
    pub statuses: Vec<Status>,
    /// Any of these (empty = all).
    pub priorities: Vec<Priority>,
    /// Provider ticket/case types, any of these.
    pub types: Vec<String>,
    pub keyword: Option<String>,
    /// Tenant ids or names, any of these.
    pub tenants: Vec<String>,
    /// Assignee ids (Sonar: user GUIDs), any of these.
    pub assignees: Vec<String>,
    /// Approver ids (Sonar: user GUIDs), any of these.
    pub approvers: Vec<String>,
    /// Total number of tickets to return; `None` = all.
    pub limit: Option<u64>,
    /// Tickets per request; `None` = the provider's maximum.
    pub page_size: Option<u64>,
    /// Pages fetched at once once the total is known; at least 1.
    pub concurrency: usize,
    pub sort: Option<(SortField, SortOrder)>,
    /// Fill `Ticket::raw` with the provider's original object.
    pub raw: bool,
    /// `--exclude-status`: none of these (every provider; server-side where the API can).
    pub exclude_statuses: Vec<Status>,
    /// The flags only some providers take, parsed once by the CLI, by provider; a
    /// provider reads its own, and the CLI refuses a flag for a provider whose
    /// `ProviderInfo::list_flags` does not name it, before any request.
    pub options: ProviderOptions,
}

/// Each provider's own `tix list` options; those of other providers stay at their
/// defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProviderOptions {
    pub argus: ArgusOptions,
    pub cyderes: CyderesOptions,
    pub arcticwolf: ArcticWolfOptions,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArgusOptions {
    /// `--service`: service ids or shortnames, any of these.
    pub services: Vec<String>,
    /// `--where`: JSON search criteria merged into the request body (an object).
    pub criteria: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CyderesOptions {
    /// `--escalated-only`; `None` = the provider's default as tix chooses it.
    pub escalated_only: Option<bool>,
    /// `--with-raw-event`.
    pub with_raw_event: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArcticWolfOptions {
    /// `--pod`: pod names, any of these.
    pub pods: Vec<String>,
    /// `--root`: only organizations under this one (id or name).
    pub root: Option<String>,
}

/// A `tix list` flag only some providers take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFlag {
    Service,
    Where,
    EscalatedOnly,
    WithRawEvent,
    Pod,
    Root,
}

impl ListFlag {
    /// The flag as typed: `--service`.
    pub fn name(self) -> &'static str {
        match self {
            ListFlag::Service => "--service",
            ListFlag::Where => "--where",
            ListFlag::EscalatedOnly => "--escalated-only",
            ListFlag::WithRawEvent => "--with-raw-event",
            ListFlag::Pod => "--pod",
            ListFlag::Root => "--root",
        }
    }
}

/// Which time `--since`/`--until` bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TimeField {
    #[default]
    Created,
    Updated,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    Id,
    Created,
    Updated,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}
