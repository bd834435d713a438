//! The authenticated caller, as the verified token describes them.

use super::OrgRole;
use crate::domain::ids::UserId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The token's `sub`: the id other operations take as `userId`.
    pub user_id: UserId,
    pub name: String,
    pub email: Option<String>,
    /// Known organisation roles only; unknown claim values are dropped.
    pub roles: Vec<OrgRole>,
}

impl Viewer {
    pub fn has(&self, role: OrgRole) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any(&self, roles: &[OrgRole]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }
}
