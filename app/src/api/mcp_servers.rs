//! Remote MCP servers: registered by admins (Settings → Integrations),
//! attached to an agent by its editors, listed on the agent's page with the
//! address MCP clients use. A header secret goes one way: no server
//! function ever sends it back.

pub use bosun_wire::mcp_servers::{AgentRemoteServer, RemoteServer};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What an admin fills in to register a server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteServerFields {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub url: String,
    /// `none`, `header` or `oauth`.
    pub auth_kind: String,
    #[serde(default)]
    pub header: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub timeout_seconds: String,
}

/// The workspace's registered servers (any member; more for admins).
#[server(prefix = "/fn", endpoint = "mcp_servers/list")]
pub async fn list_remote_servers() -> Result<Vec<RemoteServer>, AppError> {
    use super::ssr::{bosun, principal};

    let servers = bosun()?
        .list_remote_mcp_servers(&principal().await?)
        .await?;
    Ok(servers.into_iter().map(RemoteServer::from).collect())
}

/// Registers a server (admins).
#[server(prefix = "/fn", endpoint = "mcp_servers/register")]
pub async fn register_remote_server(fields: RemoteServerFields) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::Error;
    use bosun_service::integrations::remote_mcp::{RemoteServerDraft, UpstreamAuth};

    let auth = match fields.auth_kind.as_str() {
        "none" => UpstreamAuth::None,
        "header" => UpstreamAuth::Header {
            name: fields.header,
            value: fields.value.into(),
        },
        "oauth" => UpstreamAuth::OAuth {
            provider: fields.provider,
        },
        _ => {
            return Err(Error::invalid("auth.kind", "must be one of: none, header, oauth").into());
        }
    };
    let timeout_seconds =
        match fields.timeout_seconds.trim() {
            "" => None,
            text => Some(text.parse().map_err(|_| {
                Error::invalid("timeout_seconds", "must be a whole number of seconds")
            })?),
        };
    let draft = RemoteServerDraft {
        name: fields.name,
        description: Some(fields.description),
        url: fields.url,
        auth,
        timeout_seconds,
    };
    bosun()?
        .create_remote_mcp_server(&principal().await?, draft)
        .await?;
    Ok(())
}

/// Removes a server from the workspace and every agent (admins).
#[server(prefix = "/fn", endpoint = "mcp_servers/delete")]
pub async fn delete_remote_server(name: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};

    bosun()?
        .delete_remote_mcp_server(&principal().await?, &name)
        .await?;
    Ok(())
}

/// The servers an agent may use (anyone who may see it).
#[server(prefix = "/fn", endpoint = "mcp_servers/for_agent")]
pub async fn agent_remote_servers(agent_id: String) -> Result<Vec<AgentRemoteServer>, AppError> {
    use super::ssr::{bosun, principal};

    let agent = bosun_service::ids::AgentId::parse(&agent_id)?;
    let servers = bosun()?
        .agent_remote_mcp_servers(&principal().await?, &agent)
        .await?;
    Ok(servers.into_iter().map(AgentRemoteServer::from).collect())
}

/// Lets an agent use a registered server (its editors).
#[server(prefix = "/fn", endpoint = "mcp_servers/attach")]
pub async fn attach_remote_server(agent_id: String, name: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};

    let agent = bosun_service::ids::AgentId::parse(&agent_id)?;
    bosun()?
        .attach_remote_mcp_server(&principal().await?, &agent, &name)
        .await?;
    Ok(())
}

/// Stops an agent from using a server (its editors).
#[server(prefix = "/fn", endpoint = "mcp_servers/detach")]
pub async fn detach_remote_server(agent_id: String, name: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};

    let agent = bosun_service::ids::AgentId::parse(&agent_id)?;
    bosun()?
        .detach_remote_mcp_server(&principal().await?, &agent, &name)
        .await?;
    Ok(())
}
