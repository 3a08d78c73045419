//! What an attacker would try against the web layer: stored text that
//! turns into markup, pages without their security headers, redirects off
//! the site or into a header, and malformed calls to server functions.

mod headers;
mod redirects;
mod server_functions;
mod stored_text;

use serde_json::Value;

use crate::helpers::{TestApp, api_call};

/// An agent the admin creates over the REST API, as answered.
async fn admin_creates_agent(app: &TestApp, definition: Value) -> Value {
    let token = app.token_for("admin@example.com").await;
    let (status, agent) = api_call(
        &app.address,
        &token,
        reqwest::Method::POST,
        "/api/v1/agents",
        definition,
    )
    .await;
    assert_eq!(status, 201, "{agent}");
    agent
}
