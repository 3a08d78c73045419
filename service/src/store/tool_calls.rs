//! The `tool_calls` table: each call a run asked about, its decision and
//! its result ([`crate::runs::tool_calls`]). The decision writer
//! ([`crate::runs::decision_log`]) still writes calls with its own SQL.

use serde_json::Value;

use super::{Connection, Executor};
use crate::Result;
use crate::ids::{AgentId, ApprovalId, RunId, ToolCallId};
use crate::runs::Runner;
use crate::runs::input;
use crate::runs::tool_calls::ToolCallState;
use crate::store::runs::STARTER_RUNS;

/// A tool call's row, as [`COLUMNS`] select it.
#[derive(sqlx::FromRow)]
pub(crate) struct ToolCallRow {
    pub(crate) id: String,
    pub(crate) run_id: String,
    pub(crate) tool: String,
    pub(crate) input: String,
    pub(crate) input_json: i64,
    pub(crate) outcome: Option<String>,
    pub(crate) final_input: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) reason: String,
    pub(crate) risk: String,
    pub(crate) approval_id: Option<String>,
    pub(crate) result: Option<String>,
    pub(crate) error: Option<String>,
}

impl ToolCallRow {
    /// The call as its agent is told it stands.
    pub(crate) fn state(&self) -> ToolCallState {
        ToolCallState {
            id: ToolCallId::from_string(self.id.clone()),
            decision: self.outcome.clone().unwrap_or_else(|| "pending".into()),
            reason: serde_json::from_str(&self.reason).unwrap_or(Value::Null),
            risk: serde_json::from_str(&self.risk).unwrap_or(Value::Null),
            approval_id: self.approval_id.clone().map(ApprovalId::from_string),
            input: input::from_column(
                self.final_input.as_deref().unwrap_or(&self.input),
                self.input_json,
            ),
            edited: self
                .final_input
                .as_ref()
                .is_some_and(|edited| *edited != self.input),
            message: self.message.clone(),
            rule: None,
        }
    }
}

const COLUMNS: &str = "id, run_id, tool, input, input_json, outcome, final_input, message, reason, risk, approval_id, result, error";

/// The input (as its column keeps it, see
/// [`crate::runs::input::from_column`]) and working directory of the
/// `limit` newest calls of `tool` by runs of `agent`, but `except`.
pub(crate) async fn recent_inputs<'c>(
    db: impl Executor<'c>,
    agent: &AgentId,
    tool: &str,
    except: &str,
    limit: i64,
) -> Result<Vec<(String, i64, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT tool_calls.input, tool_calls.input_json, tool_calls.working_dir FROM tool_calls \
         JOIN runs ON runs.id = tool_calls.run_id \
         WHERE runs.agent_id = $1 AND tool_calls.tool = $2 AND tool_calls.id <> $3 \
         ORDER BY tool_calls.created_at DESC LIMIT $4",
    )
    .bind(agent.as_str())
    .bind(tool)
    .bind(except)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// The call of `run` that its agent gave the idempotency key `key`.
pub(crate) async fn by_idempotency_key<'c>(
    db: impl Executor<'c>,
    run: &RunId,
    key: &str,
) -> Result<Option<ToolCallRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tool_calls WHERE run_id = $1 AND idempotency_key = $2"
    ))
    .bind(run.as_str())
    .bind(key)
    .fetch_optional(db)
    .await?)
}

/// The call `id` of a run `runner` may act on (see
/// [`crate::Bosun::run_of_runner`]).
pub(crate) async fn of_runner<'c>(
    db: impl Executor<'c>,
    runner: &Runner,
    id: &ToolCallId,
) -> Result<Option<ToolCallRow>> {
    let (whose, owner, workspace, scope) = match runner {
        Runner::Key(key) => (
            // (`$4`, a person's scope, is null here.)
            "runs.agent_id = $2 AND runs.interactive = 0 AND runs.workspace_id = $3 \
             AND ($4 IS NULL OR runs.agent_id = $4)",
            key.agent_id.as_str(),
            &key.workspace_id,
            None,
        ),
        Runner::Starter(principal) => (
            STARTER_RUNS,
            principal.user_id.as_str(),
            &principal.workspace_id,
            principal.agent_scope.as_ref().map(|scope| &scope.id),
        ),
    };
    Ok(sqlx::query_as(&format!(
        "SELECT tool_calls.{} FROM tool_calls JOIN runs ON runs.id = tool_calls.run_id \
         WHERE tool_calls.id = $1 AND {whose}",
        COLUMNS.replace(", ", ", tool_calls.")
    ))
    .bind(id.as_str())
    .bind(owner)
    .bind(workspace.as_str())
    .bind(scope.map(AgentId::as_str))
    .fetch_optional(db)
    .await?)
}

/// Keeps the call's result: its output (JSON text) or its error, at `now`.
pub(crate) async fn set_result(
    conn: &mut Connection,
    id: &ToolCallId,
    output: Option<&str>,
    error: Option<String>,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE tool_calls SET result = $1, error = $2, finished_at = $3 WHERE id = $4")
        .bind(output)
        .bind(error)
        .bind(now)
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}
