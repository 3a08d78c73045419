//! Runtime keys: how an agent's worker proves it is that agent. Created by
//! the agent's editors, shown once, stored as a SHA-256 hash, revocable.

use crate::identity::random_secret;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::agents::Capability;
use crate::clock::{from_millis, to_millis};
use crate::events::{self, NewEvent};
use crate::ids::{AgentId, RuntimeKeyId, WorkspaceId};
use crate::{Bosun, Error, Principal, Result, validate};

const PREFIX: &str = "bosun_rk_";

/// An agent's worker, authenticated by its runtime key.
#[derive(Clone, Debug)]
pub struct AgentKey {
    pub key_id: RuntimeKeyId,
    pub agent_id: AgentId,
    pub workspace_id: WorkspaceId,
}

impl AgentKey {
    /// How the key appears as an actor in the trace.
    pub fn actor(&self) -> String {
        format!("key:{}", self.key_id)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct KeyInfo {
    pub id: RuntimeKeyId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A key just created: the only time its value is seen.
#[derive(Clone, Debug, Serialize)]
pub struct CreatedKey {
    pub id: RuntimeKeyId,
    pub key: String,
}

/// How a presented runtime key is looked up, if it looks like one.
pub(crate) fn presented_hash(key: &str) -> Option<String> {
    key.starts_with(PREFIX).then(|| hash(key))
}

fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl Bosun {
    pub async fn create_runtime_key(
        &self,
        principal: &Principal,
        agent: &AgentId,
        name: &str,
    ) -> Result<CreatedKey> {
        self.agent_for(principal, agent, Capability::Edit).await?;
        let name = validate::label("name", name, 100)?;
        let key = format!("{PREFIX}{}", random_secret(40));
        let id = RuntimeKeyId::generate();
        let now = self.now();
        let mut tx = self.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO runtime_keys (id, workspace_id, agent_id, name, key_hash, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.as_str())
        .bind(principal.workspace_id.as_str())
        .bind(agent.as_str())
        .bind(&name)
        .bind(hash(&key))
        .bind(principal.user_id.as_str())
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        let data = json!({ "key_id": id, "name": name });
        events::append(
            &mut tx,
            now,
            NewEvent::audit("runtime_key.created", principal, Some(agent), data),
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedKey { id, key })
    }

    pub async fn list_runtime_keys(
        &self,
        principal: &Principal,
        agent: &AgentId,
    ) -> Result<Vec<KeyInfo>> {
        self.agent_for(principal, agent, Capability::Edit).await?;
        let rows: Vec<(String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, name, created_at, last_used_at FROM runtime_keys \
             WHERE agent_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC",
        )
        .bind(agent.as_str())
        .fetch_all(self.db().pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, created_at, last_used_at)| KeyInfo {
                id: RuntimeKeyId::from_string(id),
                name,
                created_at: from_millis(created_at),
                last_used_at: last_used_at.map(from_millis),
            })
            .collect())
    }

    pub async fn revoke_runtime_key(
        &self,
        principal: &Principal,
        agent: &AgentId,
        key: &RuntimeKeyId,
    ) -> Result<()> {
        self.agent_for(principal, agent, Capability::Edit).await?;
        let mut tx = self.db().begin_write().await?;
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
            NewEvent::audit("runtime_key.revoked", principal, Some(agent), data),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The agent a bearer runtime key stands for, if it is live.
    pub async fn authenticate_runtime_key(&self, key: &str) -> Result<AgentKey> {
        if !key.starts_with(PREFIX) {
            return Err(Error::Unauthenticated);
        }
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT id, agent_id, workspace_id FROM runtime_keys WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(hash(key))
        .fetch_optional(self.db().pool())
        .await?;
        let (id, agent, workspace) = row.ok_or(Error::Unauthenticated)?;
        Ok(AgentKey {
            key_id: RuntimeKeyId::from_string(id),
            agent_id: AgentId::from_string(agent),
            workspace_id: WorkspaceId::from_string(workspace),
        })
    }

    /// Whether a bearer token looks like a runtime key (rather than a PAT).
    pub fn is_runtime_key(token: &str) -> bool {
        token.starts_with(PREFIX)
    }
}
