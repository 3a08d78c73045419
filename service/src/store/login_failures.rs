//! The `login_failures` table: failed logins counted per email and per
//! client network within the throttle window.

use super::Connection;
use crate::{Backend, Result};

/// The PostgreSQL advisory lock that login attempts take turns on while
/// they are counted (an arbitrary constant, "login" in ASCII).
const LOGIN_THROTTLE_LOCK: i64 = 0x006c_6f67_696e;

/// What failures are counted against.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CountedBy {
    Email,
    Address,
}

impl CountedBy {
    fn column(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Address => "address",
        }
    }
}

/// Makes the counting transaction on `conn` the only one: SQLite's write
/// transaction already has the store to itself; on PostgreSQL, attempts
/// from every process take turns here.
pub(crate) async fn take_turn(conn: &mut Connection, backend: Backend) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOGIN_THROTTLE_LOCK)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// How many failures `value` has had since `since`, and when the oldest of
/// them was.
pub(crate) async fn count_since(
    conn: &mut Connection,
    by: CountedBy,
    value: &str,
    since: i64,
) -> Result<(i64, Option<i64>)> {
    let column = by.column();
    Ok(sqlx::query_as(&format!(
        "SELECT COUNT(*), MIN(failed_at) FROM login_failures WHERE {column} = $1 AND failed_at > $2"
    ))
    .bind(value)
    .bind(since)
    .fetch_one(conn)
    .await?)
}

pub(crate) async fn insert(
    conn: &mut Connection,
    email: &str,
    address: &str,
    failed_at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO login_failures (email, address, failed_at) VALUES ($1, $2, $3)")
        .bind(email)
        .bind(address)
        .bind(failed_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets the failures of `email` from `address`.
pub(crate) async fn forgive(conn: &mut Connection, email: &str, address: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1 AND address = $2")
        .bind(email)
        .bind(address)
        .execute(conn)
        .await?;
    Ok(())
}
