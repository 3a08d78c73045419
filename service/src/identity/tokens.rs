//! Personal access tokens: created by a user for the REST API, shown once,
//! stored as a SHA-256 hash, revocable.

use chrono::{DateTime, Utc};
use rand::Rng as _;
use rand::distributions::Alphanumeric;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{PRINCIPAL_COLUMNS, Principal, PrincipalRow};
use crate::clock::{from_millis, to_millis};
use crate::ids::TokenId;
use crate::{Bosun, Error, Result, validate};

/// Every personal access token starts with this, so leaked tokens are easy
/// to recognize (and to scan for).
const PREFIX: &str = "bosun_pat_";

/// A token as listed: never its value.
#[derive(Clone, Debug, Serialize)]
pub struct TokenInfo {
    pub id: TokenId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
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
}

impl From<TokenRow> for TokenInfo {
    fn from(row: TokenRow) -> Self {
        Self {
            id: TokenId::from_string(row.id),
            name: row.name,
            created_at: from_millis(row.created_at),
            last_used_at: row.last_used_at.map(from_millis),
        }
    }
}

/// Tokens carry 190 bits of randomness, so a fast hash is enough: nobody
/// can guess one to test against it.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// How stale `last_used_at` may get before a use writes it again; saves a
/// write per request for busy tokens.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// Notes the use of the hashed secret `hash` in `table` (its hash in
/// `hash_column`), unless its `last_used_at` is fresher than
/// [`LAST_USED_RESOLUTION_MS`]. For personal access tokens and runtime keys.
pub(crate) async fn note_use(
    db: &crate::Db,
    now: i64,
    table: &'static str,
    hash_column: &'static str,
    hash: &str,
) -> crate::Result<()> {
    sqlx::query(&format!(
        "UPDATE {table} SET last_used_at = $1 \
         WHERE {hash_column} = $2 AND (last_used_at IS NULL OR last_used_at < $3)"
    ))
    .bind(now)
    .bind(hash)
    .bind(now - LAST_USED_RESOLUTION_MS)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// `chars` random letters and digits (about 5.95 bits each).
pub(crate) fn random_secret(chars: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(chars)
        .map(char::from)
        .collect()
}

impl Bosun {
    /// Creates a token for the principal; its value is returned only here.
    pub async fn create_token(&self, actor: &Principal, name: &str) -> Result<CreatedToken> {
        let name = validate::label("name", name, 100)?;
        let token = format!("{PREFIX}{}", random_secret(32));
        let id = TokenId::generate();
        let now = self.now();
        sqlx::query(
            "INSERT INTO personal_access_tokens (id, user_id, name, token_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.as_str())
        .bind(actor.user_id.as_str())
        .bind(&name)
        .bind(token_hash(&token))
        .bind(to_millis(now))
        .execute(self.db().pool())
        .await?;
        Ok(CreatedToken {
            info: TokenInfo {
                id,
                name,
                created_at: now,
                last_used_at: None,
            },
            token,
        })
    }

    /// The principal's own unrevoked tokens, newest first.
    pub async fn list_tokens(&self, actor: &Principal) -> Result<Vec<TokenInfo>> {
        let rows: Vec<TokenRow> = sqlx::query_as(
            "SELECT id, name, created_at, last_used_at FROM personal_access_tokens \
             WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC",
        )
        .bind(actor.user_id.as_str())
        .fetch_all(self.db().pool())
        .await?;
        Ok(rows.into_iter().map(TokenInfo::from).collect())
    }

    /// Revokes one of the principal's own tokens.
    pub async fn revoke_token(&self, actor: &Principal, id: &TokenId) -> Result<()> {
        let result = sqlx::query(
            "UPDATE personal_access_tokens SET revoked_at = $1 \
             WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(to_millis(self.now()))
        .bind(id.as_str())
        .bind(actor.user_id.as_str())
        .execute(self.db().pool())
        .await?;
        if result.rows_affected() == 0 {
            return Err(Error::NotFound("token"));
        }
        Ok(())
    }

    /// The principal a bearer token stands for, if it is a live token of an
    /// active user.
    pub async fn authenticate_token(&self, token: &str) -> Result<Principal> {
        if !token.starts_with(PREFIX) {
            return Err(Error::Unauthenticated);
        }
        let hash = token_hash(token);
        let row: Option<PrincipalRow> = sqlx::query_as(&format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM personal_access_tokens tokens \
             JOIN users ON users.id = tokens.user_id \
             WHERE tokens.token_hash = $1 AND tokens.revoked_at IS NULL \
             AND users.deactivated_at IS NULL"
        ))
        .bind(&hash)
        .fetch_optional(self.db().pool())
        .await?;
        let principal = Principal::try_from(row.ok_or(Error::Unauthenticated)?)?;
        note_use(
            self.db(),
            to_millis(self.now()),
            "personal_access_tokens",
            "token_hash",
            &hash,
        )
        .await?;
        Ok(principal)
    }
}
