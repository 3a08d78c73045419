//! The `tool_calls` table: each call a run asked about, its decision and
//! its result ([`crate::runs::tool_calls`]); the decision writer
//! ([`crate::runs::decision_log`]) inserts decided calls many rows to a
//! statement.

use std::collections::HashSet;

use sqlx::Row as _;

use super::{Connection, Executor};
use crate::clock::to_millis;
use crate::db::{Backend, INSERT_CHUNK, value_rows};
use crate::ids::{AgentId, ApprovalId, RunId, ToolCallId};
use crate::model::runs::{NewToolCall, Runner, ToolCallState};
use crate::store::runs::STARTER_RUNS;
use crate::{Error, Result};

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
    pub(crate) fn state(&self) -> Result<ToolCallState> {
        Ok(ToolCallState {
            id: ToolCallId::from_string(self.id.clone()),
            decision: self.outcome.clone().unwrap_or_else(|| "pending".into()),
            reason: serde_json::from_str(&self.reason)
                .map_err(|e| Error::corrupt("tool call reason", e))?,
            risk: serde_json::from_str(&self.risk)
                .map_err(|e| Error::corrupt("tool call risk", e))?,
            approval_id: self.approval_id.clone().map(ApprovalId::from_string),
            input: super::input_column::decode(
                self.final_input.as_deref().unwrap_or(&self.input),
                self.input_json,
            ),
            edited: self
                .final_input
                .as_ref()
                .is_some_and(|edited| *edited != self.input),
            message: self.message.clone(),
            rule: None,
        })
    }
}

const COLUMNS: &str = "id, run_id, tool, input, input_json, outcome, final_input, message, reason, risk, approval_id, result, error";

/// The input (as its column keeps it, see
/// [`super::input_column::decode`]) and working directory of the
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

fn insert_decided_sql(backend: Backend, rows: usize, tail: &str) -> String {
    format!(
        "INSERT INTO tool_calls (id, run_id, tool, input, working_dir, idempotency_key, decision, outcome, \
         reason, risk, approval_id, created_at, decided_at, input_json, client_tool) VALUES {}{tail}",
        value_rows(backend, rows, 15)
    )
}

fn insert_decided_rows<'q>(
    sql: &'q str,
    calls: &[&'q NewToolCall],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut insert = sqlx::query(sql);
    for call in calls {
        let at = to_millis(call.at);
        insert = insert
            .bind(call.id.as_str())
            .bind(call.run_id.as_str())
            .bind(call.tool.as_str())
            .bind(call.input.as_str())
            .bind(call.working_dir.as_deref())
            .bind(call.idempotency_key.as_deref())
            .bind(call.decision)
            .bind(call.outcome)
            .bind(call.reason.as_str())
            .bind(call.risk.as_str())
            .bind(call.approval.as_ref().map(|approval| approval.id.as_str()))
            .bind(at)
            .bind(call.outcome.map(|_| at))
            .bind(i64::from(call.input_json))
            .bind(call.client_tool.as_deref());
    }
    insert
}

/// Inserts decided calls without an idempotency key, [`INSERT_CHUNK`] rows
/// to a statement. Their ids are new, so nothing refuses them.
pub(crate) async fn insert_decided(
    conn: &mut Connection,
    backend: Backend,
    calls: &[&NewToolCall],
) -> Result<()> {
    for chunk in calls.chunks(INSERT_CHUNK) {
        let sql = insert_decided_sql(backend, chunk.len(), "");
        insert_decided_rows(&sql, chunk).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts decided calls that carry an idempotency key, [`INSERT_CHUNK`]
/// rows to a statement, each unless a call of its run with the same key
/// is stored already (a retry that came first); adds the ids of those it
/// stored to `stored`.
pub(crate) async fn insert_decided_keyed(
    conn: &mut Connection,
    backend: Backend,
    calls: &[&NewToolCall],
    stored: &mut HashSet<String>,
) -> Result<()> {
    for chunk in calls.chunks(INSERT_CHUNK) {
        let sql = insert_decided_sql(backend, chunk.len(), " ON CONFLICT DO NOTHING RETURNING id");
        let rows = insert_decided_rows(&sql, chunk)
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            stored.insert(row.try_get::<String, _>(0)?);
        }
    }
    Ok(())
}

/// Tells the call its reviewer's (or its closing's) outcome at `now`: the
/// outcome, the input it goes on with when that changes, and the message.
pub(crate) async fn resolve(
    conn: &mut Connection,
    id: &str,
    outcome: &str,
    final_input: Option<&str>,
    message: Option<&str>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE tool_calls SET outcome = $1, final_input = COALESCE($2, final_input), message = $3, \
         decided_at = $4 WHERE id = $5",
    )
    .bind(outcome)
    .bind(final_input)
    .bind(message)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
