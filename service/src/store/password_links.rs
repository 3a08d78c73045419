//! The `password_links` table: one-time set-password links by the hash of
//! their token.

use super::{Connection, Executor};
use crate::Result;
use crate::ids::UserId;

/// A link about to be stored: the hash of its token, never the token.
pub(crate) struct LinkInsert<'a> {
    pub user: &'a UserId,
    pub token_hash: String,
    pub created_by: &'a UserId,
    pub created_at: i64,
    pub expires_at: i64,
}

/// An unused, unexpired link's user (who is active), their workspace and
/// email, and when the link expires.
pub(crate) struct UsableLink {
    pub user_id: String,
    pub workspace_id: String,
    pub email: String,
    pub expires_at: i64,
}

/// Stores a link for its user in place of any earlier one.
pub(crate) async fn replace(conn: &mut Connection, link: LinkInsert<'_>) -> Result<()> {
    sqlx::query("DELETE FROM password_links WHERE user_id = $1")
        .bind(link.user.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO password_links (id, user_id, token_hash, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(UserId::generate().as_str())
    .bind(link.user.as_str())
    .bind(link.token_hash)
    .bind(link.created_by.as_str())
    .bind(link.created_at)
    .bind(link.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The link whose token has this hash, while it is usable.
pub(crate) async fn usable<'c>(
    db: impl Executor<'c>,
    token_hash: &str,
    now: i64,
) -> Result<Option<UsableLink>> {
    let row: Option<(String, String, String, i64)> = sqlx::query_as(
        "SELECT users.id, users.workspace_id, users.email, password_links.expires_at \
         FROM password_links JOIN users ON users.id = password_links.user_id \
         WHERE password_links.token_hash = $1 AND password_links.used_at IS NULL \
         AND password_links.expires_at > $2 AND users.deactivated_at IS NULL",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(
        row.map(|(user_id, workspace_id, email, expires_at)| UsableLink {
            user_id,
            workspace_id,
            email,
            expires_at,
        }),
    )
}

/// Marks the unused, unexpired link with this token hash used at `now`;
/// whether it was there to claim. Of two claims at once, one wins.
pub(crate) async fn claim(
    conn: &mut Connection,
    token_hash: Option<String>,
    now: i64,
) -> Result<bool> {
    let claimed = sqlx::query(
        "UPDATE password_links SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(token_hash)
    .execute(conn)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Drops the user's outstanding link, which would undo a password change.
pub(crate) async fn delete_unused(conn: &mut Connection, user: &str) -> Result<()> {
    sqlx::query("DELETE FROM password_links WHERE user_id = $1 AND used_at IS NULL")
        .bind(user)
        .execute(conn)
        .await?;
    Ok(())
}
