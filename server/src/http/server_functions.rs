//! The size limit of what pages send to server functions (`/fn/…`).
//!
//! The body is read here, up to the limit, before the server function sees
//! it: a bigger one is answered 413 in the server functions' error shape
//! (`{"code": "payload_too_large", "message": …}`), which the page shows
//! like any other error. (Arguments that are present but malformed or
//! missing are a 400 from the error type itself, `bosun_app::error`.)

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bosun_app::error::AppError;

/// Where the server functions are mounted (their `prefix`).
const SERVER_FUNCTIONS: &str = "/fn/";

/// The most a page sends a server function: far more than any form of
/// Bosun holds (agent instructions included).
pub const BODY_LIMIT: usize = 1024 * 1024;

pub async fn limit_body(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with(SERVER_FUNCTIONS) {
        return next.run(request).await;
    }
    let declared_too_large = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        .is_some_and(|length| length > BODY_LIMIT as u64);
    if declared_too_large {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(error) if exceeded_limit(&error) => too_large(),
        Err(error) => error_response(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            format!("the request body could not be read: {error}"),
        ),
    }
}

fn exceeded_limit(error: &axum::Error) -> bool {
    std::error::Error::source(error)
        .is_some_and(|source| source.is::<http_body_util::LengthLimitError>())
}

fn too_large() -> Response {
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request body is larger than {BODY_LIMIT} bytes"),
    )
}

fn error_response(status: StatusCode, code: &str, message: String) -> Response {
    let error = AppError {
        code: code.to_owned(),
        message,
    };
    let body = serde_json::to_vec(&error).unwrap_or_default();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
