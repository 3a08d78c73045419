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
use crate::store::runtime_keys::{self, KeyInsert};
use serde::Serialize;

use crate::access::Capability;
use crate::access::Manageable;
use crate::clock::to_millis;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::{AgentId, RuntimeKeyId};
use crate::model::agents::AgentView;
pub use crate::model::runs::{AgentKey, KeyInfo};
use crate::runs::approvals::Affected;
use crate::{Bosun, Error, Principal, Result, validate};
use bosun_wire::events::{RuntimeKeyCreated, RuntimeKeyRevoked};

/// A key just created: the only time its value is seen.
#[derive(Clone, Debug, Serialize)]
pub struct CreatedKey {
    pub id: RuntimeKeyId,
    pub key: String,
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
        let name = validate::label("name", name, validate::MAX_NAME_CHARS)?;
        let key = RUNTIME_KEY.generate();
        let id = RuntimeKeyId::generate();
        let now = self.now();
        let row = KeyInsert {
            id: &id,
            agent,
            name: &name,
            hash: &key.hash,
            created_at: to_millis(now),
        };
        runtime_keys::insert(&mut tx, principal, row).await?;
        let data = events::data_of(&RuntimeKeyCreated {
            key_id: id.to_string(),
            name: name.clone(),
        })?;
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
        runtime_keys::of_agent(self.db().pool(), agent).await
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
        if !runtime_keys::revoke(&mut tx, agent, key, to_millis(self.now())).await? {
            return Err(Error::NotFound("runtime key"));
        }
        let data = events::data_of(&RuntimeKeyRevoked {
            key_id: key.to_string(),
        })?;
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
        let key = runtime_keys::live_by_hash(self.db().pool(), &hash)
            .await?
            .ok_or(Error::Unauthenticated)?;
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
        runtime_keys::is_live(self.db().pool(), &key.key_id).await
    }

    /// Whether a bearer token looks like a runtime key (rather than a PAT).
    pub fn is_runtime_key(token: &str) -> bool {
        RUNTIME_KEY.looks_like(token)
    }
}
