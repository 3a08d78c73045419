//! Remote MCP servers: upstream servers reachable over Streamable HTTP,
//! which an admin registers with how Bosun authenticates to them, and which
//! an agent's editor lets the agent use. Bosun serves each at
//! `/mcp/{agent}/{name}` (see [`gateway`]) and injects the upstream
//! credential itself, so the MCP client never holds it.
//!
//! Who does what, and why:
//! - admins register, change and remove servers (`POST/GET/PATCH/DELETE
//!   /api/v1/mcp-servers…`): a server carries a credential of the
//!   organization's (a stored header secret) or reaches each person's own
//!   account (an OAuth provider), as OAuth providers and webhooks do;
//! - an agent's editors attach a registered server to the agent (`PUT
//!   /api/v1/agents/{id}/mcp-servers/{name}`), as they declare the accounts
//!   it needs: which upstreams an agent reaches is part of what the agent
//!   is, and a server registered for one team's agent should not widen
//!   every other agent's reach (an agent in `open` mode would call it at
//!   once). Attaching records the server among the agent's MCP servers, so
//!   its name is the agent's, and its tools are `mcp__<name>__<tool>`.
//!
//! The header secret is sealed like every stored secret, bound to its
//! server, and never listed, logged, traced or exported; of the URL, only
//! admins see more than scheme, host and port.

pub mod gateway;
mod upstream;

use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;
use zeroize::Zeroizing;

use crate::access::Editable;
use crate::agents::{AgentView, Capability};
use crate::clock::{from_millis, to_millis};
use crate::error::Code;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{AgentId, RemoteMcpServerId, WorkspaceId};
use crate::integrations::mcp::{McpServerDraft, ServerName, Transport};
pub use crate::model::integrations::AttachedAgent;
pub(crate) use crate::model::integrations::StoredAuth;
use crate::store::Insert;
pub(crate) use crate::store::remote_mcp::ServerRow;
use crate::store::remote_mcp::{self, ServerInsert};
use crate::vault::{open_text, seal_text};
use crate::{Bosun, Error, Principal, Result, validate};
use bosun_wire::events::{
    McpServerAttachment, RemoteMcpAuthChange, RemoteMcpServerDeleted, RemoteMcpServerRegistered,
    RemoteMcpServerUpdated,
};
use bosun_wire::vocabulary::RemoteAuthKind;

/// How long a call to an upstream may take unless the admin says.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 30;
/// The longest an admin may let an upstream take.
pub const MAX_TIMEOUT_SECONDS: u64 = 600;
/// The longest header value stored.
const MAX_HEADER_VALUE_BYTES: usize = 8 * 1024;
/// The longest description of a server, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// Headers the transport itself sets: a stored secret may not replace them.
const RESERVED_HEADERS: &[&str] = &[
    "accept",
    "connection",
    "content-length",
    "content-type",
    "host",
    "last-event-id",
    "mcp-protocol-version",
    "mcp-session-id",
    "transfer-encoding",
    "upgrade",
];

/// How Bosun authenticates to an upstream, as an admin writes it.
#[derive(Clone)]
pub enum UpstreamAuth {
    None,
    /// A secret sent as the header `name` on every request.
    Header {
        name: String,
        value: Zeroizing<String>,
    },
    /// The access token of the run's user's connection to `provider`.
    OAuth {
        provider: String,
    },
}

/// A server as an admin registers it.
#[derive(Clone)]
pub struct RemoteServerDraft {
    pub name: String,
    pub description: Option<String>,
    pub url: String,
    pub auth: UpstreamAuth,
    pub timeout_seconds: Option<u64>,
}

/// A change to a server: only what is given changes; `auth` is replaced
/// whole (a header secret must be given again).
#[derive(Clone, Default)]
pub struct RemoteServerPatch {
    pub description: Option<String>,
    pub url: Option<String>,
    pub auth: Option<UpstreamAuth>,
    pub timeout_seconds: Option<u64>,
}

/// How a server authenticates, as listed: never the secret.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AuthInfo {
    pub kind: RemoteAuthKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// A registered server as it may be listed.
#[derive(Clone, Debug, Serialize)]
pub struct RemoteServerInfo {
    pub name: String,
    pub description: String,
    /// The whole URL for admins; scheme, host and port for anyone else
    /// (a path or query may hold a key).
    pub url: String,
    pub auth: AuthInfo,
    pub timeout_seconds: u64,
    /// The agents that may use it (admins only; empty for others).
    pub agents: Vec<AttachedAgent>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A server attached to an agent, as the agent's page lists it.
#[derive(Clone, Debug, Serialize)]
pub struct AgentRemoteServer {
    pub name: String,
    pub description: String,
    pub auth: AuthInfo,
    /// Where MCP clients reach it through Bosun: `/mcp/{agent}/{name}`.
    pub path: String,
}

impl ServerRow {
    /// How it authenticates, as stored.
    pub(crate) fn stored_auth_kind(&self) -> Result<RemoteAuthKind> {
        validate::stored("remote MCP server auth_kind", &self.auth_kind)
    }

    fn auth(&self) -> Result<AuthInfo> {
        Ok(AuthInfo {
            kind: self.stored_auth_kind()?,
            header: self.header_name.clone(),
            provider: self.provider_name.clone(),
        })
    }

    fn info(&self, admin: bool, agents: Vec<AttachedAgent>) -> Result<RemoteServerInfo> {
        Ok(RemoteServerInfo {
            name: self.name.clone(),
            description: self.description.clone(),
            url: if admin {
                self.url.clone()
            } else {
                shown_url(&self.url)
            },
            auth: self.auth()?,
            timeout_seconds: u64::try_from(self.timeout_seconds).unwrap_or(DEFAULT_TIMEOUT_SECONDS),
            agents,
            created_at: from_millis(self.created_at),
            updated_at: from_millis(self.updated_at),
        })
    }

    /// The stored header secret, opened for a request to the upstream.
    pub(crate) fn header_value(&self, bosun: &Bosun) -> Result<Option<Zeroizing<String>>> {
        let Some(sealed) = &self.header_value_sealed else {
            return Ok(None);
        };
        open_text(
            bosun.master_key()?,
            &context(&self.workspace_id, &self.id),
            sealed,
            &format!("the stored header secret of the MCP server {}", self.name),
            "an admin sets its authentication again",
        )
        .map(Some)
    }
}

/// What a sealed header secret is bound to: a copy in another row does not
/// open.
fn context(workspace: &str, server: &str) -> String {
    format!("bosun remote mcp server v1\u{1f}{workspace}\u{1f}{server}\u{1f}header")
}

/// Scheme, host and port of a URL.
fn shown_url(url: &str) -> String {
    Url::parse(url).map_or_else(
        |_| String::new(),
        |url| format!("{}/…", url.origin().ascii_serialization()),
    )
}

/// The path MCP clients use for `server` of `agent`.
pub fn gateway_path(agent: &AgentId, server: &str) -> String {
    format!("/mcp/{agent}/{server}")
}

/// A server's name: it is part of a URL path and of its tools' catalog
/// names, `mcp__<name>__<tool>`, so it must read back one way.
fn server_name(field: &'static str, name: &str) -> Result<String> {
    ServerName::parse(field, name.trim()).map(String::from)
}

fn timeout(value: Option<u64>) -> Result<i64> {
    let seconds = value.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    if !(1..=MAX_TIMEOUT_SECONDS).contains(&seconds) {
        return Err(Error::invalid(
            "timeout_seconds",
            format!("must be 1 to {MAX_TIMEOUT_SECONDS}"),
        ));
    }
    Ok(i64::try_from(seconds).unwrap_or(i64::MAX))
}

/// A header name as HTTP writes it (a token), not one the transport sets.
fn header_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("auth.header", "is required"));
    }
    let token = name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Err(Error::invalid(
            "auth.header",
            "must be an HTTP header name: at most 100 letters, digits or !#$%&'*+-.^_`|~",
        ));
    }
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(Error::invalid(
            "auth.header",
            format!(
                "{name} is set by the transport itself; choose the header the server reads its key from"
            ),
        ));
    }
    Ok(name.to_owned())
}

fn header_value(value: &str) -> Result<Zeroizing<String>> {
    if value.trim().is_empty() {
        return Err(Error::invalid("auth.value", "is required"));
    }
    if value.len() > MAX_HEADER_VALUE_BYTES {
        return Err(Error::invalid("auth.value", "must be at most 8 KiB"));
    }
    // What a header may carry: visible ASCII, spaces and tabs. A line break
    // would let the value add headers of its own.
    if !value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
    {
        return Err(Error::invalid(
            "auth.value",
            "must be printable ASCII (no line breaks or other control characters)",
        ));
    }
    Ok(Zeroizing::new(value.trim().to_owned()))
}

impl Bosun {
    async fn stored_auth(
        &self,
        workspace: &WorkspaceId,
        server: &RemoteMcpServerId,
        auth: UpstreamAuth,
    ) -> Result<StoredAuth> {
        Ok(match auth {
            UpstreamAuth::None => StoredAuth {
                kind: RemoteAuthKind::None,
                header_name: None,
                header_value_sealed: None,
                provider_id: None,
                provider_name: None,
            },
            UpstreamAuth::Header { name, value } => {
                let name = header_name(&name)?;
                let value = header_value(&value)?;
                let sealed = seal_text(
                    self.master_key()?,
                    &context(workspace.as_str(), server.as_str()),
                    &value,
                )?;
                StoredAuth {
                    kind: RemoteAuthKind::Header,
                    header_name: Some(name),
                    header_value_sealed: Some(sealed),
                    provider_id: None,
                    provider_name: None,
                }
            }
            UpstreamAuth::OAuth { provider } => {
                if provider.trim().is_empty() {
                    return Err(Error::invalid("auth.provider", "is required"));
                }
                let stored = self
                    .stored_provider(workspace, provider.trim())
                    .await
                    .map_err(|_| {
                        Error::invalid(
                            "auth.provider",
                            format!("there is no OAuth provider “{}”", provider.trim()),
                        )
                    })?;
                StoredAuth {
                    kind: RemoteAuthKind::Oauth,
                    header_name: None,
                    header_value_sealed: None,
                    provider_id: Some(stored.id),
                    provider_name: Some(stored.name),
                }
            }
        })
    }

    /// Registers an upstream MCP server (admins).
    pub async fn create_remote_mcp_server(
        &self,
        principal: &Principal,
        draft: RemoteServerDraft,
    ) -> Result<RemoteServerInfo> {
        principal.require_admin()?;
        let name = server_name("name", &draft.name)?;
        let description = validate::trimmed_text(
            "description",
            draft.description.as_deref().unwrap_or(""),
            MAX_DESCRIPTION_CHARS,
        )?;
        let url = self.check_outbound_url(draft.url.trim()).await?;
        let timeout = timeout(draft.timeout_seconds)?;
        let id = RemoteMcpServerId::generate();
        let auth = self
            .stored_auth(&principal.workspace_id, &id, draft.auth)
            .await?;
        let now = to_millis(self.now());
        let mut tx = self.db().begin_write().await?;
        let server = ServerInsert {
            id: &id,
            name: &name,
            description: &description,
            url: url.as_str(),
            auth: &auth,
            timeout_seconds: timeout,
            now,
        };
        if remote_mcp::insert(&mut tx, principal, server).await? == Insert::Taken {
            return Err(Error::Refused {
                code: Code::McpServerNameTaken,
                message: format!("name: an MCP server named {name} is already registered"),
            });
        }
        let data = events::data_of(&RemoteMcpServerRegistered {
            name: name.to_string(),
            url: shown_url(url.as_str()),
            auth: auth.kind.to_string(),
            header: auth.header_name.clone(),
            provider: auth.provider_name.clone(),
            timeout_seconds: timeout,
        })?;
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(EventKind::RemoteMcpServerRegistered, principal, None, data),
        )
        .await?;
        tx.commit().await?;
        self.remote_mcp_server(principal, &name).await
    }

    /// The workspace's registered servers, by name: the whole URL and the
    /// agents using each for admins, less for anyone else.
    pub async fn list_remote_mcp_servers(
        &self,
        principal: &Principal,
    ) -> Result<Vec<RemoteServerInfo>> {
        principal.require_unscoped()?;
        let rows = remote_mcp::of_workspace(self.db().pool(), &principal.workspace_id).await?;
        let mut servers = Vec::with_capacity(rows.len());
        for row in rows {
            let agents = if principal.is_admin() {
                self.agents_using(&row.id).await?
            } else {
                Vec::new()
            };
            servers.push(row.info(principal.is_admin(), agents)?);
        }
        Ok(servers)
    }

    /// One registered server by name.
    pub async fn remote_mcp_server(
        &self,
        principal: &Principal,
        name: &str,
    ) -> Result<RemoteServerInfo> {
        principal.require_unscoped()?;
        let row = self
            .remote_server_row(&principal.workspace_id, name)
            .await?;
        let agents = if principal.is_admin() {
            self.agents_using(&row.id).await?
        } else {
            Vec::new()
        };
        row.info(principal.is_admin(), agents)
    }

    /// Changes a server (admins): only the fields given, all or nothing.
    pub async fn update_remote_mcp_server(
        &self,
        principal: &Principal,
        name: &str,
        patch: RemoteServerPatch,
    ) -> Result<RemoteServerInfo> {
        principal.require_admin()?;
        let row = self
            .remote_server_row(&principal.workspace_id, name)
            .await?;
        let description = patch
            .description
            .as_deref()
            .map(|text| validate::trimmed_text("description", text, MAX_DESCRIPTION_CHARS))
            .transpose()?;
        let url = match &patch.url {
            Some(url) => Some(self.check_outbound_url(url.trim()).await?),
            None => None,
        };
        let timeout = patch
            .timeout_seconds
            .map(|t| timeout(Some(t)))
            .transpose()?;
        let id = RemoteMcpServerId::from_string(row.id.clone());
        let auth = match patch.auth {
            Some(auth) => Some(self.stored_auth(&principal.workspace_id, &id, auth).await?),
            None => None,
        };
        let mut tx = self.db().begin_write().await?;
        remote_mcp::update(
            &mut tx,
            &row.id,
            description.as_deref(),
            url.as_ref().map(Url::as_str),
            timeout,
            to_millis(self.now()),
        )
        .await?;
        if let Some(auth) = &auth {
            remote_mcp::set_auth(&mut tx, &row.id, auth).await?;
        }
        let data = events::data_of(&RemoteMcpServerUpdated {
            name: row.name.clone(),
            description: description.is_some().then_some(true),
            url: url.as_ref().map(|url| shown_url(url.as_str())),
            timeout_seconds: timeout,
            // Whether the secret changed, never the secret.
            auth: auth.as_ref().map(|auth| RemoteMcpAuthChange {
                kind: auth.kind.to_string(),
                header: auth.header_name.clone(),
                provider: auth.provider_name.clone(),
                secret_changed: auth.header_value_sealed.is_some(),
            }),
        })?;
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(EventKind::RemoteMcpServerUpdated, principal, None, data),
        )
        .await?;
        tx.commit().await?;
        self.remote_mcp_server(principal, name).await
    }

    /// Removes a server (admins): every agent stops reaching it at once.
    pub async fn delete_remote_mcp_server(&self, principal: &Principal, name: &str) -> Result<()> {
        principal.require_admin()?;
        let row = self
            .remote_server_row(&principal.workspace_id, name)
            .await?;
        let agents = self.agents_using(&row.id).await?;
        let mut tx = self.db().begin_write().await?;
        remote_mcp::delete(&mut tx, &row).await?;
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(
                EventKind::RemoteMcpServerDeleted,
                principal,
                None,
                events::data_of(&RemoteMcpServerDeleted {
                    name: row.name.clone(),
                    agents: agents.iter().map(|agent| agent.id.to_string()).collect(),
                })?,
            ),
        )
        .await?;
        tx.commit().await
    }

    /// Lets `agent` use the registered server `name` (the agent's
    /// editors). Its name becomes one of the agent's MCP servers' names;
    /// attaching twice changes nothing.
    pub async fn attach_remote_mcp_server(
        &self,
        principal: &Principal,
        agent: &AgentId,
        name: &str,
    ) -> Result<AgentRemoteServer> {
        principal.require_unscoped()?;
        self.agent_for(principal, agent, Capability::Edit).await?;
        let row = self
            .remote_server_row(&principal.workspace_id, name)
            .await?;
        if remote_mcp::is_attached(self.db().pool(), agent, &row.id).await? {
            return agent_server(agent, &row);
        }
        // Its name becomes one of the agent's MCP servers' names (refused
        // when a server of the agent has it already), reached over http at
        // its URL's origin.
        let draft = McpServerDraft {
            name: ServerName::parse("name", &row.name)?,
            transport: Transport::Http,
            origin: shown_url(&row.url),
        };
        self.register_mcp_server(principal, agent, draft).await?;
        let mut tx = self.db().begin_write().await?;
        let _: Editable<AgentView> = self.agent_proof(&mut tx, principal, agent).await?;
        let attached =
            remote_mcp::attach(&mut tx, agent, &row.id, principal, to_millis(self.now())).await?;
        if attached == Insert::Taken {
            // Attached meanwhile by someone else: the same outcome.
            return agent_server(agent, &row);
        }
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(
                EventKind::AgentMcpServerAttached,
                principal,
                Some(agent),
                events::data_of(&McpServerAttachment {
                    server: row.name.clone(),
                })?,
            ),
        )
        .await?;
        tx.commit().await?;
        agent_server(agent, &row)
    }

    /// Stops `agent` from using the server `name` (the agent's editors).
    pub async fn detach_remote_mcp_server(
        &self,
        principal: &Principal,
        agent: &AgentId,
        name: &str,
    ) -> Result<()> {
        principal.require_unscoped()?;
        let mut tx = self.db().begin_write().await?;
        let _: Editable<AgentView> = self.agent_proof(&mut tx, principal, agent).await?;
        let row = self
            .remote_server_row(&principal.workspace_id, name)
            .await?;
        if !remote_mcp::detach(&mut tx, agent, &row).await? {
            return Err(Error::NotFound("MCP server of this agent"));
        }
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(
                EventKind::AgentMcpServerDetached,
                principal,
                Some(agent),
                events::data_of(&McpServerAttachment {
                    server: row.name.clone(),
                })?,
            ),
        )
        .await?;
        tx.commit().await
    }

    /// The remote servers `agent` may use, for anyone who may see it.
    pub async fn agent_remote_mcp_servers(
        &self,
        principal: &Principal,
        agent: &AgentId,
    ) -> Result<Vec<AgentRemoteServer>> {
        principal.require_unscoped()?;
        self.agent_for(principal, agent, Capability::View).await?;
        let rows = remote_mcp::of_agent(self.db().pool(), agent).await?;
        rows.iter().map(|row| agent_server(agent, row)).collect()
    }

    async fn remote_server_row(&self, workspace: &WorkspaceId, name: &str) -> Result<ServerRow> {
        remote_mcp::by_name(self.db().pool(), workspace, name)
            .await?
            .ok_or(Error::NotFound("MCP server"))
    }

    /// The server `name` if `agent` may use it; `None` otherwise.
    pub(crate) async fn attached_remote_server(
        &self,
        agent: &AgentId,
        name: &str,
    ) -> Result<Option<ServerRow>> {
        remote_mcp::attached(self.db().pool(), agent, name).await
    }

    async fn agents_using(&self, server: &str) -> Result<Vec<AttachedAgent>> {
        remote_mcp::agents_using(self.db().pool(), server).await
    }
}

fn agent_server(agent: &AgentId, row: &ServerRow) -> Result<AgentRemoteServer> {
    Ok(AgentRemoteServer {
        name: row.name.clone(),
        description: row.description.clone(),
        auth: row.auth()?,
        path: gateway_path(agent, &row.name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_tokens_the_transport_does_not_set() {
        assert_eq!(header_name(" X-Api-Key ").unwrap(), "X-Api-Key");
        assert_eq!(header_name("Authorization").unwrap(), "Authorization");
        for bad in [
            "",
            "X Api",
            "X:Key",
            "Mcp-Session-Id",
            "content-type",
            "Host",
            "é",
        ] {
            let error = header_name(bad).unwrap_err();
            assert!(
                error.to_string().starts_with("auth.header:"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn header_values_cannot_smuggle_a_line_break() {
        assert_eq!(header_value("Bearer abc").unwrap().as_str(), "Bearer abc");
        for bad in ["", "  ", "a\r\nX-Evil: 1", "a\nb", "caf\u{e9}"] {
            let error = header_value(bad).unwrap_err();
            assert!(
                error.to_string().starts_with("auth.value:"),
                "{bad:?}: {error}"
            );
        }
        assert!(header_value(&"a".repeat(MAX_HEADER_VALUE_BYTES + 1)).is_err());
    }

    #[test]
    fn only_scheme_host_and_port_of_a_url_are_shown() {
        assert_eq!(
            shown_url("https://mcp.example.com:8443/v1/mcp?key=abc"),
            "https://mcp.example.com:8443/…"
        );
    }
}
