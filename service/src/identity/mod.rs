//! Who is asking: users, their roles, how they prove it (password, session,
//! personal access token), and the [`Principal`] every use case receives.

mod login;
mod members;
mod password_changes;
pub mod passwords;
mod tokens;

use crate::ids::{AgentId, UserId, WorkspaceId};
use crate::{Error, Result};

pub use members::{Member, MemberSummary, NewUser};
pub use password_changes::{
    CreatedPasswordLink, PASSWORD_LINK_LIFETIME, PasswordLinkTarget, generate_password,
};
pub use tokens::{CreatedToken, MAX_TOKEN_LIFETIME, NewToken, TokenInfo};

pub use bosun_wire::vocabulary::Role;

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
    /// Set when the user came with an agent token: the one agent whose
    /// interactive runs the token is limited to (see
    /// [`crate::Bosun::authenticate_agent_token`]). Sessions and personal
    /// access tokens have none.
    pub agent_scope: Option<AgentScope>,
}

/// The agent an agent token is limited to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentScope {
    pub id: AgentId,
    /// Its name when the token was presented, for telling the caller.
    pub name: String,
}

impl AgentScope {
    fn refusal(&self) -> Error {
        Error::TokenScope {
            agent: format!("“{}” ({})", self.name, self.id),
        }
    }
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Refuses an agent token: it opens an agent's interactive runs and
    /// nothing else.
    pub fn require_unscoped(&self) -> Result<()> {
        match &self.agent_scope {
            None => Ok(()),
            Some(scope) => Err(scope.refusal()),
        }
    }

    /// Refuses an agent token limited to another agent than `agent`.
    pub fn require_scope_allows(&self, agent: &AgentId) -> Result<()> {
        match &self.agent_scope {
            Some(scope) if scope.id != *agent => Err(scope.refusal()),
            _ => Ok(()),
        }
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
