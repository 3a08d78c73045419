//! The logged-in user of a browser request, for the few routes outside the
//! server functions that pages use directly (server push, downloads).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use bosun_service::{Error, Principal};
use tower_sessions::Session;

use crate::application::AppState;
use crate::rest::error::ApiError;

/// The user behind the session cookie, re-checked against the store as for
/// server functions; 401 when there is none or it no longer holds.
pub struct SessionUser(pub Principal);

impl FromRequestParts<AppState> for SessionUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::Unauthenticated)?;
        let principal = bosun_app::api::principal_of_session(&state.bosun, &session).await?;
        Ok(Self(principal))
    }
}
