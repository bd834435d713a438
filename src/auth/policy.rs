//! The permission policy: the one place that decides who may do what. Every use case calls
//! `authorize` before touching the store.

use super::{OrgRole, Viewer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    ReadIncidents,
    ReportIncident,
    TriageIncident,
    StartInvestigation,
    MitigateIncident,
    ResolveIncident,
    CancelIncident,
    ReopenIncident,
    CloseIncident,
    /// Mark a suggested past incident as helpful or not.
    RateSuggestion,
    /// How often suggestions were shown, rated helpful, and what they did to resolution times.
    ViewKnowledgeStats,
}

/// What the policy may need to know about the incident an operation targets.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub reporter_id: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("your roles do not allow this operation")]
pub struct Denied;

use OrgRole::*;

/// Any known organisation role may read and report; a token with no known role may not.
const EVERYONE: &[OrgRole] = &[Admin, Manager, Specialist, Communicator, Viewer];
const RESPONDERS: &[OrgRole] = &[Admin, Manager, Specialist];
const LEADS: &[OrgRole] = &[Admin, Manager];

pub fn authorize(
    viewer: &Viewer,
    op: Operation,
    subject: Option<Subject<'_>>,
) -> Result<(), Denied> {
    let allowed = match op {
        Operation::ReadIncidents | Operation::ReportIncident | Operation::ViewKnowledgeStats => {
            viewer.has_any(EVERYONE)
        }
        Operation::RateSuggestion => viewer.has_any(RESPONDERS),
        Operation::TriageIncident
        | Operation::StartInvestigation
        | Operation::MitigateIncident
        | Operation::ResolveIncident => viewer.has_any(RESPONDERS),
        Operation::CancelIncident | Operation::ReopenIncident => viewer.has_any(LEADS),
        // Closure is the reporter confirming that the fix held.
        Operation::CloseIncident => {
            viewer.has_any(LEADS)
                || subject
                    .is_some_and(|s| s.reporter_id == viewer.user_id && viewer.has_any(EVERYONE))
        }
    };
    if allowed { Ok(()) } else { Err(Denied) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(roles: &[OrgRole]) -> Viewer {
        Viewer {
            user_id: "u-1".into(),
            name: "Ada".into(),
            email: None,
            roles: roles.to_vec(),
        }
    }

    /// The whole table: operation × role, as the README documents it.
    /// Columns: admin, manager, specialist, communicator, viewer, no role.
    #[test]
    fn operation_by_role_table() {
        use Operation::*;
        let table: &[(Operation, [bool; 6])] = &[
            (ReadIncidents, [true, true, true, true, true, false]),
            (ReportIncident, [true, true, true, true, true, false]),
            (TriageIncident, [true, true, true, false, false, false]),
            (StartInvestigation, [true, true, true, false, false, false]),
            (MitigateIncident, [true, true, true, false, false, false]),
            (ResolveIncident, [true, true, true, false, false, false]),
            (CancelIncident, [true, true, false, false, false, false]),
            (ReopenIncident, [true, true, false, false, false, false]),
            (CloseIncident, [true, true, false, false, false, false]),
            (RateSuggestion, [true, true, true, false, false, false]),
            (ViewKnowledgeStats, [true, true, true, true, true, false]),
        ];
        let columns: [&[OrgRole]; 6] = [
            &[Admin],
            &[Manager],
            &[Specialist],
            &[Communicator],
            &[OrgRole::Viewer],
            &[],
        ];
        let someone_elses = Subject { reporter_id: "u-2" };
        for (op, expected) in table {
            for (roles, allowed) in columns.iter().zip(expected) {
                assert_eq!(
                    authorize(&viewer(roles), *op, Some(someone_elses)).is_ok(),
                    *allowed,
                    "{op:?} as {roles:?}"
                );
            }
        }
    }

    #[test]
    fn the_reporter_may_close_their_own_incident() {
        let own = Subject { reporter_id: "u-1" };
        for role in OrgRole::ALL {
            assert!(
                authorize(&viewer(&[role]), Operation::CloseIncident, Some(own)).is_ok(),
                "{role:?}"
            );
        }
        // ...but a token without any known role grants nothing, not even that.
        assert!(authorize(&viewer(&[]), Operation::CloseIncident, Some(own)).is_err());
    }
}
