//! The `run_allowances` table: what a reviewer allowed for the rest of a
//! run, one row per tool and normalized subject
//! ([`crate::runs::allowances`]).

use super::Executor;
use crate::Result;
use crate::ids::RunId;
use crate::runs::allowances::RunAllowance;

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
