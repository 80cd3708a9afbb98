//! `Query` → the parameters of `GET …/organizations/{org}/tickets`, and what is left for
//! the client (research/arcticwolf-connectwise.md §1.8).
//!
//! Server-side: `status`, `priority`, `type` (comma-separated), `assigneeByEmail`, and
//! `createdAfter`/`createdBefore` or `updatedAfter`/`updatedBefore` with at most 3
//! fractional digits. Client-side: `--exclude-status`, keyword, statuses or priorities
//! that include `unknown`, and `--sort` (the API has none, so sorting waits for every
//! ticket). Which organizations and pods are asked is `discovery.rs`'s business.

use super::NAME;
use super::map::{PRIORITIES, STATUSES, TYPES, wire_time};
use crate::error::{Error, Result};
use crate::model::{Filter, Priority, Query, SortField, SortOrder, Status, TimeField};
use crate::providers::Explanation;
use chrono::Duration;

/// What one list call will do.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Plan {
    /// Query parameters other than `offset`/`limit`.
    pub params: Vec<(&'static str, String)>,
    /// Applied to mapped tickets.
    pub filter: Filter,
    /// The requested statuses or priorities have no Arctic Wolf equivalent.
    pub matches_nothing: bool,
    /// Sorted here, after every ticket is in.
    pub sort: Option<(SortField, SortOrder)>,
}

impl Plan {
    pub fn filters_client_side(&self) -> bool {
        !self.filter.is_empty()
    }
}

pub(super) fn plan(q: &Query) -> Result<Plan> {
    if q.time_field == TimeField::Closed && (q.since.is_some() || q.until.is_some()) {
        return Err(Error::invalid(
            "--time-field",
            "closed",
            "created or updated for arcticwolf (the Ticket API has no closing time)",
        ));
    }
    if let Some(a) = q.approvers.first() {
        return Err(Error::invalid(
            "--approver",
            a,
            "not for arcticwolf (its tickets have no approvers)",
        ));
    }
    if let Some(bad) = q.assignees.iter().find(|a| !a.contains('@')) {
        return Err(Error::invalid(
            "--assignee",
            bad,
            "an assignee's e-mail address for arcticwolf (sent as assigneeByEmail)",
        ));
    }
    if q.assignees.len() > 50 {
        return Err(Error::invalid(
            "--assignee",
            q.assignees.len(),
            "at most 50 addresses for arcticwolf",
        ));
    }
    let mut types = Vec::new();
    for t in &q.types {
        let up = t.trim().to_ascii_uppercase();
        if !TYPES.contains(&up.as_str()) {
            return Err(Error::invalid(
                "--type",
                t,
                format!("one of: {} (arcticwolf)", TYPES.join(", ")),
            ));
        }
        if !types.contains(&up) {
            types.push(up);
        }
    }

    let mut params = Vec::new();
    let mut filter = Filter {
        keyword: q.keyword.clone(),
        exclude_statuses: q.exclude_statuses.clone(),
        time_field: q.time_field,
        ..Filter::default()
    };
    let mut matches_nothing = false;

    if q.statuses.contains(&Status::Unknown) {
        filter.statuses = q.statuses.clone();
    } else if !q.statuses.is_empty() {
        let wire: Vec<&str> = STATUSES
            .iter()
            .filter(|(_, s)| q.statuses.contains(s))
            .map(|(w, _)| *w)
            .collect();
        if wire.is_empty() {
            matches_nothing = true;
        } else {
            params.push(("status", wire.join(",")));
        }
    }
    if q.priorities.contains(&Priority::Unknown) {
        filter.priorities = q.priorities.clone();
    } else if !q.priorities.is_empty() {
        let wire: Vec<&str> = PRIORITIES
            .iter()
            .filter(|(_, p)| q.priorities.contains(p))
            .map(|(w, _)| *w)
            .collect();
        params.push(("priority", wire.join(",")));
    }
    if !types.is_empty() {
        params.push(("type", types.join(",")));
    }
    if !q.assignees.is_empty() {
        params.push(("assigneeByEmail", q.assignees.join(",")));
    }
    // "After"/"Before" read as strict bounds; tix's are inclusive, so each moves out by
    // the API's finest step, a millisecond.
    let (after, before) = match q.time_field {
        TimeField::Updated => ("updatedAfter", "updatedBefore"),
        _ => ("createdAfter", "createdBefore"),
    };
    if let Some(s) = q.since {
        params.push((after, wire_time(s - Duration::milliseconds(1))));
    }
    if let Some(u) = q.until {
        params.push((before, wire_time(u + Duration::milliseconds(1))));
    }
    Ok(Plan {
        params,
        filter,
        matches_nothing,
        sort: q.sort,
    })
}

impl Plan {
    pub fn explain(&self, q: &Query, page_size: u64) -> String {
        let request = format!(
            "GET /api/v1/organizations{}, then GET /api/v1/organizations/{{org}}/tickets on each organization's pod",
            q.options
                .arcticwolf
                .root
                .as_deref()
                .map(|r| format!(" (root {r})"))
                .unwrap_or_default()
        );
        let mut scope = Vec::new();
        if !q.tenants.is_empty() {
            scope.push(format!("--org {}", q.tenants.join(",")));
        }
        if !q.options.arcticwolf.pods.is_empty() {
            scope.push(format!("--pod {}", q.options.arcticwolf.pods.join(",")));
        }
        let scope = if scope.is_empty() {
            "every one the key sees, in every pod".to_owned()
        } else {
            scope.join(" and ")
        };
        let mut client = self.filter.describe();
        if let Some((field, order)) = self.sort {
            client.push(format!(
                "sort by {field:?} {order:?} (the API has no sort: every ticket is fetched first)"
            ));
        }
        Explanation::new(NAME, request)
            .line("organizations", scope)
            .no_request_if(self.matches_nothing, "no Arctic Wolf status matches the filter")
            .server_params(&self.params)
            .client(&client)
            .pages(format!(
                "offset/limit, {page_size} per request; up to {c} organizations at once, each with up to {c} pages in flight once its total is known",
                c = q.concurrency.max(1)
            ))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn q(f: impl FnOnce(&mut Query)) -> Query {
        let mut q = Query {
            concurrency: 4,
            ..Query::default()
        };
        f(&mut q);
        q
    }

    #[test]
    fn statuses_priorities_types_and_assignees_go_to_the_server() {
        let p = plan(&q(|q| {
            q.statuses = vec![Status::WaitingCustomer, Status::New];
            q.priorities = vec![Priority::Critical, Priority::Medium];
            q.types = vec!["incident".into()];
            q.assignees = vec!["a@example.com".into(), "b@example.com".into()];
        }))
        .unwrap();
        assert_eq!(
            p.params,
            vec![
                ("status", "NEW,PENDING".to_owned()),
                ("priority", "NORMAL,URGENT".to_owned()),
                ("type", "INCIDENT".to_owned()),
                ("assigneeByEmail", "a@example.com,b@example.com".to_owned()),
            ]
        );
        assert!(!p.filters_client_side());
    }

    #[test]
    fn dates_have_milliseconds_at_most_and_bounds_stay_inclusive() {
        let p = plan(&q(|q| {
            q.time_field = TimeField::Updated;
            q.since = Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap());
            q.until = Some(
                Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()
                    + Duration::nanoseconds(123_456_789),
            );
        }))
        .unwrap();
        assert_eq!(
            p.params,
            vec![
                ("updatedAfter", "2026-10-31T23:59:59.999Z".to_owned()),
                ("updatedBefore", "2026-11-02T00:00:00.124Z".to_owned()),
            ]
        );
    }

    #[test]
    fn what_the_api_cannot_do_is_refused_or_done_here() {
        let e = plan(&q(|q| {
            q.time_field = TimeField::Closed;
            q.since = Some(Utc::now());
        }))
        .unwrap_err();
        assert!(e.to_string().contains("--time-field"));
        assert!(
            plan(&q(|q| q.types = vec!["ALERT".into()]))
                .unwrap_err()
                .to_string()
                .contains("QUESTION, INCIDENT, PROBLEM, TASK")
        );
        assert!(plan(&q(|q| q.assignees = vec!["Jane".into()])).is_err());
        assert!(plan(&q(|q| q.approvers = vec!["x".into()])).is_err());
        let p = plan(&q(|q| q.statuses = vec![Status::InProgress])).unwrap();
        assert!(p.matches_nothing);
        let p = plan(&q(|q| {
            q.statuses = vec![Status::Unknown];
            q.keyword = Some("vpn".into());
        }))
        .unwrap();
        assert!(p.params.is_empty() && p.filters_client_side());
    }
}
