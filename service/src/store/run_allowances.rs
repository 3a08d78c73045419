//! The `run_allowances` table: what a reviewer allowed for the rest of a
//! run, one row per tool and normalized subject
//! ([`crate::runs::allowances`]).

use super::{Connection, Executor};
use crate::Result;
use crate::ids::{ApprovalId, RunAllowanceId, RunId, UserId, WorkspaceId};
use crate::model::runs::RunAllowance;

/// An allowance's row with its reviewer's name, as [`COLUMNS`] select it.
#[derive(sqlx::FromRow)]
struct AllowanceRow {
    id: String,
    tool: String,
    subject: String,
    approval_id: String,
    granted_by: String,
    granted_by_name: String,
    granted_at_ms: i64,
}

impl From<AllowanceRow> for RunAllowance {
    fn from(row: AllowanceRow) -> Self {
        Self {
            id: row.id,
            tool: row.tool,
            subject: row.subject,
            approval_id: row.approval_id,
            granted_by: row.granted_by,
            granted_by_name: row.granted_by_name,
            granted_at_ms: row.granted_at_ms,
        }
    }
}

const COLUMNS: &str = "run_allowances.id, run_allowances.tool, run_allowances.subject, \
     run_allowances.approval_id, run_allowances.granted_by, users.name AS granted_by_name, \
     run_allowances.granted_at AS granted_at_ms";
const FROM: &str = "run_allowances JOIN users ON users.id = run_allowances.granted_by";

/// The allowance of `run` for `tool` and the normalized `subject`, if one
/// was granted.
pub(crate) async fn covering<'c>(
    db: impl Executor<'c>,
    run: &str,
    tool: &str,
    subject: &str,
) -> Result<Option<RunAllowance>> {
    let row: Option<AllowanceRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE run_allowances.run_id = $1 \
         AND run_allowances.tool = $2 AND run_allowances.subject = $3"
    ))
    .bind(run)
    .bind(tool)
    .bind(subject)
    .fetch_optional(db)
    .await?;
    Ok(row.map(RunAllowance::from))
}

/// The allowances of `run`, oldest first.
pub(crate) async fn of_run<'c>(db: impl Executor<'c>, run: &RunId) -> Result<Vec<RunAllowance>> {
    let rows: Vec<AllowanceRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE run_allowances.run_id = $1 \
         ORDER BY run_allowances.granted_at, run_allowances.id"
    ))
    .bind(run.as_str())
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(RunAllowance::from).collect())
}

/// An allowance about to be granted, by deciding the request `approval`.
pub(crate) struct AllowanceInsert<'a> {
    pub id: &'a RunAllowanceId,
    pub workspace: &'a WorkspaceId,
    pub run: &'a str,
    pub tool: &'a str,
    pub subject: &'a str,
    pub approval: &'a ApprovalId,
    pub granted_by: &'a UserId,
    pub granted_at: i64,
}

/// Grants `allowance`, unless the run has one for the same tool and
/// subject already (two of its requests were waiting), which it keeps.
pub(crate) async fn insert(conn: &mut Connection, allowance: AllowanceInsert<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO run_allowances (id, workspace_id, run_id, tool, subject, approval_id, granted_by, \
         granted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (run_id, tool, subject) DO NOTHING",
    )
    .bind(allowance.id.as_str())
    .bind(allowance.workspace.as_str())
    .bind(allowance.run)
    .bind(allowance.tool)
    .bind(allowance.subject)
    .bind(allowance.approval.as_str())
    .bind(allowance.granted_by.as_str())
    .bind(allowance.granted_at)
    .execute(conn)
    .await?;
    Ok(())
}
