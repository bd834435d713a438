//! ITIL prioritization: priority is derived from impact and urgency, never typed in.

use super::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    High,
    Medium,
    Low,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "HIGH",
            Self::Medium => "MEDIUM",
            Self::Low => "LOW",
        }
    }

    pub fn parse(field: &'static str, s: &str) -> Result<Self, DomainError> {
        match s {
            "HIGH" => Ok(Self::High),
            "MEDIUM" => Ok(Self::Medium),
            "LOW" => Ok(Self::Low),
            other => Err(DomainError::invalid(
                field,
                format!("unknown level `{other}`"),
            )),
        }
    }

    fn weight(self) -> u8 {
        match self {
            Self::High => 0,
            Self::Medium => 1,
            Self::Low => 2,
        }
    }
}

/// P1 (most urgent) to P5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Priority(u8);

impl Priority {
    /// The usual ITIL matrix: H/H=P1; H/M, M/H=P2; H/L, M/M, L/H=P3; M/L, L/M=P4; L/L=P5.
    /// With High=0, Medium=1, Low=2 that is exactly 1 + impact + urgency.
    pub fn derive(impact: Level, urgency: Level) -> Self {
        Self(1 + impact.weight() + urgency.weight())
    }

    pub fn from_rank(rank: i16) -> Option<Self> {
        (1..=5).contains(&rank).then_some(Self(rank as u8))
    }

    pub fn rank(self) -> i16 {
        i16::from(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Level::*;
    use super::*;

    #[test]
    fn matrix_matches_itil() {
        let cases = [
            (High, High, 1),
            (High, Medium, 2),
            (Medium, High, 2),
            (High, Low, 3),
            (Medium, Medium, 3),
            (Low, High, 3),
            (Medium, Low, 4),
            (Low, Medium, 4),
            (Low, Low, 5),
        ];
        for (impact, urgency, p) in cases {
            assert_eq!(
                Priority::derive(impact, urgency).rank(),
                p,
                "{impact:?}/{urgency:?}"
            );
        }
    }

    #[test]
    fn ranks_outside_one_to_five_are_not_priorities() {
        assert!(Priority::from_rank(0).is_none());
        assert!(Priority::from_rank(6).is_none());
        assert_eq!(Priority::from_rank(5).map(Priority::rank), Some(5));
    }
}
