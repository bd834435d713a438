//! Instants as monitoring tools write them: RFC 3339 (Alertmanager, Grafana), ISO 8601 with a
//! `+0000` offset (PagerDuty's own example), and Go's zero time for "not set".

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};

use super::error::{AlertError, quote};
use crate::domain::timestamp;

/// `None` for a blank value or Go's zero time (`0001-01-01T00:00:00Z`, which Alertmanager
/// sends as the `endsAt` of an alert that has not ended); otherwise the instant, which must
/// lie in the years the store supports (1970 to 9999).
pub fn parse_instant(path: &str, raw: &str) -> Result<Option<DateTime<Utc>>, AlertError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let parsed = DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map(|at| at.to_utc())
        // A few senders leave the zone out; UTC is the only reading that is not a guess
        // about the sender's locale.
        .or_else(|_| {
            NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f").map(|at| at.and_utc())
        })
        .map_err(|_| {
            AlertError::new(path, format!("{} is not an RFC 3339 timestamp", quote(raw)))
        })?;
    if parsed.year() == 1 {
        return Ok(None);
    }
    timestamp::supported("timestamp", parsed)
        .map(Some)
        .map_err(|_| {
            AlertError::new(
                path,
                format!(
                    "{} is outside the supported years {} to {}",
                    quote(raw),
                    timestamp::EARLIEST_YEAR,
                    timestamp::LATEST_YEAR
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> Option<String> {
        parse_instant("at", raw).unwrap().map(|t| t.to_rfc3339())
    }

    #[test]
    fn the_formats_senders_use() {
        assert_eq!(
            ok("2021-10-12T09:51:03.157076+02:00").as_deref(),
            Some("2021-10-12T07:51:03.157076+00:00")
        );
        assert_eq!(
            ok("2015-07-17T08:42:58.315+0000").as_deref(),
            Some("2015-07-17T08:42:58.315+00:00")
        );
        assert_eq!(
            ok("2023-02-06T13:08:45.828Z").as_deref(),
            Some("2023-02-06T13:08:45.828+00:00")
        );
        assert_eq!(
            ok("2023-02-06T13:08:45").as_deref(),
            Some("2023-02-06T13:08:45+00:00")
        );
    }

    #[test]
    fn zero_time_and_blank_mean_not_set() {
        assert_eq!(ok("0001-01-01T00:00:00Z"), None);
        assert_eq!(ok(""), None);
        assert_eq!(ok("  "), None);
    }

    #[test]
    fn nonsense_and_far_years_are_errors() {
        let err = parse_instant("alerts[0].startsAt", "yesterday").unwrap_err();
        assert_eq!(
            err.to_string(),
            "alerts[0].startsAt: `yesterday` is not an RFC 3339 timestamp"
        );
        let err = parse_instant("t", "1969-12-31T23:59:59Z").unwrap_err();
        assert!(err.message().contains("1970"), "{err}");
        assert!(parse_instant("t", "2024-13-01T00:00:00Z").is_err());
        assert!(parse_instant("t", &"9".repeat(100_000)).is_err());
    }
}
