//! Server functions answer a malformed or missing argument with 400 and an
//! oversized body with 413, in their error shape (`{"code", "message"}`),
//! and never with a 500.

use reqwest::{Client, Response};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

/// Posts `body` to a server function as a page of this site would.
async fn post_raw(
    app: &TestApp,
    client: &Client,
    function: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> Response {
    client
        .post(app.url(&format!("/fn/{function}")))
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The status, code and message of a server function's error answer.
async fn error_of(response: Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("a JSON error body");
    let code = body["code"].as_str().expect("code").to_owned();
    let message = body["message"].as_str().expect("message").to_owned();
    assert!(!message.is_empty());
    (status, code, message)
}

#[tokio::test]
async fn missing_or_malformed_arguments_are_a_400_naming_the_problem() {
    let app = spawn_app().await;
    let admin = app.logged_in("admin@example.com").await;
    let form = "application/x-www-form-urlencoded";
    for (function, body, mentions) in [
        ("login", "password=x", "email"),
        ("agents/get", "", "id"),
        ("agents/update", "id=x", "form"),
        ("members/active", "user_id=x&active=maybe", "true"),
        ("runs/start", "agent_id=x", "input"),
        ("sharing/share", "agent_id=x&user_id=y", "level"),
        ("tokens/create", "name[]=a&name[]=b", "expected a string"),
    ] {
        let (status, code, message) =
            error_of(post_raw(&app, &admin, function, form, body).await).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "invalid_input"),
            "{function} with {body:?}: {message}"
        );
        assert!(
            message.contains(mentions),
            "{function} with {body:?}: the message names {mentions:?}: {message}"
        );
    }
}

#[tokio::test]
async fn no_server_function_answers_garbage_with_a_500() {
    let app = spawn_app().await;
    let admin = app.logged_in("admin@example.com").await;
    let functions: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/fn/").to_owned())
        // Logging out would end the session the other calls are made with.
        .filter(|function| function != "logout")
        .collect();
    assert!(functions.len() >= 10, "{functions:?}");
    let garbage: [(&str, Vec<u8>); 5] = [
        (
            "application/x-www-form-urlencoded",
            b"\xff\xfe\xfd".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"id[=x&[]=&=&%%%".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"id[a][b][c][d][e][f][g]=1".to_vec(),
        ),
        ("application/json", b"{\"id\": [1, {}]}".to_vec()),
        ("text/plain", b"\0\0\0".to_vec()),
    ];
    let mut failures = Vec::new();
    for function in &functions {
        for (content_type, body) in &garbage {
            let response = post_raw(&app, &admin, function, content_type, body.clone()).await;
            let status = response.status().as_u16();
            if status >= 500 {
                failures.push(format!(
                    "{function} with {:?}: {status} {}",
                    String::from_utf8_lossy(body),
                    response.text().await.unwrap_or_default()
                ));
            } else if status >= 400 {
                let (_, code, _) = error_of(response).await;
                if status == 400 && code != "invalid_input" {
                    failures.push(format!("{function}: 400 with code {code}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn an_oversized_body_is_a_413_and_does_nothing() {
    let app = spawn_app().await;
    let admin = app.logged_in("admin@example.com").await;
    let huge_name = "a".repeat(2 * 1024 * 1024);
    let form = "application/x-www-form-urlencoded";
    for function in [
        "tokens/create",
        "agents/create",
        "login",
        "no/such/function",
    ] {
        let response = post_raw(&app, &admin, function, form, format!("name={huge_name}")).await;
        let (status, code, message) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (413, "payload_too_large"),
            "{function}: {message}"
        );
    }
    // Without a length up front (chunked), the limit holds as the body comes.
    let chunks =
        futures::stream::iter((0..64).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 64 * 1024])));
    let response = post_raw(
        &app,
        &admin,
        "tokens/create",
        form,
        reqwest::Body::wrap_stream(chunks),
    )
    .await;
    assert_eq!(error_of(response).await.0, 413);
    let tokens: Value = app
        .call(&admin, "tokens/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tokens, serde_json::json!([]), "no token was created");
}
