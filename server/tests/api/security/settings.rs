//! The workspace settings the contract promises: how long approval requests
//! wait and whether reviewers decide their own runs' requests. Admins change
//! them over REST and in Settings → Security; bad values are refused naming
//! the field, all or nothing; every change is an audit event.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{api_call as call, spawn_app};
use crate::runtime::setup;

#[tokio::test]
async fn admins_change_the_approval_time_to_live_and_self_approval_and_each_change_is_audited() {
    let s = setup(spawn_app().await).await;
    s.app
        .create_user("sam@example.com", bosun_service::identity::Role::Member)
        .await;
    let sam = s.app.token_for("sam@example.com").await;
    let settings = s.app.api_json("/api/v1/workspace", &sam).await;
    assert_eq!(settings["approval_ttl_seconds"], 86_400);
    assert_eq!(settings["self_approval"], false);

    let (status, changed) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        "/api/v1/workspace",
        json!({ "approval_ttl_seconds": 2_592_000, "self_approval": true }),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["approval_ttl_seconds"], 2_592_000);
    assert_eq!(changed["self_approval"], true);
    let (status, changed) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        "/api/v1/workspace",
        json!({ "approval_ttl_seconds": 1 }),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    let settings = s.app.api_json("/api/v1/workspace", &sam).await;
    assert_eq!(settings["approval_ttl_seconds"], 1);
    assert_eq!(settings["self_approval"], true, "left as it was");

    // Each change is one audit event saying what each field was and became.
    let export = s
        .app
        .api_get("/api/v1/traces/export?format=jsonl", Some(&s.admin))
        .await
        .text()
        .await
        .unwrap();
    let changes: Vec<Value> = export
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|event| event["kind"] == "workspace.settings_changed")
        .collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(
        changes[0]["data"],
        json!({ "approval_ttl_seconds": { "from": 86_400, "to": 2_592_000 },
                "self_approval": { "from": false, "to": true } })
    );
    assert_eq!(
        changes[1]["data"],
        json!({ "approval_ttl_seconds": { "from": 2_592_000, "to": 1 } })
    );
    let me = s.app.api_json("/api/v1/me", &s.admin).await;
    assert_eq!(changes[1]["actor"], me["id"]);
}

#[tokio::test]
async fn a_new_request_waits_as_long_as_the_workspace_says() {
    let s = setup(spawn_app().await).await;
    let (status, body) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        "/api/v1/workspace",
        json!({ "approval_ttl_seconds": 90 }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    s.app
        .create_user("reviewer@example.com", bosun_service::identity::Role::Admin)
        .await;
    let reviewer = s.app.token_for("reviewer@example.com").await;
    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "delete_file", "/work/a").await;
    let inbox = s.app.api_json("/api/v1/approvals", &reviewer).await;
    let listed = &inbox["items"][0];
    assert_eq!(listed["id"], asked["approval_id"]);
    let at = |field: &str| {
        listed[field]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    };
    assert_eq!(
        at("expires_at") - at("requested_at"),
        chrono::Duration::seconds(90)
    );
}

#[tokio::test]
async fn bad_settings_are_refused_naming_the_field_and_nothing_changes() {
    let s = setup(spawn_app().await).await;
    let before = s.app.api_json("/api/v1/workspace", &s.admin).await;
    let cases = [
        (json!({ "approval_ttl_seconds": 0 }), "approval_ttl_seconds"),
        (
            json!({ "approval_ttl_seconds": -60 }),
            "approval_ttl_seconds",
        ),
        (
            json!({ "approval_ttl_seconds": 2_592_001 }),
            "approval_ttl_seconds",
        ),
        (
            json!({ "approval_ttl_seconds": i64::MAX }),
            "approval_ttl_seconds",
        ),
        (
            json!({ "approval_ttl_seconds": 1e30 }),
            "approval_ttl_seconds",
        ),
        (
            json!({ "approval_ttl_seconds": 1.5 }),
            "approval_ttl_seconds",
        ),
        (
            json!({ "approval_ttl_seconds": "3600" }),
            "approval_ttl_seconds",
        ),
        (json!({ "self_approval": "yes" }), "self_approval"),
        (json!({ "self_approval": 1 }), "self_approval"),
        (
            json!({ "default_execution_mode": "yolo" }),
            "default_execution_mode",
        ),
        // All or nothing: a good field beside a bad one is not stored.
        (
            json!({ "approval_ttl_seconds": 60, "default_execution_mode": "yolo" }),
            "default_execution_mode",
        ),
        (
            json!({ "self_approval": true, "approval_ttl_seconds": 0 }),
            "approval_ttl_seconds",
        ),
        (json!({ "approval_ttl": 60 }), "approval_ttl"),
    ];
    for (body, field) in cases {
        let (status, refused) = call(
            s.base(),
            &s.admin,
            Method::PATCH,
            "/api/v1/workspace",
            body.clone(),
        )
        .await;
        assert_eq!(status, 400, "{body}: {refused}");
        assert_eq!(refused["error"]["code"], "invalid_input", "{body}");
        let message = refused["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{body}: {message}");
    }
    assert_eq!(s.app.api_json("/api/v1/workspace", &s.admin).await, before);

    s.app
        .create_user("sam@example.com", bosun_service::identity::Role::Member)
        .await;
    let sam = s.app.token_for("sam@example.com").await;
    let (status, refused) = call(
        s.base(),
        &sam,
        Method::PATCH,
        "/api/v1/workspace",
        json!({ "self_approval": true }),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(s.app.api_json("/api/v1/workspace", &s.admin).await, before);
}

#[tokio::test]
async fn the_security_page_saves_the_approval_settings_and_names_what_is_wrong() {
    let s = setup(spawn_app().await).await;
    let admin = s.app.logged_in("admin@example.com").await;
    let save = |ttl: &'static str, own: &'static str| {
        let admin = admin.clone();
        let app = &s.app;
        async move {
            app.call(
                &admin,
                "workspace/approval-settings",
                &[("approval_ttl_seconds", ttl), ("self_approval", own)],
            )
            .await
        }
    };
    for ttl in ["soon", "0", "2592001", ""] {
        let response = save(ttl, "true").await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{ttl:?}");
        let body = response.text().await.unwrap();
        assert!(body.contains("approval_ttl_seconds"), "{ttl:?}: {body}");
    }
    let settings = s.app.api_json("/api/v1/workspace", &s.admin).await;
    assert_eq!(settings["approval_ttl_seconds"], 86_400);
    assert_eq!(settings["self_approval"], false);

    let response = save(" 7200 ", "true").await;
    assert_eq!(response.status(), StatusCode::OK);
    let settings = s.app.api_json("/api/v1/workspace", &s.admin).await;
    assert_eq!(settings["approval_ttl_seconds"], 7_200);
    assert_eq!(settings["self_approval"], true);

    // The form shows what is stored.
    let page = s
        .app
        .call(&admin, "workspace/settings", &[])
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(page["approval_ttl_seconds"], 7_200);
    assert_eq!(page["self_approval"], true);
}
