//! Credentials to a caller, for every transport: the `Authorization` value (the HTTP header,
//! or the websocket's `connection_init` payload) is verified, the user is remembered (so roles
//! can be assigned to them), and a failure to remember is logged here, once.

use std::time::SystemTime;

use super::AppState;
use crate::auth::{AuthError, Viewer};

/// A verified caller, and until when their token is valid (a connection ends there).
pub struct Identified {
    pub viewer: Viewer,
    pub valid_until: SystemTime,
}

pub enum Unidentified {
    /// No token, or one that is not valid: the client's to fix.
    Unauthenticated(AuthError),
    /// The token is good but the user could not be recorded (logged already).
    Internal,
}

pub async fn identify(
    state: &AppState,
    authorization: Option<&str>,
    request_id: &str,
) -> Result<Identified, Unidentified> {
    let (viewer, valid_until) = state
        .verifier
        .verify_header_until(authorization)
        .await
        .map_err(Unidentified::Unauthenticated)?;
    if let Err(e) = state.services.users.remember(&viewer).await {
        tracing::error!(request.id = %request_id, error = %e, "could not record the user");
        return Err(Unidentified::Internal);
    }
    Ok(Identified {
        viewer,
        valid_until,
    })
}
