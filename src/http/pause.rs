//! One back-off per host: when a server answers 429 with `Retry-After`, every request
//! of that client (all its clones, every concurrent worker) waits it out, not only the
//! one that was refused. Eight workers each learning the limit on their own would send
//! seven more requests into a limit the server already announced.

use std::sync::{Arc, Mutex};
use tokio::time::Instant;

/// The instant until which requests wait, shared by a client's clones.
#[derive(Clone, Debug, Default)]
pub struct Pause(Arc<Mutex<Option<Instant>>>);

impl Pause {
    /// Requests wait until at least `until`.
    pub fn until(&self, until: Instant) {
        let mut at = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *at = Some(at.map_or(until, |a| a.max(until)));
    }

    /// When requests may go again, if a back-off is on.
    pub fn paused_until(&self) -> Option<Instant> {
        let at = *self.0.lock().unwrap_or_else(|e| e.into_inner());
        at.filter(|a| *a > Instant::now())
    }

    /// Waits out the back-off (which may be extended while waiting).
    pub async fn wait(&self) {
        while let Some(at) = self.paused_until() {
            tokio::time::sleep_until(at).await;
        }
    }
}
