//! Text people and agents store comes back as text on every page, never as
//! markup — the page title included, which leptos_meta writes as it is.

use serde_json::json;

use super::admin_creates_agent;
use crate::helpers::spawn_app;

const HOSTILE_NAME: &str = "x</title><script>window.__pwned=1</script><img src=x onerror=alert(1)>";

#[tokio::test]
async fn a_hostile_agent_name_is_text_in_the_title_and_on_the_page() {
    let app = spawn_app().await;
    let agent = admin_creates_agent(
        &app,
        json!({
            "name": HOSTILE_NAME,
            "description": "\"><script>window.__pwned=2</script>",
            "instructions": "</textarea><script>window.__pwned=3</script>",
        }),
    )
    .await;
    let id = agent["id"].as_str().unwrap();
    let admin = app.logged_in("admin@example.com").await;
    for path in [
        format!("/agents/{id}"),
        format!("/agents/{id}/permissions"),
        "/agents".to_owned(),
    ] {
        let response = admin.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        let html = response.text().await.unwrap();
        assert!(
            !html.contains("<script>window.__pwned"),
            "GET {path}: {html}"
        );
        assert!(!html.contains("<img src=x"), "GET {path}");
        let title = html
            .split_once("<title>")
            .and_then(|(_, rest)| rest.split_once("</title>"))
            .map(|(title, _)| title)
            .unwrap_or_else(|| panic!("GET {path}: no title"));
        assert!(!title.contains('<'), "GET {path}: title {title}");
        if path != "/agents" {
            assert!(
                title.contains("x&lt;/title&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;"),
                "GET {path}: title {title}"
            );
        }
    }
}
