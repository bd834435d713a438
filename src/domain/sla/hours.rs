//! When a business-hours SLA clock runs: a weekly timetable on an IANA time zone's wall
//! clock, minus holidays. Validated once, from the parts a client sends.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};
use chrono_tz::Tz;

use super::SlaDuration;
use crate::domain::DomainError;

/// Seconds in a day on paper; an opening's close of this many seconds is 24:00.
pub(super) const DAY_SECS: u32 = 86_400;

pub(super) const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The open hours of an SLA clock: a weekly timetable on the wall clock of an IANA time
/// zone, closed on holidays (local dates).
///
/// Wall-clock times that a daylight-saving change skips or repeats are read as the first
/// instant at which the clock shows that time or later. A skipped time is therefore the end
/// of the gap (01:00–05:00 on the spring-forward night counts 3 hours) and a repeated one its
/// first pass (01:00–05:00 on the fall-back night counts 5). Open and close follow the same
/// rule, so intervals that do not overlap on paper never overlap in real time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    time_zone: Tz,
    /// Monday first; each day sorted, without overlaps.
    week: [Vec<Opening>; 7],
    holidays: BTreeSet<NaiveDate>,
}

/// Open from `open` until just before `close`, in seconds after local midnight; a `close` of
/// 86,400 is the end of the day (24:00, which `NaiveTime` cannot hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Opening {
    pub(super) open: u32,
    pub(super) close: u32,
}

impl BusinessHours {
    /// The most holidays a calendar may list (after duplicates are dropped).
    pub const MAX_HOLIDAYS: usize = 1_000;
    /// The most intervals a week may have.
    pub const MAX_INTERVALS: usize = 100;
    /// The least open time a week must have, in seconds. A 365-day target on one-hour weeks
    /// already comes due 168 years later; less is a mistake, and this bounds the work of
    /// `Calendar::due_at`.
    pub const MIN_OPEN_SECS_PER_WEEK: u32 = 3_600;

    /// A timetable from its parts as a client gives them: an IANA zone name
    /// (`Europe/Berlin`), intervals `(day, open, close)` closing just before `close`, where
    /// a close of 00:00 means midnight at the end of the day, and holiday dates.
    pub fn new(
        time_zone_name: &str,
        hours: Vec<(Weekday, NaiveTime, NaiveTime)>,
        holidays: Vec<NaiveDate>,
    ) -> Result<Self, DomainError> {
        let time_zone = time_zone_name.parse::<Tz>().map_err(|_| {
            DomainError::invalid(
                "calendar.timeZone",
                "is not a known IANA time zone name; use one such as Europe/Berlin, \
                 America/New_York or UTC",
            )
        })?;
        let week = timetable(hours)?;
        let holidays: BTreeSet<NaiveDate> = holidays.into_iter().collect();
        if holidays.len() > Self::MAX_HOLIDAYS {
            return Err(DomainError::invalid(
                "calendar.holidays",
                format!(
                    "lists {} different dates; at most {} are allowed",
                    holidays.len(),
                    Self::MAX_HOLIDAYS
                ),
            ));
        }
        Ok(Self {
            time_zone,
            week,
            holidays,
        })
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// The intervals in the form `new` reads (a close of 00:00 is the end of the day),
    /// Monday first, each day in order.
    pub fn hours(&self) -> Vec<(Weekday, NaiveTime, NaiveTime)> {
        let time = |secs: u32| {
            NaiveTime::from_num_seconds_from_midnight_opt(secs % DAY_SECS, 0)
                .unwrap_or(NaiveTime::MIN)
        };
        WEEKDAYS
            .iter()
            .zip(&self.week)
            .flat_map(|(day, openings)| {
                openings
                    .iter()
                    .map(move |o| (*day, time(o.open), time(o.close)))
            })
            .collect()
    }

    pub fn holidays(&self) -> &BTreeSet<NaiveDate> {
        &self.holidays
    }

    /// The openings on a local date; `None` when closed all day.
    pub(super) fn openings(&self, date: NaiveDate) -> Option<&[Opening]> {
        let day = &self.week[date.weekday().num_days_from_monday() as usize];
        (!day.is_empty() && !self.holidays.contains(&date)).then_some(day.as_slice())
    }
}

/// Checks and sorts the intervals into a week, Monday first.
fn timetable(
    hours: Vec<(Weekday, NaiveTime, NaiveTime)>,
) -> Result<[Vec<Opening>; 7], DomainError> {
    const FIELD: &str = "calendar.hours";
    if hours.is_empty() {
        return Err(DomainError::invalid(
            FIELD,
            "has no open hours; give at least one interval, such as Monday 09:00 to 17:00",
        ));
    }
    if hours.len() > BusinessHours::MAX_INTERVALS {
        return Err(DomainError::invalid(
            FIELD,
            format!(
                "has {} intervals; at most {} are allowed",
                hours.len(),
                BusinessHours::MAX_INTERVALS
            ),
        ));
    }
    let mut week: [Vec<Opening>; 7] = Default::default();
    for (day, open, close) in hours {
        let whole = |time: NaiveTime| {
            (time.nanosecond() == 0)
                .then(|| time.num_seconds_from_midnight())
                .ok_or_else(|| {
                    DomainError::invalid(
                        FIELD,
                        format!(
                            "{} {}: times must be whole seconds",
                            day_name(day),
                            time.format("%H:%M:%S%.f")
                        ),
                    )
                })
        };
        let opening = Opening {
            open: whole(open)?,
            close: match whole(close)? {
                0 => DAY_SECS,
                secs => secs,
            },
        };
        if opening.close <= opening.open {
            return Err(DomainError::invalid(
                FIELD,
                format!(
                    "{} {} to {} does not close after it opens; use a close of 00:00 for \
                     the end of the day",
                    day_name(day),
                    clock(opening.open),
                    clock(opening.close)
                ),
            ));
        }
        week[day.num_days_from_monday() as usize].push(opening);
    }
    for (day, openings) in WEEKDAYS.iter().zip(&mut week) {
        openings.sort();
        if let Some(pair) = openings
            .windows(2)
            .find(|pair| pair[1].open < pair[0].close)
        {
            return Err(DomainError::invalid(
                FIELD,
                format!(
                    "{} {} and {} overlap; intervals on one day must not overlap",
                    day_name(*day),
                    span_text(pair[0]),
                    span_text(pair[1])
                ),
            ));
        }
    }
    let open_per_week: u32 = week.iter().flatten().map(|o| o.close - o.open).sum();
    if open_per_week < BusinessHours::MIN_OPEN_SECS_PER_WEEK {
        let open = SlaDuration::from_secs(i64::from(open_per_week), FIELD)?;
        return Err(DomainError::invalid(
            FIELD,
            format!("is open {open} a week; at least 1h a week is required"),
        ));
    }
    Ok(week)
}

fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// `09:00`, `09:00:30` when there are seconds, and `24:00` for the end of the day.
fn clock(secs: u32) -> String {
    let text = format!("{:02}:{:02}", secs / 3_600, secs / 60 % 60);
    match secs % 60 {
        0 => text,
        s => format!("{text}:{s:02}"),
    }
}

fn span_text(opening: Opening) -> String {
    format!("{} to {}", clock(opening.open), clock(opening.close))
}

#[cfg(test)]
mod tests {
    use chrono::{Days, Duration};

    use super::*;

    fn hm(hour: u32, minute: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
    }

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    /// Monday to Friday, `open` to `close` each day.
    fn weekdays(open: NaiveTime, close: NaiveTime) -> Vec<(Weekday, NaiveTime, NaiveTime)> {
        WEEKDAYS[..5].iter().map(|d| (*d, open, close)).collect()
    }

    fn refusal(result: Result<BusinessHours, DomainError>) -> (&'static str, String) {
        match result {
            Err(DomainError::Invalid { field, message }) => (field, message),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn hours_read_back_in_order() {
        let calendar = BusinessHours::new(
            "America/New_York",
            vec![
                (Weekday::Fri, hm(13, 0), hm(17, 0)),
                (Weekday::Mon, hm(13, 0), hm(17, 0)),
                (Weekday::Mon, hm(9, 0), hm(12, 0)),
            ],
            vec![date(2025, 12, 25), date(2025, 1, 1), date(2025, 12, 25)],
        )
        .unwrap();
        assert_eq!(calendar.time_zone(), chrono_tz::America::New_York);
        assert_eq!(
            calendar.hours(),
            vec![
                (Weekday::Mon, hm(9, 0), hm(12, 0)),
                (Weekday::Mon, hm(13, 0), hm(17, 0)),
                (Weekday::Fri, hm(13, 0), hm(17, 0)),
            ]
        );
        let holidays: Vec<_> = calendar.holidays().iter().copied().collect();
        assert_eq!(holidays, vec![date(2025, 1, 1), date(2025, 12, 25)]);
    }

    #[test]
    fn refuses_an_unknown_time_zone() {
        for name in ["Mars/Olympus_Mons", "", "Berlin", "+02:00"] {
            let (field, message) = refusal(BusinessHours::new(
                name,
                weekdays(hm(9, 0), hm(17, 0)),
                vec![],
            ));
            assert_eq!(field, "calendar.timeZone");
            assert!(message.contains("Europe/Berlin"), "{message}");
        }
    }

    #[test]
    fn refuses_a_timetable_without_hours() {
        let (field, message) = refusal(BusinessHours::new("UTC", vec![], vec![]));
        assert_eq!(field, "calendar.hours");
        assert!(message.contains("no open hours"), "{message}");
    }

    #[test]
    fn refuses_inverted_and_empty_intervals() {
        for (open, close) in [(hm(17, 0), hm(9, 0)), (hm(9, 0), hm(9, 0))] {
            let result = BusinessHours::new("UTC", vec![(Weekday::Tue, open, close)], vec![]);
            let (field, message) = refusal(result);
            assert_eq!(field, "calendar.hours");
            assert!(message.starts_with("Tuesday"), "{message}");
            assert!(message.contains("00:00"), "{message}");
        }
        let result = BusinessHours::new("UTC", vec![(Weekday::Tue, hm(17, 0), hm(9, 0))], vec![]);
        assert_eq!(
            refusal(result).1,
            "Tuesday 17:00 to 09:00 does not close after it opens; use a close of 00:00 for the \
             end of the day"
        );
    }

    #[test]
    fn refuses_overlaps_but_allows_touching_intervals() {
        let overlapping = vec![
            (Weekday::Mon, hm(11, 0), hm(13, 0)),
            (Weekday::Mon, hm(9, 0), hm(12, 0)),
        ];
        let (field, message) = refusal(BusinessHours::new("UTC", overlapping, vec![]));
        assert_eq!(field, "calendar.hours");
        assert_eq!(
            message,
            "Monday 09:00 to 12:00 and 11:00 to 13:00 overlap; intervals on one day must not overlap"
        );
        let twice = vec![(Weekday::Wed, hm(9, 0), hm(17, 0)); 2];
        assert!(BusinessHours::new("UTC", twice, vec![]).is_err());
        let touching = vec![
            (Weekday::Mon, hm(9, 0), hm(12, 0)),
            (Weekday::Mon, hm(12, 0), hm(17, 0)),
            (Weekday::Tue, hm(11, 0), hm(13, 0)),
        ];
        assert!(BusinessHours::new("UTC", touching, vec![]).is_ok());
    }

    #[test]
    fn refuses_more_than_1000_holidays() {
        let days = |n: u64| -> Vec<NaiveDate> {
            (0..n).map(|i| date(2025, 1, 1) + Days::new(i)).collect()
        };
        let with = |holidays| BusinessHours::new("UTC", weekdays(hm(9, 0), hm(17, 0)), holidays);
        let (field, message) = refusal(with(days(10_000)));
        assert_eq!(field, "calendar.holidays");
        assert!(message.contains("at most 1000"), "{message}");
        assert!(with(days(1_001)).is_err());
        assert_eq!(with(days(1_000)).unwrap().holidays().len(), 1_000);
        // Duplicates count once.
        let doubled = [days(1_000), days(1_000)].concat();
        assert_eq!(with(doubled).unwrap().holidays().len(), 1_000);
    }

    #[test]
    fn refuses_less_than_an_hour_a_week() {
        let short = vec![
            (Weekday::Mon, hm(9, 0), hm(9, 20)),
            (Weekday::Thu, hm(9, 0), hm(9, 10)),
        ];
        let (field, message) = refusal(BusinessHours::new("UTC", short, vec![]));
        assert_eq!(field, "calendar.hours");
        assert_eq!(
            message,
            "is open 30m a week; at least 1h a week is required"
        );
    }

    #[test]
    fn refuses_too_many_intervals_and_fractions_of_seconds() {
        let many: Vec<_> = (0..101)
            .map(|i| {
                let open = NaiveTime::from_num_seconds_from_midnight_opt(i * 600, 0).unwrap();
                (Weekday::Mon, open, open + Duration::minutes(5))
            })
            .collect();
        let (field, message) = refusal(BusinessHours::new("UTC", many, vec![]));
        assert_eq!(field, "calendar.hours");
        assert!(message.contains("at most 100"), "{message}");
        let fraction = NaiveTime::from_hms_milli_opt(9, 0, 0, 500).unwrap();
        let (field, message) = refusal(BusinessHours::new(
            "UTC",
            vec![(Weekday::Mon, fraction, hm(17, 0))],
            vec![],
        ));
        assert_eq!(field, "calendar.hours");
        assert!(message.contains("whole seconds"), "{message}");
    }
}
