//! Where pushed tickets land: the board, the status, the company and the priorities,
//! given by name or id and resolved to ids once per run (research §2.4: "prefer ids
//! resolved once at configuration time").

use super::NAME;
use super::client::CwClient;
use super::wire::Named;
use crate::error::{Error, Result};
use crate::model::Priority;
use std::collections::BTreeMap;

/// What the user asked for, as typed.
#[derive(Debug, Clone, Default)]
pub struct TargetSpec {
    /// `--board NAME|ID`.
    pub board: String,
    /// `--status NAME|ID`, a status of that board.
    pub status: String,
    /// `--company ID`: the numeric id or the company identifier (vendor document step 5).
    pub company: String,
    /// `--priority-map critical=ID|NAME,…`.
    pub priorities: Vec<(Priority, String)>,
}

/// Resolved ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub board: u64,
    pub board_name: String,
    pub status: u64,
    pub company: u64,
    pub priorities: BTreeMap<Priority, u64>,
}

/// Parses `critical=1,high=Priority 2 - Quick Response,…`. Each key is a normalized
/// priority; each value a ConnectWise priority id or name.
pub fn parse_priority_map(text: &str) -> Result<Vec<(Priority, String)>> {
    let allowed = "comma-separated PRIORITY=ID|NAME pairs, PRIORITY one of: critical, high, medium, low, unknown";
    let mut out: Vec<(Priority, String)> = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| Error::invalid("--priority-map", pair, allowed))?;
        let p: Priority = k
            .parse()
            .map_err(|_| Error::invalid("--priority-map", k.trim(), allowed))?;
        let v = v.trim();
        if v.is_empty() || out.iter().any(|(q, _)| *q == p) {
            return Err(Error::invalid("--priority-map", pair, allowed));
        }
        out.push((p, v.to_owned()));
    }
    if out.is_empty() {
        return Err(Error::invalid("--priority-map", text, allowed));
    }
    Ok(out)
}

/// A condition string value, quoted as ConnectWise's `conditions` wants it.
pub fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Looks a record up by id (all digits) or by `field` (`name`, `identifier`).
async fn lookup(
    cw: &CwClient,
    segments: &[&str],
    field: &str,
    value: &str,
    what: &str,
    on: &str,
    flag: &str,
) -> Result<Named> {
    let by_id = !value.is_empty() && value.chars().all(|c| c.is_ascii_digit());
    let condition = if by_id {
        format!("id={value}")
    } else {
        format!("{field}={}", quoted(value))
    };
    let found: Vec<Named> = cw.all(segments, Some(&condition), &[]).await?;
    let mut active = found
        .into_iter()
        .filter(|n| !n.inactive.unwrap_or(false) && !n.inactive_flag.unwrap_or(false));
    match (active.next(), active.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(Error::Config(format!(
            "{NAME}: no active {what} '{value}'{on} ({flag})"
        ))),
        (Some(_), Some(_)) => Err(Error::Config(format!(
            "{NAME}: several {what} records{on} are called '{value}'; give its id to {flag}"
        ))),
    }
}

impl TargetSpec {
    /// The board, by name or id.
    pub async fn board(&self, cw: &CwClient) -> Result<Named> {
        lookup(
            cw,
            &["service/boards"],
            "name",
            &self.board,
            "service board",
            "",
            "--board",
        )
        .await
    }

    /// The status, which must be one of `board`'s.
    pub async fn status(&self, cw: &CwClient, board: &Named) -> Result<Named> {
        let board_id = board.id.to_string();
        lookup(
            cw,
            &["service/boards", &board_id, "statuses"],
            "name",
            &self.status,
            "status",
            &format!(" on board '{}'", board.name.as_deref().unwrap_or(&board_id)),
            "--status",
        )
        .await
    }

    /// The company, by id or identifier.
    pub async fn company(&self, cw: &CwClient) -> Result<Named> {
        lookup(
            cw,
            &["company/companies"],
            "identifier",
            &self.company,
            "company",
            "",
            "--company",
        )
        .await
    }

    /// The priority map's ids.
    pub async fn priorities(&self, cw: &CwClient) -> Result<BTreeMap<Priority, u64>> {
        let mut priorities = BTreeMap::new();
        for (p, v) in &self.priorities {
            let found = lookup(
                cw,
                &["service/priorities"],
                "name",
                v,
                "priority",
                "",
                "--priority-map",
            )
            .await?;
            priorities.insert(*p, found.id);
        }
        Ok(priorities)
    }

    /// Resolves every part.
    pub async fn resolve(&self, cw: &CwClient) -> Result<Target> {
        let board = self.board(cw).await?;
        let status = self.status(cw, &board).await?;
        let company = self.company(cw).await?;
        let priorities = self.priorities(cw).await?;
        Ok(Target {
            board: board.id,
            board_name: board.name.unwrap_or_else(|| board.id.to_string()),
            status: status.id,
            company: company.id,
            priorities,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_map_takes_ids_and_names() {
        let m = parse_priority_map("critical=1, high=Priority 2 - Quick Response").unwrap();
        assert_eq!(
            m,
            vec![
                (Priority::Critical, "1".to_owned()),
                (Priority::High, "Priority 2 - Quick Response".to_owned())
            ]
        );
    }

    #[test]
    fn priority_map_errors_name_the_flag() {
        for bad in ["urgent=1", "high", "high=", "high=1,high=2", ""] {
            let e = parse_priority_map(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().contains("--priority-map"), "{e}");
        }
    }

    #[test]
    fn condition_strings_are_quoted_and_escaped() {
        assert_eq!(quoted("Help Desk"), "\"Help Desk\"");
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
    }
}
