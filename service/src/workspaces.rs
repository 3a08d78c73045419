//! Workspaces. A new installation gets one, named "Default".

use crate::clock::to_millis;
use crate::ids::WorkspaceId;
use crate::{Bosun, Result};

impl Bosun {
    /// The workspace new users join when none is named, created on first
    /// start. Processes starting at once on an empty store agree on one.
    pub async fn default_workspace(&self) -> Result<WorkspaceId> {
        if let Some(id) = self.recorded_default_workspace().await? {
            return Ok(id);
        }
        let id = WorkspaceId::generate();
        let mut tx = self.db().begin_write().await?;
        sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id.as_str())
            .bind("Default")
            .bind(to_millis(self.now()))
            .execute(&mut *tx)
            .await?;
        let claimed = sqlx::query(
            "INSERT INTO installation (singleton, default_workspace_id) VALUES (1, $1) \
             ON CONFLICT (singleton) DO NOTHING",
        )
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            // Another process got there first: theirs is the default, and
            // ours is dropped with the transaction.
            drop(tx);
            return self
                .recorded_default_workspace()
                .await?
                .ok_or_else(|| crate::Error::internal("the default workspace vanished"));
        }
        tx.commit().await?;
        tracing::info!(workspace = %id, "created the default workspace");
        Ok(id)
    }

    async fn recorded_default_workspace(&self) -> Result<Option<WorkspaceId>> {
        let id: Option<String> =
            sqlx::query_scalar("SELECT default_workspace_id FROM installation WHERE singleton = 1")
                .fetch_optional(self.db().pool())
                .await?;
        Ok(id.map(WorkspaceId::from_string))
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
