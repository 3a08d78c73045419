//! The administrative events' payloads: what a change to agents, sharing,
//! credentials, rules, the tool catalog, MCP servers, members, passwords,
//! webhooks, settings and OAuth records (see the "Administrative events"
//! section of `docs/events.md`).
//!
//! The rules of [`super`] hold here too: each type encodes exactly the
//! JSON its writers have always stored (the hash chain covers it), a field
//! an older version did not write is skipped when absent, and none of them
//! has a place for a secret, a password or a link's token. A field a
//! payload needs and the stored data lacks makes the event read as
//! [`Payload::Other`](super::Payload::Other), the raw JSON.
//!
//! Several kinds share a shape (`grant.created` and `grant.changed`, say):
//! such a type implements [`EventData`](super::EventData) for each of its
//! kinds, and its writer names the kind.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::present;
use crate::vocabulary::{
    AccessLevel, Action, ArgKind, CredentialModel, ExecutionMode, Layer, RiskLevel, Role,
    ToolCategory, Transport,
};

/// A field's value before and after a change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change<T> {
    pub from: T,
    pub to: T,
}

impl<T: PartialEq> Change<T> {
    /// The change from `from` to `to`, if they differ.
    pub fn between(from: T, to: T) -> Option<Self> {
        (from != to).then_some(Self { from, to })
    }
}

/// A long field that changed, recorded without its old or new value:
/// `{"changed": true}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Changed {
    pub changed: bool,
}

impl Changed {
    /// That `from` and `to` differ, if they do.
    pub fn between<T: PartialEq + ?Sized>(from: &T, to: &T) -> Option<Self> {
        (from != to).then_some(Self { changed: true })
    }
}

/// `agent.created`: someone made an agent (the event's agent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentCreated {
    pub name: String,
    pub execution_mode: ExecutionMode,
    pub credential_model: CredentialModel,
    /// The catalog tools it was given.
    pub tools: Vec<String>,
}

/// `agent.updated` and `agent.ownership_transferred` (an update that gave
/// the agent another owner): what changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentChanged {
    pub changes: AgentChanges,
    /// `mcp_discovery` when an MCP server's listing added first-seen tools
    /// to the agent's tools for an editor; absent for an editor's change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// The fields of an agent that changed, each only when it did. Long texts
/// are recorded as [`Changed`], not copied.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Change<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Change<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Change<Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_mode: Option<Change<ExecutionMode>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_model: Option<Change<CredentialModel>>,
    /// The agent's own approval expiry; null when it follows the
    /// workspace's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_ttl_seconds: Option<Change<Option<i64>>>,
    /// The owner's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Change<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<Changed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Changed>,
}

impl AgentChanges {
    /// Whether nothing changed (then no event is written).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `agent.deleted`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentDeleted {
    pub name: String,
}

/// `agent.cloned`: the event's agent is the copy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentCloned {
    pub source_agent_id: String,
    /// The copy's name.
    pub name: String,
    /// How many of the source's own rules were copied (absent in events
    /// of versions that did not copy rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules_copied: Option<u64>,
}

/// `grant.created` and `grant.changed`: a person, or the whole workspace,
/// was given a level of access to the event's agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrantSaved {
    pub grant_id: String,
    /// The person; null for the workspace's grant.
    pub user_id: Option<String>,
    /// Whether it is the workspace's grant.
    pub workspace: bool,
    pub level: AccessLevel,
    /// The level it replaced (`grant.changed`); null for a new grant.
    pub previous_level: Option<AccessLevel>,
}

/// `grant.revoked`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrantRevoked {
    pub grant_id: String,
    /// The person; null for the workspace's grant.
    pub user_id: Option<String>,
    pub workspace: bool,
    /// The level it gave.
    pub level: AccessLevel,
}

/// `credential.written`: a version of the agent's named secret was stored
/// (never its value).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialWritten {
    pub name: String,
    pub version: i64,
    pub service_account: String,
}

/// `credential.deleted`: every version of the agent's named secret went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialDeleted {
    pub name: String,
}

/// A rule as it read when it was added, changed or deleted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleSnapshot {
    pub id: String,
    pub layer: Layer,
    /// 1-based, in evaluation order within its list.
    pub position: i64,
    /// A tool name, or `*` for every tool.
    pub tool: String,
    pub action: Action,
    pub pattern: Option<String>,
    pub note: String,
}

/// `rule.created` and `rule.deleted`: the rule as added, or as it was
/// before it went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleEntry {
    pub rule: RuleSnapshot,
    /// The list's layer; the event's agent is the list's for `agent`.
    pub layer: Layer,
}

/// `rule.updated`: a rule's tool, action, pattern or note changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleUpdated {
    pub before: RuleSnapshot,
    pub after: RuleSnapshot,
    pub layer: Layer,
}

/// `rule.reordered`: a list's rule ids in their old and new order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleReordered {
    pub before: Vec<String>,
    pub after: Vec<String>,
    pub layer: Layer,
}

/// `tool.created`: an admin added a custom tool to the catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolCreated {
    /// The tool's name.
    pub tool: String,
    pub argument_kind: ArgKind,
    pub default_risk: RiskLevel,
    pub category: ToolCategory,
    /// The JSON Schema object inputs must satisfy, or null; absent in
    /// events of versions without object inputs.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub input_schema: Option<Option<Value>>,
    /// The JSON pointer of the field rules match, or null; absent as
    /// `input_schema` is.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub subject: Option<Option<String>>,
}

/// `tool.discovered`: an MCP server listed a tool the catalog lacked; the
/// actor is whoever's gateway listed it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolDiscovered {
    /// The catalog name it was added under.
    pub tool: String,
    pub server: String,
    /// The tool as the server names it.
    pub server_tool: String,
    /// The annotations the server claimed (an object), or null.
    pub annotations: Option<Value>,
}

/// `mcp_server.registered`: an agent's client named a server of its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct McpServerRegistered {
    pub server: String,
    pub transport: Transport,
    /// A command line with secret-looking arguments blotted out, or a URL.
    pub origin: String,
}

/// `runtime_key.created` (never the key).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuntimeKeyCreated {
    pub key_id: String,
    pub name: String,
}

/// `runtime_key.revoked`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuntimeKeyRevoked {
    pub key_id: String,
}

/// `remote_mcp_server.registered`: an admin registered a server agents
/// reach through Bosun (never its header secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RemoteMcpServerRegistered {
    pub name: String,
    /// Scheme, host and port only.
    pub url: String,
    /// `none`, `header` or `oauth`.
    pub auth: String,
    /// The header a secret is sent in, for `header`.
    pub header: Option<String>,
    /// The OAuth provider, for `oauth`.
    pub provider: Option<String>,
    pub timeout_seconds: i64,
}

/// `remote_mcp_server.updated`: the server's name and each field given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RemoteMcpServerUpdated {
    pub name: String,
    /// True when a description was given (the text is not copied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<bool>,
    /// The new URL's scheme, host and port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<RemoteMcpAuthChange>,
}

/// How a remote MCP server's requests authenticate after a change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RemoteMcpAuthChange {
    /// `none`, `header` or `oauth`.
    pub kind: String,
    pub header: Option<String>,
    pub provider: Option<String>,
    /// Whether a new header secret was stored (never the secret).
    pub secret_changed: bool,
}

/// `remote_mcp_server.deleted`: the server and the agents that had it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RemoteMcpServerDeleted {
    pub name: String,
    /// Agent ids.
    pub agents: Vec<String>,
}

/// `agent.mcp_server_attached` and `agent.mcp_server_detached`: the
/// registered server the event's agent may (no longer) use.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct McpServerAttachment {
    pub server: String,
}

/// A person's account, as the member and password events name it:
/// `member.deactivated`, `member.reactivated`, `user.password_changed`,
/// `member.password_reset`, `user.password_set_with_link` and
/// `user.password_reset_by_operator` (never a password).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub user_id: String,
    pub email: String,
}

/// `member.added`: an admin added a member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberAdded {
    pub user_id: String,
    pub email: String,
    pub role: Role,
}

/// `member.role_changed`: only when the role did change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberRoleChanged {
    pub user_id: String,
    pub email: String,
    pub from: Role,
    pub to: Role,
}

/// `member.password_link_created`: an admin made a one-time link for a
/// member to set their password (never the link).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PasswordLinkCreated {
    pub user_id: String,
    pub email: String,
    /// When the link stops working: RFC 3339 in UTC, `Z`, with as many
    /// fractional digits as the instant needs (chrono's encoding).
    pub expires_at: String,
}

/// `webhook.created` (never its secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookCreated {
    pub webhook_id: String,
    /// As listed: scheme, host and port only.
    pub url: String,
    /// `generic` or `slack`.
    pub kind: String,
    /// The event names it is sent.
    pub events: Vec<String>,
}

/// `webhook.deleted`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookDeleted {
    pub webhook_id: String,
    pub url: String,
}

/// `workspace.settings_changed`: each field that changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceSettingsChanged {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_execution_mode: Option<Change<ExecutionMode>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_ttl_seconds: Option<Change<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_approval: Option<Change<bool>>,
}

/// `oauth_provider.created` and `oauth_provider.updated`: the provider's
/// settings after the change (never the client secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OAuthProviderSaved {
    pub name: String,
    pub issuer: Option<String>,
    pub authorize_url: String,
    pub token_url: String,
    pub revocation_url: Option<String>,
    pub client_id: String,
    /// Space-separated.
    pub scopes: String,
    /// Whether people may sign in with it.
    pub login_enabled: bool,
    /// Whether signing in with it creates unknown people as members.
    pub login_creates_users: bool,
    /// Whether a new client secret was stored (`oauth_provider.updated`
    /// only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_changed: Option<bool>,
}

/// `oauth_provider.deleted`: with every connection to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OAuthProviderDeleted {
    pub name: String,
    /// How many connections it had (absent in events of versions that did
    /// not revoke them at the provider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<u64>,
    /// How many of those the provider confirmed revoked (absent as
    /// `connections` is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at_provider: Option<u64>,
}

/// `agent.connection_need_changed`: the account the event's agent needs
/// from whoever runs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentConnectionNeedChanged {
    pub provider: String,
    /// Space-separated; null when the need was dropped.
    pub scopes: Option<String>,
}

/// `connection.connected`: the actor connected their account (never a
/// token).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionConnected {
    pub provider: String,
    pub connection: String,
    /// As granted, space-separated.
    pub scopes: String,
}

/// `connection.disconnected`: the actor forgot their connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionDisconnected {
    pub provider: String,
    pub connection: String,
    /// Whether the provider confirmed revoking its tokens.
    pub revoked_at_provider: bool,
}

/// `connection.reconnect_needed`: a refresh failed for good; no actor, the
/// event's `on_behalf_of` is the person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionReconnectNeeded {
    pub provider: String,
    pub connection: String,
    /// The provider's word for it, e.g. `invalid_grant`.
    pub reason: String,
}
