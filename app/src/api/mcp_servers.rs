//! Remote MCP servers: registered by admins (Settings → Integrations),
//! attached to an agent by its editors, listed on the agent's page with the
//! address MCP clients use. A header secret goes one way: no server
//! function ever sends it back.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A registered server as a page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteServerView {
    pub name: String,
    pub description: String,
    /// In full for admins; scheme, host and port for anyone else.
    pub url: String,
    /// How Bosun authenticates to it, in words (`header X-Api-Key`).
    pub auth: String,
    pub timeout_seconds: u64,
    /// The names of the agents using it (admins only).
    pub agents: Vec<String>,
}

/// A server an agent may use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentServerView {
    pub name: String,
    pub description: String,
    pub auth: String,
    /// `/mcp/{agent}/{name}` on this site.
    pub path: String,
}

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

#[cfg(feature = "ssr")]
fn auth_words(auth: &bosun_service::integrations::remote_mcp::AuthInfo) -> String {
    match (auth.kind.as_str(), &auth.header, &auth.provider) {
        ("header", Some(header), _) => format!("secret in the {header} header"),
        ("oauth", _, Some(provider)) => format!("each person's {provider} account"),
        ("oauth", _, None) => "an OAuth provider that was removed".into(),
        _ => "none".into(),
    }
}

/// The workspace's registered servers (any member; more for admins).
#[server(prefix = "/fn", endpoint = "mcp_servers/list")]
pub async fn list_remote_servers() -> Result<Vec<RemoteServerView>, AppError> {
    use super::ssr::{bosun, principal};

    let servers = bosun()?
        .list_remote_mcp_servers(&principal().await?)
        .await?;
    Ok(servers
        .into_iter()
        .map(|server| RemoteServerView {
            auth: auth_words(&server.auth),
            name: server.name,
            description: server.description,
            url: server.url,
            timeout_seconds: server.timeout_seconds,
            agents: server.agents.into_iter().map(|agent| agent.name).collect(),
        })
        .collect())
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
pub async fn agent_remote_servers(agent_id: String) -> Result<Vec<AgentServerView>, AppError> {
    use super::ssr::{bosun, principal};

    let agent = bosun_service::ids::AgentId::parse(&agent_id)?;
    let servers = bosun()?
        .agent_remote_mcp_servers(&principal().await?, &agent)
        .await?;
    Ok(servers
        .into_iter()
        .map(|server| AgentServerView {
            auth: auth_words(&server.auth),
            name: server.name,
            description: server.description,
            path: server.path,
        })
        .collect())
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
