//! The `runs` table: runs of agents, queued for a worker, started by a
//! runtime key or interactive ([`crate::runs`]), and the reads of a
//! running run that every runtime call makes ([`ActiveRun`]).

use serde_json::Value;

use super::runtime_keys::{KEY_COLUMNS, KeyRow};
use super::{Connection, Executor, Insert};
use crate::clock::from_millis;
use crate::ids::{AgentId, RunId, UserId, WorkspaceId};
use crate::model::access::{live_key_sql, run_entitled_sql, run_starter_sql};
use crate::model::runs::{AgentKey, Run, Runner};
use crate::{Result, validate};

/// A run's row, as [`RUN_COLUMNS`] select it.
#[derive(sqlx::FromRow)]
pub(crate) struct RunRow {
    pub id: String,
    pub agent_id: String,
    pub status: String,
    pub input: String,
    pub output: Option<String>,
    pub started_by: Option<String>,
    pub started_by_key: Option<String>,
    pub interactive: i64,
    pub external_id: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// The columns of `runs` a [`RunRow`] is made of.
pub(crate) const RUN_COLUMNS: &str = "id, agent_id, status, input, output, started_by, started_by_key, \
     interactive, external_id, created_at, finished_at";

impl RunRow {
    /// The run; an error when the stored status is not a run status.
    pub(crate) fn run(&self) -> Result<Run> {
        Ok(Run {
            id: RunId::from_string(self.id.clone()),
            agent_id: AgentId::from_string(self.agent_id.clone()),
            status: validate::stored("run status", &self.status)?,
            input: serde_json::from_str(&self.input).unwrap_or(Value::Null),
            output: self
                .output
                .as_deref()
                .and_then(|o| serde_json::from_str(o).ok()),
            started_by: self.started_by.clone(),
            started_by_key: self.started_by_key.clone(),
            interactive: self.interactive != 0,
            external_id: self.external_id.clone(),
            created_at: from_millis(self.created_at),
            finished_at: self.finished_at.map(from_millis),
        })
    }
}

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

/// A queued run about to be stored: started by a user, or by a runtime key.
pub(crate) struct QueuedInsert<'a> {
    pub id: &'a RunId,
    pub workspace: &'a WorkspaceId,
    pub agent: &'a AgentId,
    /// The input as JSON text.
    pub input: String,
    pub started_by: Option<&'a str>,
    pub started_by_key: Option<&'a str>,
    pub credential_model: &'a str,
    pub created_at: i64,
}

pub(crate) async fn insert_queued(conn: &mut Connection, run: QueuedInsert<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO runs (id, workspace_id, agent_id, status, input, started_by, started_by_key, \
         credential_model, created_at) VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8)",
    )
    .bind(run.id.as_str())
    .bind(run.workspace.as_str())
    .bind(run.agent.as_str())
    .bind(run.input)
    .bind(run.started_by)
    .bind(run.started_by_key)
    .bind(run.credential_model)
    .bind(run.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Up to `limit` runs of `agent`, newest first: all of them when
/// `everyone`, else those `user` started.
pub(crate) async fn of_agent<'c>(
    db: impl Executor<'c>,
    agent: &AgentId,
    everyone: bool,
    user: &UserId,
    limit: i64,
) -> Result<Vec<RunRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE agent_id = $1 AND ($2 = 1 OR started_by = $3) \
         ORDER BY created_at DESC, id DESC LIMIT $4"
    ))
    .bind(agent.as_str())
    .bind(i64::from(everyone))
    .bind(user.as_str())
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Claims for `key` at `now` its agent's oldest queued run that is not
/// interactive and whose starter may still run it, if the key is live.
pub(crate) async fn claim_oldest_queued(
    conn: &mut Connection,
    key: &AgentKey,
    now: i64,
) -> Result<Option<RunRow>> {
    Ok(sqlx::query_as(&format!(
        "UPDATE runs SET status = 'running', claimed_at = $1, claimed_by_key = $2 \
         WHERE id = (SELECT queued.id FROM runs queued JOIN agents ON agents.id = queued.agent_id \
           JOIN runtime_keys ON runtime_keys.id = $2 AND runtime_keys.agent_id = agents.id AND {} \
           WHERE queued.agent_id = $3 AND queued.status = 'queued' AND queued.interactive = 0 AND {} \
           ORDER BY queued.created_at, queued.id LIMIT 1) \
         AND status = 'queued' RETURNING {RUN_COLUMNS}",
        live_key_sql("runtime_keys", "agents"),
        run_entitled_sql("queued", "agents")
    ))
    .bind(now)
    .bind(key.key_id.as_str())
    .bind(key.agent_id.as_str())
    .fetch_optional(conn)
    .await?)
}

/// Ends the running run `run` with `status` and `output` (JSON text) at
/// `now`; whether it was running.
pub(crate) async fn finish(
    conn: &mut Connection,
    run: &RunId,
    status: &str,
    output: Option<&str>,
    now: i64,
) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE runs SET status = $1, output = $2, finished_at = $3 WHERE id = $4 AND status = 'running'",
    )
    .bind(status)
    .bind(output)
    .bind(now)
    .bind(run.as_str())
    .execute(conn)
    .await?;
    Ok(super::touched(&updated))
}

/// The run `run` of `workspace`.
pub(crate) async fn by_id<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    run: &RunId,
) -> Result<Option<RunRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE id = $1 AND workspace_id = $2"
    ))
    .bind(run.as_str())
    .bind(workspace.as_str())
    .fetch_optional(db)
    .await?)
}

/// A running run as its agent's runtime calls need it: who it acts for,
/// whether they may still, and what deciding a tool call takes.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(crate) struct ActiveRun {
    pub id: String,
    pub workspace_id: String,
    pub agent_id: String,
    /// Read through `check_running`, which refuses a run not running.
    pub(crate) status: String,
    pub started_by: Option<String>,
    /// 1 while whoever the run acts for may still have it go on (see
    /// [`run_entitled_sql`]), else 0; read through `check_entitled`.
    pub(crate) entitled: i64,
    /// The agent's enabled tools, as stored (a JSON array).
    pub tools: String,
    pub execution_mode: String,
    /// The credential model the run started with (not the agent's now).
    pub credential_model: String,
    pub agent_policy_version: i64,
    pub workspace_policy_version: i64,
    /// The agent's own time-to-live for approval requests when shorter
    /// than the workspace's, else the workspace's.
    pub approval_ttl_seconds: i64,
    /// 1 when a reviewer allowed something for this run (see
    /// [`crate::runs::allowances`]), else 0: only then is there anything
    /// to look up.
    pub has_allowances: i64,
    /// 1 for an interactive run (see [`crate::runs::interactive`]), else 0.
    pub interactive: i64,
    /// How many credential values were issued to the run (each one a value
    /// its inputs are redacted against).
    pub issued_credentials: i64,
    /// The store's access version this was read at (see
    /// [`crate::runs::hot_runs`]).
    pub access_version: i64,
}

/// The runs a person (`$2`, of workspace `$3`) acts on with their own
/// token: the interactive runs they started, of the one agent (`$4`) their
/// token is limited to if it is.
pub(crate) const STARTER_RUNS: &str = "runs.interactive = 1 AND runs.started_by = $2 \
     AND runs.workspace_id = $3 AND ($4 IS NULL OR runs.agent_id = $4)";

/// How a runtime key reaches the runs it may act on: any of the agent's
/// live keys, on the agent's runs that are not interactive.
const KEY_RUNS_JOIN: &str = "JOIN runtime_keys ON runtime_keys.agent_id = runs.agent_id \
     AND runtime_keys.workspace_id = runs.workspace_id AND runs.interactive = 0";

/// The read behind [`crate::Bosun::active_run`]: the run (`$1`), its
/// agent, whether whoever it acts for may still, and what deciding a call
/// takes. A key (joined as `join`, matched as `condition` says, its
/// columns as `extra_columns` name them) must be one of the agent's live
/// keys.
fn active_run_sql(extra_columns: &str, join: &str, condition: &str) -> String {
    let live_key = if join.is_empty() {
        String::new()
    } else {
        format!(" AND {}", live_key_sql("runtime_keys", "agents"))
    };
    format!(
        "SELECT {extra_columns}runs.id, runs.workspace_id, runs.agent_id, runs.status, runs.started_by, \
         CAST(CASE WHEN {entitled} THEN 1 ELSE 0 END AS BIGINT) AS entitled, \
         agents.tools, agents.execution_mode, \
         COALESCE(runs.credential_model, agents.credential_model) AS credential_model, \
         agents.policy_version AS agent_policy_version, \
         workspaces.policy_version AS workspace_policy_version, \
         CASE WHEN agents.approval_ttl_seconds < workspaces.approval_ttl_seconds \
           THEN agents.approval_ttl_seconds ELSE workspaces.approval_ttl_seconds END AS approval_ttl_seconds, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM run_allowances WHERE run_allowances.run_id = runs.id) \
           THEN 1 ELSE 0 END AS BIGINT) AS has_allowances, runs.interactive, \
         CAST((SELECT COUNT(*) FROM run_issued_credentials WHERE run_issued_credentials.run_id = runs.id) \
           AS BIGINT) AS issued_credentials, \
         (SELECT version FROM access_version WHERE access_version.id = 1) AS access_version \
         FROM runs JOIN agents ON agents.id = runs.agent_id \
         JOIN workspaces ON workspaces.id = runs.workspace_id \
         {join} WHERE runs.id = $1 AND {condition}{live_key}",
        entitled = run_entitled_sql("runs", "agents"),
    )
}

/// The run `run` as `runner` may act on it, in any state, with whether
/// whoever it acts for may still have it go on; none when the runner may
/// not act on it (or the key is no longer live). Read on any executor: the
/// decision writer reads it again inside its transaction when what a
/// decision read may have changed since (see [`crate::runs::hot_runs`]).
pub(crate) async fn active_of_runner<'c>(
    db: impl Executor<'c>,
    runner: &Runner,
    run: &str,
) -> Result<Option<ActiveRun>> {
    Ok(match runner {
        Runner::Key(key) => {
            sqlx::query_as(&active_run_sql("", KEY_RUNS_JOIN, "runtime_keys.id = $2"))
                .bind(run)
                .bind(key.key_id.as_str())
                .fetch_optional(db)
                .await?
        }
        Runner::Starter(principal) => {
            sqlx::query_as(&active_run_sql("", "", STARTER_RUNS))
                .bind(run)
                .bind(principal.user_id.as_str())
                .bind(principal.workspace_id.as_str())
                .bind(
                    principal
                        .agent_scope
                        .as_ref()
                        .map(|scope| scope.id.as_str()),
                )
                .fetch_optional(db)
                .await?
        }
    })
}

/// The run `run` with the live key of its agent whose hash is `hash`, in
/// one read: the hot path of every agent's tool calls.
pub(crate) async fn active_for_key_hash<'c>(
    db: impl Executor<'c>,
    run: &RunId,
    hash: &str,
) -> Result<Option<(AgentKey, ActiveRun)>> {
    #[derive(sqlx::FromRow)]
    struct Keyed {
        #[sqlx(flatten)]
        key: KeyRow,
        #[sqlx(flatten)]
        run: ActiveRun,
    }
    let row: Option<Keyed> = sqlx::query_as(&active_run_sql(
        &format!("{KEY_COLUMNS}, "),
        KEY_RUNS_JOIN,
        "runtime_keys.key_hash = $2",
    ))
    .bind(run.as_str())
    .bind(hash)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|Keyed { key, run }| (key.into(), run)))
}

/// The store's access version now (see [`crate::runs::hot_runs`]).
pub(crate) async fn access_version(conn: &mut Connection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT version FROM access_version WHERE id = 1")
            .fetch_one(conn)
            .await?,
    )
}
