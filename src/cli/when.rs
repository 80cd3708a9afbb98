//! `--since` / `--until` values: a moment, a date, or a span back from now.

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

const ALLOWED: &str = "an RFC 3339 time (2026-11-01T08:00:00Z), a UTC date (2026-11-01), \
                       a UTC 'YYYY-MM-DD HH:MM:SS', or a span back from now (90m, 36h, 7d, 2w)";

/// Both bounds of a time window, each optional.
pub type Window = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// `--since` and `--until` together: each parsed, and `since` not after `until`.
pub fn window(since: Option<&str>, until: Option<&str>, now: DateTime<Utc>) -> Result<Window> {
    let s = since.map(|v| parse("--since", v, now)).transpose()?;
    let u = until.map(|v| parse("--until", v, now)).transpose()?;
    if let (Some(s), Some(u)) = (s, u)
        && s > u
    {
        return Err(Error::invalid(
            "--until",
            until.unwrap_or_default(),
            format!("a time after --since ({})", s.to_rfc3339()),
        ));
    }
    Ok((s, u))
}

/// Parses one value of `flag`, relative to `now`.
pub fn parse(flag: &str, value: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let v = value.trim();
    if v.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S") {
        return Ok(t.and_utc());
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    let span = humantime::parse_duration(v).map_err(|_| Error::invalid(flag, value, ALLOWED))?;
    let span =
        chrono::Duration::from_std(span).map_err(|_| Error::invalid(flag, value, ALLOWED))?;
    now.checked_sub_signed(span)
        .ok_or_else(|| Error::invalid(flag, value, ALLOWED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_form() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let p = |v| parse("--since", v, now).unwrap().to_rfc3339();
        assert_eq!(p("2026-11-01T09:00:00+01:00"), "2026-11-01T08:00:00+00:00");
        assert_eq!(p("2026-11-01"), "2026-11-01T00:00:00+00:00");
        assert_eq!(p("2026-11-01 10:11:12"), "2026-11-01T10:11:12+00:00");
        assert_eq!(p("7d"), "2026-11-16T12:00:00+00:00");
        assert_eq!(p("90m"), "2026-11-23T10:30:00+00:00");
        assert_eq!(p("now"), "2026-11-23T12:00:00+00:00");
    }

    #[test]
    fn garbage_names_the_flag_and_the_forms() {
        let e = parse("--until", "yesterday-ish", Utc::now())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("invalid value 'yesterday-ish' for --until: an RFC 3339"),
            "{e}"
        );
    }
}
