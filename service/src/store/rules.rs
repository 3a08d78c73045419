//! The `rules` table: the workspace's enforced and workspace lists and each
//! agent's own list, each kept in order by `position`; and the policy
//! versions of agents and workspaces that mark compiled rule sets out of
//! date when a list changes.

use super::{Connection, Executor};
use crate::ids::{AgentId, RuleId, WorkspaceId};
use crate::model::identity::Principal;
use crate::model::rules::{RuleInfo, RuleList};
use crate::{Error, Result, validate};

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: String,
    layer: String,
    position: i64,
    tool: String,
    action: String,
    pattern: Option<String>,
    note: String,
}

impl TryFrom<RuleRow> for RuleInfo {
    type Error = Error;

    fn try_from(row: RuleRow) -> Result<Self> {
        Ok(Self {
            id: RuleId::from_string(row.id),
            layer: validate::stored("rule layer", &row.layer)?,
            position: row.position,
            action: validate::stored("rule action", &row.action)?,
            tool: row.tool,
            pattern: row.pattern,
            note: row.note,
        })
    }
}

/// The rules of one list of `workspace`, in order.
pub(crate) async fn of_list<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    list: &RuleList,
) -> Result<Vec<RuleInfo>> {
    let rows: Vec<RuleRow> = sqlx::query_as(
        "SELECT id, layer, position, tool, action, pattern, note FROM rules \
         WHERE workspace_id = $1 AND layer = $2 AND (agent_id = $3 OR ($3 IS NULL AND agent_id IS NULL)) \
         ORDER BY position",
    )
    .bind(workspace.as_str())
    .bind(list.layer().as_str())
    .bind(list.agent().map(AgentId::as_str))
    .fetch_all(db)
    .await?;
    rows.into_iter().map(RuleInfo::try_from).collect()
}

/// The layer of one of the workspace's own rules (not an agent's), as
/// stored.
pub(crate) async fn workspace_rule_layer<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    id: &RuleId,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT layer FROM rules WHERE id = $1 AND workspace_id = $2 AND agent_id IS NULL",
    )
    .bind(id.as_str())
    .bind(workspace.as_str())
    .fetch_optional(db)
    .await?)
}

/// The position after the last rule of a list.
pub(crate) async fn next_position(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    list: &RuleList,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM rules \
         WHERE workspace_id = $1 AND layer = $2 AND (agent_id = $3 OR ($3 IS NULL AND agent_id IS NULL))",
    )
    .bind(workspace.as_str())
    .bind(list.layer().as_str())
    .bind(list.agent().map(AgentId::as_str))
    .fetch_one(conn)
    .await?)
}

/// Writes a rule row as given (its list is `agent`'s, or the workspace's
/// per `rule.layer`), created by `principal` at `now`.
pub(crate) async fn insert(
    conn: &mut Connection,
    principal: &Principal,
    agent: Option<&AgentId>,
    rule: &RuleInfo,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO rules (id, workspace_id, agent_id, layer, position, tool, action, pattern, note, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(rule.id.as_str())
    .bind(principal.workspace_id.as_str())
    .bind(agent.map(AgentId::as_str))
    .bind(rule.layer.as_str())
    .bind(rule.position)
    .bind(&rule.tool)
    .bind(rule.action.as_str())
    .bind(rule.pattern.as_deref())
    .bind(&rule.note)
    .bind(principal.user_id.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Rewrites a rule's tool, action, pattern and note; its position stays.
pub(crate) async fn update(conn: &mut Connection, rule: &RuleInfo, now: i64) -> Result<()> {
    sqlx::query("UPDATE rules SET tool = $1, action = $2, pattern = $3, note = $4, updated_at = $5 WHERE id = $6")
        .bind(&rule.tool)
        .bind(rule.action.as_str())
        .bind(rule.pattern.as_deref())
        .bind(&rule.note)
        .bind(now)
        .bind(rule.id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the rule at `position` of a list; the ones after it move up.
pub(crate) async fn delete(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    list: &RuleList,
    id: &RuleId,
    position: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM rules WHERE id = $1")
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE rules SET position = position - 1 WHERE workspace_id = $1 AND layer = $2 \
         AND (agent_id = $3 OR ($3 IS NULL AND agent_id IS NULL)) AND position > $4",
    )
    .bind(workspace.as_str())
    .bind(list.layer().as_str())
    .bind(list.agent().map(AgentId::as_str))
    .bind(position)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Numbers the rules `order` names 1, 2, … in that order.
pub(crate) async fn reorder(conn: &mut Connection, order: &[String]) -> Result<()> {
    for (index, id) in order.iter().enumerate() {
        sqlx::query("UPDATE rules SET position = $1 WHERE id = $2")
            .bind(i64::try_from(index).unwrap_or(i64::MAX) + 1)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Marks an agent's compiled rules out of date.
pub(crate) async fn invalidate_agent(conn: &mut Connection, agent: &AgentId) -> Result<()> {
    sqlx::query("UPDATE agents SET policy_version = policy_version + 1 WHERE id = $1")
        .bind(agent.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks every compiled rule set of a workspace out of date.
pub(crate) async fn invalidate_workspace(
    conn: &mut Connection,
    workspace: &WorkspaceId,
) -> Result<()> {
    sqlx::query("UPDATE workspaces SET policy_version = policy_version + 1 WHERE id = $1")
        .bind(workspace.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// An agent's policy version, its workspace's, and its execution mode as
/// stored.
pub(crate) async fn policy_versions<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    agent: &AgentId,
) -> Result<Option<(i64, i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT agents.policy_version, workspaces.policy_version, agents.execution_mode \
         FROM agents JOIN workspaces ON workspaces.id = agents.workspace_id \
         WHERE agents.id = $1 AND agents.workspace_id = $2",
    )
    .bind(agent.as_str())
    .bind(workspace.as_str())
    .fetch_optional(db)
    .await?)
}
