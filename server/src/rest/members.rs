//! `/api/v1/members/{id}/password…`: an admin sets a member's password or
//! makes them a one-time set-password link.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bosun_service::ids::UserId;
use bosun_wire::members::PasswordLink;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

/// A member's new password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// 8 to 512 characters.
    pub password: String,
}

/// Sets a member's password (admins, for anyone in their workspace but
/// themselves). The member's browser sessions end.
#[utoipa::path(put, path = "/members/{id}/password", tag = "workspace", request_body = PasswordReset,
    params(("id" = String, Path, description = "The member's id")),
    security(("personal_token" = [])),
    responses((status = 204, description = "Set"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    state
        .bosun
        .reset_member_password(&principal, &UserId::parse(&id)?, &input.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a one-time set-password link for a member (admins). It works once,
/// for 24 hours, and replaces any earlier link for that member.
#[utoipa::path(post, path = "/members/{id}/password-link", tag = "workspace",
    params(("id" = String, Path, description = "The member's id")),
    security(("personal_token" = [])),
    responses((status = 201, body = PasswordLink), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn create_password_link(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<PasswordLink>), ApiError> {
    let link = state
        .bosun
        .create_password_link(&principal, &UserId::parse(&id)?)
        .await?;
    Ok((StatusCode::CREATED, Json(link.into())))
}
