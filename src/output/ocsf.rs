//! `-o ocsf`: each ticket as an OCSF 1.2.0 Incident Finding (class_uid 2005), one
//! compact JSON object per line, for a SIEM or a data lake.
//!
//! The mapping (README, "OCSF output"):
//!
//! | OCSF | from the ticket |
//! |---|---|
//! | `activity_id` | 3 Close when resolved or closed, 2 Update when `updated` differs from `created`, else 1 Create |
//! | `time` | `created` (else `updated`, else the time of printing), epoch milliseconds |
//! | `status_id` | new 1 New · open, in_progress 2 In Progress · waiting_* 3 On Hold · resolved 4 Resolved · closed 5 Closed · unknown 99 Other, `status` = the provider's own word |
//! | `severity_id`, `priority_id` | critical 5/4 · high 4/3 · medium 3/2 · low 2/1 · unknown 0/0 |
//! | `finding_info_list[0]` | `uid` = `provider:id`, `title`, `desc`, `types` = [type], `created_time`, `modified_time`, `src_url` |
//! | `start_time`, `end_time` | `created`, `closed` |
//! | `assignee`, `assignee_group` | the first assignee; the provider's SOC as the group (OCSF asks for at least one) |
//! | `metadata` | `version` 1.2.0, `product` = the provider's product and vendor, `uid` = id, `tenant_uid` = tenant id, `log_provider` tix |
//! | `unmapped` | what OCSF has no attribute for: provider, id, number, tenant name and pod, raw status and priority, every assignee |

use super::{OutputOptions, TicketWriter};
use crate::model::{Priority, Status, Ticket};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::io::{self, Write};

/// The OCSF schema version the events follow (fixtures/ocsf/ holds its fragment).
pub const OCSF_VERSION: &str = "1.2.0";

/// Incident Finding: category 2 (Findings), class 5.
const CLASS_UID: u32 = 2005;

pub(super) struct OcsfWriter<W> {
    out: W,
    now: DateTime<Utc>,
    count: u64,
}

impl<W: Write> OcsfWriter<W> {
    pub fn new(opts: &OutputOptions, out: W) -> Self {
        OcsfWriter {
            out,
            now: opts.now,
            count: 0,
        }
    }
}

impl<W: Write> TicketWriter for OcsfWriter<W> {
    fn write(&mut self, ticket: &Ticket) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &event(ticket, self.now))?;
        self.out.write_all(b"\n")?;
        self.count += 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn count(&self) -> u64 {
        self.count
    }
}

/// The product and vendor behind each provider, for `metadata.product`.
fn product(provider: &str) -> (&str, &str) {
    match provider {
        "argus" => ("Argus", "mnemonic"),
        "sonar" => ("Sonar", "Logpresso"),
        "arcticwolf" => ("Arctic Wolf Managed Detection and Response", "Arctic Wolf"),
        "cyderes" => ("Cyderes TSI", "Cyderes"),
        other => (other, other),
    }
}

/// `status_id` and its caption.
fn status(s: Status) -> (u8, &'static str) {
    match s {
        Status::New => (1, "New"),
        Status::Open | Status::InProgress => (2, "In Progress"),
        Status::WaitingCustomer | Status::WaitingProvider => (3, "On Hold"),
        Status::Resolved => (4, "Resolved"),
        Status::Closed => (5, "Closed"),
        Status::Unknown => (99, "Other"),
    }
}

/// `severity_id` and `priority_id`, each with its caption.
fn severity(p: Priority) -> ((u8, &'static str), (u8, &'static str)) {
    match p {
        Priority::Critical => ((5, "Critical"), (4, "Critical")),
        Priority::High => ((4, "High"), (3, "High")),
        Priority::Medium => ((3, "Medium"), (2, "Medium")),
        Priority::Low => ((2, "Low"), (1, "Low")),
        Priority::Unknown => ((0, "Unknown"), (0, "Unknown")),
    }
}

fn activity(t: &Ticket) -> (u8, &'static str) {
    if matches!(t.status, Status::Resolved | Status::Closed) {
        (3, "Close")
    } else if t.updated.is_some() && t.updated != t.created {
        (2, "Update")
    } else {
        (1, "Create")
    }
}

fn millis(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| json!(t.timestamp_millis()))
}

/// Drops the keys whose value is null: OCSF leaves absent what it does not know.
fn compact(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, compact(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(compact).collect()),
        v => v,
    }
}

/// One ticket as an Incident Finding; `now` is the event time of a ticket without any.
pub fn event(t: &Ticket, now: DateTime<Utc>) -> Value {
    let (activity_id, activity_name) = activity(t);
    let (status_id, status_caption) = status(t.status);
    let ((severity_id, severity_name), (priority_id, priority_name)) = severity(t.priority);
    let (product_name, vendor) = product(&t.provider);
    let status_name = if status_id == 99 {
        t.status_raw.as_deref().unwrap_or("Unknown")
    } else {
        status_caption
    };
    let time = t.created.or(t.updated).unwrap_or(now);
    let title = t
        .title
        .clone()
        .unwrap_or_else(|| format!("{} {}", t.provider, t.id));
    let tenant = t.tenant.as_ref();
    compact(json!({
        "activity_id": activity_id,
        "activity_name": activity_name,
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Incident Finding",
        "type_uid": CLASS_UID * 100 + u32::from(activity_id),
        "type_name": format!("Incident Finding: {activity_name}"),
        "time": time.timestamp_millis(),
        "start_time": millis(t.created),
        "end_time": millis(t.closed),
        "severity_id": severity_id,
        "severity": severity_name,
        "priority_id": priority_id,
        "priority": priority_name,
        "status_id": status_id,
        "status": status_name,
        "message": title,
        "desc": t.description,
        "src_url": t.url,
        "finding_info_list": [{
            "uid": format!("{}:{}", t.provider, t.id),
            "title": title,
            "desc": t.description,
            "types": t.kind.as_ref().map(|k| vec![k]),
            "created_time": millis(t.created),
            "modified_time": millis(t.updated),
            "src_url": t.url,
            "product_uid": t.provider,
        }],
        "assignee": t.assignees.first().map(|name| json!({ "name": name })),
        "assignee_group": { "name": format!("{vendor} SOC") },
        "metadata": {
            "version": OCSF_VERSION,
            "product": { "name": product_name, "vendor_name": vendor },
            "uid": t.id,
            "tenant_uid": tenant.and_then(|x| x.id.clone()),
            "modified_time": millis(t.updated),
            "log_provider": "tix",
        },
        "unmapped": {
            "provider": t.provider,
            "id": t.id,
            "number": t.number,
            "tenant_name": tenant.and_then(|x| x.name.clone()),
            "tenant_pod": tenant.and_then(|x| x.pod.clone()),
            "status": t.status.to_string(),
            "status_raw": t.status_raw,
            "priority_raw": t.priority_raw,
            "assignees": t.assignees,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::super::{Format, sample};
    use super::*;

    #[test]
    fn one_incident_finding_per_line() {
        let out = sample::print(&sample::opts(Format::Ocsf), 3);
        let events: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(events.len(), 3);
        let a = &events[0];
        assert_eq!(a["class_uid"], 2005);
        assert_eq!(a["type_uid"], 200502);
        assert_eq!(a["severity_id"], 5);
        assert_eq!(a["priority_id"], 4);
        assert_eq!(a["status_id"], 3);
        assert_eq!(
            a["time"],
            sample::at(2026, 10, 1, 11, 55).timestamp_millis()
        );
        assert_eq!(a["metadata"]["tenant_uid"], "c-17");
        assert_eq!(a["metadata"]["product"]["vendor_name"], "mnemonic");
        assert_eq!(a["assignee"]["name"], "Ana Souza");
        assert_eq!(a["unmapped"]["tenant_name"], "Acme Corp");
        assert_eq!(a["finding_info_list"][0]["uid"], "argus:8812345");
        let b = &events[1];
        assert_eq!(
            (b["activity_id"].as_u64(), b["status_id"].as_u64()),
            (Some(3), Some(5))
        );
        assert_eq!(
            b["end_time"],
            sample::at(2026, 8, 3, 17, 5).timestamp_millis()
        );
        assert!(b.get("assignee").is_none() && b["assignee_group"]["name"] == "Cyderes SOC");
        assert_eq!(events[2]["severity_id"], 4);
        assert_eq!(events[2]["status_id"], 2);
    }

    #[test]
    fn an_unmapped_status_is_other_with_the_providers_word() {
        let mut t = Ticket::new("sonar", "1");
        t.status_raw = Some("QUARANTINED".into());
        let e = event(&t, sample::now());
        assert_eq!(e["status_id"], 99);
        assert_eq!(e["status"], "QUARANTINED");
        assert_eq!(e["severity_id"], 0);
        assert_eq!(e["activity_id"], 1);
        assert_eq!(e["time"], sample::now().timestamp_millis());
        assert_eq!(e["message"], "sonar 1");
    }
}
