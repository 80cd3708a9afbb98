//! ConnectWise → MSSP ticket, for `--two-way` (issue 8, "What to build" 4).
//!
//! Discussion notes people wrote in ConnectWise become comments on the MSSP ticket where
//! the provider accepts comments; a ticket closed in ConnectWise closes the MSSP ticket
//! with `--close-upstream`. Notes tix wrote carry its mark and are never sent back;
//! comments tix adds upstream carry a `tix:cw:` mark that the push side skips, so nothing
//! echoes. Before adding a comment upstream the provider's comments are read once and a
//! comment already carrying the note's mark is not added again (a run killed between
//! the comment and the ledger write).
//!
//! Which tickets to read: all of tix's tickets on the board in one paged query, and the
//! notes only of those whose `_info.lastUpdated` moved since the last run. That a new
//! note moves its ticket's `lastUpdated` is an inference [I] (django-connectwise syncs
//! notes on the same assumption, research §3).

use super::NAME;
use super::client::CwClient;
use super::ledger::{Ledger, TicketKey};
use super::marker;
use super::target::Target;
use super::wire;
use crate::error::Result;
use crate::model::Status;
use crate::source::TicketSource;
use std::collections::HashMap;

/// What the way back did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PullReport {
    /// Notes sent upstream as comments.
    pub comments: usize,
    /// Notes not sent because the provider takes no comments.
    pub skipped: usize,
    /// MSSP tickets closed.
    pub closed: usize,
}

/// Sends what people wrote in ConnectWise back to the providers in `sources`.
pub async fn pull(
    cw: &CwClient,
    target: &Target,
    ledger: &mut dyn Ledger,
    sources: &[&dyn TicketSource],
    close_upstream: bool,
) -> Result<PullReport> {
    let mut report = PullReport::default();
    let condition = format!("externalXRef like \"tix:%\" and board/id={}", target.board);
    let on_board: Vec<wire::Ticket> = cw
        .all(
            &["service/tickets"],
            Some(&condition),
            &[(
                "fields",
                "id,externalXRef,closedFlag,closedBy,_info".to_owned(),
            )],
        )
        .await?;
    let by_id: HashMap<u64, wire::Ticket> = on_board.into_iter().map(|t| (t.id, t)).collect();
    for (key, mut mapping) in ledger.mappings()? {
        let Some(source) = sources.iter().find(|s| s.provider() == key.provider) else {
            continue;
        };
        let Some(cw_ticket) = by_id.get(&mapping.cw_id) else {
            continue;
        };
        let updated = cw_ticket.info.as_ref().and_then(|i| i.last_updated.clone());
        if updated.is_some() && updated == mapping.cw_seen {
            continue;
        }
        let mut upstream: Option<Vec<String>> = None;
        let notes: Vec<wire::Note> = cw
            .all(
                &["service/tickets", &mapping.cw_id.to_string(), "notes"],
                None,
                &[],
            )
            .await?;
        for n in notes {
            let text = n.text.as_deref().unwrap_or("");
            if !n.detail_description_flag.unwrap_or(false)
                || marker::note_is_tix(text)
                || text.trim().is_empty()
            {
                continue;
            }
            let item = format!("note:{}", n.id);
            if ledger.has_item(&key, &item)? {
                continue;
            }
            if !source.capabilities().add_comment {
                report.skipped += 1;
                ledger.add_item(&key, &item)?;
                continue;
            }
            let mark = marker::on_comment(mapping.cw_id, n.id);
            if upstream.is_none() {
                upstream = Some(
                    source
                        .comments(&key.id)
                        .await?
                        .into_iter()
                        .map(|c| c.body)
                        .collect(),
                );
            }
            let already = upstream
                .as_ref()
                .is_some_and(|bodies| bodies.iter().any(|b| b.contains(&mark)));
            if !already {
                let who = n
                    .created_by
                    .as_deref()
                    .or(n.member.as_ref().and_then(|m| m.name.as_deref()))
                    .unwrap_or("a technician");
                let body = format!("{text}\n\n— {who} in ConnectWise {mark}");
                source.add_comment(&key.id, &body).await?;
                report.comments += 1;
            }
            ledger.add_item(&key, &item)?;
        }
        if close_upstream && cw_ticket.closed_flag.unwrap_or(false) && !mapping.closed_upstream {
            close(*source, &key, mapping.cw_id, cw_ticket, &mut report).await?;
            mapping.closed_upstream = true;
        }
        mapping.cw_seen = updated;
        ledger.set_mapping(&key, &mapping)?;
    }
    Ok(report)
}

async fn close(
    source: &dyn TicketSource,
    key: &TicketKey,
    cw_id: u64,
    cw_ticket: &wire::Ticket,
    report: &mut PullReport,
) -> Result<()> {
    if !source.capabilities().close {
        tracing::warn!(provider = %key.provider, id = %key.id, "closed in {NAME}, but {} cannot close tickets", key.provider);
        return Ok(());
    }
    let now = source.get(&key.id).await?;
    if matches!(now.status, Status::Closed | Status::Resolved) {
        return Ok(());
    }
    let by = cw_ticket
        .closed_by
        .as_deref()
        .map(|b| format!(" by {b}"))
        .unwrap_or_default();
    let comment = format!(
        "Closed in ConnectWise (ticket {cw_id}){by}. {}",
        marker::on_close(cw_id)
    );
    source.close(&key.id, Some(&comment)).await?;
    report.closed += 1;
    Ok(())
}
