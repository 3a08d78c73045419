//! What a local reader of Bosun's files can do: nothing with the data
//! directory unless they are Bosun's user, and nothing with a session row.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use sha2::{Digest as _, Sha256};

use crate::helpers::{occurrences_in_store, session_cookie, spawn_app_with};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn a_new_data_directory_and_its_database_are_private_to_bosuns_user() {
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("data");
    let app = spawn_app_with(|config| config.data_dir = data_dir.clone()).await;
    // Some writes, so that SQLite has its write-ahead log and shared memory.
    app.logged_in("admin@example.com").await;

    assert_eq!(mode(&data_dir), 0o700);
    assert_eq!(mode(&data_dir.join("master.key")), 0o600);
    if app.config.database_url.is_none() {
        for file in ["bosun.db", "bosun.db-wal", "bosun.db-shm"] {
            assert_eq!(mode(&data_dir.join(file)), 0o600, "{file}");
        }
    }
}

#[tokio::test]
async fn an_existing_installation_is_tightened_at_start() {
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("data");
    std::fs::create_dir(&data_dir).unwrap();
    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let database = data_dir.join("bosun.db");
    std::fs::write(&database, b"").unwrap();
    std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o644)).unwrap();

    let app = spawn_app_with(|config| config.data_dir = data_dir.clone()).await;
    assert_eq!(mode(&data_dir), 0o700);
    if app.config.database_url.is_none() {
        assert_eq!(mode(&database), 0o600);
    }
}

#[tokio::test]
async fn the_store_holds_no_session_id_a_browser_could_present() {
    let app = spawn_app_with(|_| {}).await;
    let browser = app.browser();
    let response = app
        .attempt_login(&browser, "admin@example.com", crate::helpers::PASSWORD)
        .await;
    assert!(response.status().is_success());
    let cookie = session_cookie(response.headers()).expect("login sets the session cookie");
    let id = cookie
        .split(';')
        .next()
        .and_then(|pair| pair.strip_prefix("bosun_session="))
        .expect("a session id")
        .to_owned();
    assert_eq!(
        app.whoami(&browser).await.as_deref(),
        Some("admin@example.com")
    );

    // The id itself is nowhere in the database's bytes; its hash keys the row.
    assert_eq!(occurrences_in_store(&app, &id), 0);
    let keys: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM sessions")
        .fetch_all(app.bosun.db().pool())
        .await
        .unwrap();
    let hash = hex::encode(Sha256::digest(id.as_bytes()));
    assert!(keys.contains(&hash), "{keys:?}");

    // Someone who read the rows cannot present what they found.
    for key in keys {
        let thief = reqwest::Client::new()
            .post(app.url("/fn/me"))
            .header("sec-fetch-site", "same-origin")
            .header("cookie", format!("bosun_session={key}"))
            .send()
            .await
            .unwrap();
        let me: serde_json::Value = thief.json().await.unwrap();
        assert!(me.is_null(), "a stored key opened a session: {me}");
    }
}
