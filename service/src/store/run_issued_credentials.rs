//! The `run_issued_credentials` table: each credential value handed to a
//! run, sealed, so that the run's later inputs can be redacted against it
//! ([`crate::runs::input`] seals and opens them).

use super::Connection;
use crate::Result;
use crate::ids::RunId;

/// Keeps the sealed value (as [`crate::vault::Sealed::to_text`]
/// writes it) of the credential `name` issued to `run` at `issued_at`.
pub(crate) async fn insert(
    conn: &mut Connection,
    run: &RunId,
    name: &str,
    sealed: &str,
    issued_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO run_issued_credentials (run_id, name, sealed, issued_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(run.as_str())
    .bind(name)
    .bind(sealed)
    .bind(issued_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The name and sealed value of each credential issued to `run`, in the
/// order they were issued.
pub(crate) async fn of_run(conn: &mut Connection, run: &RunId) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT name, sealed FROM run_issued_credentials WHERE run_id = $1 ORDER BY issued_at",
    )
    .bind(run.as_str())
    .fetch_all(conn)
    .await?)
}
