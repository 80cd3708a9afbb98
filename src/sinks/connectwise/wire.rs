//! ConnectWise Manage REST types, exactly as the API sends and takes them
//! (research/arcticwolf-connectwise.md §2.4–2.8). Unknown fields are ignored and every
//! field tix does not strictly need is optional: strictly typed models break on real
//! data (pyconnectwise #25, #31).

use serde::{Deserialize, Serialize};

/// `GET /login/companyinfo/{companyId}` (no auth): where the API lives.
#[derive(Debug, Clone, Deserialize)]
pub struct CompanyInfo {
    /// With a trailing slash, e.g. `v2017_3/`.
    #[serde(rename = "Codebase")]
    pub codebase: String,
}

/// A reference to another record: `{"id": N, "name": "…"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
}

impl Reference {
    pub fn id(id: u64) -> Self {
        Reference {
            id: Some(id),
            ..Reference::default()
        }
    }
}

/// `_info` on every record.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Info {
    #[serde(default, rename = "lastUpdated")]
    pub last_updated: Option<String>,
}

/// A service ticket as GET answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct Ticket {
    pub id: u64,
    #[serde(default, rename = "closedFlag")]
    pub closed_flag: Option<bool>,
    #[serde(default, rename = "closedBy")]
    pub closed_by: Option<String>,
    #[serde(default, rename = "externalXRef")]
    pub external_xref: Option<String>,
    #[serde(default, rename = "_info")]
    pub info: Option<Info>,
}

/// The body of `POST /service/tickets`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewTicket {
    pub summary: String,
    pub board: Reference,
    pub status: Reference,
    pub company: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Reference>,
    #[serde(rename = "initialDescription")]
    pub initial_description: String,
    #[serde(rename = "externalXRef")]
    pub external_xref: String,
}

/// A ticket note (`/service/tickets/{id}/notes`).
#[derive(Debug, Clone, Deserialize)]
pub struct Note {
    pub id: u64,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default, rename = "detailDescriptionFlag")]
    pub detail_description_flag: Option<bool>,
    #[serde(default, rename = "createdBy")]
    pub created_by: Option<String>,
    #[serde(default)]
    pub member: Option<Reference>,
}

/// The body of `POST /service/tickets/{id}/notes`: a Discussion note.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewNote {
    pub text: String,
    #[serde(rename = "detailDescriptionFlag")]
    pub detail_description_flag: bool,
    #[serde(rename = "internalAnalysisFlag")]
    pub internal_analysis_flag: bool,
    #[serde(rename = "resolutionFlag")]
    pub resolution_flag: bool,
}

/// One JSON-Patch operation (`PATCH /service/tickets/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchOp {
    pub op: &'static str,
    pub path: String,
    pub value: serde_json::Value,
}

/// A board, a board status, a company or a priority: what `tix cw check` resolves.
#[derive(Debug, Clone, Deserialize)]
pub struct Named {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,

    #[serde(default)]
    pub inactive: Option<bool>,
    #[serde(default, rename = "inactiveFlag")]
    pub inactive_flag: Option<bool>,
}

/// `DocumentInfo`, the answer to `POST /system/documents`.
#[derive(Debug, Clone, Deserialize)]
pub struct Document {
    pub id: u64,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, rename = "fileName")]
    pub file_name: Option<String>,
}

/// `{code, message, errors: [{code, message, resource, field}]}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FieldError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
}
