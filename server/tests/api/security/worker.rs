//! The reference worker keeps file tools inside its working directory,
//! even when a symbolic link inside it points out.

use std::os::unix::fs::symlink;

use bosun_server::worker::{self, WorkerConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{api_call as call, spawn_app};

#[tokio::test]
async fn file_tools_do_not_follow_symlinks_out_of_the_working_directory() {
    let app = spawn_app().await;
    let admin = app.token_for("admin@example.com").await;
    let base = app.address.clone();
    let (status, agent) = call(
        &base,
        &admin,
        Method::POST,
        "/api/v1/agents",
        json!({
            "name": "Filer",
            "tools": ["read_file", "write_file", "delete_file", "list_directory"],
            "execution_mode": "open",
        }),
    )
    .await;
    assert_eq!(status, 201, "{agent}");
    let agent = agent["id"].as_str().unwrap();
    let (status, key) = call(
        &base,
        &admin,
        Method::POST,
        &format!("/api/v1/agents/{agent}/keys"),
        json!({"name": "worker"}),
    )
    .await;
    assert_eq!(status, 201, "{key}");

    // Outside: a secret and a file someone would like overwritten.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "the outside secret").unwrap();
    std::fs::write(outside.path().join("precious.txt"), "untouched").unwrap();
    // Inside: links that lead out, next to an ordinary file and an inner link.
    let workdir = tempfile::tempdir().unwrap();
    let inside = workdir.path();
    symlink(outside.path(), inside.join("escape")).unwrap();
    symlink(
        outside.path().join("secret.txt"),
        inside.join("secret-link"),
    )
    .unwrap();
    symlink(
        outside.path().join("precious.txt"),
        inside.join("precious-link"),
    )
    .unwrap();
    symlink(outside.path().join("new.txt"), inside.join("dangling-link")).unwrap();
    std::fs::write(inside.join("notes.txt"), "inside notes").unwrap();
    symlink(inside.join("notes.txt"), inside.join("notes-link")).unwrap();

    let steps = json!([
        {"tool": "read_file", "input": "escape/secret.txt"},
        {"tool": "read_file", "input": "secret-link"},
        {"tool": "list_directory", "input": "escape"},
        {"tool": "write_file", "input": "precious-link", "content": "overwritten"},
        {"tool": "write_file", "input": "escape/precious.txt", "content": "overwritten"},
        {"tool": "write_file", "input": "dangling-link", "content": "planted"},
        {"tool": "write_file", "input": "escape/new.txt", "content": "planted"},
        {"tool": "read_file", "input": "notes-link"},
        {"tool": "write_file", "input": "fresh.txt", "content": "made inside"},
        {"tool": "delete_file", "input": "secret-link"},
    ]);
    let (status, run) = call(
        &base,
        &admin,
        Method::POST,
        &format!("/api/v1/agents/{agent}/runs"),
        json!({"input": {"steps": steps}}),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    let run = run["id"].as_str().unwrap();

    worker::run(WorkerConfig {
        url: base.clone(),
        key: key["key"].as_str().unwrap().to_owned(),
        workdir: inside.to_path_buf(),
        once: true,
    })
    .await
    .expect("the worker carries out the run");

    let (status, trace) = call(
        &base,
        &admin,
        Method::GET,
        &format!("/api/v1/traces/{run}"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{trace}");
    let results: Vec<&Value> = trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["kind"] == "tool_call.result")
        .map(|event| &event["data"])
        .collect();
    assert_eq!(results.len(), 10, "{results:#?}");
    for (step, result) in results.iter().take(7).enumerate() {
        let error = result["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("outside the working directory") || error.contains("opening"),
            "step {step} was not refused: {result}"
        );
    }
    assert!(!trace.to_string().contains("the outside secret"));
    assert_eq!(
        std::fs::read_to_string(outside.path().join("precious.txt")).unwrap(),
        "untouched"
    );
    assert!(!outside.path().join("new.txt").exists());
    // Links that stay inside, and plain files, work as before; deleting a
    // link removes the link, not what it pointed to.
    assert_eq!(results[7]["output"]["content"], "inside notes");
    assert_eq!(
        std::fs::read_to_string(inside.join("fresh.txt")).unwrap(),
        "made inside"
    );
    assert!(results[9]["error"].is_null(), "{}", results[9]);
    assert!(!inside.join("secret-link").exists());
    assert!(outside.path().join("secret.txt").exists());
}
