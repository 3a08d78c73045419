//! The site's icon, built into the binary: pages link `/favicon.svg`, and
//! `/favicon.ico`, which browsers and crawlers ask for on their own, answers
//! the same picture instead of a 404.

use axum::http::header;
use axum::response::IntoResponse;

const ICON: &str = include_str!("favicon.svg");

pub async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
}
