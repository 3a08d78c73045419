//! A way out of a run and approvals a team can live with: "Allow for this
//! run", cancelling a run, what a run waits for and who can decide it, and
//! an agent's own approval time-to-live.

use std::time::{Duration, Instant};

use bosun_service::identity::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{api_call as call, spawn_app, spawn_app_with_manual_clock};
use crate::runtime::{Setup, setup};

/// A second admin, who reviews the first admin's runs.
async fn rita(s: &Setup) -> String {
    s.app.create_user("rita@example.com", Role::Admin).await;
    s.app.token_for("rita@example.com").await
}

/// A member with `level` access to the agent.
pub(crate) async fn member(s: &Setup, email: &str, level: &str) -> String {
    let user = s.app.create_user(email, Role::Member).await;
    let (status, grant) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/grants", s.agent),
        json!({"user_id": user.to_string(), "level": level}),
    )
    .await;
    assert_eq!(status, 201, "{grant}");
    s.app.token_for(email).await
}

/// Asks as the worker, from `working_dir` when given.
async fn ask_in(s: &Setup, run: &str, tool: &str, input: &str, working_dir: Option<&str>) -> Value {
    let (status, body) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/tool-calls"),
        json!({"tool": tool, "input": input, "working_dir": working_dir}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// What the worker is told about a call it asked about, without waiting.
async fn answer(s: &Setup, asked: &Value) -> Value {
    let id = asked["id"].as_str().expect("a tool call id");
    let (status, answer) = call(
        s.base(),
        &s.key,
        Method::GET,
        &format!("/api/v1/runtime/tool-calls/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

async fn decide(s: &Setup, token: &str, approval: &Value, body: Value) -> (StatusCode, Value) {
    call(
        s.base(),
        token,
        Method::POST,
        &format!(
            "/api/v1/approvals/{}/decision",
            approval.as_str().expect("an approval id")
        ),
        body,
    )
    .await
}

async fn run_of(s: &Setup, token: &str, run: &str) -> (StatusCode, Value) {
    call(
        s.base(),
        token,
        Method::GET,
        &format!("/api/v1/agents/{}/runs/{run}", s.agent),
        Value::Null,
    )
    .await
}

async fn cancel(s: &Setup, token: &str, run: &str) -> (StatusCode, Value) {
    call(
        s.base(),
        token,
        Method::POST,
        &format!("/api/v1/agents/{}/runs/{run}/cancel", s.agent),
        Value::Null,
    )
    .await
}

/// The run's trace events of `kind`.
async fn events_of(s: &Setup, run: &str, kind: &str) -> Vec<Value> {
    let (status, trace) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/traces/{run}"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{trace}");
    trace["events"]
        .as_array()
        .expect("the run's events")
        .iter()
        .filter(|event| event["kind"] == kind)
        .cloned()
        .collect()
}

async fn pending_ids(s: &Setup, token: &str) -> Vec<Value> {
    let (status, inbox) = call(
        s.base(),
        token,
        Method::GET,
        "/api/v1/approvals?status=pending",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].clone())
        .collect()
}

#[tokio::test]
async fn a_call_allowed_for_the_run_allows_its_later_calls_with_the_same_normalized_subject_only() {
    let s = setup(spawn_app().await).await;
    let rita = rita(&s).await;
    let run = s.running(&s.admin).await;
    let asked = ask_in(&s, &run, "delete_file", "logs/../old.log", Some("/srv/app")).await;
    assert_eq!(asked["decision"], "pending");

    let (status, decided) = decide(
        &s,
        &rita,
        &asked["approval_id"],
        json!({"decision": "allow_for_run"}),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(
        (&decided["status"], &decided["decision"]),
        (&json!("approved"), &json!("allow_for_run"))
    );
    let waited = answer(&s, &asked).await;
    assert_eq!(waited["decision"], "allow");

    // The same file, written another way and from elsewhere: allowed, and
    // the decision says by what.
    let again = ask_in(&s, &run, "delete_file", "/srv/app//old.log", None).await;
    assert_eq!(again["decision"], "allow", "{again}");
    assert_eq!(again["reason"], json!({"kind": "run_allowance"}));
    let decisions = events_of(&s, &run, "policy.decision").await;
    let traced = decisions
        .iter()
        .find(|event| event["data"]["tool_call_id"] == again["id"])
        .expect("the later call's decision is traced");
    assert_eq!(traced["data"]["reason"]["kind"], "run_allowance");
    assert_eq!(
        traced["data"]["run_allowance"]["approval_id"],
        asked["approval_id"]
    );
    assert_eq!(
        traced["data"]["run_allowance"]["subject"],
        "/srv/app/old.log"
    );

    // Another file still asks, and so does the same file in another run.
    let other_file = ask_in(&s, &run, "delete_file", "/srv/app/new.log", None).await;
    assert_eq!(other_file["decision"], "pending");
    let other_run = s.running(&s.admin).await;
    let same_file_elsewhere = ask_in(&s, &other_run, "delete_file", "/srv/app/old.log", None).await;
    assert_eq!(same_file_elsewhere["decision"], "pending");

    // The run says what was allowed for it, and by whom.
    let (status, shown) = run_of(&s, &s.admin, &run).await;
    assert_eq!(status, 200, "{shown}");
    let allowed = shown["allowed_for_run"].as_array().unwrap();
    assert_eq!(allowed.len(), 1, "{shown}");
    assert_eq!(
        (
            &allowed[0]["tool"],
            &allowed[0]["subject"],
            &allowed[0]["granted_by_name"]
        ),
        (
            &json!("delete_file"),
            &json!("/srv/app/old.log"),
            &json!("rita")
        )
    );
    let (_, other) = run_of(&s, &s.admin, &other_run).await;
    assert_eq!(other["allowed_for_run"], json!([]));
}

#[tokio::test]
async fn an_enforced_rule_still_decides_what_was_allowed_for_the_run_and_an_agent_deny_does_not() {
    let s = setup(spawn_app().await).await;
    let rita = rita(&s).await;
    let run = s.running(&s.admin).await;
    let asked = ask_in(
        &s,
        &run,
        "system_shell",
        "git push origin main",
        Some("/repo"),
    )
    .await;
    assert_eq!(asked["decision"], "pending");
    let (status, body) = decide(
        &s,
        &rita,
        &asked["approval_id"],
        json!({"decision": "allow_for_run"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/rules", s.agent),
        json!({"tool": "system_shell", "action": "deny", "pattern": "git push *"}),
    )
    .await;
    assert_eq!(status, 201);
    let later = ask_in(&s, &run, "system_shell", "git  push 'origin' main", None).await;
    assert_eq!(later["decision"], "allow", "{later}");
    assert_eq!(later["reason"]["kind"], "run_allowance");
    // A different command line is not the allowed one.
    let chained = ask_in(&s, &run, "system_shell", "git push origin main; ls", None).await;
    assert_eq!(chained["decision"], "deny", "{chained}");

    let (status, rule) = call(
        s.base(),
        &s.admin,
        Method::POST,
        "/api/v1/rules",
        json!({"tool": "system_shell", "action": "deny", "pattern": "git push *", "enforced": true}),
    )
    .await;
    assert_eq!(status, 201, "{rule}");
    let guarded = ask_in(&s, &run, "system_shell", "git push origin main", None).await;
    assert_eq!(guarded["decision"], "deny", "{guarded}");
    assert_eq!(
        (&guarded["reason"]["layer"], &guarded["reason"]["rule_id"]),
        (&json!("enforced"), &rule["id"])
    );
}

#[tokio::test]
async fn only_someone_who_may_decide_allows_for_the_run_and_only_what_the_engine_can_read() {
    let s = setup(spawn_app().await).await;
    let rita = rita(&s).await;
    let runner = member(&s, "max@example.com", "run").await;
    let run = s.running(&s.admin).await;
    let asked = ask_in(&s, &run, "system_shell", "rm build.log", Some("/repo")).await;

    // The starter (self-approval is off) and a member who may only run the
    // agent are refused, and nothing is allowed.
    let (status, body) = decide(
        &s,
        &s.admin,
        &asked["approval_id"],
        json!({"decision": "allow_for_run"}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = decide(
        &s,
        &runner,
        &asked["approval_id"],
        json!({"decision": "allow_for_run"}),
    )
    .await;
    assert!(status == 403 || status == 404, "{status} {body}");
    let (_, shown) = run_of(&s, &s.admin, &run).await;
    assert_eq!(shown["allowed_for_run"], json!([]));

    // A command holding what only the running shell knows cannot be
    // allowed for the run: the reviewer is told so, and it stays pending.
    let opaque = ask_in(&s, &run, "system_shell", "rm $TARGET", None).await;
    let (status, body) = decide(
        &s,
        &rita,
        &opaque["approval_id"],
        json!({"decision": "allow_for_run"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "not_allowable_for_run");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("$TARGET"),
        "{body}"
    );
    assert!(
        pending_ids(&s, &rita)
            .await
            .contains(&opaque["approval_id"])
    );
}

#[tokio::test]
async fn cancelling_a_run_denies_its_waiting_call_at_once_and_takes_its_requests_out_of_the_inbox()
{
    let s = setup(spawn_app().await).await;
    let rita = rita(&s).await;
    let run = s.running(&s.admin).await;
    let first = s.ask(&run, "delete_file", "/work/a").await;
    let second = s.ask(&run, "delete_file", "/work/b").await;
    assert_eq!(pending_ids(&s, &rita).await.len(), 2);

    // The worker waits on the first call while the run is cancelled.
    let waiting = {
        let (base, key, id) = (
            s.base().to_owned(),
            s.key.clone(),
            first["id"].as_str().unwrap().to_owned(),
        );
        tokio::spawn(async move {
            let started = Instant::now();
            let answer = call(
                &base,
                &key,
                Method::GET,
                &format!("/api/v1/runtime/tool-calls/{id}?wait=30"),
                Value::Null,
            )
            .await;
            (answer, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, cancelled) = cancel(&s, &s.admin, &run).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["waiting"], json!([]));
    assert_eq!(cancelled["may_cancel"], false);

    let ((status, answer), waited) = waiting.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(answer["decision"], "deny");
    assert_eq!(answer["message"], "run cancelled by admin");
    assert!(waited < Duration::from_secs(10), "told after {waited:?}");

    assert_eq!(pending_ids(&s, &rita).await, Vec::<Value>::new());
    let (_, closed) = call(
        s.base(),
        &rita,
        Method::GET,
        "/api/v1/approvals?status=cancelled",
        Value::Null,
    )
    .await;
    let closed = closed["items"].as_array().unwrap();
    assert_eq!(closed.len(), 2);
    assert!(closed.iter().all(|a| a["decision"] == "cancelled"));
    let (status, refused) = decide(
        &s,
        &rita,
        &second["approval_id"],
        json!({"decision": "allow_once"}),
    )
    .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "not_decidable");

    let resolved = events_of(&s, &run, "approval.resolved").await;
    assert_eq!(resolved.len(), 2);
    assert!(resolved.iter().all(|e| e["data"]["decision"] == "cancelled"
        && e["data"]["outcome"] == "deny"
        && e["data"]["message"] == "run cancelled by admin"));
    let finished = events_of(&s, &run, "run.finished").await;
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0]["data"]["status"], "cancelled");

    // The worker can do nothing more with the run; cancelling it again is
    // a conflict that names its status.
    let (status, body) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/tool-calls"),
        json!({"tool": "system_shell", "input": "ls"}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, again) = cancel(&s, &rita, &run).await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["error"]["code"], "run_not_active");
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cancelled")
    );
}

#[tokio::test]
async fn only_the_starter_the_agents_editors_and_admins_may_cancel_a_run() {
    let s = setup(spawn_app().await).await;
    let starter = member(&s, "sam@example.com", "run").await;
    let other_runner = member(&s, "max@example.com", "run").await;
    s.app.create_user("nobody@example.com", Role::Member).await;
    let stranger = s.app.token_for("nobody@example.com").await;
    let editor = member(&s, "mia@example.com", "edit").await;

    let run = s.running(&starter).await;
    for token in [&other_runner, &stranger] {
        let (status, body) = cancel(&s, token, &run).await;
        assert_eq!(status, 404, "{body}");
        let (status, _) = run_of(&s, token, &run).await;
        assert_eq!(status, 404);
    }
    let (_, still) = run_of(&s, &starter, &run).await;
    assert_eq!(
        (&still["status"], &still["may_cancel"]),
        (&json!("running"), &json!(true))
    );
    let (status, body) = cancel(&s, &editor, &run).await;
    assert_eq!(status, 200, "{body}");

    let own = s.running(&starter).await;
    let (status, body) = cancel(&s, &starter, &own).await;
    assert_eq!(status, 200, "{body}");
    let queued = {
        let (status, run) = call(
            s.base(),
            &starter,
            Method::POST,
            &format!("/api/v1/agents/{}/runs", s.agent),
            json!({"input": {}}),
        )
        .await;
        assert_eq!(status, 201);
        run["id"].as_str().unwrap().to_owned()
    };
    let (status, body) = cancel(&s, &s.admin, &queued).await;
    assert_eq!(status, 200, "{body}");
    // A cancelled queued run is never claimed.
    let (status, _) = call(
        s.base(),
        &s.key,
        Method::GET,
        "/api/v1/runtime/runs/next?wait=0",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn a_cancellation_and_a_decision_racing_for_a_request_agree_on_one_winner() {
    let s = setup(spawn_app().await).await;
    let rita = rita(&s).await;
    for _ in 0..8 {
        let run = s.running(&s.admin).await;
        let asked = s.ask(&run, "delete_file", "/work/a").await;
        let ((cancelled, _), (decided, _)) = tokio::join!(
            cancel(&s, &s.admin, &run),
            decide(
                &s,
                &rita,
                &asked["approval_id"],
                json!({"decision": "allow_once"})
            ),
        );
        assert_eq!(cancelled, 200, "the run is cancelled either way");
        let answer = answer(&s, &asked).await;
        let resolved = events_of(&s, &run, "approval.resolved").await;
        assert_eq!(resolved.len(), 1, "one outcome recorded: {resolved:?}");
        if decided == StatusCode::OK {
            assert_eq!(answer["decision"], "allow");
            assert_eq!(resolved[0]["data"]["decision"], "allow_once");
        } else {
            assert_eq!(decided, StatusCode::CONFLICT);
            assert_eq!(answer["decision"], "deny");
            assert_eq!(resolved[0]["data"]["decision"], "cancelled");
        }
    }
}

#[tokio::test]
async fn the_run_says_who_can_decide_what_it_waits_for_and_when_nobody_can() {
    let s = setup(spawn_app().await).await;
    let run = s.running(&s.admin).await;
    s.ask(&run, "delete_file", "/work/a").await;

    // A lone admin's own run, with self-approval off.
    let (status, shown) = run_of(&s, &s.admin, &run).await;
    assert_eq!(status, 200, "{shown}");
    let waiting = &shown["waiting"][0];
    assert_eq!(waiting["nobody_can_decide"], true);
    assert_eq!(waiting["setting"], "/settings/security");
    assert_eq!(waiting["can_be_decided_by"], json!([]));
    assert_eq!(
        waiting["summary"],
        "waiting for approval of delete_file: /work/a — nobody can decide this"
    );

    let editor = member(&s, "mia@example.com", "edit").await;
    let (_, shown) = run_of(&s, &editor, &run).await;
    assert_eq!(
        shown["waiting"][0]["summary"],
        "waiting for approval of delete_file: /work/a — can be decided by mia"
    );

    // A member's own run, as they see it.
    let starter = member(&s, "sam@example.com", "run").await;
    let own = s.running(&starter).await;
    s.ask(&own, "delete_file", "/work/b").await;
    let (status, shown) = run_of(&s, &starter, &own).await;
    assert_eq!(status, 200, "{shown}");
    let names: Vec<&str> = shown["waiting"][0]["can_be_decided_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|person| person["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "mia"]);
}

#[tokio::test]
async fn an_agent_with_a_shorter_approval_time_to_live_has_its_requests_expire_sooner() {
    let s = setup(spawn_app_with_manual_clock().await).await;
    let agent_path = format!("/api/v1/agents/{}", s.agent);
    for (ttl, problem) in [
        (json!(0), "from 1 second"),
        (json!(86_401), "at most the workspace's 86400 seconds"),
        (json!("soon"), ""),
    ] {
        let (status, body) = call(
            s.base(),
            &s.admin,
            Method::PATCH,
            &agent_path,
            json!({"approval_ttl_seconds": ttl}),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("approval_ttl_seconds") && message.contains(problem),
            "{message}"
        );
    }
    let (status, agent) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        &agent_path,
        json!({"approval_ttl_seconds": 60}),
    )
    .await;
    assert_eq!(status, 200, "{agent}");
    assert_eq!(agent["approval_ttl_seconds"], 60);
    let (_, unchanged) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        &agent_path,
        json!({"description": "x"}),
    )
    .await;
    assert_eq!(unchanged["approval_ttl_seconds"], 60);

    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "delete_file", "/work/a").await;
    s.app
        .clock
        .as_ref()
        .unwrap()
        .advance(Duration::from_secs(61));
    let waited = answer(&s, &asked).await;
    assert_eq!(waited["decision"], "deny");
    assert!(waited["message"].as_str().unwrap().contains("expired"));
    let resolved = events_of(&s, &run, "approval.resolved").await;
    assert_eq!(resolved[0]["data"]["decision"], "expired");

    // Back to the workspace's: a day.
    let (status, agent) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        &agent_path,
        json!({"approval_ttl_seconds": null}),
    )
    .await;
    assert_eq!(status, 200, "{agent}");
    assert_eq!(agent["approval_ttl_seconds"], Value::Null);
    let asked = s.ask(&run, "delete_file", "/work/b").await;
    s.app
        .clock
        .as_ref()
        .unwrap()
        .advance(Duration::from_secs(61));
    let waited = answer(&s, &asked).await;
    assert_eq!(waited["decision"], "pending");
}

#[tokio::test]
async fn the_reference_worker_stops_a_run_cancelled_while_it_waits_and_carries_on() {
    let s = setup(spawn_app().await).await;
    let workdir = tempfile::tempdir().unwrap();
    std::fs::write(workdir.path().join("old.log"), "keep me").unwrap();
    let steps = json!([
        {"tool": "delete_file", "input": "old.log"},
        {"tool": "system_shell", "input": "ls"},
    ]);
    let (status, run) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/runs", s.agent),
        json!({"input": {"steps": steps}}),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    let run = run["id"].as_str().unwrap().to_owned();
    let worker = tokio::spawn(bosun_server::worker::run(
        bosun_server::worker::WorkerConfig {
            url: s.base().to_owned(),
            key: s.key.clone(),
            workdir: workdir.path().to_path_buf(),
            once: true,
        },
    ));
    // Wait until the deletion waits for a reviewer, then cancel the run.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, shown) = run_of(&s, &s.admin, &run).await;
        if shown["waiting"].as_array().is_some_and(|w| !w.is_empty()) {
            break;
        }
        assert!(Instant::now() < deadline, "the step never waited: {shown}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = cancel(&s, &s.admin, &run).await;
    assert_eq!(status, 200, "{body}");

    let ended = tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("the worker stops the run at once")
        .unwrap();
    assert!(ended.is_ok(), "the worker itself goes on: {ended:?}");
    assert_eq!(
        std::fs::read_to_string(workdir.path().join("old.log")).unwrap(),
        "keep me"
    );
    let finished = events_of(&s, &run, "run.finished").await;
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0]["data"]["status"], "cancelled");
    assert!(events_of(&s, &run, "tool_call.requested").await.len() == 1);
}

#[tokio::test]
async fn a_request_left_waiting_when_its_worker_ends_the_run_is_cancelled_and_leaves_the_inbox() {
    let s = setup(spawn_app().await).await;
    let rita = rita(&s).await;
    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "delete_file", "/work/a").await;
    let (status, body) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/finish"),
        json!({"status": "failed"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    assert_eq!(pending_ids(&s, &rita).await, Vec::<Value>::new());
    let (status, refused) = decide(
        &s,
        &rita,
        &asked["approval_id"],
        json!({"decision": "allow_once"}),
    )
    .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "not_decidable");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the run ended (failed) before anyone decided"),
        "{refused}"
    );
    assert_eq!(answer(&s, &asked).await["decision"], "deny");
    let resolved = events_of(&s, &run, "approval.resolved").await;
    assert_eq!(resolved.len(), 1);
    assert_eq!(
        (
            &resolved[0]["data"]["decision"],
            &resolved[0]["data"]["reviewer"]
        ),
        (&json!("cancelled"), &Value::Null)
    );
}

#[tokio::test]
async fn the_agent_form_sets_and_clears_the_approval_time_to_live_and_names_the_field_when_wrong() {
    let s = setup(spawn_app().await).await;
    let browser = s.app.logged_in("admin@example.com").await;
    let save = |ttl: &'static str| {
        let (app, browser, agent) = (&s.app, &browser, s.agent.clone());
        async move {
            let form = [
                ("id", agent.as_str()),
                ("form[name]", "Janitor"),
                ("form[tools][0]", "delete_file"),
                ("form[execution_mode]", "restricted"),
                ("form[credential_model]", "fixed"),
                ("form[approval_ttl_seconds]", ttl),
            ];
            let response = app.call(browser, "agents/update", &form).await;
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = save("a minute").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("approval_ttl_seconds"), "{body}");
    let (status, body) = save("90000").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.to_string()
            .contains("at most the workspace's 86400 seconds"),
        "{body}"
    );

    let (status, body) = save("120").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["agent"]["approval_ttl_seconds"], 120);
    let agent_path = format!("/api/v1/agents/{}", s.agent);
    assert_eq!(
        s.app.api_json(&agent_path, &s.admin).await["approval_ttl_seconds"],
        120
    );
    let (status, body) = save("").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        s.app.api_json(&agent_path, &s.admin).await["approval_ttl_seconds"],
        Value::Null
    );
}
