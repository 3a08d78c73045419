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

#[tokio::test]
async fn the_openapi_document_puts_each_parameter_where_it_is_sent() {
    let app = spawn_app().await;
    let document: Value = app
        .api_get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    for (path, methods) in document["paths"].as_object().unwrap() {
        let in_path: Vec<&str> = path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, operation) in methods.as_object().unwrap() {
            let empty = Vec::new();
            let parameters = operation["parameters"].as_array().unwrap_or(&empty);
            for parameter in parameters {
                let name = parameter["name"].as_str().unwrap();
                let is_path = parameter["in"] == "path";
                assert_eq!(
                    is_path,
                    in_path.contains(&name),
                    "{method} {path}: `{name}` is documented in {}",
                    parameter["in"]
                );
            }
        }
    }
    // Two request bodies of one Rust name must not share one schema: the
    // rules API's rule and the rule "Always allow" adds are different shapes.
    let schema = |reference: &Value| {
        let name = reference["$ref"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        document["components"]["schemas"][name]["properties"].clone()
    };
    let rule_body = &document["paths"]["/api/v1/agents/{id}/rules"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    assert!(schema(rule_body)["tool"].is_object());
    let decision = schema(
        &document["paths"]["/api/v1/approvals/{id}/decision"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"],
    );
    let always_allow = decision["rule"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|option| option.get("$ref").is_some())
        .unwrap();
    assert!(schema(always_allow)["scope"].is_object());
}
