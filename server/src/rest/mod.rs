//! The REST API under `/api/v1`: bearer tokens only, JSON in and out, errors
//! in one shape. Handlers are thin adapters over the service layer.

pub mod auth;
pub mod error;
pub mod me;
pub mod openapi;

use axum::Router;
use axum::routing::get;

use crate::application::AppState;
use error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me::get_me))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { ApiError(bosun_service::Error::NotFound("endpoint")) })
}
