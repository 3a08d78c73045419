//! Refuses a NUL character in a request's path or query string.
//!
//! Path segments and query parameters name things (ids, filters) and end up
//! in SQL parameters; PostgreSQL's `text` cannot hold NUL and fails the
//! statement, while SQLite would quietly look for a name nobody can have.
//! Both stores answer alike when such a request never gets that far: a 400
//! naming where the NUL was. A URI cannot carry a raw NUL byte, so `%00` is
//! the only way one arrives.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::rest::error::ApiError;

pub async fn refuse_nul(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let field = if uri.path().contains("%00") {
        Some("path")
    } else if uri.query().is_some_and(|query| query.contains("%00")) {
        Some("query")
    } else {
        None
    };
    match field {
        Some(field) => ApiError(bosun_service::Error::invalid(
            field,
            "must not contain NUL characters",
        ))
        .into_response(),
        None => next.run(request).await,
    }
}
