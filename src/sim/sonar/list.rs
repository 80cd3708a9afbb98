//! `GET /api/sonar/tickets`: every parameter of the vendor document, validated in the document's
//! order with its 400 messages word for word.
//!
//! What the document leaves open, and what we chose:
//! - default order: id DESC (newest first); a `sort_column` alone sorts DESC, a `sort_type` alone
//!   sorts by id; ties break on id in the same direction; an open ticket's `closed_at` sorts as the
//!   lowest value;
//! - `limit` above 1000 gets a 400 whose wording ("must be less than or equal to 1000.") is inferred
//!   from the documented minimum message;
//! - an empty parameter (`statuses=`) counts as absent; list elements are not trimmed;
//! - a non-integer `priorities` element gets the documented priority message with that input;
//! - `keywords` matches a case-insensitive substring of the title;
//! - `from`/`to` are inclusive bounds on `created`.
//!
//! Unfiltered paging costs no scan: the default order is the store's own order read backwards, and
//! sorted orders are cached until the next write.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::catalog::{Directory, Priority, Status};
use super::error::SonarError;
use super::json;
use super::store::{Column, Store, Ticket};
use super::{Sonar, guid, pairs, param, time};

pub async fn tickets(
    State(sonar): State<Arc<Sonar>>,
    RawQuery(query): RawQuery,
) -> Result<Response, SonarError> {
    let q = Query::parse(query.as_deref().unwrap_or(""), &sonar.dir)?;
    let store = sonar.read();
    let (total, page) = select(&store, &q);
    let tickets = page
        .into_iter()
        .map(|at| json::ticket(&sonar.dir, &store, &store.tickets[at]))
        .collect();
    Ok(Json(json::List { total, tickets }).into_response())
}

/// A validated list request.
#[derive(Default)]
struct Query {
    offset: usize,
    limit: usize,
    from: Option<i64>,
    to: Option<i64>,
    /// Bit set of [`Status::bit`].
    statuses: Option<u8>,
    keywords: Option<String>,
    /// Bit set of priority numbers.
    priorities: Option<u8>,
    /// Bit sets of directory users; GUIDs of unknown users match nobody.
    assignees: Option<u32>,
    approvers: Option<u32>,
    column: Option<Column>,
    descending: Option<bool>,
}

impl Query {
    fn parse(raw: &str, dir: &Directory) -> Result<Query, SonarError> {
        let p = pairs(raw.as_bytes());
        let get = |k| param(&p, k);
        let mut q = Query {
            offset: count(get("offset"), "offset")?.unwrap_or(0),
            limit: count(get("limit"), "limit")?.unwrap_or(1000),
            from: date(get("from"), "from")?,
            to: date(get("to"), "to")?,
            ..Query::default()
        };
        if q.limit > 1000 {
            return Err(SonarError::invalid_argument(
                "'limit' must be less than or equal to 1000.",
            ));
        }
        if let Some(list) = get("statuses") {
            let bits = list.split(',').try_fold(0u8, |bits, s| {
                Status::parse(s).map(|st| bits | st.bit()).ok_or_else(|| {
                    SonarError::invalid_argument(
                        "'statuses' should contain elements that is one of NEW, ASSIGNED, \
                         IN_PROGRESS, SUBMITTED, APPROVED, REJECTED, CLOSED.",
                    )
                })
            })?;
            q.statuses = Some(bits);
        }
        q.keywords = get("keywords").map(str::to_lowercase);
        if let Some(list) = get("priorities") {
            let bits = list.split(',').try_fold(0u8, |bits, s| {
                match s.parse::<i64>().ok().and_then(Priority::from_number) {
                    Some(p) => Ok(bits | 1 << p as u8),
                    None => Err(SonarError::invalid_argument(format!(
                        "element of priorities should be one of 1 (LOW), 2 (MEDIUM), 3 (HIGH). \
                         input is {s}"
                    ))),
                }
            })?;
            q.priorities = Some(bits);
        }
        q.assignees = users(get("assignees"), "assignees", dir)?;
        q.approvers = users(get("approvers"), "approvers", dir)?;
        q.descending = match get("sort_type") {
            None => None,
            Some("ASC") => Some(false),
            Some("DESC") => Some(true),
            Some(other) => {
                return Err(SonarError::invalid_argument(format!(
                    "sort_type should be one of ASC or DESC. input is {other}"
                )));
            }
        };
        q.column = match get("sort_column") {
            None => None,
            Some("id") => Some(Column::Id),
            Some("created_at") => Some(Column::Created),
            Some("updated_at") => Some(Column::Updated),
            Some("closed_at") => Some(Column::Closed),
            Some(_) => {
                return Err(SonarError::invalid_argument(
                    "sort_column should be one of id, created_at, updated_at, closed_at.",
                ));
            }
        };
        Ok(q)
    }

    fn filters(&self) -> bool {
        self.from.is_some()
            || self.to.is_some()
            || self.statuses.is_some()
            || self.keywords.is_some()
            || self.priorities.is_some()
            || self.assignees.is_some()
            || self.approvers.is_some()
    }

    fn matches(&self, store: &Store, t: &Ticket) -> bool {
        let created = i64::from(t.created);
        self.from.is_none_or(|f| created >= f)
            && self.to.is_none_or(|to| created <= to)
            && self.statuses.is_none_or(|b| b & t.status.bit() != 0)
            && self
                .priorities
                .is_none_or(|b| b & (1 << t.priority as u8) != 0)
            && self.assignees.is_none_or(|b| b & t.assignees != 0)
            && self.approvers.is_none_or(|b| b & t.approvers != 0)
            && self
                .keywords
                .as_ref()
                .is_none_or(|k| store.title(t).to_lowercase().contains(k.as_str()))
    }
}

/// `offset`/`limit`: a 32-bit integer, at least 0.
fn count(value: Option<&str>, name: &str) -> Result<Option<usize>, SonarError> {
    let Some(value) = value else { return Ok(None) };
    let n: i32 = value.parse().map_err(|_| {
        SonarError::invalid_argument(format!("'{name}' parameter should be int type"))
    })?;
    let n = usize::try_from(n).map_err(|_| {
        SonarError::invalid_argument(format!("'{name}' must be greater than or equal to 0."))
    })?;
    Ok(Some(n))
}

fn date(value: Option<&str>, name: &str) -> Result<Option<i64>, SonarError> {
    let Some(value) = value else { return Ok(None) };
    time::parse(value).map(Some).ok_or_else(|| {
        SonarError::invalid_argument(format!(
            "'{name}' parameter should be date format (yyyy-MM-dd HH:mm:ss+0000)"
        ))
    })
}

fn users(value: Option<&str>, name: &str, dir: &Directory) -> Result<Option<u32>, SonarError> {
    let Some(list) = value else { return Ok(None) };
    let guids: Option<Vec<Uuid>> = list.split(',').map(guid).collect();
    let guids = guids.ok_or_else(|| {
        SonarError::invalid_argument(format!("{name} should contains only guid values."))
    })?;
    let bits = guids
        .iter()
        .filter_map(|g| dir.user(g))
        .fold(0u32, |bits, u| bits | 1 << u);
    Ok(Some(bits))
}

/// The total of matching tickets and the positions (in `store.tickets`) of the requested page.
fn select(store: &Store, q: &Query) -> (usize, Vec<usize>) {
    let n = store.tickets.len();
    let descending = q.descending.unwrap_or(true);
    let sorted = match q.column.unwrap_or(Column::Id) {
        Column::Id => None,
        column => Some(store.order(column)),
    };
    // The i-th ticket in the requested order.
    let at = |i: usize| {
        let k = if descending { n - 1 - i } else { i };
        sorted.as_ref().map_or(k, |order| order[k] as usize)
    };
    let end = q.offset.saturating_add(q.limit);
    if !q.filters() {
        return (n, (q.offset.min(n)..end.min(n)).map(at).collect());
    }
    let mut total = 0;
    let mut page = Vec::with_capacity(q.limit.min(n));
    for i in 0..n {
        let pos = at(i);
        if q.matches(store, &store.tickets[pos]) {
            if total >= q.offset && total < end {
                page.push(pos);
            }
            total += 1;
        }
    }
    (total, page)
}
