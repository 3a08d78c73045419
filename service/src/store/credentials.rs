//! The `credentials` table: each version of an agent's named secret,
//! sealed ([`crate::vault`]), with who wrote it and when it
//! was last issued.

use chrono::{DateTime, Utc};

use super::{Connection, Executor};
use crate::Result;
use crate::clock::from_millis;
use crate::ids::{AgentId, CredentialId, UserId, WorkspaceId};
use crate::vault::Sealed;

/// The newest version of a secret, sealed, as a run is issued it.
#[derive(sqlx::FromRow)]
pub(crate) struct StoredCredential {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub service_account: String,
    ciphertext: String,
    nonce: String,
    wrapped_key: String,
    key_nonce: String,
}

impl StoredCredential {
    /// The sealed value, to open with the master key.
    pub(crate) fn sealed(&self) -> Sealed {
        Sealed {
            ciphertext: self.ciphertext.clone(),
            nonce: self.nonce.clone(),
            wrapped_key: self.wrapped_key.clone(),
            key_nonce: self.key_nonce.clone(),
        }
    }
}

/// The current version of one of an agent's secrets, as its editors see
/// it: never the value.
pub(crate) struct CredentialMetadata {
    pub name: String,
    pub version: i64,
    pub service_account: String,
    /// When its first version was written.
    pub created_at: DateTime<Utc>,
    /// When this version was written.
    pub written_at: DateTime<Utc>,
    /// When any version was last issued.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A version about to be stored, sealed.
pub(crate) struct CredentialInsert<'a> {
    pub workspace: &'a WorkspaceId,
    pub agent: &'a AgentId,
    pub name: &'a str,
    pub version: i64,
    pub service_account: &'a str,
    pub sealed: &'a Sealed,
    pub written_by: &'a UserId,
    pub written_at: i64,
}

/// The version number and service account of a secret's newest version.
pub(crate) async fn latest_version(
    conn: &mut Connection,
    agent: &AgentId,
    name: &str,
) -> Result<Option<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT version, service_account FROM credentials WHERE agent_id = $1 AND name = $2 \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(agent.as_str())
    .bind(name)
    .fetch_optional(conn)
    .await?)
}

pub(crate) async fn insert(conn: &mut Connection, credential: CredentialInsert<'_>) -> Result<()> {
    let sealed = credential.sealed;
    sqlx::query(
        "INSERT INTO credentials (id, workspace_id, agent_id, name, version, service_account, ciphertext, \
         nonce, wrapped_key, key_nonce, written_by, written_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(CredentialId::generate().as_str())
    .bind(credential.workspace.as_str())
    .bind(credential.agent.as_str())
    .bind(credential.name)
    .bind(credential.version)
    .bind(credential.service_account)
    .bind(&sealed.ciphertext)
    .bind(&sealed.nonce)
    .bind(&sealed.wrapped_key)
    .bind(&sealed.key_nonce)
    .bind(credential.written_by.as_str())
    .bind(credential.written_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The current version of each of an agent's secrets, by name.
pub(crate) async fn of_agent<'c>(
    db: impl Executor<'c>,
    agent: &AgentId,
) -> Result<Vec<CredentialMetadata>> {
    type Row = (String, i64, String, i64, i64, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.name, c.version, c.service_account, \
         (SELECT MIN(written_at) FROM credentials f WHERE f.agent_id = c.agent_id AND f.name = c.name), \
         c.written_at, \
         (SELECT MAX(last_used_at) FROM credentials u WHERE u.agent_id = c.agent_id AND u.name = c.name) \
         FROM credentials c WHERE c.agent_id = $1 AND c.version = \
         (SELECT MAX(version) FROM credentials m WHERE m.agent_id = c.agent_id AND m.name = c.name) \
         ORDER BY c.name",
    )
    .bind(agent.as_str())
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(name, version, service_account, created, written, used)| CredentialMetadata {
                name,
                version,
                service_account,
                created_at: from_millis(created),
                written_at: from_millis(written),
                last_used_at: used.map(from_millis),
            },
        )
        .collect())
}

/// Deletes every version of an agent's secret; whether there was one.
pub(crate) async fn delete(conn: &mut Connection, agent: &AgentId, name: &str) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM credentials WHERE agent_id = $1 AND name = $2")
        .bind(agent.as_str())
        .bind(name)
        .execute(conn)
        .await?;
    Ok(super::touched(&deleted))
}

/// The newest version of an agent's secret in `workspace`.
pub(crate) async fn newest(
    conn: &mut Connection,
    workspace: &str,
    agent: &str,
    name: &str,
) -> Result<Option<StoredCredential>> {
    Ok(sqlx::query_as(
        "SELECT id, name, version, service_account, ciphertext, nonce, wrapped_key, key_nonce \
         FROM credentials WHERE agent_id = $1 AND workspace_id = $2 AND name = $3 \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(agent)
    .bind(workspace)
    .bind(name)
    .fetch_optional(conn)
    .await?)
}

/// Notes that the version `id` was issued at `now`.
pub(crate) async fn note_use(conn: &mut Connection, id: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE credentials SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
