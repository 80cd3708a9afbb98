//! What every verb on one provider shares: which provider, how to reach it, and the
//! capability check that answers "X does not support Y" before any config is read.

use super::Ctx;
use crate::config::Selection;
use crate::error::{Error, Result};
use crate::source::{Operation, TicketSource};
use std::path::PathBuf;

/// `--base-url` and `--ca-file`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Conn {
    /// Use this base URL instead of the profile's or the environment's.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Also trust this CA certificate (PEM).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

/// Builds `provider`'s source after checking that it supports `operation`.
pub fn open(
    ctx: &mut Ctx,
    provider: &str,
    conn: &Conn,
    operation: Operation,
) -> Result<Box<dyn TicketSource>> {
    let info = crate::providers::provider(provider)?;
    if !info.capabilities.supports(operation) {
        return Err(Error::Unsupported {
            provider: info.name.into(),
            operation: operation.doing(),
        });
    }
    ctx.source(Selection {
        provider: Some(info.name.to_owned()),
        profile: None,
        base_url: conn.base_url.clone(),
        ca_file: conn.ca_file.clone(),
        env_only: false,
    })
}
