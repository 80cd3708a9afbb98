use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A ticket's state, the same words for every provider.
///
/// Each provider's `map.rs` holds the table from its own statuses to these; what it
/// cannot place becomes `Unknown` and keeps the original in `status_raw`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    InProgress,
    WaitingCustomer,
    WaitingProvider,
    Resolved,
    Closed,
    Unknown,
}

impl Status {
    /// Every status, in workflow order; `--status` accepts these words.
    pub const ALL: [Status; 8] = [
        Status::New,
        Status::Open,
        Status::InProgress,
        Status::WaitingCustomer,
        Status::WaitingProvider,
        Status::Resolved,
        Status::Closed,
        Status::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::WaitingCustomer => "waiting_customer",
            Status::WaitingProvider => "waiting_provider",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Unknown => "unknown",
        }
    }
}

/// How urgent a ticket is, the same words for every provider.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Critical,
    High,
    Medium,
    Low,
    Unknown,
}

impl Priority {
    /// Every priority, most urgent first; `--priority` accepts these words.
    pub const ALL: [Priority; 5] = [
        Priority::Critical,
        Priority::High,
        Priority::Medium,
        Priority::Low,
        Priority::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Critical => "critical",
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
            Priority::Unknown => "unknown",
        }
    }
}

macro_rules! words {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $t {
            type Err = String;

            /// Accepts the snake_case word, case-insensitively, with `-` for `_`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let want = s.trim().to_ascii_lowercase().replace('-', "_");
                <$t>::ALL
                    .into_iter()
                    .find(|v| v.as_str() == want)
                    .ok_or_else(|| {
                        <$t>::ALL
                            .iter()
                            .map(|v| v.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
            }
        }
    };
}
words!(Status);
words!(Priority);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_through_serde_and_from_str() {
        for s in Status::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        for p in Priority::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
            assert_eq!(p.as_str().to_uppercase().parse::<Priority>().unwrap(), p);
        }
        assert_eq!("In-Progress".parse::<Status>().unwrap(), Status::InProgress);
    }

    #[test]
    fn unknown_word_lists_the_allowed_ones() {
        let err = "urgent".parse::<Priority>().unwrap_err();
        assert_eq!(err, "critical, high, medium, low, unknown");
    }
}
