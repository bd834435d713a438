//! The date formats trackers export. Times without a zone are read in the import's time zone
//! (`--time-zone`, UTC unless given); every time is cut to microseconds, the precision both
//! databases store.

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;

/// What the error message lists as accepted.
pub const ACCEPTED: &str = "RFC 3339 / ISO 8601 (`2024-01-31T17:14:21Z`), RFC 2822 \
     (`Wed, 31 Jan 2024 17:14:21 +0000`), `2024-01-31 17:14[:21][+00:00]` or Jira's \
     `31/Jan/24 5:14 PM`, `31/Jan/24 17:14[:21]`; times without a zone are in --time-zone (UTC \
     unless given)";

/// Zoned formats besides RFC 3339 and RFC 2822.
const ZONED: [&str; 4] = [
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M%:z",
    "%Y-%m-%dT%H:%M%:z",
];
/// Formats without a zone. Jira writes `dd/MMM/yy h:mm a` by default, and sites change it to
/// 24-hour times, with seconds, or four-digit years: each of those is here.
const NAIVE: [&str; 13] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %I:%M:%S %p",
    "%d/%b/%Y %I:%M:%S %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %H:%M",
    "%d/%b/%y %H:%M:%S",
    "%d/%b/%Y %H:%M:%S",
    "%d/%b/%y %I:%M%p",
];

/// A time in one of the accepted formats, naive ones taken as UTC.
pub fn parse(raw: &str) -> Option<DateTime<Utc>> {
    parse_in(raw, Tz::UTC).ok()
}

/// A time in one of the accepted formats, naive ones read in `zone`. The error says why when
/// the text is a date but not a time in that zone (skipped by a daylight-saving change).
pub fn parse_in(raw: &str, zone: Tz) -> Result<DateTime<Utc>, NotADate> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(NotADate::Format);
    }
    let zoned = DateTime::parse_from_rfc3339(s)
        .ok()
        .or_else(|| DateTime::parse_from_rfc2822(s).ok())
        .or_else(|| {
            ZONED
                .iter()
                .find_map(|f| DateTime::parse_from_str(s, f).ok())
        })
        .map(|t| t.with_timezone(&Utc));
    let time = match zoned {
        Some(t) => t,
        None => {
            let naive = NAIVE
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
                .ok_or(NotADate::Format)?;
            // An hour repeated when clocks go back is read as its first occurrence.
            zone.from_local_datetime(&naive)
                .earliest()
                .ok_or(NotADate::Skipped(zone))?
                .with_timezone(&Utc)
        }
    };
    Ok(time.trunc_subsecs(6))
}

/// Why a cell is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotADate {
    Format,
    /// A local time that does not exist in the zone (clocks went forward over it).
    Skipped(Tz),
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
        assert_eq!(at("2020-01-02 17:14"), "2020-01-02T17:14:00+00:00");
        assert_eq!(at("02/Jan/20 5:14 PM"), "2020-01-02T17:14:00+00:00");
        assert_eq!(at("02/Jan/20 12:05 am"), "2020-01-02T00:05:00+00:00");
        assert_eq!(at("2/jan/2020 05:14 PM"), "2020-01-02T17:14:00+00:00");
        assert_eq!(at("30/Sep/21 17:20"), "2021-09-30T17:20:00+00:00");
        assert_eq!(at("30/Sep/21 17:20:05"), "2021-09-30T17:20:05+00:00");
        assert_eq!(at("30/Sep/21 5:20:05 PM"), "2021-09-30T17:20:05+00:00");
        assert_eq!(at("30/Sep/2021 17:20"), "2021-09-30T17:20:00+00:00");
        assert_eq!(
            at("Thu, 30 Sep 2021 17:20:00 +0200"),
            "2021-09-30T15:20:00+00:00"
        );
    }

    #[test]
    fn naive_times_are_read_in_the_time_zone() {
        let berlin: Tz = "Europe/Berlin".parse().expect("a zone");
        let t = parse_in("30/Sep/21 17:20", berlin).expect("a date");
        assert_eq!(t.to_rfc3339(), "2021-09-30T15:20:00+00:00");
        // A zoned time ignores the import's zone.
        let t = parse_in("2021-09-30T17:20:00Z", berlin).expect("a date");
        assert_eq!(t.to_rfc3339(), "2021-09-30T17:20:00+00:00");
        // 02:30 did not happen in Berlin on 28 March 2021.
        assert_eq!(
            parse_in("28/Mar/21 2:30 AM", berlin),
            Err(NotADate::Skipped(berlin))
        );
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
