//! Who is calling, and what they may do: JWT verification into a `Viewer`, and the one
//! permission policy every use case asks.

pub mod policy;
pub mod roles;
pub mod secret;
pub mod token;
pub mod viewer;

pub use policy::{Denied, Operation, authorize};
pub use roles::OrgRole;
pub use secret::Secret;
pub use token::{AuthError, TokenIssuer, TokenVerifier};
pub use viewer::Viewer;
