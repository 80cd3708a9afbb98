//! `Query` → the parameters of `GET /api/sonar/tickets`, and what is left for the client.
//!
//! Server-side: `from`/`to` (on created), `statuses`, `priorities`, `keywords`,
//! `assignees`, `approvers`, `sort_column`/`sort_type`. Client-side: type, tenant, and
//! times on updated or closed; `from`/`to` are also re-checked exactly, because Sonar
//! works in whole seconds.

use super::NAME;
use super::map::{PRIORITIES, STATUSES, wire_time};
use crate::error::{Error, Result};
use crate::model::{Filter, Priority, Query, SortField, SortOrder, Status, TimeField};
use crate::providers::Explanation;

/// What one list call will do.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Plan {
    /// Query parameters other than `offset`/`limit`.
    pub params: Vec<(&'static str, String)>,
    /// Applied to mapped tickets.
    pub filter: Filter,
    /// The requested statuses or priorities have no Sonar equivalent, so nothing can
    /// match and no request is made.
    pub matches_nothing: bool,
}

pub(super) fn plan(q: &Query) -> Result<Plan> {
    for (flag, ids) in [("--assignee", &q.assignees), ("--approver", &q.approvers)] {
        if let Some(bad) = ids.iter().find(|id| uuid::Uuid::parse_str(id).is_err()) {
            return Err(Error::invalid(
                flag,
                bad,
                "a Sonar user GUID such as bfd00bb0-be99-4fd5-8380-166f544975fa",
            ));
        }
    }
    let mut params = Vec::new();
    let mut filter = Filter {
        types: q.types.clone(),
        tenants: q.tenants.clone(),
        time_field: q.time_field,
        since: q.since,
        until: q.until,
        ..Filter::default()
    };
    let mut matches_nothing = false;

    if q.time_field == TimeField::Created {
        if let Some(s) = q.since {
            params.push(("from", wire_time(s)));
        }
        if let Some(u) = q.until {
            params.push(("to", wire_time(u)));
        }
    }

    // Sonar has no negative status filter.
    filter.exclude_statuses = q.exclude_statuses.clone();

    // `unknown` cannot be asked of the server; then the whole status filter runs here.
    if q.statuses.contains(&Status::Unknown) {
        filter.statuses = q.statuses.clone();
    } else if !q.statuses.is_empty() {
        let wanted: Vec<&str> = STATUSES
            .iter()
            .filter(|(_, st)| q.statuses.contains(st))
            .map(|(s, _)| *s)
            .collect();
        if wanted.is_empty() {
            matches_nothing = true;
        }
        params.push(("statuses", wanted.join(",")));
    }

    if q.priorities.contains(&Priority::Unknown) {
        filter.priorities = q.priorities.clone();
    } else if !q.priorities.is_empty() {
        let wanted: Vec<String> = PRIORITIES
            .iter()
            .filter(|(_, _, p)| q.priorities.contains(p))
            .map(|(n, _, _)| n.to_string())
            .collect();
        if wanted.is_empty() {
            matches_nothing = true;
        }
        params.push(("priorities", wanted.join(",")));
    }

    if let Some(k) = &q.keyword {
        params.push(("keywords", k.clone()));
    }
    if !q.assignees.is_empty() {
        params.push(("assignees", q.assignees.join(",")));
    }
    if !q.approvers.is_empty() {
        params.push(("approvers", q.approvers.join(",")));
    }
    if let Some((field, order)) = q.sort {
        let column = match field {
            SortField::Id => "id",
            SortField::Created => "created_at",
            SortField::Updated => "updated_at",
            SortField::Closed => "closed_at",
        };
        params.push(("sort_column", column.into()));
        params.push((
            "sort_type",
            match order {
                SortOrder::Asc => "ASC",
                SortOrder::Desc => "DESC",
            }
            .into(),
        ));
    }
    Ok(Plan {
        params,
        filter,
        matches_nothing,
    })
}

impl Plan {
    /// Whether anything must be filtered after mapping. The time bounds only count when
    /// Sonar could not apply them; on `created` they are a whole-second re-check.
    pub fn filters_client_side(&self) -> bool {
        let mut rest = self.filter.clone();
        if rest.time_field == TimeField::Created {
            rest.since = None;
            rest.until = None;
        }
        !rest.is_empty()
    }

    /// The `--explain` text.
    pub fn explain(&self, page_size: u64, concurrency: usize) -> String {
        Explanation::new(NAME, "GET /api/sonar/tickets")
            .no_request_if(self.matches_nothing, "no Sonar status or priority matches the filter")
            .server_params(&self.params)
            .client(&self.filter.describe())
            .pages(format!("offset/limit, {page_size} per request; the total is known, so up to {concurrency} requests at once after the first"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn params(q: &Query) -> Vec<(&'static str, String)> {
        plan(q).unwrap().params
    }

    #[test]
    fn statuses_map_to_every_matching_sonar_status() {
        let q = Query {
            statuses: vec![Status::InProgress, Status::Resolved],
            ..Query::default()
        };
        assert_eq!(
            params(&q),
            vec![("statuses", "IN_PROGRESS,REJECTED,SUBMITTED,APPROVED".into())]
        );
    }

    #[test]
    fn statuses_sonar_lacks_mean_no_request() {
        let q = Query {
            statuses: vec![Status::WaitingCustomer],
            ..Query::default()
        };
        assert!(plan(&q).unwrap().matches_nothing);
        let q = Query {
            priorities: vec![Priority::Critical],
            ..Query::default()
        };
        assert!(plan(&q).unwrap().matches_nothing);
    }

    #[test]
    fn unknown_status_is_filtered_here() {
        let q = Query {
            statuses: vec![Status::Unknown, Status::New],
            ..Query::default()
        };
        let p = plan(&q).unwrap();
        assert!(p.params.is_empty());
        assert!(p.filters_client_side());
    }

    #[test]
    fn every_server_side_parameter() {
        let q = Query {
            since: Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()),
            until: Some(Utc.with_ymd_and_hms(2026, 11, 2, 12, 30, 5).unwrap()),
            priorities: vec![Priority::High, Priority::Low],
            keyword: Some("vpn".into()),
            assignees: vec!["bfd00bb0-be99-4fd5-8380-166f544975fa".into()],
            approvers: vec!["6fbe27b7-f1ae-4d7a-a1a5-76d8fa9aa311".into()],
            sort: Some((SortField::Updated, SortOrder::Asc)),
            ..Query::default()
        };
        assert_eq!(
            params(&q),
            vec![
                ("from", "2026-11-01 00:00:00+0000".into()),
                ("to", "2026-11-02 12:30:05+0000".into()),
                ("priorities", "3,1".into()),
                ("keywords", "vpn".into()),
                ("assignees", "bfd00bb0-be99-4fd5-8380-166f544975fa".into()),
                ("approvers", "6fbe27b7-f1ae-4d7a-a1a5-76d8fa9aa311".into()),
                ("sort_column", "updated_at".into()),
                ("sort_type", "ASC".into()),
            ]
        );
        assert!(!plan(&q).unwrap().filters_client_side());
    }

    #[test]
    fn updated_window_is_client_side() {
        let q = Query {
            since: Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()),
            time_field: TimeField::Updated,
            ..Query::default()
        };
        let p = plan(&q).unwrap();
        assert!(p.params.is_empty());
        assert!(p.filters_client_side());
    }

    #[test]
    fn non_guid_assignee_names_the_flag() {
        let q = Query {
            approvers: vec!["joshua".into()],
            ..Query::default()
        };
        let e = plan(&q).unwrap_err().to_string();
        assert!(e.contains("--approver") && e.contains("'joshua'"), "{e}");
    }
}
