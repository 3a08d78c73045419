//! The `approvals` table: requests of runs' tool calls that wait for a
//! reviewer, and how each was decided ([`crate::runs::approvals`]).

use super::{Connection, Executor};
use crate::Result;
use crate::clock::to_millis;
use crate::ids::RunId;
use crate::runs::decision_log::{NewApproval, NewToolCall};

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

/// Files the request `approval` of the decided call `call`, pending, in
/// the decision writer's batch.
pub(crate) async fn insert_requested(
    conn: &mut Connection,
    call: &NewToolCall,
    approval: &NewApproval,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO approvals (id, workspace_id, agent_id, run_id, tool_call_id, tool, input, risk, \
         status, requested_at, expires_at, input_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11)",
    )
    .bind(approval.id.as_str())
    .bind(approval.workspace_id.as_str())
    .bind(approval.agent_id.as_str())
    .bind(call.run_id.as_str())
    .bind(call.id.as_str())
    .bind(call.tool.as_str())
    .bind(call.input.as_str())
    .bind(call.risk.as_str())
    .bind(to_millis(call.at))
    .bind(approval.expires_at)
    .bind(i64::from(call.input_json))
    .execute(conn)
    .await?;
    Ok(())
}
