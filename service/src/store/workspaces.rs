//! The `workspaces` table and the `installation` row naming the default
//! workspace.

use super::{Connection, Executor};
use crate::Result;
use crate::ids::WorkspaceId;
use crate::model::workspaces::WorkspaceSettings;
use crate::validate;

pub(crate) async fn insert(
    conn: &mut Connection,
    id: &WorkspaceId,
    name: &str,
    created_at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(id.as_str())
        .bind(name)
        .bind(created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes the workspace row's lock until the transaction on `conn` ends.
pub(crate) async fn lock(conn: &mut Connection, id: &WorkspaceId) -> Result<()> {
    sqlx::query("UPDATE workspaces SET id = id WHERE id = $1")
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn all_ids<'c>(db: impl Executor<'c>) -> Result<Vec<WorkspaceId>> {
    let all: Vec<String> = sqlx::query_scalar("SELECT id FROM workspaces")
        .fetch_all(db)
        .await?;
    Ok(all.into_iter().map(WorkspaceId::from_string).collect())
}

pub(crate) async fn settings(
    conn: &mut Connection,
    workspace: &WorkspaceId,
) -> Result<WorkspaceSettings> {
    let (mode, ttl, self_approval): (String, i64, i64) = sqlx::query_as(
        "SELECT default_execution_mode, approval_ttl_seconds, allow_self_approval \
         FROM workspaces WHERE id = $1",
    )
    .bind(workspace.as_str())
    .fetch_one(conn)
    .await?;
    Ok(WorkspaceSettings {
        default_execution_mode: validate::stored("workspace default_execution_mode", &mode)?,
        approval_ttl_seconds: ttl,
        self_approval: self_approval != 0,
    })
}

/// The execution mode new agents of the workspace start in, as stored.
pub(crate) async fn default_execution_mode<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
) -> Result<String> {
    Ok(
        sqlx::query_scalar("SELECT default_execution_mode FROM workspaces WHERE id = $1")
            .bind(workspace.as_str())
            .fetch_one(db)
            .await?,
    )
}

/// Whether reviewers may decide requests of runs they started.
pub(crate) async fn allows_self_approval<'c>(
    db: impl Executor<'c>,
    workspace: &WorkspaceId,
) -> Result<bool> {
    let allowed: i64 =
        sqlx::query_scalar("SELECT allow_self_approval FROM workspaces WHERE id = $1")
            .bind(workspace.as_str())
            .fetch_one(db)
            .await?;
    Ok(allowed != 0)
}

pub(crate) async fn write_settings(
    conn: &mut Connection,
    workspace: &WorkspaceId,
    settings: &WorkspaceSettings,
) -> Result<()> {
    sqlx::query(
        "UPDATE workspaces SET default_execution_mode = $1, approval_ttl_seconds = $2, \
         allow_self_approval = $3 WHERE id = $4",
    )
    .bind(settings.default_execution_mode.as_str())
    .bind(settings.approval_ttl_seconds)
    .bind(i64::from(settings.self_approval))
    .bind(workspace.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Names `id` the installation's default workspace unless one is named
/// already; whether it now is.
pub(crate) async fn claim_default(conn: &mut Connection, id: &WorkspaceId) -> Result<bool> {
    let claimed = sqlx::query(
        "INSERT INTO installation (singleton, default_workspace_id) VALUES (1, $1) \
         ON CONFLICT (singleton) DO NOTHING",
    )
    .bind(id.as_str())
    .execute(conn)
    .await?
    .rows_affected()
        == 1;
    Ok(claimed)
}

/// The installation's default workspace, once there is one.
pub(crate) async fn default_id<'c>(db: impl Executor<'c>) -> Result<Option<WorkspaceId>> {
    let id: Option<String> =
        sqlx::query_scalar("SELECT default_workspace_id FROM installation WHERE singleton = 1")
            .fetch_optional(db)
            .await?;
    Ok(id.map(WorkspaceId::from_string))
}
