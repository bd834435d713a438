//! How an SLA clock counts: every second, or only a business-hours timetable's open time.
//! Turns a target into a due instant and back, across daylight-saving changes.

use chrono::{DateTime, Days, Duration, LocalResult, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::{GapInfo, Tz};

use super::hours::{BusinessHours, DAY_SECS, Opening};

/// How far `due_at` walks before it gives up: 400 years of days. The worst valid case (a
/// 365-day target, one open hour a week, every one of 1,000 holidays on that hour) ends after
/// about 70,000 days; only a target far beyond `SlaDuration::MAX_SECS` reaches this.
const HORIZON_DAYS: u64 = 146_097;

/// How an SLA clock counts time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Calendar {
    /// Every second counts, nights, weekends and holidays included.
    AroundTheClock,
    /// Only the open hours count.
    BusinessHours(BusinessHours),
}

// The arithmetic on a timetable lives here, beside the wall-clock rule it depends on;
// `hours.rs` only builds and checks the timetable.
impl BusinessHours {
    /// The real time each of `date`'s openings covers, empty ones (inside a gap) left out.
    fn spans<'a>(
        &self,
        date: NaiveDate,
        openings: &'a [Opening],
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + 'a {
        let zone = self.time_zone();
        openings.iter().filter_map(move |o| {
            let open = wall_instant(zone, date, o.open)?.to_utc();
            let close = wall_instant(zone, date, o.close)?.to_utc();
            (close > open).then_some((open, close))
        })
    }

    /// The first and last instants of `date` when it is an ordinary day: its clock runs from
    /// 00:00 to 24:00 on one UTC offset, so each opening counts exactly its length on paper
    /// and the day needs no per-interval arithmetic. Two offset changes within one day, which
    /// would cancel out here, do not occur in the tz database (its closest pair,
    /// America/Cambridge_Bay in 2000, is 166 hours apart).
    fn ordinary_day(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let begin = wall_instant(self.time_zone(), date, 0)?;
        let end = wall_instant(self.time_zone(), date, DAY_SECS)?;
        let ordinary = begin.naive_local() == date.and_time(NaiveTime::MIN)
            && begin.offset().fix() == end.offset().fix()
            && end.signed_duration_since(begin) == Duration::days(1);
        ordinary.then(|| (begin.to_utc(), end.to_utc()))
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.time_zone()).date_naive()
    }

    /// `due_at`, with the number of days it looked at (for the tests' bound on the work).
    ///
    /// Walks local dates one by one, from the day before `start` (a repeated hour can put
    /// part of that day after `start`). A closed day costs a weekday and a holiday lookup; an
    /// ordinary open day that the target outlasts costs two zone lookups and is taken whole;
    /// only the first, the last and daylight-saving days are worked out interval by interval.
    /// Whole weeks are not skipped at once: the zone's offset changes cannot be listed, so a
    /// week would have to be checked day by day anyway.
    fn due_at_counting(&self, start: DateTime<Utc>, target: Duration) -> (DateTime<Utc>, u64) {
        let mut remaining = target;
        let first = self.local_date(start).pred_opt().unwrap_or(NaiveDate::MIN);
        let last = first
            .checked_add_days(Days::new(HORIZON_DAYS))
            .unwrap_or(NaiveDate::MAX);
        let mut days = 0;
        for date in first.iter_days().take_while(|date| *date <= last) {
            days += 1;
            let Some(openings) = self.openings(date) else {
                continue;
            };
            let on_paper = length_on_paper(openings);
            if on_paper < remaining
                && self
                    .ordinary_day(date)
                    .is_some_and(|(begin, _)| begin >= start)
            {
                remaining -= on_paper;
                continue;
            }
            for (open, close) in self.spans(date, openings) {
                let open = open.max(start);
                if close <= open {
                    continue;
                }
                if close - open >= remaining {
                    let due = open.checked_add_signed(remaining);
                    return (due.unwrap_or(DateTime::<Utc>::MAX_UTC), days);
                }
                remaining -= close - open;
            }
        }
        (DateTime::<Utc>::MAX_UTC, days)
    }

    /// Walks the local dates from the day before `from` to the day after `to` (a repeated
    /// hour can move part of either into the range): linear in the days between them.
    fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let first = self.local_date(from).pred_opt().unwrap_or(NaiveDate::MIN);
        let last = self.local_date(to).succ_opt().unwrap_or(NaiveDate::MAX);
        let mut total = Duration::zero();
        for date in first.iter_days().take_while(|date| *date <= last) {
            let Some(openings) = self.openings(date) else {
                continue;
            };
            if self
                .ordinary_day(date)
                .is_some_and(|(begin, end)| begin >= from && end <= to)
            {
                total += length_on_paper(openings);
                continue;
            }
            for (open, close) in self.spans(date, openings) {
                let (open, close) = (open.max(from), close.min(to));
                if close > open {
                    total += close - open;
                }
            }
        }
        total
    }
}

impl Calendar {
    /// The instant at which `target` of counted time has passed since `start`; `start`
    /// itself for a target of zero or less. If that is not within 400 years of `start` (only
    /// a target far longer than any `SlaDuration` does that), chrono's last instant.
    pub fn due_at(&self, start: DateTime<Utc>, target: Duration) -> DateTime<Utc> {
        if target <= Duration::zero() {
            return start;
        }
        match self {
            Self::AroundTheClock => start
                .checked_add_signed(target)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
            Self::BusinessHours(hours) => hours.due_at_counting(start, target).0,
        }
    }

    /// The counted time between two instants; zero unless `to` is after `from`. The inverse
    /// of `due_at`: `elapsed(start, due_at(start, target)) == target`.
    pub fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        match self {
            Self::AroundTheClock => to.signed_duration_since(from),
            Self::BusinessHours(hours) => hours.elapsed(from, to),
        }
    }
}

/// The first instant at which `zone`'s wall clock shows `secs` after midnight on `date`, or
/// later: a time in a spring-forward gap is the gap's end, a repeated time its first pass.
/// One monotonic rule for open and close keeps the days' spans in order and apart, and a day
/// open 00:00 to 24:00 counts exactly its real length. `None` only at the ends of chrono's
/// range.
fn wall_instant(zone: Tz, date: NaiveDate, secs: u32) -> Option<DateTime<Tz>> {
    let (date, secs) = if secs >= DAY_SECS {
        (date.succ_opt()?, secs - DAY_SECS)
    } else {
        (date, secs)
    };
    let wall = date.and_time(NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)?);
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(at) => Some(at),
        LocalResult::Ambiguous(first, second) => Some(first.min(second)),
        LocalResult::None => GapInfo::new(&wall, &zone).and_then(|gap| gap.end),
    }
}

fn length_on_paper(openings: &[Opening]) -> Duration {
    Duration::seconds(openings.iter().map(|o| i64::from(o.close - o.open)).sum())
}

#[cfg(test)]
mod tests {
    use chrono::Weekday;

    use super::super::hours::WEEKDAYS;
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("rfc3339")
            .to_utc()
    }

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

    fn business(
        zone: &str,
        hours: Vec<(Weekday, NaiveTime, NaiveTime)>,
        holidays: Vec<NaiveDate>,
    ) -> Calendar {
        Calendar::BusinessHours(BusinessHours::new(zone, hours, holidays).unwrap())
    }

    /// Europe/Berlin, Monday to Friday 09:00 to 17:00. In 2025 Berlin is on CET (UTC+1)
    /// until 30 March 02:00 and from 26 October 03:00, on CEST (UTC+2) in between.
    fn office() -> Calendar {
        business("Europe/Berlin", weekdays(hm(9, 0), hm(17, 0)), vec![])
    }

    /// The office, plus Sunday 01:00 to 05:00: the hours in which Berlin's clocks change.
    fn office_with_night_shift() -> Calendar {
        let mut hours = weekdays(hm(9, 0), hm(17, 0));
        hours.push((Weekday::Sun, hm(1, 0), hm(5, 0)));
        business("Europe/Berlin", hours, vec![])
    }

    #[test]
    fn four_business_hours_from_friday_16_00_are_due_monday_noon() {
        let hours = Duration::hours(4);
        // Friday 10 January 2025, 16:00 CET: one hour on Friday, three on Monday.
        assert_eq!(
            office().due_at(at("2025-01-10T15:00:00Z"), hours),
            at("2025-01-13T11:00:00Z")
        );
        // Friday 11 July 2025, 16:00 CEST: the same wall times, an hour earlier in UTC.
        assert_eq!(
            office().due_at(at("2025-07-11T14:00:00Z"), hours),
            at("2025-07-14T10:00:00Z")
        );
    }

    #[test]
    fn reported_on_saturday_is_due_monday_13_00() {
        // Saturday 11 January 2025, 11:00 CET.
        assert_eq!(
            office().due_at(at("2025-01-11T10:00:00Z"), Duration::hours(4)),
            at("2025-01-13T12:00:00Z")
        );
    }

    #[test]
    fn reported_before_opening_counts_from_opening() {
        // Tuesday 14 January 2025, 08:00 CET: counts from 09:00, due 13:00 CET.
        assert_eq!(
            office().due_at(at("2025-01-14T07:00:00Z"), Duration::hours(4)),
            at("2025-01-14T12:00:00Z")
        );
    }

    #[test]
    fn a_monday_holiday_pushes_it_to_tuesday() {
        let calendar = business(
            "Europe/Berlin",
            weekdays(hm(9, 0), hm(17, 0)),
            vec![date(2025, 1, 13)],
        );
        assert_eq!(
            calendar.due_at(at("2025-01-10T15:00:00Z"), Duration::hours(4)),
            at("2025-01-14T11:00:00Z")
        );
    }

    #[test]
    fn a_target_used_up_at_closing_is_due_at_closing() {
        // Friday 16:00 CET plus one hour is Friday 17:00 CET, not Monday 09:00.
        assert_eq!(
            office().due_at(at("2025-01-10T15:00:00Z"), Duration::hours(1)),
            at("2025-01-10T16:00:00Z")
        );
    }

    #[test]
    fn a_split_day_skips_the_lunch_break() {
        let mut hours = weekdays(hm(9, 0), hm(12, 0));
        hours.extend(weekdays(hm(13, 0), hm(17, 0)));
        let calendar = business("Europe/Berlin", hours, vec![]);
        // Monday 13 January 2025, 11:00 CET plus 2 hours: 11-12 and 13-14, due 14:00 CET;
        // until 17:00 CET, 11-12 and 13-17 count.
        let start = at("2025-01-13T10:00:00Z");
        assert_eq!(
            calendar.due_at(start, Duration::hours(2)),
            at("2025-01-13T13:00:00Z")
        );
        assert_eq!(
            calendar.elapsed(start, at("2025-01-13T16:00:00Z")),
            Duration::hours(5)
        );
    }

    #[test]
    fn the_spring_forward_night_counts_three_hours_for_01_to_05() {
        let calendar = office_with_night_shift();
        // Sunday 30 March 2025: 01:00 CET is 00:00Z, 05:00 CEST is 03:00Z.
        assert_eq!(
            calendar.elapsed(at("2025-03-29T12:00:00Z"), at("2025-03-30T12:00:00Z")),
            Duration::hours(3)
        );
        // Friday 28 March 16:00 CET plus 8 hours: 1 on Friday, 3 on Sunday night, 4 on
        // Monday from 09:00 CEST: due Monday 31 March 13:00 CEST.
        assert_eq!(
            calendar.due_at(at("2025-03-28T15:00:00Z"), Duration::hours(8)),
            at("2025-03-31T11:00:00Z")
        );
    }

    #[test]
    fn the_fall_back_night_counts_five_hours_for_01_to_05() {
        let calendar = office_with_night_shift();
        // Sunday 26 October 2025: 01:00 CEST is 23:00Z the day before, 05:00 CET is 04:00Z.
        assert_eq!(
            calendar.elapsed(at("2025-10-25T12:00:00Z"), at("2025-10-26T12:00:00Z")),
            Duration::hours(5)
        );
        // Friday 24 October 16:00 CEST plus 8 hours: 1 on Friday, 5 on Sunday night, 2 on
        // Monday from 09:00 CET: due Monday 27 October 11:00 CET.
        assert_eq!(
            calendar.due_at(at("2025-10-24T14:00:00Z"), Duration::hours(8)),
            at("2025-10-27T10:00:00Z")
        );
    }

    #[test]
    fn opening_times_inside_a_change_take_the_first_instant_at_or_after_them() {
        let sunday =
            |open, close| business("Europe/Berlin", vec![(Weekday::Sun, open, close)], vec![]);
        let spring =
            |c: &Calendar| c.elapsed(at("2025-03-29T12:00:00Z"), at("2025-03-30T12:00:00Z"));
        let autumn =
            |c: &Calendar| c.elapsed(at("2025-10-25T12:00:00Z"), at("2025-10-26T12:00:00Z"));
        // 02:30 does not exist in spring: the opening starts at 03:00 CEST (01:00Z) and runs
        // to 04:00 CEST. In autumn 02:30 happens twice: the first (00:30Z) is taken, and the
        // opening runs to 04:00 CET (03:00Z).
        let late = sunday(hm(2, 30), hm(4, 0));
        assert_eq!(spring(&late), Duration::hours(1));
        assert_eq!(autumn(&late), Duration::minutes(150));
        // 02:00 to 03:00 is the missing hour in spring, and two real hours in autumn.
        let missing = sunday(hm(2, 0), hm(3, 0));
        assert_eq!(spring(&missing), Duration::zero());
        assert_eq!(autumn(&missing), Duration::hours(2));
        // So a target that would have ended in the missing hour moves to the next Sunday,
        // 6 April 02:00 CEST (00:00Z).
        assert_eq!(
            missing.due_at(at("2025-03-29T00:00:00Z"), Duration::minutes(30)),
            at("2025-04-06T00:30:00Z")
        );
    }

    #[test]
    fn around_the_clock_counts_real_time_across_dst() {
        let clock = Calendar::AroundTheClock;
        // 13:00 CET on 29 March plus 24 hours is 14:00 CEST on 30 March, 12:00Z.
        assert_eq!(
            clock.due_at(at("2025-03-29T12:00:00Z"), Duration::hours(24)),
            at("2025-03-30T12:00:00Z")
        );
        assert_eq!(
            clock.due_at(at("2025-10-25T12:00:00Z"), Duration::hours(24)),
            at("2025-10-26T12:00:00Z")
        );
        assert_eq!(
            clock.elapsed(at("2025-10-25T12:00:00Z"), at("2025-10-26T12:00:00Z")),
            Duration::hours(24)
        );
    }

    #[test]
    fn a_timetable_open_all_week_counts_real_time_in_any_zone() {
        // Every day 00:00 to 24:00 must agree with around the clock through every kind of
        // change: an hour (Berlin, New York), half an hour (Lord Howe), at midnight
        // (Santiago), a whole skipped day (Apia, 30 December 2011), odd offsets (Kathmandu).
        let all_week: Vec<_> = WEEKDAYS.iter().map(|d| (*d, hm(0, 0), hm(0, 0))).collect();
        let starts = [
            "2011-12-28T15:30:00Z",
            "2025-03-28T23:59:59Z",
            "2025-04-04T10:00:00Z",
            "2025-09-05T03:00:00Z",
            "2025-10-24T22:15:00Z",
        ];
        let targets = [
            Duration::seconds(1),
            Duration::hours(5),
            Duration::hours(36),
            Duration::days(10),
            Duration::days(200),
        ];
        let zones = [
            "Europe/Berlin",
            "America/New_York",
            "Australia/Lord_Howe",
            "America/Santiago",
            "Pacific/Apia",
            "Asia/Kathmandu",
        ];
        let clock = Calendar::AroundTheClock;
        for zone in zones {
            let calendar = business(zone, all_week.clone(), vec![]);
            for start in starts.map(at) {
                for target in targets {
                    let due = calendar.due_at(start, target);
                    assert_eq!(due, clock.due_at(start, target), "{zone} {start} {target}");
                    assert_eq!(calendar.elapsed(start, due), target, "{zone} {start}");
                }
            }
        }
    }

    #[test]
    fn a_year_of_one_hour_weeks_finishes_in_a_bounded_walk() {
        let calendar = BusinessHours::new(
            "Europe/Berlin",
            vec![(Weekday::Sun, hm(10, 0), hm(11, 0))],
            vec![],
        )
        .unwrap();
        // 365 days are 8,760 one-hour Sundays: the first is 12 January 2025, the last
        // 8,759 weeks later, 25 November 2192, ending 11:00 CET (10:00Z).
        let (due, days) = calendar.due_at_counting(at("2025-01-06T00:00:00Z"), Duration::days(365));
        assert_eq!(due, at("2192-11-25T10:00:00Z"));
        // One step per local day from 5 January 2025 to 25 November 2192, 61,321 days: at
        // most 7 per week of target, plus the day before the start.
        assert!(days <= 7 * 8_760 + 8, "walked {days} days");
        let calendar = Calendar::BusinessHours(calendar);
        assert_eq!(
            calendar.elapsed(at("2025-01-06T00:00:00Z"), due),
            Duration::days(365)
        );
    }

    #[test]
    fn an_absurd_target_gives_up_at_the_horizon() {
        let calendar = BusinessHours::new(
            "Europe/Berlin",
            vec![(Weekday::Sun, hm(10, 0), hm(11, 0))],
            vec![],
        )
        .unwrap();
        let (due, days) =
            calendar.due_at_counting(at("2025-01-06T00:00:00Z"), Duration::days(100_000));
        assert_eq!(due, DateTime::<Utc>::MAX_UTC);
        assert_eq!(days, HORIZON_DAYS + 1);
    }

    #[test]
    fn elapsed_is_the_inverse_of_due_at() {
        let mut split = weekdays(hm(9, 0), hm(12, 0));
        split.extend(weekdays(hm(13, 0), hm(17, 30)));
        let calendars = [
            office(),
            office_with_night_shift(),
            business(
                "Europe/Berlin",
                split,
                vec![date(2025, 1, 13), date(2025, 3, 31)],
            ),
            business(
                "America/Santiago",
                vec![
                    (Weekday::Sat, hm(22, 0), hm(0, 0)),
                    (Weekday::Sun, hm(0, 0), hm(2, 0)),
                ],
                vec![],
            ),
        ];
        let starts = [
            "2025-01-10T15:00:00Z",
            "2025-01-11T10:00:00Z",
            "2025-01-13T08:00:00.250Z",
            "2025-03-28T15:00:00Z",
            "2025-03-30T00:30:00Z",
            "2025-09-06T12:00:00Z",
            "2025-10-26T00:45:00Z",
            "2025-10-26T01:30:00Z",
        ];
        let targets = [
            Duration::seconds(1),
            Duration::minutes(59),
            Duration::hours(4),
            Duration::hours(8),
            Duration::days(3),
            Duration::days(30),
        ];
        for calendar in &calendars {
            for start in starts.map(at) {
                for target in targets {
                    let due = calendar.due_at(start, target);
                    assert_eq!(calendar.elapsed(start, due), target, "{start} {target}");
                    // And it is the first such instant.
                    let just_before = due - Duration::milliseconds(1);
                    assert!(
                        calendar.elapsed(start, just_before) < target,
                        "{start} {target}"
                    );
                }
            }
        }
    }

    #[test]
    fn elapsed_is_zero_unless_to_is_after_from() {
        let (early, late) = (at("2025-01-13T09:00:00Z"), at("2025-01-13T12:00:00Z"));
        for calendar in [office(), Calendar::AroundTheClock] {
            assert_eq!(calendar.elapsed(late, early), Duration::zero());
            assert_eq!(calendar.elapsed(late, late), Duration::zero());
        }
    }

    #[test]
    fn a_target_of_zero_or_less_is_due_at_once() {
        let start = at("2025-01-11T10:00:00Z");
        for calendar in [office(), Calendar::AroundTheClock] {
            assert_eq!(calendar.due_at(start, Duration::zero()), start);
            assert_eq!(calendar.due_at(start, Duration::hours(-3)), start);
        }
    }

    #[test]
    fn elapsed_skips_nights_weekends_and_holidays() {
        let calendar = business(
            "Europe/Berlin",
            weekdays(hm(9, 0), hm(17, 0)),
            vec![date(2025, 1, 8), date(2025, 1, 11)],
        );
        // Two weeks from Monday 6 January 00:00 CET: ten weekdays, one a holiday (the
        // Saturday holiday changes nothing), 9 x 8 hours.
        assert_eq!(
            calendar.elapsed(at("2025-01-05T23:00:00Z"), at("2025-01-19T23:00:00Z")),
            Duration::hours(72)
        );
    }

    #[test]
    fn a_close_of_00_00_is_the_end_of_the_day() {
        let hours = vec![
            (Weekday::Mon, hm(22, 0), hm(0, 0)),
            (Weekday::Tue, hm(0, 0), hm(0, 0)),
        ];
        let calendar = business("Europe/Berlin", hours.clone(), vec![]);
        // Monday 13 January 2025 01:00 CET to Thursday 01:00 CET: 22:00 to 24:00 on Monday and
        // all of Tuesday, 2 + 24 hours.
        assert_eq!(
            calendar.elapsed(at("2025-01-13T00:00:00Z"), at("2025-01-16T00:00:00Z")),
            Duration::hours(26)
        );
        // Monday 23:00 CET plus 90 minutes: 1 hour on Monday, then 00:30 on Tuesday.
        assert_eq!(
            calendar.due_at(at("2025-01-13T22:00:00Z"), Duration::minutes(90)),
            at("2025-01-13T23:30:00Z")
        );
        let Calendar::BusinessHours(parsed) = calendar else {
            unreachable!()
        };
        assert_eq!(parsed.hours(), hours);
    }
}
