//! The `personal_access_tokens` table: tokens by their hash, never their
//! value, with the agent an agent token is limited to.

use super::users::{PRINCIPAL_COLUMNS, PrincipalRow};
use super::{Connection, Executor};
use crate::Result;
use crate::clock::from_millis;
use crate::ids::{AgentId, TokenId, UserId};
use crate::model::identity::{AgentScope, Principal, TokenInfo};

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

/// A presented token's user, with what limits the token.
#[derive(sqlx::FromRow)]
struct PresentedRow {
    #[sqlx(flatten)]
    principal: PrincipalRow,
    scope_agent_id: Option<String>,
    scope_agent_name: Option<String>,
}

/// A token about to be stored: its hash, never its value.
pub(crate) struct TokenInsert<'a> {
    pub id: &'a TokenId,
    pub user: &'a UserId,
    pub name: &'a str,
    pub hash: &'a str,
    pub created_at: i64,
    pub agent: Option<&'a AgentId>,
    pub expires_at: Option<i64>,
}

pub(crate) async fn insert(conn: &mut Connection, token: TokenInsert<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO personal_access_tokens (id, user_id, name, token_hash, created_at, agent_id, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token.id.as_str())
    .bind(token.user.as_str())
    .bind(token.name)
    .bind(token.hash)
    .bind(token.created_at)
    .bind(token.agent.map(AgentId::as_str))
    .bind(token.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user's unrevoked tokens, newest first, expired ones included.
pub(crate) async fn of_user<'c>(db: impl Executor<'c>, user: &UserId) -> Result<Vec<TokenInfo>> {
    let rows: Vec<TokenRow> = sqlx::query_as(
        "SELECT tokens.id, tokens.name, tokens.created_at, tokens.last_used_at, tokens.agent_id, \
         agents.name AS agent_name, tokens.expires_at FROM personal_access_tokens tokens \
         LEFT JOIN agents ON agents.id = tokens.agent_id \
         WHERE tokens.user_id = $1 AND tokens.revoked_at IS NULL \
         ORDER BY tokens.created_at DESC, tokens.id DESC",
    )
    .bind(user.as_str())
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(TokenInfo::from).collect())
}

/// Revokes one of the user's unrevoked tokens; whether there was one.
pub(crate) async fn revoke(
    conn: &mut Connection,
    user: &UserId,
    id: &TokenId,
    now: i64,
) -> Result<bool> {
    let result = sqlx::query(
        "UPDATE personal_access_tokens SET revoked_at = $1 \
         WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id.as_str())
    .bind(user.as_str())
    .execute(conn)
    .await?;
    Ok(super::touched(&result))
}

/// The active user whose live token has this hash, with the agent the
/// token is limited to as the principal's scope.
pub(crate) async fn presented<'c>(
    db: impl Executor<'c>,
    hash: &str,
    now: i64,
) -> Result<Option<Principal>> {
    let row: Option<PresentedRow> = sqlx::query_as(&format!(
        "SELECT {PRINCIPAL_COLUMNS}, tokens.agent_id AS scope_agent_id, \
         scoped.name AS scope_agent_name FROM personal_access_tokens tokens \
         JOIN users ON users.id = tokens.user_id \
         LEFT JOIN agents scoped ON scoped.id = tokens.agent_id \
         WHERE tokens.token_hash = $1 AND tokens.revoked_at IS NULL \
         AND (tokens.expires_at IS NULL OR tokens.expires_at > $2) \
         AND users.deactivated_at IS NULL"
    ))
    .bind(hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut principal = Principal::try_from(row.principal)?;
    principal.agent_scope = row.scope_agent_id.map(|id| AgentScope {
        id: AgentId::from_string(id),
        name: row.scope_agent_name.unwrap_or_default(),
    });
    Ok(Some(principal))
}
