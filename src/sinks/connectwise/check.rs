//! `tix cw check`: before any ticket is written, that the keys work, that the board,
//! the status and the company exist, and that the API member's security role allows
//! what sync does, naming the exact permission from the vendor document's table
//! (connectwise-configuration.txt, Step 1 items 9 and 11) when it does not.
//!
//! ConnectWise's 403 says only "You do not have security permission to perform this
//! action." (research §2.8), so each read is tied to the permission that governs it,
//! and the member's own role (`GET /system/mysecurity`, `security.rs`) says which Add,
//! Edit and Inquire levels sync will need and lacks: one line each.

use super::client::CwClient;
use super::security::{self, Grant};
use super::target::TargetSpec;
use crate::error::Error;

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub what: &'static str,
    pub ok: bool,
    pub detail: String,
}

/// The vendor document's permission for each read (category › permission: level).
pub fn permission(what: &str) -> &'static str {
    match what {
        "board" | "status" => {
            "System › Table Setup: Inquire Level All, with \"Service / ServiceBoard\" under Allow Access"
        }
        "priority" => {
            "System › Table Setup: Inquire Level All, with \"Service / Priority\" under Allow Access"
        }
        "company" => "Companies › Company Maintenance: Inquire Level All",
        "tickets" => "Service Desk › Service Tickets: Add Level All, Inquire Level All",
        "attachments" => "Companies › Manage Attachments: Add Level All, Inquire Level All",
        _ => "the security role of the API member (vendor document Step 1)",
    }
}

fn is_forbidden(e: &Error) -> bool {
    matches!(e, Error::Auth { message, .. } if message.contains("HTTP 403"))
}

fn ok(what: &'static str, detail: String) -> Finding {
    Finding {
        what,
        ok: true,
        detail,
    }
}

fn finding(what: &'static str, request: &str, e: &Error) -> Finding {
    let detail = if is_forbidden(e) {
        format!(
            "the API member's security role lacks {} ({request} answered 403)",
            permission(what)
        )
    } else if let Error::Config(m) = e {
        m.clone()
    } else {
        e.to_string()
    };
    Finding {
        what,
        ok: false,
        detail,
    }
}

/// What `GET /system/mysecurity` says the role lacks, one finding per missing
/// permission; `attachments` when sync will upload documents.
async fn role(cw: &CwClient, attachments: bool) -> Vec<Finding> {
    match cw.all::<Grant>(&["system/mysecurity"], None, &[]).await {
        Ok(grants) => {
            let missing = security::missing(&grants, attachments);
            if missing.is_empty() {
                return vec![ok(
                    "role",
                    format!(
                        "the API member's security role grants what sync needs ({} permissions)",
                        security::needs(attachments).len()
                    ),
                )];
            }
            missing
                .iter()
                .map(|n| Finding {
                    what: "role",
                    ok: false,
                    detail: format!("missing {}: sync {}", n.name(), n.why),
                })
                .collect()
        }
        // An older server without the endpoint: the reads below still tell a lot.
        Err(Error::Api { status: 404, .. }) => vec![ok(
            "role",
            "GET /system/mysecurity is not available; Add and Edit are known only at the first write".into(),
        )],
        Err(e) => vec![finding("role", "GET /system/mysecurity", &e)],
    }
}

/// Runs every check that does not depend on a failed one; never writes. `attachments`:
/// sync will upload documents (the source has attachments).
pub async fn check(cw: &CwClient, spec: &TargetSpec, attachments: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    match cw.get::<serde_json::Value>(&["system/info"]).await {
        Ok(info) => out.push(Finding {
            what: "credentials",
            ok: true,
            detail: format!(
                "accepted by {} (version {})",
                cw.root(),
                info["version"].as_str().unwrap_or("unknown")
            ),
        }),
        Err(e) => {
            out.push(Finding {
                what: "credentials",
                ok: false,
                detail: e.to_string(),
            });
            return out;
        }
    }
    out.extend(role(cw, attachments).await);
    let board = match spec.board(cw).await {
        Ok(b) => {
            out.push(ok(
                "board",
                format!("{} (id {})", b.name.as_deref().unwrap_or("?"), b.id),
            ));
            Some(b)
        }
        Err(e) => {
            out.push(finding("board", "GET /service/boards", &e));
            None
        }
    };
    if let Some(b) = &board {
        match spec.status(cw, b).await {
            Ok(s) => out.push(ok(
                "status",
                format!("{} (id {})", s.name.as_deref().unwrap_or("?"), s.id),
            )),
            Err(e) => out.push(finding("status", "GET /service/boards/{id}/statuses", &e)),
        }
    }
    match spec.company(cw).await {
        Ok(c) => out.push(ok(
            "company",
            format!(
                "{} (id {})",
                c.name.as_deref().unwrap_or(&spec.company),
                c.id
            ),
        )),
        Err(e) => out.push(finding("company", "GET /company/companies", &e)),
    }
    if !spec.priorities.is_empty() {
        match spec.priorities(cw).await {
            Ok(map) => {
                let map: Vec<String> = map.iter().map(|(p, id)| format!("{p}={id}")).collect();
                out.push(ok("priority", map.join(", ")));
            }
            Err(e) => out.push(finding("priority", "GET /service/priorities", &e)),
        }
    }
    let board = board.map(|b| b.id);
    let tickets_condition = match board {
        Some(b) => format!("board/id={b}"),
        None => "id=0".to_owned(),
    };
    let tickets = cw
        .count(&["service/tickets"], Some(&tickets_condition))
        .await;
    match tickets {
        Ok(_) => out.push(Finding {
            what: "tickets",
            ok: true,
            detail: "service tickets can be read (Add is known only at the first write)".into(),
        }),
        Err(e) => out.push(finding("tickets", "GET /service/tickets", &e)),
    }
    let docs = cw
        .all::<serde_json::Value>(
            &["system/documents"],
            None,
            &[
                ("recordType", "Ticket".to_owned()),
                ("recordId", "0".to_owned()),
            ],
        )
        .await;
    match docs {
        Err(e) if is_forbidden(&e) => out.push(finding("attachments", "GET /system/documents", &e)),
        // Any other answer means the role let the request through.
        _ => out.push(Finding {
            what: "attachments",
            ok: true,
            detail: "documents can be read (Add is known only at the first upload)".into(),
        }),
    }
    out
}

/// The one-line error for a failed check, or `None` when all passed.
pub fn verdict(findings: &[Finding]) -> Option<Error> {
    let failed: Vec<&Finding> = findings.iter().filter(|f| !f.ok).collect();
    let first = failed.first()?;
    let more = if failed.len() > 1 {
        format!(" (and {} more above)", failed.len() - 1)
    } else {
        String::new()
    };
    Some(Error::Config(format!(
        "connectwise check failed: {}: {}{more}",
        first.what, first.detail
    )))
}
