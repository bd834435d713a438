//! Use cases: one function per operation, each asking the policy first and running in one
//! transaction. They take the `Viewer` as an argument, so no path reaches the store without it.

pub mod error;
pub mod incidents;
pub mod timeline;
pub mod users;

pub use error::ServiceError;

use crate::store::Db;

/// What every use case needs: the database. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub users: users::UserDirectory,
}

impl Services {
    pub fn new(db: Db) -> Self {
        Self {
            users: users::UserDirectory::new(db.clone()),
            db,
        }
    }
}
