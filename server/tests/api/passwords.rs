//! Passwords: one's own change (the first admin's included), an admin's
//! reset and one-time set-password link, over server functions and REST;
//! each ends the person's other sessions and is audited without the
//! password.

use bosun_service::identity::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, api_call, error_code, occurrences_in_store, spawn_app,
    spawn_app_with_manual_clock,
};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// The kinds and data of the password events, oldest first.
async fn password_events(app: &TestApp) -> Vec<(String, Option<String>, Value)> {
    let rows: Vec<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT kind, actor, data FROM events WHERE kind LIKE '%password%' ORDER BY seq",
    )
    .fetch_all(app.bosun.db().pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(kind, actor, data)| (kind, actor, serde_json::from_str(&data).unwrap()))
        .collect()
}

async fn logs_in(app: &TestApp, email: &str, password: &str) -> bool {
    let client = app.browser();
    app.attempt_login(&client, email, password)
        .await
        .status()
        .is_success()
}

#[tokio::test]
async fn the_first_admin_changes_their_password_and_their_other_sessions_end() {
    let app = spawn_app().await;
    let here = app.logged_in("admin@example.com").await;
    let elsewhere = app.logged_in("admin@example.com").await;

    let response = app
        .call(
            &here,
            "me/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());

    assert_eq!(
        app.whoami(&here).await.as_deref(),
        Some("admin@example.com")
    );
    assert_eq!(app.whoami(&elsewhere).await, None);
    assert!(!logs_in(&app, "admin@example.com", PASSWORD).await);
    assert!(logs_in(&app, "admin@example.com", NEW_PASSWORD).await);

    let events = password_events(&app).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, "user.password_changed");
    assert_eq!(events[0].2["email"], "admin@example.com");
    assert_eq!(occurrences_in_store(&app, NEW_PASSWORD), 0);
}

#[tokio::test]
async fn a_wrong_current_password_or_a_short_new_one_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let client = app.logged_in("admin@example.com").await;
    let response = app
        .call(
            &client,
            "me/password",
            &[
                ("current_password", "not my password"),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(body.to_string().contains("Current password"), "{body}");

    app.create_user("grace@example.com", Role::Member).await;
    let token = app.token_for("grace@example.com").await;
    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    for (body, field) in [
        (change("wrong guess", NEW_PASSWORD), "current_password"),
        (change(PASSWORD, "short"), "new_password"),
        (change("", NEW_PASSWORD), "current_password"),
    ] {
        let (status, answer) = api_call(
            &app.address,
            &token,
            Method::PUT,
            "/api/v1/me/password",
            body,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(
            answer["error"]["message"].as_str().unwrap().contains(field),
            "{answer}"
        );
    }
    let (status, answer) = api_call(
        &app.address,
        &token,
        Method::PUT,
        "/api/v1/me/password",
        json!({ "new_password": NEW_PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(logs_in(&app, "grace@example.com", PASSWORD).await);
    assert!(password_events(&app).await.is_empty());
}

#[tokio::test]
async fn a_member_changes_their_password_over_rest_and_their_token_keeps_working() {
    let app = spawn_app().await;
    app.create_user("grace@example.com", Role::Member).await;
    let session = app.logged_in("grace@example.com").await;
    let token = app.token_for("grace@example.com").await;
    let (status, answer) = api_call(
        &app.address,
        &token,
        Method::PUT,
        "/api/v1/me/password",
        json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    assert_eq!(app.whoami(&session).await, None);
    assert!(logs_in(&app, "grace@example.com", NEW_PASSWORD).await);
    let me = app.api_json("/api/v1/me", &token).await;
    assert_eq!(me["email"], "grace@example.com");
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_logging_in() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let (status, _) = api_call(
            &app.address,
            &token,
            Method::PUT,
            "/api/v1/me/password",
            json!({ "current_password": "a wrong guess", "new_password": NEW_PASSWORD }),
        )
        .await;
        statuses.push(status);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let (status, _) = api_call(
        &app.address,
        &token,
        Method::PUT,
        "/api/v1/me/password",
        json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_admin_resets_a_members_password_and_the_members_sessions_end() {
    let app = spawn_app().await;
    let grace = app.create_user("grace@example.com", Role::Member).await;
    let graces_session = app.logged_in("grace@example.com").await;
    let admin = app.token_for("admin@example.com").await;
    let path = format!("/api/v1/members/{grace}/password");

    let (status, answer) = api_call(
        &app.address,
        &admin,
        Method::PUT,
        &path,
        json!({ "password": "short" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("password")
    );

    let (status, answer) = api_call(
        &app.address,
        &admin,
        Method::PUT,
        &path,
        json!({ "password": NEW_PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    assert_eq!(app.whoami(&graces_session).await, None);
    assert!(!logs_in(&app, "grace@example.com", PASSWORD).await);
    assert!(logs_in(&app, "grace@example.com", NEW_PASSWORD).await);

    let events = password_events(&app).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, "member.password_reset");
    assert_eq!(events[0].2["user_id"], grace.as_str());
    assert_eq!(occurrences_in_store(&app, NEW_PASSWORD), 0);
}

#[tokio::test]
async fn members_may_not_reset_passwords_and_admins_not_their_own_or_an_unknown_one() {
    let app = spawn_app().await;
    let admin_id = app
        .bosun
        .user_by_email("admin@example.com")
        .await
        .unwrap()
        .user_id;
    let grace = app.create_user("grace@example.com", Role::Member).await;
    app.create_user("hopper@example.com", Role::Member).await;
    let member = app.token_for("hopper@example.com").await;
    for target in [&admin_id, &grace] {
        for (method, path, body) in [
            (
                Method::PUT,
                format!("/api/v1/members/{target}/password"),
                json!({ "password": NEW_PASSWORD }),
            ),
            (
                Method::POST,
                format!("/api/v1/members/{target}/password-link"),
                Value::Null,
            ),
        ] {
            let response =
                crate::helpers::api_request(&app.address, &member, method, &path, body).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
            assert_eq!(error_code(response).await, "forbidden");
        }
    }
    assert!(logs_in(&app, "admin@example.com", PASSWORD).await);

    let admin = app.token_for("admin@example.com").await;
    let (status, answer) = api_call(
        &app.address,
        &admin,
        Method::PUT,
        &format!("/api/v1/members/{admin_id}/password"),
        json!({ "password": NEW_PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("user_id")
    );
    let (status, _) = api_call(
        &app.address,
        &admin,
        Method::POST,
        "/api/v1/members/nobody/password-link",
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(password_events(&app).await.is_empty());
}

/// The token of a set-password link's URL.
fn link_token(url: &str) -> String {
    url.split_once("/set-password#")
        .expect("a set-password URL")
        .1
        .to_owned()
}

#[tokio::test]
async fn a_set_password_link_works_once_and_is_stored_only_hashed() {
    let app = spawn_app().await;
    let grace = app.create_user("grace@example.com", Role::Member).await;
    let graces_session = app.logged_in("grace@example.com").await;
    let admin = app.token_for("admin@example.com").await;
    let (status, link) = api_call(
        &app.address,
        &admin,
        Method::POST,
        &format!("/api/v1/members/{grace}/password-link"),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let token = link_token(link["url"].as_str().unwrap());
    assert!(link["expires_at"].is_string());
    assert_eq!(occurrences_in_store(&app, &token), 0);

    let anyone = app.browser();
    let checked = app
        .call(&anyone, "password_link/check", &[("token", &token)])
        .await;
    assert!(checked.status().is_success());
    assert_eq!(checked.json::<Value>().await.unwrap(), "grace@example.com");

    let short = app
        .call(
            &anyone,
            "password_link/use",
            &[("token", &token), ("password", "short")],
        )
        .await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);

    let used = app
        .call(
            &anyone,
            "password_link/use",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert!(used.status().is_success(), "{}", used.status());
    assert_eq!(app.whoami(&graces_session).await, None);
    assert!(logs_in(&app, "grace@example.com", NEW_PASSWORD).await);

    let again = app
        .call(
            &anyone,
            "password_link/use",
            &[("token", &token), ("password", "yet another passphrase")],
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(logs_in(&app, "grace@example.com", NEW_PASSWORD).await);

    let kinds: Vec<String> = password_events(&app)
        .await
        .into_iter()
        .map(|(kind, _, _)| kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "member.password_link_created",
            "user.password_set_with_link"
        ]
    );
    assert_eq!(occurrences_in_store(&app, NEW_PASSWORD), 0);
}

#[tokio::test]
async fn a_set_password_link_expires_after_a_day_and_a_newer_one_replaces_it() {
    let app = spawn_app_with_manual_clock().await;
    let grace = app.create_user("grace@example.com", Role::Member).await;
    let admin = app.bosun.user_by_email("admin@example.com").await.unwrap();
    let first = app
        .bosun
        .create_password_link(&admin, &grace)
        .await
        .unwrap();
    let second = app
        .bosun
        .create_password_link(&admin, &grace)
        .await
        .unwrap();
    assert!(
        app.bosun
            .set_password_with_link(&first.token, NEW_PASSWORD)
            .await
            .is_err(),
        "a replaced link still worked"
    );
    app.clock
        .as_ref()
        .unwrap()
        .advance(std::time::Duration::from_secs(24 * 3600 + 1));
    let expired = app
        .bosun
        .set_password_with_link(&second.token, NEW_PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(expired.code(), "password_link_unusable");
    assert!(logs_in(&app, "grace@example.com", PASSWORD).await);

    // A link made before an admin sets the password directly is void.
    let third = app
        .bosun
        .create_password_link(&admin, &grace)
        .await
        .unwrap();
    app.bosun
        .reset_member_password(&admin, &grace, NEW_PASSWORD)
        .await
        .unwrap();
    assert!(
        app.bosun
            .set_password_with_link(&third.token, "yet another passphrase")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_password_endpoints() {
    let app = spawn_app().await;
    let document: Value = app.openapi_document().await;
    let paths = &document["paths"];
    for (path, method) in [
        ("/api/v1/me/password", "put"),
        ("/api/v1/members/{id}/password", "put"),
        ("/api/v1/members/{id}/password-link", "post"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path}");
    }
    let change = &document["components"]["schemas"]["PasswordChange"];
    assert!(change.to_string().contains("current_password"), "{change}");
}

/// The parameters a PHC string of argon2id names, e.g. `m=19456,t=2,p=1`.
fn argon2_parameters(phc: &str) -> &str {
    phc.split('$').nth(3).unwrap_or_default()
}

#[tokio::test]
async fn the_bosun_binary_hashes_passwords_with_the_production_parameters() {
    // The binary as shipped (no knob of its reaches the test-only cheap
    // parameters the other tests use), making its first admin.
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = crate::helpers::fresh_database_url(data_dir.path()).await;
    let port = crate::restart::free_port();
    let server =
        crate::restart::serve_with(data_dir.path(), database_url.as_deref(), port, |_| {}).await;
    let url = database_url.unwrap_or_else(|| bosun_service::Db::sqlite_url(data_dir.path()));
    let db = bosun_service::Db::connect(&url).await.unwrap();
    let stored: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE email = 'admin@example.com'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert!(stored.starts_with("$argon2id$v=19$"), "{stored}");
    assert_eq!(argon2_parameters(&stored), "m=19456,t=2,p=1");

    // And a password it stored verifies in the harness's app, whose own
    // hashes are cheap: the stored string carries its parameters.
    drop(server);
    let app = spawn_app().await;
    app.create_user("cheap@example.com", Role::Member).await;
    let cheap: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE email = 'cheap@example.com'")
            .fetch_one(app.bosun.db().pool())
            .await
            .unwrap();
    assert_eq!(argon2_parameters(&cheap), "m=8,t=1,p=1");
    sqlx::query("UPDATE users SET password_hash = $1 WHERE email = 'cheap@example.com'")
        .bind(&stored)
        .execute(app.bosun.db().pool())
        .await
        .unwrap();
    let response = app
        .attempt_login(&app.browser(), "cheap@example.com", PASSWORD)
        .await;
    assert!(response.status().is_success(), "{}", response.status());
}
