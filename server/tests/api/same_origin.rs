//! Every server function refuses requests that do not come from a Bosun page.

use bosun_service::identity::Role;
use reqwest::Client;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

/// Every registered server function, from the registry the server routes by,
/// so that a new function is covered the moment it exists.
fn server_functions() -> Vec<(String, String)> {
    let functions: Vec<(String, String)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.to_owned(), method.to_string()))
        .collect();
    assert!(
        functions.len() >= 10,
        "server functions are registered: {functions:?}"
    );
    functions
}

async fn send(
    app: &TestApp,
    client: &Client,
    path: &str,
    method: &str,
    headers: &[(&str, &str)],
) -> u16 {
    let mut request = client.request(method.parse().unwrap(), app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_server_function_refuses_a_cross_site_request_with_a_valid_session() {
    let app = spawn_app().await;
    let admin = app.logged_in("admin@example.com").await;
    let hostile = [
        vec![
            ("origin", "http://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ],
        vec![("origin", "http://evil.example")],
        vec![("sec-fetch-site", "same-site")],
        vec![],
    ];
    for (path, method) in server_functions() {
        assert_ne!(method, "GET", "{path} must not be callable by GET");
        for headers in &hostile {
            let status = send(&app, &admin, &path, &method, headers).await;
            assert_eq!(status, 403, "{method} {path} with {headers:?}");
        }
    }
}

#[tokio::test]
async fn a_cross_site_request_changes_nothing() {
    let app = spawn_app().await;
    let ada_id = app.create_user("ada@example.com", Role::Member).await;
    let admin = app.logged_in("admin@example.com").await;
    let cross_site = |function: &str| {
        admin
            .post(app.url(&format!("/fn/{function}")))
            .header("origin", "http://evil.example")
            .header("sec-fetch-site", "cross-site")
    };

    let deactivate = cross_site("members/active")
        .form(&[("user_id", ada_id.as_str()), ("active", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(deactivate.status(), 403);
    let promote = cross_site("members/role")
        .form(&[("user_id", ada_id.as_str()), ("role", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(promote.status(), 403);
    let token = cross_site("tokens/create")
        .form(&[("name", "stolen")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 403);

    let members: Value = app
        .call(&admin, "members/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let ada = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "ada@example.com")
        .unwrap();
    assert_eq!(ada["active"], true);
    assert_eq!(ada["role"], "member");
    let tokens: Value = app
        .call(&admin, "tokens/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tokens.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_same_origin_request_is_accepted_by_origin_alone() {
    let app = spawn_app().await;
    let admin = app.logged_in("admin@example.com").await;
    let status = send(
        &app,
        &admin,
        "/fn/tokens/list",
        "POST",
        &[("origin", app.address.as_str())],
    )
    .await;
    assert_eq!(status, 200);
}
