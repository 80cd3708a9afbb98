//! List answers: `conditions`, `fields`, and `page`/`pageSize` (default 25, at most 1000)
//! with navigation in `Link` headers and no body envelope (research §2.7, C8's header
//! dump: `<…&page=2>; rel="next", <…>; rel="last"`).

use super::conditions;
use super::error::CwError;
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The query string, decoded; a repeated key keeps its last value.
pub fn params(raw: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

/// Records matching the `conditions` parameter.
pub fn filter(records: &[Value], params: &HashMap<String, String>) -> Result<Vec<Value>, CwError> {
    match params.get("conditions").filter(|c| !c.trim().is_empty()) {
        None => Ok(records.to_vec()),
        Some(c) => {
            let expr = conditions::parse(c)
                .map_err(|e| CwError::bad_request(format!("conditions: {e}")))?;
            Ok(records
                .iter()
                .filter(|r| expr.matches(r))
                .cloned()
                .collect())
        }
    }
}

/// Keeps only the `fields` asked for (top-level names; `_info/lastUpdated` keeps `_info`).
fn project(record: Value, fields: Option<&String>) -> Value {
    let Some(fields) = fields else { return record };
    let wanted: Vec<&str> = fields
        .split(',')
        .map(|f| f.trim().split('/').next().unwrap_or(""))
        .collect();
    match record {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .filter(|(k, _)| wanted.iter().any(|w| w.eq_ignore_ascii_case(k)))
                .collect::<Map<String, Value>>(),
        ),
        other => other,
    }
}

/// One page of `records` (already filtered), ordered by id, with its `Link` header.
pub fn page(
    records: Vec<Value>,
    params: &HashMap<String, String>,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, CwError> {
    let number = |k: &str, default: usize| -> Result<usize, CwError> {
        match params.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| CwError::bad_request(format!("{k} must be a positive integer"))),
        }
    };
    let page = number("page", 1)?;
    // "We have set a hard limit of 1,000 records" (C7): larger sizes are cut to it.
    let size = number("pagesize", 25)?.min(1000);
    let mut records = records;
    records.sort_by_key(|r| r["id"].as_u64().unwrap_or(0));
    let total = records.len();
    let last = total.div_ceil(size).max(1);
    let items: Vec<Value> = records
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|r| project(r, params.get("fields")))
        .collect();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let link_to = |n: usize| {
        let query: String = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .filter(|(k, _)| !k.eq_ignore_ascii_case("page"))
            .fold(
                url::form_urlencoded::Serializer::new(String::new()),
                |mut s, (k, v)| {
                    s.append_pair(&k, &v);
                    s
                },
            )
            .append_pair("page", &n.to_string())
            .finish();
        format!("<http://{host}{}?{query}>", uri.path())
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", link_to(1)));
        links.push(format!("{}; rel=\"prev\"", link_to(page - 1)));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", link_to(page + 1)));
        links.push(format!("{}; rel=\"last\"", link_to(last)));
    }
    let mut resp = (StatusCode::OK, Json(Value::Array(items))).into_response();
    if !links.is_empty()
        && let Ok(v) = HeaderValue::from_str(&links.join(", "))
    {
        resp.headers_mut().insert(header::LINK, v);
    }
    Ok(resp)
}
