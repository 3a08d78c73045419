//! The real Claude Code CLI (pinned; `scripts/install-claude-code`, named
//! by `BOSUN_TEST_CLAUDE_CODE`) under Bosun, offline: its model is the
//! scripted stand-in of [`super::model`], its settings are the ones
//! `bosun connect claude-code` writes, and its own permission checks are
//! opened for the tools the plans use (`--allowedTools`), so that Bosun's
//! hooks are the only thing between the model and the machine.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::{Value, json};

use reqwest::Method;

use super::model::{ScriptedModel, Step};
use crate::helpers::{PASSWORD, api_call};
use crate::restart::{cli, free_port, serve_with};

/// The pinned CLI. Missing, the test fails: CI must run it.
fn claude_bin() -> PathBuf {
    let path = std::env::var("BOSUN_TEST_CLAUDE_CODE").expect(
        "BOSUN_TEST_CLAUDE_CODE names the pinned Claude Code CLI: run the tests with scripts/test, \
         or set it to the path scripts/install-claude-code prints",
    );
    PathBuf::from(path)
}

/// A project directory Claude Code works in, and a home of its own.
pub struct Project {
    pub dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes Bosun's hooks for `agent` at `url` into the project's
    /// settings, with the command people run.
    pub fn connect(&self, agent: &str, url: &str) {
        let dir = self.path().to_str().unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_bosun"))
            .args([
                "connect",
                "claude-code",
                "--agent",
                agent,
                "--url",
                url,
                "--write",
                dir,
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Runs `claude -p` in the project against `model`, with `token` in
    /// `BOSUN_TOKEN`, and answers its JSON result and exit status.
    pub async fn run_claude(&self, model: &ScriptedModel, token: &str) -> (Value, Output) {
        let mut command = tokio::process::Command::new(claude_bin());
        command
            .args(["-p", "Tidy up this project.", "--output-format", "json"])
            .args(["--allowedTools", "Bash", "Write", "Edit", "Read", "--"])
            .current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("CLAUDE_CONFIG_DIR", self.home.path().join(".claude"))
            .env("ANTHROPIC_BASE_URL", &model.url)
            .env("ANTHROPIC_API_KEY", "sk-ant-offline-test")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("BOSUN_TOKEN", token)
            .kill_on_drop(true);
        let output = tokio::time::timeout(Duration::from_secs(180), command.output())
            .await
            .expect("Claude Code finishes within 3 minutes")
            .expect("Claude Code starts");
        let result = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
            panic!(
                "Claude Code's output is not JSON:\n{}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (result, output)
    }
}

fn bash(command: &str) -> Step {
    Step::Tool {
        name: "Bash",
        input: json!({ "command": command, "description": "tidy up" }),
    }
}

#[tokio::test]
async fn claude_code_runs_nothing_while_bosun_cannot_be_reached() {
    let plan = || {
        vec![
            bash("rm -rf victim"),
            Step::Tool {
                name: "Write",
                input: json!({ "file_path": "notes.txt", "content": "hello\n" }),
            },
            Step::Text("Done."),
        ]
    };

    // Without Bosun's hooks, Claude Code as started here runs both calls:
    // what stops them below is Bosun's settings alone.
    let unguarded = Project::new();
    std::fs::create_dir(unguarded.path().join("victim")).unwrap();
    let model = ScriptedModel::start(plan()).await;
    unguarded.run_claude(&model, "unused").await;
    assert!(!unguarded.path().join("victim").exists());
    assert!(unguarded.path().join("notes.txt").exists());

    // Bosun's settings, pointing at an address where nothing answers.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let guarded = Project::new();
    std::fs::create_dir(guarded.path().join("victim")).unwrap();
    guarded.connect("some_agent", &closed);
    let model = ScriptedModel::start(plan()).await;
    let (result, _) = guarded.run_claude(&model, "bsn_anything").await;
    assert!(guarded.path().join("victim").is_dir(), "{result}");
    assert!(!guarded.path().join("notes.txt").exists());
    for step in 0..2 {
        let (text, is_error) = model.result_of_step(step).expect("the model was answered");
        assert!(is_error, "{text}");
        assert!(
            text.contains("blocking because onFailure is \"block\""),
            "{text}"
        );
    }
}

/// Events of a run's trace of one kind.
fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["kind"] == kind).collect()
}

#[tokio::test]
async fn claude_code_under_bosun_denies_allows_asks_and_stops_when_bosun_does() {
    // The real server, as a process the test can stop.
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = crate::helpers::fresh_database_url(data_dir.path()).await;
    let db = database_url.as_deref();
    let port = free_port();
    let server = serve_with(data_dir.path(), db, port, |_| {}).await;
    let base = server.base.clone();
    let admin = cli(
        data_dir.path(),
        db,
        &["admin", "create-token", "--email", "admin@example.com"],
    );
    let dev_id = cli(
        data_dir.path(),
        db,
        &[
            "admin",
            "create-user",
            "--email",
            "dev@example.com",
            "--password",
            PASSWORD,
            "--name",
            "Dev",
        ],
    );

    let project = Project::new();
    let root = project.path().canonicalize().unwrap();
    let root = root.to_str().unwrap().to_owned();
    std::fs::create_dir(project.path().join("victim")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let outside_file = outside.path().join("notes.txt");

    let (status, agent) = api_call(&base, &admin, Method::POST, "/api/v1/agents", json!({
        "name": "Coder", "tools": ["system_shell", "write_file", "read_file"], "execution_mode": "open",
    }))
    .await;
    assert_eq!(status, 201, "{agent}");
    let agent = agent["id"].as_str().unwrap().to_owned();
    for rule in [
        json!({"tool": "system_shell", "action": "deny", "pattern": "rm *", "note": "deleting is for people"}),
        json!({"tool": "system_shell", "action": "ask", "pattern": "touch *"}),
        json!({"tool": "write_file", "action": "allow", "pattern": format!("{root}/*")}),
        json!({"tool": "write_file", "action": "deny", "pattern": "*", "note": "only inside the project"}),
    ] {
        let (status, body) = api_call(
            &base,
            &admin,
            Method::POST,
            &format!("/api/v1/agents/{agent}/rules"),
            rule,
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = api_call(
        &base,
        &admin,
        Method::POST,
        &format!("/api/v1/agents/{agent}/grants"),
        json!({"user_id": dev_id, "level": "run"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // As the README sets it up: a token that drives this agent's sessions
    // and nothing else.
    let dev = cli(
        data_dir.path(),
        db,
        &[
            "admin",
            "create-token",
            "--email",
            "dev@example.com",
            "--agent",
            &agent,
        ],
    );
    project.connect(&agent, &base);

    let plan = vec![
        bash("rm -rf victim"),
        bash("mkdir allowed-dir"),
        Step::Tool {
            name: "Write",
            input: json!({ "file_path": outside_file.to_str().unwrap(), "content": "hello\n" }),
        },
        bash("touch asked.txt"),
        bash("touch after-stop.txt"),
        Step::Text("Done."),
    ];
    let model = ScriptedModel::start_paused_before(plan, 4).await;
    let reviewer = async {
        // The ask waits in the inbox while Claude Code waits on its hook:
        // the admin approves it with another command.
        let approval = loop {
            let (_, pending) = api_call(
                &base,
                &admin,
                Method::GET,
                "/api/v1/approvals?status=pending",
                Value::Null,
            )
            .await;
            if let Some(found) = pending["items"]
                .as_array()
                .and_then(|items| items.first())
                .cloned()
            {
                break found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(approval["tool"], "system_shell");
        assert_eq!(approval["client_tool"], "Bash");
        assert_eq!(approval["input"]["command"], "touch asked.txt");
        let (status, body) = api_call(&base, &admin, Method::POST,
            &format!("/api/v1/approvals/{}/decision", approval["id"].as_str().unwrap()),
            json!({"decision": "edit", "input": {"command": "touch edited.txt", "description": "tidy up"},
                   "message": "a better name"}))
        .await;
        assert_eq!(status, 200, "{body}");
        // Once that call has run, Bosun stops before the next one.
        model.paused().await;
        drop(server);
        model.release();
    };
    let ((result, output), ()) = tokio::join!(project.run_claude(&model, &dev), reviewer);
    assert!(output.status.success(), "{result}");

    let step = |index| {
        model
            .result_of_step(index)
            .expect("the model was told the result")
    };
    let (denied, is_error) = step(0);
    assert!(
        is_error && denied.contains("rm *") && denied.contains("deleting is for people"),
        "{denied}"
    );
    assert!(project.path().join("victim").is_dir());
    let (made, is_error) = step(1);
    assert!(!is_error, "{made}");
    assert!(project.path().join("allowed-dir").is_dir());
    let (outside_denied, is_error) = step(2);
    assert!(
        is_error && outside_denied.contains("only inside the project"),
        "{outside_denied}"
    );
    assert!(!outside_file.exists());
    let (edited, is_error) = step(3);
    assert!(!is_error, "{edited}");
    assert!(project.path().join("edited.txt").exists());
    assert!(!project.path().join("asked.txt").exists());
    let (blocked, is_error) = step(4);
    assert!(
        is_error && blocked.contains("blocking because onFailure is \"block\""),
        "{blocked}"
    );
    assert!(!project.path().join("after-stop.txt").exists());

    // Bosun back: the session's run, its calls and their results are in
    // the trace and the export.
    let server = serve_with(data_dir.path(), db, port, |_| {}).await;
    let (_, runs) = api_call(
        &server.base,
        &admin,
        Method::GET,
        &format!("/api/v1/agents/{agent}/runs"),
        Value::Null,
    )
    .await;
    let runs = runs["items"].as_array().cloned().unwrap_or_default();
    let run = runs
        .iter()
        .find(|run| run["input"]["session_id"] == result["session_id"])
        .unwrap_or_else(|| panic!("the session's run: {runs:?}"));
    assert_eq!(run["started_by"], dev_id.as_str());
    assert_eq!(run["input"]["client"], "claude_code");
    let run_id = run["id"].as_str().unwrap();
    let (_, trace) = api_call(
        &server.base,
        &admin,
        Method::GET,
        &format!("/api/v1/traces/{run_id}"),
        Value::Null,
    )
    .await;
    let events = trace["events"].as_array().unwrap();
    let requested: Vec<(&str, &str)> = of_kind(events, "tool_call.requested")
        .iter()
        .map(|e| {
            (
                e["data"]["client_tool"].as_str().unwrap_or_default(),
                e["data"]["tool"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        requested,
        [
            ("Bash", "system_shell"),
            ("Bash", "system_shell"),
            ("Write", "write_file"),
            ("Bash", "system_shell")
        ]
    );
    let decisions = of_kind(events, "policy.decision");
    assert_eq!(decisions[0]["data"]["decision"], "deny");
    assert_eq!(decisions[0]["data"]["rule"]["pattern"], "rm *");
    let resolved = of_kind(events, "approval.resolved");
    assert_eq!(resolved[0]["data"]["decision"], "edit");
    assert_eq!(
        resolved[0]["data"]["edited_input"]["command"],
        "touch edited.txt"
    );
    let results = of_kind(events, "tool_call.result");
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results.iter().all(|r| r["data"]["duration_ms"].is_number()));
    let response = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/traces/export?format=json&agent={agent}",
            server.base
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let export: Value = response.json().await.unwrap();
    let exported = export["events"].as_array().unwrap();
    assert!(
        exported
            .iter()
            .any(|e| e["run_id"] == run_id && e["kind"] == "tool_call.result")
    );
    assert!(
        exported
            .iter()
            .any(|e| e["kind"] == "tool_call.requested" && e["data"]["client_tool"] == "Write")
    );
}
