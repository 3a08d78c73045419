//! `GET /api/v1/me`: who the token belongs to.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::error::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub id: String,
    pub email: String,
    pub name: String,
    #[schema(example = "admin")]
    pub role: String,
    pub workspace_id: String,
}

/// The authenticated user.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "identity",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user the token belongs to", body = MeResponse),
        (status = 401, description = "No valid token", body = ErrorBody),
    )
)]
pub async fn get_me(ApiUser(principal): ApiUser) -> Json<MeResponse> {
    Json(MeResponse {
        id: principal.user_id.to_string(),
        role: principal.role.as_str().into(),
        workspace_id: principal.workspace_id.to_string(),
        email: principal.email,
        name: principal.name,
    })
}
