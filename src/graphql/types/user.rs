//! People in the schema: `User` (anyone hindsight has seen) and `Viewer` (the caller).

use async_graphql::{ID, Object};

use super::enums::Role;
use crate::auth::Viewer;
use crate::domain::user::User;

pub struct UserObject(pub User);

/// A person, as their identity provider names them.
#[Object(name = "User")]
impl UserObject {
    /// The token's subject; what other operations take as `userId`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Display name, from the identity provider's token.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Email address; null if the token carried none.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
}

pub struct ViewerObject(pub Viewer);

/// The caller, with the organisation roles their token grants.
#[Object(name = "Viewer")]
impl ViewerObject {
    /// The token's subject; what other operations take as `userId`.
    async fn id(&self) -> ID {
        ID(self.0.user_id.to_string())
    }

    /// Display name, from the token.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Email address; null if the token carried none.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Known organisation roles only; unknown role names in the token are ignored.
    async fn roles(&self) -> Vec<Role> {
        self.0.roles.iter().map(|r| Role::from(*r)).collect()
    }
}
