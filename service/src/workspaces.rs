//! Workspaces, and the settings their admins change (Settings → Security,
//! `GET/PATCH /api/v1/workspace`). A new installation gets one workspace,
//! named "Default".

use bosun_policy::ExecutionMode;

use crate::clock::to_millis;
use crate::events::{self, EventKind, NewEvent};
use crate::ids::WorkspaceId;
pub use crate::model::workspaces::WorkspaceSettings;
use crate::store::{users, workspaces};
use crate::{Bosun, Error, Principal, Result, validate};
use bosun_wire::events::{Change, WorkspaceSettingsChanged};

/// The longest an approval request may wait for a reviewer: 30 days.
pub const MAX_APPROVAL_TTL_SECONDS: i64 = 30 * 24 * 60 * 60;

/// A change to the settings: only the fields given change.
#[derive(Clone, Debug, Default)]
pub struct SettingsPatch {
    pub default_execution_mode: Option<String>,
    pub approval_ttl_seconds: Option<i64>,
    pub self_approval: Option<bool>,
}

/// How long an approval request may wait, for the workspace's setting and
/// an agent's own: from a second to 30 days.
pub(crate) fn check_approval_ttl_bounds(ttl: i64) -> Result<()> {
    if !(1..=MAX_APPROVAL_TTL_SECONDS).contains(&ttl) {
        return Err(Error::invalid(
            "approval_ttl_seconds",
            format!(
                "must be from 1 second to 30 days ({MAX_APPROVAL_TTL_SECONDS} seconds); got {ttl}"
            ),
        ));
    }
    Ok(())
}

impl Bosun {
    /// The principal's workspace's settings; any member may read them.
    pub async fn workspace_settings(&self, principal: &Principal) -> Result<WorkspaceSettings> {
        workspaces::settings(
            &mut *self.db().pool().acquire().await?,
            &principal.workspace_id,
        )
        .await
    }

    /// Changes the workspace's settings (admins), all or nothing: every
    /// field given is checked before any is stored, and the change is one
    /// audit event saying what each changed field was and became.
    pub async fn update_workspace_settings(
        &self,
        principal: &Principal,
        patch: SettingsPatch,
    ) -> Result<WorkspaceSettings> {
        principal.require_admin()?;
        let mode: Option<ExecutionMode> = patch
            .default_execution_mode
            .map(|mode| validate::one_of("default_execution_mode", &mode))
            .transpose()?;
        if let Some(ttl) = patch.approval_ttl_seconds {
            check_approval_ttl_bounds(ttl)?;
        }
        let mut tx = self.db().begin_write().await?;
        let before = workspaces::settings(&mut tx, &principal.workspace_id).await?;
        let after = WorkspaceSettings {
            default_execution_mode: mode.unwrap_or(before.default_execution_mode),
            approval_ttl_seconds: patch
                .approval_ttl_seconds
                .unwrap_or(before.approval_ttl_seconds),
            self_approval: patch.self_approval.unwrap_or(before.self_approval),
        };
        if after == before {
            return Ok(after);
        }
        workspaces::write_settings(&mut tx, &principal.workspace_id, &after).await?;
        events::append(
            &mut tx,
            self.now(),
            NewEvent::audit(
                EventKind::WorkspaceSettingsChanged,
                principal,
                None,
                events::data_of(&settings_changes(&before, &after))?,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The workspace new users join when none is named, created on first
    /// start. Processes starting at once on an empty store agree on one.
    pub async fn default_workspace(&self) -> Result<WorkspaceId> {
        if let Some(id) = self.recorded_default_workspace().await? {
            return Ok(id);
        }
        let id = WorkspaceId::generate();
        let mut tx = self.db().begin_write().await?;
        workspaces::insert(&mut tx, &id, "Default", to_millis(self.now())).await?;
        if !workspaces::claim_default(&mut tx, &id).await? {
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
        workspaces::default_id(self.db().pool()).await
    }

    /// Creates a workspace (used by tests and multi-tenant installs).
    pub async fn create_workspace(&self, name: &str) -> Result<WorkspaceId> {
        let name = crate::validate::label("name", name, 100)?;
        let id = WorkspaceId::generate();
        let mut tx = self.db().begin_write().await?;
        workspaces::insert(&mut tx, &id, &name, to_millis(self.now())).await?;
        self.seed_builtin_tools_in(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Makes a store ready to serve: a default workspace exists and every
    /// workspace has the built-in tools of this release.
    pub async fn prepare_workspaces(&self) -> Result<WorkspaceId> {
        let default = self.default_workspace().await?;
        for workspace in workspaces::all_ids(self.db().pool()).await? {
            self.seed_builtin_tools(&workspace).await?;
        }
        Ok(default)
    }

    /// Whether any user exists yet (to tell a new installation how to start).
    pub async fn has_users(&self) -> Result<bool> {
        users::any(self.db().pool()).await
    }
}

/// The fields that differ, for the audit event.
fn settings_changes(
    before: &WorkspaceSettings,
    after: &WorkspaceSettings,
) -> WorkspaceSettingsChanged {
    WorkspaceSettingsChanged {
        default_execution_mode: Change::between(
            before.default_execution_mode,
            after.default_execution_mode,
        ),
        approval_ttl_seconds: Change::between(
            before.approval_ttl_seconds,
            after.approval_ttl_seconds,
        ),
        self_approval: Change::between(before.self_approval, after.self_approval),
    }
}
