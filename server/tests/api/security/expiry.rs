//! Expiry is checked when a reviewer decides, not only by the sweeper: a
//! request past its time is refused as already decided (expired), the
//! expiry is recorded once, and the agent is told no.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::runtime_keys::member;
use crate::helpers::{api_call as call, spawn_app_with_manual_clock};
use crate::runtime::setup;

#[tokio::test]
async fn deciding_a_request_past_its_expiry_answers_already_decided_and_records_the_expiry() {
    let s = setup(spawn_app_with_manual_clock().await).await;
    let (sam, sam_id) = member(&s, "sam@example.com").await;
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/grants", s.agent),
        json!({ "user_id": sam_id, "level": "run" }),
    )
    .await;
    assert_eq!(status, 201);
    let run = s.running(&sam).await;
    let asked = s.ask(&run, "delete_file", "/work/a").await;
    let approval = asked["approval_id"].as_str().unwrap();
    let inbox = s.app.api_json("/api/v1/approvals", &s.admin).await;
    assert_eq!(inbox["items"][0]["id"], approval);

    // A day and a bit later, before the sweeper has come by, a reviewer
    // tries to decide it.
    s.app
        .clock
        .as_ref()
        .unwrap()
        .advance(Duration::from_secs(25 * 60 * 60));
    let (status, refused) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/approvals/{approval}/decision"),
        json!({ "decision": "allow_once" }),
    )
    .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "already_decided");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{refused}"
    );

    let expired = s
        .app
        .api_json("/api/v1/approvals?status=expired", &s.admin)
        .await;
    assert_eq!(expired["items"][0]["id"], approval, "{expired}");
    assert_eq!(expired["items"][0]["decision"], "expired");
    let (_, told) = call(
        s.base(),
        &s.key,
        Method::GET,
        &format!(
            "/api/v1/runtime/tool-calls/{}",
            asked["id"].as_str().unwrap()
        ),
        Value::Null,
    )
    .await;
    assert_eq!(told["decision"], "deny");
    assert!(told["message"].as_str().unwrap().contains("expired"));
    let trace = s
        .app
        .api_json(&format!("/api/v1/traces/{run}"), &s.admin)
        .await;
    let resolved: Vec<&Value> = trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["kind"] == "approval.resolved")
        .collect();
    assert_eq!(resolved.len(), 1, "recorded once: {trace}");
    assert_eq!(resolved[0]["data"]["decision"], "expired");
    assert_eq!(resolved[0]["data"]["outcome"], "deny");
}
