//! Agents as the store keeps them and the pages show them, and the grants
//! that share them.

use bosun_policy::ExecutionMode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::ids::{AgentId, GrantId, UserId};
use crate::model::access::{AccessLevel, AgentAccess};
pub use bosun_wire::vocabulary::{AgentListView, CredentialModel};

/// An agent's definition, in the REST contract's shape.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Agent {
    pub id: AgentId,
    pub name: String,
    pub description: String,
    pub instructions: String,
    pub tools: Vec<String>,
    pub execution_mode: ExecutionMode,
    pub credential_model: CredentialModel,
    pub settings: Value,
    /// How long this agent's approval requests wait before they expire;
    /// none: the workspace's. Never longer than the workspace's.
    pub approval_ttl_seconds: Option<i64>,
    pub owner_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An agent together with what the asking principal may do with it.
#[derive(Clone, Debug)]
pub struct AgentView {
    pub agent: Agent,
    pub access: AgentAccess,
    pub owner_name: String,
}

/// A grant, in the REST contract's shape.
#[derive(Clone, Debug, Serialize)]
pub struct Grant {
    pub id: GrantId,
    pub user_id: Option<UserId>,
    pub workspace: bool,
    pub level: AccessLevel,
    pub created_at: DateTime<Utc>,
}
