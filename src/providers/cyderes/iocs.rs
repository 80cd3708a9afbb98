//! `GET /misp` (no `/v2`): MISP attributes. `created_from`/`created_to` are
//! `YYYY-MM-DD hh:mm:ss` UTC; without them the API answers the last 7 days.

use super::{map, wire};
use crate::error::Result;
use crate::http::HttpClient;
use crate::model::{Ioc, IocQuery};
use chrono::{DateTime, Utc};

pub(super) async fn fetch(http: &HttpClient, q: &IocQuery) -> Result<Vec<Ioc>> {
    let mut url = http.url(&["misp"]);
    let query = query_string(q);
    if !query.is_empty() {
        url.set_query(Some(&query));
    }
    let list: Vec<wire::MispAttribute> = http.get_json(url, &[]).await?;
    Ok(list.into_iter().map(map::ioc).collect())
}

/// Built by hand so the space is `%20` and `:` is `%3A` as the document's example has it
/// (a form encoder would send `+`, which only some servers read as a space).
fn query_string(q: &IocQuery) -> String {
    let mut parts = Vec::new();
    if let Some(s) = q.since {
        parts.push(format!("created_from={}", wire_time(s)));
    }
    if let Some(u) = q.until {
        parts.push(format!("created_to={}", wire_time(u)));
    }
    parts.join("&")
}

fn wire_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S")
        .to_string()
        .replace(' ', "%20")
        .replace(':', "%3A")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_percent_encoded_as_documented() {
        let q = IocQuery {
            since: Some(Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap()),
            until: Some(Utc.with_ymd_and_hms(2000, 1, 2, 12, 30, 5).unwrap()),
            limit: None,
        };
        assert_eq!(
            query_string(&q),
            "created_from=2000-01-01%2000%3A00%3A00&created_to=2000-01-02%2012%3A30%3A05"
        );
        assert_eq!(query_string(&IocQuery::default()), "");
    }
}
