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
    ] {
        let output = bosun(&app, args);
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}
