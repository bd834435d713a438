//! An SLA target's length, written the way people say it (`15m`, `4h`, `1h30m`, `2d`) and
//! kept as whole seconds from 1 second to 365 days.

use std::fmt;

use chrono::Duration;

use crate::domain::DomainError;

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;

/// Units from the largest down: a target is written largest first, each unit at most once,
/// so that every length has one spelling and `1h30m` never also appears as `30m1h`.
const UNITS: [(char, i64); 5] = [
    ('w', WEEK),
    ('d', DAY),
    ('h', HOUR),
    ('m', MINUTE),
    ('s', 1),
];

/// Said in every refusal, so a client learns the whole rule from any one of them.
const EXPECTED: &str =
    "expected a duration such as 15m, 4h, 2d or 1h30m (units w, d, h, m, s) from 1s to 365d";

/// How long a response or resolution may take: 1 second to 365 days, in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlaDuration {
    secs: i64,
}

impl SlaDuration {
    /// The shortest target: one second.
    pub const MIN_SECS: i64 = 1;
    /// The longest target: 365 days. Longer is a typo, and it keeps the business-hours
    /// arithmetic bounded (see `Calendar::due_at`).
    pub const MAX_SECS: i64 = 365 * DAY;

    /// Reads `15m`, `4h`, `1h30m`, `1d 4h`: whole numbers, each followed by a unit
    /// (`w`, `d`, `h`, `m`, `s`), largest unit first, spaces allowed between the parts.
    /// Refusals name `field`, the input field the text came from.
    pub fn parse(text: &str, field: &'static str) -> Result<Self, DomainError> {
        let refuse = |problem: &str| DomainError::invalid(field, format!("{problem}; {EXPECTED}"));
        let text = text.trim();
        if text.is_empty() {
            return Err(refuse("is empty"));
        }
        if text.starts_with('-') {
            return Err(refuse("must not be negative"));
        }
        // i128 cannot overflow here: the number is capped at 20 digits below, so a part is
        // at most 10^20 * one week, and there are at most five parts.
        let mut total: i128 = 0;
        let mut previous: Option<usize> = None;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits == 0 {
                return Err(refuse("is not a duration"));
            }
            if digits > 20 {
                return Err(refuse("has a number of more than 20 digits"));
            }
            let (number, after) = rest.split_at(digits);
            let mut chars = after.chars();
            let unit = chars.next();
            let Some(index) = UNITS.iter().position(|(u, _)| Some(*u) == unit) else {
                return Err(refuse("has a number without a unit, or an unknown unit"));
            };
            if previous.is_some_and(|p| index <= p) {
                return Err(refuse(
                    "must give each unit once, largest first (1d4h, not 4h1d)",
                ));
            }
            previous = Some(index);
            let number: i128 = number.parse().map_err(|_| refuse("is not a duration"))?;
            total += number * i128::from(UNITS[index].1);
            rest = chars.as_str().trim_start();
        }
        let secs = i64::try_from(total).unwrap_or(i64::MAX);
        Self::from_secs(secs, field)
    }

    /// A target of `secs` seconds, as stored; refused outside 1 second to 365 days.
    pub fn from_secs(secs: i64, field: &'static str) -> Result<Self, DomainError> {
        if secs < Self::MIN_SECS {
            let problem = if secs < 0 {
                "must not be negative"
            } else {
                "must be at least 1s"
            };
            return Err(DomainError::invalid(
                field,
                format!("{problem}; {EXPECTED}"),
            ));
        }
        if secs > Self::MAX_SECS {
            return Err(DomainError::invalid(
                field,
                format!("is longer than 365d; {EXPECTED}"),
            ));
        }
        Ok(Self { secs })
    }

    pub fn as_secs(self) -> i64 {
        self.secs
    }

    pub fn as_duration(self) -> Duration {
        Duration::seconds(self.secs)
    }
}

/// The canonical spelling: days, hours, minutes, seconds, largest first, zero parts left out
/// (`1d4h`, `1h30m`, `90s` as `1m30s`). Weeks are written as days (`2w` is `14d`), the unit
/// SLA policies are usually read in. `parse` reads every output back to the same value.
impl fmt::Display for SlaDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.secs;
        for (unit, size) in &UNITS[1..] {
            if rest >= *size {
                write!(f, "{}{unit}", rest / size)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> i64 {
        SlaDuration::parse(text, "targets.response")
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .as_secs()
    }

    fn refusal(text: &str) -> String {
        let err = SlaDuration::parse(text, "targets.response").unwrap_err();
        let DomainError::Invalid { field, message } = &err else {
            panic!("{text}: not an Invalid error: {err:?}");
        };
        assert_eq!(*field, "targets.response");
        assert!(message.contains("from 1s to 365d"), "{text}: {message}");
        message.clone()
    }

    #[test]
    fn reads_single_units() {
        assert_eq!(secs("1s"), 1);
        assert_eq!(secs("90s"), 90);
        assert_eq!(secs("15m"), 900);
        assert_eq!(secs("4h"), 14_400);
        assert_eq!(secs("2d"), 172_800);
        assert_eq!(secs("1w"), 604_800);
    }

    #[test]
    fn reads_combinations_with_or_without_spaces() {
        assert_eq!(secs("1h30m"), 5_400);
        assert_eq!(secs("1d 4h"), 100_800);
        assert_eq!(secs("  1d4h  "), 100_800);
        assert_eq!(secs("1w2d3h4m5s"), 604_800 + 172_800 + 10_800 + 240 + 5);
        assert_eq!(secs("0h90m"), 5_400);
    }

    #[test]
    fn accepts_the_bounds_inclusive() {
        assert_eq!(secs("1s"), SlaDuration::MIN_SECS);
        assert_eq!(secs("365d"), SlaDuration::MAX_SECS);
        assert_eq!(secs("364d23h59m60s"), SlaDuration::MAX_SECS);
        assert!(refusal("365d1s").contains("longer than 365d"));
    }

    #[test]
    fn refuses_empty_malformed_negative_zero_and_too_long() {
        assert!(refusal("").contains("is empty"));
        assert!(refusal("   ").contains("is empty"));
        assert!(refusal("-5m").contains("negative"));
        assert!(refusal("0s").contains("at least 1s"));
        assert!(refusal("0d 0h").contains("at least 1s"));
        assert!(refusal("10000d").contains("longer than 365d"));
        assert!(refusal("99999999999999999999d").contains("longer than 365d"));
        assert!(refusal("999999999999999999999999d").contains("more than 20 digits"));
        for malformed in [
            "h", "4", "4 h", "4x", "1.5h", "+4h", "4H", "4h-", "4hours", "P1D",
        ] {
            refusal(malformed);
        }
        assert!(refusal("30m1h").contains("largest first"));
        assert!(refusal("1h1h").contains("largest first"));
    }

    #[test]
    fn from_secs_applies_the_same_range() {
        assert_eq!(SlaDuration::from_secs(60, "t").unwrap().to_string(), "1m");
        assert!(SlaDuration::from_secs(0, "t").is_err());
        assert!(SlaDuration::from_secs(-1, "t").is_err());
        assert!(SlaDuration::from_secs(SlaDuration::MAX_SECS + 1, "t").is_err());
    }

    #[test]
    fn formats_canonically() {
        let canonical = |text: &str| {
            SlaDuration::parse(text, "t")
                .unwrap_or_else(|e| panic!("{text}: {e}"))
                .to_string()
        };
        assert_eq!(canonical("4h"), "4h");
        assert_eq!(canonical("1h30m"), "1h30m");
        assert_eq!(canonical("90m"), "1h30m");
        assert_eq!(canonical("2d"), "2d");
        assert_eq!(canonical("48h"), "2d");
        assert_eq!(canonical("15m"), "15m");
        assert_eq!(canonical("1d 4h"), "1d4h");
        assert_eq!(canonical("90s"), "1m30s");
        assert_eq!(canonical("2w"), "14d");
        assert_eq!(canonical("365d"), "365d");
        assert_eq!(canonical("1d1s"), "1d1s");
    }

    #[test]
    fn every_canonical_form_reads_back_to_itself() {
        let mut samples: Vec<i64> = (1..=4_000).collect();
        samples.extend((0..2_000).map(|i| 1 + i * 15_767));
        samples.push(SlaDuration::MAX_SECS);
        for secs in samples {
            let value = SlaDuration::from_secs(secs, "t").unwrap();
            let text = value.to_string();
            assert_eq!(SlaDuration::parse(&text, "t").unwrap(), value, "{text}");
        }
    }

    #[test]
    fn converts_to_chrono() {
        let value = SlaDuration::parse("1h30m", "t").unwrap();
        assert_eq!(value.as_duration(), Duration::minutes(90));
        assert_eq!(value.as_secs(), 5_400);
    }
}
