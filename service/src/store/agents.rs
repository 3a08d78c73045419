//! The `agents` table: definitions, read with their owner's name and the
//! asking principal's grants, so that [`crate::access`] can tell what the
//! principal may do with each.

use super::{Connection, Executor};
use crate::clock::{from_millis, to_millis};
use crate::db::{assignments, placeholders};
use crate::ids::{AgentId, UserId, WorkspaceId};
use crate::model::access::{self, AgentAccess, Capability};
use crate::model::agents::{Agent, AgentListView, AgentView};
use crate::model::identity::Principal;
use crate::{Backend, Error, Result, validate};

#[derive(sqlx::FromRow)]
struct AgentRow {
    id: String,
    name: String,
    description: String,
    instructions: String,
    tools: String,
    execution_mode: String,
    credential_model: String,
    settings: String,
    approval_ttl_seconds: Option<i64>,
    owner_id: String,
    owner_name: String,
    created_at: i64,
    updated_at: i64,
    user_grant: Option<String>,
    workspace_grant: Option<String>,
}

const AGENT_COLUMNS: &str = "agents.id, agents.name, agents.description, agents.instructions, agents.tools, \
     agents.execution_mode, agents.credential_model, agents.settings, agents.approval_ttl_seconds, agents.owner_id, \
     owners.name AS owner_name, agents.created_at, agents.updated_at, \
     (SELECT level FROM agent_grants g WHERE g.agent_id = agents.id AND g.user_id = $1) AS user_grant, \
     (SELECT level FROM agent_grants g WHERE g.agent_id = agents.id AND g.user_id IS NULL) AS workspace_grant";

impl AgentRow {
    fn agent(&self) -> Result<Agent> {
        Ok(Agent {
            id: AgentId::from_string(self.id.clone()),
            name: self.name.clone(),
            description: self.description.clone(),
            instructions: self.instructions.clone(),
            tools: serde_json::from_str(&self.tools)
                .map_err(|e| Error::corrupt("agent tools", e))?,
            execution_mode: validate::stored("agent execution_mode", &self.execution_mode)?,
            credential_model: validate::stored("agent credential_model", &self.credential_model)?,
            settings: serde_json::from_str(&self.settings)
                .map_err(|e| Error::corrupt("agent settings", e))?,
            approval_ttl_seconds: self.approval_ttl_seconds,
            owner_id: UserId::from_string(self.owner_id.clone()),
            created_at: from_millis(self.created_at),
            updated_at: from_millis(self.updated_at),
        })
    }

    /// The agent with the standing towards it of `principal`, counted as
    /// an admin when `is_admin`.
    fn into_view(self, principal: &Principal, is_admin: bool) -> Result<AgentView> {
        let access = AgentAccess::from_stored(
            principal.user_id.as_str(),
            is_admin,
            &self.owner_id,
            self.user_grant.as_deref(),
            self.workspace_grant.as_deref(),
        )?;
        Ok(AgentView {
            agent: self.agent()?,
            access,
            owner_name: self.owner_name,
        })
    }
}

/// An agent of the principal's workspace with the principal's standing
/// towards it (as an admin when `is_admin`), read on `connection`; none
/// when there is no such agent. Only [`crate::access`] decides what the
/// standing allows.
pub(crate) async fn view(
    connection: &mut Connection,
    principal: &Principal,
    is_admin: bool,
    id: &AgentId,
) -> Result<Option<AgentView>> {
    let row: Option<AgentRow> = sqlx::query_as(&format!(
        "SELECT {AGENT_COLUMNS} FROM agents JOIN users owners ON owners.id = agents.owner_id \
         WHERE agents.id = $2 AND agents.workspace_id = $3"
    ))
    .bind(principal.user_id.as_str())
    .bind(id.as_str())
    .bind(principal.workspace_id.as_str())
    .fetch_optional(connection)
    .await?;
    row.map(|row| row.into_view(principal, is_admin))
        .transpose()
}

/// The agent of the runtime key `key_id` in `workspace`, while the key is
/// live ([`access::live_key_sql`]).
pub(crate) async fn of_live_key(
    connection: &mut Connection,
    key_id: &str,
    workspace: &WorkspaceId,
) -> Result<Option<Agent>> {
    let row: Option<AgentRow> = sqlx::query_as(&format!(
        "SELECT {AGENT_COLUMNS} FROM agents JOIN users owners ON owners.id = agents.owner_id \
         JOIN runtime_keys ON runtime_keys.agent_id = agents.id AND runtime_keys.id = $2 \
         WHERE agents.workspace_id = $3 AND {}",
        access::live_key_sql("runtime_keys", "agents")
    ))
    .bind("")
    .bind(key_id)
    .bind(workspace.as_str())
    .fetch_optional(connection)
    .await?;
    row.as_ref().map(AgentRow::agent).transpose()
}

/// Where a page of agents starts: after this lowercased name and id.
pub(crate) struct After<'a> {
    pub name: &'a str,
    pub id: &'a str,
}

/// Up to `limit` agents of the principal's workspace in `list` that they
/// may see, by lowercased name and id after `after`, those whose
/// lowercased name is `LIKE` `pattern` (escaped with `\`) if one is given.
pub(crate) async fn page<'c>(
    db: impl Executor<'c>,
    principal: &Principal,
    list: AgentListView,
    pattern: Option<String>,
    after: After<'_>,
    limit: i64,
) -> Result<Vec<AgentView>> {
    let admin = if principal.is_admin() { "1" } else { "0" };
    let visible = match list {
        AgentListView::Mine => "agents.owner_id = $1".to_owned(),
        // Shared with them: what they would see without owning it or
        // administering the workspace.
        AgentListView::Shared => format!(
            "agents.owner_id <> $1 AND {}",
            access::allows_sql(Capability::View, "agents", "$1", "0")
        ),
        AgentListView::All => access::allows_sql(Capability::View, "agents", "$1", admin),
    };
    let rows: Vec<AgentRow> = sqlx::query_as(&format!(
        "SELECT {AGENT_COLUMNS} FROM agents JOIN users owners ON owners.id = agents.owner_id \
         WHERE agents.workspace_id = $2 AND {visible} \
         AND ($3 IS NULL OR lower(agents.name) LIKE $3 ESCAPE '\\') \
         AND (lower(agents.name) > $4 OR (lower(agents.name) = $4 AND agents.id > $5)) \
         ORDER BY lower(agents.name), agents.id LIMIT $6"
    ))
    .bind(principal.user_id.as_str())
    .bind(principal.workspace_id.as_str())
    .bind(pattern)
    .bind(after.name)
    .bind(after.id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| row.into_view(principal, principal.is_admin()))
        .collect()
}

/// The columns of an agent's definition, in the order [`bind_definition`]
/// binds them: what creating writes beside the id, the workspace and the
/// creation time, and what a change rewrites.
const DEFINITION_COLUMNS: [&str; 10] = [
    "owner_id",
    "name",
    "description",
    "instructions",
    "tools",
    "execution_mode",
    "credential_model",
    "settings",
    "updated_at",
    "approval_ttl_seconds",
];

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_definition<'q>(query: Query<'q>, agent: &'q Agent) -> Query<'q> {
    query
        .bind(agent.owner_id.as_str())
        .bind(&agent.name)
        .bind(&agent.description)
        .bind(&agent.instructions)
        .bind(serde_json::to_string(&agent.tools).unwrap_or_else(|_| "[]".into()))
        .bind(agent.execution_mode.as_str())
        .bind(agent.credential_model.as_str())
        .bind(agent.settings.to_string())
        .bind(to_millis(agent.updated_at))
        .bind(agent.approval_ttl_seconds)
}

pub(crate) async fn insert(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    agent: &Agent,
) -> Result<()> {
    let sql = format!(
        "INSERT INTO agents (id, workspace_id, created_at, {}) VALUES ($1, $2, $3, {})",
        DEFINITION_COLUMNS.join(", "),
        placeholders(&DEFINITION_COLUMNS, 4)
    );
    bind_definition(
        sqlx::query(&sql)
            .bind(agent.id.as_str())
            .bind(workspace.as_str())
            .bind(to_millis(agent.created_at)),
        agent,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Rewrites an agent's definition as `agent`, counting a new version of
/// its policy.
pub(crate) async fn update(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    id: &AgentId,
    agent: &Agent,
) -> Result<()> {
    let sql = format!(
        "UPDATE agents SET {}, policy_version = policy_version + 1 \
         WHERE id = $11 AND workspace_id = $12",
        assignments(&DEFINITION_COLUMNS, 1)
    );
    bind_definition(sqlx::query(&sql), agent)
        .bind(id.as_str())
        .bind(workspace.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes an agent, and with it what refers to it (`ON DELETE CASCADE`).
pub(crate) async fn delete(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    id: &AgentId,
) -> Result<()> {
    sqlx::query("DELETE FROM agents WHERE id = $1 AND workspace_id = $2")
        .bind(id.as_str())
        .bind(workspace.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// On PostgreSQL, locks the agent's row, which access to it is changed
/// under, until the transaction on `connection` ends. SQLite's writer
/// already holds the whole database.
pub(crate) async fn lock_for_access(
    connection: &mut Connection,
    workspace: &WorkspaceId,
    id: &AgentId,
) -> Result<()> {
    if Backend::of(connection) == Backend::Postgres {
        sqlx::query("SELECT id FROM agents WHERE id = $1 AND workspace_id = $2 FOR NO KEY UPDATE")
            .bind(id.as_str())
            .bind(workspace.as_str())
            .fetch_optional(&mut *connection)
            .await?;
    }
    Ok(())
}

/// An agent's enabled tools as stored: a JSON array, as text.
pub(crate) async fn tools_as_stored(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    agent: &AgentId,
) -> Result<String> {
    let (text,): (String,) =
        sqlx::query_as("SELECT tools FROM agents WHERE id = $1 AND workspace_id = $2")
            .bind(agent.as_str())
            .bind(workspace.as_str())
            .fetch_one(conn)
            .await?;
    Ok(text)
}

/// Replaces an agent's tools with `after`, counting a new version of its
/// policy, only while they are still `before` (as stored); whether they
/// were.
pub(crate) async fn replace_tools_if_unchanged(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    agent: &AgentId,
    before: &str,
    after: &[String],
    now: i64,
) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE agents SET tools = $1, updated_at = $2, policy_version = policy_version + 1 \
         WHERE id = $3 AND workspace_id = $4 AND tools = $5",
    )
    .bind(serde_json::to_string(after).unwrap_or_else(|_| "[]".into()))
    .bind(now)
    .bind(agent.as_str())
    .bind(workspace.as_str())
    .bind(before)
    .execute(conn)
    .await?;
    Ok(super::touched(&updated))
}
