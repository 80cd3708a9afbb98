use serde::Serialize;

/// An organization (tenant) a key can see: `tix orgs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    pub provider: String,
    pub id: String,
    pub name: Option<String>,
    /// Arctic Wolf's regional pod; null elsewhere.
    pub pod: Option<String>,
    /// The provider's customer id where it differs from `id` (Arctic Wolf `customerID`).
    pub customer_id: Option<String>,
    pub parent_id: Option<String>,
}

impl Org {
    /// Column order for tables and CSV.
    pub const FIELDS: &'static [&'static str] =
        &["provider", "id", "name", "pod", "customer_id", "parent_id"];
}
