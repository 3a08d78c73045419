//! The `runtime_keys` table: agents' runtime keys by their hash, never
//! their value. Whether a key is live is [`live_key_sql`]'s condition,
//! which `model::access` writes beside the rule it restates.

use super::{Connection, Executor};
use crate::Result;
use crate::clock::from_millis;
use crate::db::Backend;
use crate::ids::{AgentId, RuntimeKeyId, UserId, WorkspaceId};
use crate::model::access::live_key_sql;
use crate::model::identity::Principal;
use crate::model::runs::{AgentKey, KeyInfo};

/// A live key's row, as [`KEY_COLUMNS`] select it.
#[derive(sqlx::FromRow)]
pub(crate) struct KeyRow {
    key_id: String,
    key_agent_id: String,
    key_workspace_id: String,
    key_name: String,
    key_created_by: String,
}

impl From<KeyRow> for AgentKey {
    fn from(row: KeyRow) -> Self {
        Self {
            key_id: RuntimeKeyId::from_string(row.key_id),
            agent_id: AgentId::from_string(row.key_agent_id),
            workspace_id: WorkspaceId::from_string(row.key_workspace_id),
            name: row.key_name,
            created_by: UserId::from_string(row.key_created_by),
        }
    }
}

/// The columns of `runtime_keys` an [`AgentKey`] is made of, as [`KeyRow`]
/// reads them.
pub(crate) const KEY_COLUMNS: &str = "runtime_keys.id AS key_id, runtime_keys.agent_id AS key_agent_id, \
     runtime_keys.workspace_id AS key_workspace_id, runtime_keys.name AS key_name, \
     runtime_keys.created_by AS key_created_by";

/// A key about to be stored, for the principal's workspace: its hash,
/// never its value.
pub(crate) struct KeyInsert<'a> {
    pub id: &'a RuntimeKeyId,
    pub agent: &'a AgentId,
    pub name: &'a str,
    pub hash: &'a str,
    pub created_at: i64,
}

pub(crate) async fn insert(
    conn: &mut Connection,
    principal: &Principal,
    key: KeyInsert<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO runtime_keys (id, workspace_id, agent_id, name, key_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(key.id.as_str())
    .bind(principal.workspace_id.as_str())
    .bind(key.agent.as_str())
    .bind(key.name)
    .bind(key.hash)
    .bind(principal.user_id.as_str())
    .bind(key.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The agent's unrevoked keys, newest first, each saying whether it works.
pub(crate) async fn of_agent<'c>(db: impl Executor<'c>, agent: &AgentId) -> Result<Vec<KeyInfo>> {
    #[derive(sqlx::FromRow)]
    struct KeyInfoRow {
        id: String,
        name: String,
        created_by: String,
        created_by_name: String,
        created_at: i64,
        last_used_at: Option<i64>,
        active: i64,
    }
    let rows: Vec<KeyInfoRow> = sqlx::query_as(&format!(
        "SELECT runtime_keys.id, runtime_keys.name, runtime_keys.created_by, \
         COALESCE(creators.name, '') AS created_by_name, runtime_keys.created_at, \
         runtime_keys.last_used_at, CAST(CASE WHEN {} THEN 1 ELSE 0 END AS BIGINT) AS active \
         FROM runtime_keys JOIN agents ON agents.id = runtime_keys.agent_id \
         LEFT JOIN users creators ON creators.id = runtime_keys.created_by \
         WHERE runtime_keys.agent_id = $1 AND runtime_keys.revoked_at IS NULL \
         ORDER BY runtime_keys.created_at DESC, runtime_keys.id",
        live_key_sql("runtime_keys", "agents")
    ))
    .bind(agent.as_str())
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| KeyInfo {
            id: RuntimeKeyId::from_string(row.id),
            name: row.name,
            created_by: UserId::from_string(row.created_by),
            created_by_name: row.created_by_name,
            created_at: from_millis(row.created_at),
            last_used_at: row.last_used_at.map(from_millis),
            active: row.active != 0,
        })
        .collect())
}

/// Revokes one of the agent's unrevoked keys at `now`; whether there was
/// one.
pub(crate) async fn revoke(
    conn: &mut Connection,
    agent: &AgentId,
    key: &RuntimeKeyId,
    now: i64,
) -> Result<bool> {
    let revoked = sqlx::query(
        "UPDATE runtime_keys SET revoked_at = $1 WHERE id = $2 AND agent_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(key.as_str())
    .bind(agent.as_str())
    .execute(conn)
    .await?;
    Ok(super::touched(&revoked))
}

/// The live key with this hash.
pub(crate) async fn live_by_hash<'c>(
    db: impl Executor<'c>,
    hash: &str,
) -> Result<Option<AgentKey>> {
    let row: Option<KeyRow> = sqlx::query_as(&format!(
        "SELECT {KEY_COLUMNS} FROM runtime_keys JOIN agents ON agents.id = runtime_keys.agent_id \
         WHERE runtime_keys.key_hash = $1 AND {}",
        live_key_sql("runtime_keys", "agents")
    ))
    .bind(hash)
    .fetch_optional(db)
    .await?;
    Ok(row.map(AgentKey::from))
}

/// Whether the key is live.
pub(crate) async fn is_live<'c>(db: impl Executor<'c>, key: &RuntimeKeyId) -> Result<bool> {
    let live: Option<String> = sqlx::query_scalar(&format!(
        "SELECT runtime_keys.id FROM runtime_keys JOIN agents ON agents.id = runtime_keys.agent_id \
         WHERE runtime_keys.id = $1 AND {}",
        live_key_sql("runtime_keys", "agents")
    ))
    .bind(key.as_str())
    .fetch_optional(db)
    .await?;
    Ok(live.is_some())
}

/// Notes the last use of each key in `uses` (its id, and the time of its
/// latest call), in the decision writer's batch.
///
/// A key being revoked right now holds its row until its event has a
/// place in the chain, which the batch holds: waiting for the row here
/// would deadlock with it. On PostgreSQL its last use is then left as it
/// was (SQLite's writer holds the whole store, so nothing else holds the
/// row).
pub(crate) async fn note_batch_uses<'a>(
    conn: &mut Connection,
    backend: Backend,
    uses: impl IntoIterator<Item = (&'a str, i64)>,
) -> Result<()> {
    let note_use = match backend {
        Backend::Sqlite => "UPDATE runtime_keys SET last_used_at = $1 WHERE id = $2",
        Backend::Postgres => {
            "UPDATE runtime_keys SET last_used_at = $1 WHERE id = \
             (SELECT id FROM runtime_keys WHERE id = $2 FOR UPDATE SKIP LOCKED)"
        }
    };
    for (key, at) in uses {
        sqlx::query(note_use)
            .bind(at)
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
