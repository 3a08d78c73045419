//! An agent's MCP servers, as the agent page lists them: each server a
//! gateway registered for it, and where each of its tools stands.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::dates::{Precision, absolute};
use crate::error::AppError;

/// One of the agent's MCP servers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpServerView {
    pub name: String,
    /// `stdio` or `http`.
    pub transport: String,
    /// The command line (secret-looking arguments blotted out) or the URL.
    pub origin: String,
    pub last_seen: String,
    pub tools: Vec<McpToolView>,
}

/// One tool of a server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpToolView {
    /// As the server names it.
    pub name: String,
    /// The catalog tool rules name.
    pub tool: String,
    /// `added`, `discovered` (not one of the agent's tools) or `denied`.
    pub status: String,
}

/// The agent's MCP servers, most recently seen first, for anyone who may
/// see the agent.
#[server(prefix = "/fn", endpoint = "mcp/servers")]
pub async fn mcp_servers(agent_id: String) -> Result<Vec<McpServerView>, AppError> {
    use super::ssr::{bosun, principal};

    let agent = bosun_service::ids::AgentId::parse(&agent_id)?;
    let servers = bosun()?.mcp_servers(&principal().await?, &agent).await?;
    Ok(servers
        .into_iter()
        .map(|server| McpServerView {
            name: server.name,
            transport: server.transport.as_str().into(),
            origin: server.origin,
            last_seen: absolute(server.last_seen_at, Precision::Minute),
            tools: server
                .tools
                .into_iter()
                .map(|tool| McpToolView {
                    name: tool.name,
                    tool: tool.tool,
                    status: tool.status.as_str().into(),
                })
                .collect(),
        })
        .collect())
}
