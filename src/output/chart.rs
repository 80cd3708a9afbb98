//! Charts drawn with Unicode blocks, for `tix stats` on a terminal: a horizontal bar
//! per group and a sparkline of tickets per day. No colour: the blocks carry it all,
//! and a chart piped or captured reads the same.

use super::printable;

/// Eighths of a block, for the fractional end of a bar.
const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// Sparkline levels 1..=8; a day with no ticket is a space.
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The widest label column, so bars keep most of the line.
const MAX_LABEL: usize = 24;

/// One line per `(label, count)`: the label, a bar scaled so the largest count fills
/// the room `width` leaves, and the count. Labels are provider text: control characters
/// are dropped and long ones cut with `…`.
pub fn bars(rows: &[(String, u64)], width: usize) -> String {
    let labels: Vec<String> = rows
        .iter()
        .map(|(l, _)| cut(&printable(l, false), MAX_LABEL))
        .collect();
    let label_w = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let count_w = max.to_string().len();
    // label, space, bar, space, count
    let room = width.saturating_sub(label_w + count_w + 2).max(1);
    let mut out = String::new();
    for (label, (_, n)) in labels.iter().zip(rows) {
        let eighths = if max == 0 {
            0
        } else {
            // At least one eighth for any ticket, so a small group is never invisible.
            ((*n as u128 * room as u128 * 8 + max as u128 / 2) / max as u128)
                .max(u128::from(*n > 0)) as usize
        };
        let mut bar: String = "█".repeat(eighths / 8);
        if eighths % 8 > 0 {
            bar.push(EIGHTHS[eighths % 8]);
        }
        let pad = label_w - label.chars().count();
        out.push_str(&format!(
            "{label}{:pad$} {bar:<room$} {n:>count_w$}\n",
            "",
            room = room
        ));
    }
    out
}

/// One character per day (or per run of days, when there are more days than `width`):
/// a space for none, else eight levels scaled to the busiest column. Answers the line
/// and the days each character stands for.
pub fn sparkline(per_day: &[u64], width: usize) -> (String, usize) {
    let width = width.max(1);
    let days_per = per_day.len().div_ceil(width).max(1);
    let columns: Vec<u64> = per_day.chunks(days_per).map(|c| c.iter().sum()).collect();
    let max = columns.iter().copied().max().unwrap_or(0);
    let line = columns
        .iter()
        .map(|&n| {
            if n == 0 {
                ' '
            } else {
                let level = (n * 8).div_ceil(max).clamp(1, 8);
                LEVELS[level as usize - 1]
            }
        })
        .collect::<String>();
    (line.trim_end().to_owned(), days_per)
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_fit_the_width() {
        let rows = vec![
            ("open".to_owned(), 40),
            ("closed".to_owned(), 13),
            ("waiting_customer".to_owned(), 1),
            ("unknown".to_owned(), 0),
        ];
        let out = bars(&rows, 40);
        insta::assert_snapshot!(out);
        for line in out.lines() {
            assert_eq!(line.chars().count(), 40, "{line:?}");
        }
        assert!(out.lines().next().unwrap().contains(&"█".repeat(19)));
    }

    #[test]
    fn labels_lose_control_characters_and_long_ones_are_cut() {
        let rows = vec![
            ("Acme\x1b[31m Corp".to_owned(), 2),
            ("A customer with a very long name indeed".to_owned(), 1),
        ];
        let out = bars(&rows, 60);
        assert!(!out.contains('\x1b'));
        assert!(out.contains("Acme[31m Corp"));
        assert!(out.contains("A customer with a very …"));
    }

    #[test]
    fn a_sparkline_has_a_level_per_day_and_folds_days_past_the_width() {
        assert_eq!(
            sparkline(&[0, 1, 2, 4, 8, 0, 3], 80),
            (" ▁▂▄█ ▃".to_owned(), 1)
        );
        let (line, per) = sparkline(&[1; 100], 40);
        assert_eq!(per, 3);
        assert_eq!(line.chars().count(), 34);
        assert_eq!(sparkline(&[], 10), (String::new(), 1));
    }
}
