//! Who is calling, and what they may do: JWT verification into a `Viewer`, and the one
//! permission policy every use case asks.

pub mod jwks;
pub mod keys;
pub mod policy;
pub mod role_claims;
pub mod roles;
pub mod token;
pub mod verify_key;
pub mod viewer;

pub use crate::domain::secret::Secret;
pub use policy::{Denied, Operation, authorize};
pub use roles::OrgRole;
pub use token::{AuthError, TokenIssuer, TokenVerifier};
pub use viewer::Viewer;
