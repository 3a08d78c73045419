//! The logged-in user of a browser request, for the few routes outside the
//! server functions that pages use directly (server push, downloads).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use bosun_app::api::session_keys::{AUTHENTICATED_AT, USER_ID};
use bosun_service::{Error, Principal};
use tower_sessions::Session;

use crate::application::AppState;
use crate::rest::error::ApiError;

/// The user behind the session cookie, re-checked against the store; 401
/// when there is none or it no longer holds.
pub struct SessionUser(pub Principal);

impl FromRequestParts<AppState> for SessionUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::Unauthenticated)?;
        let (Ok(Some(user)), Ok(Some(at))) = (
            session.get::<String>(USER_ID).await,
            session.get::<i64>(AUTHENTICATED_AT).await,
        ) else {
            return Err(Error::Unauthenticated.into());
        };
        let principal = state
            .bosun
            .authenticate_session(&user, bosun_service::clock::from_millis(at))
            .await?;
        Ok(Self(principal))
    }
}
