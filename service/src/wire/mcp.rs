use bosun_wire::mcp::{AgentMcpServer, AgentMcpTool, ListedTool, McpServer};

use crate::integrations::mcp;

impl From<mcp::McpServer> for McpServer {
    fn from(server: mcp::McpServer) -> Self {
        Self {
            id: server.id,
            agent_id: server.agent_id.to_string(),
            name: server.name.to_string(),
            transport: server.transport,
            origin: server.origin,
            first_seen_at: server.first_seen_at.into(),
            last_seen_at: server.last_seen_at.into(),
        }
    }
}

impl From<mcp::ListedTool> for ListedTool {
    fn from(listed: mcp::ListedTool) -> Self {
        Self {
            name: listed.name,
            tool: listed.tool,
            status: listed.status,
            shown: listed.shown,
        }
    }
}

impl From<mcp::McpServerView> for AgentMcpServer {
    fn from(server: mcp::McpServerView) -> Self {
        Self {
            name: server.name,
            transport: server.transport,
            origin: server.origin,
            first_seen_at: server.first_seen_at.into(),
            last_seen_at: server.last_seen_at.into(),
            tools: server
                .tools
                .into_iter()
                .map(|tool| AgentMcpTool {
                    name: tool.name,
                    tool: tool.tool,
                    status: tool.status,
                    first_seen_at: tool.first_seen_at.into(),
                    last_seen_at: tool.last_seen_at.into(),
                })
                .collect(),
        }
    }
}
