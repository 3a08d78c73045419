use serde_json::Value;

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn me_without_a_token_is_401_in_the_error_shape() {
    let app = spawn_app().await;
    let response = app.api_get("/api/v1/me", None).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(error_code(response).await, "unauthenticated");
}

#[tokio::test]
async fn me_with_a_garbage_token_is_401() {
    let app = spawn_app().await;
    for token in ["nonsense", "bosun_pat_notarealtoken", ""] {
        let response = app.api_get("/api/v1/me", Some(token)).await;
        assert_eq!(response.status(), 401, "token {token:?}");
    }
}

#[tokio::test]
async fn me_with_a_personal_access_token_names_its_user() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let response = app.api_get("/api/v1/me", Some(&token)).await;
    assert_eq!(response.status(), 200);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["email"], "admin@example.com");
    assert_eq!(me["role"], "admin");
    assert!(me["id"].as_str().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn an_unknown_api_path_is_404_in_the_error_shape() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let response = app.api_get("/api/v1/no-such-thing", Some(&token)).await;
    assert_eq!(response.status(), 404);
    assert_eq!(error_code(response).await, "not_found");
}

#[tokio::test]
async fn the_openapi_document_describes_what_exists() {
    let app = spawn_app().await;
    let response = app.api_get("/api/v1/openapi.json", None).await;
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    assert!(document["paths"]["/api/v1/me"]["get"].is_object());
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
}
