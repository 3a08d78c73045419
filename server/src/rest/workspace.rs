//! The workspace's own settings over REST.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

#[derive(Serialize, ToSchema)]
pub struct WorkspaceSettings {
    /// The execution mode new agents start in.
    #[schema(example = "restricted")]
    pub default_execution_mode: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceSettingsInput {
    default_execution_mode: Option<String>,
}

/// The workspace's settings.
#[utoipa::path(get, path = "/api/v1/workspace", tag = "workspace", security(("bearer" = [])),
    responses((status = 200, body = WorkspaceSettings), (status = 401, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
) -> Result<Json<WorkspaceSettings>, ApiError> {
    let mode = state
        .bosun
        .default_execution_mode(&principal.workspace_id)
        .await?;
    Ok(Json(WorkspaceSettings {
        default_execution_mode: mode.as_str().into(),
    }))
}

/// Changes the workspace's settings (admins).
#[utoipa::path(patch, path = "/api/v1/workspace", tag = "workspace", request_body = WorkspaceSettingsInput,
    security(("bearer" = [])),
    responses((status = 200, body = WorkspaceSettings), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiJson(input): ApiJson<WorkspaceSettingsInput>,
) -> Result<Json<WorkspaceSettings>, ApiError> {
    if let Some(mode) = input.default_execution_mode {
        state
            .bosun
            .set_default_execution_mode(&principal, &mode)
            .await?;
    } else {
        principal.require_admin()?;
    }
    get(State(state), ApiUser(principal)).await
}
