//! Case search: the simple `GET /cases/v2/case` and the advanced `POST /cases/v2/case/search`
//! (vendor document "Searching for cases"; research/argus-sonar.md §1.6-1.7).
//!
//! Fields of one criteria object are ANDed, the values of one field ORed. `subCriteria` are
//! ORed with each other and ANDed with the parent; one with `exclude: true` removes what it
//! matches, one with `required: true` must match too. `limit` defaults to 25, 0 means "all up
//! to the system limit", and anything past 100000 is a 412.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::{Map, Value};

use super::Argus;
use super::envelope::{self, ArgusError};
use super::store::{self, Case, PRIORITIES, TYPES};

/// The system limit of one search (document: "system query limit is 100000").
const SYSTEM_LIMIT: u64 = 100_000;

#[derive(Default)]
struct Criteria {
    customers: Option<Vec<usize>>,
    services: Option<Vec<usize>>,
    statuses: Option<Vec<&'static str>>,
    priorities: Option<Vec<&'static str>>,
    types: Option<Vec<&'static str>>,
    keywords: Vec<String>,
    case_ids: Option<Vec<i64>>,
    users: Option<Vec<String>>,
    start: Option<i64>,
    end: Option<i64>,
    time_fields: Vec<String>,
    exclude: bool,
    required: bool,
    sub: Vec<Criteria>,
}

pub async fn advanced(
    State(argus): State<Arc<Argus>>,
    body: Bytes,
) -> Result<Response, ArgusError> {
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ArgusError::invalid("body", &format!("Invalid JSON: {e}")))?;
    let Value::Object(body) = body else {
        return Err(ArgusError::invalid("body", "Expected a JSON object"));
    };
    run(&argus, &body)
}

/// The simple search: repeated parameters become one list each (ORed).
pub async fn simple(
    State(argus): State<Arc<Argus>>,
    RawQuery(q): RawQuery,
) -> Result<Response, ArgusError> {
    let mut body = Map::new();
    for (k, v) in url::form_urlencoded::parse(q.unwrap_or_default().as_bytes()).into_owned() {
        match k.as_str() {
            "limit" | "offset" => {
                let n: u64 = v
                    .parse()
                    .map_err(|_| ArgusError::invalid(&k, &format!("Invalid number: {v}")))?;
                body.insert(k, n.into());
            }
            "customer" | "customerID" | "service" | "status" | "type" | "keywords" | "sortBy" => {
                let list = body.entry(k).or_insert_with(|| Value::Array(vec![]));
                if let Value::Array(list) = list {
                    list.push(Value::String(v));
                }
            }
            _ => {}
        }
    }
    run(&argus, &body)
}

fn run(argus: &Argus, body: &Map<String, Value>) -> Result<Response, ArgusError> {
    let criteria = parse(body)?;
    let limit = number(body, "limit")?.unwrap_or(25);
    let offset = number(body, "offset")?.unwrap_or(0);
    if limit > SYSTEM_LIMIT {
        return Err(ArgusError::invalid(
            "limit",
            "must be less than or equal to 100000",
        ));
    }
    if offset > SYSTEM_LIMIT {
        return Err(ArgusError::invalid(
            "offset",
            "must be less than or equal to 100000",
        ));
    }
    let sort = match body.get("sortBy") {
        None => "id".to_owned(),
        Some(Value::Array(s)) => s.first().and_then(Value::as_str).unwrap_or("id").to_owned(),
        Some(_) => return Err(ArgusError::invalid("sortBy", "Expected a list")),
    };
    let (field, desc) = match sort.strip_prefix('-') {
        Some(f) => (f.to_owned(), true),
        None => (sort.clone(), false),
    };
    let key: fn(&Case) -> i64 = match field.as_str() {
        "id" => |c| c.id,
        "createdTimestamp" => |c| c.created,
        "lastUpdatedTimestamp" => |c| c.updated,
        "closedTimestamp" => |c| c.closed,
        _ => {
            return Err(ArgusError::invalid(
                "sortBy",
                &format!("Invalid sort field: {sort}"),
            ));
        }
    };
    let store = argus.read();
    let mut hits: Vec<&Case> = store.cases.iter().filter(|c| criteria.matches(c)).collect();
    // `cases` is held in id order, so sorting by id is free (and a million cases stay quick).
    if field != "id" {
        hits.sort_by_key(|c| (key(c), c.id));
    }
    if desc {
        hits.reverse();
    }
    let count = hits.len();
    if limit == 0 && count as u64 > SYSTEM_LIMIT {
        return Err(ArgusError::action(
            "Unlimited search would return more than the system limit of 100000",
        ));
    }
    let take = if limit == 0 { count } else { limit as usize };
    let data = hits
        .into_iter()
        .skip(offset as usize)
        .take(take)
        .map(Case::json)
        .collect();
    Ok(envelope::list(data, count, limit as usize, offset as usize))
}

fn number(body: &Map<String, Value>, field: &str) -> Result<Option<u64>, ArgusError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| ArgusError::invalid(field, &format!("Invalid value: {v}"))),
    }
}

fn list<'a>(
    body: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<Vec<&'a Value>>, ArgusError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items.iter().collect())),
        Some(_) => Err(ArgusError::invalid(field, "Expected a list")),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn each<T>(
    body: &Map<String, Value>,
    field: &str,
    read: impl Fn(&str) -> Option<T>,
) -> Result<Option<Vec<T>>, ArgusError> {
    list(body, field)?
        .map(|items| {
            items
                .into_iter()
                .map(|v| {
                    let t = text(v);
                    read(&t).ok_or_else(|| {
                        ArgusError::invalid(field, &format!("Invalid value for {field}: {t}"))
                    })
                })
                .collect()
        })
        .transpose()
}

fn parse(body: &Map<String, Value>) -> Result<Criteria, ArgusError> {
    let mut c = Criteria {
        customers: each(body, "customer", store::customer)?,
        statuses: each(body, "status", store::status)?,
        priorities: each(body, "priority", |p| {
            PRIORITIES.iter().copied().find(|x| *x == p)
        })?,
        types: each(body, "type", |t| TYPES.iter().copied().find(|x| *x == t))?,
        keywords: each(body, "keywords", |k| Some(k.to_lowercase()))?.unwrap_or_default(),
        case_ids: each(body, "caseID", |id| id.parse().ok())?,
        users: each(body, "user", |u| Some(u.to_lowercase()))?,
        start: time(body, "startTimestamp")?,
        end: time(body, "endTimestamp")?,
        time_fields: each(body, "timeFieldStrategy", |f| {
            [
                "createdTimestamp",
                "lastUpdatedTimestamp",
                "closedTimestamp",
                "all",
            ]
            .contains(&f)
            .then(|| f.to_owned())
        })?
        .unwrap_or_default(),
        exclude: body
            .get("exclude")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        ..Criteria::default()
    };
    if let Some(ids) = each(body, "customerID", store::customer)? {
        c.customers.get_or_insert_with(Vec::new).extend(ids);
    }
    let mut services = each(body, "service", store::service)?;
    if let Some(Value::Object(sc)) = body.get("serviceCriteria")
        && let Some(more) = each(sc, "service", store::service)?
    {
        services.get_or_insert_with(Vec::new).extend(more);
    }
    c.services = services;
    for sub in list(body, "subCriteria")?.unwrap_or_default() {
        let Value::Object(sub) = sub else {
            return Err(ArgusError::invalid(
                "subCriteria",
                "Expected a list of objects",
            ));
        };
        c.sub.push(parse(sub)?);
    }
    Ok(c)
}

/// Epoch milliseconds as a number or a string, an ISO-8601 UTC time (`Z` only), or `now`
/// (research §1.7-1.8).
fn time(body: &Map<String, Value>, field: &str) -> Result<Option<i64>, ArgusError> {
    let bad = || {
        ArgusError::invalid(
            field,
            "Invalid timestamp: use epoch milliseconds, ISO-8601 UTC or 'now'",
        )
    };
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) if s == "now" => Ok(Some(chrono::Utc::now().timestamp_millis())),
        Some(Value::String(s)) => s
            .parse::<i64>()
            .ok()
            .or_else(|| {
                s.ends_with('Z')
                    .then(|| chrono::DateTime::parse_from_rfc3339(s).ok())
                    .flatten()
                    .map(|t| t.timestamp_millis())
            })
            .map(Some)
            .ok_or_else(bad),
        Some(_) => Err(bad()),
    }
}

impl Criteria {
    fn matches(&self, c: &Case) -> bool {
        let within = |list: &Option<Vec<_>>, f: &dyn Fn(&_) -> bool| {
            list.as_ref().is_none_or(|l: &Vec<_>| l.iter().any(f))
        };
        let own = within(&self.customers, &|x: &usize| *x == c.customer)
            && within(&self.services, &|x: &usize| *x == c.service)
            && self
                .statuses
                .as_ref()
                .is_none_or(|l| l.contains(&c.status.as_str()))
            && self
                .priorities
                .as_ref()
                .is_none_or(|l| l.contains(&c.priority.as_str()))
            && self.types.as_ref().is_none_or(|l| l.contains(&c.kind))
            && self.case_ids.as_ref().is_none_or(|l| l.contains(&c.id))
            && self
                .users
                .as_ref()
                .is_none_or(|l| c.tech.is_some_and(|t| l.contains(&t.to_lowercase())))
            && self.keywords.iter().all(|k| {
                c.subject.to_lowercase().contains(k) || c.description.to_lowercase().contains(k)
            })
            && self.in_window(c);
        if !own {
            return false;
        }
        let (excluded, rest): (Vec<&Criteria>, Vec<&Criteria>) =
            self.sub.iter().partition(|s| s.exclude);
        let (required, optional): (Vec<&Criteria>, Vec<&Criteria>) =
            rest.into_iter().partition(|s| s.required);
        required.iter().all(|s| s.matches(c))
            && (optional.is_empty() || optional.iter().any(|s| s.matches(c)))
            && !excluded.iter().any(|s| s.matches(c))
    }

    fn in_window(&self, c: &Case) -> bool {
        if self.start.is_none() && self.end.is_none() {
            return true;
        }
        let all = self.time_fields.is_empty() || self.time_fields.iter().any(|f| f == "all");
        let times = [
            ("createdTimestamp", c.created),
            ("lastUpdatedTimestamp", c.updated),
            ("closedTimestamp", c.closed),
        ];
        times.iter().any(|(name, t)| {
            (all || self.time_fields.iter().any(|f| f == name))
                && *t > 0
                && self.start.is_none_or(|s| *t >= s)
                && self.end.is_none_or(|e| *t <= e)
        })
    }
}
