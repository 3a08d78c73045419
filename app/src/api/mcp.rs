//! An agent's MCP servers, as the agent page lists them: each server a
//! gateway registered for it, and where each of its tools stands.

pub use bosun_wire::mcp::AgentMcpServer;
use leptos::prelude::*;

use crate::error::AppError;

/// The agent's MCP servers, most recently seen first, for anyone who may
/// see the agent.
#[server(prefix = "/fn", endpoint = "mcp/servers")]
pub async fn mcp_servers(agent_id: String) -> Result<Vec<AgentMcpServer>, AppError> {
    use super::ssr::{bosun, principal};

    let agent = bosun_service::ids::AgentId::parse(&agent_id)?;
    let servers = bosun()?.mcp_servers(&principal().await?, &agent).await?;
    Ok(servers.into_iter().map(AgentMcpServer::from).collect())
}
