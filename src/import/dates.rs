//! The date formats trackers export. Times without a zone are taken as UTC; every time is cut
//! to microseconds, the precision both databases store.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// What the error message lists as accepted.
pub const ACCEPTED: &str = "RFC 3339 (`2024-01-31T17:14:21Z`), `2024-01-31 17:14:21+00:00`, \
     `2024-01-31 17:14:21` (UTC) or Jira's `31/Jan/24 5:14 PM` (UTC)";

/// Zoned formats besides RFC 3339.
const ZONED: [&str; 2] = ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%z"];
/// Formats without a zone, read as UTC. The last ones are Jira's default (`dd/MMM/yy h:mm a`).
const NAIVE: [&str; 5] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
];

pub fn parse(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    let zoned = DateTime::parse_from_rfc3339(s)
        .ok()
        .or_else(|| {
            ZONED
                .iter()
                .find_map(|f| DateTime::parse_from_str(s, f).ok())
        })
        .map(|t| t.with_timezone(&Utc));
    let time = zoned.or_else(|| {
        NAIVE
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
            .map(|t| t.and_utc())
    })?;
    Some(time.trunc_subsecs(6))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> String {
        parse(s).map(|t| t.to_rfc3339()).unwrap_or_default()
    }

    #[test]
    fn accepted_formats() {
        assert_eq!(at("2020-01-02T17:14:21Z"), "2020-01-02T17:14:21+00:00");
        assert_eq!(at("2020-01-02T18:14:21+01:00"), "2020-01-02T17:14:21+00:00");
        assert_eq!(at("2020-01-02 17:14:21+00:00"), "2020-01-02T17:14:21+00:00");
        assert_eq!(
            at("2020-01-02 17:14:21.5+0000"),
            "2020-01-02T17:14:21.500+00:00"
        );
        assert_eq!(at(" 2020-01-02 17:14:21 "), "2020-01-02T17:14:21+00:00");
        assert_eq!(at("02/Jan/20 5:14 PM"), "2020-01-02T17:14:00+00:00");
        assert_eq!(at("02/Jan/20 12:05 am"), "2020-01-02T00:05:00+00:00");
        assert_eq!(at("2/jan/2020 05:14 PM"), "2020-01-02T17:14:00+00:00");
    }

    #[test]
    fn nanoseconds_are_cut_to_micros() {
        assert_eq!(
            at("2020-01-02T17:14:21.123456789Z"),
            "2020-01-02T17:14:21.123456+00:00"
        );
    }

    #[test]
    fn not_dates() {
        for s in [
            "",
            "yesterday",
            "2020-13-01 00:00:00",
            "31-31-2020",
            "02/Foo/20 5:14 PM",
        ] {
            assert!(parse(s).is_none(), "{s}");
        }
    }
}
