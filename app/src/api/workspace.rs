//! The workspace's own settings: as any member reads them (the new agent
//! form names the mode a new agent starts in), and as admins change them on
//! Settings → Security.

pub use bosun_wire::workspace::WorkspaceSettings;
use leptos::prelude::*;

use crate::error::AppError;

#[server(prefix = "/fn", endpoint = "workspace/settings")]
pub async fn get_workspace_settings() -> Result<WorkspaceSettings, AppError> {
    use super::ssr::{bosun, principal};
    let settings = bosun()?.workspace_settings(&principal().await?).await?;
    Ok(settings.into())
}

#[server(prefix = "/fn", endpoint = "workspace/default-mode")]
pub async fn set_default_mode(mode: String) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    let patch = bosun_service::workspaces::SettingsPatch {
        default_execution_mode: Some(mode),
        ..Default::default()
    };
    bosun()?
        .update_workspace_settings(&principal().await?, patch)
        .await?;
    Ok(())
}

/// Sets how long approval requests wait and whether reviewers may decide
/// their own runs' requests. `approval_ttl_seconds` comes as typed in the
/// form, so that anything but a whole number is told as such.
#[server(prefix = "/fn", endpoint = "workspace/approval-settings")]
pub async fn set_approval_settings(
    approval_ttl_seconds: String,
    #[server(default)] self_approval: bool,
) -> Result<(), AppError> {
    use super::ssr::{bosun, principal};
    use bosun_service::workspaces::MAX_APPROVAL_TTL_SECONDS;
    let ttl = approval_ttl_seconds.trim().parse::<i64>().map_err(|_| {
        bosun_service::Error::invalid(
            "approval_ttl_seconds",
            format!(
                "must be a whole number of seconds, from 1 to {MAX_APPROVAL_TTL_SECONDS} (30 days)"
            ),
        )
    })?;
    let patch = bosun_service::workspaces::SettingsPatch {
        approval_ttl_seconds: Some(ttl),
        self_approval: Some(self_approval),
        ..Default::default()
    };
    bosun()?
        .update_workspace_settings(&principal().await?, patch)
        .await?;
    Ok(())
}
