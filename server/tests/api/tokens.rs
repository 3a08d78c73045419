use bosun_service::identity::Role;
use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_token_created_in_the_ui_works_once_shown_and_stops_when_revoked() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", Role::Member).await;
    let browser = app.logged_in("ada@example.com").await;

    let created: Value = app
        .call(&browser, "tokens/create", &[("name", "laptop")])
        .await
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("bosun_pat_"));
    let me: Value = app.api_json("/api/v1/me", &token).await;
    assert_eq!(me["email"], "ada@example.com");

    // The list shows the token's name, never its value.
    let listed = app
        .call(&browser, "tokens/list", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(listed.contains("laptop"));
    assert!(!listed.contains(&token));

    let id = created["id"].as_str().unwrap();
    let revoked = app.call(&browser, "tokens/revoke", &[("id", id)]).await;
    assert!(revoked.status().is_success());
    assert_eq!(app.api_get("/api/v1/me", Some(&token)).await.status(), 401);
}

#[tokio::test]
async fn nobody_can_revoke_someone_elses_token() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", Role::Member).await;
    app.create_user("bob@example.com", Role::Member).await;
    let ada = app.logged_in("ada@example.com").await;
    let bob = app.logged_in("bob@example.com").await;
    let created: Value = app
        .call(&ada, "tokens/create", &[("name", "mine")])
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();

    let response = app.call(&bob, "tokens/revoke", &[("id", id)]).await;
    assert_eq!(response.status(), 404);
    let token = created["token"].as_str().unwrap();
    assert_eq!(app.api_get("/api/v1/me", Some(token)).await.status(), 200);
}

#[tokio::test]
async fn a_token_name_is_required() {
    let app = spawn_app().await;
    let browser = app.logged_in("admin@example.com").await;
    let response = app.call(&browser, "tokens/create", &[("name", "  ")]).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_input");
    assert_eq!(body["message"], "name: is required");
}
