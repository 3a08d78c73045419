//! The trace: search by every filter and by text, page by page; each
//! person sees only what they may; exports stream the same events with
//! their hashes, check offline, and fail the check once tampered with.

use bosun_service::events::verify_export;
use bosun_service::identity::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cli::bosun;
use crate::helpers::{api_call as call, api_request, error_code, spawn_app};
use crate::runtime::{Setup, setup};

/// An admin's run with an allowed, a denied and a paused call (then
/// failed), and a run-level member's run with one allowed call.
struct Scenario {
    s: Setup,
    admin_run: String,
    bea_run: String,
    bea: String,
    bea_id: String,
    carl: String,
}

async fn scenario() -> Scenario {
    let s = setup(spawn_app().await).await;
    let bea_id = s.app.create_user("bea@example.com", Role::Member).await;
    let bea = s.app.token_for("bea@example.com").await;
    s.app.create_user("carl@example.com", Role::Member).await;
    let carl = s.app.token_for("carl@example.com").await;
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/grants", s.agent),
        json!({"user_id": bea_id.as_str(), "level": "run"}),
    )
    .await;
    assert_eq!(status, 201);

    let admin_run = s.running(&s.admin).await;
    assert_eq!(
        s.ask(&admin_run, "system_shell", "ls -la /srv").await["decision"],
        "allow"
    );
    assert_eq!(
        s.ask(&admin_run, "delete_file", "/etc/passwd").await["decision"],
        "deny"
    );
    assert_eq!(
        s.ask(&admin_run, "delete_file", "/tmp/scratch").await["decision"],
        "pending"
    );
    let (status, _) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{admin_run}/finish"),
        json!({"status": "failed"}),
    )
    .await;
    assert_eq!(status, 200);

    let bea_run = s.running(&bea).await;
    assert_eq!(
        s.ask(&bea_run, "system_shell", "ls /home/bea").await["decision"],
        "allow"
    );
    Scenario {
        s,
        admin_run,
        bea_run,
        bea,
        bea_id: bea_id.to_string(),
        carl,
    }
}

impl Scenario {
    async fn search(&self, token: &str, query: &str) -> Vec<Value> {
        self.items(token, &format!("/api/v1/traces?{query}")).await
    }

    /// The items of one page of a list, which must answer 200.
    async fn items(&self, token: &str, path: &str) -> Vec<Value> {
        let (status, page) = call(self.s.base(), token, Method::GET, path, Value::Null).await;
        assert_eq!(status, 200, "{page}");
        page["items"].as_array().unwrap().clone()
    }

    async fn export(&self, token: &str, query: &str) -> String {
        let response = api_request(
            self.s.base(),
            token,
            Method::GET,
            &format!("/api/v1/traces/export?{query}"),
            Value::Null,
        )
        .await;
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["kind"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn each_filter_narrows_the_search() {
    let sc = scenario().await;
    let admin = &sc.s.admin;

    let deletions = sc.search(admin, "tool=delete_file").await;
    assert!(!deletions.is_empty());
    assert!(deletions.iter().all(|e| e["data"]["tool"] == "delete_file"));
    assert!(kinds(&deletions).contains(&"approval.requested"));

    let denied = sc.search(admin, "decision=deny").await;
    assert_eq!(kinds(&denied), ["policy.decision"]);
    assert_eq!(denied[0]["data"]["tool"], "delete_file");
    assert_eq!(denied[0]["data"]["rule"]["pattern"], "/etc/*");

    let asked = sc.search(admin, "decision=ask&tool=delete_file").await;
    assert_eq!(kinds(&asked), ["policy.decision"]);

    let by_text = sc.search(admin, "q=passwd").await;
    assert!(!by_text.is_empty());
    assert!(
        by_text
            .iter()
            .all(|e| e["data"].to_string().contains("passwd"))
    );

    let failed_run = sc.search(admin, "status=failed").await;
    assert!(
        failed_run
            .iter()
            .all(|e| e["run_id"] == sc.admin_run.as_str())
    );
    assert!(kinds(&failed_run).contains(&"run.finished"));

    let by_bea = sc.search(admin, &format!("user={}", sc.bea_id)).await;
    assert!(!by_bea.is_empty());
    assert!(by_bea.iter().all(|e| e["run_id"] == sc.bea_run.as_str()));

    let by_agent = sc
        .search(admin, &format!("agent={}&tool=system_shell", sc.s.agent))
        .await;
    assert_eq!(
        by_agent
            .iter()
            .filter(|e| e["kind"] == "policy.decision")
            .count(),
        2
    );

    let future = sc.search(admin, "from=2999-01-01T00:00:00Z").await;
    assert!(future.is_empty());
    let past = sc.search(admin, "to=2000-01-01T00:00:00Z").await;
    assert!(past.is_empty());
}

/// Each writer of the log feeds the full-text index in the transaction
/// that appends its events: a decision (group-committed by the decision
/// writer), a tool's result and an agent's own event (a run's writes), and
/// an admin's change (an audit event) are each found by a word only they
/// hold, by the first search after the call that wrote them answered.
#[tokio::test]
async fn every_kind_of_append_is_found_by_text_as_soon_as_it_is_answered() {
    let s = setup(spawn_app().await).await;
    let run = s.running(&s.admin).await;
    let search = |q: &'static str| {
        let (base, admin) = (s.base().to_owned(), s.admin.clone());
        async move {
            let (status, page) = call(
                &base,
                &admin,
                Method::GET,
                &format!("/api/v1/traces?q={q}"),
                Value::Null,
            )
            .await;
            assert_eq!(status, 200, "{page}");
            page["items"].as_array().unwrap().clone()
        }
    };

    let call_id = s.ask(&run, "system_shell", "ls /srv/quokkadecision").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut found = kinds(&search("quokkadecision").await)
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    found.sort();
    assert_eq!(found, ["policy.decision", "tool_call.requested"]);

    let (status, _) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/tool-calls/{call_id}/result"),
        json!({"output": {"stdout": "quokkaresult"}}),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(kinds(&search("quokkaresult").await), ["tool_call.result"]);

    let (status, _) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/events"),
        json!({"thought": "quokkathought"}),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(kinds(&search("quokkathought").await), ["agent.event"]);

    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/keys", s.agent),
        json!({"name": "quokkakey"}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(kinds(&search("quokkakey").await), ["runtime_key.created"]);

    // What the index holds is what the log holds: nothing twice, nothing
    // of another event.
    assert!(search("quokkamissing").await.is_empty());
}

#[tokio::test]
async fn pages_follow_each_other_without_overlap() {
    let sc = scenario().await;
    let all = sc.search(&sc.s.admin, "limit=200").await;
    let mut seen = Vec::new();
    let mut query = "limit=4".to_owned();
    loop {
        let (_, page) = call(
            sc.s.base(),
            &sc.s.admin,
            Method::GET,
            &format!("/api/v1/traces?{query}"),
            Value::Null,
        )
        .await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["seq"].as_i64().unwrap()),
        );
        match page["next"].as_str() {
            Some(next) => query = format!("limit=4&before={next}"),
            None => {
                assert!(page["next"].is_null(), "next is a string or null");
                break;
            }
        }
    }
    let expected: Vec<i64> = all.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seen, expected, "newest first, every event once");
    assert!(expected.windows(2).all(|w| w[0] > w[1]));
}

/// `next` is an opaque string; a cursor is the `next` of a page, and one
/// that is not is refused naming `before`, not read as "from the start".
#[tokio::test]
async fn a_trace_cursor_is_a_string_and_a_malformed_one_is_refused() {
    let sc = scenario().await;
    let (status, first) = call(
        sc.s.base(),
        &sc.s.admin,
        Method::GET,
        "/api/v1/traces?limit=2",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    let next = first["next"].as_str().expect("a string cursor").to_owned();
    let after = sc
        .search(&sc.s.admin, &format!("limit=2&before={next}"))
        .await;
    let last_seen = first["items"][1]["seq"].as_i64().unwrap();
    assert!(after.iter().all(|e| e["seq"].as_i64().unwrap() < last_seen));
    for bad in ["abc", "-1", "1.5", "99999999999999999999"] {
        let (status, body) = call(
            sc.s.base(),
            &sc.s.admin,
            Method::GET,
            &format!("/api/v1/traces?before={bad}"),
            Value::Null,
        )
        .await;
        assert_eq!(status, 400, "before={bad}: {body}");
        assert_eq!(body["error"]["code"], "invalid_input");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("before"),
            "{body}"
        );
    }
    // The export shares the search's parameters and refuses the same.
    let (status, body) = call(
        sc.s.base(),
        &sc.s.admin,
        Method::GET,
        "/api/v1/traces/export?before=abc",
        Value::Null,
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn people_see_their_runs_editors_and_admins_see_more() {
    let sc = scenario().await;
    let bea_sees = sc.search(&sc.bea, "limit=200").await;
    assert!(!bea_sees.is_empty());
    assert!(
        bea_sees.iter().all(|e| e["run_id"] == sc.bea_run.as_str()),
        "a run-level member sees their own run only: {bea_sees:?}"
    );
    assert!(sc.search(&sc.bea, "q=passwd").await.is_empty());
    assert!(sc.search(&sc.carl, "limit=200").await.is_empty());

    let admin_sees = sc.search(&sc.s.admin, "limit=200").await;
    assert!(
        kinds(&admin_sees).contains(&"agent.created"),
        "admins see audit events"
    );
    assert!(!kinds(&bea_sees).contains(&"agent.created"));

    // An editor sees every run of the agent, and still no audit events.
    let (status, _) = call(
        sc.s.base(),
        &sc.s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/grants", sc.s.agent),
        json!({"user_id": sc.bea_id, "level": "edit"}),
    )
    .await;
    assert_eq!(status, 201);
    let editor_sees = sc.search(&sc.bea, "limit=200").await;
    assert!(
        editor_sees
            .iter()
            .any(|e| e["run_id"] == sc.admin_run.as_str())
    );
    assert!(editor_sees.iter().all(|e| !e["run_id"].is_null()));
}

#[tokio::test]
async fn bad_filters_are_named() {
    let sc = scenario().await;
    for (query, field) in [
        ("decision=maybe", "decision"),
        ("status=lost", "status"),
        ("from=yesterday", "from"),
        ("tool=rm%20-rf", "tool"),
        ("before=soon", "before"),
    ] {
        let response = api_request(
            sc.s.base(),
            &sc.s.admin,
            Method::GET,
            &format!("/api/v1/traces?{query}"),
            Value::Null,
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]["message"].as_str().unwrap().contains(field),
            "{query}: {body}"
        );
    }
    let response = api_request(
        sc.s.base(),
        &sc.s.admin,
        Method::GET,
        "/api/v1/traces/export?format=xml",
        Value::Null,
    )
    .await;
    assert_eq!(error_code(response).await, "invalid_input");
}

#[tokio::test]
async fn exports_carry_the_searched_events_and_verify_offline() {
    let sc = scenario().await;
    let admin = &sc.s.admin;

    let jsonl = sc.export(admin, "format=jsonl").await;
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let everything = sc.search(admin, "limit=200").await;
    assert_eq!(lines.len(), everything.len());
    assert!(
        lines
            .windows(2)
            .all(|w| w[0]["seq"].as_i64() < w[1]["seq"].as_i64())
    );
    let check = verify_export(jsonl.as_bytes(), false).unwrap();
    assert_eq!(
        (check.events, check.gaps),
        (i64::try_from(lines.len()).unwrap(), 0)
    );

    let document: Value =
        serde_json::from_str(&sc.export(admin, "format=json&tool=delete_file").await).unwrap();
    let exported = document["events"].as_array().unwrap();
    let searched = sc.search(admin, "tool=delete_file").await;
    assert_eq!(exported.len(), searched.len());
    assert!(exported.iter().all(|e| e["data"]["tool"] == "delete_file"));

    // A person's export holds what their search shows, and skips the rest.
    let bea = sc.export(&sc.bea, "format=jsonl").await;
    assert!(bea.lines().all(|l| l.contains(&sc.bea_run)));
    assert!(verify_export(bea.as_bytes(), true).is_ok());
    let strict = verify_export(bea.as_bytes(), false).unwrap_err();
    assert!(strict.problem.contains("missing"), "{strict}");
    let filtered = sc.export(admin, "format=jsonl&tool=system_shell").await;
    assert!(verify_export(filtered.as_bytes(), true).unwrap().gaps > 0);

    // The command line checks a file; tampering is found and named.
    let dir = tempfile::tempdir().unwrap();
    let verify_file = |text: &str| {
        let path = dir.path().join("export.jsonl");
        std::fs::write(&path, text).unwrap();
        let output = bosun(
            &sc.s.app,
            &["audit", "verify", "--file", path.to_str().unwrap()],
        );
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), said)
    };
    let (ok, said) = verify_file(&jsonl);
    assert!(ok, "{said}");

    let mut changed = lines.clone();
    changed[3]["data"]["input"] = json!("something else");
    let seq = changed[3]["seq"].as_i64().unwrap();
    let (ok, said) = verify_file(&to_jsonl(&changed));
    assert!(
        !ok && said.contains(&format!("event {seq}:")) && said.contains("changed"),
        "{said}"
    );

    let mut deleted = lines.clone();
    let seq = deleted.remove(4)["seq"].as_i64().unwrap();
    let (ok, said) = verify_file(&to_jsonl(&deleted));
    assert!(
        !ok && said.contains(&format!("event {seq}:")) && said.contains("missing"),
        "{said}"
    );

    let mut swapped = lines.clone();
    swapped.swap(5, 6);
    let seq = swapped[6]["seq"].as_i64().unwrap();
    let (ok, said) = verify_file(&to_jsonl(&swapped));
    assert!(!ok && said.contains(&format!("event {seq}:")), "{said}");
}

fn to_jsonl(events: &[Value]) -> String {
    events.iter().map(|e| format!("{e}\n")).collect()
}

/// A span's text attribute.
fn attribute(span: &Value, key: &str) -> Option<String> {
    span["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key)
        .map(|a| a["value"]["stringValue"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_otlp_export_has_agent_and_tool_spans_with_provenance() {
    let sc = scenario().await;
    let otlp: Value = serde_json::from_str(&sc.export(&sc.s.admin, "format=otlp").await).unwrap();
    let spans = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .unwrap();
    let runs: Vec<&Value> = spans
        .iter()
        .filter(|s| s["name"] == "invoke_agent")
        .collect();
    assert_eq!(runs.len(), 2);
    let admin_run = runs
        .iter()
        .find(|s| attribute(s, "bosun.run.id").as_deref() == Some(sc.admin_run.as_str()))
        .unwrap();
    assert_eq!(admin_run["status"]["code"], 2, "the run failed");
    let denied = spans
        .iter()
        .find(|s| attribute(s, "gen_ai.tool.call.arguments").as_deref() == Some("/etc/passwd"))
        .unwrap();
    assert_eq!(denied["name"], "execute_tool delete_file");
    assert_eq!(denied["parentSpanId"], admin_run["spanId"]);
    assert_eq!(denied["traceId"], admin_run["traceId"]);
    assert_eq!(
        attribute(denied, "gen_ai.operation.name").as_deref(),
        Some("execute_tool")
    );
    assert_eq!(attribute(denied, "bosun.decision").as_deref(), Some("deny"));
    assert_eq!(
        attribute(denied, "bosun.rule.pattern").as_deref(),
        Some("/etc/*")
    );
    assert_eq!(denied["traceId"].as_str().unwrap().len(), 32);
    assert_eq!(denied["spanId"].as_str().unwrap().len(), 16);
}

/// The events an OTLP export names, by the `bosun.event.seq` of its span
/// events, in the order they appear.
fn otlp_seqs(otlp: &Value) -> Vec<i64> {
    otlp["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|span| span["events"].as_array().unwrap())
        .flat_map(|event| event["attributes"].as_array().unwrap())
        .filter(|a| a["key"] == "bosun.event.seq")
        .map(|a| a["value"]["intValue"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn every_export_format_holds_exactly_what_the_same_search_shows() {
    let sc = scenario().await;
    let admin = sc.s.admin.as_str();

    // Only the denials: the denied call is still a span under its run,
    // with the decision and an error status, and the run, whose end the
    // export does not hold, claims no outcome.
    let otlp: Value =
        serde_json::from_str(&sc.export(admin, "format=otlp&decision=deny").await).unwrap();
    let spans = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .unwrap();
    let denied = spans
        .iter()
        .find(|s| s["name"] == "execute_tool delete_file")
        .expect("a span for the denied call");
    assert_eq!(attribute(denied, "bosun.decision").as_deref(), Some("deny"));
    assert_eq!(
        attribute(denied, "bosun.rule.pattern").as_deref(),
        Some("/etc/*")
    );
    assert_eq!(denied["status"]["code"], 2);
    let run = spans
        .iter()
        .find(|s| attribute(s, "bosun.run.id").as_deref() == Some(sc.admin_run.as_str()))
        .unwrap();
    assert_eq!(denied["parentSpanId"], run["spanId"]);
    assert_eq!(run["status"]["code"], 0, "{run}");
    assert!(
        spans
            .iter()
            .all(|s| s["name"] != "execute_tool system_shell"),
        "no span for calls the search does not show"
    );

    let searches = [
        (admin, String::new()),
        (admin, "decision=deny".to_owned()),
        (admin, "decision=allow".to_owned()),
        (admin, "tool=delete_file".to_owned()),
        (admin, "status=failed".to_owned()),
        (admin, "q=passwd".to_owned()),
        (admin, format!("user={}", sc.bea_id)),
        (sc.bea.as_str(), String::new()),
        (sc.bea.as_str(), "decision=allow".to_owned()),
    ];
    for (token, query) in &searches {
        let mut searched: Vec<i64> = sc
            .search(token, &format!("limit=200&{query}"))
            .await
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        searched.sort_unstable();
        assert!(!searched.is_empty(), "{query} finds something");

        let document: Value =
            serde_json::from_str(&sc.export(token, &format!("format=json&{query}")).await).unwrap();
        let json: Vec<i64> = document["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        let jsonl: Vec<i64> = sc
            .export(token, &format!("format=jsonl&{query}"))
            .await
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["seq"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        let otlp: Value =
            serde_json::from_str(&sc.export(token, &format!("format=otlp&{query}")).await).unwrap();
        let mut otlp = otlp_seqs(&otlp);
        otlp.sort_unstable();
        assert_eq!(json, searched, "JSON export of {query:?}");
        assert_eq!(jsonl, searched, "JSON Lines export of {query:?}");
        assert_eq!(otlp, searched, "OTLP export of {query:?}");
    }
}

#[tokio::test]
async fn the_page_export_uses_the_session_and_nothing_else() {
    let sc = scenario().await;
    let browser = sc.s.app.logged_in("admin@example.com").await;
    let response = browser
        .get(sc.s.app.url("/traces/export?format=jsonl&tool=delete_file"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("bosun-trace.jsonl")
    );
    let text = response.text().await.unwrap();
    assert!(!text.is_empty() && text.lines().all(|l| l.contains("delete_file")));

    let stranger = reqwest::get(sc.s.app.url("/traces/export")).await.unwrap();
    assert_eq!(stranger.status(), 401);
    let with_token = api_request(
        sc.s.base(),
        &sc.s.admin,
        Method::GET,
        "/traces/export",
        Value::Null,
    )
    .await;
    assert_eq!(
        with_token.status(),
        401,
        "the page route takes the session, not tokens"
    );
}

impl Scenario {
    async fn runs(&self, token: &str, query: &str) -> Vec<Value> {
        self.items(token, &format!("/api/v1/traces/runs?{query}"))
            .await
    }

    /// A run the agent's runtime key starts itself (as a schedule would).
    async fn key_started_run(&self) -> String {
        let (status, run) = call(
            self.s.base(),
            &self.s.key,
            Method::POST,
            &format!("/api/v1/agents/{}/runs", self.s.agent),
            json!({"input": {"schedule": "nightly"}}),
        )
        .await;
        assert_eq!(status, 201, "{run}");
        run["id"].as_str().unwrap().to_owned()
    }
}

fn ids(runs: &[Value]) -> Vec<&str> {
    runs.iter().map(|r| r["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn the_runs_list_says_who_started_each_run_and_what_the_rules_said() {
    let sc = scenario().await;
    let key_run = sc.key_started_run().await;
    let admin = sc.s.app.api_json("/api/v1/me", &sc.s.admin).await;
    let bea = sc.s.app.api_json("/api/v1/me", &sc.bea).await;

    let runs = sc.runs(&sc.s.admin, "").await;
    assert_eq!(
        ids(&runs),
        [key_run.as_str(), &sc.bea_run, &sc.admin_run],
        "newest first"
    );
    let (by_key, by_bea, by_admin) = (&runs[0], &runs[1], &runs[2]);

    assert_eq!(by_key["started_by"], Value::Null);
    assert_eq!(by_key["on_behalf_of"], Value::Null);
    assert_eq!(by_key["started_by_key"]["name"], "worker");
    assert_eq!(
        by_key["started_by_key"]["created_by"]["user_id"],
        admin["id"]
    );
    assert_eq!(
        by_key["started_by_key"]["created_by"]["name"],
        admin["name"]
    );
    assert_eq!(by_key["status"], "queued");
    assert_eq!(by_key["steps"], 0);
    assert_eq!(by_key["duration_ms"], Value::Null);

    assert_eq!(by_bea["started_by"]["user_id"], bea["id"]);
    assert_eq!(by_bea["started_by"]["name"], bea["name"]);
    assert_eq!(by_bea["on_behalf_of"]["user_id"], bea["id"]);
    assert_eq!(by_bea["started_by_key"], Value::Null);
    assert_eq!(by_bea["status"], "running");
    assert_eq!(by_bea["agent_name"], "Janitor");
    assert_eq!(by_bea["agent_id"], sc.s.agent.as_str());
    assert_eq!(by_bea["steps"], 1);
    assert_eq!(
        by_bea["decisions"],
        json!({"allow": 1, "ask": 0, "deny": 0})
    );

    // Allowed, denied and paused, then failed.
    assert_eq!(by_admin["status"], "failed");
    assert_eq!(by_admin["steps"], 3);
    assert_eq!(
        by_admin["decisions"],
        json!({"allow": 1, "ask": 1, "deny": 1})
    );
    assert!(by_admin["duration_ms"].as_i64().unwrap() >= 0);
    assert!(!by_admin["finished_at"].is_null());
}

#[tokio::test]
async fn members_see_the_runs_they_see_in_traces_and_no_others() {
    let sc = scenario().await;
    sc.key_started_run().await;
    // A run-level member sees their own run only: not the admin's, not
    // the key's.
    assert_eq!(ids(&sc.runs(&sc.bea, "").await), [sc.bea_run.as_str()]);
    // Without access to the agent, another member's run stays hidden,
    // whatever the filter asks for.
    assert!(sc.runs(&sc.carl, "").await.is_empty());
    assert!(
        sc.runs(&sc.carl, &format!("agent={}", sc.s.agent))
            .await
            .is_empty()
    );
    // Editors see every run of the agent.
    let (status, _) = call(
        sc.s.base(),
        &sc.s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/grants", sc.s.agent),
        json!({"user_id": sc.bea_id, "level": "edit"}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(sc.runs(&sc.bea, "").await.len(), 3);
    // Unauthenticated: nothing.
    let response = reqwest::get(sc.s.app.url("/api/v1/traces/runs"))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn runs_filter_by_agent_and_status_and_page_without_overlap() {
    let sc = scenario().await;
    let key_run = sc.key_started_run().await;
    let admin = &sc.s.admin;
    assert_eq!(
        ids(&sc.runs(admin, "status=failed").await),
        [sc.admin_run.as_str()]
    );
    assert_eq!(
        ids(&sc.runs(admin, "status=queued").await),
        [key_run.as_str()]
    );
    assert_eq!(
        sc.runs(admin, &format!("agent={}&status=running", sc.s.agent))
            .await
            .len(),
        1
    );
    assert!(sc.runs(admin, "agent=no-such-agent").await.is_empty());
    // Empty parameters are no filter.
    assert_eq!(sc.runs(admin, "agent=&status=").await.len(), 3);

    let mut seen = Vec::new();
    let mut query = "limit=1".to_owned();
    loop {
        let (status, page) = call(
            sc.s.base(),
            admin,
            Method::GET,
            &format!("/api/v1/traces/runs?{query}"),
            Value::Null,
        )
        .await;
        assert_eq!(status, 200, "{page}");
        seen.extend(
            ids(page["items"].as_array().unwrap())
                .into_iter()
                .map(str::to_owned),
        );
        match page["next"].as_str() {
            Some(next) => query = format!("limit=1&before={next}"),
            None => break,
        }
    }
    assert_eq!(seen, [key_run.as_str(), &sc.bea_run, &sc.admin_run]);

    for (query, field) in [
        ("status=lost", "status"),
        ("before=yesterday", "before"),
        ("limit=many", "query"),
    ] {
        let response = api_request(
            sc.s.base(),
            admin,
            Method::GET,
            &format!("/api/v1/traces/runs?{query}"),
            Value::Null,
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_input", "{query}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(field),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn one_run_exports_on_its_own_in_every_format() {
    let sc = scenario().await;
    let admin = &sc.s.admin;
    // Reading the run closes the request it left waiting when it ended:
    // a step recorded after the run's end.
    let (status, _) = call(
        sc.s.base(),
        admin,
        Method::GET,
        &format!("/api/v1/agents/{}/runs/{}", sc.s.agent, sc.admin_run),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    let (_, timeline) = call(
        sc.s.base(),
        admin,
        Method::GET,
        &format!("/api/v1/traces/{}", sc.admin_run),
        Value::Null,
    )
    .await;
    let timeline: Vec<i64> = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();

    let jsonl = sc
        .export(admin, &format!("run={}&format=jsonl", sc.admin_run))
        .await;
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seqs: Vec<i64> = lines.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, timeline, "exactly the run's events, in order");
    assert_eq!(
        lines.last().unwrap()["kind"],
        "approval.resolved",
        "the request cancelled after the run ended"
    );

    let document: Value = serde_json::from_str(
        &sc.export(admin, &format!("run={}&format=json", sc.admin_run))
            .await,
    )
    .unwrap();
    assert_eq!(document["events"].as_array().unwrap().len(), timeline.len());

    let otlp: Value = serde_json::from_str(
        &sc.export(admin, &format!("run={}&format=otlp", sc.admin_run))
            .await,
    )
    .unwrap();
    let spans = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .unwrap();
    let named = |name: &str| {
        spans
            .iter()
            .filter(|s| s["name"].as_str().unwrap().starts_with(name))
            .count()
    };
    assert_eq!(named("invoke_agent"), 1, "one run");
    assert_eq!(named("execute_tool "), 3, "its three tool calls");
    let span_events: usize = spans
        .iter()
        .map(|s| s["events"].as_array().unwrap().len())
        .sum();
    assert_eq!(span_events, timeline.len(), "every event of the run");
    let mut span_ids: Vec<&str> = spans
        .iter()
        .map(|s| s["spanId"].as_str().unwrap())
        .collect();
    span_ids.sort_unstable();
    span_ids.dedup();
    assert_eq!(span_ids.len(), spans.len(), "no span written twice");

    // The download is named after the run.
    let response = api_request(
        sc.s.base(),
        admin,
        Method::GET,
        &format!("/api/v1/traces/export?run={}&format=jsonl", sc.admin_run),
        Value::Null,
    )
    .await;
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"bosun-run-{}.jsonl\"", sc.admin_run)
    );
    // Someone who may not see the run exports nothing of it.
    assert!(
        sc.export(&sc.carl, &format!("run={}&format=jsonl", sc.admin_run))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_timeline_names_runtime_keys_by_name() {
    let sc = scenario().await;
    let admin = sc.s.app.logged_in("admin@example.com").await;
    let response =
        sc.s.app
            .call(&admin, "traces/run", &[("run_id", sc.admin_run.as_str())])
            .await;
    assert_eq!(response.status(), 200);
    let steps: Vec<Value> = response.json().await.unwrap();
    let claimed = steps.iter().find(|s| s["kind"] == "run.claimed").unwrap();
    assert_eq!(claimed["actor"], "runtime key “worker”");
    let response =
        sc.s.app
            .call(&admin, "traces/search", &[("query[q]", "")])
            .await;
    assert_eq!(response.status(), 200);
    let found: Value = response.json().await.unwrap();
    assert!(
        found["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["actor"].as_str())
            .all(|actor| !actor.starts_with("key:")),
        "no runtime key shown by id: {found}"
    );
}

#[tokio::test]
async fn a_run_page_hears_each_new_step_if_it_may_see_the_run() {
    let sc = scenario().await;
    let path = format!("/events/runs/{}", sc.bea_run);
    let carl = sc.s.app.logged_in("carl@example.com").await;
    assert_eq!(
        carl.get(sc.s.app.url(&path)).send().await.unwrap().status(),
        404
    );
    let bea = sc.s.app.logged_in("bea@example.com").await;
    let mut stream = bea.get(sc.s.app.url(&path)).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let mut text = String::new();
    let mut heard = async |count: usize| {
        tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while text.matches("event: run").count() < count {
                let chunk = stream.chunk().await.unwrap().unwrap();
                text.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .is_ok()
    };
    assert!(heard(1).await, "one event as the stream opens");
    // A call the rules allow wakes nobody else; the page still hears it.
    assert_eq!(
        sc.s.ask(&sc.bea_run, "system_shell", "ls /srv").await["decision"],
        "allow"
    );
    assert!(heard(2).await, "an event for the new step");
}

#[tokio::test]
async fn administrative_changes_read_as_a_line_and_a_new_tool_is_found_by_its_name() {
    let sc = scenario().await;
    let (status, body) = call(
        sc.s.base(),
        &sc.s.admin,
        Method::POST,
        "/api/v1/tools",
        json!({"name": "deploy", "argument_kind": "text", "default_risk": "caution",
               "category": "other"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = call(
        sc.s.base(),
        &sc.s.admin,
        Method::PATCH,
        "/api/v1/workspace",
        json!({"self_approval": true}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The catalog's new tool is its event's tool.
    let found = sc.search(&sc.s.admin, "tool=deploy").await;
    assert_eq!(kinds(&found), ["tool.created"]);

    let admin = sc.s.app.logged_in("admin@example.com").await;
    let response =
        sc.s.app
            .call(&admin, "traces/search", &[("query[q]", "")])
            .await;
    assert_eq!(response.status(), 200);
    let found: Value = response.json().await.unwrap();
    let shown = |kind: &str| {
        let event = found["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|event| event["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {found}"));
        // The data stays on the page as stored, below its line.
        assert!(event["data"].as_str().unwrap().starts_with('{'), "{event}");
        event["summary"].as_str().unwrap().to_owned()
    };
    assert_eq!(shown("grant.created"), "shared with bea at level run");
    assert_eq!(
        shown("tool.created"),
        "added tool deploy (text input, caution risk, other)"
    );
    assert_eq!(
        shown("workspace.settings_changed"),
        "changed the workspace's settings: self-approval false → true"
    );
    assert!(
        shown("agent.created").starts_with("created agent “"),
        "{found}"
    );
}
