//! Bearer-token authentication for the REST API.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use bosun_service::{Error, Principal};

use super::error::ApiError;
use crate::application::AppState;

/// The user a request's personal access token stands for. Missing,
/// malformed, revoked and deactivated all answer 401.
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(Error::Unauthenticated)?;
        Ok(Self(state.bosun.authenticate_token(token).await?))
    }
}
