//! The workspace's own settings over REST: any member reads them, admins
//! change them.

use axum::Json;
use axum::extract::State;
use bosun_service::workspaces::SettingsPatch;
use bosun_wire::workspace::WorkspaceSettings;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

/// The fields to change; those left out stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceSettingsInput {
    #[schema(value_type = Option<bosun_wire::vocabulary::ExecutionMode>)]
    default_execution_mode: Option<String>,
    /// 1 to 2592000 (30 days).
    #[schema(example = 3600, minimum = 1, maximum = 2592000)]
    approval_ttl_seconds: Option<i64>,
    self_approval: Option<bool>,
}

/// The workspace's settings.
#[utoipa::path(get, path = "/workspace", tag = "workspace", security(("personal_token" = [])),
    responses((status = 200, body = WorkspaceSettings), (status = 401, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
) -> Result<Json<WorkspaceSettings>, ApiError> {
    let settings = state.bosun.workspace_settings(&principal).await?;
    Ok(Json(settings.into()))
}

/// Changes the workspace's settings (admins); a bad value is a 400 naming
/// the field, and nothing changes.
#[utoipa::path(patch, path = "/workspace", tag = "workspace", request_body = WorkspaceSettingsInput,
    security(("personal_token" = [])),
    responses((status = 200, body = WorkspaceSettings), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiJson(input): ApiJson<WorkspaceSettingsInput>,
) -> Result<Json<WorkspaceSettings>, ApiError> {
    let patch = SettingsPatch {
        default_execution_mode: input.default_execution_mode,
        approval_ttl_seconds: input.approval_ttl_seconds,
        self_approval: input.self_approval,
    };
    let settings = state
        .bosun
        .update_workspace_settings(&principal, patch)
        .await?;
    Ok(Json(settings.into()))
}
