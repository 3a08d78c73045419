//! Who acts: a signed-in principal, the members of a workspace, and the
//! personal access tokens people hold.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{AgentId, TokenId, UserId, WorkspaceId};
use crate::{Error, Result};
pub use bosun_wire::vocabulary::Role;

/// A member as admins see them.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub deactivated_at: Option<DateTime<Utc>>,
}

/// A member as others see them when sharing: no role or status.
#[derive(Clone, Debug, Serialize)]
pub struct MemberSummary {
    pub id: UserId,
    pub name: String,
    pub email: String,
}

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

/// A token as listed: never its value.
#[derive(Clone, Debug, Serialize)]
pub struct TokenInfo {
    pub id: TokenId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// For an agent token, the agent whose interactive runs it is limited
    /// to, and its name.
    pub agent_id: Option<AgentId>,
    pub agent_name: Option<String>,
    /// When it stops working; none for never.
    pub expires_at: Option<DateTime<Utc>>,
}
