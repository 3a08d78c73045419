//! The one place service errors become HTTP responses:
//! `{"error": {"code": "…", "message": "…"}}` with the error's status.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

/// A service error on its way out of the HTTP layer.
#[derive(Debug)]
pub struct ApiError(pub bosun_service::Error);

impl From<bosun_service::Error> for ApiError {
    fn from(error: bosun_service::Error) -> Self {
        Self(error)
    }
}

/// The body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable and snake_case; clients match on it. One of the service's
    /// table of codes, each with its one status.
    #[schema(schema_with = error_codes)]
    pub code: String,
    /// For people; names the field and the problem where there is one.
    #[schema(example = "name: is required")]
    pub message: String,
}

/// The schema of `error.code`: the names of [`bosun_service::Code`].
fn error_codes() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(
            bosun_service::Code::ALL.iter().map(|code| code.name()),
        ))
        .examples([serde_json::json!("invalid_input")])
        .build()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        error.log_if_internal("request failed");
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: ErrorDetail {
                code: error.code().name().into(),
                message: error.public_message(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        match &error {
            bosun_service::Error::Unauthenticated | bosun_service::Error::InvalidCredentials => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            bosun_service::Error::RateLimited { retry_after } => {
                if let Ok(value) = HeaderValue::from_str(&retry_after.as_secs().max(1).to_string())
                {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
            }
            _ => {}
        }
        response
    }
}

/// A JSON body that could not be read becomes an `invalid_input` error that
/// says what was wrong with it.
impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        Self(bosun_service::Error::invalid("body", rejection.body_text()))
    }
}
