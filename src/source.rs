//! The `TicketSource` trait every provider implements and its capabilities. The registry
//! of providers lives with them, in `crate::providers`.

use crate::error::{Error, Result};
use crate::model::{
    Attachment, Comment, Ioc, IocQuery, NewTicket, Org, Query, Ticket, TicketUpdate,
};
use async_trait::async_trait;
use futures::stream::BoxStream;
use std::fmt;
use std::path::Path;
use tokio::io::AsyncWrite;

/// What a provider can do; the CLI checks it before any request and answers
/// "X does not support Y" (exit 2) for what is missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub list: bool,
    pub get: bool,
    pub comments: bool,
    pub add_comment: bool,
    pub close: bool,
    pub create: bool,
    pub update: bool,
    pub attachments: bool,
    pub download: bool,
    pub upload: bool,
    pub tags: bool,
    pub iocs: bool,
    pub orgs: bool,
}

impl Capabilities {
    /// Each operation's name with whether it is supported, in a fixed order.
    pub fn operations(&self) -> [(&'static str, bool); 13] {
        [
            ("list", self.list),
            ("get", self.get),
            ("comments", self.comments),
            ("add_comment", self.add_comment),
            ("close", self.close),
            ("create", self.create),
            ("update", self.update),
            ("attachments", self.attachments),
            ("download", self.download),
            ("upload", self.upload),
            ("tags", self.tags),
            ("iocs", self.iocs),
            ("orgs", self.orgs),
        ]
    }

    /// Whether the named operation is supported (unknown names are not).
    pub fn supports(&self, operation: &str) -> bool {
        self.operations()
            .iter()
            .any(|(name, ok)| *name == operation && *ok)
    }
}

/// A ticket provider, built from one profile.
///
/// Contract for implementors: `list` paginates internally, yields tickets in the
/// provider's order as pages arrive, never yields one id twice, and stops after
/// `Query::limit` tickets. Operations a provider lacks keep the default, which returns
/// [`Error::Unsupported`] without touching the network.
#[async_trait]
pub trait TicketSource: fmt::Display + Send + Sync + 'static {
    /// The provider's registry name (`sonar`, `argus`, ...).
    fn provider(&self) -> &'static str;

    fn capabilities(&self) -> Capabilities;

    /// Checks `query` against what the provider accepts and says which filters run on
    /// the server and which here (`--explain`). Makes no request.
    fn explain(&self, query: &Query) -> Result<String>;

    /// Tickets matching `query`, as a stream that owns what it needs.
    fn list(&self, query: &Query) -> BoxStream<'static, Result<Ticket>>;

    /// One ticket, with its comments where the provider has them.
    async fn get(&self, _id: &str) -> Result<Ticket> {
        Err(self.unsupported("get"))
    }

    async fn comments(&self, _id: &str) -> Result<Vec<Comment>> {
        Err(self.unsupported("comments"))
    }

    /// Adds a comment, sent once: a write that may have reached the server is never
    /// retried (no double comments).
    async fn add_comment(&self, _id: &str, _body: &str) -> Result<Comment> {
        Err(self.unsupported("add_comment"))
    }

    /// Closes the ticket, with a closing comment where given.
    async fn close(&self, _id: &str, _comment: Option<&str>) -> Result<()> {
        Err(self.unsupported("close"))
    }

    /// Opens a ticket; answers it as the provider now holds it.
    async fn create(&self, _new: &NewTicket) -> Result<Ticket> {
        Err(self.unsupported("create"))
    }

    /// Changes status, priority and/or adds a comment; answers the ticket as it now is.
    async fn update(&self, _id: &str, _change: &TicketUpdate) -> Result<Ticket> {
        Err(self.unsupported("update"))
    }

    async fn attachments(&self, _id: &str) -> Result<Vec<Attachment>> {
        Err(self.unsupported("attachments"))
    }

    /// Streams one attachment's bytes into `sink` (the CLI hands in a temporary file it
    /// commits atomically afterwards) and answers what is known of it, at least its name
    /// where the provider says it.
    async fn download(
        &self,
        _id: &str,
        _attachment: &str,
        _sink: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<Attachment> {
        Err(self.unsupported("download"))
    }

    /// Attaches the file at `path` under the name `name`.
    async fn upload(&self, _id: &str, _path: &Path, _name: &str) -> Result<Attachment> {
        Err(self.unsupported("upload"))
    }

    async fn tags(&self, _id: &str) -> Result<Vec<String>> {
        Err(self.unsupported("tags"))
    }

    /// Adds tags; answers the ticket's tags afterwards.
    async fn add_tags(&self, _id: &str, _tags: &[String]) -> Result<Vec<String>> {
        Err(self.unsupported("tags"))
    }

    async fn remove_tag(&self, _id: &str, _tag: &str) -> Result<()> {
        Err(self.unsupported("tags"))
    }

    /// The organizations (tenants) the key can see, under `root` (id or name) when given.
    async fn orgs(&self, _root: Option<&str>) -> Result<Vec<Org>> {
        Err(self.unsupported("orgs"))
    }

    /// Indicators of compromise the provider shares.
    async fn iocs(&self, _query: &IocQuery) -> Result<Vec<Ioc>> {
        Err(self.unsupported("iocs"))
    }

    /// The error every unsupported operation returns.
    fn unsupported(&self, operation: &'static str) -> Error {
        Error::Unsupported {
            provider: self.provider().to_owned(),
            operation,
        }
    }
}
