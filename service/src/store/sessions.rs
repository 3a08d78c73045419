//! The `sessions` table: browser sessions by the hash of their id, with
//! their data as JSON text and when they expire (milliseconds).

use super::{Connection, Executor, touched};
use crate::Result;

/// Writes a session's row: inserted only when no row has its key yet
/// (`replace` false), or inserted or overwritten. Answers whether it was.
pub(crate) async fn write(
    conn: &mut Connection,
    id_hash: &str,
    data: &str,
    expires_at: i64,
    replace: bool,
) -> Result<bool> {
    let on_conflict = if replace {
        "DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at"
    } else {
        "DO NOTHING"
    };
    let sql = format!(
        "INSERT INTO sessions (id_hash, data, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id_hash) {on_conflict}"
    );
    let done = sqlx::query(&sql)
        .bind(id_hash)
        .bind(data)
        .bind(expires_at)
        .execute(&mut *conn)
        .await?;
    Ok(touched(&done))
}

/// A live session's data and expiry, if it has not expired by `now`.
pub(crate) async fn live<'c>(
    db: impl Executor<'c>,
    id_hash: &str,
    now: i64,
) -> Result<Option<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT data, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(id_hash)
    .bind(now)
    .fetch_optional(db)
    .await?)
}

pub(crate) async fn delete(conn: &mut Connection, id_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes the sessions expired by `now`.
pub(crate) async fn delete_expired(conn: &mut Connection, now: i64) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
