//! `GET /api/v1/me`: who the token belongs to; `/api/v1/me/notifications`:
//! whether they are emailed when a request waits for them;
//! `/api/v1/me/password`: changing their password.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use bosun_service::identity::ClientAddress;
use bosun_wire::members::Me;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use crate::application::AppState;

/// The authenticated user.
#[utoipa::path(
    get,
    path = "/me",
    tag = "identity",
    security(("personal_token" = [])),
    responses(
        (status = 200, description = "The user the token belongs to", body = Me),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
pub async fn get_me(ApiUser(principal): ApiUser) -> Json<Me> {
    Json(Me::from(&principal))
}

/// Whether the caller is emailed when a request waits for them.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    pub email: bool,
}

/// The caller's notification settings.
#[utoipa::path(get, path = "/me/notifications", tag = "identity", security(("personal_token" = [])),
    responses((status = 200, body = NotificationSettings), (status = 401, body = ErrorBody)))]
pub async fn my_notifications(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
) -> Result<Json<NotificationSettings>, ApiError> {
    let email = state.bosun.email_notifications(&principal).await?;
    Ok(Json(NotificationSettings { email }))
}

/// Turns the caller's request emails on or off.
#[utoipa::path(put, path = "/me/notifications", tag = "identity", request_body = NotificationSettings,
    security(("personal_token" = [])),
    responses((status = 200, body = NotificationSettings), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub async fn set_my_notifications(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    ApiJson(input): ApiJson<NotificationSettings>,
) -> Result<Json<NotificationSettings>, ApiError> {
    let email = state
        .bosun
        .set_email_notifications(&principal, input.email)
        .await?;
    Ok(Json(NotificationSettings { email }))
}

/// A change of the caller's own password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// 8 to 512 characters.
    pub new_password: String,
}

/// Changes the caller's password; the current one is required, and wrong
/// guesses are throttled as logins are. The caller's browser sessions end;
/// personal access tokens keep working.
#[utoipa::path(put, path = "/me/password", tag = "identity", request_body = PasswordChange,
    security(("personal_token" = [])),
    responses((status = 204, description = "Changed"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn change_my_password(
    State(state): State<AppState>,
    ApiUser(principal): ApiUser,
    Extension(client): Extension<ClientAddress>,
    ApiJson(input): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    state
        .bosun
        .change_own_password(
            &principal,
            &input.current_password,
            &input.new_password,
            client.0,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
