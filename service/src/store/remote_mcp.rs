//! The `remote_mcp_servers` table (upstream MCP servers admins register,
//! their header secret sealed) and `agent_remote_mcp_servers` (which agents
//! may use each).

use super::{Connection, Executor, Insert};
use crate::Result;
use crate::ids::{AgentId, RemoteMcpServerId, WorkspaceId};
use crate::model::identity::Principal;
use crate::model::integrations::{AttachedAgent, StoredAuth};

/// A registered server as stored, with its OAuth provider's name.
#[derive(sqlx::FromRow, Clone)]
pub(crate) struct ServerRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub description: String,
    pub url: String,
    pub auth_kind: String,
    pub header_name: Option<String>,
    pub header_value_sealed: Option<String>,
    /// The provider's name, when it authenticates with OAuth and the
    /// provider still exists.
    pub provider_name: Option<String>,
    pub timeout_seconds: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const SERVER_COLUMNS: &str = "s.id, s.workspace_id, s.name, s.description, s.url, s.auth_kind, \
     s.header_name, s.header_value_sealed, p.name AS provider_name, s.timeout_seconds, \
     s.created_at, s.updated_at";
const SERVER_FROM: &str =
    "remote_mcp_servers s LEFT JOIN oauth_providers p ON p.id = s.oauth_provider_id";

/// A server about to be registered.
pub(crate) struct ServerInsert<'a> {
    pub id: &'a RemoteMcpServerId,
    pub name: &'a str,
    pub description: &'a str,
    pub url: &'a str,
    pub auth: &'a StoredAuth,
    pub timeout_seconds: i64,
    pub now: i64,
}

/// Registers a server for the principal's workspace; [`Insert::Taken`]
/// when one has its name.
pub(crate) async fn insert(
    conn: &mut Connection,
    principal: &Principal,
    server: ServerInsert<'_>,
) -> Result<Insert> {
    let auth = server.auth;
    let inserted = sqlx::query(
        "INSERT INTO remote_mcp_servers (id, workspace_id, name, description, url, auth_kind, \
         header_name, header_value_sealed, oauth_provider_id, timeout_seconds, created_by, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(server.id.as_str())
    .bind(principal.workspace_id.as_str())
    .bind(server.name)
    .bind(server.description)
    .bind(server.url)
    .bind(auth.kind.as_str())
    .bind(auth.header_name.as_deref())
    .bind(auth.header_value_sealed.as_deref())
    .bind(auth.provider_id.as_deref())
    .bind(server.timeout_seconds)
    .bind(principal.user_id.as_str())
    .bind(server.now)
    .execute(conn)
    .await;
    Insert::of(inserted)
}

/// The workspace's servers, by name.
pub(crate) async fn of_workspace<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
) -> Result<Vec<ServerRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SERVER_COLUMNS} FROM {SERVER_FROM} WHERE s.workspace_id = $1 ORDER BY s.name"
    ))
    .bind(workspace.as_str())
    .fetch_all(db)
    .await?)
}

/// The workspace's server of that name.
pub(crate) async fn by_name<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    name: &str,
) -> Result<Option<ServerRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SERVER_COLUMNS} FROM {SERVER_FROM} WHERE s.workspace_id = $1 AND s.name = $2"
    ))
    .bind(workspace.as_str())
    .bind(name)
    .fetch_optional(db)
    .await?)
}

/// The servers `agent` may use, by name.
pub(crate) async fn of_agent<'c>(db: impl Executor<'c>, agent: &AgentId) -> Result<Vec<ServerRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SERVER_COLUMNS} FROM {SERVER_FROM} JOIN agent_remote_mcp_servers a \
         ON a.server_id = s.id WHERE a.agent_id = $1 ORDER BY s.name"
    ))
    .bind(agent.as_str())
    .fetch_all(db)
    .await?)
}

/// The server `name` if `agent` may use it.
pub(crate) async fn attached<'c>(
    db: impl Executor<'c>,
    agent: &AgentId,
    name: &str,
) -> Result<Option<ServerRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SERVER_COLUMNS} FROM {SERVER_FROM} JOIN agent_remote_mcp_servers a \
         ON a.server_id = s.id WHERE a.agent_id = $1 AND s.name = $2"
    ))
    .bind(agent.as_str())
    .bind(name)
    .fetch_optional(db)
    .await?)
}

/// Changes the fields given (`None` keeps one) and the time of the change.
pub(crate) async fn update(
    conn: &mut Connection,
    id: &str,
    description: Option<&str>,
    url: Option<&str>,
    timeout_seconds: Option<i64>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE remote_mcp_servers SET description = COALESCE($1, description), \
         url = COALESCE($2, url), timeout_seconds = COALESCE($3, timeout_seconds), updated_at = $4 \
         WHERE id = $5",
    )
    .bind(description)
    .bind(url)
    .bind(timeout_seconds)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces how Bosun authenticates to the server.
pub(crate) async fn set_auth(conn: &mut Connection, id: &str, auth: &StoredAuth) -> Result<()> {
    sqlx::query(
        "UPDATE remote_mcp_servers SET auth_kind = $1, header_name = $2, \
         header_value_sealed = $3, oauth_provider_id = $4 WHERE id = $5",
    )
    .bind(auth.kind.as_str())
    .bind(auth.header_name.as_deref())
    .bind(auth.header_value_sealed.as_deref())
    .bind(auth.provider_id.as_deref())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a server, and the records of it the agents using it kept among
/// their MCP servers, so that the name is free again for a server of their
/// own.
pub(crate) async fn delete(conn: &mut Connection, row: &ServerRow) -> Result<()> {
    sqlx::query(
        "DELETE FROM mcp_servers WHERE transport = 'http' AND name = $1 AND agent_id IN \
         (SELECT agent_id FROM agent_remote_mcp_servers WHERE server_id = $2)",
    )
    .bind(&row.name)
    .bind(&row.id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM remote_mcp_servers WHERE id = $1")
        .bind(&row.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether `agent` may use the server `server_id`.
pub(crate) async fn is_attached<'c>(
    db: impl Executor<'c>,
    agent: &AgentId,
    server_id: &str,
) -> Result<bool> {
    let attached: Option<(String,)> = sqlx::query_as(
        "SELECT agent_id FROM agent_remote_mcp_servers WHERE agent_id = $1 AND server_id = $2",
    )
    .bind(agent.as_str())
    .bind(server_id)
    .fetch_optional(db)
    .await?;
    Ok(attached.is_some())
}

/// Lets `agent` use the server; [`Insert::Taken`] when it already may.
pub(crate) async fn attach(
    conn: &mut Connection,
    agent: &AgentId,
    server_id: &str,
    by: &Principal,
    now: i64,
) -> Result<Insert> {
    let inserted = sqlx::query(
        "INSERT INTO agent_remote_mcp_servers (agent_id, server_id, attached_by, attached_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(agent.as_str())
    .bind(server_id)
    .bind(by.user_id.as_str())
    .bind(now)
    .execute(conn)
    .await;
    Insert::of(inserted)
}

/// Stops `agent` from using the server, and drops the agent's record of
/// it among its MCP servers; whether the agent used it.
pub(crate) async fn detach(
    conn: &mut Connection,
    agent: &AgentId,
    row: &ServerRow,
) -> Result<bool> {
    let detached =
        sqlx::query("DELETE FROM agent_remote_mcp_servers WHERE agent_id = $1 AND server_id = $2")
            .bind(agent.as_str())
            .bind(&row.id)
            .execute(&mut *conn)
            .await?;
    if !super::touched(&detached) {
        return Ok(false);
    }
    sqlx::query("DELETE FROM mcp_servers WHERE agent_id = $1 AND name = $2 AND transport = 'http'")
        .bind(agent.as_str())
        .bind(&row.name)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// The agents that may use the server, by name.
pub(crate) async fn agents_using<'c>(
    db: impl Executor<'c>,
    server: &str,
) -> Result<Vec<AttachedAgent>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT agents.id, agents.name FROM agent_remote_mcp_servers a \
         JOIN agents ON agents.id = a.agent_id WHERE a.server_id = $1 ORDER BY agents.name",
    )
    .bind(server)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| AttachedAgent {
            id: AgentId::from_string(id),
            name,
        })
        .collect())
}
