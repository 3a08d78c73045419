//! Security: what Bosun's guarantees look like to the people and agents it
//! governs when they try to get around them. The web layer: stored text that
//! turns into markup, pages without their security headers, redirects off
//! the site or into a header, malformed calls to server functions. The
//! runtime: keys outliving their creator's rights, revocations that leave
//! pending requests decidable, expiry, the workspace's approval settings.
//! The edges: login throttling under a burst, what a local reader of the
//! data directory finds, outbound requests to private addresses, the
//! worker's file confinement, bad values that must fail alone.

mod bad_values;
mod expiry;
mod headers;
mod outbound;
mod redirects;
mod revocation;
mod runtime_keys;
mod server_functions;
mod settings;
mod storage;
mod stored_text;
mod throttling;
mod worker;

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
