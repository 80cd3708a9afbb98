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
    // The rest are one provider's own (`ProviderInfo::list_flags` says whose); the CLI
    // refuses them for a provider that does not name them, before any request.
    /// `--service` (Argus): service ids or shortnames, any of these.
    pub services: Vec<String>,
    /// `--where` (Argus): JSON search criteria merged into the request body.
    pub criteria: Option<serde_json::Value>,
    /// `--escalated-only` (Cyderes); `None` = the provider's default as tix chooses it.
    pub escalated_only: Option<bool>,
    /// `--with-raw-event` (Cyderes).
    pub with_raw_event: bool,
    /// `--pod` (Arctic Wolf): pod names, any of these.
    pub pods: Vec<String>,
    /// `--root` (Arctic Wolf): only organizations under this one (id or name).
    pub root: Option<String>,
}

impl Query {
    /// The page size to ask for: never more than `limit` needs, never more than `max`.
    pub fn effective_page_size(&self, max: u64) -> u64 {
        let size = self.page_size.unwrap_or(max).min(max);
        match self.limit {
            Some(limit) => size.min(limit.max(1)),
            None => size,
        }
    }

    /// The page size for a listing: as [`effective_page_size`](Self::effective_page_size),
    /// except when some filters run here, where `limit` says nothing about how many
    /// tickets the server must send before `limit` of them pass.
    pub fn request_page_size(&self, max: u64, filters_client_side: bool) -> u64 {
        if filters_client_side {
            self.page_size.unwrap_or(max).min(max)
        } else {
            self.effective_page_size(max)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_never_exceeds_limit_or_max() {
        let q = Query {
            limit: Some(10),
            ..Query::default()
        };
        assert_eq!(q.effective_page_size(1000), 10);
        let q = Query {
            page_size: Some(500),
            ..Query::default()
        };
        assert_eq!(q.effective_page_size(1000), 500);
        assert_eq!(Query::default().effective_page_size(1000), 1000);
    }
}
