//! Sonar's time strings: `yyyy-MM-dd HH:mm:ssZ`, e.g. `2022-09-14 17:34:19+0900` (vendor document,
//! `from`/`to` and `created`). Java's `Z` is an RFC 822 offset: a sign and four digits, no colon.
//!
//! Responses print each ticket's times in its site's zone (see `dataset::TENANTS`), so offsets vary
//! between tickets and a client must convert to UTC.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};
use serde::{Serialize, Serializer};

/// An instant (Unix seconds) shown at a UTC offset (minutes).
#[derive(Clone, Copy)]
pub struct Stamp {
    pub secs: u32,
    pub offset_minutes: i32,
}

impl Stamp {
    /// The text, laid out by hand: chrono's `format` parsed the pattern again for every time,
    /// and a 1,000-ticket page prints 3,000 of them, while the simulator shares the benchmark
    /// machine's two cores with the client it serves (bench/pull.sh).
    fn text(&self) -> Option<[u8; 24]> {
        let east = self.offset_minutes.checked_mul(60)?;
        FixedOffset::east_opt(east)?;
        let local =
            DateTime::from_timestamp(i64::from(self.secs) + i64::from(east), 0)?.naive_utc();
        let year = u32::try_from(local.year()).ok().filter(|y| *y <= 9999)?;
        let mut buf = *b"0000-00-00 00:00:00+0000";
        let mut put = |at: usize, width: usize, mut n: u32| {
            for i in (at..at + width).rev() {
                buf[i] = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        put(0, 4, year);
        put(5, 2, local.month());
        put(8, 2, local.day());
        put(11, 2, local.hour());
        put(14, 2, local.minute());
        put(17, 2, local.second());
        let minutes = self.offset_minutes.unsigned_abs();
        put(20, 2, minutes / 60);
        put(22, 2, minutes % 60);
        if self.offset_minutes < 0 {
            buf[19] = b'-';
        }
        Some(buf)
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let buf = self.text().ok_or(fmt::Error)?;
        f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.text() {
            Some(buf) => s.serialize_str(std::str::from_utf8(&buf).unwrap_or_default()),
            None => Err(serde::ser::Error::custom("a time out of range")),
        }
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
    fn prints_what_chrono_prints_for_any_instant_and_offset() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            // xorshift: a spread of instants and offsets without a dependency.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let secs = (x >> 32) as u32;
            let offset_minutes = (x % 1_681) as i32 - 840;
            let stamp = Stamp {
                secs,
                offset_minutes,
            };
            let zone = FixedOffset::east_opt(offset_minutes * 60).unwrap();
            let at = DateTime::from_timestamp(i64::from(secs), 0).unwrap();
            let chrono = at
                .with_timezone(&zone)
                .format("%Y-%m-%d %H:%M:%S%z")
                .to_string();
            assert_eq!(stamp.to_string(), chrono);
            assert_eq!(
                serde_json::to_string(&stamp).unwrap(),
                format!("\"{chrono}\"")
            );
        }
    }

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
