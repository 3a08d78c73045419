//! The `approvals` table: requests of runs' tool calls that wait for a
//! reviewer, and how each was decided ([`crate::runs::approvals`]).

use super::{Connection, Executor};
use crate::Result;
use crate::ids::RunId;

/// A pending request of a run, as the run's page shows it.
#[derive(sqlx::FromRow)]
pub(crate) struct WaitingRow {
    pub id: String,
    pub tool: String,
    /// The input as its column keeps it (see [`crate::runs::input::from_column`]).
    pub input: String,
    pub input_json: i64,
    pub requested_at: i64,
    pub expires_at: i64,
}

/// The pending requests of `run`, oldest first.
pub(crate) async fn waiting_of_run<'c>(
    db: impl Executor<'c>,
    run: &RunId,
) -> Result<Vec<WaitingRow>> {
    Ok(sqlx::query_as(
        "SELECT id, tool, input, input_json, requested_at, expires_at FROM approvals \
         WHERE run_id = $1 AND status = 'pending' ORDER BY requested_at, id",
    )
    .bind(run.as_str())
    .fetch_all(db)
    .await?)
}

/// The id, tool call and tool of each pending request of `run`, read in
/// the transaction that is about to close them.
pub(crate) async fn pending_of_run(
    conn: &mut Connection,
    run: &RunId,
) -> Result<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, tool_call_id, tool FROM approvals WHERE run_id = $1 AND status = 'pending'",
    )
    .bind(run.as_str())
    .fetch_all(conn)
    .await?)
}
