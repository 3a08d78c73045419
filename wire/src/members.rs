//! The signed-in user as they see themselves, members as others find them
//! (to share an agent with, say), and what an admin gets when managing a
//! member's password: the one-time set-password link, shown once, as the
//! REST API and the pages answer them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
use crate::vocabulary::Role;

/// The signed-in user: whom a session or a personal access token belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub workspace_id: String,
}

impl Me {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// A member as others find them: by name and address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberSummary {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// A set-password link, shown this once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordLink {
    /// The page the member opens; the token is in its fragment. Absolute
    /// under `BOSUN_PUBLIC_URL`, otherwise a path on this site.
    pub url: String,
    pub expires_at: Timestamp,
}

impl fmt::Debug for PasswordLink {
    /// Without the URL, whose fragment sets the member's password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordLink")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}
