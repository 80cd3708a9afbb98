//! When to retry and how long to wait: exponential backoff with full jitter, and the
//! server's `Retry-After` when it sends one.

use backon::{BackoffBuilder, ExponentialBuilder};
use rand::Rng;
use reqwest::{Method, StatusCode};
use std::time::Duration;

/// The retry budget of one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: usize,
    /// The first backoff ceiling; each retry doubles it.
    pub base: Duration,
    /// No backoff ceiling grows past this.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the request fails instead,
    /// so a cron job never hangs on a provider that asks for an hour.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 6,
            base: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The backoff ceilings, one per retry. backon supplies the exponential schedule;
    /// its own jitter only adds to a delay, so full jitter is drawn in [`Self::delay`].
    pub fn ceilings(&self) -> impl Iterator<Item = Duration> {
        ExponentialBuilder::default()
            .with_min_delay(self.base)
            .with_max_delay(self.max_delay)
            .with_max_times(self.retries)
            .build()
    }

    /// Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): a uniform
    /// draw in `[0, ceiling]`, so many clients retrying at once spread out.
    pub fn delay(ceiling: Duration) -> Duration {
        let max = ceiling.as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(0..=max))
    }
}

/// Whether an answer with this status may be asked again. 500 is retried only for
/// requests that change nothing; 4xx other than 429 never is.
pub fn retryable_status(status: StatusCode, idempotent: bool) -> bool {
    match status.as_u16() {
        429 | 502 | 503 | 504 => true,
        500 => idempotent,
        _ => false,
    }
}

/// GET, HEAD, PUT and DELETE mean the same thing when repeated (RFC 9110 §9.2.2).
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE
    )
}

/// Parses `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ceilings_double_up_to_the_cap_and_stop_at_the_budget() {
        let p = RetryPolicy {
            retries: 5,
            base: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            ..RetryPolicy::default()
        };
        let c: Vec<u64> = p.ceilings().map(|d| d.as_millis() as u64).collect();
        assert_eq!(c, vec![100, 200, 400, 500, 500]);
    }

    #[test]
    fn full_jitter_stays_within_the_ceiling() {
        for _ in 0..200 {
            assert!(RetryPolicy::delay(Duration::from_millis(50)) <= Duration::from_millis(50));
        }
        assert_eq!(RetryPolicy::delay(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn statuses_that_are_retried() {
        for s in [429, 502, 503, 504] {
            assert!(retryable_status(StatusCode::from_u16(s).unwrap(), false));
        }
        assert!(retryable_status(StatusCode::INTERNAL_SERVER_ERROR, true));
        assert!(!retryable_status(StatusCode::INTERNAL_SERVER_ERROR, false));
        for s in [400, 401, 403, 404, 412, 422] {
            assert!(!retryable_status(StatusCode::from_u16(s).unwrap(), true));
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
            .unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Mon, 23 Nov 2026 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
