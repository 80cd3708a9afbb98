//! `GET /v2/tickets`: a bare array, newest first by `lookup_fields`, paged by `skip`/`limit`, with the
//! documented defaults `ticket_type=alert`, `lookup_fields=created`, `escalated_only=true`,
//! `limit=50`. Date bounds are inclusive whole UTC days (the document leaves inclusivity open).
//! `skip` below 0 is refused like `limit` below 1 (our choice: the document gives no range).

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::{DateTime, NaiveDate};
use serde_json::Value;

use super::Cyderes;
use super::error::ApiError;
use super::params::{Errors, pairs};
use super::render::{self, View};
use super::store::Ticket;

pub const TICKET_TYPES: [&str; 6] = [
    "all",
    "alert",
    "service_task",
    "service_proactive",
    "service_request",
    "phishing",
];

pub async fn tickets(
    State(api): State<Arc<Cyderes>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = pairs(raw.as_deref());
    let mut e = Errors::default();
    let skip = e.int(&q, "skip", 0, Some(0), None) as usize;
    let limit = e.int(&q, "limit", 50, Some(1), Some(250)) as usize;
    let created_from = e.date(&q, "created_from");
    let created_to = e.date(&q, "created_to");
    let updated_from = e.date(&q, "updated_from");
    let updated_to = e.date(&q, "updated_to");
    let ticket_type = e.choice(&q, "ticket_type", &TICKET_TYPES, "alert");
    let lookup = e.choice(&q, "lookup_fields", &["created", "updated"], "created");
    let escalated_only = e.bool(&q, "escalated_only", true);
    let raw_event = e.bool(&q, "include_raw_event", false);
    e.finish()?;

    let day = |secs: u32| {
        DateTime::from_timestamp(i64::from(secs), 0)
            .unwrap_or_default()
            .date_naive()
    };
    let within = |d: NaiveDate, from: Option<NaiveDate>, to: Option<NaiveDate>| {
        from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t)
    };
    let matches = |t: &Ticket| {
        (ticket_type == "all" || t.kind.slug() == ticket_type)
            && (!escalated_only || t.escalated)
            && within(day(t.created), created_from, created_to)
            && within(day(t.updated), updated_from, updated_to)
    };
    let store = api.read();
    let n = store.tickets.len();
    let by_updated = (lookup == "updated").then(|| store.by_updated());
    let order = (0..n).map(|i| match &by_updated {
        Some(order) => order[i] as usize,
        None => n - 1 - i,
    });
    let page: Vec<Value> = order
        .map(|at| &store.tickets[at])
        .filter(|t| matches(t))
        .skip(skip)
        .take(limit)
        .map(|t| render::ticket(api.seed, &store, t, View::List { raw_event }))
        .collect();
    Ok(Json(Value::Array(page)))
}
