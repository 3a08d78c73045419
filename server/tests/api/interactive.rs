//! Interactive runs: a person's own agent runs under their token. The run
//! is running at once and never reaches a worker, one external id is one
//! open run, its runtime calls are the starter's alone, and it never gets
//! the agent's fixed secrets.

use bosun_service::identity::Role;
use bosun_service::ids::UserId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::credentials::{SECRET, with_secret};
use crate::helpers::{api_call as call, spawn_app};
use crate::runtime::{Setup, setup};

/// A member with run access to the setup's agent: their id and token.
async fn member(s: &Setup, email: &str) -> (String, String) {
    let id = s.app.create_user(email, Role::Member).await;
    let token = s.app.token_for(email).await;
    let (status, grant) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/grants", s.agent),
        json!({"user_id": id.as_str(), "level": "run"}),
    )
    .await;
    assert_eq!(status, 201, "{grant}");
    (id.to_string(), token)
}

/// Starts (or finds) `token`'s interactive run under `external_id`.
async fn start(s: &Setup, token: &str, external_id: &str) -> (StatusCode, Value) {
    call(
        s.base(),
        token,
        Method::POST,
        &format!("/api/v1/agents/{}/runs", s.agent),
        json!({"interactive": true, "external_id": external_id, "input": {"cwd": "/work"}}),
    )
    .await
}

async fn started(s: &Setup, token: &str, external_id: &str) -> String {
    let (status, run) = start(s, token, external_id).await;
    assert_eq!(status, 201, "{run}");
    run["id"].as_str().unwrap().to_owned()
}

async fn ask(s: &Setup, token: &str, run: &str, tool: &str, input: &str) -> (StatusCode, Value) {
    call(
        s.base(),
        token,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/tool-calls"),
        json!({"tool": tool, "input": input}),
    )
    .await
}

async fn post(s: &Setup, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    call(s.base(), token, Method::POST, path, body).await
}

async fn get(s: &Setup, token: &str, path: &str) -> (StatusCode, Value) {
    call(s.base(), token, Method::GET, path, Value::Null).await
}

async fn trace(s: &Setup, run: &str) -> Vec<Value> {
    let (status, trace) = get(s, &s.admin, &format!("/api/v1/traces/{run}")).await;
    assert_eq!(status, 200, "{trace}");
    trace["events"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_interactive_run_is_running_at_once_and_starting_it_again_answers_the_same_run() {
    let s = setup(spawn_app().await).await;
    let (ann_id, ann) = member(&s, "ann@example.com").await;

    let (status, run) = start(&s, &ann, "session-1").await;
    assert_eq!(status, 201, "{run}");
    assert_eq!(run["status"], "running");
    assert_eq!(run["interactive"], true);
    assert_eq!(run["external_id"], "session-1");
    assert_eq!(run["started_by"], ann_id.as_str());
    let id = run["id"].as_str().unwrap();

    let (status, again) = start(&s, &ann, "session-1").await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], id);
    // Another session is another run.
    let (status, other) = start(&s, &ann, "session-2").await;
    assert_eq!(status, 201);
    assert_ne!(other["id"], id);

    let events = trace(&s, id).await;
    let started: Vec<_> = events
        .iter()
        .filter(|e| e["kind"] == "run.started")
        .collect();
    assert_eq!(started.len(), 1, "one start recorded: {events:?}");
    assert_eq!(started[0]["data"]["interactive"], true);
    assert_eq!(started[0]["data"]["external_id"], "session-1");
    assert_eq!(started[0]["actor"], ann_id.as_str());

    // Once it has ended, the same external id starts a new run.
    let (status, finished) = post(
        &s,
        &ann,
        &format!("/api/v1/runtime/runs/{id}/finish"),
        json!({"status": "succeeded"}),
    )
    .await;
    assert_eq!(status, 200, "{finished}");
    assert_eq!(finished["status"], "succeeded");
    let (status, next) = start(&s, &ann, "session-1").await;
    assert_eq!(status, 201, "{next}");
    assert_ne!(next["id"], id);
}

#[tokio::test]
async fn a_worker_never_claims_an_interactive_run() {
    let s = setup(spawn_app().await).await;
    let (_, ann) = member(&s, "ann@example.com").await;
    started(&s, &ann, "session-1").await;
    let (status, body) = get(&s, &s.key, "/api/v1/runtime/runs/next?wait=1").await;
    assert_eq!(status, 204, "{body}");
    // A queued run is still claimed as before.
    let run = s.running(&ann).await;
    assert!(!run.is_empty());
}

#[tokio::test]
async fn the_starter_asks_waits_reports_records_and_finishes_with_their_own_token() {
    let s = setup(spawn_app().await).await;
    let (ann_id, ann) = member(&s, "ann@example.com").await;
    let run = started(&s, &ann, "session-1").await;

    let (status, allowed) = ask(&s, &ann, &run, "system_shell", "ls -la").await;
    assert_eq!(status, 200, "{allowed}");
    assert_eq!(allowed["decision"], "allow");
    let allowed = allowed["id"].as_str().unwrap().to_owned();
    let (status, denied) = ask(&s, &ann, &run, "delete_file", "/etc/passwd").await;
    assert_eq!(status, 200);
    assert_eq!(denied["decision"], "deny");

    let (_, pending) = ask(&s, &ann, &run, "system_shell", "make deploy").await;
    assert_eq!(pending["decision"], "pending", "{pending}");
    let approval = pending["approval_id"].as_str().unwrap();
    let (status, decided) = post(
        &s,
        &s.admin,
        &format!("/api/v1/approvals/{approval}/decision"),
        json!({"decision": "allow_once"}),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    let pending = pending["id"].as_str().unwrap();
    let (status, waited) = get(
        &s,
        &ann,
        &format!("/api/v1/runtime/tool-calls/{pending}?wait=1"),
    )
    .await;
    assert_eq!(status, 200, "{waited}");
    assert_eq!(waited["decision"], "allow");

    let (status, body) = post(
        &s,
        &ann,
        &format!("/api/v1/runtime/tool-calls/{allowed}/result"),
        json!({"output": "a.txt"}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = post(
        &s,
        &ann,
        &format!("/api/v1/runtime/runs/{run}/events"),
        json!({"thought": "listing first"}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = post(
        &s,
        &ann,
        &format!("/api/v1/runtime/runs/{run}/finish"),
        json!({"status": "succeeded", "output": {"done": true}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let events = trace(&s, &run).await;
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for kind in [
        "run.started",
        "tool_call.requested",
        "policy.decision",
        "approval.requested",
        "approval.resolved",
        "tool_call.result",
        "agent.event",
        "run.finished",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    // Every runtime call is the starter's own, on their own behalf.
    for event in events.iter().filter(|e| {
        [
            "tool_call.requested",
            "tool_call.result",
            "agent.event",
            "run.finished",
        ]
        .contains(&e["kind"].as_str().unwrap())
    }) {
        assert_eq!(event["actor"], ann_id.as_str(), "{event}");
        assert_eq!(event["on_behalf_of"], ann_id.as_str(), "{event}");
    }
    assert!(s.app.bosun.verify_chain().await.unwrap().is_ok());
}

#[tokio::test]
async fn nobody_but_the_starter_acts_on_an_interactive_run() {
    let s = setup(spawn_app().await).await;
    let (_, ann) = member(&s, "ann@example.com").await;
    let (_, bob) = member(&s, "bob@example.com").await;
    let run = started(&s, &ann, "session-1").await;
    let (_, allowed) = ask(&s, &ann, &run, "system_shell", "ls").await;
    let allowed = allowed["id"].as_str().unwrap().to_owned();

    // Another member who may run the agent, the workspace's admin, and
    // the agent's own runtime key: each is told the run does not exist.
    for token in [&bob, &s.admin, &s.key] {
        let attempts = [
            ask(&s, token, &run, "system_shell", "ls").await,
            post(
                &s,
                token,
                &format!("/api/v1/runtime/runs/{run}/events"),
                json!({"x": 1}),
            )
            .await,
            post(
                &s,
                token,
                &format!("/api/v1/runtime/runs/{run}/finish"),
                json!({"status": "failed"}),
            )
            .await,
            post(
                &s,
                token,
                &format!("/api/v1/runtime/runs/{run}/credentials/github"),
                Value::Null,
            )
            .await,
            get(&s, token, &format!("/api/v1/runtime/tool-calls/{allowed}")).await,
            post(
                &s,
                token,
                &format!("/api/v1/runtime/tool-calls/{allowed}/result"),
                json!({"output": "forged"}),
            )
            .await,
        ];
        for (status, body) in attempts {
            assert_eq!(status, 404, "{body}");
            assert_eq!(body["error"]["code"], "not_found", "{body}");
        }
    }
    // Nothing of theirs reached the run: it runs on, with one call.
    let events = trace(&s, &run).await;
    let requested = events
        .iter()
        .filter(|e| e["kind"] == "tool_call.requested")
        .count();
    assert_eq!(requested, 1);
    assert!(!events.iter().any(|e| e["kind"] == "run.finished"));
    assert!(!events.iter().any(|e| e["kind"] == "tool_call.result"));
}

#[tokio::test]
async fn a_persons_token_never_acts_on_a_run_a_worker_claimed() {
    let s = setup(spawn_app().await).await;
    let (_, ann) = member(&s, "ann@example.com").await;
    let run = s.running(&ann).await;
    let (status, body) = ask(&s, &ann, &run, "system_shell", "ls").await;
    assert_eq!(status, 404, "{body}");
    let (_, allowed) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/tool-calls"),
        json!({"tool": "system_shell", "input": "ls"}),
    )
    .await;
    let allowed = allowed["id"].as_str().unwrap();
    for (status, body) in [
        get(&s, &ann, &format!("/api/v1/runtime/tool-calls/{allowed}")).await,
        post(
            &s,
            &ann,
            &format!("/api/v1/runtime/runs/{run}/finish"),
            json!({"status": "succeeded"}),
        )
        .await,
    ] {
        assert_eq!(status, 404, "{body}");
    }
}

#[tokio::test]
async fn an_interactive_run_is_never_handed_the_agents_fixed_secret() {
    let s = with_secret().await;
    let (_, ann) = member(&s, "ann@example.com").await;
    let run = started(&s, &ann, "session-1").await;
    // The call itself is decided as any other.
    let (_, allowed) = ask(&s, &ann, &run, "system_shell", "ls").await;
    assert_eq!(allowed["decision"], "allow");

    let (status, body) = post(
        &s,
        &ann,
        &format!("/api/v1/runtime/runs/{run}/credentials/github"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(!body.to_string().contains(SECRET));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("runtime key"),
        "{body}"
    );
    let events = trace(&s, &run).await;
    assert!(!events.iter().any(|e| e["kind"] == "credential.issued"));
    let refused = events
        .iter()
        .find(|e| e["kind"] == "credential.refused")
        .expect("the refusal is in the trace");
    assert_eq!(refused["data"]["name"], "github");
    assert!(!serde_json::to_string(&events).unwrap().contains(SECRET));

    // A run a worker claimed still gets it.
    let claimed = s.running(&ann).await;
    let (status, issued) = s.credential(&claimed, "github").await;
    assert_eq!(status, 200);
    assert_eq!(issued["value"], SECRET);
}

#[tokio::test]
async fn a_bad_external_id_or_a_runtime_key_is_refused_naming_the_problem() {
    let s = setup(spawn_app().await).await;
    let path = format!("/api/v1/agents/{}/runs", s.agent);
    let long = "x".repeat(201);
    for (body, field) in [
        (json!({"interactive": true}), "external_id"),
        (
            json!({"interactive": true, "external_id": ""}),
            "external_id",
        ),
        (
            json!({"interactive": true, "external_id": "   "}),
            "external_id",
        ),
        (
            json!({"interactive": true, "external_id": long}),
            "external_id",
        ),
        (
            json!({"interactive": true, "external_id": "a\u{7}b"}),
            "external_id",
        ),
        (
            json!({"interactive": true, "external_id": "line\nbreak"}),
            "external_id",
        ),
        (json!({"external_id": "session-1"}), "external_id"),
        (
            json!({"interactive": "yes", "external_id": "s"}),
            "interactive",
        ),
    ] {
        let (status, error) = post(&s, &s.admin, &path, body.clone()).await;
        assert_eq!(status, 400, "{body} → {error}");
        assert!(
            error["error"]["message"].as_str().unwrap().contains(field),
            "{body} → {error}"
        );
    }
    // Exactly 200 characters is fine.
    let (status, _) = start(&s, &s.admin, &"x".repeat(200)).await;
    assert_eq!(status, 201);
    // A runtime key is nobody's own agent.
    let (status, error) = post(
        &s,
        &s.key,
        &path,
        json!({"interactive": true, "external_id": "s"}),
    )
    .await;
    assert_eq!(status, 403, "{error}");
}

#[tokio::test]
async fn a_stranger_is_told_the_agent_does_not_exist() {
    let s = setup(spawn_app().await).await;
    s.app.create_user("eve@example.com", Role::Member).await;
    let eve = s.app.token_for("eve@example.com").await;
    let (status, body) = start(&s, &eve, "session-1").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn losing_run_access_or_the_account_stops_the_interactive_run() {
    let s = setup(spawn_app().await).await;
    let (ann_id, ann) = member(&s, "ann@example.com").await;
    let run = started(&s, &ann, "session-1").await;
    let (_, pending) = ask(&s, &ann, &run, "system_shell", "make").await;
    assert_eq!(pending["decision"], "pending");
    let pending = pending["id"].as_str().unwrap();

    let (_, grants) = get(&s, &s.admin, &format!("/api/v1/agents/{}/grants", s.agent)).await;
    let grant = grants["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["user_id"] == ann_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::DELETE,
        &format!("/api/v1/agents/{}/grants/{grant}", s.agent),
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);

    let (status, body) = ask(&s, &ann, &run, "system_shell", "ls").await;
    assert_eq!(status, 403, "{body}");
    // What it waited for is withdrawn, and the waiting caller told no.
    let (status, waited) = get(&s, &ann, &format!("/api/v1/runtime/tool-calls/{pending}")).await;
    assert_eq!(status, 200, "{waited}");
    assert_eq!(waited["decision"], "deny");
    let (status, body) = start(&s, &ann, "session-2").await;
    assert_eq!(status, 404, "{body}");

    // Deactivated, the token itself stops working.
    s.app
        .bosun
        .set_member_active(
            &s.app
                .bosun
                .user_by_email("admin@example.com")
                .await
                .unwrap(),
            &UserId::from_string(ann_id),
            false,
        )
        .await
        .unwrap();
    let (status, body) = ask(&s, &ann, &run, "system_shell", "ls").await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn concurrent_starts_of_one_external_id_make_one_run() {
    let s = setup(spawn_app().await).await;
    let (_, ann) = member(&s, "ann@example.com").await;
    let starts = (0..8).map(|_| start(&s, &ann, "session-race"));
    let answers = futures::future::join_all(starts).await;
    let ids: std::collections::HashSet<_> = answers
        .iter()
        .map(|(status, run)| {
            assert!(status.is_success(), "{status} {run}");
            run["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    let created = answers.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(created, 1, "{answers:?}");
    let (_, runs) = get(&s, &ann, &format!("/api/v1/agents/{}/runs", s.agent)).await;
    assert_eq!(runs["items"].as_array().unwrap().len(), 1, "{runs}");
}
