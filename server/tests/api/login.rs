use std::time::Duration;

use bosun_service::identity::Role;
use serde_json::Value;

use crate::helpers::{PASSWORD, session_cookie, spawn_app, spawn_app_with_manual_clock, start};

#[tokio::test]
async fn a_wrong_password_is_refused_and_starts_no_session() {
    let app = spawn_app().await;
    let browser = app.browser();
    let response = app
        .attempt_login(&browser, "admin@example.com", "not it")
        .await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_credentials");
    assert_eq!(app.whoami(&browser).await, None);
}

#[tokio::test]
async fn logging_in_sets_a_protected_cookie_with_a_fresh_session_id() {
    let app = spawn_app().await;
    let browser = app.browser();
    // A visit before login may already carry a session (planted or not).
    let before = app.call(&browser, "me", &[]).await;
    let planted = session_cookie(before.headers());

    let response = app
        .attempt_login(&browser, "admin@example.com", PASSWORD)
        .await;
    assert!(response.status().is_success());
    let cookie = session_cookie(response.headers()).expect("login sets the session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP must not get a Secure cookie: {cookie}"
    );
    if let Some(planted) = planted {
        assert_ne!(planted.split(';').next(), cookie.split(';').next());
    }
    assert_eq!(
        app.whoami(&browser).await.as_deref(),
        Some("admin@example.com")
    );
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let app = spawn_app().await;
    let browser = app.logged_in("admin@example.com").await;
    assert!(
        app.call(&browser, "logout", &[])
            .await
            .status()
            .is_success()
    );
    assert_eq!(app.whoami(&browser).await, None);
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_for_the_right_password() {
    let app = spawn_app().await;
    let browser = app.browser();
    for _ in 0..5 {
        let response = app
            .attempt_login(&browser, "admin@example.com", "guess")
            .await;
        assert_eq!(response.status(), 401);
    }
    let response = app
        .attempt_login(&browser, "admin@example.com", PASSWORD)
        .await;
    assert_eq!(response.status(), 429);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert!(body["message"].as_str().unwrap().contains("try again"));
}

#[tokio::test]
async fn throttling_ends_when_the_window_has_passed() {
    let app = spawn_app_with_manual_clock().await;
    let browser = app.browser();
    for _ in 0..5 {
        app.attempt_login(&browser, "admin@example.com", "guess")
            .await;
    }
    app.clock
        .as_ref()
        .unwrap()
        .advance(Duration::from_secs(16 * 60));
    let response = app
        .attempt_login(&browser, "admin@example.com", PASSWORD)
        .await;
    assert!(response.status().is_success(), "{}", response.status());
}

#[tokio::test]
async fn a_deactivated_user_is_thrown_out_at_the_next_request() {
    let app = spawn_app().await;
    let ada_id = app.create_user("ada@example.com", Role::Member).await;
    let ada = app.logged_in("ada@example.com").await;
    let token = app.token_for("ada@example.com").await;
    assert_eq!(app.whoami(&ada).await.as_deref(), Some("ada@example.com"));

    let admin = app.logged_in("admin@example.com").await;
    let response = app
        .call(
            &admin,
            "members/active",
            &[("user_id", ada_id.as_str()), ("active", "false")],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());

    assert_eq!(app.whoami(&ada).await, None);
    assert_eq!(app.call(&ada, "tokens/list", &[]).await.status(), 401);
    assert_eq!(app.api_get("/api/v1/me", Some(&token)).await.status(), 401);
    // Refused as a wrong password is: the answer does not confirm the password.
    let again = app
        .attempt_login(&app.browser(), "ada@example.com", PASSWORD)
        .await;
    assert_eq!(again.status(), 401);
}

#[tokio::test]
async fn a_session_survives_a_restart() {
    let app = spawn_app().await;
    let browser = app.logged_in("admin@example.com").await;
    // A second server over the same database stands in for the restarted one.
    let (address, _) = start(&app.config, None).await;
    let response = browser
        .post(format!("{address}/fn/me"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    // The cookie is scoped to the host, which both servers share.
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["email"], "admin@example.com");
}

#[tokio::test]
async fn a_session_older_than_the_absolute_timeout_must_log_in_again() {
    let app = spawn_app_with_manual_clock().await;
    let browser = app.logged_in("admin@example.com").await;
    app.clock
        .as_ref()
        .unwrap()
        .advance(Duration::from_secs(8 * 24 * 60 * 60));
    assert_eq!(app.whoami(&browser).await, None);
}
