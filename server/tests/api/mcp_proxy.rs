//! `bosun mcp proxy` between real MCP implementations: the official Python
//! SDK's client starts the proxy, which relays a server written with the
//! same SDK (`server/tests/mcp/files_server.py`, whose tools write and
//! read files for real). The SDK comes from `BOSUN_TEST_MCP_PYTHON`, set
//! by `scripts/test` (pinned in `server/tests/mcp/requirements.txt`).

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{api_call as call, spawn_app};
use crate::runtime::{Setup, setup};

fn python() -> String {
    std::env::var("BOSUN_TEST_MCP_PYTHON").expect(
        "BOSUN_TEST_MCP_PYTHON names a Python with the MCP SDK: run the tests with scripts/test, \
         or install server/tests/mcp/requirements.txt into a virtualenv and point it there",
    )
}

fn script(name: &str) -> String {
    format!("{}/tests/mcp/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The Python client, running the proxy for `agent` in front of the files
/// server, with the given token and Bosun URL.
struct Client {
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
}

impl Client {
    fn start(url: &str, token: &str, agent: &str, extra: &[&str]) -> Self {
        let mut command = Command::new(python());
        command
            .arg(script("client.py"))
            .arg(env!("CARGO_BIN_EXE_bosun"))
            .args(["mcp", "proxy", "--agent", agent, "--url", url])
            .args(extra)
            .args(["--", &python(), &script("files_server.py")])
            .env("BOSUN_TOKEN", token)
            .env("BOSUN_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        let mut client = Self {
            child,
            input: Some(input),
            output,
        };
        let first = client.read();
        assert_eq!(first["initialized"], true, "{first}");
        client
    }

    fn read(&mut self) -> Value {
        let mut line = String::new();
        self.output.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("the client said {line:?}"))
    }

    fn send(&mut self, step: Value) {
        let input = self.input.as_mut().unwrap();
        writeln!(input, "{step}").unwrap();
        input.flush().unwrap();
    }

    fn step(&mut self, step: Value) -> Value {
        self.send(step);
        self.read()
    }

    fn tools(&mut self) -> Vec<String> {
        let listed = self.step(json!({"op": "list"}));
        serde_json::from_value(listed["tools"].clone())
            .unwrap_or_else(|_| panic!("no tools: {listed}"))
    }

    fn call(&mut self, tool: &str, arguments: Value) -> Value {
        self.step(json!({"op": "call", "tool": tool, "arguments": arguments}))
    }

    /// Closes the client's side and waits for it (and so the proxy) to end.
    fn close(mut self) {
        self.input = None;
        let _ = self.child.wait();
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

async fn add_rule(s: &Setup, rule: Value) {
    let (status, body) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/rules", s.agent),
        rule,
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

/// An agent token of the admin's for the setup's agent.
async fn agent_token(s: &Setup) -> String {
    let (status, made) = call(
        s.base(),
        &s.admin,
        Method::POST,
        "/api/v1/me/tokens",
        json!({"agent_id": s.agent}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    made["token"].as_str().unwrap().to_owned()
}

fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> tokio::task::JoinHandle<T> {
    tokio::task::spawn_blocking(work)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_lists_only_allowed_tools_and_runs_only_what_the_rules_and_reviewers_allow() {
    let s = setup(spawn_app().await).await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap().to_owned();
    let token = agent_token(&s).await;

    // First session: the server's tools are discovered for the agent
    // (the token's holder may edit it), and all of them are shown.
    let (url, agent) = (s.app.address.clone(), s.agent.clone());
    let (t, u, a) = (token.clone(), url.clone(), agent.clone());
    let tools = blocking(move || {
        let mut client = Client::start(&u, &t, &a, &["--name", "files"]);
        let tools = client.tools();
        client.close();
        tools
    })
    .await
    .unwrap();
    assert_eq!(
        tools,
        ["read_file", "write_file", "has_variable", "crash", "hang"]
    );

    add_rule(&s, json!({"tool": "mcp__files__crash", "action": "deny"})).await;
    add_rule(
        &s,
        json!({"tool": "mcp__files__write_file", "action": "deny",
                        "pattern": format!("{root}/protected/*"), "note": "protected files"}),
    )
    .await;
    add_rule(
        &s,
        json!({"tool": "mcp__files__write_file", "action": "ask",
                        "pattern": format!("{root}/review/*")}),
    )
    .await;
    add_rule(
        &s,
        json!({"tool": "mcp__files__write_file", "action": "allow",
                        "pattern": format!("{root}/*")}),
    )
    .await;
    add_rule(
        &s,
        json!({"tool": "mcp__files__has_variable", "action": "allow"}),
    )
    .await;
    std::fs::create_dir_all(dir.path().join("protected")).unwrap();
    std::fs::create_dir_all(dir.path().join("review")).unwrap();
    std::fs::write(dir.path().join("protected/keep.txt"), "original").unwrap();

    let (t, u, a, r) = (token.clone(), url.clone(), agent.clone(), root.clone());
    let session = blocking(move || {
        let mut client = Client::start(&u, &t, &a, &["--name", "files"]);
        let tools = client.tools();
        let denied = client.call(
            "write_file",
            json!({"path": format!("{r}/protected/keep.txt"), "content": "pwned"}),
        );
        let allowed = client.call(
            "write_file",
            json!({"path": format!("{r}/notes.txt"), "content": "hello"}),
        );
        let variable = client.call("has_variable", json!({"name": "BOSUN_TOKEN"}));
        (client, tools, denied, allowed, variable)
    })
    .await
    .unwrap();
    let (mut client, tools, denied, allowed, variable) = session;
    // A tool denied outright is not listed at all.
    assert!(!tools.contains(&"crash".to_owned()), "{tools:?}");
    assert!(tools.contains(&"write_file".to_owned()), "{tools:?}");
    // A pattern-denied call is a tool error naming the rule; the file is
    // as it was.
    assert_eq!(denied["is_error"], true, "{denied}");
    let text = denied["text"].as_str().unwrap();
    assert!(
        text.contains("rule #4 of the agent's rules")
            && text.contains("protected/*")
            && text.contains("protected files"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("protected/keep.txt")).unwrap(),
        "original"
    );
    // An allowed call really ran.
    assert_eq!(allowed["is_error"], false, "{allowed}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "hello"
    );
    // The server never saw the token.
    assert_eq!(variable["text"], "no", "{variable}");

    // An ask: the call waits while a reviewer edits it over REST; the
    // edited call is what runs.
    let asked_path = format!("{root}/review/plan.txt");
    let edited_path = format!("{root}/review/plan.txt");
    client.send(json!({"op": "call", "tool": "write_file",
                       "arguments": {"path": asked_path, "content": "rm -rf everything"}}));
    // A reviewer who is not the run's starter decides (self-approval is off).
    s.app
        .create_user("rita@example.com", bosun_service::identity::Role::Admin)
        .await;
    let rita = s.app.token_for("rita@example.com").await;
    let mut approval = Value::Null;
    for _ in 0..300 {
        let (_, pending) = call(
            s.base(),
            &rita,
            Method::GET,
            "/api/v1/approvals?status=pending",
            Value::Null,
        )
        .await;
        if let Some(first) = pending["items"].as_array().and_then(|items| items.first()) {
            approval = first.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        approval["tool"], "mcp__files__write_file",
        "no request reached the inbox"
    );
    let (status, decided) = call(s.base(), &rita, Method::POST,
        &format!("/api/v1/approvals/{}/decision", approval["id"].as_str().unwrap()),
        json!({"decision": "edit", "input": {"path": edited_path, "content": "tidy up"}, "message": "gentler"})).await;
    assert_eq!(status, 200, "{decided}");
    let (client, approved) = blocking(move || {
        let answer = client.read();
        (client, answer)
    })
    .await
    .unwrap();
    assert_eq!(approved["is_error"], false, "{approved}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("review/plan.txt")).unwrap(),
        "tidy up"
    );
    assert!(
        !approved["progress"].as_array().unwrap().is_empty(),
        "no progress while waiting: {approved}"
    );
    client.close();

    // The trace holds every call of the session, with its result, and the
    // run ended when the client left.
    let mut trace = Value::Null;
    for _ in 0..100 {
        let (_, runs) = call(
            s.base(),
            &s.admin,
            Method::GET,
            &format!("/api/v1/agents/{}/runs", s.agent),
            Value::Null,
        )
        .await;
        let ended = runs["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|run| {
                run["external_id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("mcp-proxy:"))
            })
            .filter(|run| run["status"] == "succeeded")
            .map(|run| run["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>();
        for run in ended {
            let candidate = call(
                s.base(),
                &s.admin,
                Method::GET,
                &format!("/api/v1/traces/{run}"),
                Value::Null,
            )
            .await
            .1;
            if candidate["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "tool_call.result")
            {
                trace = candidate;
            }
        }
        if !trace.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !trace.is_null(),
        "the session's run did not end when the client left"
    );
    let events = trace["events"].as_array().unwrap();
    let decisions: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "policy.decision")
        .map(|e| e["data"]["decision"].as_str().unwrap())
        .collect();
    assert_eq!(decisions, ["deny", "allow", "allow", "ask"], "{trace}");
    let results = events
        .iter()
        .filter(|e| e["kind"] == "tool_call.result")
        .count();
    assert_eq!(results, 3, "{trace}");
    assert!(!trace.to_string().contains(&token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_only_holders_proxy_discovers_tools_into_the_catalog_and_shows_none_of_them() {
    let s = setup(spawn_app().await).await;
    let member = crate::run_control::member(&s, "runner@example.com", "run").await;
    let (url, agent) = (s.app.address.clone(), s.agent.clone());
    let (tools, call_answer) = blocking(move || {
        let mut client = Client::start(&url, &member, &agent, &[]);
        let tools = client.tools();
        let answer = client.call("has_variable", json!({"name": "HOME"}));
        client.close();
        (tools, answer)
    })
    .await
    .unwrap();
    assert!(tools.is_empty(), "{tools:?}");
    // Calling a tool one was not shown is denied all the same.
    assert_eq!(call_answer["is_error"], true, "{call_answer}");
    // The server is known by its own name, and its tools are in the
    // catalog as discovered.
    let (_, catalog) = call(
        s.base(),
        &s.admin,
        Method::GET,
        "/api/v1/tools",
        Value::Null,
    )
    .await;
    assert!(
        catalog
            .to_string()
            .contains("mcp__files_server__write_file"),
        "{catalog}"
    );
    let (_, servers) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/agents/{}/mcp-servers", s.agent),
        Value::Null,
    )
    .await;
    assert_eq!(servers["items"][0]["name"], "files_server", "{servers}");
    assert_eq!(
        servers["items"][0]["tools"][0]["status"], "discovered",
        "{servers}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_or_silent_server_and_an_unreachable_bosun_are_said_never_waited_for() {
    let s = setup(spawn_app().await).await;
    let token = agent_token(&s).await;
    let dir = tempfile::tempdir().unwrap();
    let untouched = dir.path().join("untouched.txt");
    let (url, agent) = (s.app.address.clone(), s.agent.clone());
    let path = untouched.to_str().unwrap().to_owned();
    let (t, u, a) = (token.clone(), url.clone(), agent.clone());
    blocking(move || Client::start(&u, &t, &a, &["--name", "files"]).tools())
        .await
        .unwrap();
    for tool in ["hang", "crash", "has_variable"] {
        add_rule(
            &s,
            json!({"tool": format!("mcp__files__{tool}"), "action": "allow"}),
        )
        .await;
    }
    let (t, u, a) = (token.clone(), url.clone(), agent.clone());
    let (silent, crashed, after) = blocking(move || {
        let mut client = Client::start(&u, &t, &a, &["--name", "files", "--timeout", "8"]);
        client.tools();
        let started = std::time::Instant::now();
        let silent = client.call("hang", json!({"seconds": 12}));
        assert!(started.elapsed() < Duration::from_secs(20), "{silent}");
        let crashed = client.call("crash", json!({}));
        let after = client.call("has_variable", json!({"name": "HOME"}));
        client.close();
        (silent, crashed, after)
    })
    .await
    .unwrap();
    let said = |answer: &Value| answer["mcp_error"].as_str().unwrap_or_default().to_owned();
    assert!(
        said(&silent).contains("did not answer tools/call hang within 8 seconds"),
        "{silent}"
    );
    assert!(said(&silent).contains("files_server.py"), "{silent}");
    assert!(said(&crashed).contains("files_server.py"), "{crashed}");
    assert!(said(&after).contains("files_server.py"), "{after}");

    // Bosun cannot be reached: nothing runs, and the client is told why.
    let dead = "http://127.0.0.1:9";
    let answer = blocking(move || {
        let mut client = Client::start(dead, &token, &agent, &["--name", "files"]);
        let listed = client.step(json!({"op": "list"}));
        let answer = client.call("write_file", json!({"path": path, "content": "x"}));
        client.close();
        (listed, answer)
    })
    .await
    .unwrap();
    let (listed, refused) = answer;
    assert!(
        listed["mcp_error"]
            .as_str()
            .unwrap()
            .contains("cannot be reached"),
        "{listed}"
    );
    assert_eq!(refused["is_error"], true, "{refused}");
    assert!(
        refused["text"]
            .as_str()
            .unwrap()
            .contains("cannot be reached"),
        "{refused}"
    );
    assert!(!Path::new(&untouched).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_message_from_the_client_is_an_error_and_the_proxy_carries_on() {
    let s = setup(spawn_app().await).await;
    let token = agent_token(&s).await;
    let (url, agent) = (s.app.address.clone(), s.agent.clone());
    let answers = blocking(move || {
        let mut proxy = Command::new(env!("CARGO_BIN_EXE_bosun"))
            .args([
                "mcp", "proxy", "--agent", &agent, "--url", &url, "--name", "files", "--",
            ])
            .args([&python(), &script("files_server.py")])
            .env("BOSUN_TOKEN", &token)
            .env("BOSUN_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = proxy.stdin.take().unwrap();
        let mut output = BufReader::new(proxy.stdout.take().unwrap());
        let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"}}});
        for line in [
            "this is not JSON".to_owned(),
            json!({"jsonrpc": "2.0", "id": 7, "method": 42}).to_string(),
            initialize.to_string(),
        ] {
            writeln!(input, "{line}").unwrap();
        }
        input.flush().unwrap();
        let mut answers = Vec::new();
        while answers.iter().all(|a: &Value| a["id"] != 1) {
            let mut line = String::new();
            if output.read_line(&mut line).unwrap() == 0 {
                break;
            }
            answers.push(serde_json::from_str(&line).unwrap_or(json!({"unparsed": line})));
        }
        drop(input);
        let _ = proxy.wait();
        answers
    })
    .await
    .unwrap();
    let initialized = answers.iter().find(|a| a["id"] == 1);
    assert!(
        initialized.is_some_and(|a| a["result"]["serverInfo"]["name"] == "files-server"),
        "{answers:?}"
    );
}
