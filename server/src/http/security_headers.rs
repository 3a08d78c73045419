//! The headers every response carries so that a browser holds Bosun's pages
//! to what they are: no script but Bosun's own, no framing, no guessing of
//! content types, no leaking of URLs to other sites.
//!
//! Each request gets a fresh nonce. Leptos writes it on every inline script
//! it emits (the hydration loader and the data resolved on the server), and
//! the page's `Content-Security-Policy` allows scripts only from this origin
//! or with that nonce — so text a person or an agent stored, should it ever
//! reach a page as markup, still cannot run.

use axum::extract::Request;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

/// Adds the security headers to every response, and the nonce of its page
/// to the request (see [`provide_request_nonce`]).
pub async fn set_security_headers(mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let policy = if is_html(headers) {
        page_policy(&nonce)
    } else {
        NOT_A_PAGE_POLICY.to_owned()
    };
    // The nonce is URL-safe base64, so the policy is always a valid value;
    // should it somehow not be, the strictest policy stands in.
    let policy = HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static(NOT_A_PAGE_POLICY));
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Makes the nonce of the request being rendered the one Leptos writes on
/// its inline scripts. Called from the context every page and server
/// function is rendered with; without it Leptos would make up a nonce of
/// its own that the header does not name, and the page would not hydrate.
pub fn provide_request_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(nonce);
    }
}

/// The policy of an HTML page. Scripts: the bundle from this origin and the
/// inline scripts carrying this response's nonce, nothing else (no
/// `'unsafe-inline'`, no `'unsafe-eval'`); `'wasm-unsafe-eval'` lets the
/// bundle compile its WebAssembly. Server push and server functions are
/// same-origin requests. `form-action` is left open on purpose: connecting
/// an account posts to this site, which answers with a redirect to the
/// provider, and Chromium applies `form-action` to that redirect too.
fn page_policy(nonce: &Nonce) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'"
    )
}

/// Anything that is not a page (JSON, exports, the bundle, server push)
/// has no business loading or running anything should a browser render it.
const NOT_A_PAGE_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Whether a response is an HTML page.
pub(crate) fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("text/html")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_no_inline_script_but_the_nonced() {
        let nonce = Nonce::from_value("abc123");
        let policy = page_policy(&nonce);
        let script_src = policy
            .split(';')
            .map(str::trim)
            .find(|directive| directive.starts_with("script-src"))
            .unwrap();
        assert_eq!(
            script_src,
            "script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"
        );
        for directive in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(directive), "{directive} in {policy}");
        }
    }

    #[test]
    fn only_html_gets_the_page_policy() {
        let mut headers = HeaderMap::new();
        assert!(!is_html(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert!(!is_html(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Text/HTML; charset=utf-8"),
        );
        assert!(is_html(&headers));
    }
}
