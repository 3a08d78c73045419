//! Who is asking: users, their roles, how they prove it (password, session,
//! personal access token), and the [`Principal`] every use case receives.

mod login;
mod members;
mod password_changes;
mod passwords;
mod tokens;
pub(crate) use tokens::{note_use, random_secret};

use serde::{Deserialize, Serialize};

use crate::ids::{UserId, WorkspaceId};
use crate::{Error, Result};

pub use members::{Member, MemberSummary, NewUser};
pub use password_changes::{
    CreatedPasswordLink, PASSWORD_LINK_LIFETIME, PasswordLinkTarget, generate_password,
};
pub use tokens::{CreatedToken, TokenInfo};

/// A user's role in their workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    pub fn parse(field: &'static str, value: &str) -> Result<Self> {
        crate::validate::one_of(field, value, &["admin", "member"])
    }
}

/// The address a request came from, as the HTTP layer worked it out: the
/// TCP peer, or the client a trusted reverse proxy forwarded for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);

/// An authenticated, active user acting in their workspace.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: UserId,
    pub workspace_id: WorkspaceId,
    pub email: String,
    pub name: String,
    pub role: Role,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Refuses anyone but a workspace admin.
    pub fn require_admin(&self) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::forbidden("only workspace admins may do this"))
        }
    }
}

/// The columns a [`Principal`] is built from.
#[derive(sqlx::FromRow)]
struct PrincipalRow {
    id: String,
    workspace_id: String,
    email: String,
    name: String,
    role: String,
}

impl TryFrom<PrincipalRow> for Principal {
    type Error = Error;

    fn try_from(row: PrincipalRow) -> Result<Self> {
        Ok(Self {
            user_id: UserId::from_string(row.id),
            workspace_id: WorkspaceId::from_string(row.workspace_id),
            role: Role::parse("role", &row.role)?,
            email: row.email,
            name: row.name,
        })
    }
}

const PRINCIPAL_COLUMNS: &str = "users.id, users.workspace_id, users.email, users.name, users.role";
