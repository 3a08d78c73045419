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

use super::{AgentScope, PRINCIPAL_COLUMNS, Principal, PrincipalRow};
use crate::agents::Capability;
use crate::clock::{from_millis, to_millis};
use crate::hashed_secrets::{PERSONAL_ACCESS_TOKEN, note_use};
use crate::ids::{AgentId, TokenId};
use crate::{Bosun, Error, Result, validate};

/// The longest an expiring token may live.
pub const MAX_TOKEN_LIFETIME: chrono::Duration = chrono::Duration::days(366);

/// A token as listed: never its value.
#[derive(Clone, Debug, Serialize)]
pub struct TokenInfo {
    pub id: TokenId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// For an agent token, the agent whose interactive runs it is limited
    /// to, and its name.
    pub agent_id: Option<AgentId>,
    pub agent_name: Option<String>,
    /// When it stops working; none for never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A token just created: the only time its value is seen.
#[derive(Clone, Debug, Serialize)]
pub struct CreatedToken {
    pub info: TokenInfo,
    pub token: String,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
    agent_id: Option<String>,
    agent_name: Option<String>,
    expires_at: Option<i64>,
}

impl From<TokenRow> for TokenInfo {
    fn from(row: TokenRow) -> Self {
        Self {
            id: TokenId::from_string(row.id),
            name: row.name,
            created_at: from_millis(row.created_at),
            last_used_at: row.last_used_at.map(from_millis),
            agent_id: row.agent_id.map(AgentId::from_string),
            agent_name: row.agent_name,
            expires_at: row.expires_at.map(from_millis),
        }
    }
}

/// What a token is asked for: a name, optionally the one agent it is
/// limited to, optionally when it stops working.
#[derive(Clone, Debug, Default)]
pub struct NewToken {
    pub name: String,
    pub agent: Option<AgentId>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A presented token's user, with what limits the token.
#[derive(sqlx::FromRow)]
struct PresentedRow {
    #[sqlx(flatten)]
    principal: PrincipalRow,
    scope_agent_id: Option<String>,
    scope_agent_name: Option<String>,
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
        sqlx::query(
            "INSERT INTO personal_access_tokens (id, user_id, name, token_hash, created_at, agent_id, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.as_str())
        .bind(actor.user_id.as_str())
        .bind(&name)
        .bind(&token.hash)
        .bind(to_millis(now))
        .bind(request.agent.as_ref().map(AgentId::as_str))
        .bind(request.expires_at.map(to_millis))
        .execute(&mut *tx)
        .await?;
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
        let rows: Vec<TokenRow> = sqlx::query_as(
            "SELECT tokens.id, tokens.name, tokens.created_at, tokens.last_used_at, tokens.agent_id, \
             agents.name AS agent_name, tokens.expires_at FROM personal_access_tokens tokens \
             LEFT JOIN agents ON agents.id = tokens.agent_id \
             WHERE tokens.user_id = $1 AND tokens.revoked_at IS NULL \
             ORDER BY tokens.created_at DESC, tokens.id DESC",
        )
        .bind(actor.user_id.as_str())
        .fetch_all(self.db().pool())
        .await?;
        Ok(rows.into_iter().map(TokenInfo::from).collect())
    }

    /// Revokes one of the principal's own tokens.
    pub async fn revoke_token(&self, actor: &Principal, id: &TokenId) -> Result<()> {
        actor.require_unscoped()?;
        let mut tx = self.db().begin_write().await?;
        let result = sqlx::query(
            "UPDATE personal_access_tokens SET revoked_at = $1 \
             WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(to_millis(self.now()))
        .bind(id.as_str())
        .bind(actor.user_id.as_str())
        .execute(&mut *tx)
        .await?;
        if result.rows_affected() == 0 {
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
        let row: Option<PresentedRow> = sqlx::query_as(&format!(
            "SELECT {PRINCIPAL_COLUMNS}, tokens.agent_id AS scope_agent_id, \
             scoped.name AS scope_agent_name FROM personal_access_tokens tokens \
             JOIN users ON users.id = tokens.user_id \
             LEFT JOIN agents scoped ON scoped.id = tokens.agent_id \
             WHERE tokens.token_hash = $1 AND tokens.revoked_at IS NULL \
             AND (tokens.expires_at IS NULL OR tokens.expires_at > $2) \
             AND users.deactivated_at IS NULL"
        ))
        .bind(&hash)
        .bind(now)
        .fetch_optional(self.db().pool())
        .await?;
        let row = row.ok_or(Error::Unauthenticated)?;
        let mut principal = Principal::try_from(row.principal)?;
        principal.agent_scope = row.scope_agent_id.map(|id| AgentScope {
            id: AgentId::from_string(id),
            name: row.scope_agent_name.unwrap_or_default(),
        });
        note_use(
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
