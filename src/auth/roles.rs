//! Organisation roles, as carried in the JWT. Unknown role names grant nothing.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrgRole {
    Admin,
    Manager,
    Specialist,
    Communicator,
    Viewer,
}

impl OrgRole {
    pub const ALL: [OrgRole; 5] = [
        Self::Admin,
        Self::Manager,
        Self::Specialist,
        Self::Communicator,
        Self::Viewer,
    ];

    /// The claim value, lower-case as identity providers usually write it.
    pub fn as_claim(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::Specialist => "specialist",
            Self::Communicator => "communicator",
            Self::Viewer => "viewer",
        }
    }

    pub fn from_claim(value: &str) -> Option<Self> {
        let value = value.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.as_claim().eq_ignore_ascii_case(value))
    }
}
