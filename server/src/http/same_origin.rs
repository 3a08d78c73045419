//! Refuses cross-site writes to the web UI.
//!
//! Every request that can change state (any method but GET, HEAD and
//! OPTIONS) outside the bearer-token API must come from a page of this very
//! origin. Browsers say where a request comes from in `Sec-Fetch-Site`
//! (Chromium, Firefox, Safari) or `Origin` (all of them, on every POST); a
//! request that proves neither is refused. The REST API needs no such guard:
//! it ignores cookies and takes only bearer tokens, which a browser never
//! attaches by itself.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::application::AppState;
use crate::rest::error::ApiError;

pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe_method = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // The MCP gateway takes bearer tokens only, as the REST API does.
    let token_api =
        request.uri().path().starts_with("/api/v1/") || request.uri().path().starts_with("/mcp/");
    if safe_method || token_api || is_same_origin(request.headers(), state.public_origin.as_deref())
    {
        return next.run(request).await;
    }
    tracing::warn!(path = request.uri().path(), "refused a cross-site request");
    ApiError(bosun_service::Error::forbidden(
        "cross-site request refused: this action must come from a Bosun page",
    ))
    .into_response()
}

/// Whether the headers prove the request comes from this origin.
pub fn is_same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if public_origin.is_some_and(|public| public.eq_ignore_ascii_case(origin)) {
        return true;
    }
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            None
        ));
        for site in ["cross-site", "same-site", "none"] {
            let h = headers(&[
                ("sec-fetch-site", site),
                ("origin", "http://a:1"),
                ("host", "a:1"),
            ]);
            assert!(!is_same_origin(&h, None), "{site} must be refused");
        }
    }

    #[test]
    fn origin_must_match_host_or_the_public_url() {
        assert!(is_same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080")
            ]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[
                ("origin", "http://evil.example"),
                ("host", "127.0.0.1:8080")
            ]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "null"), ("host", "127.0.0.1:8080")]),
            None
        ));
        let proxied = headers(&[
            ("origin", "https://bosun.example.com"),
            ("host", "10.0.0.5:8080"),
        ]);
        assert!(is_same_origin(&proxied, Some("https://bosun.example.com")));
    }

    #[test]
    fn no_evidence_is_refused() {
        assert!(!is_same_origin(
            &headers(&[("host", "127.0.0.1:8080")]),
            None
        ));
    }
}
