//! The `bosun` command line, run as a real process.

use std::process::Command;

use serde_json::Value;

use crate::helpers::spawn_app;

pub fn bosun(app: &crate::helpers::TestApp, args: &[&str]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bosun"));
    command
        .args(args)
        .env("BOSUN_DATA_DIR", app.data_dir.path())
        .env_remove("DATABASE_URL");
    if let Some(url) = &app.config.database_url {
        command.env("DATABASE_URL", url);
    }
    command.output().expect("bosun runs")
}

#[tokio::test]
async fn create_user_and_create_token_give_a_token_the_api_accepts() {
    let app = spawn_app().await;
    let created = bosun(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "ops@example.com",
            "--password",
            "a long password",
            "--name",
            "Ops",
        ],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let user_id = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert!(!user_id.is_empty());

    let token = bosun(
        &app,
        &["admin", "create-token", "--email", "ops@example.com"],
    );
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();

    let me: Value = app.api_json("/api/v1/me", &token).await;
    assert_eq!(me["id"], user_id.as_str());
    assert_eq!(me["role"], "member");
}

#[tokio::test]
async fn create_user_with_a_bad_email_fails_naming_the_field() {
    let app = spawn_app().await;
    let output = bosun(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "nope",
            "--password",
            "a long password",
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("email: "), "{stderr}");
}

#[tokio::test]
async fn every_command_has_help() {
    let app = spawn_app().await;
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["admin", "create-user", "--help"],
        &["admin", "create-token", "--help"],
        &["admin", "reset-password", "--help"],
    ] {
        let output = bosun(&app, args);
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[tokio::test]
async fn reset_password_sets_the_given_password_or_prints_a_generated_one() {
    let app = spawn_app().await;
    let client = app.browser();
    let given = bosun(
        &app,
        &[
            "admin",
            "reset-password",
            "--email",
            "admin@example.com",
            "--password",
            "an operator's passphrase",
        ],
    );
    assert!(
        given.status.success(),
        "{}",
        String::from_utf8_lossy(&given.stderr)
    );
    assert!(given.stdout.is_empty(), "a given password is not printed");
    assert!(
        app.attempt_login(&client, "admin@example.com", "an operator's passphrase")
            .await
            .status()
            .is_success()
    );

    let generated = bosun(
        &app,
        &["admin", "reset-password", "--email", "admin@example.com"],
    );
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let password = String::from_utf8(generated.stdout)
        .unwrap()
        .trim()
        .to_owned();
    assert!(password.len() >= 20, "{password}");
    // The session that began before the reset has ended.
    let me = app.call(&client, "me", &[]).await;
    assert_eq!(me.json::<Value>().await.unwrap(), Value::Null);
    assert!(
        app.attempt_login(&app.browser(), "admin@example.com", &password)
            .await
            .status()
            .is_success()
    );
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM events WHERE kind LIKE '%password%'")
            .fetch_all(app.bosun.db().pool())
            .await
            .unwrap();
    assert_eq!(kinds.len(), 2);
    assert!(
        kinds
            .iter()
            .all(|kind| kind == "user.password_reset_by_operator")
    );
}

#[tokio::test]
async fn reset_password_for_an_unknown_email_or_a_short_password_fails_naming_it() {
    let app = spawn_app().await;
    let output = bosun(
        &app,
        &["admin", "reset-password", "--email", "nobody@example.com"],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not found"));
    let output = bosun(
        &app,
        &[
            "admin",
            "reset-password",
            "--email",
            "admin@example.com",
            "--password",
            "short",
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("password: "), "{stderr}");
}

#[tokio::test]
async fn create_token_with_an_agent_prints_a_token_limited_to_it() {
    let app = spawn_app().await;
    let admin = app.token_for("admin@example.com").await;
    let (status, agent) = crate::helpers::api_call(
        &app.address,
        &admin,
        reqwest::Method::POST,
        "/api/v1/agents",
        serde_json::json!({"name": "Coder", "tools": ["system_shell"]}),
    )
    .await;
    assert_eq!(status, 201);
    let agent = agent["id"].as_str().unwrap();
    let args = [
        "admin",
        "create-token",
        "--email",
        "admin@example.com",
        "--agent",
        agent,
        "--expires-in",
        "7",
    ];
    let output = bosun(&app, &args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let (status, run) = crate::helpers::api_call(
        &app.address,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/agents/{agent}/runs"),
        serde_json::json!({"interactive": true, "external_id": "cli"}),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    let response = app.api_get("/api/v1/agents", Some(&token)).await;
    assert_eq!(response.status(), 403);
    let listed: Value = app.api_json("/api/v1/me/tokens", &admin).await;
    let made = &listed["items"][0];
    assert_eq!(made["agent_id"], agent);
    assert_eq!(made["name"], "agent Coder");
    let expires: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(made["expires_at"].clone()).unwrap();
    let days = (expires - chrono::Utc::now()).num_hours();
    assert!((7 * 24 - 1..=7 * 24).contains(&days), "{made}");

    for bad in [&["--expires-in", "0"][..], &["--agent", "no-such-agent"]] {
        let mut args = vec!["admin", "create-token", "--email", "admin@example.com"];
        args.extend(bad);
        let output = bosun(&app, &args);
        assert!(!output.status.success(), "{bad:?}");
    }
}
