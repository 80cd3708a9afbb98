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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::DateTime;
    use serde_json::Value;

    use super::super::super::{SimHandle, SimOptions, harness};

    const PATH: &str = "/api/sonar/tickets";

    /// A query and the ids it should select.
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<u64>);

    async fn sim(tickets: usize) -> SimHandle {
        harness::sim(SimOptions {
            tickets,
            ..SimOptions::default()
        })
        .await
    }

    async fn list(sim: &SimHandle, query: &[(&str, &str)]) -> Value {
        let (status, body) = harness::get(sim, "sonar", PATH, query).await;
        assert_eq!(status, 200, "{query:?}: {body}");
        body
    }

    fn ids(body: &Value) -> Vec<u64> {
        body["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_u64().unwrap())
            .collect()
    }

    fn instant(s: &Value) -> i64 {
        DateTime::parse_from_str(s.as_str().unwrap(), "%Y-%m-%d %H:%M:%S%z")
            .unwrap()
            .timestamp()
    }

    // Vendor document, "Error Responses": every 400, word for word (`limit` > 1000 is inferred).
    #[tokio::test]
    async fn every_documented_400_word_for_word() {
        let sim = sim(10).await;
        let cases: &[(&str, &str, &str)] = &[
            ("offset", "abc", "'offset' parameter should be int type"),
            ("limit", "1.5", "'limit' parameter should be int type"),
            (
                "offset",
                "3000000000",
                "'offset' parameter should be int type",
            ),
            (
                "offset",
                "-1",
                "'offset' must be greater than or equal to 0.",
            ),
            ("limit", "-5", "'limit' must be greater than or equal to 0."),
            (
                "limit",
                "1001",
                "'limit' must be less than or equal to 1000.",
            ),
            (
                "from",
                "2022-09-14",
                "'from' parameter should be date format (yyyy-MM-dd HH:mm:ss+0000)",
            ),
            (
                "to",
                "2022-09-14T17:34:19+09:00",
                "'to' parameter should be date format (yyyy-MM-dd HH:mm:ss+0000)",
            ),
            (
                "statuses",
                "NEW,OPEN",
                "'statuses' should contain elements that is one of NEW, ASSIGNED, IN_PROGRESS, SUBMITTED, APPROVED, REJECTED, CLOSED.",
            ),
            (
                "priorities",
                "1,4",
                "element of priorities should be one of 1 (LOW), 2 (MEDIUM), 3 (HIGH). input is 4",
            ),
            (
                "priorities",
                "HIGH",
                "element of priorities should be one of 1 (LOW), 2 (MEDIUM), 3 (HIGH). input is HIGH",
            ),
            (
                "sort_type",
                "NONE",
                "sort_type should be one of ASC or DESC. input is NONE",
            ),
            (
                "sort_column",
                "title",
                "sort_column should be one of id, created_at, updated_at, closed_at.",
            ),
            (
                "assignees",
                "bfd00bb0-be99-4fd5-8380-166f544975fa,joshua",
                "assignees should contains only guid values.",
            ),
            (
                "approvers",
                "not-a-guid",
                "approvers should contains only guid values.",
            ),
        ];
        for (key, value, msg) in cases {
            let (status, body) = harness::get(&sim, "sonar", PATH, &[(key, value)]).await;
            assert_eq!(status, 400, "{key}={value}");
            assert_eq!(body["error_code"], "invalid-argument", "{key}={value}");
            assert_eq!(body["error_msg"], *msg, "{key}={value}");
        }
        sim.shutdown().await;
    }

    // Research §3.1: an unencoded `+` decodes to a space and the server refuses the date.
    #[tokio::test]
    async fn an_unencoded_plus_in_from_is_refused_and_an_encoded_one_accepted() {
        let sim = sim(10).await;
        let raw = format!(
            "{}?from=2022-09-14 17:34:19+0900",
            harness::url(&sim, "sonar", PATH)
        );
        let (status, body) = harness::send(harness::client().get(raw)).await;
        assert_eq!(status, 400);
        assert_eq!(
            body["error_msg"],
            "'from' parameter should be date format (yyyy-MM-dd HH:mm:ss+0000)"
        );
        list(&sim, &[("from", "2022-09-14 17:34:19+0900")]).await;
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn pages_cover_every_ticket_once_newest_first() {
        let sim = sim(2500).await;
        let first = list(&sim, &[]).await;
        assert_eq!(first["total"], 2500);
        assert_eq!(ids(&first).len(), 1000, "limit defaults to 1000");
        assert_eq!(ids(&first)[0], 2500);

        let mut seen = Vec::new();
        for offset in (0..2500).step_by(700) {
            let page = list(&sim, &[("offset", &offset.to_string()), ("limit", "700")]).await;
            assert_eq!(page["total"], 2500);
            seen.extend(ids(&page));
        }
        assert_eq!(seen.len(), 2500);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 2500);
        assert!(seen.windows(2).all(|w| w[0] > w[1]));

        let none = list(&sim, &[("limit", "0")]).await;
        assert_eq!((none["total"].as_u64(), ids(&none).len()), (Some(2500), 0));
        let past = list(&sim, &[("offset", "9999")]).await;
        assert_eq!((past["total"].as_u64(), ids(&past).len()), (Some(2500), 0));
        sim.shutdown().await;
    }

    /// Each filter returns exactly the tickets the full list says match, with the right total.
    #[tokio::test]
    async fn each_filter_selects_what_it_documents() {
        let sim = sim(600).await;
        let all = list(&sim, &[]).await;
        let all = all["tickets"].as_array().unwrap();
        let pick = |f: &dyn Fn(&Value) -> bool| -> Vec<u64> {
            all.iter()
                .filter(|t| f(t))
                .map(|t| t["id"].as_u64().unwrap())
                .collect()
        };
        let analyst =
            all.iter().find(|t| !t["assignees"][0].is_null()).unwrap()["assignees"][0]["user_guid"]
                .as_str()
                .unwrap()
                .to_string();
        let contact =
            all.iter().find(|t| !t["approvers"][0].is_null()).unwrap()["approvers"][0]["user_guid"]
                .as_str()
                .unwrap()
                .to_string();
        let from = all[400]["created"].as_str().unwrap().to_string();
        let to = all[100]["created"].as_str().unwrap().to_string();
        let has = |t: &Value, role: &str, guid: &str| {
            t[role]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["user_guid"] == guid)
        };
        let cases: Vec<Case> = vec![
            (
                vec![("statuses", "NEW,CLOSED")],
                pick(&|t| t["status"] == "NEW" || t["status"] == "CLOSED"),
            ),
            (
                vec![("priorities", "3")],
                pick(&|t| t["priority"] == "HIGH"),
            ),
            (
                vec![("priorities", "1,2")],
                pick(&|t| t["priority"] != "HIGH"),
            ),
            (
                vec![("keywords", "ssh BRUTE")],
                pick(&|t| t["title"].as_str().unwrap().contains("SSH brute")),
            ),
            (
                vec![("from", &from), ("to", &to)],
                pick(&|t| {
                    let at = instant(&t["created"]);
                    at >= instant(&Value::from(from.as_str()))
                        && at <= instant(&Value::from(to.as_str()))
                }),
            ),
            (
                vec![("assignees", &analyst)],
                pick(&|t| has(t, "assignees", &analyst)),
            ),
            (
                vec![("approvers", &contact)],
                pick(&|t| has(t, "approvers", &contact)),
            ),
            (
                vec![("assignees", "00000000-0000-4000-8000-000000000000")],
                vec![],
            ),
        ];
        for (query, want) in cases {
            let got = list(&sim, &query).await;
            assert_eq!(got["total"].as_u64(), Some(want.len() as u64), "{query:?}");
            assert_eq!(ids(&got), want, "{query:?}");
            assert!(
                !want.is_empty() || query[0].0 == "assignees",
                "{query:?} selects nothing"
            );
        }
        // Inclusive bounds: the tickets whose `created` is exactly `from` or `to` are in.
        let bounded = ids(&list(&sim, &[("from", &from), ("to", &to)]).await);
        assert!(bounded.contains(&all[400]["id"].as_u64().unwrap()));
        assert!(bounded.contains(&all[100]["id"].as_u64().unwrap()));
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn sorts_by_each_column_both_ways() {
        let sim = sim(400).await;
        let asc = ids(&list(&sim, &[("sort_type", "ASC")]).await);
        assert!(asc.windows(2).all(|w| w[0] < w[1]));
        for column in ["created_at", "updated_at", "closed_at"] {
            let field = column.trim_end_matches("_at");
            for dir in ["ASC", "DESC"] {
                let body = list(&sim, &[("sort_column", column), ("sort_type", dir)]).await;
                let keys: Vec<i64> = body["tickets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| {
                        if t[field].is_null() {
                            0
                        } else {
                            instant(&t[field])
                        }
                    })
                    .collect();
                let ordered = keys.windows(2).all(|w| match dir {
                    "ASC" => w[0] <= w[1],
                    _ => w[0] >= w[1],
                });
                assert!(ordered, "{column} {dir}");
            }
        }
        // A page of a sorted list is the same slice of the whole sorted list.
        let whole = ids(&list(&sim, &[("sort_column", "updated_at")]).await);
        let page = ids(&list(
            &sim,
            &[
                ("sort_column", "updated_at"),
                ("offset", "50"),
                ("limit", "25"),
            ],
        )
        .await);
        assert_eq!(page, whole[50..75]);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn the_same_seed_gives_the_same_bytes() {
        let body = |seed| async move {
            let sim = harness::sim(SimOptions {
                seed,
                tickets: 300,
                ..SimOptions::default()
            })
            .await;
            let url = harness::url(&sim, "sonar", PATH);
            let resp = harness::client()
                .get(url)
                .bearer_auth("k")
                .send()
                .await
                .unwrap();
            let bytes = resp.bytes().await.unwrap();
            sim.shutdown().await;
            bytes
        };
        assert_eq!(body(3).await, body(3).await);
        assert_ne!(body(3).await, body(4).await);
    }
}
