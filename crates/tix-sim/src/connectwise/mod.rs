//! The simulated ConnectWise Manage REST API, under `/connectwise`.
//!
//! Sources: `shared/vendor-docs/connectwise-configuration.txt` (security role, board,
//! status, company id, Discussion notes, attachments under 50 MB) and
//! `shared/research/arcticwolf-connectwise.md` §2 (everything REST). Written from those,
//! never from tix's client (`crate::sinks::connectwise`).
//!
//! - `GET /login/companyinfo/{company}` (no auth) answers the codebase `v2025_1/`; the
//!   API lives under `/v2025_1/apis/3.0/`.
//! - Auth: `Authorization: Basic base64("<company>+<public>:<private>")` and a `clientId`
//!   header on every API call; any keys are accepted unless `--api-key` is set, which
//!   then must be the private key.
//! - `system/info`, `service/boards`, `service/boards/{id}/statuses`,
//!   `service/priorities`, `company/companies`: seeded setup tables.
//! - `system/mysecurity`: the API member's security role, seeded with the vendor
//!   document's table (`security.rs`); `POST /_sim/mysecurity` changes one row.
//! - `service/tickets` (GET, POST, `/count`, `/{id}` GET and JSON-Patch PATCH),
//!   `service/tickets/{id}/notes` (GET, POST), `system/documents` (GET, multipart POST).
//! - Lists: `conditions`, `fields`, `page`/`pageSize` (default 25, cut to 1000), `Link`.
//! - For tests, not ConnectWise: `POST /_sim/deny {"areas": [...]}` takes a permission
//!   away from the security role (403 as ConnectWise answers it),
//!   `POST /_sim/reject {"field", "equals"}` makes every new ticket with that field value
//!   a 400 `InvalidObject` (a poison ticket), and
//!   `POST /_sim/tickets/{id}/notes {"text", "member"}` / `POST /_sim/tickets/{id}/close
//!   {"member"}` act as a technician in the web UI.
//!
//! Inferred [I]: the answer to a missing `clientId` (401, like bad keys), and that a new
//! note moves its ticket's `_info.lastUpdated`.

mod conditions;
mod control;
mod documents;
mod error;
mod notes;
mod paging;
mod security;
mod setup;
mod store;
mod tickets;

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::SimOptions;
use error::CwError;
use store::Store;

/// The state every handler shares.
pub struct Cw {
    api_key: Option<String>,
    store: RwLock<Store>,
}

impl Cw {
    fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }

    /// 403 when the test took `area` away from the security role.
    fn allow(&self, area: &str) -> Result<(), CwError> {
        if self.read().denied.contains(area) {
            Err(CwError::security())
        } else {
            Ok(())
        }
    }
}

pub fn router(opts: &SimOptions) -> Router {
    let cw = Arc::new(Cw {
        api_key: opts.api_key.clone(),
        store: RwLock::new(Store::seeded(opts.seed)),
    });
    let api = Router::new()
        .route("/system/info", get(setup::info))
        .route("/system/mysecurity", get(security::mine))
        .route("/service/boards", get(setup::boards))
        .route("/service/boards/{id}/statuses", get(setup::statuses))
        .route("/service/priorities", get(setup::priorities))
        .route("/company/companies", get(setup::companies))
        .route("/service/tickets", get(tickets::list).post(tickets::create))
        .route("/service/tickets/count", get(tickets::count))
        .route(
            "/service/tickets/{id}",
            get(tickets::one).patch(tickets::patch),
        )
        .route(
            "/service/tickets/{id}/notes",
            get(notes::list).post(notes::create),
        )
        .route(
            "/system/documents",
            get(documents::list).post(documents::upload),
        )
        .route_layer(from_fn_with_state(Arc::clone(&cw), auth));
    Router::new()
        .route("/login/companyinfo/{company}", get(setup::company_info))
        .route("/_sim/deny", post(control::deny))
        .route("/_sim/reject", post(control::reject))
        .route("/_sim/mysecurity", post(security::set))
        .route("/_sim/tickets/{id}/notes", post(control::note))
        .route("/_sim/tickets/{id}/close", post(control::close))
        .nest(&format!("/{}apis/3.0", store::CODEBASE), api)
        .with_state(cw)
}

/// Basic `company+public:private` and a `clientId`, before anything else.
async fn auth(State(cw): State<Arc<Cw>>, req: Request, next: Next) -> Response {
    use base64::Engine as _;
    let pair = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let keys = pair.as_deref().and_then(|p| {
        let (user, private) = p.split_once(':')?;
        let (company, public) = user.split_once('+')?;
        (!company.is_empty() && !public.is_empty() && !private.is_empty())
            .then(|| private.to_owned())
    });
    let Some(private) = keys else {
        return CwError::unauthorized("Incorrect public/private key").into_response();
    };
    if cw.api_key.as_ref().is_some_and(|k| *k != private) {
        return CwError::unauthorized("Incorrect public/private key").into_response();
    }
    let client_id = req
        .headers()
        .get("clientid")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty());
    if client_id.is_none() {
        return CwError::unauthorized("A clientId header is required on every request")
            .into_response();
    }
    next.run(req).await
}

/// A numeric path id, or 400.
fn path_id(s: &str) -> Result<u64, CwError> {
    s.parse()
        .map_err(|_| CwError::bad_request(format!("'{s}' is not a valid id")))
}

#[cfg(test)]
mod tests;
