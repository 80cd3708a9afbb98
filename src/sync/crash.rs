//! Named points where a run can be made to die on purpose (`TIX_SYNC_CRASH_AT=<point>`),
//! so tests can show that a run killed there leaves no partial file and an unchanged
//! state. The process exits at once, running no destructors and no cleanup, as under
//! `kill -9`; the variable is read once and is not documented for users.

use std::sync::OnceLock;

/// Every point a run passes, in order.
pub const POINTS: &[&str] = &[
    "locked",
    "first-ticket",
    "before-rename",
    "after-rename",
    "committed",
    // ConnectWise: the ticket was created and the ledger does not know it yet.
    "cw-created",
];

/// Ends the process here when `TIX_SYNC_CRASH_AT` names this point.
pub fn point(name: &'static str) {
    static AT: OnceLock<Option<String>> = OnceLock::new();
    debug_assert!(POINTS.contains(&name));
    let at = AT.get_or_init(|| std::env::var("TIX_SYNC_CRASH_AT").ok());
    if at.as_deref() == Some(name) {
        // 137 is what a shell reports for SIGKILL.
        std::process::exit(137);
    }
}
