//! Personal access tokens: created by a user for the REST API, shown once,
//! stored as a SHA-256 hash ([`crate::hashed_secrets`]), revocable,
//! optionally expiring.
//!
//! An agent token is one limited to one agent's interactive runs: it starts
//! them and makes their runtime calls, and nothing else, so an agent that
//! leaks its environment leaks no more. Only the routes of interactive runs
//! take one ([`Bosun::authenticate_agent_token`]); everything else refuses
//! it ([`Bosun::authenticate_token`]). It works only while its creator may
//! still run the agent, checked at every use.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Principal;
use crate::access::Capability;
use crate::clock::to_millis;
use crate::hashed_secrets::PERSONAL_ACCESS_TOKEN;
use crate::ids::{AgentId, TokenId};
pub use crate::model::identity::TokenInfo;
use crate::store::{self, tokens};
use crate::{Bosun, Error, Result, validate};

/// The longest an expiring token may live.
pub const MAX_TOKEN_LIFETIME: chrono::Duration = chrono::Duration::days(366);

/// A token just created: the only time its value is seen.
#[derive(Clone, Debug, Serialize)]
pub struct CreatedToken {
    pub info: TokenInfo,
    pub token: String,
}

/// What a token is asked for: a name, optionally the one agent it is
/// limited to, optionally when it stops working.
#[derive(Clone, Debug, Default)]
pub struct NewToken {
    pub name: String,
    pub agent: Option<AgentId>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Bosun {
    /// Creates a personal access token for the principal; its value is
    /// returned only here.
    pub async fn create_token(&self, actor: &Principal, name: &str) -> Result<CreatedToken> {
        let request = NewToken {
            name: name.to_owned(),
            ..NewToken::default()
        };
        self.create_scoped_token(actor, request).await
    }

    /// Creates a token for the principal, limited to one agent's
    /// interactive runs if the request names one (they need run access to
    /// it; a stranger is told it does not exist) and expiring if it says
    /// when (in the future, within [`MAX_TOKEN_LIFETIME`]). Only a person's
    /// own session or personal access token makes tokens.
    pub async fn create_scoped_token(
        &self,
        actor: &Principal,
        request: NewToken,
    ) -> Result<CreatedToken> {
        actor.require_unscoped()?;
        let now = self.now();
        if let Some(expires_at) = request.expires_at {
            if expires_at <= now {
                return Err(Error::invalid("expires_at", "must be in the future"));
            }
            if expires_at > now + MAX_TOKEN_LIFETIME {
                return Err(Error::invalid(
                    "expires_at",
                    "must be at most a year from now",
                ));
            }
        }
        let agent_name = match &request.agent {
            Some(agent) => Some(
                self.agent_for(actor, agent, Capability::Run)
                    .await?
                    .agent
                    .name,
            ),
            None => None,
        };
        let name = match &agent_name {
            Some(agent) if request.name.trim().is_empty() => {
                format!("agent {}", agent.chars().take(90).collect::<String>())
            }
            _ => request.name,
        };
        let name = validate::label("name", &name, validate::MAX_NAME_CHARS)?;
        let token = PERSONAL_ACCESS_TOKEN.generate();
        let id = TokenId::generate();
        let mut tx = self.db().begin_write().await?;
        let row = tokens::TokenInsert {
            id: &id,
            user: &actor.user_id,
            name: &name,
            hash: &token.hash,
            created_at: to_millis(now),
            agent: request.agent.as_ref(),
            expires_at: request.expires_at.map(to_millis),
        };
        tokens::insert(&mut tx, row).await?;
        tx.commit().await?;
        Ok(CreatedToken {
            info: TokenInfo {
                id,
                name,
                created_at: now,
                last_used_at: None,
                agent_id: request.agent,
                agent_name,
                expires_at: request.expires_at,
            },
            token: token.value,
        })
    }

    /// The principal's own unrevoked tokens, newest first, expired ones
    /// included (they say so).
    pub async fn list_tokens(&self, actor: &Principal) -> Result<Vec<TokenInfo>> {
        actor.require_unscoped()?;
        tokens::of_user(self.db().pool(), &actor.user_id).await
    }

    /// Revokes one of the principal's own tokens.
    pub async fn revoke_token(&self, actor: &Principal, id: &TokenId) -> Result<()> {
        actor.require_unscoped()?;
        let mut tx = self.db().begin_write().await?;
        if !tokens::revoke(&mut tx, &actor.user_id, id, to_millis(self.now())).await? {
            return Err(Error::NotFound("token"));
        }
        tx.commit().await
    }

    /// The principal a bearer token stands for, if it is a live token of an
    /// active user; an agent token is refused (403 `token_scope`, naming its
    /// agent): it opens nothing but its agent's interactive runs.
    pub async fn authenticate_token(&self, token: &str) -> Result<Principal> {
        let principal = self.authenticate_agent_token(token).await?;
        principal.require_unscoped()?;
        Ok(principal)
    }

    /// [`Bosun::authenticate_token`] for the routes of an agent's
    /// interactive runs: an agent token is taken too, its agent set as the
    /// principal's [`Principal::agent_scope`], which the use cases of
    /// interactive runs hold it to.
    pub async fn authenticate_agent_token(&self, token: &str) -> Result<Principal> {
        let Some(hash) = PERSONAL_ACCESS_TOKEN.presented_hash(token) else {
            return Err(Error::Unauthenticated);
        };
        let now = to_millis(self.now());
        let principal = tokens::presented(self.db().pool(), &hash, now)
            .await?
            .ok_or(Error::Unauthenticated)?;
        store::note_use(
            self.db(),
            now,
            "personal_access_tokens",
            "token_hash",
            &hash,
        )
        .await?;
        Ok(principal)
    }
}
