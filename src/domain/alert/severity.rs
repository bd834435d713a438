//! An alert's severity, read from the many spellings monitoring tools use, and the map from
//! severity to the incident's impact and urgency (and so its priority, `priority.rs`).

use super::error::{AlertError, quote};
use crate::domain::priority::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Critical,
    Error,
    Warning,
    Info,
}

/// Spellings accepted by `Severity::parse`, compared without case. Where two conventions
/// disagree, the wider one wins: Zabbix puts `disaster` above `high`, so `high` is an error,
/// not critical; a scale of `p1`..`p5` maps its two lowest steps to info.
const SPELLINGS: &[(&str, Severity)] = &[
    ("critical", Severity::Critical),
    ("crit", Severity::Critical),
    ("fatal", Severity::Critical),
    ("emergency", Severity::Critical),
    ("emerg", Severity::Critical),
    ("disaster", Severity::Critical),
    ("page", Severity::Critical),
    ("p1", Severity::Critical),
    ("sev1", Severity::Critical),
    ("error", Severity::Error),
    ("err", Severity::Error),
    ("high", Severity::Error),
    ("major", Severity::Error),
    ("p2", Severity::Error),
    ("sev2", Severity::Error),
    ("warning", Severity::Warning),
    ("warn", Severity::Warning),
    ("medium", Severity::Warning),
    ("average", Severity::Warning),
    ("minor", Severity::Warning),
    ("p3", Severity::Warning),
    ("sev3", Severity::Warning),
    ("info", Severity::Info),
    ("information", Severity::Info),
    ("informational", Severity::Info),
    ("notice", Severity::Info),
    ("low", Severity::Info),
    ("none", Severity::Info),
    ("p4", Severity::Info),
    ("p5", Severity::Info),
    ("sev4", Severity::Info),
    ("sev5", Severity::Info),
];

impl Severity {
    pub const ALL: [Self; 4] = [Self::Critical, Self::Error, Self::Warning, Self::Info];

    /// What an alert without a severity we can read is treated as: worth a look, not a page.
    pub const DEFAULT: Self = Self::Warning;

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "CRITICAL",
            Self::Error => "ERROR",
            Self::Warning => "WARNING",
            Self::Info => "INFO",
        }
    }

    /// PagerDuty's spelling (`critical`, `error`, `warning`, `info`).
    pub fn as_lowercase(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }

    /// Any spelling in `SPELLINGS`, without case or surrounding blanks; `None` otherwise.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        SPELLINGS
            .iter()
            .find(|(spelling, _)| spelling.eq_ignore_ascii_case(s))
            .map(|&(_, severity)| severity)
    }

    /// Only the four names themselves, without case: what Events v2 and admin input accept.
    pub fn parse_exact(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// Severity to (impact, urgency). Every severity has an entry, so a lookup cannot fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeverityMap {
    /// Indexed in the order of `Severity::ALL`.
    levels: [(Level, Level); 4],
}

impl Default for SeverityMap {
    /// critical HIGH/HIGH (P1), error HIGH/MEDIUM (P2), warning MEDIUM/MEDIUM (P3),
    /// info LOW/LOW (P5).
    fn default() -> Self {
        Self {
            levels: [
                (Level::High, Level::High),
                (Level::High, Level::Medium),
                (Level::Medium, Level::Medium),
                (Level::Low, Level::Low),
            ],
        }
    }
}

/// One row of an administrator's severity map, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityMapping {
    pub severity: String,
    pub impact: String,
    pub urgency: String,
}

impl SeverityMap {
    /// (impact, urgency) for `severity`.
    pub fn levels(&self, severity: Severity) -> (Level, Level) {
        self.levels[Self::slot(severity)]
    }

    /// The default map with the administrator's rows laid over it. `field` names the input
    /// (`severityMap`), so an error reads `severityMap[2].impact: unknown level `HUGE``.
    pub fn from_mappings(field: &str, rows: &[SeverityMapping]) -> Result<Self, AlertError> {
        let mut map = Self::default();
        let mut seen = [false; 4];
        for (i, row) in rows.iter().enumerate() {
            let at = |part: &str| format!("{field}[{i}].{part}");
            let severity = Severity::parse_exact(&row.severity).ok_or_else(|| {
                AlertError::new(
                    at("severity"),
                    format!(
                        "unknown severity {}; expected CRITICAL, ERROR, WARNING or INFO",
                        quote(&row.severity)
                    ),
                )
            })?;
            let slot = Self::slot(severity);
            if std::mem::replace(&mut seen[slot], true) {
                return Err(AlertError::new(
                    at("severity"),
                    format!("{} is mapped twice", severity.as_str()),
                ));
            }
            let level = |part: &str, raw: &str| {
                Level::parse("level", &raw.trim().to_ascii_uppercase()).map_err(|_| {
                    AlertError::new(
                        at(part),
                        format!("unknown level {}; expected HIGH, MEDIUM or LOW", quote(raw)),
                    )
                })
            };
            map.levels[slot] = (
                level("impact", &row.impact)?,
                level("urgency", &row.urgency)?,
            );
        }
        Ok(map)
    }

    fn slot(severity: Severity) -> usize {
        match severity {
            Severity::Critical => 0,
            Severity::Error => 1,
            Severity::Warning => 2,
            Severity::Info => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::priority::Priority;

    #[test]
    fn common_spellings_without_case() {
        assert_eq!(Severity::parse("CRITICAL"), Some(Severity::Critical));
        assert_eq!(Severity::parse(" Crit "), Some(Severity::Critical));
        assert_eq!(Severity::parse("P1"), Some(Severity::Critical));
        assert_eq!(Severity::parse("high"), Some(Severity::Error));
        assert_eq!(Severity::parse("warn"), Some(Severity::Warning));
        assert_eq!(Severity::parse("Informational"), Some(Severity::Info));
        assert_eq!(Severity::parse("page-me-now"), None);
        assert_eq!(Severity::parse(""), None);
        assert_eq!(Severity::parse_exact("crit"), None);
        assert_eq!(Severity::parse_exact("error"), Some(Severity::Error));
    }

    #[test]
    fn every_spelling_is_lowercase_and_unique() {
        for (i, (s, _)) in SPELLINGS.iter().enumerate() {
            assert_eq!(*s, s.to_ascii_lowercase());
            assert!(SPELLINGS[i + 1..].iter().all(|(t, _)| t != s), "{s}");
        }
        for sev in Severity::ALL {
            assert_eq!(Severity::parse(sev.as_lowercase()), Some(sev));
        }
    }

    #[test]
    fn default_map_gives_p1_p2_p3_p5() {
        let map = SeverityMap::default();
        let ranks: Vec<i16> = Severity::ALL
            .into_iter()
            .map(|s| {
                let (impact, urgency) = map.levels(s);
                Priority::derive(impact, urgency).rank()
            })
            .collect();
        assert_eq!(ranks, [1, 2, 3, 5]);
    }

    fn row(severity: &str, impact: &str, urgency: &str) -> SeverityMapping {
        SeverityMapping {
            severity: severity.into(),
            impact: impact.into(),
            urgency: urgency.into(),
        }
    }

    #[test]
    fn admin_rows_override_the_defaults() {
        let map =
            SeverityMap::from_mappings("severityMap", &[row("info", "low", "MEDIUM")]).unwrap();
        assert_eq!(map.levels(Severity::Info), (Level::Low, Level::Medium));
        assert_eq!(map.levels(Severity::Critical), (Level::High, Level::High));
    }

    #[test]
    fn admin_errors_name_the_entry() {
        let rows = [row("ERROR", "HIGH", "HIGH"), row("WARNING", "HUGE", "LOW")];
        let err = SeverityMap::from_mappings("severityMap", &rows).unwrap_err();
        assert_eq!(err.path(), "severityMap[1].impact");
        assert!(err.message().contains("`HUGE`"), "{err}");

        let twice = [row("info", "LOW", "LOW"), row("INFO", "LOW", "LOW")];
        let err = SeverityMap::from_mappings("severityMap", &twice).unwrap_err();
        assert_eq!(
            err.to_string(),
            "severityMap[1].severity: INFO is mapped twice"
        );

        let err = SeverityMap::from_mappings("m", &[row("sev9", "LOW", "LOW")]).unwrap_err();
        assert_eq!(err.path(), "m[0].severity");
    }
}
