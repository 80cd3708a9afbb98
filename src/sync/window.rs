//! Which tickets one run reads, and how far the cursor moves afterwards
//! (research note part C: Airbyte's lookback window, Meltano's signpost rule).

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use std::time::Duration;

/// The span of `updated` one run covers: `from` (inclusive; `None` on a first run) to
/// `to`, the run's start (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: Option<DateTime<Utc>>,
    pub to: DateTime<Utc>,
}

/// Providers whose `updated` filter only takes a date: a shorter overlap could start
/// a window after a change made earlier that same day.
const DAY_GRANULAR: &[&str] = &["cyderes"];

/// Providers whose list honours a newest-first sort on `updated` server-side: a run
/// stops at the first ticket older than its window instead of reading every page.
/// A provider joins by adding its name once its own tests show the order.
const SORTED_BY_UPDATED: &[&str] = &["sonar"];

/// Whether a newest-first list of `provider` can be cut at the window's start.
pub fn stops_early(provider: &str) -> bool {
    SORTED_BY_UPDATED.contains(&provider)
}

/// Keys are kept this long behind the watermark at least, so a later run with a longer
/// `--overlap` still recognises what it already wrote.
const MIN_KEY_SPAN: TimeDelta = TimeDelta::days(1);

/// The overlap actually used for `provider`: at least a day where the filter is by date.
pub fn overlap_for(provider: &str, overlap: Duration) -> TimeDelta {
    let asked = TimeDelta::from_std(overlap).unwrap_or(TimeDelta::MAX);
    if DAY_GRANULAR.contains(&provider) {
        asked.max(TimeDelta::days(1))
    } else {
        asked
    }
}

impl Window {
    /// From `watermark − overlap` (never before the oldest key still remembered, which
    /// would write old versions a second time) to `now`.
    pub fn plan(
        watermark: Option<DateTime<Utc>>,
        keys_floor: Option<DateTime<Utc>>,
        overlap: TimeDelta,
        now: DateTime<Utc>,
    ) -> Window {
        let from = watermark.map(|w| {
            let back = w
                .checked_sub_signed(overlap)
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            match keys_floor {
                Some(floor) => back.max(floor),
                None => back,
            }
        });
        Window { from, to: now }
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| t >= f) && t <= self.to
    }

    /// Where this window's file goes under the source's directory: the date and the
    /// start of the window, and the source's file sequence number. All three come from
    /// the stored state alone, so a run killed before it committed is redone under the
    /// same name.
    pub fn file_name(&self, seq: u64) -> (String, String) {
        let from = self.from.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        (
            from.format("%Y-%m-%d").to_string(),
            format!("{}-{seq:06}.jsonl", from.format("%Y%m%dT%H%M%SZ")),
        )
    }
}

/// The cursor after a run: the largest `updated` seen, but never past the run's start
/// (a ticket changed while the run paged may sit on a page already read) and never
/// backwards.
pub fn next_watermark(
    old: Option<DateTime<Utc>>,
    max_seen: Option<DateTime<Utc>>,
    run_start: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let moved = max_seen.map(|m| m.min(run_start));
    match (old, moved) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Keys older than this are forgotten: no later window starts before it.
pub fn keys_floor(watermark: Option<DateTime<Utc>>, overlap: TimeDelta) -> Option<DateTime<Utc>> {
    let span = overlap
        .checked_mul(2)
        .unwrap_or(TimeDelta::MAX)
        .max(MIN_KEY_SPAN);
    watermark.map(|w| {
        w.checked_sub_signed(span)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    })
}

/// Whether `t` can be a ticket's time: from 1970 to before 2200. A provider's year -1
/// or 9999 is rejected per ticket; stored as the window it would break every later run.
pub fn plausible(t: &DateTime<Utc>) -> bool {
    use chrono::TimeZone;
    let earliest = DateTime::<Utc>::UNIX_EPOCH;
    let latest = Utc
        .with_ymd_and_hms(2200, 1, 1, 0, 0, 0)
        .single()
        .expect("a valid date");
    (earliest..latest).contains(t)
}

/// The fixed-width text of an instant, so stored times sort as text.
pub fn stamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, h, m, 0).unwrap()
    }

    #[test]
    fn the_window_reaches_back_by_the_overlap_but_not_past_the_kept_keys() {
        let ten = TimeDelta::minutes(10);
        let w = Window::plan(Some(at(10, 0)), Some(at(9, 0)), ten, at(11, 0));
        assert_eq!(w.from, Some(at(9, 50)));
        assert_eq!(w.to, at(11, 0));
        let w = Window::plan(Some(at(10, 0)), Some(at(9, 55)), ten, at(11, 0));
        assert_eq!(w.from, Some(at(9, 55)));
        let first = Window::plan(None, None, ten, at(11, 0));
        assert_eq!(first.from, None);
        assert!(first.contains(at(0, 0)) && !first.contains(at(11, 1)));
        assert!(w.contains(at(9, 55)) && w.contains(at(11, 0)) && !w.contains(at(9, 54)));
    }

    #[test]
    fn day_granular_providers_overlap_a_day() {
        let short = Duration::from_secs(600);
        assert_eq!(overlap_for("cyderes", short), TimeDelta::days(1));
        assert_eq!(overlap_for("sonar", short), TimeDelta::minutes(10));
    }

    #[test]
    fn the_watermark_never_passes_the_run_start_nor_goes_back() {
        assert_eq!(next_watermark(None, None, at(11, 0)), None);
        assert_eq!(
            next_watermark(None, Some(at(10, 0)), at(11, 0)),
            Some(at(10, 0))
        );
        assert_eq!(
            next_watermark(None, Some(at(12, 0)), at(11, 0)),
            Some(at(11, 0))
        );
        assert_eq!(
            next_watermark(Some(at(10, 30)), Some(at(10, 0)), at(11, 0)),
            Some(at(10, 30))
        );
        assert_eq!(
            next_watermark(Some(at(10, 30)), None, at(11, 0)),
            Some(at(10, 30))
        );
    }

    #[test]
    fn keys_are_kept_for_twice_the_overlap_and_at_least_a_day() {
        let w = Some(at(12, 0));
        assert_eq!(
            keys_floor(w, TimeDelta::minutes(10)),
            Some(at(12, 0) - TimeDelta::days(1))
        );
        assert_eq!(
            keys_floor(w, TimeDelta::days(2)),
            Some(at(12, 0) - TimeDelta::days(4))
        );
    }

    #[test]
    fn only_times_from_1970_to_2199_are_plausible() {
        assert!(plausible(&at(9, 0)));
        assert!(plausible(&DateTime::<Utc>::UNIX_EPOCH));
        let year = |y| Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap();
        assert!(!plausible(&year(-1)) && !plausible(&year(1969)));
        assert!(plausible(&(year(2200) - TimeDelta::seconds(1))) && !plausible(&year(2200)));
    }

    #[test]
    fn file_names_come_from_the_window_start_and_sort_as_text() {
        let w = Window {
            from: Some(at(9, 50)),
            to: at(11, 0),
        };
        assert_eq!(
            w.file_name(7),
            (
                "2026-12-03".to_string(),
                "20261203T095000Z-000007.jsonl".to_string()
            )
        );
        let first = Window {
            from: None,
            to: at(11, 0),
        };
        assert_eq!(first.file_name(1).1, "19700101T000000Z-000001.jsonl");
        assert!(stamp(&at(9, 5)) < stamp(&at(10, 0)));
        assert_eq!(
            stamp(&at(9, 5)).len(),
            stamp(&(at(9, 5) + TimeDelta::nanoseconds(1))).len()
        );
    }
}
