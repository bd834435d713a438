//! Opaque pagination cursors. Clients must not parse them; we version them so we can change
//! what they hold.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::DomainError;
use crate::domain::ids::EventId;
use crate::domain::listing::Keyset;

fn encode(raw: &str) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode(cursor: &str) -> Result<String, DomainError> {
    let bad = || DomainError::invalid("after", "is not a cursor this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    String::from_utf8(bytes).map_err(|_| bad())
}

pub fn incident(k: Keyset) -> String {
    encode(&format!("i1:{}:{}", k.number, k.priority_rank))
}

pub fn parse_incident(cursor: &str) -> Result<Keyset, DomainError> {
    let raw = decode(cursor)?;
    let mut parts = raw.strip_prefix("i1:").map(|r| r.split(':'));
    let mut next = || parts.as_mut().and_then(Iterator::next);
    match (next().map(str::parse), next().map(str::parse)) {
        (Some(Ok(number)), Some(Ok(priority_rank))) => Ok(Keyset {
            number,
            priority_rank,
        }),
        _ => Err(DomainError::invalid(
            "after",
            "is not an incident cursor this API returned",
        )),
    }
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
        };
        assert_eq!(parse_incident(&incident(k)), Ok(k));
        assert_eq!(parse_event(&event(EventId(7))), Ok(EventId(7)));
        assert!(parse_incident("!!").is_err());
        assert!(parse_incident(&event(EventId(7))).is_err());
        assert!(parse_event(&incident(k)).is_err());
        assert_eq!(parse_user(&user("u:1")), Ok("u:1".to_owned()));
        assert!(parse_user(&event(EventId(7))).is_err());
    }
}
