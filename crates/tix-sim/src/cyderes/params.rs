//! Query parameters read the way FastAPI with pydantic 2 reads them, failing with the 422 entries
//! research/cyderes-cli-conventions.md A.3 recorded (type, msg, input, ctx).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

use super::error::item;

/// Decoded query pairs; a repeated key keeps its last value, as Starlette's `QueryParams` does.
pub fn pairs(raw: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// Collects the 422 entries of one request, in parameter order.
#[derive(Default)]
pub struct Errors(pub Vec<Value>);

impl Errors {
    pub fn int(
        &mut self,
        q: &HashMap<String, String>,
        name: &str,
        default: i64,
        ge: Option<i64>,
        le: Option<i64>,
    ) -> i64 {
        let Some(raw) = q.get(name) else {
            return default;
        };
        let Ok(n) = raw.trim().parse::<i64>() else {
            self.0.push(item(
                "int_parsing",
                "query",
                name,
                "Input should be a valid integer, unable to parse string as an integer",
                json!(raw),
                None,
            ));
            return default;
        };
        if let Some(ge) = ge.filter(|ge| n < *ge) {
            self.0.push(item(
                "greater_than_equal",
                "query",
                name,
                &format!("Input should be greater than or equal to {ge}"),
                json!(raw),
                Some(json!({"ge": ge})),
            ));
            return default;
        }
        if let Some(le) = le.filter(|le| n > *le) {
            self.0.push(item(
                "less_than_equal",
                "query",
                name,
                &format!("Input should be less than or equal to {le}"),
                json!(raw),
                Some(json!({"le": le})),
            ));
            return default;
        }
        n
    }

    /// pydantic's lax booleans.
    pub fn bool(&mut self, q: &HashMap<String, String>, name: &str, default: bool) -> bool {
        let Some(raw) = q.get(name) else {
            return default;
        };
        match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "y" | "on" | "t" => true,
            "false" | "0" | "no" | "n" | "off" | "f" => false,
            _ => {
                self.0.push(item(
                    "bool_parsing",
                    "query",
                    name,
                    "Input should be a valid boolean, unable to interpret input",
                    json!(raw),
                    None,
                ));
                default
            }
        }
    }

    /// One of `allowed`, e.g. `Input should be 'created' or 'updated'`.
    pub fn choice<'a>(
        &mut self,
        q: &HashMap<String, String>,
        name: &str,
        allowed: &[&'a str],
        default: &'a str,
    ) -> &'a str {
        let Some(raw) = q.get(name) else {
            return default;
        };
        if let Some(v) = allowed.iter().find(|a| **a == raw.as_str()) {
            return v;
        }
        let quoted: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
        let expected = match quoted.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        self.0.push(item(
            "enum",
            "query",
            name,
            &format!("Input should be {expected}"),
            json!(raw),
            Some(json!({"expected": expected})),
        ));
        default
    }

    /// A `date` parameter: `YYYY-MM-DD`, or a datetime whose time is zero.
    pub fn date(&mut self, q: &HashMap<String, String>, name: &str) -> Option<NaiveDate> {
        let raw = q.get(name)?;
        if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            && raw.len() == 10
        {
            return Some(d);
        }
        for f in [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%SZ",
        ] {
            if let Ok(t) = NaiveDateTime::parse_from_str(raw, f) {
                if t.time() == chrono::NaiveTime::MIN {
                    return Some(t.date());
                }
                self.0.push(item(
                    "date_from_datetime_inexact",
                    "query",
                    name,
                    "Datetimes provided to dates should have zero time - e.g. be exact dates",
                    json!(raw),
                    None,
                ));
                return None;
            }
        }
        let why = date_problem(raw);
        self.0.push(item(
            "date_from_datetime_parsing",
            "query",
            name,
            &format!("Input should be a valid date or datetime, {why}"),
            json!(raw),
            Some(json!({"error": why})),
        ));
        None
    }

    /// The 422, when anything failed.
    pub fn finish(self) -> Result<(), super::error::ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(super::error::ApiError::Invalid(self.0))
        }
    }
}

/// The part of speedate's message that says what is wrong with a date string.
fn date_problem(raw: &str) -> &'static str {
    let b = raw.as_bytes();
    if b.len() < 10 {
        return "input is too short";
    }
    if !b[..4].iter().all(u8::is_ascii_digit) {
        return "invalid character in year";
    }
    if b[4] != b'-' || b[7] != b'-' {
        return "invalid date separator, expected `-`";
    }
    let num = |s: &[u8]| {
        std::str::from_utf8(s)
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
    };
    match (num(&b[5..7]), num(&b[8..10])) {
        (None, _) => "invalid character in month",
        (_, None) => "invalid character in day",
        (Some(m), _) if !(1..=12).contains(&m) => "month value is outside expected range of 1-12",
        _ => "day value is outside expected range",
    }
}
