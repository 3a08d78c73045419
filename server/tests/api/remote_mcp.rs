//! The remote MCP gateway: admins register upstream MCP servers (with a
//! header secret Bosun keeps to itself), editors attach them to agents, and
//! MCP clients reach them at `/mcp/{agent}/{server}`. The client is the
//! official Python SDK's (`mcp`, pinned in `server/tests/mcp/requirements.txt`,
//! named by `BOSUN_TEST_MCP_PYTHON`), the upstream a server written with
//! the same SDK that takes only its own bearer secret and logs every
//! request it gets (`server/tests/remote_mcp/`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use bosun_service::identity::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

use crate::helpers::{TestApp, api_call as call, occurrences_in_store, spawn_app, spawn_app_with};

/// The upstream's secret: it must reach the upstream and nothing else.
const SECRET: &str = "upstream-secret-7f3a9c2e51d84b60";

/// The Python with the pinned `mcp` SDK. Missing, the test fails: CI must
/// run it.
fn python() -> PathBuf {
    PathBuf::from(std::env::var("BOSUN_TEST_MCP_PYTHON").expect(
        "BOSUN_TEST_MCP_PYTHON names a Python with the pinned mcp SDK: run the tests with scripts/test",
    ))
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/remote_mcp")
        .join(name)
}

/// The test's upstream MCP server, stopped when dropped.
struct Upstream {
    url: String,
    log: tempfile::NamedTempFile,
    _process: tokio::process::Child,
}

impl Upstream {
    async fn start() -> Self {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut process = tokio::process::Command::new(python())
            .arg(script("upstream.py"))
            .arg("--log")
            .arg(log.path())
            .env("UPSTREAM_SECRET", SECRET)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the upstream MCP server starts");
        let stdout = process.stdout.take().unwrap();
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let port = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the upstream says its port in time")
            .unwrap()
            .expect("the upstream says its port");
        Self {
            url: format!("http://127.0.0.1:{}/mcp", port.trim()),
            log,
            _process: process,
        }
    }

    /// Every request the upstream received.
    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(self.log.path())
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// The `tools/call`s that reached it: tool name and arguments.
    fn calls(&self) -> Vec<(String, Value)> {
        self.requests()
            .into_iter()
            .filter(|r| r["body"]["method"] == "tools/call")
            .map(|r| {
                (
                    r["body"]["params"]["name"].as_str().unwrap().to_owned(),
                    r["body"]["params"]["arguments"].clone(),
                )
            })
            .collect()
    }
}

/// Runs the Python client: `list`, or `call TOOL ARGUMENTS`.
fn client(
    app: &TestApp,
    token: &str,
    path: &str,
    args: &[&str],
    headers: &[(&str, &str)],
) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(python());
    command
        .arg(script("client.py"))
        .arg(app.url(path))
        .args(args)
        .env("BOSUN_TOKEN", token)
        .kill_on_drop(true);
    for (name, value) in headers {
        command.arg("--header").arg(format!("{name}={value}"));
    }
    command
}

async fn run_client(
    app: &TestApp,
    token: &str,
    path: &str,
    args: &[&str],
    headers: &[(&str, &str)],
) -> Value {
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        client(app, token, path, args, headers).output(),
    )
    .await
    .expect("the MCP client finishes in time")
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!(
            "client said {stdout}; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn names(listed: &Value) -> Vec<String> {
    listed["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("no tools: {listed}"))
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect()
}

/// An app with an admin's agent (open mode), the server `docs` at `url`
/// registered with the header secret and attached to it.
struct World {
    app: TestApp,
    admin: String,
    agent: String,
}

impl World {
    async fn new(app: TestApp, url: &str) -> Self {
        let admin = app.token_for("admin@example.com").await;
        let (status, agent) = call(
            &app.address,
            &admin,
            Method::POST,
            "/api/v1/agents",
            json!({"name": "Librarian", "execution_mode": "open"}),
        )
        .await;
        assert_eq!(status, 201, "{agent}");
        let agent = agent["id"].as_str().unwrap().to_owned();
        let world = Self { app, admin, agent };
        let (status, body) = world
            .admin_call(
                Method::POST,
                "/api/v1/mcp-servers",
                json!({"name": "docs", "url": url, "timeout_seconds": 3,
                       "auth": {"kind": "header", "header": "Authorization", "value": format!("Bearer {SECRET}")}}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = world
            .admin_call(
                Method::PUT,
                &format!("/api/v1/agents/{}/remote-mcp-servers/docs", world.agent),
                Value::Null,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        world
    }

    async fn admin_call(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        call(&self.app.address, &self.admin, method, path, body).await
    }

    fn path(&self) -> String {
        format!("/mcp/{}/docs", self.agent)
    }

    /// A member with `level` on the agent, and their token.
    async fn member(&self, email: &str, level: &str) -> String {
        let id = self.app.create_user(email, Role::Member).await;
        let (status, body) = self
            .admin_call(
                Method::POST,
                &format!("/api/v1/agents/{}/grants", self.agent),
                json!({"user_id": id.as_str(), "level": level}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        self.app.token_for(email).await
    }

    async fn rule(&self, tool: &str, action: &str, pattern: Option<&str>) {
        let (status, body) = self
            .admin_call(
                Method::POST,
                &format!("/api/v1/agents/{}/rules", self.agent),
                json!({"tool": tool, "action": action, "pattern": pattern}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
}

#[tokio::test]
async fn a_client_sees_and_calls_only_what_the_rules_allow_and_never_holds_the_upstream_secret() {
    let upstream = Upstream::start().await;
    let world = World::new(spawn_app().await, &upstream.url).await;
    let path = world.path();

    // The admin's first listing brings the server's tools into the catalog
    // and, since the admin may edit the agent, into its tools.
    let listed = run_client(&world.app, &world.admin, &path, &["list"], &[]).await;
    assert_eq!(
        names(&listed),
        [
            "read_note",
            "write_note",
            "delete_everything",
            "whoami",
            "slow"
        ],
        "{listed}"
    );
    world
        .rule("mcp__docs__delete_everything", "deny", None)
        .await;
    world
        .rule("mcp__docs__write_note", "deny", Some("/etc/*"))
        .await;
    world
        .rule("mcp__docs__read_note", "ask", Some("/secret/*"))
        .await;

    // A member who may run the agent: what is denied outright is not listed.
    let dev = world.member("dev@example.com", "run").await;
    let listed = run_client(&world.app, &dev, &path, &["list"], &[]).await;
    assert_eq!(
        names(&listed),
        ["read_note", "write_note", "whoami", "slow"],
        "{listed}"
    );

    // A call a pattern denies is a tool error naming the rule, and never
    // reaches the upstream.
    let denied = run_client(
        &world.app,
        &dev,
        &path,
        &[
            "call",
            "write_note",
            r#"{"path": "/etc/passwd", "text": "x"}"#,
        ],
        &[],
    )
    .await;
    assert_eq!(denied["is_error"], true, "{denied}");
    let text = denied["text"].as_str().unwrap();
    assert!(text.contains("rule") && text.contains("/etc/*"), "{text}");
    assert!(
        upstream
            .calls()
            .iter()
            .all(|(tool, _)| tool != "write_note")
    );

    // A tool left out of the list is refused when called all the same.
    let hidden = run_client(
        &world.app,
        &dev,
        &path,
        &["call", "delete_everything", "{}"],
        &[],
    )
    .await;
    assert_eq!(hidden["is_error"], true, "{hidden}");
    assert!(
        upstream
            .calls()
            .iter()
            .all(|(tool, _)| tool != "delete_everything")
    );

    // An allowed call goes through with the upstream's secret, which the
    // client never sees even when the upstream answers it back.
    let whoami = run_client(&world.app, &dev, &path, &["call", "whoami", "{}"], &[]).await;
    assert_eq!(whoami["is_error"], false, "{whoami}");
    let text = whoami["text"].as_str().unwrap();
    assert!(!text.contains(SECRET), "the client got the secret: {text}");
    assert_eq!(
        text, "[redacted: mcp:docs] | [redacted: mcp:docs]",
        "{text}"
    );

    // An ask waits for a reviewer; approved with edited arguments over
    // REST, the upstream gets the edited call and the client its answer.
    let waiting = client(
        &world.app,
        &dev,
        &path,
        &["call", "read_note", r#"{"path": "/secret/plan.txt"}"#],
        &[],
    )
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    let approval = pending_approval(&world).await;
    assert_eq!(approval["tool"], "mcp__docs__read_note", "{approval}");
    let (status, body) = world
        .admin_call(
            Method::POST,
            &format!(
                "/api/v1/approvals/{}/decision",
                approval["id"].as_str().unwrap()
            ),
            json!({"decision": "edit", "input": {"path": "/notes/a.txt"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let output = tokio::time::timeout(Duration::from_secs(60), waiting.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let answered: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answered["is_error"], false, "{answered}");
    assert_eq!(answered["text"], "alpha", "{answered}");
    assert!(
        upstream
            .calls()
            .contains(&("read_note".into(), json!({"path": "/notes/a.txt"}))),
        "{:?}",
        upstream.calls()
    );
    assert!(
        !upstream
            .calls()
            .iter()
            .any(|(_, args)| args["path"] == "/secret/plan.txt"),
        "the unedited call reached the upstream"
    );

    // Every request upstream carried the secret and none of Bosun's tokens.
    let requests = upstream.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(
            request["headers"]["authorization"],
            format!("Bearer {SECRET}")
        );
        let text = request.to_string();
        assert!(
            !text.contains(&dev) && !text.contains(&world.admin),
            "{text}"
        );
    }

    // The trace names the credential and never holds it; nor does the
    // store, where it is sealed.
    let export = world
        .app
        .api_get("/api/v1/traces/export?format=jsonl", Some(&world.admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(!export.contains(SECRET), "the export holds the secret");
    assert!(export.contains(r#""kind":"mcp_header""#), "{export}");
    assert!(export.contains(r#""tool":"mcp__docs__whoami""#), "{export}");
    assert_eq!(occurrences_in_store(&world.app, SECRET), 0);
    // The trace page says who used it, where and how.
    let browser = world.app.logged_in("admin@example.com").await;
    let found: Value = world
        .app
        .call(&browser, "traces/search", &[("query[q]", "")])
        .await
        .json()
        .await
        .unwrap();
    let lines: Vec<&str> = found["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["kind"] == "credential.issued")
        .map(|event| event["summary"].as_str().unwrap())
        .collect();
    assert!(!lines.is_empty(), "{found}");
    for line in lines {
        assert_eq!(
            line,
            "Bosun sent secret mcp:docs in the authorization header to MCP server docs"
        );
    }
}

/// The first pending approval, as the inbox lists it.
async fn pending_approval(world: &World) -> Value {
    for _ in 0..200 {
        let (_, inbox) = world
            .admin_call(Method::GET, "/api/v1/approvals?status=pending", Value::Null)
            .await;
        if let Some(first) = inbox["items"].as_array().and_then(|items| items.first()) {
            return first.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no approval request came");
}

#[tokio::test]
async fn a_runtime_key_uses_the_gateway_for_the_run_it_claimed() {
    let upstream = Upstream::start().await;
    let world = World::new(spawn_app().await, &upstream.url).await;
    let (status, key) = world
        .admin_call(
            Method::POST,
            &format!("/api/v1/agents/{}/keys", world.agent),
            json!({"name": "worker"}),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    let key = key["key"].as_str().unwrap().to_owned();
    let (status, run) = world
        .admin_call(
            Method::POST,
            &format!("/api/v1/agents/{}/runs", world.agent),
            json!({"input": {}}),
        )
        .await;
    assert_eq!(status, 201, "{run}");
    let (status, claimed) = call(
        &world.app.address,
        &key,
        Method::GET,
        "/api/v1/runtime/runs/next?wait=5",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{claimed}");
    let run = claimed["run"]["id"].as_str().unwrap().to_owned();

    let listed = run_client(
        &world.app,
        &key,
        &world.path(),
        &["list"],
        &[("Bosun-Run", &run)],
    )
    .await;
    assert!(names(&listed).contains(&"read_note".to_owned()), "{listed}");
    let read = run_client(
        &world.app,
        &key,
        &world.path(),
        &["call", "read_note", r#"{"path": "/notes/a.txt"}"#],
        &[("Bosun-Run", &run)],
    )
    .await;
    assert_eq!(read["text"], "alpha", "{read}");
    let (_, trace) = world
        .admin_call(Method::GET, &format!("/api/v1/traces/{run}"), Value::Null)
        .await;
    assert!(
        trace.to_string().contains("mcp__docs__read_note"),
        "{trace}"
    );
}

#[tokio::test]
async fn an_upstream_that_is_down_or_too_slow_is_an_mcp_error_naming_it_in_bounded_time() {
    let upstream = Upstream::start().await;
    let world = World::new(spawn_app().await, &upstream.url).await;
    let path = world.path();
    run_client(&world.app, &world.admin, &path, &["list"], &[]).await;

    // Slower than the server's 3 seconds: an error naming it, in time.
    let started = std::time::Instant::now();
    let slow = run_client(
        &world.app,
        &world.admin,
        &path,
        &["call", "slow", r#"{"seconds": 30}"#],
        &[],
    )
    .await;
    let error = slow["error"].as_str().unwrap_or_else(|| panic!("{slow}"));
    assert!(
        error.contains("docs did not answer within 3 seconds"),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));

    // Down: nothing listens where it was.
    let closed = format!("http://127.0.0.1:{}/mcp", crate::restart::free_port());
    let (status, body) = world
        .admin_call(
            Method::PATCH,
            "/api/v1/mcp-servers/docs",
            json!({"url": closed}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let down = run_client(&world.app, &world.admin, &path, &["list"], &[]).await;
    let error = down["error"].as_str().unwrap_or_else(|| panic!("{down}"));
    assert!(error.contains("docs could not be reached"), "{error}");
}

/// One JSON-RPC request to the gateway over plain HTTP, as any client
/// would send it first.
async fn initialize(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(app.url(path))
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                      "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                 "clientInfo": {"name": "t", "version": "1"}}}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_gateway_refuses_whoever_may_not_use_the_server_before_reading_any_mcp() {
    // Nothing is contacted: the refusals come first.
    let world = World::new(spawn_app().await, "http://127.0.0.1:9/mcp").await;
    let path = world.path();

    let response = initialize(&world.app, &path, None).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let response = initialize(&world.app, &path, Some("bosun_pat_not_a_token")).await;
    assert_eq!(response.status(), 401);

    // A member the agent is not shared with is told it does not exist.
    world
        .app
        .create_user("stranger@example.com", Role::Member)
        .await;
    let stranger = world.app.token_for("stranger@example.com").await;
    let response = initialize(&world.app, &path, Some(&stranger)).await;
    assert_eq!(response.status(), 404);

    // A server not attached to the agent, or not registered, is not found.
    let runner = world.member("runner@example.com", "run").await;
    assert_eq!(
        initialize(&world.app, &path, Some(&runner)).await.status(),
        200
    );
    // What is not MCP at all is refused as such, and the gateway goes on.
    for body in [
        "{not json",
        r#"{"jsonrpc": "2.0", "id": 1, "method": 7}"#,
        "[]",
    ] {
        let response = reqwest::Client::new()
            .post(world.app.url(&path))
            .bearer_auth(&runner)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_client_error(),
            "{body}: {}",
            response.status()
        );
    }
    assert_eq!(
        initialize(&world.app, &path, Some(&runner)).await.status(),
        200
    );
    let (status, _) = world
        .admin_call(
            Method::POST,
            "/api/v1/mcp-servers",
            json!({"name": "other", "url": "http://127.0.0.1:9/mcp", "auth": {"kind": "none"}}),
        )
        .await;
    assert_eq!(status, 201);
    let other = format!("/mcp/{}/other", world.agent);
    assert_eq!(
        initialize(&world.app, &other, Some(&runner)).await.status(),
        404
    );
    let nowhere = format!("/mcp/{}/nowhere", world.agent);
    assert_eq!(
        initialize(&world.app, &nowhere, Some(&runner))
            .await
            .status(),
        404
    );

    // An agent token opens its own agent's gateway and no other's.
    let (status, second) = world
        .admin_call(Method::POST, "/api/v1/agents", json!({"name": "Second"}))
        .await;
    assert_eq!(status, 201);
    let (status, token) = call(
        &world.app.address,
        &runner,
        Method::POST,
        "/api/v1/me/tokens",
        json!({"agent_id": world.agent}),
    )
    .await;
    assert_eq!(status, 201, "{token}");
    let scoped = token["token"].as_str().unwrap();
    assert_eq!(
        initialize(&world.app, &path, Some(scoped)).await.status(),
        200
    );
    let elsewhere = format!("/mcp/{}/docs", second["id"].as_str().unwrap());
    let response = initialize(&world.app, &elsewhere, Some(scoped)).await;
    assert_eq!(response.status(), 403);
    assert_eq!(crate::helpers::error_code(response).await, "token_scope");

    // A runtime key says which of its runs the calls belong to.
    let (_, key) = world
        .admin_call(
            Method::POST,
            &format!("/api/v1/agents/{}/keys", world.agent),
            json!({"name": "worker"}),
        )
        .await;
    let response = initialize(&world.app, &path, key["key"].as_str()).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Bosun-Run:"),
        "{body}"
    );
}

#[tokio::test]
async fn admins_register_servers_whose_secret_is_never_shown_again() {
    let app = spawn_app().await;
    let admin = app.token_for("admin@example.com").await;
    let (status, created) = call(
        &app.address,
        &admin,
        Method::POST,
        "/api/v1/mcp-servers",
        json!({"name": "docs", "description": "Team docs", "url": "https://mcp.example.com/v1/mcp?team=7",
               "auth": {"kind": "header", "header": "X-Api-Key", "value": SECRET}}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["auth"],
        json!({"kind": "header", "header": "X-Api-Key"})
    );
    assert_eq!(created["timeout_seconds"], 30);
    assert_eq!(created["url"], "https://mcp.example.com/v1/mcp?team=7");
    assert!(!created.to_string().contains(SECRET));

    // A member sees that it exists, not where its path and query lead.
    app.create_user("member@example.com", Role::Member).await;
    let member = app.token_for("member@example.com").await;
    let listed = app.api_json("/api/v1/mcp-servers", &member).await;
    assert_eq!(listed["items"][0]["url"], "https://mcp.example.com/…");
    let (status, _) = call(
        &app.address,
        &member,
        Method::DELETE,
        "/api/v1/mcp-servers/docs",
        Value::Null,
    )
    .await;
    assert_eq!(status, 403);

    // Changing the secret says so, and shows it no more than before.
    let (status, changed) = call(
        &app.address,
        &admin,
        Method::PATCH,
        "/api/v1/mcp-servers/docs",
        json!({"auth": {"kind": "header", "header": "X-Api-Key", "value": "rotated-secret-123456"}}),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    let (status, _) = call(
        &app.address,
        &admin,
        Method::DELETE,
        "/api/v1/mcp-servers/docs",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);

    let export = app
        .api_get("/api/v1/traces/export?format=jsonl", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    for kind in [
        "remote_mcp_server.registered",
        "remote_mcp_server.updated",
        "remote_mcp_server.deleted",
    ] {
        assert!(export.contains(kind), "{kind} missing: {export}");
    }
    assert!(export.contains(r#""secret_changed":true"#), "{export}");
    assert!(!export.contains(SECRET) && !export.contains("rotated-secret-123456"));
    assert!(
        !export.contains("team=7"),
        "the export shows the URL's query"
    );
    assert_eq!(occurrences_in_store(&app, SECRET), 0);
}

#[tokio::test]
async fn a_bad_registration_is_refused_naming_the_field() {
    let app = spawn_app_with(|config| config.service.allow_private_urls = false).await;
    let admin = app.token_for("admin@example.com").await;
    let good =
        || json!({"name": "docs", "url": "https://mcp.example.com/mcp", "auth": {"kind": "none"}});
    let with = |field: &str, value: Value| {
        let mut body = good();
        body[field] = value;
        body
    };
    let cases = [
        (with("name", json!("Docs")), "name"),
        (with("name", json!("a__b")), "name"),
        (with("url", json!("http://127.0.0.1:8080/mcp")), "url"),
        (with("url", json!("http://169.254.169.254/latest")), "url"),
        (with("url", json!("ftp://mcp.example.com/")), "url"),
        (
            with("url", json!("https://user:pw@mcp.example.com/")),
            "url",
        ),
        (with("auth", json!({"kind": "basic"})), "auth.kind"),
        (
            with(
                "auth",
                json!({"kind": "header", "header": "Mcp-Session-Id", "value": "v"}),
            ),
            "auth.header",
        ),
        (
            with(
                "auth",
                json!({"kind": "header", "header": "X Key", "value": "v"}),
            ),
            "auth.header",
        ),
        (
            with(
                "auth",
                json!({"kind": "header", "header": "X-Key", "value": "a\r\nX-Evil: 1"}),
            ),
            "auth.value",
        ),
        (
            with("auth", json!({"kind": "header", "header": "X-Key"})),
            "auth.value",
        ),
        (
            with("auth", json!({"kind": "oauth", "provider": "nowhere"})),
            "auth.provider",
        ),
        (
            with("auth", json!({"kind": "none", "value": "v"})),
            "auth.header",
        ),
        (with("timeout_seconds", json!(0)), "timeout_seconds"),
        (with("timeout_seconds", json!(601)), "timeout_seconds"),
    ];
    for (body, field) in cases {
        let (status, answer) = call(
            &app.address,
            &admin,
            Method::POST,
            "/api/v1/mcp-servers",
            body.clone(),
        )
        .await;
        assert_eq!(status, 400, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{field}:")),
            "{body}: {message}"
        );
    }
    let (status, _) = call(
        &app.address,
        &admin,
        Method::POST,
        "/api/v1/mcp-servers",
        good(),
    )
    .await;
    assert_eq!(status, 201);
    let (status, answer) = call(
        &app.address,
        &admin,
        Method::POST,
        "/api/v1/mcp-servers",
        good(),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"]["code"], "mcp_server_name_taken");
    let listed = app.api_json("/api/v1/mcp-servers", &admin).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn editors_attach_servers_to_an_agent_and_those_who_run_it_see_where_to_connect() {
    let world = World::new(spawn_app().await, "http://127.0.0.1:9/mcp").await;
    let runner = world.member("runner@example.com", "run").await;
    let listed = world
        .app
        .api_json(
            &format!("/api/v1/agents/{}/remote-mcp-servers", world.agent),
            &runner,
        )
        .await;
    assert_eq!(listed["items"][0]["name"], "docs");
    assert_eq!(listed["items"][0]["path"], world.path());
    assert_eq!(listed["items"][0]["auth"]["kind"], "header");

    // Only an editor attaches or detaches.
    let path = format!("/api/v1/agents/{}/remote-mcp-servers/docs", world.agent);
    let (status, _) = call(
        &world.app.address,
        &runner,
        Method::DELETE,
        &path,
        Value::Null,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = world.admin_call(Method::DELETE, &path, Value::Null).await;
    assert_eq!(status, 204);
    let response = initialize(&world.app, &world.path(), Some(&runner)).await;
    assert_eq!(
        response.status(),
        404,
        "a detached server is no longer served"
    );
    let (status, body) = world.admin_call(Method::PUT, &path, Value::Null).await;
    assert_eq!(status, 200, "{body}");
    // Attaching twice changes nothing.
    let (status, _) = world.admin_call(Method::PUT, &path, Value::Null).await;
    assert_eq!(status, 200);

    // The admin sees which agents use it.
    let server = world
        .app
        .api_json("/api/v1/mcp-servers/docs", &world.admin)
        .await;
    assert_eq!(server["agents"][0]["id"], world.agent.as_str());
}
