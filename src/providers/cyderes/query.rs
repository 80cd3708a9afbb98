//! `Query` → the parameters of `GET /v2/tickets`, and what is left for the client.
//!
//! Server-side: `ticket_type` (one type; `all` for none or several), `escalated_only`
//! (always sent: the API's default `true` would hide tickets), `lookup_fields`, and the
//! day-granular `created_*`/`updated_*` dates. Client-side: several types, status,
//! priority, keyword, tenant, closed times, and the exact `--since`/`--until` instant.

use super::NAME;
use crate::error::{Error, Result};
use crate::model::{Filter, Query, SortField, SortOrder, TimeField};
use crate::providers::Explanation;

/// The documented `ticket_type` values.
pub(super) const TICKET_TYPES: &[&str] = &[
    "all",
    "alert",
    "service_task",
    "service_proactive",
    "service_request",
    "phishing",
];

/// What one list call will do.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Plan {
    /// Query parameters other than `skip`/`limit`.
    pub params: Vec<(&'static str, String)>,
    pub filter: Filter,
    /// `--escalated-only`: also dropped here when a ticket says it is not escalated.
    pub escalated_only: bool,
    /// Keep each ticket's original object (`--raw`, and `--with-raw-event`, whose event
    /// has no normalized field).
    pub raw: bool,
}

pub(super) fn plan(q: &Query) -> Result<Plan> {
    let mut types: Vec<String> = Vec::new();
    for t in &q.types {
        let t = t.trim().to_ascii_lowercase();
        if !TICKET_TYPES.contains(&t.as_str()) {
            return Err(Error::invalid(
                "--type",
                &t,
                format!("one of: {} (cyderes)", TICKET_TYPES.join(", ")),
            ));
        }
        if !types.contains(&t) {
            types.push(t);
        }
    }
    if types.iter().any(|t| t == "all") {
        types.clear();
    }
    let lookup = match q.sort {
        None => match q.time_field {
            TimeField::Updated => "updated",
            _ => "created",
        },
        Some((SortField::Created, SortOrder::Desc)) => "created",
        Some((SortField::Updated, SortOrder::Desc)) => "updated",
        Some(_) => {
            return Err(Error::invalid(
                "--sort",
                "",
                "created or updated, newest first: cyderes sorts only that way (no --order asc)",
            ));
        }
    };
    let escalated_only = q.options.cyderes.escalated_only.unwrap_or(false);
    let mut params = vec![(
        "ticket_type",
        match types.as_slice() {
            [one] => one.clone(),
            _ => "all".to_owned(),
        },
    )];
    params.push(("lookup_fields", lookup.to_owned()));
    params.push(("escalated_only", escalated_only.to_string()));
    if q.options.cyderes.with_raw_event {
        params.push(("include_raw_event", "true".to_owned()));
    }
    let day = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d").to_string();
    let (from, to) = match q.time_field {
        TimeField::Created => (Some("created_from"), Some("created_to")),
        TimeField::Updated => (Some("updated_from"), Some("updated_to")),
        TimeField::Closed => (None, None),
    };
    if let (Some(name), Some(s)) = (from, q.since) {
        params.push((name, day(s)));
    }
    if let (Some(name), Some(u)) = (to, q.until) {
        params.push((name, day(u)));
    }
    let filter = Filter {
        statuses: q.statuses.clone(),
        exclude_statuses: q.exclude_statuses.clone(),
        priorities: q.priorities.clone(),
        types: if types.len() > 1 { types } else { Vec::new() },
        tenants: q.tenants.clone(),
        keyword: q.keyword.clone(),
        time_field: q.time_field,
        since: q.since,
        until: q.until,
    };
    Ok(Plan {
        params,
        filter,
        escalated_only,
        raw: q.raw || q.options.cyderes.with_raw_event,
    })
}

impl Plan {
    /// Whether anything is filtered after mapping (then `--limit` counts after it).
    pub fn filters_client_side(&self) -> bool {
        !self.filter.is_empty()
    }

    /// The `--explain` text.
    pub fn explain(&self, page_size: u64) -> String {
        Explanation::new(NAME, "GET /v2/tickets")
            .server_params(&self.params)
            .client(&self.filter.describe())
            .pages(format!("skip/limit, {page_size} per request; no total, so one request after another until an empty page"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CyderesOptions, ProviderOptions, Status};
    use chrono::{TimeZone, Utc};

    fn params(q: &Query) -> Vec<(&'static str, String)> {
        plan(q).unwrap().params
    }

    #[test]
    fn defaults_ask_for_every_ticket() {
        assert_eq!(
            params(&Query::default()),
            vec![
                ("ticket_type", "all".into()),
                ("lookup_fields", "created".into()),
                ("escalated_only", "false".into()),
            ]
        );
        assert!(!plan(&Query::default()).unwrap().filters_client_side());
    }

    #[test]
    fn one_type_is_server_side_several_are_client_side() {
        let q = Query {
            types: vec!["Phishing".into()],
            options: ProviderOptions {
                cyderes: CyderesOptions {
                    escalated_only: Some(true),
                    with_raw_event: true,
                },
                ..ProviderOptions::default()
            },
            ..Query::default()
        };
        let p = plan(&q).unwrap();
        assert_eq!(
            p.params,
            vec![
                ("ticket_type", "phishing".into()),
                ("lookup_fields", "created".into()),
                ("escalated_only", "true".into()),
                ("include_raw_event", "true".into()),
            ]
        );
        assert!(p.raw);
        let q = Query {
            types: vec!["alert".into(), "phishing".into()],
            ..Query::default()
        };
        let p = plan(&q).unwrap();
        assert_eq!(p.params[0], ("ticket_type", "all".into()));
        assert_eq!(p.filter.types, vec!["alert", "phishing"]);
    }

    #[test]
    fn unknown_type_names_the_flag_and_the_values() {
        let q = Query {
            types: vec!["incident".into()],
            ..Query::default()
        };
        let e = plan(&q).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.to_string(),
            "invalid value 'incident' for --type: one of: all, alert, service_task, service_proactive, service_request, phishing (cyderes)"
        );
    }

    #[test]
    fn times_are_days_on_the_wire_and_exact_here() {
        let q = Query {
            since: Some(Utc.with_ymd_and_hms(2026, 10, 1, 13, 0, 0).unwrap()),
            until: Some(Utc.with_ymd_and_hms(2026, 10, 2, 1, 0, 0).unwrap()),
            time_field: TimeField::Updated,
            statuses: vec![Status::Open],
            ..Query::default()
        };
        let p = plan(&q).unwrap();
        assert_eq!(
            p.params,
            vec![
                ("ticket_type", "all".into()),
                ("lookup_fields", "updated".into()),
                ("escalated_only", "false".into()),
                ("updated_from", "2026-10-01".into()),
                ("updated_to", "2026-10-02".into()),
            ]
        );
        assert!(p.filters_client_side());
        assert!(p.explain(250).contains("updated >= 2026-10-01T13:00:00"));
    }

    #[test]
    fn only_newest_first_sorts() {
        let q = Query {
            sort: Some((SortField::Created, SortOrder::Asc)),
            ..Query::default()
        };
        assert!(plan(&q).unwrap_err().to_string().contains("--sort"));
        let q = Query {
            sort: Some((SortField::Updated, SortOrder::Desc)),
            ..Query::default()
        };
        assert_eq!(params(&q)[1], ("lookup_fields", "updated".into()));
    }
}
