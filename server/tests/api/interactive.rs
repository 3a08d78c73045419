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

/// The admin revokes the grant `user` holds on the setup's agent.
async fn revoke_grant(s: &Setup, user: &str) {
    let (_, grants) = get(s, &s.admin, &format!("/api/v1/agents/{}/grants", s.agent)).await;
    let grant = grants["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["user_id"] == user)
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

    revoke_grant(&s, &ann_id).await;

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

/// An agent token of `token`'s user for the setup's agent (or `agent`).
async fn agent_token(s: &Setup, token: &str, agent: &str) -> Value {
    let (status, created) = post(s, token, "/api/v1/me/tokens", json!({"agent_id": agent})).await;
    assert_eq!(status, 201, "{created}");
    created
}

#[tokio::test]
async fn an_agent_token_drives_its_agents_interactive_runs_and_opens_nothing_else() {
    let s = setup(spawn_app().await).await;
    let (ann_id, ann) = member(&s, "ann@example.com").await;
    let created = agent_token(&s, &ann, &s.agent).await;
    assert_eq!(created["agent_id"], s.agent.as_str());
    assert_eq!(created["agent_name"], "Janitor");
    assert_eq!(created["name"], "agent Janitor");
    assert!(created["expires_at"].is_null());
    let scoped = created["token"].as_str().unwrap().to_owned();

    let run = started(&s, &scoped, "session-1").await;
    let (_, allowed) = ask(&s, &scoped, &run, "system_shell", "ls").await;
    assert_eq!(allowed["decision"], "allow", "{allowed}");
    let allowed = allowed["id"].as_str().unwrap();
    for (status, body) in [
        get(
            &s,
            &scoped,
            &format!("/api/v1/runtime/tool-calls/{allowed}"),
        )
        .await,
        post(
            &s,
            &scoped,
            &format!("/api/v1/runtime/tool-calls/{allowed}/result"),
            json!({"output": "a.txt"}),
        )
        .await,
        post(
            &s,
            &scoped,
            &format!("/api/v1/runtime/runs/{run}/events"),
            json!({"note": "x"}),
        )
        .await,
        post(
            &s,
            &scoped,
            &format!("/api/v1/runtime/runs/{run}/finish"),
            json!({"status": "succeeded"}),
        )
        .await,
    ] {
        assert!(status.is_success(), "{status} {body}");
    }
    // The run is the person's, whichever of their tokens drove it.
    let (status, again) = start(&s, &ann, "session-1").await;
    assert_eq!(status, 201, "a new run: the first one ended: {again}");
    let events = trace(&s, &run).await;
    assert!(events.iter().all(|e| e["on_behalf_of"] == ann_id.as_str()));

    // Anything else: refused as out of the token's scope, naming the agent.
    let agent = s.agent.clone();
    let refused = [
        (Method::GET, "/api/v1/me".to_owned(), Value::Null),
        (Method::GET, "/api/v1/agents".to_owned(), Value::Null),
        (Method::GET, format!("/api/v1/agents/{agent}"), Value::Null),
        (
            Method::GET,
            format!("/api/v1/agents/{agent}/runs"),
            Value::Null,
        ),
        (
            Method::GET,
            format!("/api/v1/agents/{agent}/runs/{run}"),
            Value::Null,
        ),
        (Method::GET, "/api/v1/me/tokens".to_owned(), Value::Null),
        (
            Method::POST,
            "/api/v1/me/tokens".to_owned(),
            json!({"name": "more"}),
        ),
        (
            Method::POST,
            "/api/v1/me/tokens".to_owned(),
            json!({"agent_id": agent}),
        ),
        (Method::GET, "/api/v1/approvals".to_owned(), Value::Null),
        (Method::GET, "/api/v1/traces".to_owned(), Value::Null),
        (Method::GET, format!("/api/v1/traces/{run}"), Value::Null),
        (
            Method::POST,
            format!("/api/v1/agents/{agent}/keys"),
            json!({"name": "k"}),
        ),
        // A run for a worker is not an interactive run.
        (
            Method::POST,
            format!("/api/v1/agents/{agent}/runs"),
            json!({"input": {}}),
        ),
    ];
    for (method, path, body) in refused {
        let (status, error) = call(s.base(), &scoped, method.clone(), &path, body).await;
        assert_eq!(status, 403, "{method} {path}: {error}");
        assert_eq!(error["error"]["code"], "token_scope", "{method} {path}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Janitor"),
            "{error}"
        );
    }
    // Pages take a session, never a bearer token.
    let response = reqwest::Client::new()
        .post(s.app.url("/fn/tokens/list"))
        .bearer_auth(&scoped)
        .header("origin", &s.app.address)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // The person's own list shows what the token is limited to.
    let (_, listed) = get(&s, &ann, "/api/v1/me/tokens").await;
    let listed = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == created["id"])
        .unwrap()
        .clone();
    assert_eq!(listed["agent_id"], s.agent.as_str());
    assert_eq!(listed["agent_name"], "Janitor");
    assert!(listed.get("token").is_none());
    // Revoked, it is unknown.
    let id = created["id"].as_str().unwrap();
    let (status, _) = call(
        s.base(),
        &ann,
        Method::DELETE,
        &format!("/api/v1/me/tokens/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(start(&s, &scoped, "session-2").await.0, 401);
}

#[tokio::test]
async fn an_agent_token_opens_nothing_of_another_agent() {
    let s = setup(spawn_app().await).await;
    let (ann_id, ann) = member(&s, "ann@example.com").await;
    let (status, other) = post(
        &s,
        &s.admin,
        "/api/v1/agents",
        json!({"name": "Other", "tools": ["system_shell"]}),
    )
    .await;
    assert_eq!(status, 201);
    let other = other["id"].as_str().unwrap().to_owned();
    let (status, _) = post(
        &s,
        &s.admin,
        &format!("/api/v1/agents/{other}/grants"),
        json!({"user_id": ann_id, "level": "run"}),
    )
    .await;
    assert_eq!(status, 201);
    let scoped = agent_token(&s, &ann, &s.agent).await["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, error) = post(
        &s,
        &scoped,
        &format!("/api/v1/agents/{other}/runs"),
        json!({"interactive": true, "external_id": "s"}),
    )
    .await;
    assert_eq!(status, 403, "{error}");
    assert_eq!(error["error"]["code"], "token_scope");
    // Ann's own interactive run of the other agent, started with her
    // personal token: the agent token finds nothing of it.
    let (status, run) = post(
        &s,
        &ann,
        &format!("/api/v1/agents/{other}/runs"),
        json!({"interactive": true, "external_id": "s"}),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    let run = run["id"].as_str().unwrap();
    let (_, asked) = ask(&s, &ann, run, "system_shell", "make").await;
    let asked = asked["id"].as_str().unwrap();
    for (status, body) in [
        ask(&s, &scoped, run, "system_shell", "ls").await,
        get(&s, &scoped, &format!("/api/v1/runtime/tool-calls/{asked}")).await,
        post(
            &s,
            &scoped,
            &format!("/api/v1/runtime/runs/{run}/finish"),
            json!({"status": "failed"}),
        )
        .await,
    ] {
        assert_eq!(status, 404, "{body}");
    }
}

#[tokio::test]
async fn an_agent_token_needs_run_access_when_made_and_at_every_use() {
    let s = setup(spawn_app().await).await;
    s.app.create_user("eve@example.com", Role::Member).await;
    let eve = s.app.token_for("eve@example.com").await;
    let (status, body) = post(&s, &eve, "/api/v1/me/tokens", json!({"agent_id": s.agent})).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = post(
        &s,
        &s.admin,
        "/api/v1/me/tokens",
        json!({"agent_id": "no-such-agent"}),
    )
    .await;
    assert_eq!(status, 404, "{body}");

    let (ann_id, ann) = member(&s, "ann@example.com").await;
    let scoped = agent_token(&s, &ann, &s.agent).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = started(&s, &scoped, "session-1").await;
    revoke_grant(&s, &ann_id).await;
    assert_eq!(start(&s, &scoped, "session-2").await.0, 404);
    let (status, body) = ask(&s, &scoped, &run, "system_shell", "ls").await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn a_token_expires_at_its_time_and_a_bad_expiry_is_refused_naming_the_field() {
    let app = crate::helpers::spawn_app_with_manual_clock().await;
    let clock = app.clock.clone().unwrap();
    let s = setup(app).await;
    let now = s.app.bosun.now();
    for expires_at in [
        (now - chrono::Duration::minutes(1)).to_rfc3339(),
        (now + chrono::Duration::days(367)).to_rfc3339(),
        "next tuesday".to_owned(),
    ] {
        let (status, error) = post(
            &s,
            &s.admin,
            "/api/v1/me/tokens",
            json!({"agent_id": s.agent, "expires_at": expires_at}),
        )
        .await;
        assert_eq!(status, 400, "{expires_at}: {error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("expires_at"),
            "{error}"
        );
    }
    let expires_at = (now + chrono::Duration::hours(1)).to_rfc3339();
    let (status, created) = post(
        &s,
        &s.admin,
        "/api/v1/me/tokens",
        json!({"agent_id": s.agent, "expires_at": expires_at}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(!created["expires_at"].is_null());
    let scoped = created["token"].as_str().unwrap().to_owned();
    // A personal access token may expire too.
    let (status, personal) = post(
        &s,
        &s.admin,
        "/api/v1/me/tokens",
        json!({"name": "for a day", "expires_at": expires_at}),
    )
    .await;
    assert_eq!(status, 201, "{personal}");
    let personal = personal["token"].as_str().unwrap().to_owned();
    assert_eq!(start(&s, &scoped, "session-1").await.0, 201);
    assert_eq!(get(&s, &personal, "/api/v1/me").await.0, 200);

    clock.advance(std::time::Duration::from_secs(61 * 60));
    let (status, body) = start(&s, &scoped, "session-1").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(get(&s, &personal, "/api/v1/me").await.0, 401);
}

#[tokio::test]
async fn an_idle_interactive_run_is_abandoned_and_what_it_waits_for_expires() {
    let app = crate::helpers::spawn_app_with(|config| {
        config.service.interactive_idle = std::time::Duration::from_secs(3);
    })
    .await;
    let s = setup(app).await;
    let (_, ann) = member(&s, "ann@example.com").await;
    let idle = started(&s, &ann, "session-idle").await;
    let (_, pending) = ask(&s, &ann, &idle, "system_shell", "make").await;
    assert_eq!(pending["decision"], "pending");
    let approval = pending["approval_id"].as_str().unwrap().to_owned();
    let pending = pending["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let busy = started(&s, &ann, "session-busy").await;
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;

    assert_eq!(s.app.bosun.end_abandoned_runs().await.unwrap(), 1);

    let (_, run) = get(&s, &ann, &format!("/api/v1/agents/{}/runs/{idle}", s.agent)).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert_eq!(run["output"]["reason"], "abandoned");
    let (_, run) = get(&s, &ann, &format!("/api/v1/agents/{}/runs/{busy}", s.agent)).await;
    assert_eq!(run["status"], "running", "{run}");
    // The waiting caller is told no; the request expired.
    let (status, waited) = get(&s, &ann, &format!("/api/v1/runtime/tool-calls/{pending}")).await;
    assert_eq!(status, 200);
    assert_eq!(waited["decision"], "deny", "{waited}");
    let (_, approvals) = get(&s, &s.admin, "/api/v1/approvals?status=expired").await;
    assert!(
        approvals["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == approval.as_str()),
        "{approvals}"
    );
    let events = trace(&s, &idle).await;
    let finished = events
        .iter()
        .find(|e| e["kind"] == "run.finished")
        .expect("the end is in the trace");
    assert_eq!(finished["data"]["status"], "failed");
    assert_eq!(finished["data"]["reason"], "abandoned");
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "approval.resolved" && e["data"]["decision"] == "expired")
    );
    // Its calls are refused; the same session starts afresh.
    let (status, _) = ask(&s, &ann, &idle, "system_shell", "ls").await;
    assert_eq!(status, 409);
    let (status, again) = start(&s, &ann, "session-idle").await;
    assert_eq!(status, 201);
    assert_ne!(again["id"], idle.as_str());
    assert!(s.app.bosun.verify_chain().await.unwrap().is_ok());
}

#[tokio::test]
async fn the_agent_page_makes_an_agent_token_that_my_account_lists_with_its_scope() {
    let s = setup(spawn_app().await).await;
    let (_, _) = member(&s, "ann@example.com").await;
    let page = s.app.logged_in("ann@example.com").await;
    let response = s
        .app
        .call(
            &page,
            "tokens/create_for_agent",
            &[("agent_id", &s.agent), ("expires_in_days", "0")],
        )
        .await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("expires_in_days"));
    let response = s
        .app
        .call(
            &page,
            "tokens/create_for_agent",
            &[("agent_id", &s.agent), ("expires_in_days", "30")],
        )
        .await;
    assert_eq!(response.status(), 200);
    let created: Value = response.json().await.unwrap();
    let scoped = created["token"].as_str().unwrap();
    assert_eq!(created["agent_name"], "Janitor");
    assert!(created["expires_at"].is_string());
    assert_eq!(start(&s, scoped, "from-the-page").await.0, 201);
    assert_eq!(get(&s, scoped, "/api/v1/agents").await.0, 403);

    let listed: Value = s
        .app
        .call(&page, "tokens/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let listed = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == created["id"])
        .unwrap()
        .clone();
    assert_eq!(listed["agent_name"], "Janitor");
    assert!(listed.get("token").is_none());
}
