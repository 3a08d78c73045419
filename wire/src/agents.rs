//! Agents as the REST API and the pages show them: an agent's definition,
//! what the asking person may do with it, and an agent as other resources
//! name it.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
use crate::vocabulary::{AccessLevel, AccessSource, CredentialModel, ExecutionMode};

/// An agent's definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Its system prompt.
    pub instructions: String,
    /// The catalog tools it may call.
    #[cfg_attr(feature = "openapi", schema(example = json!(["system_shell", "read_file"])))]
    pub tools: Vec<String>,
    pub execution_mode: ExecutionMode,
    pub credential_model: CredentialModel,
    /// Free-form settings for its worker: always a JSON object.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: serde_json::Value,
    /// How long this agent's approval requests wait before they expire (a
    /// denial); null: the workspace's. Never longer than the workspace's.
    pub approval_ttl_seconds: Option<i64>,
    pub owner_id: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Agent {
    /// The settings as the definition shows and its form edits them:
    /// pretty-printed JSON.
    pub fn settings_text(&self) -> String {
        serde_json::to_string_pretty(&self.settings).unwrap_or_default()
    }
}

/// What the asking person may do with an agent, and why. Worked out by
/// the server for every request; a page only shows or hides its controls
/// by it, the server checks again whatever is asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentAccess {
    /// The level that counts: the owner's and admins' `edit`, or the
    /// higher of one's own grant and the workspace's; none without either.
    pub level: Option<AccessLevel>,
    /// Where that level comes from.
    pub source: Option<AccessSource>,
    pub can_clone: bool,
    pub can_edit: bool,
    pub can_manage_sharing: bool,
    /// Create, see and revoke its runtime keys.
    pub can_manage_keys: bool,
    pub can_delete: bool,
}

/// An agent by id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentRef {
    pub id: String,
    pub name: String,
}
