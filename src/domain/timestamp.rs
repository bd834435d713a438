//! The instants a client may ask about. chrono reads years from -262143 to +262142, PostgreSQL
//! stores 4713 BC to 294276 AD and SQLite compares text: an instant outside years 1970 to 9999
//! means nothing to an incident tracker and made PostgreSQL answer "timestamp out of range"
//! (a 500). Refused at the edge instead, the same on both databases.

use chrono::{DateTime, Datelike, Utc};

use super::DomainError;

pub const EARLIEST_YEAR: i32 = 1970;
pub const LATEST_YEAR: i32 = 9999;

/// `value` if its year is within 1970..=9999; otherwise an error naming `field`.
pub fn supported(field: &'static str, value: DateTime<Utc>) -> Result<DateTime<Utc>, DomainError> {
    if (EARLIEST_YEAR..=LATEST_YEAR).contains(&value.year()) {
        Ok(value)
    } else {
        Err(DomainError::invalid(
            field,
            format!(
                "{} is outside the supported years {EARLIEST_YEAR} to {LATEST_YEAR}",
                value.to_rfc3339()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("rfc3339")
            .to_utc()
    }

    #[test]
    fn years_1970_to_9999_pass() {
        assert!(supported("from", at("1970-01-01T00:00:00Z")).is_ok());
        assert!(supported("from", at("9999-12-31T23:59:59Z")).is_ok());
        let err = supported("from", at("1969-12-31T23:59:59Z")).unwrap_err();
        assert!(err.to_string().starts_with("from: "), "{err}");
        let far = DateTime::<Utc>::MAX_UTC;
        assert!(
            supported("to", far)
                .unwrap_err()
                .to_string()
                .contains("9999")
        );
        assert!(supported("to", DateTime::<Utc>::MIN_UTC).is_err());
    }
}
