//! OAuth against a real provider (`end2end/oidc/provider.mjs`, started by
//! `scripts/test`): connecting accounts with PKCE and a session-bound
//! state, handing runs their user's token, one refresh per connection
//! however many ask at once, reconnecting after `invalid_grant`,
//! disconnecting with revocation, and signing in with OpenID Connect.

use std::time::Duration;

use bosun_service::identity::Role;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, api_call as call, occurrences_in_store, spawn_app, spawn_app_with_manual_clock,
};
use crate::runtime::{Setup, setup};

const CLIENT_SECRET_MARK: &str = "client secret";

/// The provider's issuer, from `scripts/test`.
fn issuer() -> String {
    std::env::var("BOSUN_TEST_OIDC_ISSUER").expect(
        "BOSUN_TEST_OIDC_ISSUER names the test OpenID provider: run the tests with scripts/test, \
         or start end2end/oidc/provider.mjs and set it",
    )
}

/// A client of the provider registered for this app's callback.
async fn register_client(app: &TestApp) -> (String, String) {
    let registered: Value = Client::new()
        .post(format!("{}/reg", issuer()))
        .json(&json!({ "redirect_uris": [app.url("/oauth/callback")] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        registered["client_id"].as_str().unwrap().to_owned(),
        registered["client_secret"].as_str().unwrap().to_owned(),
    )
}

pub(crate) struct OAuth {
    pub(crate) s: Setup,
    pub(crate) client_id: String,
    client_secret: String,
}

/// An app with the provider set up as `mail` (discovered from its
/// issuer) and the setup's agent acting as its user, needing `mail.read`.
pub(crate) async fn with_provider(app: TestApp, login: bool) -> OAuth {
    let (client_id, client_secret) = register_client(&app).await;
    let s = setup(app).await;
    let (status, provider) = call(
        s.base(),
        &s.admin,
        Method::POST,
        "/api/v1/oauth/providers",
        json!({ "name": "mail", "display_name": "Test Mail", "issuer": issuer(),
                "client_id": client_id, "client_secret": client_secret,
                "scopes": "openid email", "login_enabled": login }),
    )
    .await;
    assert_eq!(status, 201, "{provider}");
    assert_eq!(provider["token_url"], format!("{}/token", issuer()));
    assert!(!provider.to_string().contains(&client_secret));
    let agent = s.agent.clone();
    let (status, body) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        &format!("/api/v1/agents/{agent}"),
        json!({ "credential_model": "user" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, needs) = call(
        s.base(),
        &s.admin,
        Method::PUT,
        &format!("/api/v1/agents/{agent}/connections/mail"),
        json!({ "scopes": "mail.read" }),
    )
    .await;
    assert_eq!(status, 200, "{needs}");
    assert_eq!(needs["items"][0]["scopes"], json!(["mail.read"]));
    OAuth {
        s,
        client_id,
        client_secret,
    }
}

/// A browser-like client of the provider: keeps cookies, follows the
/// provider's own redirects, stops at the one back to Bosun.
fn provider_browser(app: &TestApp) -> Client {
    let callback = app.url("/oauth/callback");
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.url().as_str().starts_with(&callback) {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }))
        .build()
        .unwrap()
}

/// Where Bosun sends the browser to start `path` (a connect or sign-in form).
pub(crate) async fn start(app: &TestApp, browser: &Client, path: &str) -> String {
    let response = browser
        .post(app.url(path))
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
    location(&response)
}

pub(crate) fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The person signs in at the provider as `email` and consents; returns the
/// callback URL the provider sends their browser to.
pub(crate) async fn at_provider(app: &TestApp, authorize_url: &str, email: &str) -> String {
    assert!(authorize_url.starts_with(&issuer()), "{authorize_url}");
    assert!(authorize_url.contains("code_challenge_method=S256"));
    let response = provider_browser(app)
        .get(format!("{authorize_url}&login_hint={email}"))
        .send()
        .await
        .unwrap();
    let callback = location(&response);
    assert!(
        callback.starts_with(&app.url("/oauth/callback")),
        "{callback}"
    );
    callback
}

/// Connects `email`'s account through the whole browser flow.
pub(crate) async fn connect(app: &TestApp, email: &str) -> Client {
    let browser = app.logged_in(email).await;
    let authorize = start(app, &browser, "/oauth/connect/mail").await;
    let callback = at_provider(app, &authorize, email).await;
    let back = browser.get(&callback).send().await.unwrap();
    assert_eq!(
        location(&back),
        "/account?connected=mail#connections",
        "the connection is stored"
    );
    browser
}

/// Who the provider says an access token belongs to.
async fn owner_of(token: &str) -> Value {
    let response = Client::new()
        .get(format!("{}/me", issuer()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "the token works at the provider");
    response.json::<Value>().await.unwrap()["sub"].clone()
}

async fn count(kind: &str, client_id: &str) -> u64 {
    let body: Value = Client::new()
        .get(format!("{}/test/{kind}?client_id={client_id}", issuer()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["count"].as_u64().unwrap()
}

/// The admin connects their account and starts a run, which is handed
/// their token.
async fn admins_run_with_token(s: &Setup) -> (String, String) {
    connect(&s.app, "admin@example.com").await;
    let run = s.running(&s.admin).await;
    let (status, issued) = s.credential(&run, "mail").await;
    assert_eq!(status, 200, "{issued}");
    let token = issued["value"].as_str().unwrap().to_owned();
    (run, token)
}

async fn my_connection(s: &Setup, token: &str) -> Value {
    let (_, list) = call(
        s.base(),
        token,
        Method::GET,
        "/api/v1/me/connections",
        Value::Null,
    )
    .await;
    list["items"][0].clone()
}

#[tokio::test]
async fn a_run_gets_the_token_of_the_user_who_started_it_and_never_anyone_elses() {
    let o = with_provider(spawn_app().await, false).await;
    let s = &o.s;
    s.app.create_user("sam@example.com", Role::Member).await;
    let sam = s.app.token_for("sam@example.com").await;
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/grants", s.agent),
        json!({ "workspace": true, "level": "run" }),
    )
    .await;
    assert_eq!(status, 201);

    // Without the account the agent needs, the run does not start.
    let (status, refused) = call(
        s.base(),
        &sam,
        Method::POST,
        &format!("/api/v1/agents/{}/runs", s.agent),
        json!({ "input": {} }),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "connection_required");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Test Mail") && message.contains("/account"),
        "{message}"
    );

    connect(&s.app, "sam@example.com").await;
    connect(&s.app, "admin@example.com").await;
    let mine = my_connection(s, &sam).await;
    assert_eq!(mine["status"], "active");
    assert!(
        mine["scopes"]
            .as_array()
            .unwrap()
            .contains(&json!("mail.read")),
        "the agent's scope was asked for: {mine}"
    );

    let sams_run = s.running(&sam).await;
    let (status, issued) = s.credential(&sams_run, "mail").await;
    assert_eq!(status, 200, "{issued}");
    assert_eq!(issued["kind"], "oauth");
    let sams_token = issued["value"].as_str().unwrap().to_owned();
    assert_eq!(owner_of(&sams_token).await, "sam@example.com");

    let admins_run = s.running(&s.admin).await;
    let (_, issued) = s.credential(&admins_run, "mail").await;
    let admins_token = issued["value"].as_str().unwrap().to_owned();
    assert_eq!(owner_of(&admins_token).await, "admin@example.com");
    assert_ne!(sams_token, admins_token);

    // The trace names the connection and scopes, never the token.
    let (_, trace) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/traces/{sams_run}"),
        Value::Null,
    )
    .await;
    let issuance = trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "credential.issued")
        .expect("the issuance is in the trace")
        .clone();
    assert_eq!(issuance["data"]["kind"], "oauth");
    assert_eq!(
        issuance["on_behalf_of"],
        json!(
            s.app
                .bosun
                .user_by_email("sam@example.com")
                .await
                .unwrap()
                .user_id
                .as_str()
        )
    );
    assert!(
        issuance["data"]["scopes"]
            .as_str()
            .unwrap()
            .contains("mail.read")
    );
    assert!(!trace.to_string().contains(&sams_token));

    // Once the agent needs a scope the connection was not granted, the
    // person must connect again before their runs get the token.
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::PUT,
        &format!("/api/v1/agents/{}/connections/mail", s.agent),
        json!({ "scopes": "mail.read files.read" }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, refused) = s.credential(&admins_run, "mail").await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "reconnect_needed");

    // Once the run is over, no more tokens.
    let (status, _) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{sams_run}/finish"),
        json!({ "status": "succeeded" }),
    )
    .await;
    assert!(status.is_success());
    let (status, _) = s.credential(&sams_run, "mail").await;
    assert_eq!(status, 409);

    // Neither the store nor an export holds a token or the client secret.
    let export = s
        .app
        .api_get("/api/v1/traces/export?format=jsonl", Some(&s.admin))
        .await
        .text()
        .await
        .unwrap();
    for secret in [&sams_token, &admins_token, &o.client_secret] {
        assert!(
            !export.contains(secret.as_str()),
            "an export leaks a secret"
        );
        assert_eq!(
            occurrences_in_store(&s.app, secret),
            0,
            "the store holds a {} in the clear",
            if *secret == o.client_secret {
                CLIENT_SECRET_MARK
            } else {
                "token"
            }
        );
    }
}

#[tokio::test]
async fn fifty_runs_asking_at_once_of_two_servers_cause_one_refresh_and_rotated_tokens_are_kept() {
    let o = with_provider(spawn_app_with_manual_clock().await, false).await;
    let s = &o.s;
    connect(&s.app, "admin@example.com").await;
    let mut runs = Vec::new();
    for _ in 0..50 {
        runs.push(s.running(&s.admin).await);
    }
    let (_, first) = s.credential(&runs[0], "mail").await;
    let first = first["value"].as_str().unwrap().to_owned();
    assert_eq!(count("refreshes", &o.client_id).await, 0);

    // Two hours on, the token has expired: everyone asks at once, half of
    // them of a second server over the same store, while the provider is
    // slow enough that they all arrive before the refresh is done.
    let clock = s.app.clock.clone();
    let (second, _) = crate::helpers::start(&s.app.config, clock.clone()).await;
    clock
        .as_ref()
        .unwrap()
        .advance(Duration::from_secs(2 * 3600));
    let slow = Client::new()
        .post(format!(
            "{}/test/slow-token?client_id={}&ms=300",
            issuer(),
            o.client_id
        ))
        .send()
        .await
        .unwrap();
    assert!(slow.status().is_success());
    let issued = futures::future::join_all(runs.iter().enumerate().map(|(i, run)| {
        let base = if i % 2 == 0 {
            s.base()
        } else {
            second.as_str()
        };
        let path = format!("/api/v1/runtime/runs/{run}/credentials/mail");
        async move { call(base, &s.key, Method::POST, &path, Value::Null).await }
    }))
    .await;
    let mut values: Vec<String> = issued
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 200, "{body}");
            body["value"].as_str().unwrap().to_owned()
        })
        .collect();
    values.dedup();
    assert_eq!(values.len(), 1, "everyone got the one refreshed token");
    assert_ne!(values[0], first);
    assert_eq!(
        count("refreshes", &o.client_id).await,
        1,
        "one refresh at the provider"
    );
    assert_eq!(owner_of(&values[0]).await, "admin@example.com");

    // The provider rotated the refresh token; the next refresh works only
    // if the new one was stored.
    s.app
        .clock
        .as_ref()
        .unwrap()
        .advance(Duration::from_secs(2 * 3600));
    let (status, again) = s.credential(&runs[1], "mail").await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(count("refreshes", &o.client_id).await, 2);
}

#[tokio::test]
async fn a_refused_refresh_asks_the_user_to_reconnect_and_disconnecting_revokes() {
    let o = with_provider(spawn_app_with_manual_clock().await, false).await;
    let s = &o.s;
    let (run, token) = admins_run_with_token(s).await;

    // Revoked at the provider (which ends the whole grant): the refresh
    // gets invalid_grant.
    let revoked = Client::new()
        .post(format!("{}/token/revocation", issuer()))
        .basic_auth(&o.client_id, Some(&o.client_secret))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success());
    s.app
        .clock
        .as_ref()
        .unwrap()
        .advance(Duration::from_secs(2 * 3600));
    let (status, refused) = s.credential(&run, "mail").await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "reconnect_needed");
    assert_eq!(
        my_connection(s, &s.admin).await["status"],
        "reconnect_needed"
    );

    // Connecting again repairs it.
    connect(&s.app, "admin@example.com").await;
    assert_eq!(my_connection(s, &s.admin).await["status"], "active");
    let (status, issued) = s.credential(&run, "mail").await;
    assert_eq!(status, 200, "{issued}");

    // Disconnecting revokes at the provider and forgets the tokens.
    let revocations = count("revocations", &o.client_id).await;
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::DELETE,
        "/api/v1/me/connections/mail",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(count("revocations", &o.client_id).await, revocations + 1);
    assert_eq!(my_connection(s, &s.admin).await["status"], "not_connected");
    let (status, refused) = s.credential(&run, "mail").await;
    assert_eq!(status, 422);
    assert_eq!(refused["error"]["code"], "connection_required");
}

#[tokio::test]
async fn deleting_a_provider_revokes_the_connections_to_it() {
    let o = with_provider(spawn_app().await, false).await;
    let s = &o.s;
    let (_, token) = admins_run_with_token(s).await;
    owner_of(&token).await;

    let revocations = count("revocations", &o.client_id).await;
    let (status, body) = call(
        s.base(),
        &s.admin,
        Method::DELETE,
        "/api/v1/oauth/providers/mail",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(count("revocations", &o.client_id).await, revocations + 1);
    let at_provider = Client::new()
        .get(format!("{}/me", issuer()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        at_provider.status(),
        StatusCode::UNAUTHORIZED,
        "the grant ended with the provider's removal"
    );
    assert_eq!(my_connection(s, &s.admin).await, Value::Null);
}

#[tokio::test]
async fn a_forged_replayed_or_foreign_state_is_refused() {
    let o = with_provider(spawn_app().await, false).await;
    let app = &o.s.app;

    // Forged: the state in the callback is not the one this browser sent.
    let browser = app.logged_in("admin@example.com").await;
    let authorize = start(app, &browser, "/oauth/connect/mail").await;
    let callback = at_provider(app, &authorize, "admin@example.com").await;
    let url = reqwest::Url::parse(&callback).unwrap();
    let forged: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| match k.as_ref() {
            "state" => (k.into_owned(), "forged".to_owned()),
            _ => (k.into_owned(), v.into_owned()),
        })
        .collect();
    let mut forged_url = url.clone();
    forged_url.query_pairs_mut().clear().extend_pairs(&forged);
    let back = browser.get(forged_url).send().await.unwrap();
    assert!(
        location(&back).contains("connection_error=state"),
        "{}",
        location(&back)
    );
    assert_eq!(
        my_connection(&o.s, &o.s.admin).await["status"],
        "not_connected"
    );

    // Replayed: the genuine callback after its flow was used up.
    let back = browser.get(&callback).send().await.unwrap();
    assert!(
        location(&back).contains("connection_error="),
        "{}",
        location(&back)
    );
    assert_eq!(
        my_connection(&o.s, &o.s.admin).await["status"],
        "not_connected"
    );

    // A provider that does not exist: back to the account page, saying so.
    let unknown = start(app, &browser, "/oauth/connect/nope").await;
    assert!(
        unknown.starts_with("/account?connection_error=") && unknown.ends_with("#connections"),
        "{unknown}"
    );

    // Foreign: a callback planted in another person's browser.
    app.create_user("victim@example.com", Role::Member).await;
    let attacker = app.logged_in("admin@example.com").await;
    let authorize = start(app, &attacker, "/oauth/connect/mail").await;
    let planted = at_provider(app, &authorize, "admin@example.com").await;
    let victim = app.logged_in("victim@example.com").await;
    let back = victim.get(&planted).send().await.unwrap();
    assert!(location(&back).contains("connection_error="));
    let victim_token = app.token_for("victim@example.com").await;
    assert_eq!(
        my_connection(&o.s, &victim_token).await["status"],
        "not_connected"
    );

    // Nor can another site start a flow in someone's browser.
    let cross_site = victim
        .post(app.url("/oauth/connect/mail"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);

    // A proper flow still works.
    connect(app, "admin@example.com").await;
}

#[tokio::test]
async fn people_sign_in_with_the_provider_by_verified_email() {
    let o = with_provider(spawn_app().await, true).await;
    let app = &o.s.app;
    app.create_user("sam@example.com", Role::Member).await;

    let (status, methods) = call(
        o.s.base(),
        &o.s.admin,
        Method::GET,
        "/api/v1/oauth/providers",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(methods["items"][0]["login_enabled"], true);

    let sign_in = |email: &'static str| async move {
        let browser = app.browser();
        let authorize = start(app, &browser, "/auth/sso/mail").await;
        assert!(authorize.contains("nonce="), "{authorize}");
        let callback = at_provider(app, &authorize, email).await;
        let back = browser.get(&callback).send().await.unwrap();
        (browser, location(&back))
    };

    let (browser, landed) = sign_in("sam@example.com").await;
    assert_eq!(landed, "/");
    assert_eq!(
        app.whoami(&browser).await.as_deref(),
        Some("sam@example.com")
    );

    // Someone Bosun does not know is not let in (the provider does not
    // create accounts), nor is an address the provider does not vouch for.
    let (browser, landed) = sign_in("stranger@example.com").await;
    assert!(landed.starts_with("/login?error="), "{landed}");
    assert!(landed.contains("no+Bosun+account"), "{landed}");
    assert_eq!(app.whoami(&browser).await, None);
    app.create_user("unverified.kim@example.com", Role::Member)
        .await;
    let (browser, landed) = sign_in("unverified.kim@example.com").await;
    assert!(landed.contains("vouch"), "{landed}");
    assert_eq!(app.whoami(&browser).await, None);

    // Once the provider may create accounts, the stranger gets a member's.
    let (status, body) = call(
        o.s.base(),
        &o.s.admin,
        Method::PUT,
        "/api/v1/oauth/providers/mail",
        json!({ "issuer": issuer(), "client_id": o.client_id, "scopes": "openid email",
                "login_enabled": true, "login_creates_users": true }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (browser, landed) = sign_in("stranger@example.com").await;
    assert_eq!(landed, "/");
    assert_eq!(
        app.whoami(&browser).await.as_deref(),
        Some("stranger@example.com")
    );
    let created = app
        .bosun
        .user_by_email("stranger@example.com")
        .await
        .unwrap();
    assert!(!created.is_admin());
}

#[tokio::test]
async fn providers_are_for_admins_and_bad_fields_are_named() {
    let o = with_provider(spawn_app().await, false).await;
    let s = &o.s;
    s.app.create_user("sam@example.com", Role::Member).await;
    let sam = s.app.token_for("sam@example.com").await;
    for (method, path) in [
        (Method::GET, "/api/v1/oauth/providers"),
        (Method::DELETE, "/api/v1/oauth/providers/mail"),
    ] {
        let (status, _) = call(s.base(), &sam, method, path, Value::Null).await;
        assert_eq!(status, 403, "{path}");
    }
    for (body, field) in [
        (
            json!({ "name": "Bad Name", "client_id": "x", "client_secret": "y",
                 "authorize_url": "https://a.example/auth", "token_url": "https://a.example/token" }),
            "name",
        ),
        (
            json!({ "name": "plain", "client_id": "x", "client_secret": "y",
                 "authorize_url": "http://a.example/auth", "token_url": "https://a.example/token" }),
            "authorize_url",
        ),
        (
            json!({ "name": "nosecret", "client_id": "x",
                 "authorize_url": "https://a.example/auth", "token_url": "https://a.example/token" }),
            "client_secret",
        ),
        (
            json!({ "name": "nologin", "client_id": "x", "client_secret": "y", "login_enabled": true,
                 "authorize_url": "https://a.example/auth", "token_url": "https://a.example/token" }),
            "issuer",
        ),
        (
            json!({ "name": "gone", "client_id": "x", "client_secret": "y",
                 "issuer": "http://127.0.0.1:9/nothing" }),
            "issuer",
        ),
    ] {
        let (status, error) = call(
            s.base(),
            &s.admin,
            Method::POST,
            "/api/v1/oauth/providers",
            body,
        )
        .await;
        assert_eq!(status, 400, "{field}: {error}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{field}:")), "{message}");
    }
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::PUT,
        &format!("/api/v1/agents/{}/connections/nosuch", s.agent),
        json!({ "scopes": "x" }),
    )
    .await;
    assert_eq!(status, 400);

    // A clone keeps what the agent needs; deleting the provider drops it.
    let (status, clone) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/clone", s.agent),
        json!({ "name": "Copy" }),
    )
    .await;
    assert_eq!(status, 201, "{clone}");
    let needs_of = |agent: String| async move {
        call(
            s.base(),
            &s.admin,
            Method::GET,
            &format!("/api/v1/agents/{agent}/connections"),
            Value::Null,
        )
        .await
        .1["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let copy = clone["id"].as_str().unwrap().to_owned();
    assert_eq!(needs_of(copy.clone()).await, 1);
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::DELETE,
        "/api/v1/oauth/providers/mail",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(needs_of(copy).await, 0);
}
