//! Tickets as JSON, with the field set the document gives for each ticket type, and for the list
//! and the single-ticket answers separately (list alerts carry `alert_insights*`, a fetched alert
//! `alert_investigation` and `escalated`).

use chrono::DateTime;
use serde_json::{Map, Value, json};

use super::generate;
use super::store::{Kind, STATES, Store, Ticket};

/// Which answer a ticket is rendered for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum View {
    List { raw_event: bool },
    Get,
}

/// Even-numbered tickets print RFC 3339 and odd ones `YYYY-MM-DD HH:MM:SS`: the documents type
/// times only as "string", so a client must read both.
pub fn time(n: u32, secs: i64) -> String {
    let t = DateTime::from_timestamp(secs, 0).unwrap_or_default();
    if n.is_multiple_of(2) {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

pub fn ticket_id(n: u32) -> String {
    format!("CYDERES-{n:06}")
}

pub fn ticket(seed: u64, store: &Store, t: &Ticket, view: View) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    let authored = store.authored.get(&t.n);
    let title = authored.map_or_else(|| generate::title(t), |a| a.short_description.clone());
    put("number", json!(format!("SIR{:07}", t.n)));
    put("ticket_id", json!(ticket_id(t.n)));
    put(
        "priority",
        json!(match t.kind {
            Kind::Phishing => ["High", "Medium", "Low"][usize::from(t.priority - 1)].to_owned(),
            _ => t.priority.to_string(),
        }),
    );
    put("state", json!(STATES[usize::from(t.state)]));
    put("created", json!(time(t.n, i64::from(t.created))));
    put("updated", json!(time(t.n, i64::from(t.updated))));
    put("ticket_type", json!(t.kind.slug()));
    let escalated = json!(if t.escalated { "True" } else { "False" });
    let subject = generate::subject(t);
    match t.kind {
        Kind::Alert => {
            put("short_description", json!(title));
            put(
                "alert_description",
                json!(format!("Detection on {subject}; see the timeline.")),
            );
            match view {
                View::List { raw_event } => {
                    put(
                        "alert_insights",
                        json!(format!("{subject} was seen in 2 other alerts this week.")),
                    );
                    put(
                        "alert_insights_html",
                        json!(format!(
                            "<p>{subject} was seen in 2 other alerts this week.</p>"
                        )),
                    );
                    if raw_event {
                        put(
                            "raw_event_description",
                            json!(format!("{{\"host\": \"{subject}\", \"EventID\": 4688}}")),
                        );
                    }
                }
                View::Get => {
                    put(
                        "alert_investigation",
                        json!(format!("Process tree on {subject} reviewed.")),
                    );
                    put("escalated", escalated.clone());
                }
            }
            put("soar_case_id", json!((40_000 + t.n).to_string()));
            put("soar_alert_ticket_id", json!((70_000 + t.n).to_string()));
            put("analyst_notes", json!("Reviewed by the SOC."));
            put(
                "recommendations",
                json!("Confirm the activity with the asset owner."),
            );
        }
        kind if kind.is_service() => {
            put(
                "category",
                json!(
                    authored
                        .and_then(|a| a.category.clone())
                        .unwrap_or_else(|| "Security Operations".into())
                ),
            );
            put(
                "type",
                json!(
                    authored
                        .and_then(|a| a.kind.clone())
                        .unwrap_or_else(|| "Request".into())
                ),
            );
            put("escalated", escalated.clone());
            put("short_description", json!(title));
            put(
                "description",
                json!(authored.map_or_else(
                    || format!("Requested for {subject}."),
                    |a| a.description.clone()
                )),
            );
        }
        _ => {
            put("escalated", escalated.clone());
            put("short_description", json!(title));
            put("soar_case_id", json!((40_000 + t.n).to_string()));
            put("soar_alert_ticket_id", json!((70_000 + t.n).to_string()));
            put(
                "phishing_investigation",
                json!("Sender domain is two days old; the link harvests credentials."),
            );
            put("analyst_notes", json!("Domain blocked."));
            put(
                "recommendations",
                json!("Purge the message from every mailbox."),
            );
        }
    }
    let mut comments = generate::comments(seed, t);
    comments.extend(store.comments.get(&t.n).cloned().unwrap_or_default());
    put(
        "comments",
        Value::Array(
            comments
                .into_iter()
                .map(|c| json!({"id": c.id, "created": time(t.n, c.created), "author": c.author, "body": c.body}))
                .collect(),
        ),
    );
    Value::Object(m)
}
