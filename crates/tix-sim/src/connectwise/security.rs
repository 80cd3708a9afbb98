//! `GET /system/mysecurity`: the API member's own security role, one record per module
//! function with its Add, Edit, Delete and Inquire levels.
//!
//! The vendor document (connectwise-configuration.txt, Step 1 item 11) gives the role an
//! integration needs as a table of category, permission name and four levels; the
//! simulated member starts with exactly that role. The record shape (`moduleName`,
//! `moduleFunctionName`, `addLevel`, `editLevel`, `deleteLevel`, `inquireLevel`, `id`,
//! `moduleIdentifier`, `moduleFunctionIdentifier`) is ConnectWise's `MySecurity` model
//! as the public SDKs generated from its OpenAPI describe it [I: not in the vendor
//! document or the research note]; the category is `moduleName`, the permission name
//! `moduleFunctionName`.
//!
//! For tests, not ConnectWise: `POST /_sim/mysecurity {"module", "function", "addLevel",
//! …}` sets the given levels of one row (adding the row when missing).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use serde_json::{Value, json};

use super::Cw;
use super::error::CwError;

const LEVELS: [&str; 4] = ["addLevel", "editLevel", "deleteLevel", "inquireLevel"];

/// The vendor document's table, row by row: category, permission, add, edit, delete, inquire.
const DOCUMENTED_ROLE: [(&str, &str, [&str; 4]); 6] = [
    (
        "Companies",
        "Company Maintenance",
        ["None", "None", "None", "All"],
    ),
    (
        "Companies",
        "Manage Attachments",
        ["All", "None", "None", "All"],
    ),
    (
        "Service Desk",
        "Close Service Tickets",
        ["All", "All", "None", "All"],
    ),
    (
        "Service Desk",
        "Service Ticket - Dependencies",
        ["All", "All", "None", "All"],
    ),
    (
        "Service Desk",
        "Service Tickets",
        ["All", "All", "None", "All"],
    ),
    ("System", "Table Setup", ["None", "None", "None", "All"]),
];

fn identifier(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

fn row(id: usize, module: &str, function: &str, levels: [&str; 4]) -> Value {
    let mut r = json!({
        "id": id,
        "moduleName": module,
        "moduleIdentifier": identifier(module),
        "moduleFunctionName": function,
        "moduleFunctionIdentifier": identifier(function),
        "myAllFlag": false,
    });
    for (k, v) in LEVELS.iter().zip(levels) {
        r[*k] = json!(v);
    }
    r
}

/// The role the vendor document asks for.
pub fn documented_role() -> Vec<Value> {
    DOCUMENTED_ROLE
        .iter()
        .enumerate()
        .map(|(i, (m, f, l))| row(i + 1, m, f, *l))
        .collect()
}

/// `GET /system/mysecurity`: every row of the member's role (unpaged, as it is small).
pub async fn mine(State(cw): State<Arc<Cw>>) -> Json<Value> {
    Json(Value::Array(cw.read().security.clone()))
}

/// `POST /_sim/mysecurity {"module": "Service Desk", "function": "Service Tickets",
/// "addLevel": "None"}`.
pub async fn set(State(cw): State<Arc<Cw>>, body: Bytes) -> Result<Json<Value>, CwError> {
    let b: Value =
        serde_json::from_slice(&body).map_err(|e| CwError::bad_request(e.to_string()))?;
    let (Some(module), Some(function)) = (b["module"].as_str(), b["function"].as_str()) else {
        return Err(CwError::bad_request(
            "{\"module\": \"...\", \"function\": \"...\", \"addLevel\": \"None\", ...} expected",
        ));
    };
    let mut store = cw.write();
    let at = match store
        .security
        .iter()
        .position(|r| r["moduleName"] == module && r["moduleFunctionName"] == function)
    {
        Some(at) => at,
        None => {
            let id = store.security.len() + 1;
            store
                .security
                .push(row(id, module, function, ["None", "None", "None", "None"]));
            id - 1
        }
    };
    for k in LEVELS {
        if let Some(level) = b[k].as_str() {
            store.security[at][k] = json!(level);
        }
    }
    Ok(Json(store.security[at].clone()))
}
