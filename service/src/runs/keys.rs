//! Runtime keys: how an agent's worker proves it is that agent. Created,
//! listed and revoked by the agent's owner and workspace admins only (a key
//! starts runs and receives the agent's secrets); shown once, stored as a
//! SHA-256 hash ([`crate::hashed_secrets`]). A key works only while it is
//! not revoked and its creator is still an active member who owns the
//! agent or administers the workspace: checked at every use (a busy
//! worker's tool calls reuse what was read only while nothing it depends
//! on changed, see [`super::hot_runs`]).

use crate::hashed_secrets::RUNTIME_KEY;
use crate::store::note_use;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::agents::access::{Manageable, live_key_sql};
use crate::agents::{AgentView, Capability};
use crate::clock::{from_millis, to_millis};
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{AgentId, RuntimeKeyId, UserId, WorkspaceId};
use crate::runs::approvals::Affected;
use crate::{Bosun, Error, Principal, Result, validate};

/// An agent's worker, authenticated by its runtime key.
#[derive(Clone, Debug)]
pub struct AgentKey {
    pub key_id: RuntimeKeyId,
    pub agent_id: AgentId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    /// Who created it: a run the key starts counts as theirs.
    pub created_by: UserId,
}

impl AgentKey {
    /// How the key appears as an actor in the trace.
    pub fn actor(&self) -> String {
        format!("key:{}", self.key_id)
    }

    /// How the trace names the key: its id, name and creator.
    pub fn trace_reference(&self) -> bosun_wire::events::KeyReference {
        bosun_wire::events::KeyReference {
            id: self.key_id.to_string(),
            name: self.name.clone(),
            created_by: self.created_by.to_string(),
        }
    }
}

/// A runtime key as its agent's owner and admins see it, never its value.
#[derive(Clone, Debug, Serialize)]
pub struct KeyInfo {
    pub id: RuntimeKeyId,
    pub name: String,
    pub created_by: UserId,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// False once its creator no longer owns the agent or administers the
    /// workspace (or was deactivated): the key is refused until then.
    pub active: bool,
}

/// A key just created: the only time its value is seen.
#[derive(Clone, Debug, Serialize)]
pub struct CreatedKey {
    pub id: RuntimeKeyId,
    pub key: String,
}

/// The columns of `runtime_keys` an [`AgentKey`] is made of, as [`KeyRow`]
/// reads them.
pub(crate) const KEY_COLUMNS: &str = "runtime_keys.id AS key_id, runtime_keys.agent_id AS key_agent_id, \
     runtime_keys.workspace_id AS key_workspace_id, runtime_keys.name AS key_name, \
     runtime_keys.created_by AS key_created_by";

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

/// How a presented runtime key is looked up, if it looks like one.
pub(crate) fn presented_hash(key: &str) -> Option<String> {
    RUNTIME_KEY.presented_hash(key)
}

impl Bosun {
    pub async fn create_runtime_key(
        &self,
        principal: &Principal,
        agent: &AgentId,
        name: &str,
    ) -> Result<CreatedKey> {
        let mut tx = self.db().begin_write().await?;
        let _: Manageable<AgentView> = self
            .agent_proof_as(&mut tx, principal, agent, Capability::ManageKeys)
            .await?;
        let name = validate::label("name", name, 100)?;
        let key = RUNTIME_KEY.generate();
        let id = RuntimeKeyId::generate();
        let now = self.now();
        sqlx::query(
            "INSERT INTO runtime_keys (id, workspace_id, agent_id, name, key_hash, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.as_str())
        .bind(principal.workspace_id.as_str())
        .bind(agent.as_str())
        .bind(&name)
        .bind(&key.hash)
        .bind(principal.user_id.as_str())
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        let data = json!({ "key_id": id, "name": name });
        events::append(
            &mut tx,
            now,
            NewEvent::audit(EventKind::RuntimeKeyCreated, principal, Some(agent), data),
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedKey { id, key: key.value })
    }

    pub async fn list_runtime_keys(
        &self,
        principal: &Principal,
        agent: &AgentId,
    ) -> Result<Vec<KeyInfo>> {
        self.agent_for(principal, agent, Capability::ManageKeys)
            .await?;
        #[derive(sqlx::FromRow)]
        struct KeyRow {
            id: String,
            name: String,
            created_by: String,
            created_by_name: String,
            created_at: i64,
            last_used_at: Option<i64>,
            active: i64,
        }
        let rows: Vec<KeyRow> = sqlx::query_as(&format!(
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
        .fetch_all(self.db().pool())
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

    pub async fn revoke_runtime_key(
        &self,
        principal: &Principal,
        agent: &AgentId,
        key: &RuntimeKeyId,
    ) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        let _: Manageable<AgentView> = self
            .agent_proof_as(&mut tx, principal, agent, Capability::ManageKeys)
            .await?;
        let revoked = sqlx::query(
            "UPDATE runtime_keys SET revoked_at = $1 WHERE id = $2 AND agent_id = $3 AND revoked_at IS NULL",
        )
        .bind(to_millis(self.now()))
        .bind(key.as_str())
        .bind(agent.as_str())
        .execute(&mut *tx)
        .await?;
        if revoked.rows_affected() == 0 {
            return Err(Error::NotFound("runtime key"));
        }
        let data = json!({ "key_id": key });
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(EventKind::RuntimeKeyRevoked, principal, Some(agent), data),
        )
        .await?;
        // The runs the key started act for nobody now: what they wait for
        // is withdrawn with the key.
        self.withdraw_disentitled(&mut tx, &principal.workspace_id, Affected::Agent(agent))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The agent a bearer runtime key stands for, if it is live: not
    /// revoked, and its creator still owns the agent or administers the
    /// workspace. Any other key is refused as unknown.
    pub async fn authenticate_runtime_key(&self, key: &str) -> Result<AgentKey> {
        let Some(hash) = presented_hash(key) else {
            return Err(Error::Unauthenticated);
        };
        let row: Option<KeyRow> = sqlx::query_as(&format!(
            "SELECT {KEY_COLUMNS} FROM runtime_keys JOIN agents ON agents.id = runtime_keys.agent_id \
             WHERE runtime_keys.key_hash = $1 AND {}",
            live_key_sql("runtime_keys", "agents")
        ))
        .bind(&hash)
        .fetch_optional(self.db().pool())
        .await?;
        let key = AgentKey::from(row.ok_or(Error::Unauthenticated)?);
        // Tool calls note their key's use as they are recorded; every other
        // runtime call passes here.
        note_use(
            self.db(),
            to_millis(self.now()),
            "runtime_keys",
            "key_hash",
            &hash,
        )
        .await?;
        Ok(key)
    }

    /// Whether an authenticated key still works (its creator may have lost
    /// their rights since).
    pub(crate) async fn runtime_key_is_live(&self, key: &AgentKey) -> Result<bool> {
        let live: Option<String> = sqlx::query_scalar(&format!(
            "SELECT runtime_keys.id FROM runtime_keys JOIN agents ON agents.id = runtime_keys.agent_id \
             WHERE runtime_keys.id = $1 AND {}",
            live_key_sql("runtime_keys", "agents")
        ))
        .bind(key.key_id.as_str())
        .fetch_optional(self.db().pool())
        .await?;
        Ok(live.is_some())
    }

    /// Whether a bearer token looks like a runtime key (rather than a PAT).
    pub fn is_runtime_key(token: &str) -> bool {
        RUNTIME_KEY.looks_like(token)
    }
}
