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

use super::model::{ScriptedModel, Step};
use crate::cli::bosun;
use crate::helpers::{TestApp, spawn_app};

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
    pub fn connect(&self, app: &TestApp, agent: &str, url: &str) {
        let dir = self.path().to_str().unwrap();
        let output = bosun(
            app,
            &[
                "connect",
                "claude-code",
                "--agent",
                agent,
                "--url",
                url,
                "--write",
                dir,
            ],
        );
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
    let app = spawn_app().await;
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
    guarded.connect(&app, "some_agent", &closed);
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
