//! Password guessing: per email and per client address, under bursts, and
//! with deactivated accounts.

use bosun_service::identity::Role;
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, api_call as call, spawn_app, spawn_app_with};
use crate::oauth::{at_provider, location, start, with_provider};

/// How many failed attempts the store holds for `email`.
async fn recorded_failures(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE email = $1")
        .bind(email)
        .fetch_one(app.bosun.db().pool())
        .await
        .unwrap()
}

/// A login from a client behind the proxy, which forwards for `client`.
async fn login_forwarded(
    app: &TestApp,
    client: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.browser()
        .post(app.url("/fn/login"))
        .header("sec-fetch-site", "same-origin")
        .header("x-forwarded-for", client)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn thirty_concurrent_wrong_passwords_for_one_email_check_at_most_five() {
    let app = spawn_app().await;
    let attempts = (0..30).map(|i| {
        let app = &app;
        async move {
            let browser = app.browser();
            app.attempt_login(&browser, "admin@example.com", &format!("guess {i}"))
                .await
                .status()
        }
    });
    let statuses = join_all(attempts).await;
    // A password is verified only for an attempt the throttle let through,
    // and each such attempt that fails answers 401; every other is 429.
    let verified = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(verified, 5, "{statuses:?}");
    assert_eq!(refused, 25, "{statuses:?}");
    assert_eq!(recorded_failures(&app, "admin@example.com").await, 5);
    // The right password is refused too while the lock lasts.
    let response = app
        .attempt_login(&app.browser(), "admin@example.com", PASSWORD)
        .await;
    assert_eq!(response.status(), 429);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
}

#[tokio::test]
async fn one_address_gets_twenty_failures_across_every_email() {
    let app = spawn_app().await;
    // A few guesses at each of many accounts stays under every per-email
    // limit; the address's own limit is what stops it.
    for i in 0..20 {
        let response = app
            .attempt_login(&app.browser(), &format!("user{i}@example.com"), "guess")
            .await;
        assert_eq!(response.status(), 401, "attempt {i}");
    }
    let response = app
        .attempt_login(&app.browser(), "someone.else@example.com", "guess")
        .await;
    assert_eq!(response.status(), 429);
    let response = app
        .attempt_login(&app.browser(), "admin@example.com", PASSWORD)
        .await;
    assert_eq!(
        response.status(),
        429,
        "the address is locked for every account"
    );
}

#[tokio::test]
async fn a_forwarded_address_counts_only_when_a_trusted_proxy_sent_it() {
    // No trusted proxy: whatever a client claims to forward, it is its peer
    // address (loopback here) that counts.
    let direct = spawn_app().await;
    for i in 0..20 {
        let response = login_forwarded(
            &direct,
            &format!("203.0.113.{i}"),
            &format!("user{i}@example.com"),
            "guess",
        )
        .await;
        assert_eq!(response.status(), 401, "attempt {i}");
    }
    let response = login_forwarded(&direct, "198.51.100.1", "admin@example.com", PASSWORD).await;
    assert_eq!(
        response.status(),
        429,
        "a spoofed X-Forwarded-For is ignored"
    );

    // Behind a trusted proxy, each forwarded client has its own count, and
    // only the rightmost untrusted hop is believed.
    let proxied = spawn_app_with(|config| {
        config.trusted_proxies = "127.0.0.1/32".parse().unwrap();
    })
    .await;
    for i in 0..20 {
        // The client prepended a hop of its own; the proxy appended the real one.
        let response = login_forwarded(
            &proxied,
            &format!("192.0.2.{i}, 203.0.113.7"),
            &format!("user{i}@example.com"),
            "guess",
        )
        .await;
        assert_eq!(response.status(), 401, "attempt {i}");
    }
    let locked = login_forwarded(&proxied, "203.0.113.7", "admin@example.com", PASSWORD).await;
    assert_eq!(locked.status(), 429);
    let other_client =
        login_forwarded(&proxied, "203.0.113.8", "admin@example.com", PASSWORD).await;
    assert!(
        other_client.status().is_success(),
        "another client behind the proxy is not locked out: {}",
        other_client.status()
    );
}

#[tokio::test]
async fn a_deactivated_account_with_the_right_password_answers_as_a_wrong_password() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com", Role::Member).await;
    app.create_user("bob@example.com", Role::Member).await;
    let admin = app.logged_in("admin@example.com").await;
    let response = app
        .call(
            &admin,
            "members/active",
            &[("user_id", ada.as_str()), ("active", "false")],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());

    let wrong = app
        .attempt_login(&app.browser(), "bob@example.com", "not it")
        .await;
    let deactivated = app
        .attempt_login(&app.browser(), "ada@example.com", PASSWORD)
        .await;
    assert_eq!(deactivated.status(), wrong.status());
    let wrong: Value = wrong.json().await.unwrap();
    let deactivated: Value = deactivated.json().await.unwrap();
    assert_eq!(deactivated, wrong);

    // And it counts as a failure like any other.
    for _ in 0..4 {
        app.attempt_login(&app.browser(), "ada@example.com", PASSWORD)
            .await;
    }
    assert_eq!(recorded_failures(&app, "ada@example.com").await, 5);
    let response = app
        .attempt_login(&app.browser(), "ada@example.com", PASSWORD)
        .await;
    assert_eq!(response.status(), 429);
}

#[tokio::test]
async fn a_successful_login_does_not_count_as_a_failure() {
    let app = spawn_app().await;
    for _ in 0..25 {
        app.logged_in("admin@example.com").await;
    }
    assert_eq!(recorded_failures(&app, "admin@example.com").await, 0);
}

#[tokio::test]
async fn signing_in_with_openid_neither_revives_a_deactivated_account_nor_lifts_a_lock() {
    let o = with_provider(spawn_app().await, true).await;
    let app = &o.s.app;
    let sign_in = |email: &'static str| async move {
        let browser = app.browser();
        let authorize = start(app, &browser, "/auth/sso/mail").await;
        let callback = at_provider(app, &authorize, email).await;
        let back = browser.get(&callback).send().await.unwrap();
        (browser, location(&back))
    };

    // A deactivated account stays out, even where the provider could
    // create accounts.
    let sam = app.create_user("sam@example.com", Role::Member).await;
    app.bosun
        .set_member_active(
            &app.bosun.user_by_email("admin@example.com").await.unwrap(),
            &sam,
            false,
        )
        .await
        .unwrap();
    let (status, body) = call(
        o.s.base(),
        &o.s.admin,
        Method::PUT,
        "/api/v1/oauth/providers/mail",
        json!({ "issuer": std::env::var("BOSUN_TEST_OIDC_ISSUER").unwrap(),
                "client_id": o.client_id, "scopes": "openid email",
                "login_enabled": true, "login_creates_users": true }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (browser, landed) = sign_in("sam@example.com").await;
    assert!(landed.starts_with("/login?error="), "{landed}");
    assert_eq!(app.whoami(&browser).await, None);

    // Someone guessing ada's password is locked out. Ada proving who she is
    // at her provider is no guess and gets in; the guesser stays locked.
    app.create_user("ada@example.com", Role::Member).await;
    for _ in 0..5 {
        app.attempt_login(&app.browser(), "ada@example.com", "guess")
            .await;
    }
    let (browser, landed) = sign_in("ada@example.com").await;
    assert_eq!(landed, "/");
    assert_eq!(
        app.whoami(&browser).await.as_deref(),
        Some("ada@example.com")
    );
    let guess = app
        .attempt_login(&app.browser(), "ada@example.com", PASSWORD)
        .await;
    assert_eq!(guess.status(), 429);
}

#[tokio::test]
async fn an_ipv6_client_cannot_rotate_through_its_own_64_to_escape_the_address_limit() {
    let proxied = spawn_app_with(|config| {
        config.trusted_proxies = "127.0.0.1/32".parse().unwrap();
    })
    .await;
    for i in 0..20 {
        let response = login_forwarded(
            &proxied,
            &format!("2001:db8:7:7::{:x}", i + 1),
            &format!("user{i}@example.com"),
            "guess",
        )
        .await;
        assert_eq!(response.status(), 401, "attempt {i}");
    }
    let rotated = login_forwarded(
        &proxied,
        "2001:db8:7:7:abcd::1",
        "admin@example.com",
        PASSWORD,
    )
    .await;
    assert_eq!(rotated.status(), 429, "another address of the same /64");
    let neighbour =
        login_forwarded(&proxied, "2001:db8:7:8::1", "admin@example.com", PASSWORD).await;
    assert!(
        neighbour.status().is_success(),
        "the next /64 is someone else: {}",
        neighbour.status()
    );
}
