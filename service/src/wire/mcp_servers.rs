use bosun_wire::mcp_servers::{AgentRemoteServer, RemoteServer, RemoteServerAuth};

use super::agent_ref;
use crate::integrations::remote_mcp;

impl From<remote_mcp::AuthInfo> for RemoteServerAuth {
    fn from(auth: remote_mcp::AuthInfo) -> Self {
        Self {
            kind: auth.kind,
            header: auth.header,
            provider: auth.provider,
        }
    }
}

impl From<remote_mcp::RemoteServerInfo> for RemoteServer {
    fn from(server: remote_mcp::RemoteServerInfo) -> Self {
        Self {
            name: server.name,
            description: server.description,
            url: server.url,
            auth: server.auth.into(),
            timeout_seconds: server.timeout_seconds,
            agents: server
                .agents
                .into_iter()
                .map(|agent| agent_ref(&agent.id, agent.name))
                .collect(),
            created_at: server.created_at.into(),
            updated_at: server.updated_at.into(),
        }
    }
}

impl From<remote_mcp::AgentRemoteServer> for AgentRemoteServer {
    fn from(server: remote_mcp::AgentRemoteServer) -> Self {
        Self {
            name: server.name,
            description: server.description,
            auth: server.auth.into(),
            path: server.path,
        }
    }
}
