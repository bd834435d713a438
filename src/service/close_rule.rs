//! The rule `reviews.required_for` sets on closing: an incident of a listed priority closes
//! only once its review is PUBLISHED. Apart from `reviews`, so the incident use cases can ask
//! it without the reviews module and the incidents module importing each other.

use super::ServiceError;
use crate::domain::incident::Incident;
use crate::domain::review::lifecycle::ReviewStatus;
use crate::store::reviews as rows;

/// Closing an incident that `reviews.required_for` names needs its PUBLISHED review. Called
/// in the closing transaction, after the close was found legal and allowed.
pub(super) async fn check(
    conn: &impl sea_orm::ConnectionTrait,
    policy: &crate::domain::review::ReviewPolicy,
    incident: &Incident,
) -> Result<(), ServiceError> {
    if !policy.requires_review(incident.priority) {
        return Ok(());
    }
    let priority = incident
        .priority
        .map_or_else(String::new, |p| format!("P{}", p.rank()));
    match rows::of_incident(conn, incident.id).await? {
        Some(review) if review.status == ReviewStatus::Published => Ok(()),
        Some(review) => Err(ServiceError::BadInput(format!(
            "id: closing a {priority} incident needs a PUBLISHED review; the review of {} is {} (publish it with publishReview first)",
            incident.number,
            review.status.as_str()
        ))),
        None => Err(ServiceError::BadInput(format!(
            "id: closing a {priority} incident needs a PUBLISHED review; {} has no review (start one with startReview)",
            incident.number
        ))),
    }
}
