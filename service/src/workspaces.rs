//! Workspaces. A new installation gets one, named "Default".

use crate::clock::to_millis;
use crate::ids::WorkspaceId;
use crate::{Bosun, Result};

impl Bosun {
    /// The workspace new users join when none is named: the oldest one,
    /// created on first start.
    pub async fn default_workspace(&self) -> Result<WorkspaceId> {
        let existing: Option<String> =
            sqlx::query_scalar("SELECT id FROM workspaces ORDER BY created_at, id LIMIT 1")
                .fetch_optional(self.db().pool())
                .await?;
        if let Some(id) = existing {
            return Ok(WorkspaceId::from_string(id));
        }
        let id = WorkspaceId::generate();
        sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id.as_str())
            .bind("Default")
            .bind(to_millis(self.now()))
            .execute(self.db().pool())
            .await?;
        tracing::info!(workspace = %id, "created the default workspace");
        Ok(id)
    }

    /// Creates a workspace (used by tests and multi-tenant installs).
    pub async fn create_workspace(&self, name: &str) -> Result<WorkspaceId> {
        let name = crate::validate::label("name", name, 100)?;
        let id = WorkspaceId::generate();
        sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id.as_str())
            .bind(name)
            .bind(to_millis(self.now()))
            .execute(self.db().pool())
            .await?;
        self.seed_builtin_tools(&id).await?;
        Ok(id)
    }

    /// Makes a store ready to serve: a default workspace exists and every
    /// workspace has the built-in tools of this release.
    pub async fn prepare_workspaces(&self) -> Result<WorkspaceId> {
        let default = self.default_workspace().await?;
        let all: Vec<String> = sqlx::query_scalar("SELECT id FROM workspaces")
            .fetch_all(self.db().pool())
            .await?;
        for workspace in all {
            self.seed_builtin_tools(&WorkspaceId::from_string(workspace))
                .await?;
        }
        Ok(default)
    }

    /// Whether any user exists yet (to tell a new installation how to start).
    pub async fn has_users(&self) -> Result<bool> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(self.db().pool())
            .await?;
        Ok(count > 0)
    }
}
