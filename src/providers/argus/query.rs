//! `Query` → the body of the advanced search, `POST /cases/v2/case/search`
//! (vendor-docs/argus-case-api.txt "Advanced search", "Exclude subcriteria";
//! research/argus-sonar.md §1.7), and what is left for the client.
//!
//! Server-side: `status`, `priority`, `type`, `keywords`, `customer`, `service`,
//! `user` (assignees), the time window (`startTimestamp`/`endTimestamp` in epoch
//! milliseconds on one `timeFieldStrategy`), `--exclude-status` as an exclude
//! subCriteria, `sortBy` (default `-id`, newest first), and `--where` merged in.
//! Client-side: only the `unknown` status or priority, which no server can be asked for.

use super::NAME;
use super::map::{PRIORITIES, TYPES, case_type, search_statuses};
use crate::error::{Error, Result};
use crate::model::{Filter, Priority, Query, SortField, SortOrder, Status, TimeField};
use crate::providers::Explanation;
use serde_json::{Map, Value, json};

/// What one list call will send and do.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Plan {
    /// The search criteria, without `limit`/`offset` (the pager adds those).
    pub body: Map<String, Value>,
    pub filter: Filter,
    /// The requested statuses have no Argus equivalent (`new`): no request is made.
    pub matches_nothing: bool,
}

pub(super) fn plan(q: &Query) -> Result<Plan> {
    let mut body = Map::new();
    let mut filter = Filter::default();
    let mut matches_nothing = false;

    if !q.approvers.is_empty() {
        return Err(Error::invalid(
            "--approver",
            q.approvers.join(","),
            "not available for argus (Argus cases have no approvers); use --assignee",
        ));
    }

    if q.statuses.contains(&Status::Unknown) {
        filter.statuses = q.statuses.clone();
    } else if !q.statuses.is_empty() {
        let wanted = statuses(&q.statuses);
        matches_nothing |= wanted.is_empty();
        body.insert("status".into(), json!(wanted));
    }
    if q.exclude_statuses.contains(&Status::Unknown) {
        filter.exclude_statuses = q.exclude_statuses.clone();
    } else {
        let excluded = statuses(&q.exclude_statuses);
        if !excluded.is_empty() {
            body.insert(
                "subCriteria".into(),
                json!([{"exclude": true, "status": excluded}]),
            );
        }
    }
    if q.priorities.contains(&Priority::Unknown) {
        filter.priorities = q.priorities.clone();
    } else if !q.priorities.is_empty() {
        let wanted: Vec<&str> = PRIORITIES
            .iter()
            .filter(|(_, p)| q.priorities.contains(p))
            .map(|(w, _)| *w)
            .collect();
        body.insert("priority".into(), json!(wanted));
    }
    if !q.types.is_empty() {
        let types = q
            .types
            .iter()
            .map(|t| {
                case_type(t).ok_or_else(|| {
                    Error::invalid("--type", t, format!("one of: {}", TYPES.join(", ")))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        body.insert("type".into(), json!(types));
    }
    if let Some(k) = &q.keyword {
        body.insert("keywords".into(), json!([k]));
    }
    if !q.tenants.is_empty() {
        body.insert("customer".into(), json!(q.tenants));
    }
    if !q.options.argus.services.is_empty() {
        body.insert("service".into(), json!(q.options.argus.services));
    }
    if !q.assignees.is_empty() {
        body.insert("user".into(), json!(q.assignees));
        body.insert(
            "userFieldStrategy".into(),
            json!(["assignedUser", "assignedTech"]),
        );
    }
    if q.since.is_some() || q.until.is_some() {
        if let Some(s) = q.since {
            body.insert("startTimestamp".into(), json!(s.timestamp_millis()));
        }
        if let Some(u) = q.until {
            body.insert("endTimestamp".into(), json!(u.timestamp_millis()));
        }
        let field = match q.time_field {
            TimeField::Created => "createdTimestamp",
            TimeField::Updated => "lastUpdatedTimestamp",
            TimeField::Closed => "closedTimestamp",
        };
        body.insert("timeFieldStrategy".into(), json!([field]));
    }
    let (field, order) = q.sort.unwrap_or((SortField::Id, SortOrder::Desc));
    let field = match field {
        SortField::Id => "id",
        SortField::Created => "createdTimestamp",
        SortField::Updated => "lastUpdatedTimestamp",
        SortField::Closed => "closedTimestamp",
    };
    let sort = match order {
        SortOrder::Asc => field.to_owned(),
        SortOrder::Desc => format!("-{field}"),
    };
    body.insert("sortBy".into(), json!([sort]));
    if let Some(criteria) = &q.options.argus.criteria {
        merge_where(&mut body, criteria)?;
    }
    Ok(Plan {
        body,
        filter,
        matches_nothing,
    })
}

fn statuses(wanted: &[Status]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for st in wanted {
        for s in search_statuses(*st) {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// `--where` wins over what the flags set, except that its `subCriteria` are added to
/// the flags' (an exclude from `--exclude-status` stays), and the pager's own `limit`
/// and `offset` cannot be set.
fn merge_where(body: &mut Map<String, Value>, criteria: &Value) -> Result<()> {
    let Value::Object(extra) = criteria else {
        return Err(Error::invalid(
            "--where",
            criteria,
            "a JSON object of search criteria",
        ));
    };
    for (key, value) in extra {
        match (key.as_str(), value, body.get_mut(key)) {
            ("limit" | "offset", _, _) => {
                return Err(Error::invalid(
                    "--where",
                    criteria,
                    format!("search criteria other than {key} (use --limit and --page-size)"),
                ));
            }
            ("subCriteria", Value::Array(more), Some(Value::Array(ours))) => {
                ours.extend(more.iter().cloned());
            }
            _ => {
                body.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(())
}

impl Plan {
    /// The body of the page at `offset`, `limit` long.
    pub fn page_body(&self, offset: u64, limit: u64) -> Value {
        let mut body = self.body.clone();
        body.insert("limit".into(), json!(limit));
        body.insert("offset".into(), json!(offset));
        Value::Object(body)
    }

    pub fn filters_client_side(&self) -> bool {
        !self.filter.is_empty()
    }

    /// The `--explain` text.
    pub fn explain(&self, page_size: u64, concurrency: usize) -> String {
        Explanation::new(NAME, "POST /cases/v2/case/search")
            .no_request_if(self.matches_nothing, "no Argus status matches the filter")
            .line("server-side", Value::Object(self.body.clone()))
            .client(&self.filter.describe())
            .pages(format!("limit/offset in the body, {page_size} per request; once the count is known up to {concurrency} requests at once (a count of -1: one after another until an empty page)"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArgusOptions, ProviderOptions};
    use chrono::{TimeZone, Utc};

    fn argus_where(criteria: Value) -> ProviderOptions {
        ProviderOptions {
            argus: ArgusOptions {
                services: Vec::new(),
                criteria: Some(criteria),
            },
            ..ProviderOptions::default()
        }
    }

    fn body(q: &Query) -> Value {
        Value::Object(plan(q).unwrap().body)
    }

    #[test]
    fn waiting_customer_excluding_closed_since_a_date_is_one_body() {
        let since = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let q = Query {
            statuses: vec![Status::WaitingCustomer],
            exclude_statuses: vec![Status::Closed],
            since: Some(since),
            ..Query::default()
        };
        assert_eq!(
            body(&q),
            json!({
                "status": ["pendingCustomer", "workingCustomer"],
                "subCriteria": [{"exclude": true, "status": ["closed"]}],
                "startTimestamp": since.timestamp_millis(),
                "timeFieldStrategy": ["createdTimestamp"],
                "sortBy": ["-id"],
            })
        );
    }

    #[test]
    fn every_flag_reaches_the_body() {
        let q = Query {
            priorities: vec![Priority::Critical, Priority::Low],
            types: vec!["SECURITYINCIDENT".into()],
            keyword: Some("vpn".into()),
            tenants: vec!["mnemonic".into(), "2".into()],
            options: ProviderOptions {
                argus: ArgusOptions {
                    services: vec!["ids".into()],
                    criteria: None,
                },
                ..ProviderOptions::default()
            },
            assignees: vec!["tech1".into()],
            until: Some(Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()),
            time_field: TimeField::Updated,
            sort: Some((SortField::Created, SortOrder::Asc)),
            ..Query::default()
        };
        assert_eq!(
            body(&q),
            json!({
                "priority": ["critical", "low"],
                "type": ["securityIncident"],
                "keywords": ["vpn"],
                "customer": ["mnemonic", "2"],
                "service": ["ids"],
                "user": ["tech1"],
                "userFieldStrategy": ["assignedUser", "assignedTech"],
                "endTimestamp": 1_793_577_600_000_i64,
                "timeFieldStrategy": ["lastUpdatedTimestamp"],
                "sortBy": ["createdTimestamp"],
            })
        );
        assert!(!plan(&q).unwrap().filters_client_side());
    }

    #[test]
    fn where_is_merged_and_keeps_the_exclude() {
        let q = Query {
            exclude_statuses: vec![Status::Closed],
            options: argus_where(
                json!({"subCriteria": [{"required": true, "tag": [{"key": "k"}]}], "includeDescription": false}),
            ),
            ..Query::default()
        };
        let b = body(&q);
        assert_eq!(b["includeDescription"], false);
        assert_eq!(b["subCriteria"].as_array().unwrap().len(), 2);
        let q = Query {
            options: argus_where(json!({"limit": 5})),
            ..Query::default()
        };
        assert!(plan(&q).unwrap_err().to_string().contains("--where"));
    }

    #[test]
    fn new_matches_nothing_unknown_is_client_side_and_bad_types_are_refused() {
        let q = Query {
            statuses: vec![Status::New],
            ..Query::default()
        };
        assert!(plan(&q).unwrap().matches_nothing);
        let q = Query {
            statuses: vec![Status::Unknown],
            ..Query::default()
        };
        assert!(plan(&q).unwrap().filters_client_side());
        let q = Query {
            types: vec!["incident".into()],
            ..Query::default()
        };
        let e = plan(&q).unwrap_err().to_string();
        assert!(
            e.contains("--type") && e.contains("securityIncident"),
            "{e}"
        );
    }
}
