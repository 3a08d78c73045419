//! The `agent_grants` table: who an agent is shared with, at which level.

use super::Connection;
use crate::clock::from_millis;
use crate::ids::{AgentId, GrantId, UserId};
use crate::model::access::AccessLevel;
use crate::model::agents::Grant;
use crate::{Result, validate};

/// A grant as stored, with the name and email of the person it is for
/// (none for the workspace grant).
#[derive(sqlx::FromRow)]
pub(crate) struct GrantRow {
    pub id: String,
    user_id: Option<String>,
    level: String,
    created_at: i64,
    pub user_name: Option<String>,
    pub user_email: Option<String>,
}

impl GrantRow {
    pub(crate) fn grant(&self) -> Result<Grant> {
        Ok(Grant {
            id: GrantId::from_string(self.id.clone()),
            user_id: self.user_id.clone().map(UserId::from_string),
            workspace: self.user_id.is_none(),
            level: validate::stored("grant level", &self.level)?,
            created_at: from_millis(self.created_at),
        })
    }
}

/// The agent's grants as read on `connection`: people's by name, then the
/// workspace's.
pub(crate) async fn of_agent(
    connection: &mut Connection,
    agent: &AgentId,
) -> Result<Vec<GrantRow>> {
    Ok(sqlx::query_as(
        "SELECT g.id, g.user_id, g.level, g.created_at, u.name AS user_name, u.email AS user_email \
         FROM agent_grants g LEFT JOIN users u ON u.id = g.user_id \
         WHERE g.agent_id = $1 ORDER BY g.user_id IS NULL, lower(u.name), g.id",
    )
    .bind(agent.as_str())
    .fetch_all(connection)
    .await?)
}

/// The id and level of the agent's grant to `user`, or with `None` to the
/// whole workspace.
pub(crate) async fn existing(
    conn: &mut Connection,
    agent: &AgentId,
    user: Option<&UserId>,
) -> Result<Option<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, level FROM agent_grants WHERE agent_id = $1 \
         AND ((user_id IS NULL AND $2 IS NULL) OR user_id = $2)",
    )
    .bind(agent.as_str())
    .bind(user.map(UserId::as_str))
    .fetch_optional(conn)
    .await?)
}

pub(crate) async fn set_level(conn: &mut Connection, id: &str, level: AccessLevel) -> Result<()> {
    sqlx::query("UPDATE agent_grants SET level = $1 WHERE id = $2")
        .bind(level.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A grant about to be stored; for the whole workspace without a `user`.
pub(crate) struct GrantInsert<'a> {
    pub id: &'a GrantId,
    pub agent: &'a AgentId,
    pub user: Option<&'a UserId>,
    pub level: AccessLevel,
    pub created_by: &'a UserId,
    pub created_at: i64,
}

pub(crate) async fn insert(conn: &mut Connection, grant: GrantInsert<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO agent_grants (id, agent_id, user_id, level, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(grant.id.as_str())
    .bind(grant.agent.as_str())
    .bind(grant.user.map(UserId::as_str))
    .bind(grant.level.as_str())
    .bind(grant.created_by.as_str())
    .bind(grant.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn delete(conn: &mut Connection, agent: &AgentId, grant: &GrantId) -> Result<()> {
    sqlx::query("DELETE FROM agent_grants WHERE id = $1 AND agent_id = $2")
        .bind(grant.as_str())
        .bind(agent.as_str())
        .execute(conn)
        .await?;
    Ok(())
}
