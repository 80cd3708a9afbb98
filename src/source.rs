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

/// One thing a provider may or may not do; the CLI checks it against [`Capabilities`]
/// before any request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    List,
    Get,
    Comments,
    AddComment,
    Close,
    Create,
    Update,
    Attachments,
    Download,
    Upload,
    Tags,
    Iocs,
    Orgs,
}

impl Operation {
    /// Every operation, in the order `tix providers` prints them.
    pub const ALL: [Operation; 13] = [
        Operation::List,
        Operation::Get,
        Operation::Comments,
        Operation::AddComment,
        Operation::Close,
        Operation::Create,
        Operation::Update,
        Operation::Attachments,
        Operation::Download,
        Operation::Upload,
        Operation::Tags,
        Operation::Iocs,
        Operation::Orgs,
    ];

    /// Its name in `tix providers` (stable, for scripts): `add_comment`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::List => "list",
            Operation::Get => "get",
            Operation::Comments => "comments",
            Operation::AddComment => "add_comment",
            Operation::Close => "close",
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Attachments => "attachments",
            Operation::Download => "download",
            Operation::Upload => "upload",
            Operation::Tags => "tags",
            Operation::Iocs => "iocs",
            Operation::Orgs => "orgs",
        }
    }

    /// What it is in a sentence: "cyderes does not support adding comments".
    pub fn doing(self) -> &'static str {
        match self {
            Operation::List => "listing tickets",
            Operation::Get => "reading one ticket",
            Operation::Comments => "reading comments",
            Operation::AddComment => "adding comments",
            Operation::Close => "closing tickets",
            Operation::Create => "creating tickets",
            Operation::Update => "updating tickets",
            Operation::Attachments => "listing attachments",
            Operation::Download => "downloading attachments",
            Operation::Upload => "uploading attachments",
            Operation::Tags => "tags",
            Operation::Iocs => "indicators of compromise",
            Operation::Orgs => "listing organizations",
        }
    }
}

impl Capabilities {
    /// Whether `operation` is supported.
    pub fn supports(&self, operation: Operation) -> bool {
        match operation {
            Operation::List => self.list,
            Operation::Get => self.get,
            Operation::Comments => self.comments,
            Operation::AddComment => self.add_comment,
            Operation::Close => self.close,
            Operation::Create => self.create,
            Operation::Update => self.update,
            Operation::Attachments => self.attachments,
            Operation::Download => self.download,
            Operation::Upload => self.upload,
            Operation::Tags => self.tags,
            Operation::Iocs => self.iocs,
            Operation::Orgs => self.orgs,
        }
    }

    /// The supported operations, in [`Operation::ALL`]'s order.
    pub fn operations(&self) -> impl Iterator<Item = Operation> + '_ {
        Operation::ALL.into_iter().filter(|op| self.supports(*op))
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
        Err(self.lacks(Operation::Get))
    }

    async fn comments(&self, _id: &str) -> Result<Vec<Comment>> {
        Err(self.lacks(Operation::Comments))
    }

    /// Adds a comment, sent once: a write that may have reached the server is never
    /// retried (no double comments).
    async fn add_comment(&self, _id: &str, _body: &str) -> Result<Comment> {
        Err(self.lacks(Operation::AddComment))
    }

    /// Closes the ticket, with a closing comment where given.
    async fn close(&self, _id: &str, _comment: Option<&str>) -> Result<()> {
        Err(self.lacks(Operation::Close))
    }

    /// Opens a ticket; answers it as the provider now holds it.
    async fn create(&self, _new: &NewTicket) -> Result<Ticket> {
        Err(self.lacks(Operation::Create))
    }

    /// Changes status, priority and/or adds a comment; answers the ticket as it now is.
    async fn update(&self, _id: &str, _change: &TicketUpdate) -> Result<Ticket> {
        Err(self.lacks(Operation::Update))
    }

    async fn attachments(&self, _id: &str) -> Result<Vec<Attachment>> {
        Err(self.lacks(Operation::Attachments))
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
        Err(self.lacks(Operation::Download))
    }

    /// Attaches the file at `path` under the name `name`.
    async fn upload(&self, _id: &str, _path: &Path, _name: &str) -> Result<Attachment> {
        Err(self.lacks(Operation::Upload))
    }

    async fn tags(&self, _id: &str) -> Result<Vec<String>> {
        Err(self.lacks(Operation::Tags))
    }

    /// Adds tags; answers the ticket's tags afterwards.
    async fn add_tags(&self, _id: &str, _tags: &[String]) -> Result<Vec<String>> {
        Err(self.lacks(Operation::Tags))
    }

    async fn remove_tag(&self, _id: &str, _tag: &str) -> Result<()> {
        Err(self.lacks(Operation::Tags))
    }

    /// The organizations (tenants) the key can see, under `root` (id or name) when given.
    async fn orgs(&self, _root: Option<&str>) -> Result<Vec<Org>> {
        Err(self.lacks(Operation::Orgs))
    }

    /// Indicators of compromise the provider shares.
    async fn iocs(&self, _query: &IocQuery) -> Result<Vec<Ioc>> {
        Err(self.lacks(Operation::Iocs))
    }

    /// The error every unsupported operation returns.
    fn lacks(&self, operation: Operation) -> Error {
        Error::Unsupported {
            provider: self.provider().to_owned(),
            operation: operation.doing(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_one_name_and_reads_as_a_phrase() {
        let names: std::collections::HashSet<&str> =
            Operation::ALL.iter().map(|op| op.name()).collect();
        assert_eq!(names.len(), Operation::ALL.len());
        assert_eq!(Operation::AddComment.doing(), "adding comments");
        let only_get = Capabilities {
            get: true,
            ..Capabilities::default()
        };
        assert!(only_get.supports(Operation::Get));
        assert!(!only_get.supports(Operation::AddComment));
        assert_eq!(only_get.operations().collect::<Vec<_>>(), [Operation::Get]);
    }
}
