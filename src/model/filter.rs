use super::{Priority, Status, Ticket, TimeField};
use chrono::{DateTime, Utc};

/// The part of a [`super::Query`] a provider could not send to its server, applied to
/// mapped tickets. Empty parts match everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub statuses: Vec<Status>,
    /// Statuses to leave out.
    pub exclude_statuses: Vec<Status>,
    pub priorities: Vec<Priority>,
    /// Case-insensitive matches on `type`.
    pub types: Vec<String>,
    /// Case-insensitive matches on the tenant's id or name.
    pub tenants: Vec<String>,
    /// Case-insensitive substring of the title or description.
    pub keyword: Option<String>,
    pub time_field: TimeField,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self
            == Filter {
                time_field: self.time_field,
                ..Filter::default()
            }
    }

    pub fn matches(&self, t: &Ticket) -> bool {
        let any = |list: &[String], value: Option<&str>| {
            list.is_empty() || value.is_some_and(|v| list.iter().any(|x| x.eq_ignore_ascii_case(v)))
        };
        let tenant_ok = self.tenants.is_empty()
            || t.tenant.as_ref().is_some_and(|tn| {
                any(&self.tenants, tn.id.as_deref()) || any(&self.tenants, tn.name.as_deref())
            });
        let keyword_ok = self.keyword.as_ref().is_none_or(|k| {
            let k = k.to_lowercase();
            [&t.title, &t.description]
                .iter()
                .any(|f| f.as_ref().is_some_and(|s| s.to_lowercase().contains(&k)))
        });
        let when = match self.time_field {
            TimeField::Created => t.created,
            TimeField::Updated => t.updated,
            TimeField::Closed => t.closed,
        };
        // A ticket without the bounded time cannot be shown to lie inside the window.
        let time_ok = (self.since.is_none() && self.until.is_none())
            || when.is_some_and(|w| {
                self.since.is_none_or(|s| w >= s) && self.until.is_none_or(|u| w <= u)
            });
        (self.statuses.is_empty() || self.statuses.contains(&t.status))
            && !self.exclude_statuses.contains(&t.status)
            && (self.priorities.is_empty() || self.priorities.contains(&t.priority))
            && any(&self.types, t.kind.as_deref())
            && tenant_ok
            && keyword_ok
            && time_ok
    }

    /// One line per active part, for `--explain`.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        let join = |v: Vec<String>| v.join(",");
        if !self.statuses.is_empty() {
            out.push(format!(
                "status in {}",
                join(self.statuses.iter().map(|s| s.to_string()).collect())
            ));
        }
        if !self.exclude_statuses.is_empty() {
            out.push(format!(
                "status not in {}",
                join(
                    self.exclude_statuses
                        .iter()
                        .map(|s| s.to_string())
                        .collect()
                )
            ));
        }
        if !self.priorities.is_empty() {
            out.push(format!(
                "priority in {}",
                join(self.priorities.iter().map(|s| s.to_string()).collect())
            ));
        }
        if !self.types.is_empty() {
            out.push(format!("type in {}", join(self.types.clone())));
        }
        if !self.tenants.is_empty() {
            out.push(format!(
                "tenant id or name in {}",
                join(self.tenants.clone())
            ));
        }
        if let Some(k) = &self.keyword {
            out.push(format!("title or description contains '{k}'"));
        }
        let field = match self.time_field {
            TimeField::Created => "created",
            TimeField::Updated => "updated",
            TimeField::Closed => "closed",
        };
        if let Some(s) = self.since {
            out.push(format!("{field} >= {}", s.to_rfc3339()));
        }
        if let Some(u) = self.until {
            out.push(format!("{field} <= {}", u.to_rfc3339()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tenant;
    use chrono::TimeZone;

    fn ticket() -> Ticket {
        let mut t = Ticket::new("sonar", "1");
        t.status = Status::Open;
        t.priority = Priority::High;
        t.kind = Some("Threat".into());
        t.title = Some("Brute force on VPN".into());
        t.tenant = Some(Tenant {
            id: Some("g-1".into()),
            name: Some("Acme".into()),
            pod: None,
        });
        t.created = Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap());
        t
    }

    #[test]
    fn empty_filter_matches_all() {
        assert!(Filter::default().is_empty());
        assert!(Filter::default().matches(&ticket()));
    }

    #[test]
    fn each_part_filters() {
        let t = ticket();
        let f = |g: fn(&mut Filter)| {
            let mut f = Filter::default();
            g(&mut f);
            f.matches(&t)
        };
        assert!(f(|f| f.statuses = vec![Status::Open, Status::New]));
        assert!(!f(|f| f.statuses = vec![Status::Closed]));
        assert!(!f(|f| f.priorities = vec![Priority::Low]));
        assert!(f(|f| f.types = vec!["threat".into()]));
        assert!(f(|f| f.tenants = vec!["acme".into()]));
        assert!(f(|f| f.tenants = vec!["g-1".into()]));
        assert!(!f(|f| f.tenants = vec!["other".into()]));
        assert!(f(|f| f.keyword = Some("vpn".into())));
        assert!(!f(|f| f.keyword = Some("phish".into())));
        assert!(f(
            |f| f.since = Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap())
        ));
        assert!(!f(
            |f| f.until = Some(Utc.with_ymd_and_hms(2026, 10, 31, 0, 0, 0).unwrap())
        ));
        assert!(!f(|f| {
            f.time_field = TimeField::Closed;
            f.since = Some(Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap());
        }));
    }
}
