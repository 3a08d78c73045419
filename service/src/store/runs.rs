//! The `runs` table: runs of agents, queued for a worker, started by a
//! runtime key or interactive ([`crate::runs`]).

use super::{Connection, Executor, Insert};
use crate::Result;
use crate::agents::access::run_starter_sql;
use crate::ids::{AgentId, RunId, UserId, WorkspaceId};
use crate::runs::{RUN_COLUMNS, RunRow};

/// An open interactive run whose last event (or, with none, its start) is
/// no later than `$1`, as SQL over `runs`.
const IDLE_INTERACTIVE: &str = "interactive = 1 AND status = 'running' AND \
     COALESCE((SELECT MAX(events.at) FROM events WHERE events.run_id = runs.id), runs.created_at) <= $1";

/// An interactive run about to be stored, `running` from `created_at`.
pub(crate) struct InteractiveInsert<'a> {
    pub id: &'a RunId,
    pub workspace: &'a WorkspaceId,
    pub agent: &'a AgentId,
    /// The input as JSON text.
    pub input: String,
    pub started_by: &'a str,
    pub credential_model: &'a str,
    pub external_id: &'a str,
    pub created_at: i64,
}

/// Stores an interactive run; [`Insert::Taken`] when its starter already
/// has one open under the same external id (the unique index on open
/// interactive runs refuses a second).
pub(crate) async fn insert_interactive(
    conn: &mut Connection,
    run: InteractiveInsert<'_>,
) -> Result<Insert> {
    Insert::of(
        sqlx::query(
            "INSERT INTO runs (id, workspace_id, agent_id, status, input, started_by, credential_model, \
             interactive, external_id, created_at, claimed_at) \
             VALUES ($1, $2, $3, 'running', $4, $5, $6, 1, $7, $8, $8)",
        )
        .bind(run.id.as_str())
        .bind(run.workspace.as_str())
        .bind(run.agent.as_str())
        .bind(run.input)
        .bind(run.started_by)
        .bind(run.credential_model)
        .bind(run.external_id)
        .bind(run.created_at)
        .execute(conn)
        .await,
    )
}

/// The open interactive run `user` started of `agent` under
/// `external_id`, in `workspace`.
pub(crate) async fn open_interactive<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    agent: &AgentId,
    user: &UserId,
    external_id: &str,
) -> Result<Option<RunRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE agent_id = $1 AND started_by = $2 AND external_id = $3 \
         AND interactive = 1 AND status = 'running' AND workspace_id = $4"
    ))
    .bind(agent.as_str())
    .bind(user.as_str())
    .bind(external_id)
    .bind(workspace.as_str())
    .fetch_optional(db)
    .await?)
}

/// An open interactive run with no event since a cutoff.
#[derive(sqlx::FromRow)]
pub(crate) struct IdleRun {
    pub id: String,
    pub workspace_id: String,
    pub agent_id: String,
    pub started_by: Option<String>,
}

/// Up to 500 open interactive runs with no event (or, with none, no
/// start) after `cutoff`.
pub(crate) async fn idle_interactive<'c>(
    db: impl Executor<'c>,
    cutoff: i64,
) -> Result<Vec<IdleRun>> {
    Ok(sqlx::query_as(&format!(
        "SELECT id, workspace_id, agent_id, started_by FROM runs \
         WHERE {IDLE_INTERACTIVE} LIMIT 500"
    ))
    .bind(cutoff)
    .fetch_all(db)
    .await?)
}

/// Ends the interactive run `run` as `failed` with `output` (JSON text)
/// at `now`, if it is still idle since `cutoff`; whether it was.
pub(crate) async fn end_if_idle(
    conn: &mut Connection,
    run: &str,
    cutoff: i64,
    output: String,
    now: i64,
) -> Result<bool> {
    let updated = sqlx::query(&format!(
        "UPDATE runs SET status = 'failed', output = $2, finished_at = $3 \
         WHERE id = $4 AND {IDLE_INTERACTIVE}"
    ))
    .bind(cutoff)
    .bind(output)
    .bind(now)
    .bind(run)
    .execute(conn)
    .await?;
    Ok(super::touched(&updated))
}

/// A run with whose it counts as, for [`crate::Bosun::run_in_reach`].
#[derive(sqlx::FromRow)]
pub(crate) struct ReachableRun {
    #[sqlx(flatten)]
    pub(crate) run: RunRow,
    /// Whose run it counts as: its starter, or its key's creator.
    pub(crate) starter: Option<String>,
}

/// The run `run` of `workspace` with whose it counts as.
pub(crate) async fn with_starter<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    run: &RunId,
) -> Result<Option<ReachableRun>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS}, {} AS starter FROM runs WHERE id = $1 AND workspace_id = $2",
        run_starter_sql("runs")
    ))
    .bind(run.as_str())
    .bind(workspace.as_str())
    .fetch_optional(db)
    .await?)
}

/// Ends the run `run` of `workspace` as `cancelled` by `by` at `now`, if it
/// is queued or running; whether it was.
pub(crate) async fn cancel(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    run: &RunId,
    by: &UserId,
    now: i64,
) -> Result<bool> {
    let ended = sqlx::query(
        "UPDATE runs SET status = 'cancelled', finished_at = $1, cancelled_by = $2 \
         WHERE id = $3 AND workspace_id = $4 AND status IN ('queued', 'running')",
    )
    .bind(now)
    .bind(by.as_str())
    .bind(run.as_str())
    .bind(workspace.as_str())
    .execute(conn)
    .await?;
    Ok(super::touched(&ended))
}
