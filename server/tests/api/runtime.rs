//! The loop agents live in: a run is started and claimed, tool calls are
//! decided or paused, reviewers decide exactly once, and the agent learns
//! every outcome.

use std::time::Duration;

use bosun_service::identity::Role;
use futures::StreamExt as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, api_call as call, spawn_app, spawn_app_with_manual_clock, start};

/// An agent with rules that allow `ls`, deny `rm -rf /*` and ask for the rest.
pub(crate) struct Setup {
    pub app: TestApp,
    pub admin: String,
    pub agent: String,
    pub key: String,
}

pub(crate) async fn setup(app: TestApp) -> Setup {
    let admin = app.token_for("admin@example.com").await;
    let base = app.address.clone();
    let (status, agent) = call(&base, &admin, Method::POST, "/api/v1/agents",
        json!({"name": "Janitor", "tools": ["system_shell", "delete_file"], "execution_mode": "restricted"})).await;
    assert_eq!(status, 201);
    let agent = agent["id"].as_str().unwrap().to_owned();
    for rule in [
        json!({"tool": "system_shell", "action": "allow", "pattern": "ls *"}),
        json!({"tool": "delete_file", "action": "deny", "pattern": "/etc/*"}),
    ] {
        assert_eq!(
            call(
                &base,
                &admin,
                Method::POST,
                &format!("/api/v1/agents/{agent}/rules"),
                rule
            )
            .await
            .0,
            201
        );
    }
    let (status, key) = call(
        &base,
        &admin,
        Method::POST,
        &format!("/api/v1/agents/{agent}/keys"),
        json!({"name": "worker"}),
    )
    .await;
    assert_eq!(status, 201);
    let key = key["key"].as_str().unwrap().to_owned();
    Setup {
        app,
        admin,
        agent,
        key,
    }
}

impl Setup {
    pub(crate) fn base(&self) -> &str {
        &self.app.address
    }

    /// Asks, as the run's worker, for the credential `name`.
    pub(crate) async fn credential(&self, run: &str, name: &str) -> (StatusCode, Value) {
        call(
            self.base(),
            &self.key,
            Method::POST,
            &format!("/api/v1/runtime/runs/{run}/credentials/{name}"),
            Value::Null,
        )
        .await
    }

    /// Starts a run as `token`'s user and claims it with the worker key.
    pub(crate) async fn running(&self, token: &str) -> String {
        let (status, run) = call(
            self.base(),
            token,
            Method::POST,
            &format!("/api/v1/agents/{}/runs", self.agent),
            json!({"input": {"task": "tidy up"}}),
        )
        .await;
        assert_eq!(status, 201, "{run}");
        assert_eq!(run["status"], "queued");
        let (status, claimed) = call(
            self.base(),
            &self.key,
            Method::GET,
            "/api/v1/runtime/runs/next?wait=2",
            Value::Null,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(claimed["run"]["id"], run["id"]);
        assert_eq!(claimed["run"]["status"], "running");
        assert_eq!(claimed["run"]["agent"]["name"], "Janitor");
        run["id"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn ask(&self, run: &str, tool: &str, input: &str) -> Value {
        let (status, body) = call(
            self.base(),
            &self.key,
            Method::POST,
            &format!("/api/v1/runtime/runs/{run}/tool-calls"),
            json!({"tool": tool, "input": input}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn decide(&self, token: &str, approval: &str, body: Value) -> (StatusCode, Value) {
        call(
            self.base(),
            token,
            Method::POST,
            &format!("/api/v1/approvals/{approval}/decision"),
            body,
        )
        .await
    }
}

#[tokio::test]
async fn a_run_goes_from_queued_to_finished_with_every_step_recorded() {
    let s = setup(spawn_app().await).await;
    let run = s.running(&s.admin).await;

    let listed = s.ask(&run, "system_shell", "ls -la").await;
    assert_eq!(listed["decision"], "allow");
    assert_eq!(listed["reason"]["kind"], "rule");
    let denied = s.ask(&run, "delete_file", "/etc/passwd").await;
    assert_eq!(denied["decision"], "deny");
    assert_eq!(denied["risk"]["level"], "dangerous");
    let asked = s.ask(&run, "delete_file", "/work/tmp/a.o").await;
    assert_eq!(asked["decision"], "pending");
    let approval = asked["approval_id"].as_str().unwrap();

    s.app.create_user("rita@example.com", Role::Admin).await;
    let rita = s.app.token_for("rita@example.com").await;
    let (status, inbox) = call(
        s.base(),
        &rita,
        Method::GET,
        "/api/v1/approvals?status=pending",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(inbox["items"][0]["id"], approval);
    assert_eq!(inbox["items"][0]["input"], "/work/tmp/a.o");

    // The admin started this run: self-approval is off by default, so it
    // is neither in their inbox nor theirs to decide.
    let (_, own) = call(
        s.base(),
        &s.admin,
        Method::GET,
        "/api/v1/approvals?status=pending",
        Value::Null,
    )
    .await;
    assert_eq!(own["items"], json!([]));
    let (status, body) = s
        .decide(&s.admin, approval, json!({"decision": "allow_once"}))
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = s
        .decide(
            &rita,
            approval,
            json!({"decision": "allow_once", "message": "go ahead"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, again) = s.decide(&rita, approval, json!({"decision": "deny"})).await;
    assert_eq!(status, 409);
    assert_eq!(again["error"]["code"], "already_decided");
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap()
            .contains("approved (allow_once)")
    );

    let call_id = asked["id"].as_str().unwrap();
    let (_, waited) = call(
        s.base(),
        &s.key,
        Method::GET,
        &format!("/api/v1/runtime/tool-calls/{call_id}?wait=1"),
        Value::Null,
    )
    .await;
    assert_eq!(waited["decision"], "allow");
    assert_eq!(waited["message"], "go ahead");
    let result = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/tool-calls/{call_id}/result"),
        json!({"output": {"deleted": true}, "duration_ms": 3}),
    )
    .await;
    assert_eq!(result.0, 204);
    let (status, _) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/events"),
        json!({"thought": "all clean"}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, finished) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/finish"),
        json!({"status": "succeeded", "output": {"summary": "done"}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(finished["status"], "succeeded");

    // Nothing more happens in a finished run.
    let (status, body) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/tool-calls"),
        json!({"tool": "system_shell", "input": "ls"}),
    )
    .await;
    assert_eq!(status, 409, "{body}");

    let path = format!("/api/v1/traces/{run}");
    let (status, trace) = call(s.base(), &s.admin, Method::GET, &path, Value::Null).await;
    assert_eq!(status, 200);
    let events = trace["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    let decision = events
        .iter()
        .find(|e| e["kind"] == "policy.decision")
        .unwrap();
    assert_eq!(
        decision["data"]["rule"]["pattern"], "ls *",
        "the deciding rule is on record"
    );
    let resolved = events
        .iter()
        .find(|e| e["kind"] == "approval.resolved")
        .unwrap();
    assert_eq!(resolved["data"]["decision"], "allow_once");
    assert_eq!(resolved["data"]["message"], "go ahead");
    assert!(
        events
            .iter()
            .all(|e| e["hash"].as_str().is_some_and(|h| h.len() == 64))
    );
    assert_eq!(
        kinds,
        [
            "run.started",
            "run.claimed",
            "tool_call.requested",
            "policy.decision",
            "tool_call.requested",
            "policy.decision",
            "tool_call.requested",
            "policy.decision",
            "approval.requested",
            "approval.resolved",
            "tool_call.result",
            "agent.event",
            "run.finished",
        ]
    );
}

#[tokio::test]
async fn edit_approves_a_changed_input_and_deny_carries_a_message() {
    let s = setup(spawn_app().await).await;
    s.app.create_user("rita@example.com", Role::Admin).await;
    let rita = s.app.token_for("rita@example.com").await;
    let run = s.running(&s.admin).await;

    let asked = s.ask(&run, "system_shell", "rm -rf /work/build").await;
    let approval = asked["approval_id"].as_str().unwrap();
    let (status, _) = s
        .decide(
            &rita,
            approval,
            json!({"decision": "edit", "input": "rm -rf /work/build/tmp"}),
        )
        .await;
    assert_eq!(status, 200);
    let id = asked["id"].as_str().unwrap();
    let (_, waited) = call(
        s.base(),
        &s.key,
        Method::GET,
        &format!("/api/v1/runtime/tool-calls/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(
        (waited["decision"].as_str(), waited["input"].as_str()),
        (Some("allow"), Some("rm -rf /work/build/tmp"))
    );

    let asked = s.ask(&run, "delete_file", "/work/keep.txt").await;
    let approval = asked["approval_id"].as_str().unwrap();
    // An edit the rules deny outright cannot be approved.
    let (status, refused) = s
        .decide(
            &rita,
            approval,
            json!({"decision": "edit", "input": "/etc/shadow"}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let (status, _) = s
        .decide(
            &rita,
            approval,
            json!({"decision": "deny", "message": "keep that file"}),
        )
        .await;
    assert_eq!(status, 200);
    let id = asked["id"].as_str().unwrap();
    let (_, waited) = call(
        s.base(),
        &s.key,
        Method::GET,
        &format!("/api/v1/runtime/tool-calls/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(
        (waited["decision"].as_str(), waited["message"].as_str()),
        (Some("deny"), Some("keep that file"))
    );
}

#[tokio::test]
async fn always_allow_adds_a_rule_that_decides_the_next_call() {
    let s = setup(spawn_app().await).await;
    s.app.create_user("rita@example.com", Role::Admin).await;
    let rita = s.app.token_for("rita@example.com").await;
    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "system_shell", "cargo test --workspace").await;
    let approval = asked["approval_id"].as_str().unwrap();
    let (status, _) = s.decide(&rita, approval,
        json!({"decision": "always_allow", "rule": {"scope": "agent", "pattern": "cargo test *"}})).await;
    assert_eq!(status, 200);
    let next = s
        .ask(&run, "system_shell", "cargo test -p bosun-policy")
        .await;
    assert_eq!(next["decision"], "allow");
    assert_eq!(next["reason"]["layer"], "agent");
}

/// A request in the inbox says who asks and why in the engine's own
/// shapes; a stored reason that does not parse is our fault (500, the
/// cause in the log), never a request shown without its reason.
#[tokio::test]
async fn a_request_names_its_agent_and_reason_and_a_corrupt_reason_is_not_shown_as_none() {
    let s = setup(spawn_app().await).await;
    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "delete_file", "/work/tmp/a.o").await;
    let approval = asked["approval_id"].as_str().unwrap();
    s.app.create_user("rita@example.com", Role::Admin).await;
    let rita = s.app.token_for("rita@example.com").await;
    let inbox = "/api/v1/approvals";

    let (status, listed) = call(s.base(), &rita, Method::GET, inbox, Value::Null).await;
    assert_eq!(status, 200, "{listed}");
    let request = &listed["items"][0];
    assert_eq!(request["id"], approval);
    assert_eq!(request["agent_name"], "Janitor");
    assert_eq!(request["started_by_name"], asked_by_name(&s).await);
    assert_eq!(request["reason"], asked["reason"]);
    assert_eq!(request["risk"]["level"], asked["risk"]["level"]);
    assert_eq!(request["status"], "pending");
    assert_eq!(request["decision"], Value::Null);

    sqlx::query("UPDATE tool_calls SET reason = '{\"kind\": \"vibes\"}' WHERE id = $1")
        .bind(asked["id"].as_str().unwrap())
        .execute(s.app.bosun.db().pool())
        .await
        .unwrap();
    let (status, body) = call(s.base(), &rita, Method::GET, inbox, Value::Null).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"]["code"], "internal");
}

/// The inbox's "Always allow" preview shows the rule a click would add:
/// the engine's suggestion until the reviewer types, and once they clear
/// the pattern, the rule for every input, which is what is then added.
#[tokio::test]
async fn the_always_allow_preview_of_a_cleared_pattern_is_the_rule_for_every_input() {
    let s = setup(spawn_app().await).await;
    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "delete_file", "/work/tmp/a.o").await;
    let approval = asked["approval_id"].as_str().unwrap();
    s.app.create_user("rita@example.com", Role::Admin).await;
    let rita = s.app.logged_in("rita@example.com").await;
    let preview = |own: &'static str, pattern: &'static str| {
        let (rita, app) = (&rita, &s.app);
        async move {
            let form = [
                ("approval_id", approval),
                ("scope", "agent"),
                ("own_pattern", own),
                ("pattern", pattern),
            ];
            let answer = app.call(rita, "inbox/always-allow", &form).await;
            assert_eq!(answer.status(), 200);
            answer.json::<Value>().await.unwrap()
        }
    };

    let suggested = preview("false", "").await;
    assert_eq!(suggested["rule"]["pattern"], "/work/tmp/a.o", "{suggested}");
    let typed = preview("true", "/work/tmp/*").await;
    assert_eq!(typed["rule"]["pattern"], "/work/tmp/*");
    let cleared = preview("true", "").await;
    assert_eq!(cleared["rule"]["pattern"], Value::Null, "{cleared}");
    assert_eq!(cleared["rule"]["tool"], "delete_file");
}

/// The name of the admin who started the setup's runs.
async fn asked_by_name(s: &Setup) -> Value {
    let (_, me) = call(s.base(), &s.admin, Method::GET, "/api/v1/me", Value::Null).await;
    me["name"].clone()
}

#[tokio::test]
async fn retrying_with_an_idempotency_key_returns_the_same_call() {
    let s = setup(spawn_app().await).await;
    let run = s.running(&s.admin).await;
    let path = format!("/api/v1/runtime/runs/{run}/tool-calls");
    let body = json!({"tool": "delete_file", "input": "/work/a", "idempotency_key": "step-1"});
    let (_, first) = call(s.base(), &s.key, Method::POST, &path, body.clone()).await;
    let (_, second) = call(s.base(), &s.key, Method::POST, &path, body).await;
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["approval_id"], second["approval_id"]);
    let (_, inbox) = call(
        s.base(),
        &s.admin,
        Method::GET,
        "/api/v1/approvals",
        Value::Null,
    )
    .await;
    assert!(
        inbox["items"].as_array().unwrap().is_empty(),
        "the admin's own run is not theirs to decide"
    );
}

#[tokio::test]
async fn concurrent_retries_with_one_idempotency_key_store_one_call() {
    let s = setup(spawn_app().await).await;
    let run = s.running(&s.admin).await;
    let path = format!("/api/v1/runtime/runs/{run}/tool-calls");
    let body = json!({"tool": "system_shell", "input": "ls", "idempotency_key": "step-7"});
    let retries = (0..12).map(|_| call(s.base(), &s.key, Method::POST, &path, body.clone()));
    let answers = futures::future::join_all(retries).await;
    let first = &answers[0].1;
    for (status, answer) in &answers {
        assert_eq!(*status, StatusCode::OK, "{answer}");
        assert_eq!(answer["id"], first["id"]);
        assert_eq!(answer["decision"], "allow");
    }
    let pool = s.app.bosun.db().pool();
    let calls: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tool_calls WHERE run_id = $1")
        .bind(&run)
        .fetch_one(pool)
        .await
        .unwrap();
    let decisions: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE run_id = $1 AND kind = 'policy.decision'",
    )
    .bind(&run)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!((calls, decisions), (1, 1));
    assert!(s.app.bosun.verify_chain().await.unwrap().is_ok());
}

#[tokio::test]
async fn calls_stop_when_the_starting_user_loses_access() {
    let s = setup(spawn_app().await).await;
    let bea_id = s.app.create_user("bea@example.com", Role::Member).await;
    let bea = s.app.token_for("bea@example.com").await;
    let (status, grant) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/grants", s.agent),
        json!({"user_id": bea_id.as_str(), "level": "run"}),
    )
    .await;
    assert_eq!(status, 201);
    let run = s.running(&bea).await;
    assert_eq!(s.ask(&run, "system_shell", "ls").await["decision"], "allow");

    let grant_id = grant["id"].as_str().unwrap();
    let path = format!("/api/v1/agents/{}/grants/{grant_id}", s.agent);
    assert_eq!(
        call(s.base(), &s.admin, Method::DELETE, &path, Value::Null)
            .await
            .0,
        204
    );
    let (status, body) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/tool-calls"),
        json!({"tool": "system_shell", "input": "ls"}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn an_unanswered_request_expires_as_a_denial() {
    let s = setup(spawn_app_with_manual_clock().await).await;
    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "delete_file", "/work/a").await;
    s.app
        .clock
        .as_ref()
        .unwrap()
        .advance(Duration::from_secs(25 * 60 * 60));
    let id = asked["id"].as_str().unwrap();
    let (_, waited) = call(
        s.base(),
        &s.key,
        Method::GET,
        &format!("/api/v1/runtime/tool-calls/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(waited["decision"], "deny");
    assert!(waited["message"].as_str().unwrap().contains("expired"));
    let (_, expired) = call(
        s.base(),
        &s.admin,
        Method::GET,
        "/api/v1/approvals?status=expired",
        Value::Null,
    )
    .await;
    assert_eq!(
        expired["items"].as_array().unwrap().len(),
        0,
        "the admin's own run is not listed to them"
    );
}

#[tokio::test]
async fn concurrent_reviewers_decide_each_request_exactly_once() {
    let s = setup(spawn_app().await).await;
    let mut reviewers = Vec::new();
    for name in ["r1", "r2", "r3"] {
        s.app
            .create_user(&format!("{name}@example.com"), Role::Admin)
            .await;
        reviewers.push(s.app.token_for(&format!("{name}@example.com")).await);
    }
    let run = s.running(&s.admin).await;
    let mut approvals = Vec::new();
    for i in 0..1000 {
        approvals.push(
            s.ask(&run, "delete_file", &format!("/work/file-{i}")).await["approval_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Each request is decided by the three reviewers at once; requests go
    // 32 at a time, so the race is per request rather than a flood of
    // 3,000 fresh connections at the listener.
    let decide_all = |approval: String| {
        let (base, reviewers) = (s.base().to_owned(), reviewers.clone());
        async move {
            let decide = |n: usize| {
                let decision = if n == 0 { "allow_once" } else { "deny" };
                let path = format!("/api/v1/approvals/{approval}/decision");
                let (base, reviewer) = (base.clone(), reviewers[n].clone());
                async move {
                    call(
                        &base,
                        &reviewer,
                        Method::POST,
                        &path,
                        json!({"decision": decision}),
                    )
                    .await
                    .0
                }
            };
            let (a, b, c) = tokio::join!(decide(0), decide(1), decide(2));
            [a, b, c]
        }
    };
    let statuses: Vec<StatusCode> = futures::stream::iter(approvals.clone())
        .map(decide_all)
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        approvals.len()
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        2 * approvals.len()
    );
    let resolved: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE kind = 'approval.resolved'")
            .fetch_one(s.app.bosun.db().pool())
            .await
            .unwrap();
    assert_eq!(resolved, 1000);
}

#[tokio::test]
async fn a_waiting_agent_learns_a_decision_made_through_another_server() {
    let s = setup(spawn_app().await).await;
    s.app.create_user("rita@example.com", Role::Admin).await;
    let rita = s.app.token_for("rita@example.com").await;
    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "delete_file", "/work/a").await;
    let id = asked["id"].as_str().unwrap().to_owned();
    let (base, key) = (s.base().to_owned(), s.key.clone());
    let waiting = tokio::spawn(async move {
        call(
            &base,
            &key,
            Method::GET,
            &format!("/api/v1/runtime/tool-calls/{id}?wait=20"),
            Value::Null,
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (other, _) = start(&s.app.config, None).await;
    let approval = asked["approval_id"].as_str().unwrap();
    let (status, _) = call(
        &other,
        &rita,
        Method::POST,
        &format!("/api/v1/approvals/{approval}/decision"),
        json!({"decision": "allow_once"}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, waited) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("woken within 5 s")
        .unwrap();
    assert_eq!(waited["decision"], "allow");
}

#[tokio::test]
async fn a_fixed_agent_starts_runs_with_its_own_key_and_a_user_agent_cannot() {
    let s = setup(spawn_app().await).await;
    let path = format!("/api/v1/agents/{}/runs", s.agent);
    let (status, run) = call(
        s.base(),
        &s.key,
        Method::POST,
        &path,
        json!({"input": {"cron": "nightly"}}),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    assert!(run["started_by"].is_null());
    let (_, claimed) = call(
        s.base(),
        &s.key,
        Method::GET,
        "/api/v1/runtime/runs/next",
        Value::Null,
    )
    .await;
    assert_eq!(claimed["run"]["id"], run["id"]);

    let patch = json!({"credential_model": "user"});
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        &format!("/api/v1/agents/{}", s.agent),
        patch,
    )
    .await;
    assert_eq!(status, 200);
    let (status, refused) = call(s.base(), &s.key, Method::POST, &path, json!({"input": {}})).await;
    assert_eq!(status, 403, "{refused}");
}

#[tokio::test]
async fn pages_hear_when_an_agents_runs_change_if_they_may_see_it() {
    let s = setup(spawn_app().await).await;
    let path = format!("/events/agents/{}/runs", s.agent);
    let stranger = reqwest::get(s.app.url(&path)).await.unwrap();
    assert_eq!(stranger.status(), 401);
    s.app.create_user("carl@example.com", Role::Member).await;
    let carl = s.app.logged_in("carl@example.com").await;
    assert_eq!(
        carl.get(s.app.url(&path)).send().await.unwrap().status(),
        404
    );

    let admin = s.app.logged_in("admin@example.com").await;
    let mut stream = admin.get(s.app.url(&path)).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    s.running(&s.admin).await;
    let heard = tokio::time::timeout(Duration::from_secs(5), async {
        let mut text = String::new();
        while let Some(chunk) = stream.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("event: runs") {
                return text;
            }
        }
        text
    })
    .await
    .expect("a runs event within five seconds");
    assert!(heard.contains("event: runs"), "{heard}");
}

#[tokio::test]
async fn a_tool_call_names_a_bad_key_as_such_and_a_run_of_another_agent_as_missing() {
    let s = setup(spawn_app().await).await;
    let run = s.running(&s.admin).await;
    let path = format!("/api/v1/runtime/runs/{run}/tool-calls");
    let ask = json!({"tool": "system_shell", "input": "ls"});
    let (_, other) = call(
        s.base(),
        &s.admin,
        Method::POST,
        "/api/v1/agents",
        json!({"name": "Other", "tools": ["system_shell"]}),
    )
    .await;
    let other = other["id"].as_str().unwrap().to_owned();
    let (_, other_key) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{other}/keys"),
        json!({"name": "w"}),
    )
    .await;
    let other_key = other_key["key"].as_str().unwrap().to_owned();

    for (who, token, expected) in [
        ("a made-up key", "bosun_rk_not-a-key", 401),
        // A person's token acts only on their own interactive runs.
        ("a personal token", s.admin.as_str(), 404),
        ("another agent's key", other_key.as_str(), 404),
        ("the run's own key", s.key.as_str(), 200),
    ] {
        let (status, body) = call(s.base(), token, Method::POST, &path, ask.clone()).await;
        assert_eq!(status, expected, "{who}: {body}");
    }
    let (status, _) = call(
        s.base(),
        &s.key,
        Method::POST,
        "/api/v1/runtime/runs/no-such-run/tool-calls",
        ask.clone(),
    )
    .await;
    assert_eq!(status, 404);

    // A revoked key stops at the next call.
    let (_, keys) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/agents/{}/keys", s.agent),
        Value::Null,
    )
    .await;
    let key_id = keys["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::DELETE,
        &format!("/api/v1/agents/{}/keys/{key_id}", s.agent),
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(s.base(), &s.key, Method::POST, &path, ask).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn the_inbox_and_its_count_hold_what_the_reader_may_decide() {
    let s = setup(spawn_app().await).await;
    let run = s.running(&s.admin).await;
    for input in ["/work/a", "/work/b"] {
        assert_eq!(
            s.ask(&run, "delete_file", input).await["decision"],
            "pending"
        );
    }
    for (email, level) in [("ed@example.com", "edit"), ("rae@example.com", "run")] {
        let user = s.app.create_user(email, Role::Member).await;
        let (status, _) = call(
            s.base(),
            &s.admin,
            Method::POST,
            &format!("/api/v1/agents/{}/grants", s.agent),
            json!({"user_id": user.as_str(), "level": level}),
        )
        .await;
        assert_eq!(status, 201);
    }
    s.app.create_user("rita@example.com", Role::Admin).await;
    for (email, expected) in [
        ("ed@example.com", 2),
        ("rita@example.com", 2),
        // A run-level user may not decide; the starter may not decide their own.
        ("rae@example.com", 0),
        ("admin@example.com", 0),
    ] {
        let token = s.app.token_for(email).await;
        let (_, inbox) = call(
            s.base(),
            &token,
            Method::GET,
            "/api/v1/approvals?status=pending",
            Value::Null,
        )
        .await;
        assert_eq!(
            inbox["items"].as_array().unwrap().len(),
            expected,
            "{email}"
        );
        let principal = s.app.bosun.user_by_email(email).await.unwrap();
        assert_eq!(
            s.app.bosun.pending_count(&principal).await.unwrap(),
            expected,
            "{email}"
        );
    }
}
