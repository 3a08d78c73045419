use crate::helpers::{TestApp, spawn_app};

#[tokio::test]
async fn healthz_answers_while_the_process_is_up() {
    let app = spawn_app().await;
    let response = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn the_site_icon_is_served_where_pages_and_browsers_look_for_it() {
    let app = spawn_app().await;
    assert!(
        login_page(&app)
            .await
            .contains(r#"<link rel="icon" href="/favicon.svg""#)
    );
    let svg = reqwest::get(app.url("/favicon.svg")).await.unwrap();
    assert_eq!(svg.status(), 200);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().starts_with("<svg"));
    let ico = reqwest::get(app.url("/favicon.ico")).await.unwrap();
    assert_eq!(ico.status(), 200);
    assert_eq!(ico.headers()["content-type"], "image/x-icon");
    assert!(ico.bytes().await.unwrap().starts_with(&[0, 0, 1, 0]));
}

#[tokio::test]
async fn the_web_manifest_names_icons_that_are_served() {
    let app = spawn_app().await;
    assert!(
        login_page(&app)
            .await
            .contains(r#"<link rel="manifest" href="/manifest.webmanifest""#)
    );
    let response = reqwest::get(app.url("/manifest.webmanifest"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/manifest+json"
    );
    let manifest: serde_json::Value = response.json().await.unwrap();
    assert_eq!(manifest["name"], "Bosun");
    for icon in manifest["icons"].as_array().unwrap() {
        let source = icon["src"].as_str().unwrap();
        let served = reqwest::get(app.url(source)).await.unwrap();
        assert_eq!(served.status(), 200, "{source}");
        assert_eq!(
            served.headers()["content-type"],
            icon["type"].as_str().unwrap(),
            "{source}"
        );
    }
}

async fn login_page(app: &TestApp) -> String {
    let page = reqwest::get(app.url("/login")).await.unwrap();
    page.text().await.unwrap()
}

#[tokio::test]
async fn readyz_answers_when_the_database_is_reachable() {
    let app = spawn_app().await;
    let response = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn processes_starting_at_once_on_an_empty_store_agree_on_one_default_workspace() {
    use std::sync::Arc;

    use bosun_service::{Bosun, Db, Settings, SystemClock};

    let data_dir = tempfile::tempdir().unwrap();
    // Made from nothing: the processes also race to migrate it.
    let url = bosun_service::testing::empty_store()
        .await
        .unwrap_or_else(|| Db::sqlite_url(data_dir.path()));
    let mut processes = Vec::new();
    for _ in 0..4 {
        let db = Db::connect(&url).await.unwrap();
        processes.push(Bosun::new(db, Arc::new(SystemClock), Settings::default()));
    }
    let defaults =
        futures::future::join_all(processes.iter().map(|bosun| bosun.prepare_workspaces())).await;
    let first = defaults[0].as_ref().unwrap();
    assert!(
        defaults.iter().all(|d| d.as_ref().unwrap() == first),
        "{defaults:?}"
    );
    let workspaces: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workspaces")
        .fetch_one(processes[0].db().pool())
        .await
        .unwrap();
    assert_eq!(workspaces, 1);
}
