use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_while_the_process_is_up() {
    let app = spawn_app().await;
    let response = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn the_site_icon_is_served_where_pages_and_browsers_look_for_it() {
    let app = spawn_app().await;
    let page = reqwest::get(app.url("/login")).await.unwrap();
    assert!(
        page.text()
            .await
            .unwrap()
            .contains(r#"<link rel="icon" href="/favicon.svg""#)
    );
    for path in ["/favicon.svg", "/favicon.ico"] {
        let response = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        assert!(response.text().await.unwrap().starts_with("<svg"));
    }
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
    let url = crate::helpers::fresh_database_url()
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
