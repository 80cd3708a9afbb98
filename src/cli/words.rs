//! Normalized status and priority words given on the command line.

use crate::error::{Error, Result};
use crate::model::{Priority, Status};

/// Parses every value of a list flag (`--status open,closed`).
pub fn parse_all<T: std::str::FromStr<Err = String>>(
    flag: &str,
    values: &[String],
) -> Result<Vec<T>> {
    values
        .iter()
        .map(|s| {
            s.parse::<T>()
                .map_err(|allowed| Error::invalid(flag, s, format!("one of: {allowed}")))
        })
        .collect()
}

/// A status to set: any normalized status but `unknown`, which no provider can be told.
pub fn status_to_set(flag: &str, value: Option<&str>) -> Result<Option<Status>> {
    to_set(flag, value, &Status::ALL, Status::Unknown)
}

/// A priority to set: any normalized priority but `unknown`.
pub fn priority_to_set(flag: &str, value: Option<&str>) -> Result<Option<Priority>> {
    to_set(flag, value, &Priority::ALL, Priority::Unknown)
}

fn to_set<T>(flag: &str, value: Option<&str>, all: &[T], unknown: T) -> Result<Option<T>>
where
    T: std::str::FromStr + PartialEq + Copy + std::fmt::Display,
{
    value
        .map(|v| {
            v.parse::<T>()
                .ok()
                .filter(|t| *t != unknown)
                .ok_or_else(|| {
                    let allowed: Vec<String> = all
                        .iter()
                        .filter(|t| **t != unknown)
                        .map(T::to_string)
                        .collect();
                    Error::invalid(flag, v, format!("one of: {}", allowed.join(", ")))
                })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_cannot_be_set() {
        let e = status_to_set("--status", Some("unknown"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "invalid value 'unknown' for --status: one of: new, open, in_progress, waiting_customer, waiting_provider, resolved, closed"
        );
        assert!(priority_to_set("--priority", Some("unknown")).is_err());
        assert_eq!(
            priority_to_set("--priority", Some("HIGH")).unwrap(),
            Some(Priority::High)
        );
        assert_eq!(status_to_set("--status", None).unwrap(), None);
    }
}
