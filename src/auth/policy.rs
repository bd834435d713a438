//! The permission policy: the one place that decides who may do what. Every use case calls
//! `authorize` before touching the store.
//!
//! Rights come from two places: the organisation role in the caller's token, and the roles the
//! caller holds on the incident in question (which grant rights on that incident only).

use super::{OrgRole, Viewer};
use crate::domain::ids::UserId;
use crate::domain::team::{Audience, IncidentRole};

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
    /// Assign or relieve incident roles.
    AssignRole,
    /// Add a working note to the responders' log.
    AddNote,
    /// Annotate timeline events (for the post-incident review).
    AnnotateTimeline,
    /// Post a status update for an audience.
    PostUpdate,
    /// Watch or unwatch an incident (stakeholders).
    WatchIncident,
    /// Register, list, disable and delete outbound webhooks.
    ManageWebhooks,
    /// Create, change and delete SLA policies.
    ManageSlaPolicies,
    /// Read SLA policies and the breaches recorded against them.
    ReadSlaPolicies,
    /// Create, change, disable and delete automation (escalation) rules.
    ManageAutomation,
    /// Read automation rules, their firings, and what they would do now (preview).
    ReadAutomation,
    /// Create, change, switch, delete alert integrations and rotate their keys.
    ManageIntegrations,
    /// List alert integrations (never their keys).
    ReadIntegrations,
    /// Report problems, move them through their lifecycle, link incidents to them.
    ManageProblems,
    /// Record a problem's root cause and workaround (a known error).
    RecordKnownError,
    /// See problem candidates (groups of alike resolved incidents without a problem).
    ReadProblemCandidates,
    /// Start a post-incident review of a resolved or closed incident.
    StartReview,
    /// Edit a review's sections, owner and participants; submit and publish it.
    EditReview,
    /// Add an action item to a review.
    AddActionItem,
    /// Change an action item (its status, reason, owner, due date, problem).
    UpdateActionItem,
    /// Edit an incident's title, description, service, impact start, labels, public title.
    EditIncident,
    /// Link an incident to a related one, or remove the link.
    LinkIncidents,
}

/// How the caller stands to a review and an action item: rights the organisation and incident
/// roles do not give. Only for someone the organisation knows at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewRelation {
    /// The caller owns the review.
    pub owns_review: bool,
    /// The caller is one of the review's participants.
    pub participant: bool,
    /// The caller owns the action item in question.
    pub owns_item: bool,
}

/// What the policy may need to know about the incident an operation targets.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub reporter_id: &'a UserId,
    /// The roles the caller holds on this incident right now.
    pub roles: &'a [IncidentRole],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("your roles do not allow this operation")]
pub struct Denied;

use IncidentRole::Specialist as IncSpecialist;
use IncidentRole::{Communicator as IncCommunicator, IncidentManager, Scribe};
use OrgRole::*;

/// Any known organisation role may read and report; a token with no known role may not.
const EVERYONE: &[OrgRole] = &[Admin, Manager, Specialist, Communicator, Viewer];
const RESPONDERS: &[OrgRole] = &[Admin, Manager, Specialist];
const LEADS: &[OrgRole] = &[Admin, Manager];
/// Organisation roles that see what is meant for the responders (INTERNAL).
const INSIDERS: &[OrgRole] = &[Admin, Manager, Specialist, Communicator];

pub fn authorize(
    viewer: &Viewer,
    op: Operation,
    subject: Option<Subject<'_>>,
) -> Result<(), Denied> {
    // Incident roles count only for someone the organisation knows at all.
    let holds = |wanted: &[IncidentRole]| {
        viewer.has_any(EVERYONE)
            && subject.is_some_and(|s| s.roles.iter().any(|r| wanted.contains(r)))
    };
    let allowed = match op {
        Operation::ReadIncidents
        | Operation::ReportIncident
        | Operation::ViewKnowledgeStats
        | Operation::WatchIncident => viewer.has_any(EVERYONE),
        Operation::RateSuggestion => {
            viewer.has_any(RESPONDERS) || holds(&[IncidentManager, IncSpecialist])
        }
        Operation::TriageIncident => viewer.has_any(RESPONDERS) || holds(&[IncidentManager]),
        Operation::StartInvestigation
        | Operation::MitigateIncident
        | Operation::ResolveIncident => {
            viewer.has_any(RESPONDERS) || holds(&[IncidentManager, IncSpecialist])
        }
        Operation::CancelIncident | Operation::ReopenIncident | Operation::AssignRole => {
            viewer.has_any(LEADS) || holds(&[IncidentManager])
        }
        // Closure is the reporter confirming that the fix held.
        Operation::CloseIncident => {
            viewer.has_any(LEADS)
                || holds(&[IncidentManager])
                || subject
                    .is_some_and(|s| *s.reporter_id == viewer.user_id && viewer.has_any(EVERYONE))
        }
        Operation::AddNote => {
            viewer.has_any(RESPONDERS) || holds(&[IncidentManager, IncSpecialist, Scribe])
        }
        Operation::AnnotateTimeline => viewer.has_any(LEADS) || holds(&[IncidentManager, Scribe]),
        Operation::PostUpdate => {
            viewer.has_any(&[Admin, Manager, Communicator])
                || holds(&[IncidentManager, IncCommunicator])
        }
        Operation::ManageWebhooks | Operation::ManageSlaPolicies | Operation::ManageAutomation => {
            viewer.has(Admin)
        }
        Operation::ReadSlaPolicies | Operation::ReadAutomation => viewer.has_any(LEADS),
        Operation::ManageIntegrations => viewer.has(Admin),
        Operation::ReadIntegrations => viewer.has_any(LEADS),
        Operation::ManageProblems => viewer.has_any(LEADS),
        Operation::RecordKnownError => viewer.has_any(RESPONDERS),
        // Candidates lead to problems: those who open problems see them.
        Operation::ReadProblemCandidates => viewer.has_any(LEADS),
        // Responders correct what they work on; the reporter corrects their own report.
        Operation::EditIncident => {
            viewer.has_any(RESPONDERS)
                || holds(&[IncidentManager, IncSpecialist])
                || subject
                    .is_some_and(|s| *s.reporter_id == viewer.user_id && viewer.has_any(EVERYONE))
        }
        Operation::LinkIncidents => {
            viewer.has_any(RESPONDERS) || holds(&[IncidentManager, IncSpecialist])
        }
        Operation::StartReview
        | Operation::EditReview
        | Operation::AddActionItem
        | Operation::UpdateActionItem => viewer.has_any(LEADS) || holds(&[IncidentManager]),
    };
    if allowed { Ok(()) } else { Err(Denied) }
}

/// `authorize` for the review operations, with what the caller's place on the review adds:
/// its owner edits it; its participants add action items; an item's owner changes that item.
pub fn authorize_on_review(
    viewer: &Viewer,
    op: Operation,
    subject: Option<Subject<'_>>,
    relation: ReviewRelation,
) -> Result<(), Denied> {
    if authorize(viewer, op, subject).is_ok() {
        return Ok(());
    }
    let known = viewer.has_any(EVERYONE);
    let r = relation;
    let allowed = known
        && match op {
            Operation::EditReview => r.owns_review,
            Operation::AddActionItem => r.owns_review || r.participant,
            Operation::UpdateActionItem => r.owns_review || r.owns_item,
            _ => false,
        };
    if allowed { Ok(()) } else { Err(Denied) }
}

/// Whether the caller may see something meant for `audience` on an incident where they hold
/// `roles`. Everything is for the responders; the wider audiences also reach stakeholders.
pub fn may_see(viewer: &Viewer, audience: Option<Audience>, roles: &[IncidentRole]) -> bool {
    if !viewer.has_any(EVERYONE) {
        return false;
    }
    match audience {
        None | Some(Audience::Stakeholders) | Some(Audience::Public) => true,
        Some(Audience::Internal) => sees_internal(viewer) || !roles.is_empty(),
    }
}

/// Whether the caller sees INTERNAL things on every incident, whatever roles they hold there.
pub fn sees_internal(viewer: &Viewer) -> bool {
    viewer.has_any(INSIDERS)
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

    /// The columns of the tables below: admin, manager, specialist, communicator, viewer, no role.
    fn org_columns() -> [&'static [OrgRole]; 6] {
        [
            &[Admin],
            &[Manager],
            &[Specialist],
            &[Communicator],
            &[OrgRole::Viewer],
            &[],
        ]
    }

    /// Operation × organisation role, for a caller who holds no role on the incident and did
    /// not report it. The README documents the same table.
    #[test]
    fn operation_by_org_role_table() {
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
            (AssignRole, [true, true, false, false, false, false]),
            (AddNote, [true, true, true, false, false, false]),
            (AnnotateTimeline, [true, true, false, false, false, false]),
            (PostUpdate, [true, true, false, true, false, false]),
            (WatchIncident, [true, true, true, true, true, false]),
            (ManageWebhooks, [true, false, false, false, false, false]),
            (ManageSlaPolicies, [true, false, false, false, false, false]),
            (ReadSlaPolicies, [true, true, false, false, false, false]),
            (ManageAutomation, [true, false, false, false, false, false]),
            (ReadAutomation, [true, true, false, false, false, false]),
            (
                ManageIntegrations,
                [true, false, false, false, false, false],
            ),
            (ReadIntegrations, [true, true, false, false, false, false]),
            (ManageProblems, [true, true, false, false, false, false]),
            (RecordKnownError, [true, true, true, false, false, false]),
            (
                ReadProblemCandidates,
                [true, true, false, false, false, false],
            ),
            (StartReview, [true, true, false, false, false, false]),
            (EditReview, [true, true, false, false, false, false]),
            (AddActionItem, [true, true, false, false, false, false]),
            (UpdateActionItem, [true, true, false, false, false, false]),
            (EditIncident, [true, true, true, false, false, false]),
            (LinkIncidents, [true, true, true, false, false, false]),
        ];
        let someone_elses = Subject {
            reporter_id: &UserId::from("u-2"),
            roles: &[],
        };
        for (op, expected) in table {
            for (roles, allowed) in org_columns().iter().zip(expected) {
                assert_eq!(
                    authorize(&viewer(roles), *op, Some(someone_elses)).is_ok(),
                    *allowed,
                    "{op:?} as {roles:?}"
                );
            }
        }
    }

    /// Operation × incident role, for an organisation `viewer` (who on their own may only read,
    /// report and watch): what each role on the incident adds.
    /// Columns: incident manager, specialist, communicator, scribe.
    #[test]
    fn operation_by_incident_role_table() {
        use Operation::*;
        let table: &[(Operation, [bool; 4])] = &[
            (TriageIncident, [true, false, false, false]),
            (StartInvestigation, [true, true, false, false]),
            (MitigateIncident, [true, true, false, false]),
            (ResolveIncident, [true, true, false, false]),
            (CancelIncident, [true, false, false, false]),
            (ReopenIncident, [true, false, false, false]),
            (CloseIncident, [true, false, false, false]),
            (RateSuggestion, [true, true, false, false]),
            (AssignRole, [true, false, false, false]),
            (AddNote, [true, true, false, true]),
            (AnnotateTimeline, [true, false, false, true]),
            (PostUpdate, [true, false, true, false]),
            (ManageWebhooks, [false, false, false, false]),
            (ManageSlaPolicies, [false, false, false, false]),
            (ReadSlaPolicies, [false, false, false, false]),
            (ManageAutomation, [false, false, false, false]),
            (ReadAutomation, [false, false, false, false]),
            (ManageIntegrations, [false, false, false, false]),
            (ReadIntegrations, [false, false, false, false]),
            (ManageProblems, [false, false, false, false]),
            (RecordKnownError, [false, false, false, false]),
            (ReadProblemCandidates, [false, false, false, false]),
            (StartReview, [true, false, false, false]),
            (EditReview, [true, false, false, false]),
            (AddActionItem, [true, false, false, false]),
            (UpdateActionItem, [true, false, false, false]),
            (EditIncident, [true, true, false, false]),
            (LinkIncidents, [true, true, false, false]),
        ];
        let stakeholder = viewer(&[OrgRole::Viewer]);
        for (op, expected) in table {
            for (role, allowed) in IncidentRole::ALL.iter().zip(expected) {
                let subject = Subject {
                    reporter_id: &UserId::from("u-2"),
                    roles: std::slice::from_ref(role),
                };
                assert_eq!(
                    authorize(&stakeholder, *op, Some(subject)).is_ok(),
                    *allowed,
                    "{op:?} as viewer holding {role:?}"
                );
            }
        }
    }

    /// The full cross product: an incident role never takes a right away, and the rights of
    /// organisation role + incident role are exactly the union of the two tables above.
    #[test]
    fn incident_roles_add_to_org_roles() {
        use Operation::*;
        let ops = [
            TriageIncident,
            StartInvestigation,
            MitigateIncident,
            ResolveIncident,
            CancelIncident,
            ReopenIncident,
            CloseIncident,
            RateSuggestion,
            AssignRole,
            AddNote,
            AnnotateTimeline,
            PostUpdate,
            ManageWebhooks,
            ManageSlaPolicies,
            ReadSlaPolicies,
            ManageAutomation,
            ReadAutomation,
            StartReview,
            EditReview,
            AddActionItem,
            UpdateActionItem,
            EditIncident,
            LinkIncidents,
        ];
        fn bare<'a>(roles: &'a [IncidentRole], reporter_id: &'a UserId) -> Subject<'a> {
            Subject { reporter_id, roles }
        }
        let other = UserId::from("u-2");
        for org in org_columns() {
            for role in IncidentRole::ALL {
                for op in ops {
                    let alone = authorize(&viewer(org), op, Some(bare(&[], &other))).is_ok();
                    let by_role = !org.is_empty()
                        && authorize(&viewer(&[OrgRole::Viewer]), op, Some(bare(&[role], &other)))
                            .is_ok();
                    let both = authorize(&viewer(org), op, Some(bare(&[role], &other))).is_ok();
                    assert_eq!(both, alone || by_role, "{op:?} as {org:?} holding {role:?}");
                }
            }
        }
    }

    #[test]
    fn the_reporter_may_close_their_own_incident() {
        let own = Subject {
            reporter_id: &UserId::from("u-1"),
            roles: &[],
        };
        for role in OrgRole::ALL {
            assert!(
                authorize(&viewer(&[role]), Operation::CloseIncident, Some(own)).is_ok(),
                "{role:?}"
            );
        }
        // ...but a token without any known role grants nothing, not even that.
        assert!(authorize(&viewer(&[]), Operation::CloseIncident, Some(own)).is_err());
    }

    #[test]
    fn the_reporter_may_edit_their_own_report_but_not_link_it() {
        let own = Subject {
            reporter_id: &UserId::from("u-1"),
            roles: &[],
        };
        for role in OrgRole::ALL {
            let v = viewer(&[role]);
            assert!(
                authorize(&v, Operation::EditIncident, Some(own)).is_ok(),
                "{role:?}"
            );
            assert_eq!(
                authorize(&v, Operation::LinkIncidents, Some(own)).is_ok(),
                RESPONDERS.contains(&role),
                "{role:?}"
            );
        }
        assert!(authorize(&viewer(&[]), Operation::EditIncident, Some(own)).is_err());
    }

    /// Review operation × the caller's place on the review, for an organisation `viewer`
    /// holding no incident role (so only the place counts), and for a token with no known
    /// role (which the place does not rescue). Columns: owns the review, participant, owns
    /// the item, none of these.
    #[test]
    fn review_operation_by_place_on_the_review_table() {
        use Operation::*;
        let places = [
            ReviewRelation {
                owns_review: true,
                ..Default::default()
            },
            ReviewRelation {
                participant: true,
                ..Default::default()
            },
            ReviewRelation {
                owns_item: true,
                ..Default::default()
            },
            ReviewRelation::default(),
        ];
        let table: &[(Operation, [bool; 4])] = &[
            (StartReview, [false, false, false, false]),
            (EditReview, [true, false, false, false]),
            (AddActionItem, [true, true, false, false]),
            (UpdateActionItem, [true, false, true, false]),
            (ManageProblems, [false, false, false, false]),
        ];
        let other = UserId::from("u-2");
        let subject = Subject {
            reporter_id: &other,
            roles: &[],
        };
        for (op, expected) in table {
            for (place, allowed) in places.iter().zip(expected) {
                let stakeholder = viewer(&[OrgRole::Viewer]);
                assert_eq!(
                    authorize_on_review(&stakeholder, *op, Some(subject), *place).is_ok(),
                    *allowed,
                    "{op:?} as viewer with {place:?}"
                );
                assert!(
                    authorize_on_review(&viewer(&[]), *op, Some(subject), *place).is_err(),
                    "{op:?} without a role, with {place:?}"
                );
                assert!(
                    authorize_on_review(&viewer(&[Manager]), *op, Some(subject), *place).is_ok(),
                    "a manager may {op:?} whatever their place"
                );
            }
        }
    }

    #[test]
    fn internal_things_reach_responders_and_role_holders_only() {
        use Audience::*;
        for org in OrgRole::ALL {
            let v = viewer(&[org]);
            assert!(may_see(&v, Some(Public), &[]));
            assert!(may_see(&v, Some(Stakeholders), &[]));
            assert!(may_see(&v, None, &[]));
            assert_eq!(
                may_see(&v, Some(Internal), &[]),
                org != OrgRole::Viewer,
                "{org:?}"
            );
            assert!(may_see(&v, Some(Internal), &[IncidentRole::Scribe]));
        }
        let nobody = viewer(&[]);
        assert!(!may_see(&nobody, Some(Public), &[IncidentRole::Scribe]));
    }
}
