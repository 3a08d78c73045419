//! Fixed credentials: written by editors and never shown again, sealed so
//! that the database alone reveals nothing, handed to the agent's active
//! runs only, and recorded in the trace by reference.

use bosun_service::identity::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{api_call as call, api_request, error_code, occurrences_in_store, spawn_app};
use crate::runtime::{Setup, setup};

pub(crate) const SECRET: &str = "ghp_sEcReT-value-0123456789";

/// The setup's agent with a secret `github` (service account `release-bot`).
pub(crate) async fn with_secret() -> Setup {
    let s = setup(spawn_app().await).await;
    let (status, body) = call(
        s.base(),
        &s.admin,
        Method::PUT,
        &format!("/api/v1/agents/{}/credentials/github", s.agent),
        json!({"service_account": "release-bot", "value": SECRET}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], 1);
    assert!(!body.to_string().contains(SECRET));
    s
}

/// The agent's credentials, as `token` lists them.
async fn credentials_of(s: &Setup, token: &str) -> Value {
    let (status, listed) = call(
        s.base(),
        token,
        Method::GET,
        &format!("/api/v1/agents/{}/credentials", s.agent),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    listed
}

#[tokio::test]
async fn a_run_gets_the_secret_and_the_trace_records_it_by_reference() {
    let s = with_secret().await;
    let run = s.running(&s.admin).await;
    let (status, issued) = s.credential(&run, "github").await;
    assert_eq!(status, 200, "{issued}");
    assert_eq!(issued["value"], SECRET);
    assert_eq!(issued["kind"], "secret");

    let (_, trace) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/traces/{run}"),
        Value::Null,
    )
    .await;
    let issuance = trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "credential.issued")
        .expect("the issuance is in the trace");
    assert_eq!(issuance["data"]["name"], "github");
    assert_eq!(issuance["data"]["version"], 1);
    assert_eq!(issuance["data"]["service_account"], "release-bot");
    assert!(
        !trace.to_string().contains(SECRET),
        "the trace holds no value"
    );

    let listed = credentials_of(&s, &s.admin).await;
    assert!(!listed["items"][0]["last_used_at"].is_null());

    // Rotation makes a new version; the run gets the newest.
    let (_, rotated) = call(
        s.base(),
        &s.admin,
        Method::PUT,
        &format!("/api/v1/agents/{}/credentials/github", s.agent),
        json!({"service_account": "release-bot", "value": "the-next-one"}),
    )
    .await;
    assert_eq!(rotated["version"], 2);
    assert!(!rotated["rotated_at"].is_null());
    assert_eq!(
        s.credential(&run, "github").await.1["value"],
        "the-next-one"
    );

    // A finished run gets nothing; neither does an unknown name.
    assert_eq!(s.credential(&run, "gitlab").await.0, 404);
    call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/finish"),
        json!({"status": "succeeded"}),
    )
    .await;
    let (status, refused) = s.credential(&run, "github").await;
    assert_eq!(status, 409, "{refused}");
}

#[tokio::test]
async fn values_are_sealed_in_the_store_and_bound_to_their_agent() {
    let s = with_secret().await;
    let pool = s.app.bosun.db().pool();
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT ciphertext || nonce || wrapped_key || key_nonce FROM credentials",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(SECRET));
    let events: Vec<String> = sqlx::query_scalar("SELECT data FROM events")
        .fetch_all(pool)
        .await
        .unwrap();
    assert!(events.iter().all(|data| !data.contains(SECRET)));
    // Nor do the store's raw bytes (the SQLite file and its log, or a dump).
    assert_eq!(occurrences_in_store(&s.app, SECRET), 0);

    // Sealed for one agent, a copy under another agent's name does not open.
    let (_, other) = call(
        s.base(),
        &s.admin,
        Method::POST,
        "/api/v1/agents",
        json!({"name": "Other", "tools": ["system_shell"]}),
    )
    .await;
    let other = other["id"].as_str().unwrap().to_owned();
    sqlx::query("UPDATE credentials SET agent_id = $1")
        .bind(&other)
        .execute(pool)
        .await
        .unwrap();
    let (_, key) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{other}/keys"),
        json!({"name": "w"}),
    )
    .await;
    let key = key["key"].as_str().unwrap().to_owned();
    let (status, run) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{other}/runs"),
        json!({"input": {}}),
    )
    .await;
    assert_eq!(status, 201);
    call(
        s.base(),
        &key,
        Method::GET,
        "/api/v1/runtime/runs/next?wait=1",
        Value::Null,
    )
    .await;
    let response = api_request(
        s.base(),
        &key,
        Method::POST,
        &format!(
            "/api/v1/runtime/runs/{}/credentials/github",
            run["id"].as_str().unwrap()
        ),
        Value::Null,
    )
    .await;
    assert_eq!(response.status(), 422);
    let text = response.text().await.unwrap();
    assert!(
        text.contains("credential_unreadable") && !text.contains(SECRET),
        "{text}"
    );
}

#[tokio::test]
async fn only_editors_write_and_see_metadata_and_clones_get_no_secrets() {
    let s = with_secret().await;
    let bea_id = s.app.create_user("bea@example.com", Role::Member).await;
    let bea = s.app.token_for("bea@example.com").await;
    let grants = format!("/api/v1/agents/{}/grants", s.agent);
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &grants,
        json!({"user_id": bea_id.as_str(), "level": "clone"}),
    )
    .await;
    assert_eq!(status, 201);
    let listed = credentials_of(&s, &bea).await;
    assert_eq!(listed["items"][0]["name"], "github");
    assert!(listed["items"][0]["service_account"].is_null(), "{listed}");
    assert!(listed["items"][0]["version"].is_null());
    let response = api_request(
        s.base(),
        &bea,
        Method::PUT,
        &format!("/api/v1/agents/{}/credentials/github", s.agent),
        json!({"service_account": "x", "value": "y"}),
    )
    .await;
    assert_eq!(response.status(), 403);

    let (status, copy) = call(
        s.base(),
        &bea,
        Method::POST,
        &format!("/api/v1/agents/{}/clone", s.agent),
        json!({}),
    )
    .await;
    assert_eq!(status, 201, "{copy}");
    let (_, copied) = call(
        s.base(),
        &bea,
        Method::GET,
        &format!(
            "/api/v1/agents/{}/credentials",
            copy["id"].as_str().unwrap()
        ),
        Value::Null,
    )
    .await;
    assert_eq!(copied["items"], json!([]));

    // Bad input names the field.
    let response = api_request(
        s.base(),
        &s.admin,
        Method::PUT,
        &format!("/api/v1/agents/{}/credentials/bad%20name", s.agent),
        json!({"service_account": "x", "value": "y"}),
    )
    .await;
    assert_eq!(error_code(response).await, "invalid_input");
    let (status, body) = call(
        s.base(),
        &s.admin,
        Method::PUT,
        &format!("/api/v1/agents/{}/credentials/github", s.agent),
        json!({"service_account": "x", "value": ""}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("value"));

    // Deleting removes every version.
    let response = api_request(
        s.base(),
        &s.admin,
        Method::DELETE,
        &format!("/api/v1/agents/{}/credentials/github", s.agent),
        Value::Null,
    )
    .await;
    assert_eq!(response.status(), 204);
    let listed = credentials_of(&s, &s.admin).await;
    assert_eq!(listed["items"], json!([]));
}

#[tokio::test]
async fn an_agent_acting_as_its_users_gets_no_service_secret() {
    let s = with_secret().await;
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        &format!("/api/v1/agents/{}", s.agent),
        json!({"credential_model": "user"}),
    )
    .await;
    assert_eq!(status, 200);
    let run = s.running(&s.admin).await;
    let (status, body) = s.credential(&run, "github").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "credential_not_declared");
    assert!(!body.to_string().contains(SECRET));
}

#[tokio::test]
async fn a_rotation_keeps_the_service_account_and_naming_another_is_refused() {
    let s = with_secret().await;
    let path = format!("/api/v1/agents/{}/credentials/github", s.agent);
    let (status, body) = call(
        s.base(),
        &s.admin,
        Method::PUT,
        &path,
        json!({"service_account": "someone-else", "value": "ghp_other"}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "service_account_mismatch");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("release-bot") && message.contains("someone-else"),
        "{message}"
    );

    // Nothing changed: the run still gets version 1, as release-bot.
    let listed = credentials_of(&s, &s.admin).await;
    assert_eq!(listed["items"][0]["version"], 1, "{listed}");
    assert_eq!(listed["items"][0]["service_account"], "release-bot");

    // A rotation with the same account is a new version.
    let (status, body) = call(
        s.base(),
        &s.admin,
        Method::PUT,
        &path,
        json!({"service_account": "release-bot", "value": "ghp_rotated"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], 2);
}
