//! The `events` table and the head of its hash chain
//! (`event_chain_head`): what [`crate::events`] appends and checks.

use super::Connection;
use crate::Result;

/// Locks the head of the chain until the transaction ends, so that no
/// event is appended meanwhile: what the decision writer holds while it
/// checks that nothing its batch was decided on has changed (see
/// [`crate::runs::decision_log`]). PostgreSQL only; SQLite's writer holds
/// the whole store already.
pub(crate) async fn lock_head(conn: &mut Connection) -> Result<()> {
    sqlx::query("SELECT seq FROM event_chain_head WHERE id = 1 FOR UPDATE")
        .execute(conn)
        .await?;
    Ok(())
}
