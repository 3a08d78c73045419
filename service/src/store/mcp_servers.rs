//! The `mcp_servers` table (the MCP servers an agent's clients run,
//! registered by the `bosun mcp proxy`) and `mcp_server_tools` (what each
//! listed, under which catalog name).

use super::{Connection, Executor, Insert};
use crate::clock::from_millis;
use crate::ids::{AgentId, WorkspaceId};
use crate::model::identity::Principal;
use crate::model::integrations::{McpServer, ServerName};
use crate::{Result, validate};

#[derive(sqlx::FromRow)]
pub(crate) struct ServerRow {
    pub id: String,
    pub agent_id: String,
    pub name: String,
    pub transport: String,
    pub origin: String,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
}

impl ServerRow {
    pub(crate) fn server(self) -> Result<McpServer> {
        Ok(McpServer {
            transport: validate::stored("MCP server transport", &self.transport)?,
            name: ServerName::parse("name", &self.name)?,
            id: self.id,
            agent_id: AgentId::from_string(self.agent_id),
            origin: self.origin,
            first_seen_at: from_millis(self.first_seen_at),
            last_seen_at: from_millis(self.last_seen_at),
        })
    }
}

const SERVER_COLUMNS: &str = "id, agent_id, name, transport, origin, first_seen_at, last_seen_at";

/// The agent's server of that name.
pub(crate) async fn by_name<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    agent: &AgentId,
    name: &str,
) -> Result<Option<ServerRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SERVER_COLUMNS} FROM mcp_servers WHERE agent_id = $1 AND name = $2 AND workspace_id = $3"
    ))
    .bind(agent.as_str())
    .bind(name)
    .bind(workspace.as_str())
    .fetch_optional(db)
    .await?)
}

/// Notes that the server was seen at `now`.
pub(crate) async fn touch(conn: &mut Connection, id: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE mcp_servers SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Registers `row` for the principal; [`Insert::Taken`] when the agent has
/// a server of that name.
pub(crate) async fn insert(
    conn: &mut Connection,
    principal: &Principal,
    row: &ServerRow,
) -> Result<Insert> {
    let inserted = sqlx::query(
        "INSERT INTO mcp_servers (id, workspace_id, agent_id, name, transport, origin, registered_by, \
         first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&row.id)
    .bind(principal.workspace_id.as_str())
    .bind(&row.agent_id)
    .bind(&row.name)
    .bind(&row.transport)
    .bind(&row.origin)
    .bind(principal.user_id.as_str())
    .bind(row.first_seen_at)
    .execute(conn)
    .await;
    Insert::of(inserted)
}

/// The agent's servers, most recently seen first.
pub(crate) async fn of_agent<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    agent: &AgentId,
) -> Result<Vec<ServerRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SERVER_COLUMNS} FROM mcp_servers WHERE agent_id = $1 AND workspace_id = $2 \
         ORDER BY last_seen_at DESC, name"
    ))
    .bind(agent.as_str())
    .bind(workspace.as_str())
    .fetch_all(db)
    .await?)
}

/// What the agent's servers listed: server id, the tool's own name, its
/// catalog name, when first and last seen; by the tool's own name.
pub(crate) async fn tools_of_agent<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    agent: &AgentId,
) -> Result<Vec<(String, String, String, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT mcp_server_tools.server_id, mcp_server_tools.name, mcp_server_tools.catalog_tool, \
         mcp_server_tools.first_seen_at, mcp_server_tools.last_seen_at FROM mcp_server_tools \
         JOIN mcp_servers ON mcp_servers.id = mcp_server_tools.server_id \
         WHERE mcp_servers.agent_id = $1 AND mcp_servers.workspace_id = $2 ORDER BY mcp_server_tools.name",
    )
    .bind(agent.as_str())
    .bind(workspace.as_str())
    .fetch_all(db)
    .await?)
}

/// Records that the server listed tool `name` (catalog name
/// `catalog_tool`) at `now`; whether it was the first time.
pub(crate) async fn note_tool_listed(
    conn: &mut Connection,
    server_id: &str,
    name: &str,
    catalog_tool: &str,
    now: i64,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO mcp_server_tools (server_id, name, catalog_tool, first_seen_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (server_id, name) DO NOTHING",
    )
    .bind(server_id)
    .bind(name)
    .bind(catalog_tool)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if super::touched(&inserted) {
        return Ok(true);
    }
    sqlx::query(
        "UPDATE mcp_server_tools SET last_seen_at = $1, catalog_tool = $2 WHERE server_id = $3 AND name = $4",
    )
    .bind(now)
    .bind(catalog_tool)
    .bind(server_id)
    .bind(name)
    .execute(&mut *conn)
    .await?;
    Ok(false)
}
