//! Requests Bosun makes to URLs others chose: never to internal addresses
//! unless allowed, never repeating what came back, and OAuth redirect URIs
//! only on a host Bosun can vouch for.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::{TestApp, api_call as call, spawn_app, spawn_app_with};

/// A loopback HTTP server that answers every request with `body` (as JSON)
/// and counts the connections it accepted.
async fn stand_in(body: &'static str) -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = [0_u8; 4096];
                let _ = stream.read(&mut request).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    (port, accepted)
}

async fn add_provider(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let admin = app.token_for("admin@example.com").await;
    call(
        &app.address,
        &admin,
        Method::POST,
        "/api/v1/oauth/providers",
        body,
    )
    .await
}

#[tokio::test]
async fn internal_addresses_are_refused_before_anything_is_sent() {
    let app = spawn_app_with(|config| config.service.allow_private_urls = false).await;
    let (port, accepted) = stand_in("{}").await;
    for (field, provider) in [
        // Written as an address.
        (
            "issuer",
            json!({"issuer": format!("http://127.0.0.1:{port}")}),
        ),
        // A name that resolves to loopback.
        (
            "issuer",
            json!({"issuer": format!("http://localhost:{port}")}),
        ),
        // Endpoints given by hand, loopback in IPv6 clothing.
        (
            "token_url",
            json!({"authorize_url": "https://id.example.com/authorize",
                   "token_url": format!("https://[::ffff:127.0.0.1]:{port}/token")}),
        ),
        (
            "revocation_url",
            json!({"authorize_url": "https://id.example.com/authorize",
                   "token_url": "https://id.example.com/token",
                   "revocation_url": format!("http://127.0.0.1:{port}/revoke")}),
        ),
    ] {
        let mut body = json!({"name": "inside", "client_id": "bosun", "client_secret": "s"});
        body.as_object_mut()
            .unwrap()
            .extend(provider.as_object().unwrap().clone());
        let (status, answer) = add_provider(&app, body).await;
        assert_eq!(status, 400, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{message}");
        assert!(message.contains("BOSUN_ALLOW_PRIVATE_URLS"), "{message}");
        // What a name resolved to is not told: that would map the inside
        // network for whoever may set a URL.
        if provider.to_string().contains("localhost") {
            assert!(
                !message.contains("127.0.0.1") && !message.contains("::1"),
                "{message}"
            );
        }
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "Bosun connected to an internal address"
    );
}

#[tokio::test]
async fn an_issuer_with_a_query_or_credentials_is_refused() {
    let app = spawn_app().await;
    for (issuer, problem) in [
        ("https://id.example.com/?tenant=other", "query"),
        ("https://user:pw@id.example.com", "user name and password"),
        ("ftp://id.example.com", "https"),
    ] {
        let (status, answer) = add_provider(
            &app,
            json!({"name": "odd", "issuer": issuer, "client_id": "bosun", "client_secret": "s"}),
        )
        .await;
        assert_eq!(status, 400, "{issuer}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("issuer:") && message.contains(problem),
            "{issuer}: {message}"
        );
    }
}

#[tokio::test]
async fn errors_never_repeat_what_the_other_side_answered() {
    let app = spawn_app().await;
    // A server that is not the provider it is said to be answers with
    // something it would like shown.
    for body in [
        r#"{"issuer": "internal-secret-7f3a", "authorization_endpoint": "https://a.example/x", "token_endpoint": "https://a.example/t"}"#,
        r#"internal-secret-7f3a: not a discovery document"#,
    ] {
        let (port, _) = stand_in(body).await;
        let (status, answer) = add_provider(
            &app,
            json!({"name": "echo", "issuer": format!("http://127.0.0.1:{port}"),
                   "client_id": "bosun", "client_secret": "s"}),
        )
        .await;
        assert_eq!(status, 400, "{answer}");
        assert!(
            !answer.to_string().contains("internal-secret-7f3a"),
            "{answer}"
        );
    }
}

/// Sets up a provider by hand (no discovery), from this machine.
async fn add_mail_provider(app: &TestApp) {
    let (status, answer) = add_provider(
        app,
        json!({"name": "mail", "authorize_url": "https://id.example.com/authorize",
               "token_url": "https://id.example.com/token", "client_id": "bosun",
               "client_secret": "s", "scopes": "mail.read"}),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
}

/// Has the admin's browser start connecting to the provider with the
/// given `Host`, and answers where it was sent, decoded.
async fn start_connecting(app: &TestApp, host: &str) -> String {
    let browser = app.logged_in("admin@example.com").await;
    let response = browser
        .post(app.url("/oauth/connect/mail"))
        .header("host", host)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    urlencoding_decode(&location)
}

/// A `Location` with its query decoded, pair by pair.
fn urlencoding_decode(location: &str) -> String {
    let Some((base, query)) = location.split_once('?') else {
        return location.to_owned();
    };
    let pairs: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

#[tokio::test]
async fn without_a_public_url_only_a_loopback_host_names_the_redirect_uri() {
    let app = spawn_app().await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    add_mail_provider(&app).await;

    let forged = start_connecting(&app, "evil.example").await;
    assert!(!forged.contains("evil.example"), "{forged}");
    assert!(forged.starts_with("/account?connection_error="), "{forged}");
    assert!(forged.contains("BOSUN_PUBLIC_URL"), "{forged}");

    let local = start_connecting(&app, &format!("127.0.0.1:{port}")).await;
    assert!(
        local.starts_with("https://id.example.com/authorize"),
        "{local}"
    );
    assert!(
        local.contains(&format!(
            "redirect_uri=http://127.0.0.1:{port}/oauth/callback"
        )),
        "{local}"
    );
}

#[tokio::test]
async fn with_a_public_url_the_redirect_uri_is_always_on_it() {
    let app = spawn_app_with(|config| {
        config.public_url = Some("https://bosun.example.com/".parse().unwrap());
    })
    .await;
    add_mail_provider(&app).await;
    let location = start_connecting(&app, "evil.example").await;
    assert!(
        location.contains("redirect_uri=https://bosun.example.com/oauth/callback"),
        "{location}"
    );
}

#[tokio::test]
async fn setting_up_a_provider_from_elsewhere_without_a_public_url_says_to_set_one() {
    let app = spawn_app().await;
    let admin = app.token_for("admin@example.com").await;
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/oauth/providers"))
        .bearer_auth(&admin)
        .header("host", "bosun.corp.example")
        .json(
            &json!({"name": "mail", "authorize_url": "https://id.example.com/authorize",
                      "token_url": "https://id.example.com/token", "client_id": "bosun",
                      "client_secret": "s"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "public_url_required");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("BOSUN_PUBLIC_URL")
    );
}

#[tokio::test]
async fn a_proxy_from_the_environment_never_carries_a_request_past_the_guard() {
    // A proxy resolves the names it is handed, where the guard cannot see
    // the address: with the guard on, Bosun uses none, whatever the
    // environment says.
    let (proxy_port, accepted) = stand_in("{}").await;
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let data_dir = tempfile::tempdir().unwrap();
    let port = crate::restart::free_port();
    let server = crate::restart::serve_with(data_dir.path(), None, port, |command| {
        for variable in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            command.env(variable, &proxy);
        }
        command
            .env_remove("BOSUN_ALLOW_PRIVATE_URLS")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy");
    })
    .await;
    let token = crate::restart::cli(
        data_dir.path(),
        None,
        &["admin", "create-token", "--email", "admin@example.com"],
    );
    for issuer in ["http://id.example.test", "https://id.example.test"] {
        let (status, answer) = call(
            &server.base,
            &token,
            Method::POST,
            "/api/v1/oauth/providers",
            json!({"name": "far", "issuer": issuer, "client_id": "bosun", "client_secret": "s"}),
        )
        .await;
        assert!(status.is_client_error(), "{issuer}: {status} {answer}");
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "a request went through the proxy"
    );
}
