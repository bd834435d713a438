//! Opaque pagination cursors. Clients must not parse them; we version them so we can change
//! what they hold.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::DomainError;
use crate::domain::ids::{ActionItemId, EventId};
use crate::domain::listing::Keyset;

fn encode(raw: &str) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode(cursor: &str) -> Result<String, DomainError> {
    let bad = || DomainError::invalid("after", "is not a cursor this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    String::from_utf8(bytes).map_err(|_| bad())
}

/// `i2:<number>:<priority rank>:<next SLA due time in µs, or ->`; `i1:` cursors (without the
/// due time) from before the SLA order are still accepted.
pub fn incident(k: Keyset) -> String {
    let due = k
        .sla_due_at
        .map_or_else(|| "-".to_owned(), |d| d.timestamp_micros().to_string());
    encode(&format!("i2:{}:{}:{due}", k.number, k.priority_rank))
}

pub fn parse_incident(cursor: &str) -> Result<Keyset, DomainError> {
    let bad = || DomainError::invalid("after", "is not an incident cursor this API returned");
    let raw = decode(cursor)?;
    let (version, rest) = raw.split_once(':').ok_or_else(bad)?;
    let parts: Vec<&str> = rest.split(':').collect();
    let (number, rank, due) = match (version, parts.as_slice()) {
        ("i1", [number, rank]) => (number, rank, "-"),
        ("i2", [number, rank, due]) => (number, rank, *due),
        _ => return Err(bad()),
    };
    let sla_due_at = match due {
        "-" => None,
        ms => Some(
            ms.parse()
                .ok()
                .and_then(chrono::DateTime::from_timestamp_micros)
                .ok_or_else(bad)?,
        ),
    };
    Ok(Keyset {
        number: number.parse().map_err(|_| bad())?,
        priority_rank: rank.parse().map_err(|_| bad())?,
        sla_due_at,
    })
}

pub fn event(id: EventId) -> String {
    encode(&format!("e1:{id}"))
}

pub fn parse_event(cursor: &str) -> Result<EventId, DomainError> {
    decode(cursor)?
        .strip_prefix("e1:")
        .and_then(|n| n.parse().ok())
        .map(EventId)
        .ok_or_else(|| DomainError::invalid("after", "is not a timeline cursor this API returned"))
}

pub fn delivery(seq: i64) -> String {
    encode(&format!("d1:{seq}"))
}

pub fn parse_delivery(cursor: &str) -> Result<i64, DomainError> {
    decode(cursor)?
        .strip_prefix("d1:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| DomainError::invalid("after", "is not a delivery cursor this API returned"))
}

/// A user, by id (users list in id order).
pub fn user(id: &str) -> String {
    encode(&format!("u1:{id}"))
}

pub fn parse_user(cursor: &str) -> Result<String, DomainError> {
    decode(cursor)?
        .strip_prefix("u1:")
        .map(str::to_owned)
        .ok_or_else(|| DomainError::invalid("after", "is not a user cursor this API returned"))
}

pub fn run(id: i64) -> String {
    encode(&format!("a1:{id}"))
}

pub fn parse_run(cursor: &str) -> Result<i64, DomainError> {
    decode(cursor)?
        .strip_prefix("a1:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            DomainError::invalid("after", "is not an automation run cursor this API returned")
        })
}

pub fn problem(number: i64) -> String {
    encode(&format!("p1:{number}"))
}

pub fn parse_problem(cursor: &str) -> Result<i64, DomainError> {
    decode(cursor)?
        .strip_prefix("p1:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| DomainError::invalid("after", "is not a problem cursor this API returned"))
}

/// An action item: its due date and id (items list soonest due first).
pub fn action_item(due: chrono::NaiveDate, id: ActionItemId) -> String {
    encode(&format!("t1:{}:{id}", due.format("%Y-%m-%d")))
}

pub fn parse_action_item(cursor: &str) -> Result<(chrono::NaiveDate, ActionItemId), DomainError> {
    let bad = || DomainError::invalid("after", "is not an action item cursor this API returned");
    let raw = decode(cursor)?;
    let (due, id) = raw
        .strip_prefix("t1:")
        .and_then(|rest| rest.split_once(':'))
        .ok_or_else(bad)?;
    let due = chrono::NaiveDate::parse_from_str(due, "%Y-%m-%d").map_err(|_| bad())?;
    let id = uuid::Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((due, ActionItemId(id)))
}

/// A position in a ranked result list.
pub fn offset(position: usize) -> String {
    encode(&format!("r1:{position}"))
}

pub fn parse_offset(cursor: &str) -> Result<usize, DomainError> {
    decode(cursor)?
        .strip_prefix("r1:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| DomainError::invalid("after", "is not a search cursor this API returned"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let k = Keyset {
            number: 42,
            priority_rank: 3,
            sla_due_at: None,
        };
        assert_eq!(parse_incident(&incident(k)), Ok(k));
        let due = Keyset {
            sla_due_at: chrono::DateTime::from_timestamp_micros(1_765_000_000_123_456),
            ..k
        };
        assert_eq!(parse_incident(&incident(due)), Ok(due));
        assert_eq!(parse_incident(&encode("i1:42:3")), Ok(k));
        assert!(parse_incident(&encode("i2:42:3")).is_err());
        assert!(parse_incident(&encode("i2:42:3:soon")).is_err());
        assert_eq!(parse_event(&event(EventId(7))), Ok(EventId(7)));
        assert!(parse_incident("!!").is_err());
        assert!(parse_incident(&event(EventId(7))).is_err());
        assert!(parse_event(&incident(k)).is_err());
        assert_eq!(parse_user(&user("u:1")), Ok("u:1".to_owned()));
        assert!(parse_user(&event(EventId(7))).is_err());
    }
}
