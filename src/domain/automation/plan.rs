//! What an action would do to an incident, in words, or why it cannot: shared by the
//! preview (which changes nothing) and the firing (which records it beside the result).

use super::raised;
use super::rule::Action;
use crate::domain::incident::Incident;
use crate::domain::priority::Level;

/// One action planned against one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub action: &'static str,
    pub detail: String,
    /// Why it cannot be done now, if it cannot.
    pub problem: Option<String>,
}

/// Plans `action` on `incident` for the rule called `rule`.
pub fn plan(action: &Action, incident: &Incident, rule: &str) -> Planned {
    let (detail, problem) = match action {
        Action::AssignRole { user, role } => (
            format!("assign {} to {user}", role.as_str()),
            incident
                .is_final()
                .then(|| format!("the incident is {}", incident.status.as_str())),
        ),
        Action::RaiseUrgency => raise("urgency", incident.urgency, incident),
        Action::RaiseImpact => raise("impact", incident.impact, incident),
        Action::PostUpdate { template } => (
            format!(
                "post an INTERNAL update: {}",
                template.render(incident, rule)
            ),
            None,
        ),
        Action::AddWatchers { users } => (
            format!(
                "add watchers {}",
                users
                    .iter()
                    .map(|u| u.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None,
        ),
        Action::Page { address, template } => {
            let message = template.as_ref().map(|t| t.render(incident, rule));
            (
                match message {
                    Some(m) => format!("page {address}: {m}"),
                    None => format!("page {address}"),
                },
                None,
            )
        }
    };
    Planned {
        action: action.kind(),
        detail,
        problem,
    }
}

fn raise(what: &str, level: Option<Level>, incident: &Incident) -> (String, Option<String>) {
    match level.map(|l| (l, raised(l))) {
        _ if !incident.is_open() => (
            format!("raise {what}"),
            Some(format!("the incident is {}", incident.status.as_str())),
        ),
        None => (
            format!("raise {what}"),
            Some("the incident is not triaged yet".to_owned()),
        ),
        Some((l, None)) => (
            format!("raise {what}"),
            Some(format!("{what} is already {}", l.as_str())),
        ),
        Some((l, Some(up))) => (
            format!("raise {what} {} → {}", l.as_str(), up.as_str()),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::reported_for_tests;

    #[test]
    fn raising_needs_a_triaged_incident_below_high() {
        let mut incident = reported_for_tests("checkout");
        let untriaged = plan(&Action::RaiseUrgency, &incident, "r");
        assert_eq!(
            untriaged.problem.as_deref(),
            Some("the incident is not triaged yet")
        );
        incident.urgency = Some(Level::Medium);
        let step = plan(&Action::RaiseUrgency, &incident, "r");
        assert_eq!(step.detail, "raise urgency MEDIUM → HIGH");
        assert_eq!(step.problem, None);
        incident.urgency = Some(Level::High);
        let top = plan(&Action::RaiseUrgency, &incident, "r");
        assert_eq!(top.problem.as_deref(), Some("urgency is already HIGH"));
    }
}
