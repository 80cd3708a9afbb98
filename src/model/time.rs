//! Times read and written in their fixed layouts without chrono's format-string machinery
//! (issue 18: `parse_from_str` and `collect_str` cost about 8% of a large listing).
//!
//! Both are fast paths only: a layout they do not know is `None` / chrono's own output,
//! so what tix prints stays byte for byte what chrono printed.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

/// `YYYY-MM-DD HH:MM:SS` followed by `±HHMM` or `±HH:MM` (Sonar's Java `Z`), by nothing
/// (read as UTC), or `YYYY-MM-DDTHH:MM:SS` followed by `Z`, `±HH:MM` (RFC 3339 without
/// fractions). `None` for anything else, including fractions and leap seconds: the caller
/// then reads it with chrono, which accepts the same instants in these layouts.
pub fn parse_fixed(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (year, month, day) = (num(0, 4)? as i64, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    // What chrono's NaiveDate/NaiveTime accept: no 31 April, no 29 February of a common
    // year, no leap second written as :60.
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let offset = |sign: u8, h: usize, m: usize| -> Option<i64> {
        let (h, m) = (num(h, h + 2)?, num(m, m + 2)?);
        if h > 23 || m > 59 {
            return None;
        }
        let secs = i64::from(h * 3600 + m * 60);
        Some(if sign == b'-' { -secs } else { secs })
    };
    let east = match (b[10], &b[19..]) {
        (b' ', []) => 0,
        (b'T', [b'Z']) => 0,
        (b' ', [sign @ (b'+' | b'-'), _, _, _, _]) => offset(*sign, 20, 22)?,
        (b' ' | b'T', [sign @ (b'+' | b'-'), _, _, b':', _, _]) => offset(*sign, 20, 23)?,
        _ => return None,
    };
    let local =
        days_from_civil(year, month, day) * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    DateTime::from_timestamp(local - east, 0)
}

/// Days in `month` (1..=12) of the proleptic Gregorian `year`.
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the proleptic Gregorian date (`month` 1..=12): Howard Hinnant's
/// `days_from_civil` (chrono's own conversion goes through its packed date and a table, a
/// few hundred instructions per time of a large listing; issue 18).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian (year, month, day) of `days` after 1970-01-01: the inverse of
/// [`days_from_civil`] (Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `t` as chrono's serde writes it (RFC 3339, `Z`, fractions only when present), formatted
/// into a fixed buffer for the common case of whole seconds in years 0..=9999.
struct Rfc3339<'a>(&'a DateTime<Utc>);

impl Serialize for Rfc3339<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match whole_seconds(self.0) {
            // Only ASCII digits and separators were written.
            Some(buf) => s.serialize_str(std::str::from_utf8(&buf).unwrap_or_default()),
            None => self.0.serialize(s),
        }
    }
}

/// `2026-12-04T09:30:00Z` for a time of whole seconds in years 0..=9999 (what chrono's
/// serde writes for it), laid out without the formatting machinery; `None` for any other
/// time, which chrono writes.
pub(crate) fn whole_seconds(t: &DateTime<Utc>) -> Option<[u8; 20]> {
    if t.timestamp_subsec_nanos() != 0 {
        return None;
    }
    let secs = t.timestamp();
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    if !(0..=9999).contains(&year) {
        return None;
    }
    let of_day = secs.rem_euclid(86_400) as u32;
    let mut buf = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, width: usize, mut n: u32| {
        for i in (at..at + width).rev() {
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, of_day / 3600);
    put(14, 2, of_day / 60 % 60);
    put(17, 2, of_day % 60);
    Some(buf)
}

/// `#[serde(serialize_with)]` for an optional time: the same output as chrono's serde.
pub(crate) fn serialize_opt<S: Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_some(&Rfc3339(t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, TimeZone};
    use proptest::prelude::*;

    fn chrono_reads(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%z")
            .or_else(|_| DateTime::parse_from_rfc3339(s))
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
                    .ok()
                    .map(|n| n.and_utc())
            })
    }

    #[test]
    fn the_fixed_layouts_are_read_as_chrono_reads_them() {
        for s in [
            "2022-09-14 17:34:19+0900",
            "2022-09-14 17:34:19-0330",
            "2022-09-14 17:34:19+09:00",
            "2022-09-14 17:34:19",
            "2022-09-14T17:34:19Z",
            "2022-09-14T17:34:19+05:45",
            "2024-02-29 00:00:00+0100",
            "0001-01-01 00:00:00+0000",
        ] {
            assert_eq!(parse_fixed(s), chrono_reads(s), "{s}");
            assert!(parse_fixed(s).is_some(), "{s}");
        }
    }

    #[test]
    fn other_layouts_are_left_to_chrono() {
        for s in [
            "2022-09-14T17:34:19.123Z",
            "2022-09-14 17:34:60+0000",
            "2023-02-29 00:00:00+0000",
            "2022-09-14 17:34:19+2400",
            "2022-09-14 17:34:19 +0900",
            "2022-09-14T17:34:19",
            "2022-9-14 17:34:19+0900",
            "x022-09-14 17:34:19+0900",
            "2022-09-14 17:34:19Z",
            "",
        ] {
            assert_eq!(parse_fixed(s), None, "{s}");
        }
    }

    fn serialized(t: Option<DateTime<Utc>>) -> String {
        let mut out = Vec::new();
        serialize_opt(&t, &mut serde_json::Serializer::new(&mut out)).unwrap();
        String::from_utf8(out).unwrap()
    }

    proptest! {
        #[test]
        fn any_time_is_written_as_chrono_writes_it(
            secs in -62_104_060_800i64..253_370_764_800,
            nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000],
            east in -86_399i32..86_400,
        ) {
            let t = DateTime::from_timestamp(secs, nanos).unwrap();
            prop_assert_eq!(serialized(Some(t)), serde_json::to_string(&t).unwrap());
            // And read back through the fixed layout when it has one.
            let local = t.with_timezone(&FixedOffset::east_opt(east - east % 60).unwrap());
            let text = local.format("%Y-%m-%d %H:%M:%S%z").to_string();
            prop_assert!(parse_fixed(&text).is_some(), "{}", text);
            prop_assert_eq!(parse_fixed(&text), chrono_reads(&text), "{}", text);
        }
    }

    proptest! {
        // Any digits in the fixed layouts, impossible dates and times included: read
        // exactly as chrono reads them, or left to it.
        #[test]
        fn fixed_layout_digits_are_read_as_chrono_reads_them(
            year in 0u32..10_000,
            month in 0u32..14,
            day in 0u32..33,
            hour in 0u32..25,
            minute in 0u32..61,
            second in 0u32..61,
            oh in 0u32..25,
            om in 0u32..61,
            sep in prop_oneof![Just(' '), Just('T')],
            zone in 0usize..4,
        ) {
            let sign = if oh % 2 == 0 { '+' } else { '-' };
            let zone = match zone {
                0 => String::new(),
                1 => "Z".to_owned(),
                2 => format!("{sign}{oh:02}{om:02}"),
                _ => format!("{sign}{oh:02}:{om:02}"),
            };
            let text = format!("{year:04}-{month:02}-{day:02}{sep}{hour:02}:{minute:02}:{second:02}{zone}");
            if let Some(t) = parse_fixed(&text) {
                prop_assert_eq!(Some(t), chrono_reads(&text), "{}", text);
            }
        }

        #[test]
        fn days_and_dates_convert_as_chrono_converts_them(days in -800_000i64..3_000_000) {
            let date = NaiveDate::from_num_days_from_ce_opt((days + 719_163) as i32).unwrap();
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!((y, m, d), (i64::from(date.year()), date.month(), date.day()));
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn none_is_null_and_odd_times_are_chrono_s() {
        assert_eq!(serialized(None), "null");
        let t = Utc.with_ymd_and_hms(2026, 12, 4, 9, 5, 7).unwrap();
        assert_eq!(serialized(Some(t)), "\"2026-12-04T09:05:07Z\"");
        let frac = t + TimeDelta::milliseconds(250);
        assert_eq!(
            serialized(Some(frac)),
            serde_json::to_string(&frac).unwrap()
        );
    }
}
