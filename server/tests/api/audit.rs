//! `bosun audit verify`: an untouched log verifies; a changed, deleted or
//! reordered event is found and named.

use bosun_service::agents::{AgentDraft, AgentPatch};

use crate::cli::bosun;
use crate::helpers::{TestApp, spawn_app};

/// An app whose log holds at least six events.
async fn with_events() -> TestApp {
    let app = spawn_app().await;
    let admin = app.bosun.user_by_email("admin@example.com").await.unwrap();
    for name in ["one", "two", "three"] {
        let draft = AgentDraft {
            name: name.into(),
            ..AgentDraft::default()
        };
        let agent = app
            .bosun
            .create_agent(&admin, draft)
            .await
            .unwrap()
            .agent
            .id;
        let patch = AgentPatch {
            description: Some(format!("about {name}")),
            ..AgentPatch::default()
        };
        app.bosun.update_agent(&admin, &agent, patch).await.unwrap();
    }
    app
}

async fn tamper(app: &TestApp, statements: &[&str]) {
    for statement in statements {
        sqlx::query(statement)
            .execute(app.bosun.db().pool())
            .await
            .unwrap();
    }
}

fn verify(app: &TestApp) -> (bool, String) {
    let output = bosun(app, &["audit", "verify"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[tokio::test]
async fn an_untouched_log_verifies() {
    let app = with_events().await;
    let (ok, text) = verify(&app);
    assert!(ok, "{text}");
    assert!(text.contains("ok: 6 events"), "{text}");
}

#[tokio::test]
async fn a_changed_event_is_named() {
    let app = with_events().await;
    tamper(
        &app,
        &["UPDATE events SET data = '{\"name\":\"forged\"}' WHERE seq = 3"],
    )
    .await;
    let (ok, text) = verify(&app);
    assert!(!ok);
    assert!(
        text.contains("event 3: its content does not match its hash"),
        "{text}"
    );
}

#[tokio::test]
async fn a_deleted_event_is_named() {
    let app = with_events().await;
    tamper(&app, &["DELETE FROM events WHERE seq = 4"]).await;
    let (ok, text) = verify(&app);
    assert!(!ok);
    assert!(text.contains("event 4: missing"), "{text}");
}

#[tokio::test]
async fn two_swapped_events_are_found_at_the_first() {
    let app = with_events().await;
    tamper(
        &app,
        &[
            "UPDATE events SET seq = -1 WHERE seq = 2",
            "UPDATE events SET seq = 2 WHERE seq = 3",
            "UPDATE events SET seq = 3 WHERE seq = -1",
        ],
    )
    .await;
    let (ok, text) = verify(&app);
    assert!(!ok);
    assert!(text.contains("event 2: "), "{text}");
}

#[tokio::test]
async fn a_truncated_log_is_found() {
    let app = with_events().await;
    tamper(&app, &["DELETE FROM events WHERE seq = 6"]).await;
    let (ok, text) = verify(&app);
    assert!(!ok);
    assert!(
        text.contains("the log ends at event 5 but 6 were written"),
        "{text}"
    );
}
