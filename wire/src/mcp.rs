//! An agent's MCP servers as the REST API and the agent page show them:
//! each server a gateway (`bosun mcp proxy`) registered for it, the
//! `tools/list` the gateway had filtered, and where each tool stands.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
use crate::vocabulary::{McpToolStatus, Transport};

/// A registered server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct McpServer {
    pub id: String,
    pub agent_id: String,
    pub name: String,
    pub transport: Transport,
    /// The command line (secret-looking arguments blotted out) or the URL.
    pub origin: String,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// A tool of a server's `tools/list`, and whether the client may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListedTool {
    /// The tool as the server names it.
    pub name: String,
    /// The catalog tool its calls are judged as; null when its name makes
    /// none (`unnamed`).
    pub tool: Option<String>,
    pub status: McpToolStatus,
    pub shown: bool,
}

/// One of the agent's servers with its tools.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentMcpServer {
    pub name: String,
    pub transport: Transport,
    /// The command line (secret-looking arguments blotted out) or the URL.
    pub origin: String,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub tools: Vec<AgentMcpTool>,
}

/// A tool of one of the agent's servers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentMcpTool {
    /// As the server names it.
    pub name: String,
    /// The catalog tool rules name.
    pub tool: String,
    pub status: McpToolStatus,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
}
