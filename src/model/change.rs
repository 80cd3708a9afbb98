use super::{Priority, Status};

/// What `tix create` asks a provider to open. Each provider takes the parts its API has
/// and refuses, before any request, a missing part it needs (naming the flag).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewTicket {
    /// `--customer`/`--tenant`: Argus customer id or shortname.
    pub tenant: Option<String>,
    /// `--service`: Argus service id or shortname.
    pub service: Option<String>,
    /// `--type`: the provider's case or ticket type (Argus `securityIncident`, …; Cyderes
    /// service request type).
    pub kind: Option<String>,
    /// `--subject` (also `--title`, `--name`).
    pub title: String,
    /// `--short-description` (Cyderes).
    pub short_description: Option<String>,
    /// `--description`, `--description-file` or stdin.
    pub description: String,
    pub priority: Option<Priority>,
    /// `--category` (Cyderes).
    pub category: Option<String>,
    /// `--restricted`: visible only to the people the provider restricts it to (Argus).
    pub restricted: bool,
}

/// What `tix update` changes; `None` leaves a part as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketUpdate {
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    /// Added with the change, in the same request where the API allows.
    pub comment: Option<String>,
}

impl TicketUpdate {
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.priority.is_none() && self.comment.is_none()
    }
}
