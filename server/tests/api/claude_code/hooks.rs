//! `POST /api/v1/hooks/claude-code/{agent_id}` spoken to as Claude Code
//! does, without the CLI: malformed events, what cannot be judged, the
//! internal tools, an ask nobody decides in time, results and sessions.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, api_call, spawn_app};

struct Session {
    app: TestApp,
    token: String,
    agent: String,
}

impl Session {
    /// An agent with `tools` in `mode` and `rules`, and the admin's token.
    async fn new(tools: Value, mode: &str, rules: &[Value]) -> Self {
        let app = spawn_app().await;
        let token = app.token_for("admin@example.com").await;
        let (_, agent) = api_call(
            &app.address,
            &token,
            Method::POST,
            "/api/v1/agents",
            json!({"name": "Coder", "tools": tools, "execution_mode": mode}),
        )
        .await;
        let agent = agent["id"].as_str().unwrap().to_owned();
        for rule in rules {
            let (status, body) = api_call(
                &app.address,
                &token,
                Method::POST,
                &format!("/api/v1/agents/{agent}/rules"),
                rule.clone(),
            )
            .await;
            assert_eq!(status, 201, "{body}");
        }
        Self { app, token, agent }
    }

    async fn post(&self, query: &str, event: Value) -> (reqwest::StatusCode, Value) {
        api_call(
            &self.app.address,
            &self.token,
            Method::POST,
            &format!("/api/v1/hooks/claude-code/{}{query}", self.agent),
            event,
        )
        .await
    }

    /// A PreToolUse of session `s1`, answered as decision and reason.
    async fn pre(&self, query: &str, tool: &str, input: Value, id: &str) -> (String, String) {
        let (status, body) = self
            .post(
                query,
                json!({
                    "hook_event_name": "PreToolUse", "session_id": "s1", "cwd": "/repo",
                    "tool_name": tool, "tool_input": input, "tool_use_id": id,
                }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let output = &body["hookSpecificOutput"];
        assert_eq!(output["hookEventName"], "PreToolUse");
        (
            output["permissionDecision"].as_str().unwrap().to_owned(),
            output["permissionDecisionReason"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    }

    async fn runs(&self) -> Vec<Value> {
        let (_, runs) = api_call(
            &self.app.address,
            &self.token,
            Method::GET,
            &format!("/api/v1/agents/{}/runs", self.agent),
            Value::Null,
        )
        .await;
        runs["items"].as_array().cloned().unwrap_or_default()
    }

    async fn trace(&self, run: &str) -> Vec<Value> {
        let (_, trace) = api_call(
            &self.app.address,
            &self.token,
            Method::GET,
            &format!("/api/v1/traces/{run}"),
            Value::Null,
        )
        .await;
        trace["events"].as_array().cloned().unwrap_or_default()
    }
}

#[tokio::test]
async fn a_malformed_event_is_refused_naming_the_field_and_starts_no_session() {
    let s = Session::new(json!(["system_shell"]), "open", &[]).await;
    for (event, field) in [
        (json!({}), "hook_event_name"),
        (
            json!({"hook_event_name": "Stop", "session_id": "s1"}),
            "hook_event_name",
        ),
        (json!({"hook_event_name": "SessionStart"}), "session_id"),
        (
            json!({"hook_event_name": "SessionStart", "session_id": 7}),
            "session_id",
        ),
        (
            json!({"hook_event_name": "PreToolUse", "session_id": "s1", "tool_input": {}}),
            "tool_name",
        ),
        (
            json!({"hook_event_name": "PreToolUse", "session_id": "s1", "tool_name": "Bash",
                "tool_input": "rm -rf /"}),
            "tool_input",
        ),
        (
            json!({"hook_event_name": "PostToolUse", "session_id": "s1", "tool_name": "Bash"}),
            "tool_input",
        ),
        (json!([1, 2]), "body"),
    ] {
        let (status, body) = s.post("", event.clone()).await;
        assert_eq!(status, 400, "{event}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{event}: {body}"
        );
    }
    let not_json = reqwest::Client::new()
        .post(s.app.url(&format!("/api/v1/hooks/claude-code/{}", s.agent)))
        .bearer_auth(&s.token)
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    assert!(s.runs().await.is_empty());
}

#[tokio::test]
async fn what_cannot_be_judged_is_denied_and_internal_tools_are_allowed_whatever_the_mode() {
    let s = Session::new(
        json!(["system_shell"]),
        "locked",
        &[json!({"tool": "system_shell", "action": "allow", "pattern": "ls *"})],
    )
    .await;
    let (decision, reason) = s
        .pre("", "Bash", json!({"description": "no command"}), "t1")
        .await;
    assert_eq!(decision, "deny");
    assert!(reason.contains("tool_input.command is missing"), "{reason}");
    let (decision, reason) = s
        .pre("", "CronCreate", json!({"cron": "* * * * *"}), "t2")
        .await;
    assert_eq!(decision, "deny");
    assert!(
        reason.contains("cron_create") && reason.contains("Settings → Tools"),
        "{reason}"
    );
    let (decision, reason) = s.pre("", "TodoWrite", json!({"todos": []}), "t3").await;
    assert_eq!(decision, "allow", "{reason}");
    let (decision, _) = s.pre("", "Bash", json!({"command": "ls -la"}), "t4").await;
    assert_eq!(decision, "allow");
    let (decision, reason) = s
        .pre("", "Bash", json!({"command": "cat /etc/passwd"}), "t5")
        .await;
    assert_eq!(decision, "deny");
    assert!(reason.contains("locked mode"), "{reason}");
    // The same tool_use_id asked again is the same call, not a second one.
    let (decision, _) = s.pre("", "Bash", json!({"command": "ls -la"}), "t4").await;
    assert_eq!(decision, "allow");
    let run = s.runs().await[0]["id"].as_str().unwrap().to_owned();
    let requested: Vec<Value> = s
        .trace(&run)
        .await
        .into_iter()
        .filter(|e| e["kind"] == "tool_call.requested")
        .collect();
    assert_eq!(requested.len(), 5);
    assert_eq!(requested[1]["data"]["client_tool"], "CronCreate");
    assert_eq!(requested[1]["data"]["tool"], "cron_create");
}

#[tokio::test]
async fn an_ask_nobody_decides_in_time_expires_and_is_denied() {
    let s = Session::new(
        json!(["system_shell"]),
        "open",
        &[json!({"tool": "system_shell", "action": "ask", "pattern": "touch *"})],
    )
    .await;
    let (decision, reason) = s
        .pre("?wait=1", "Bash", json!({"command": "touch x"}), "t1")
        .await;
    assert_eq!(decision, "deny");
    assert!(reason.contains("no decision within 1 seconds"), "{reason}");
    // Another admin, who may decide the session's requests, finds it
    // expired and nothing left waiting.
    s.app
        .create_user("rev@example.com", bosun_service::identity::Role::Admin)
        .await;
    let reviewer = s.app.token_for("rev@example.com").await;
    let (_, expired) = api_call(
        &s.app.address,
        &reviewer,
        Method::GET,
        "/api/v1/approvals?status=expired",
        Value::Null,
    )
    .await;
    let items = expired["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{expired}");
    assert_eq!(items[0]["client_tool"], "Bash");
    assert!(
        items[0]["message"]
            .as_str()
            .unwrap()
            .contains("no decision within")
    );
    let (_, pending) = api_call(
        &s.app.address,
        &reviewer,
        Method::GET,
        "/api/v1/approvals?status=pending",
        Value::Null,
    )
    .await;
    assert!(pending["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn results_are_recorded_cut_to_size_and_a_session_end_closes_the_run() {
    let s = Session::new(json!(["system_shell"]), "open", &[]).await;
    let (decision, _) = s
        .pre("", "Bash", json!({"command": "yes | head -c 100000"}), "t1")
        .await;
    assert_eq!(decision, "allow");
    let big = "y\n".repeat(50_000);
    let (status, body) = s.post("", json!({
        "hook_event_name": "PostToolUse", "session_id": "s1", "cwd": "/repo", "tool_name": "Bash",
        "tool_input": {"command": "yes | head -c 100000"}, "tool_use_id": "t1",
        "tool_response": {"stdout": big, "stderr": ""}, "duration_ms": 12,
    })).await;
    assert_eq!((status.as_u16(), body), (200, json!({})));
    let (decision, _) = s.pre("", "Bash", json!({"command": "false"}), "t2").await;
    assert_eq!(decision, "allow");
    let (status, _) = s.post("", json!({
        "hook_event_name": "PostToolUseFailure", "session_id": "s1", "tool_name": "Bash",
        "tool_input": {"command": "false"}, "tool_use_id": "t2", "error": "Exit code 1", "duration_ms": 3,
    })).await;
    assert_eq!(status, 200);
    let (status, _) = s
        .post(
            "",
            json!({"hook_event_name": "SessionEnd", "session_id": "s1", "reason": "other"}),
        )
        .await;
    assert_eq!(status, 200);

    let runs = s.runs().await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "succeeded");
    let events = s.trace(runs[0]["id"].as_str().unwrap()).await;
    let results: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "tool_call.result")
        .collect();
    assert_eq!(results[0]["data"]["output"]["truncated"], true);
    assert!(results[0]["data"]["output"]["bytes"].as_u64().unwrap() > 100_000);
    assert_eq!(results[0]["data"]["duration_ms"], 12);
    assert_eq!(results[1]["data"]["error"], "Exit code 1");

    // Events after the end are a new session run.
    let (status, _) = s
        .post(
            "",
            json!({"hook_event_name": "UserPromptSubmit", "session_id": "s1",
                                        "prompt": "once more"}),
        )
        .await;
    assert_eq!(status, 200);
    let runs = s.runs().await;
    assert_eq!(runs.len(), 2);
    assert_eq!(runs.iter().filter(|r| r["status"] == "running").count(), 1);
}

#[tokio::test]
async fn a_reviewer_judges_a_claude_code_call_by_its_mapped_subject() {
    let s = Session::new(json!(["write_file"]), "restricted", &[]).await;
    s.app
        .create_user("rev@example.com", bosun_service::identity::Role::Admin)
        .await;
    let reviewer = s.app.token_for("rev@example.com").await;
    let write = json!({"file_path": "notes/today.md", "content": "- ship it\n"});
    let asking = s.pre("?wait=30", "Write", write.clone(), "t1");
    let deciding = async {
        let approval = loop {
            let (_, pending) = api_call(
                &s.app.address,
                &reviewer,
                Method::GET,
                "/api/v1/approvals?status=pending",
                Value::Null,
            )
            .await;
            if let Some(found) = pending["items"].as_array().and_then(|i| i.first()).cloned() {
                break found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        let id = approval["id"].as_str().unwrap().to_owned();
        // "Always allow" would allow the file Claude Code names, joined to
        // the session's directory, as a write_file rule.
        let (status, suggestion) = api_call(
            &s.app.address,
            &reviewer,
            Method::GET,
            &format!("/api/v1/approvals/{id}/suggestion"),
            Value::Null,
        )
        .await;
        assert_eq!(status, 200, "{suggestion}");
        assert_eq!(suggestion["rule"]["tool"], "write_file");
        assert_eq!(suggestion["rule"]["pattern"], "/repo/notes/today.md");
        let (status, body) = api_call(
            &s.app.address,
            &reviewer,
            Method::POST,
            &format!("/api/v1/approvals/{id}/decision"),
            json!({"decision": "allow_for_run"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    };
    let ((decision, reason), ()) = tokio::join!(asking, deciding);
    assert_eq!(decision, "allow", "{reason}");
    // The same file written again in the session is allowed for the run;
    // another is asked about again (and, undecided, denied).
    let (decision, reason) = s.pre("", "Write", write, "t2").await;
    assert_eq!(decision, "allow", "{reason}");
    assert!(reason.contains("for this session"), "{reason}");
    let (decision, _) = s
        .pre(
            "?wait=0",
            "Write",
            json!({"file_path": "/repo/other.md", "content": ""}),
            "t3",
        )
        .await;
    assert_eq!(decision, "deny");
}

#[tokio::test]
async fn an_agent_token_drives_its_own_agents_hooks_and_no_other_agents() {
    let s = Session::new(json!(["read_file"]), "open", &[]).await;
    let (_, other) = api_call(
        &s.app.address,
        &s.token,
        Method::POST,
        "/api/v1/agents",
        json!({"name": "Other", "tools": ["read_file"], "execution_mode": "open"}),
    )
    .await;
    let other = other["id"].as_str().unwrap();
    let (status, made) = api_call(
        &s.app.address,
        &s.token,
        Method::POST,
        "/api/v1/me/tokens",
        json!({"name": "laptop", "agent_id": s.agent}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let agent_token = made["token"].as_str().unwrap();
    let read = json!({
        "hook_event_name": "PreToolUse", "session_id": "s1", "cwd": "/repo",
        "tool_name": "Read", "tool_input": {"file_path": "/repo/a.txt"}, "tool_use_id": "t1",
    });

    let hook = |agent: &str| format!("/api/v1/hooks/claude-code/{agent}");
    let (status, body) = api_call(
        &s.app.address,
        agent_token,
        Method::POST,
        &hook(&s.agent),
        read.clone(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["hookSpecificOutput"]["permissionDecision"], "allow");

    let (status, body) = api_call(
        &s.app.address,
        agent_token,
        Method::POST,
        &hook(other),
        read,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "token_scope");
    let (_, runs) = api_call(
        &s.app.address,
        &s.token,
        Method::GET,
        &format!("/api/v1/agents/{other}/runs"),
        Value::Null,
    )
    .await;
    assert_eq!(
        runs["items"],
        json!([]),
        "no session was started for the other agent"
    );
}
