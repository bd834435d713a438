//! An alert's incident title and description, derived from what the sender wrote. The title
//! is always one that `Title::parse` accepts; the description one `Description::parse` accepts.

use super::Alert;
use crate::domain::text::{Description, Title};

/// Labels with a field of their own, so a title built from labels leaves them out.
const TITLE_SKIPS: &[&str] = &["alertname", "service", "severity", "category"];

/// Annotations the description places itself; the others follow as `key: value` lines.
const DESCRIPTION_PLACES: &[&str] = &["summary", "title", "description", "message", "runbook_url"];

impl Alert {
    /// The first of: the summary (Events v2 `payload.summary`, the generic `title`), the
    /// `summary` or `title` annotation, `alertname` with the service and the other labels
    /// (`HighLatency on api (instance=10.0.0.1:9090, job=api)`, labels in name order), and
    /// `Alert <dedup key>`; on one line, cut to `Title::MAX_CHARS` characters.
    pub fn title(&self) -> String {
        let annotation = |name: &str| self.annotations().get(name).map(String::as_str);
        [
            self.summary().map(str::to_owned),
            annotation("summary").map(str::to_owned),
            annotation("title").map(str::to_owned),
            self.title_from_labels(),
        ]
        .into_iter()
        .flatten()
        .map(|candidate| one_line(&candidate, Title::MAX_CHARS))
        .find(|candidate| Title::parse(candidate).is_ok())
        .unwrap_or_else(|| one_line(&format!("Alert {}", self.dedup_key()), Title::MAX_CHARS))
    }

    fn title_from_labels(&self) -> Option<String> {
        let labels = self.labels();
        let rest: Vec<String> = labels
            .iter()
            .filter(|(k, _)| !TITLE_SKIPS.contains(&k.as_str()))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let name = labels
            .get("alertname")
            .map(|n| n.trim())
            .filter(|n| !n.is_empty());
        if name.is_none() && rest.is_empty() {
            return None;
        }
        let mut title = name.unwrap_or("Alert").to_owned();
        if let Some(service) = self.service() {
            title.push_str(" on ");
            title.push_str(service);
        }
        if !rest.is_empty() {
            title.push_str(&format!(" ({})", rest.join(", ")));
        }
        Some(title)
    }

    /// The `description` and `message` annotations, the runbook, the other annotations as
    /// `key: value` lines (in name order), the labels, the source and the links; cut to
    /// `Description::MAX_CHARS` characters. May be empty. The labels are written out so the
    /// knowledge base indexes them: a later alert with the same `alertname` finds this one.
    pub fn description(&self) -> String {
        let annotations = self.annotations();
        let mut sections: Vec<String> = Vec::new();
        for name in ["description", "message"] {
            let text = annotations.get(name).map(|t| t.trim()).unwrap_or_default();
            if !text.is_empty() && !sections.iter().any(|s| s == text) {
                sections.push(text.to_owned());
            }
        }
        if let Some(runbook) = annotations
            .get("runbook_url")
            .filter(|t| !t.trim().is_empty())
        {
            sections.push(format!("Runbook: {}", runbook.trim()));
        }
        let others: Vec<String> = annotations
            .iter()
            .filter(|(k, v)| !DESCRIPTION_PLACES.contains(&k.as_str()) && !v.trim().is_empty())
            .map(|(k, v)| format!("{k}: {}", v.trim()))
            .collect();
        if !others.is_empty() {
            sections.push(others.join("\n"));
        }
        if !self.labels().is_empty() {
            let pairs: Vec<String> = self
                .labels()
                .iter()
                .map(|(k, v)| format!("{k}={}", v.trim()))
                .collect();
            sections.push(format!("Labels: {}", pairs.join(", ")));
        }
        if let Some(source) = self.source() {
            sections.push(format!("Source: {source}"));
        }
        if !self.links().is_empty() {
            let lines: Vec<String> = self
                .links()
                .iter()
                .map(|link| match &link.text {
                    Some(text) if !text.trim().is_empty() => {
                        format!("- {}: {}", text.trim(), link.href)
                    }
                    _ => format!("- {}", link.href),
                })
                .collect();
            sections.push(format!("Links:\n{}", lines.join("\n")));
        }
        multi_line(&sections.join("\n\n"), Description::MAX_CHARS)
    }
}

/// Control characters and runs of blanks become one space; then cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let joined = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    cut(&joined, max)
}

/// Control characters other than line breaks and tabs become spaces; then cut to `max`.
fn multi_line(text: &str, max: usize) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    cut(cleaned.trim(), max)
}

/// At most `max` characters; a cut text ends with `…` so a reader knows there was more.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_marks_what_it_dropped() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
        assert_eq!(cut("ab   cd", 4), "ab…");
        assert_eq!(one_line("a\n\tb\u{0}  c", 10), "a b c");
        assert_eq!(multi_line("a\nb\u{7}c", 10), "a\nb c");
    }
}
