//! Sharing over REST: an agent's grants, managed by its owner and admins.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bosun_service::agents::grants::GrantTarget;
use bosun_service::ids::{AgentId, GrantId};
use bosun_wire::list::List;
use bosun_wire::sharing::Grant;
use bosun_wire::vocabulary::AccessLevel;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

/// `{"user_id", "level"}` or `{"workspace": true, "level"}`. Granting to
/// someone who already has a grant changes its level.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    user_id: Option<String>,
    #[serde(default)]
    workspace: bool,
    #[schema(value_type = AccessLevel)]
    level: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelInput {
    #[schema(value_type = AccessLevel)]
    level: String,
}

/// The agent's grants.
#[utoipa::path(get, path = "/agents/{id}/grants", tag = "sharing",
    params(("id" = String, Path, description = "The agent's id")), security(("personal_token" = [])),
    responses((status = 200, body = List<Grant>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<List<Grant>>, ApiError> {
    let grants = state
        .bosun
        .list_grants(&principal, &AgentId::parse(&id)?)
        .await?;
    Ok(Json(List::complete(
        grants.into_iter().map(Grant::from).collect(),
    )))
}

/// Shares the agent with a member or the whole workspace.
#[utoipa::path(post, path = "/agents/{id}/grants", tag = "sharing",
    params(("id" = String, Path, description = "The agent's id")), request_body = GrantInput,
    security(("personal_token" = [])),
    responses((status = 201, body = Grant), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<GrantInput>,
) -> Result<(StatusCode, Json<Grant>), ApiError> {
    let target = match (input.user_id, input.workspace) {
        (Some(user), false) => GrantTarget::User(user),
        (None, true) => GrantTarget::Workspace,
        _ => {
            return Err(ApiError(bosun_service::Error::invalid(
                "user_id",
                "give either a user_id or \"workspace\": true",
            )));
        }
    };
    let grant = state
        .bosun
        .share_agent(&principal, &AgentId::parse(&id)?, target, &input.level)
        .await?;
    Ok((StatusCode::CREATED, Json(grant.into())))
}

/// Changes a grant's level.
#[utoipa::path(patch, path = "/agents/{id}/grants/{grant_id}", tag = "sharing",
    params(("id" = String, Path, description = "The agent's id"), ("grant_id" = String, Path, description = "The grant's id")), request_body = LevelInput,
    security(("personal_token" = [])),
    responses((status = 200, body = Grant), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, grant_id)): Path<(String, String)>,
    ApiJson(input): ApiJson<LevelInput>,
) -> Result<Json<Grant>, ApiError> {
    let grant = state
        .bosun
        .change_grant(
            &principal,
            &AgentId::parse(&id)?,
            &GrantId::parse(&grant_id)?,
            &input.level,
        )
        .await?;
    Ok(Json(grant.into()))
}

/// Revokes a grant; the grantee's very next request is refused.
#[utoipa::path(delete, path = "/agents/{id}/grants/{grant_id}", tag = "sharing",
    params(("id" = String, Path, description = "The agent's id"), ("grant_id" = String, Path, description = "The grant's id")), security(("personal_token" = [])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path((id, grant_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .bosun
        .revoke_grant(
            &principal,
            &AgentId::parse(&id)?,
            &GrantId::parse(&grant_id)?,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
