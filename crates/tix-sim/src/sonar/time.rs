//! Sonar's time strings: `yyyy-MM-dd HH:mm:ssZ`, e.g. `2022-09-14 17:34:19+0900` (vendor document,
//! `from`/`to` and `created`). Java's `Z` is an RFC 822 offset: a sign and four digits, no colon.
//!
//! Responses print each ticket's times in its site's zone (see `dataset::TENANTS`), so offsets vary
//! between tickets and a client must convert to UTC.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Serialize, Serializer};

/// An instant (Unix seconds) shown at a UTC offset (minutes).
#[derive(Clone, Copy)]
pub struct Stamp {
    pub secs: u32,
    pub offset_minutes: i32,
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let zone = FixedOffset::east_opt(self.offset_minutes * 60).ok_or(fmt::Error)?;
        let at = DateTime::from_timestamp(i64::from(self.secs), 0).ok_or(fmt::Error)?;
        write!(
            f,
            "{}",
            at.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S%z")
        )
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Parses `yyyy-MM-dd HH:mm:ss±hhmm` strictly into Unix seconds.
///
/// Strictness matters for one trap: an unencoded `+` in a query string decodes to a space, so
/// `17:34:19+0900` arrives as `17:34:19 0900`, which the real server refuses with the documented 400
/// (shared/research/argus-sonar.md §3.1). Anything but a sign there is refused here too.
pub fn parse(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 24 {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if separators.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let sign = match b[19] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (oh, om) = (digits(20..22)?, digits(22..24)?);
    if oh > 23 || om > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)?;
    let local = date.and_hms_opt(digits(11..13)?, digits(14..16)?, digits(17..19)?)?;
    let offset = sign * i64::from(oh * 3600 + om * 60);
    Some(local.and_utc().timestamp() - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_the_document_format_at_the_site_offset() {
        // 2022-09-14 08:34:19 UTC, the document's example instant.
        let secs = 1_663_144_459;
        let seoul = Stamp {
            secs,
            offset_minutes: 540,
        };
        assert_eq!(seoul.to_string(), "2022-09-14 17:34:19+0900");
        let new_york = Stamp {
            secs,
            offset_minutes: -300,
        };
        assert_eq!(new_york.to_string(), "2022-09-14 03:34:19-0500");
        let mumbai = Stamp {
            secs,
            offset_minutes: 330,
        };
        assert_eq!(mumbai.to_string(), "2022-09-14 14:04:19+0530");
    }

    #[test]
    fn parses_what_it_prints_and_nothing_looser() {
        assert_eq!(parse("2022-09-14 17:34:19+0900"), Some(1_663_144_459));
        assert_eq!(parse("2022-09-14 08:34:19+0000"), Some(1_663_144_459));
        assert_eq!(parse("2022-09-14 03:34:19-0500"), Some(1_663_144_459));
        for bad in [
            "2022-09-14 17:34:19 0900",
            "2022-09-14 17:34:19+09:00",
            "2022-09-14T17:34:19+0900",
            "2022-09-14 17:34:19",
            "2022-13-14 17:34:19+0900",
            "2022-02-30 17:34:19+0900",
            "yesterday",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
