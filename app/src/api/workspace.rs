//! The workspace's own settings, as any member reads them: the new agent
//! form names the mode a new agent starts in, and Settings → Security shows
//! what admins may change there (the changes are in [`super::rules`], with
//! the rest of that page's).

pub use bosun_wire::workspace::WorkspaceSettings;
use leptos::prelude::*;

use crate::error::AppError;

#[server(prefix = "/fn", endpoint = "workspace/settings")]
pub async fn get_workspace_settings() -> Result<WorkspaceSettings, AppError> {
    use super::ssr::{bosun, principal};
    let settings = bosun()?.workspace_settings(&principal().await?).await?;
    Ok(settings.into())
}
