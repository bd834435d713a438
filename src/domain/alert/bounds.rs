//! The limits on what one alert may carry, and their checks. Generous enough for what
//! Alertmanager, Grafana and PagerDuty senders really send; a value past them is refused with
//! its path rather than cut, so a sender learns of it at once.

use std::collections::BTreeMap;

use super::error::{AlertError, join, quote, segment};

/// Alerts in one payload (Alertmanager's `max_alerts` is unlimited by default; a group of a
/// thousand is already a storm).
pub const MAX_ALERTS: usize = 1_000;
pub const MAX_LABELS: usize = 64;
pub const MAX_LABEL_NAME_BYTES: usize = 256;
pub const MAX_LABEL_VALUE_BYTES: usize = 4_096;
pub const MAX_ANNOTATIONS: usize = 64;
/// Annotations carry descriptions and templated messages, so they may be long.
pub const MAX_ANNOTATION_VALUE_BYTES: usize = 32_768;
/// PagerDuty's limit for `payload.summary`.
pub const MAX_SUMMARY_CHARS: usize = 1_024;
pub const MAX_SOURCE_CHARS: usize = 1_024;
pub const MAX_LINKS: usize = 20;
pub const MAX_URL_BYTES: usize = 2_048;
pub const MAX_LINK_TEXT_CHARS: usize = 256;

/// The limits of one kind of string map (labels or annotations), and the word for an entry.
pub struct MapLimits {
    pub noun: &'static str,
    pub max_entries: usize,
    pub max_name_bytes: usize,
    pub max_value_bytes: usize,
}

pub const LABELS: MapLimits = MapLimits {
    noun: "label",
    max_entries: MAX_LABELS,
    max_name_bytes: MAX_LABEL_NAME_BYTES,
    max_value_bytes: MAX_LABEL_VALUE_BYTES,
};

pub const ANNOTATIONS: MapLimits = MapLimits {
    noun: "annotation",
    max_entries: MAX_ANNOTATIONS,
    max_name_bytes: MAX_LABEL_NAME_BYTES,
    max_value_bytes: MAX_ANNOTATION_VALUE_BYTES,
};

/// Names must be non-empty and printable; values may hold line breaks but never NUL, which
/// PostgreSQL cannot store in text or JSON.
pub fn check_map(
    path: &str,
    map: &BTreeMap<String, String>,
    limits: &MapLimits,
) -> Result<(), AlertError> {
    let noun = limits.noun;
    if map.len() > limits.max_entries {
        return Err(AlertError::new(
            path,
            format!("more than {} {noun}s", limits.max_entries),
        ));
    }
    for (name, value) in map {
        if name.trim().is_empty() {
            return Err(AlertError::new(
                path,
                format!("a {noun} name must not be blank"),
            ));
        }
        if name.len() > limits.max_name_bytes {
            return Err(AlertError::new(
                path,
                format!(
                    "the {noun} name {} is {} bytes long; at most {} are allowed",
                    quote(name),
                    name.len(),
                    limits.max_name_bytes
                ),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(AlertError::new(
                path,
                format!(
                    "the {noun} name {} contains a control character",
                    quote(name)
                ),
            ));
        }
        let at = join(path, &segment(name));
        if value.len() > limits.max_value_bytes {
            return Err(AlertError::new(
                at,
                format!(
                    "is {} bytes long; at most {} are allowed",
                    value.len(),
                    limits.max_value_bytes
                ),
            ));
        }
        if value.contains('\0') {
            return Err(AlertError::new(at, "must not contain NUL"));
        }
    }
    Ok(())
}

/// A free-text field (summary, source): at most `max_chars` characters, no NUL.
pub fn check_text(path: &str, value: &str, max_chars: usize) -> Result<(), AlertError> {
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(AlertError::new(
            path,
            format!("is {chars} characters long; at most {max_chars} are allowed"),
        ));
    }
    if value.contains('\0') {
        return Err(AlertError::new(path, "must not contain NUL"));
    }
    Ok(())
}

/// A link a person will click: http or https only (a `javascript:` link in an incident page
/// would run in the reader's session), bounded, printable.
pub fn check_url(path: &str, href: &str) -> Result<(), AlertError> {
    if href.len() > MAX_URL_BYTES {
        return Err(AlertError::new(
            path,
            format!(
                "is {} bytes long; at most {MAX_URL_BYTES} are allowed",
                href.len()
            ),
        ));
    }
    let lower = href.get(..8).unwrap_or(href).to_ascii_lowercase();
    let web = lower.starts_with("http://") || lower.starts_with("https://");
    if !web || href.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(AlertError::new(
            path,
            format!("{} is not an http or https URL", quote(href)),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn too_many_labels_names_the_path() {
        let many: BTreeMap<String, String> =
            (0..65).map(|i| (format!("l{i}"), "v".to_owned())).collect();
        let err = check_map("alerts[3].labels", &many, &LABELS).unwrap_err();
        assert_eq!(err.to_string(), "alerts[3].labels: more than 64 labels");
    }

    #[test]
    fn long_values_are_refused_without_echoing_them() {
        let huge = "v".repeat(MAX_LABEL_VALUE_BYTES + 1);
        let err = check_map("labels", &map(&[("team", &huge)]), &LABELS).unwrap_err();
        assert_eq!(err.path(), "labels.team");
        assert!(err.to_string().len() < 120, "{err}");
        assert!(check_map("a", &map(&[("d", &huge)]), &ANNOTATIONS).is_ok());
        assert!(check_map("a", &map(&[("", "x")]), &LABELS).is_err());
        assert!(check_map("a", &map(&[("k", "x\0")]), &LABELS).is_err());
        assert!(check_map("a", &map(&[("k\n", "x")]), &LABELS).is_err());
        let long_name = "n".repeat(MAX_LABEL_NAME_BYTES + 1);
        assert!(check_map("a", &map(&[(&long_name, "x")]), &LABELS).is_err());
    }

    #[test]
    fn urls_must_be_web_links() {
        assert!(check_url("l", "https://play.grafana.org/alerting/1afz29v7z/edit").is_ok());
        assert!(check_url("l", "HTTP://example.com").is_ok());
        assert!(check_url("l", "javascript:alert(1)").is_err());
        assert!(check_url("l", "http://a b").is_err());
        assert!(check_url("l", "http").is_err());
        assert!(check_url("l", &format!("https://{}", "a".repeat(MAX_URL_BYTES))).is_err());
    }

    #[test]
    fn text_is_bounded_in_characters() {
        assert!(check_text("s", &"é".repeat(MAX_SUMMARY_CHARS), MAX_SUMMARY_CHARS).is_ok());
        let err = check_text("payload.summary", &"x".repeat(1_025), MAX_SUMMARY_CHARS);
        assert_eq!(
            err.unwrap_err().to_string(),
            "payload.summary: is 1025 characters long; at most 1024 are allowed"
        );
    }
}
