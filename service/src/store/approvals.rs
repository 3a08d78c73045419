//! The `approvals` table: requests of runs' tool calls that wait for a
//! reviewer, and how each was decided ([`crate::runs::approvals`]). Who
//! may decide a request is [`reviewable_sql`]'s condition, which
//! `model::access` writes beside the rule it restates.

use serde_json::Value;

use super::{Connection, Executor, touched};
use crate::clock::{from_millis, to_millis};
use crate::ids::{AgentId, ApprovalId, RuleId, RunId, ToolCallId, UserId, WorkspaceId};
use crate::model::access::{
    ReviewSubject, admin_flag_sql, reviewable_sql, run_entitled_sql, run_starter_sql,
};
use crate::model::runs::{Affected, Approval, Decider, Resolution};
use crate::model::runs::{NewApproval, NewToolCall};
use crate::{Error, Result, validate};

/// A request's row with its agent's name, its call's working directory,
/// client tool and reason, and who started its run, as [`columns`] select
/// it over [`FROM`].
#[derive(Clone, sqlx::FromRow)]
pub(crate) struct ApprovalRow {
    pub(crate) id: String,
    pub(crate) agent_id: String,
    pub(crate) agent_name: String,
    pub(crate) run_id: String,
    pub(crate) tool_call_id: String,
    pub(crate) tool: String,
    pub(crate) input: String,
    pub(crate) input_json: i64,
    pub(crate) working_dir: Option<String>,
    pub(crate) client_tool: Option<String>,
    pub(crate) reason: String,
    pub(crate) risk: String,
    pub(crate) status: String,
    pub(crate) requested_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) decided_by: Option<String>,
    pub(crate) decision: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) started_by: Option<String>,
    pub(crate) started_by_name: Option<String>,
    pub(crate) started_by_key: Option<String>,
    /// Whose run it counts as: its starter, or its key's creator.
    pub(crate) starter: Option<String>,
}

/// The columns of [`ApprovalRow`] over [`FROM`].
fn columns() -> String {
    format!(
        "approvals.id, approvals.agent_id, agents.name AS agent_name, \
         approvals.run_id, approvals.tool_call_id, approvals.tool, approvals.input, approvals.input_json, tool_calls.working_dir, tool_calls.client_tool, \
         tool_calls.reason, approvals.risk, approvals.status, \
         approvals.requested_at, approvals.expires_at, approvals.decided_by, approvals.decision, approvals.message, \
         runs.started_by, starters.name AS started_by_name, runs.started_by_key, {} AS starter",
        run_starter_sql("runs")
    )
}

const FROM: &str = "approvals JOIN agents ON agents.id = approvals.agent_id JOIN runs ON runs.id = approvals.run_id \
     JOIN tool_calls ON tool_calls.id = approvals.tool_call_id LEFT JOIN users starters ON starters.id = runs.started_by";

impl ReviewSubject for ApprovalRow {
    fn agent(&self) -> AgentId {
        AgentId::from_string(self.agent_id.clone())
    }

    fn starter(&self) -> Option<&str> {
        self.starter.as_deref()
    }

    fn started_by_person(&self) -> bool {
        self.started_by.is_some()
    }
}

impl ApprovalRow {
    /// The request's input, as kept (redacted).
    pub(crate) fn input(&self) -> Value {
        super::input_column::decode(&self.input, self.input_json)
    }

    /// The request as the inbox shows it.
    pub(crate) fn approval(&self) -> Result<Approval> {
        Ok(Approval {
            id: ApprovalId::from_string(self.id.clone()),
            agent_id: AgentId::from_string(self.agent_id.clone()),
            agent_name: self.agent_name.clone(),
            run_id: self.run_id.clone(),
            tool_call_id: ToolCallId::from_string(self.tool_call_id.clone()),
            tool: self.tool.clone(),
            client_tool: self.client_tool.clone(),
            input: self.input(),
            working_dir: self.working_dir.clone(),
            reason: serde_json::from_str(&self.reason)
                .map_err(|e| Error::corrupt("tool call reason", e))?,
            risk: serde_json::from_str(&self.risk)
                .map_err(|e| Error::corrupt("approval risk", e))?,
            status: validate::stored("approval status", &self.status)?,
            requested_at: from_millis(self.requested_at),
            expires_at: from_millis(self.expires_at),
            decided_by: self.decided_by.clone(),
            decision: self
                .decision
                .as_deref()
                .map(|decision| validate::stored("approval decision", decision))
                .transpose()?,
            message: self.message.clone(),
            started_by: self.started_by.clone(),
            started_by_name: self.started_by_name.clone(),
            started_by_key: self.started_by_key.clone(),
        })
    }
}

/// Who reviews: the user (`user`), whether they are an admin and whether
/// their workspace allows self-approval, as [`reviewable_sql`] takes them.
pub(crate) struct Reviewer<'a> {
    pub user: &'a UserId,
    pub is_admin: bool,
    pub self_approval: bool,
}

/// Up to 500 requests of `workspace` with `status` that `reviewer` may
/// review, oldest first.
pub(crate) async fn reviewable_with_status<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    status: &str,
    reviewer: Reviewer<'_>,
) -> Result<Vec<ApprovalRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {} FROM {FROM} WHERE approvals.workspace_id = $1 AND approvals.status = $2 \
         AND {} ORDER BY approvals.requested_at, approvals.id LIMIT 500",
        columns(),
        reviewable_sql("$3", "$4", "$5")
    ))
    .bind(workspace.as_str())
    .bind(status)
    .bind(reviewer.user.as_str())
    .bind(i64::from(reviewer.is_admin))
    .bind(i64::from(reviewer.self_approval))
    .fetch_all(db)
    .await?)
}

/// How many pending requests of `workspace` `reviewer` may decide.
pub(crate) async fn reviewable_pending_count<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    reviewer: Reviewer<'_>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {FROM} WHERE approvals.workspace_id = $1 \
         AND approvals.status = 'pending' AND {}",
        reviewable_sql("$2", "$3", "$4")
    ))
    .bind(workspace.as_str())
    .bind(reviewer.user.as_str())
    .bind(i64::from(reviewer.is_admin))
    .bind(i64::from(reviewer.self_approval))
    .fetch_one(db)
    .await?)
}

/// The request `id` of `workspace`, in any status.
pub(crate) async fn by_id<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    id: &ApprovalId,
) -> Result<Option<ApprovalRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {} FROM {FROM} WHERE approvals.id = $1 AND approvals.workspace_id = $2",
        columns()
    ))
    .bind(id.as_str())
    .bind(workspace.as_str())
    .fetch_optional(db)
    .await?)
}

/// The active members of `workspace` who may decide the request `id`,
/// by name.
pub(crate) async fn deciders<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
    id: &ApprovalId,
) -> Result<Vec<Decider>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(&format!(
        "SELECT deciders.id AS user_id, deciders.name, deciders.email FROM {FROM} \
         JOIN users deciders ON deciders.workspace_id = approvals.workspace_id \
         JOIN workspaces ON workspaces.id = approvals.workspace_id \
         WHERE approvals.id = $1 AND approvals.workspace_id = $2 AND deciders.deactivated_at IS NULL AND {} \
         ORDER BY deciders.name, deciders.id",
        reviewable_sql(
            "deciders.id",
            &admin_flag_sql("deciders"),
            "workspaces.allow_self_approval"
        )
    ))
    .bind(id.as_str())
    .bind(workspace.as_str())
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, name, email)| Decider {
            user_id,
            name,
            email,
        })
        .collect())
}

/// Notes the rule that "Always allow" added when deciding request `id`.
pub(crate) async fn set_rule(conn: &mut Connection, id: &ApprovalId, rule: &RuleId) -> Result<()> {
    sqlx::query("UPDATE approvals SET rule_id = $1 WHERE id = $2")
        .bind(rule.as_str())
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the request of `resolution` resolved as it says, at `now`, if it
/// is still pending, and when [`Resolution::decided`] also not yet due,
/// its run still running and whoever the run acts for still entitled, all
/// in the one statement. Answers whether it did.
pub(crate) async fn claim(
    conn: &mut Connection,
    resolution: &Resolution<'_>,
    now: i64,
) -> Result<bool> {
    let still_decidable = if resolution.decided {
        format!(
            " AND expires_at > $4 AND EXISTS (SELECT 1 FROM runs JOIN agents ON agents.id = runs.agent_id \
             WHERE runs.id = approvals.run_id AND runs.status = 'running' AND {})",
            run_entitled_sql("runs", "agents")
        )
    } else {
        String::new()
    };
    let claimed = sqlx::query(&format!(
        "UPDATE approvals SET status = $1, decision = $2, decided_by = $3, decided_at = $4, message = $5, \
         edited_input = $6 WHERE id = $7 AND status = 'pending'{still_decidable}"
    ))
    .bind(resolution.status)
    .bind(resolution.decision)
    .bind(resolution.reviewer.map(UserId::as_str))
    .bind(now)
    .bind(resolution.message)
    .bind(resolution.edited_input)
    .bind(&resolution.request.id)
    .execute(conn)
    .await?;
    Ok(touched(&claimed))
}

/// A pending request nobody may decide any more, with what closing it
/// records: `closing` is `cancelled` (its run ended), `expired` (its time
/// ran out) or `withdrawn` (whoever its run acts for lost access to the
/// agent).
#[derive(sqlx::FromRow)]
pub(crate) struct Unreviewed {
    pub(crate) id: String,
    pub(crate) tool_call_id: String,
    pub(crate) run_id: String,
    pub(crate) agent_id: String,
    pub(crate) workspace_id: String,
    pub(crate) started_by: Option<String>,
    pub(crate) tool: String,
    pub(crate) run_status: String,
    /// Who cancelled the run, by name, if someone did.
    pub(crate) cancelled_by_name: Option<String>,
    pub(crate) closing: String,
    /// What the agent is told instead of the usual word for `closing`.
    #[sqlx(skip)]
    pub(crate) message: Option<String>,
}

const UNREVIEWED_COLUMNS: &str = "approvals.id, approvals.tool_call_id, approvals.run_id, approvals.agent_id, \
     approvals.workspace_id, runs.started_by, approvals.tool, runs.status AS run_status, \
     (SELECT users.name FROM users WHERE users.id = runs.cancelled_by) AS cancelled_by_name";
const UNREVIEWED_FROM: &str = "approvals JOIN runs ON runs.id = approvals.run_id JOIN agents ON agents.id = approvals.agent_id";

/// The pending requests of `workspace` among the `affected` runs whose
/// starter is no longer entitled to the agent, to be withdrawn.
pub(crate) async fn disentitled(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    affected: Affected<'_>,
) -> Result<Vec<Unreviewed>> {
    let (which, id) = match affected {
        Affected::Agent(agent) => ("approvals.agent_id = $2", agent.as_str()),
        Affected::Person(user) => (
            "(runs.started_by = $2 OR runs.started_by_key IN \
             (SELECT runtime_keys.id FROM runtime_keys WHERE runtime_keys.created_by = $2))",
            user.as_str(),
        ),
    };
    Ok(sqlx::query_as(&format!(
        "SELECT {UNREVIEWED_COLUMNS}, 'withdrawn' AS closing FROM {UNREVIEWED_FROM} \
         WHERE approvals.workspace_id = $1 AND approvals.status = 'pending' AND {which} AND NOT {}",
        run_entitled_sql("runs", "agents")
    ))
    .bind(workspace.as_str())
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// The pending requests of `run`, to be expired with it.
pub(crate) async fn expiring_of_run(conn: &mut Connection, run: &str) -> Result<Vec<Unreviewed>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {UNREVIEWED_COLUMNS}, 'expired' AS closing FROM {UNREVIEWED_FROM} \
         WHERE approvals.run_id = $1 AND approvals.status = 'pending'"
    ))
    .bind(run)
    .fetch_all(conn)
    .await?)
}

/// Up to 500 pending requests (of `workspace`, of `tool_call`, when
/// given) that nobody may decide at `now`: those of runs no longer
/// running, those due, and those whose run's starter lost access.
pub(crate) async fn due<'c>(
    db: impl Executor<'c>,
    now: i64,
    workspace: Option<&WorkspaceId>,
    tool_call: Option<&ToolCallId>,
) -> Result<Vec<Unreviewed>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {UNREVIEWED_COLUMNS}, CASE WHEN runs.status <> 'running' THEN 'cancelled' \
         WHEN approvals.expires_at <= $1 THEN 'expired' ELSE 'withdrawn' END \
         AS closing FROM {UNREVIEWED_FROM} WHERE approvals.status = 'pending' \
         AND ($2 IS NULL OR approvals.workspace_id = $2) AND ($3 IS NULL OR approvals.tool_call_id = $3) \
         AND (runs.status <> 'running' OR approvals.expires_at <= $1 OR NOT {}) LIMIT 500",
        run_entitled_sql("runs", "agents")
    ))
    .bind(now)
    .bind(workspace.map(WorkspaceId::as_str))
    .bind(tool_call.map(ToolCallId::as_str))
    .fetch_all(db)
    .await?)
}

/// The pending request of `tool_call`, if it has one, to be expired.
pub(crate) async fn expiring_of_call<'c>(
    db: impl Executor<'c>,
    tool_call: &ToolCallId,
) -> Result<Option<Unreviewed>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {UNREVIEWED_COLUMNS}, 'expired' AS closing FROM {UNREVIEWED_FROM} \
         WHERE approvals.tool_call_id = $1 AND approvals.status = 'pending'"
    ))
    .bind(tool_call.as_str())
    .fetch_optional(db)
    .await?)
}

/// A pending request of a run, as the run's page shows it.
#[derive(sqlx::FromRow)]
pub(crate) struct WaitingRow {
    pub id: String,
    pub tool: String,
    /// The input as its column keeps it (see [`super::input_column::decode`]).
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
