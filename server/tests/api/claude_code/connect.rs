//! `bosun connect claude-code`: the hooks block it prints, and merging it
//! into a project's `.claude/settings.json` without clobbering anything.

use serde_json::{Value, json};

use crate::cli::bosun;
use crate::helpers::spawn_app;

fn settings_of(dir: &std::path::Path) -> Value {
    let text =
        std::fs::read_to_string(dir.join(".claude/settings.json")).expect("settings written");
    serde_json::from_str(&text).expect("settings are JSON")
}

#[tokio::test]
async fn connect_prints_http_hooks_that_block_tool_calls_when_bosun_cannot_be_reached() {
    let app = spawn_app().await;
    let printed = bosun(
        &app,
        &[
            "connect",
            "claude-code",
            "--agent",
            "ag_1",
            "--url",
            "https://bosun.example.com/",
        ],
    );
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let hooks: Value = serde_json::from_slice(&printed.stdout).expect("the block is JSON");
    let pre = &hooks["hooks"]["PreToolUse"][0]["hooks"][0];
    assert_eq!(
        pre["url"],
        "https://bosun.example.com/api/v1/hooks/claude-code/ag_1?wait=590"
    );
    assert_eq!(pre["timeout"], 600);
    assert_eq!(pre["onFailure"], "block");
    assert_eq!(pre["headers"]["Authorization"], "Bearer $BOSUN_TOKEN");
    assert_eq!(pre["allowedEnvVars"], json!(["BOSUN_TOKEN"]));
    for event in [
        "PostToolUse",
        "PostToolUseFailure",
        "SessionStart",
        "SessionEnd",
        "UserPromptSubmit",
    ] {
        assert_eq!(
            hooks["hooks"][event][0]["hooks"][0]["url"],
            "https://bosun.example.com/api/v1/hooks/claude-code/ag_1",
            "{event}"
        );
    }
    // No token is ever written into the settings.
    assert!(!String::from_utf8_lossy(&printed.stdout).contains("bsn_"));
}

#[tokio::test]
async fn connect_refuses_a_url_with_credentials_or_an_agent_id_that_would_change_the_path() {
    let app = spawn_app().await;
    for (args, field) in [
        (
            vec![
                "--agent",
                "ag_1",
                "--url",
                "https://user:pw@bosun.example.com",
            ],
            "--url",
        ),
        (
            vec!["--agent", "ag_1", "--url", "ftp://bosun.example.com"],
            "--url",
        ),
        (
            vec!["--agent", "../../me", "--url", "https://bosun.example.com"],
            "--agent",
        ),
        (
            vec!["--agent", "", "--url", "https://bosun.example.com"],
            "--agent",
        ),
    ] {
        let mut all = vec!["connect", "claude-code"];
        all.extend(args.iter().copied());
        let output = bosun(&app, &all);
        assert!(!output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(field),
            "{args:?}"
        );
    }
}

#[tokio::test]
async fn connect_write_merges_into_the_projects_settings_keeping_the_rest_and_twice_adds_nothing() {
    let app = spawn_app().await;
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join(".claude")).unwrap();
    let existing = json!({
        "model": "sonnet",
        "permissions": {"deny": ["Read(./.env)"]},
        "hooks": {
            "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./audit.sh"}]}],
            "Stop": [{"hooks": [{"type": "command", "command": "./notify.sh"}]}]
        }
    });
    std::fs::write(
        project.path().join(".claude/settings.json"),
        existing.to_string(),
    )
    .unwrap();
    let dir = project.path().to_str().unwrap();
    let args = [
        "connect",
        "claude-code",
        "--agent",
        "ag_1",
        "--url",
        "http://127.0.0.1:9",
        "--write",
        dir,
    ];

    let first = bosun(&app, &args);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let once = settings_of(project.path());
    assert_eq!(once["model"], "sonnet");
    assert_eq!(once["permissions"], existing["permissions"]);
    assert_eq!(once["hooks"]["Stop"], existing["hooks"]["Stop"]);
    let pre = once["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(pre.len(), 2, "{pre:?}");
    assert_eq!(pre[0], existing["hooks"]["PreToolUse"][0]);
    assert_eq!(
        pre[1]["hooks"][0]["url"],
        "http://127.0.0.1:9/api/v1/hooks/claude-code/ag_1?wait=590"
    );

    let second = bosun(&app, &args);
    assert!(second.status.success());
    assert_eq!(settings_of(project.path()), once);

    // A settings file that is not JSON is left alone.
    std::fs::write(project.path().join(".claude/settings.json"), "{ not json").unwrap();
    let refused = bosun(&app, &args);
    assert!(!refused.status.success());
    assert_eq!(
        std::fs::read_to_string(project.path().join(".claude/settings.json")).unwrap(),
        "{ not json"
    );
}

#[tokio::test]
async fn connect_write_creates_the_settings_of_a_project_that_has_none() {
    let app = spawn_app().await;
    let project = tempfile::tempdir().unwrap();
    let dir = project.path().to_str().unwrap();
    let output = bosun(
        &app,
        &["connect", "claude-code", "--agent", "ag_1", "--write", dir],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let settings = settings_of(project.path());
    assert_eq!(
        settings["hooks"]["SessionEnd"][0]["hooks"][0]["url"],
        "http://127.0.0.1:8080/api/v1/hooks/claude-code/ag_1"
    );
}

#[tokio::test]
async fn the_agent_page_offers_the_same_hooks_as_the_command_for_this_servers_address() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let (_, agent) = crate::helpers::api_call(
        &app.address,
        &token,
        reqwest::Method::POST,
        "/api/v1/agents",
        json!({"name": "Coder"}),
    )
    .await;
    let agent = agent["id"].as_str().unwrap().to_owned();
    let browser = app.logged_in("admin@example.com").await;
    let response = app
        .call(
            &browser,
            "agents/claude-code",
            &[("agent_id", agent.as_str())],
        )
        .await;
    assert_eq!(response.status(), 200);
    let setup: Value = response.json().await.unwrap();
    let shown: Value = serde_json::from_str(setup["settings"].as_str().unwrap()).unwrap();

    let printed = bosun(
        &app,
        &[
            "connect",
            "claude-code",
            "--agent",
            &agent,
            "--url",
            &app.address,
        ],
    );
    assert!(printed.status.success());
    let printed: Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(shown, printed);
    assert!(
        setup["command"]
            .as_str()
            .unwrap()
            .ends_with(&format!("--agent {agent} --url {} --write .", app.address))
    );
    let mapping = setup["mapping"].as_array().unwrap();
    assert!(mapping.contains(&json!(["Bash", "system_shell", "/command", false])));
    assert!(
        setup["internal"]
            .as_array()
            .unwrap()
            .contains(&json!("TodoWrite"))
    );
}
