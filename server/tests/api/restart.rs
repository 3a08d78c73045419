//! A server killed with SIGKILL while agents wait: after a restart every
//! waiting agent learns its decision; none is lost, none is doubled.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Client, Method};
use serde_json::{Value, json};

use crate::helpers::PASSWORD;

pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn bosun(data_dir: &std::path::Path, database_url: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bosun"));
    command
        .env("BOSUN_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env("BOSUN_LOG", "warn");
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    command
}

async fn serve(data_dir: &std::path::Path, database_url: Option<&str>, port: u16) -> Server {
    serve_with(data_dir, database_url, port, |_| {}).await
}

/// [`serve`] with the process's environment changed first.
pub(crate) async fn serve_with(
    data_dir: &std::path::Path,
    database_url: Option<&str>,
    port: u16,
    configure: impl FnOnce(&mut Command),
) -> Server {
    let mut command = bosun(data_dir, database_url);
    configure(&mut command);
    let mut child = command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("BOSUN_ADMIN_EMAIL", "admin@example.com")
        .env("BOSUN_ADMIN_PASSWORD", PASSWORD)
        .stdout(Stdio::null())
        .spawn()
        .expect("bosun serve starts");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{base}/readyz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Server { child, base };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not become ready");
}

pub(crate) fn cli(data_dir: &std::path::Path, database_url: Option<&str>, args: &[&str]) -> String {
    let output = bosun(data_dir, database_url).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

async fn call(
    base: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
) -> Result<Value, reqwest::Error> {
    let mut request = Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if !body.is_null() {
        request = request.json(&body);
    }
    request.send().await?.json().await
}

#[tokio::test]
async fn waiting_agents_learn_their_decisions_across_a_sigkill() {
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = crate::helpers::fresh_database_url(data_dir.path()).await;
    let db = database_url.as_deref();
    let port = free_port();
    let mut server = serve(data_dir.path(), db, port).await;
    let base = server.base.clone();
    let admin = cli(
        data_dir.path(),
        db,
        &["admin", "create-token", "--email", "admin@example.com"],
    );
    cli(
        data_dir.path(),
        db,
        &[
            "admin",
            "create-user",
            "--email",
            "rev@example.com",
            "--password",
            PASSWORD,
            "--admin",
        ],
    );
    let reviewer = cli(
        data_dir.path(),
        db,
        &["admin", "create-token", "--email", "rev@example.com"],
    );

    let agent = call(
        &base,
        &admin,
        Method::POST,
        "/api/v1/agents",
        json!({"name": "Waiter", "tools": ["delete_file"]}),
    )
    .await
    .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = call(
        &base,
        &admin,
        Method::POST,
        &format!("/api/v1/agents/{agent}/keys"),
        json!({"name": "k"}),
    )
    .await
    .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = call(
        &base,
        &admin,
        Method::POST,
        &format!("/api/v1/agents/{agent}/runs"),
        json!({"input": {}}),
    )
    .await
    .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        &base,
        &key,
        Method::GET,
        "/api/v1/runtime/runs/next?wait=2",
        Value::Null,
    )
    .await
    .unwrap();

    const WAITING: usize = 20;
    let mut calls = Vec::new();
    for i in 0..WAITING {
        let asked = call(
            &base,
            &key,
            Method::POST,
            &format!("/api/v1/runtime/runs/{run}/tool-calls"),
            json!({"tool": "delete_file", "input": format!("/work/{i}")}),
        )
        .await
        .unwrap();
        assert_eq!(asked["decision"], "pending");
        calls.push(asked["id"].as_str().unwrap().to_owned());
    }
    // Each agent long-polls, and after a lost connection asks again.
    let mut waiters = Vec::new();
    for id in calls.clone() {
        let (base, key) = (base.clone(), key.clone());
        waiters.push(tokio::spawn(async move {
            loop {
                match call(
                    &base,
                    &key,
                    Method::GET,
                    &format!("/api/v1/runtime/tool-calls/{id}?wait=5"),
                    Value::Null,
                )
                .await
                {
                    Ok(state) if state["decision"] != "pending" => return state,
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();

    let mut server = serve(data_dir.path(), db, port).await;
    let pending = call(
        &base,
        &reviewer,
        Method::GET,
        "/api/v1/approvals?status=pending",
        Value::Null,
    )
    .await
    .unwrap();
    let approvals: Vec<String> = pending["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        approvals.len(),
        WAITING,
        "every pending request survived the kill"
    );
    for (i, approval) in approvals.iter().enumerate() {
        let decision = if i % 2 == 0 { "allow_once" } else { "deny" };
        let decided = call(
            &base,
            &reviewer,
            Method::POST,
            &format!("/api/v1/approvals/{approval}/decision"),
            json!({"decision": decision}),
        )
        .await
        .unwrap();
        assert!(decided["status"].is_string(), "{decided}");
    }
    let mut outcomes = Vec::new();
    for waiter in waiters {
        let state = tokio::time::timeout(Duration::from_secs(30), waiter)
            .await
            .expect("every agent learns")
            .unwrap();
        outcomes.push(state["decision"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        outcomes.iter().filter(|o| *o == "allow").count(),
        WAITING / 2
    );
    assert_eq!(
        outcomes.iter().filter(|o| *o == "deny").count(),
        WAITING / 2
    );
    let resolved = call(
        &base,
        &reviewer,
        Method::GET,
        "/api/v1/approvals?status=approved",
        Value::Null,
    )
    .await
    .unwrap();
    assert_eq!(
        resolved["items"].as_array().unwrap().len(),
        WAITING / 2,
        "none doubled"
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}
