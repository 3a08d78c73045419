//! Request extractors whose failures answer in the API's error shape.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON body; an unreadable one is a 400 `invalid_input` saying why.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

/// A query string; a malformed one is a 400 `invalid_input` saying why.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(value) =
            Query::<T>::from_request_parts(parts, state)
                .await
                .map_err(|rejection| {
                    ApiError(bosun_service::Error::invalid(
                        "query",
                        rejection.body_text(),
                    ))
                })?;
        Ok(Self(value))
    }
}

/// The items a list answers in one page unless asked for another number.
pub const DEFAULT_PAGE: u16 = 50;

/// The most items a list answers in one page.
pub const MAX_PAGE: u16 = 200;

/// A list's `limit` parameter: 1 to [`MAX_PAGE`], `default` when absent.
/// Anything else is a 400 naming `limit` rather than quietly another size.
pub fn page_size(limit: Option<u32>, default: u16) -> Result<u16, ApiError> {
    match limit {
        None => Ok(default),
        Some(limit) => u16::try_from(limit)
            .ok()
            .filter(|limit| (1..=MAX_PAGE).contains(limit))
            .ok_or_else(|| {
                ApiError(bosun_service::Error::invalid(
                    "limit",
                    format!("must be 1 to {MAX_PAGE}"),
                ))
            }),
    }
}

/// A long-poll's `wait` parameter in seconds: at most `max`, `default` when
/// absent; more is a 400 naming `wait` (a caller expecting a longer wait
/// would otherwise be answered early without knowing why).
pub fn wait_seconds(wait: Option<u64>, default: u64, max: u64) -> Result<Duration, ApiError> {
    match wait {
        None => Ok(Duration::from_secs(default)),
        Some(wait) if wait <= max => Ok(Duration::from_secs(wait)),
        Some(_) => Err(ApiError(bosun_service::Error::invalid(
            "wait",
            format!("must be 0 to {max} seconds"),
        ))),
    }
}
