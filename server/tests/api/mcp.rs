//! The MCP core: an agent's servers by name, a server's `tools/list`
//! filtered and discovered into the catalog (and into the agent's tools
//! only for an editor), and `tools/call` decided on the runtime path as
//! `mcp__<server>__<tool>`, by its subject or its arguments as canonical
//! JSON.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{api_call as call, spawn_app};
use crate::run_control::member;
use crate::runtime::{Setup, setup};

/// The tools a small filesystem-like server lists.
pub(crate) fn fs_tools() -> Value {
    json!([
        {"name": "read_file", "description": "Reads a file.",
         "inputSchema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
         "annotations": {"readOnlyHint": true}},
        {"name": "write_file", "description": "Writes a file.",
         "inputSchema": {"type": "object", "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
                         "required": ["path", "content"]},
         "annotations": {"destructiveHint": true}},
        {"name": "runQuery",
         "inputSchema": {"type": "object", "properties": {"sql": {"type": "string"}}}},
    ])
}

async fn register(
    s: &Setup,
    token: &str,
    name: &str,
    origin: &str,
) -> (reqwest::StatusCode, Value) {
    call(
        s.base(),
        token,
        Method::POST,
        &format!("/api/v1/agents/{}/mcp-servers", s.agent),
        json!({"name": name, "transport": "stdio", "origin": origin}),
    )
    .await
}

async fn list_tools(s: &Setup, token: &str, server: &str, tools: Value) -> Value {
    let (status, listed) = call(
        s.base(),
        token,
        Method::POST,
        &format!("/api/v1/agents/{}/mcp-servers/{server}/tools", s.agent),
        json!({ "tools": tools }),
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    listed
}

fn shown(listed: &Value) -> Vec<&str> {
    listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["shown"] == true)
        .map(|t| t["name"].as_str().unwrap())
        .collect()
}

async fn agent_tools(s: &Setup) -> Vec<String> {
    let (_, agent) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/agents/{}", s.agent),
        Value::Null,
    )
    .await;
    serde_json::from_value(agent["tools"].clone()).unwrap()
}

async fn catalog_tool(s: &Setup, name: &str) -> Option<Value> {
    let (_, tools) = call(
        s.base(),
        &s.admin,
        Method::GET,
        "/api/v1/tools",
        Value::Null,
    )
    .await;
    tools["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .cloned()
}

#[tokio::test]
async fn an_editors_listing_adds_first_seen_tools_to_the_catalog_as_discovered_and_to_the_agent() {
    let s = setup(spawn_app().await).await;
    assert_eq!(
        register(&s, &s.admin, "fs", "npx server-filesystem /srv")
            .await
            .0,
        201
    );
    let listed = list_tools(&s, &s.admin, "fs", fs_tools()).await;
    assert_eq!(shown(&listed), ["read_file", "write_file", "runQuery"]);
    assert_eq!(listed["items"][2]["tool"], "mcp__fs__run_query");
    assert_eq!(listed["items"][0]["status"], "added");

    // The server's claims: read-only never makes a tool read-only or
    // safe; destructive raises the risk.
    let read = catalog_tool(&s, "mcp__fs__read_file").await.unwrap();
    assert_eq!(read["default_risk"], "caution");
    assert_eq!(read["read_only"], false);
    assert_eq!(read["argument_kind"], "path");
    assert_eq!(read["subject"], "/path");
    assert_eq!(read["input_schema"]["required"], json!(["path"]));
    let write = catalog_tool(&s, "mcp__fs__write_file").await.unwrap();
    assert_eq!(write["default_risk"], "dangerous");
    let query = catalog_tool(&s, "mcp__fs__run_query").await.unwrap();
    assert_eq!(query["argument_kind"], "text");
    assert_eq!(query["subject"], Value::Null);

    let tools = agent_tools(&s).await;
    for tool in [
        "mcp__fs__read_file",
        "mcp__fs__write_file",
        "mcp__fs__run_query",
    ] {
        assert!(tools.contains(&tool.to_owned()), "{tools:?}");
    }
    // The audit trail says who brought them.
    let (_, events) = call(
        s.base(),
        &s.admin,
        Method::GET,
        "/api/v1/traces?q=mcp__fs__write_file",
        Value::Null,
    )
    .await;
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"tool.discovered"), "{kinds:?}");
}

#[tokio::test]
async fn a_run_only_holders_listing_fills_the_catalog_but_leaves_the_agents_tools_alone() {
    let s = setup(spawn_app().await).await;
    let runner = member(&s, "runner@example.com", "run").await;
    assert_eq!(
        register(&s, &runner, "fs", "npx server-filesystem /srv")
            .await
            .0,
        201
    );
    let listed = list_tools(&s, &runner, "fs", fs_tools()).await;
    assert!(shown(&listed).is_empty(), "{listed}");
    assert_eq!(listed["items"][1]["status"], "discovered");
    assert!(catalog_tool(&s, "mcp__fs__write_file").await.is_some());
    assert!(!agent_tools(&s).await.iter().any(|t| t.starts_with("mcp__")));

    // Seen before: an editor's later listing does not add them behind
    // the editor's back either; an editor adds them on purpose.
    let listed = list_tools(&s, &s.admin, "fs", fs_tools()).await;
    assert!(shown(&listed).is_empty(), "{listed}");
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        &format!("/api/v1/agents/{}", s.agent),
        json!({"tools": ["system_shell", "mcp__fs__read_file"]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        shown(&list_tools(&s, &runner, "fs", fs_tools()).await),
        ["read_file"]
    );
}

#[tokio::test]
async fn a_tool_denied_outright_or_removed_from_the_agent_is_not_shown() {
    let s = setup(spawn_app().await).await;
    register(&s, &s.admin, "fs", "mcp-fs").await;
    list_tools(&s, &s.admin, "fs", fs_tools()).await;
    for rule in [
        json!({"tool": "mcp__fs__write_file", "action": "deny"}),
        json!({"tool": "mcp__fs__read_file", "action": "deny", "pattern": "/etc/*"}),
    ] {
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
    // An enforced rule hides a tool too.
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::POST,
        "/api/v1/rules",
        json!({"tool": "mcp__fs__run_query", "action": "deny", "enforced": true}),
    )
    .await;
    assert_eq!(status, 201);
    let listed = list_tools(&s, &s.admin, "fs", fs_tools()).await;
    assert_eq!(shown(&listed), ["read_file"]);
    assert_eq!(listed["items"][1]["status"], "denied");

    // Removed by an editor: hidden, and never added back by a listing.
    let (status, _) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        &format!("/api/v1/agents/{}", s.agent),
        json!({"tools": ["system_shell", "mcp__fs__write_file", "mcp__fs__run_query"]}),
    )
    .await;
    assert_eq!(status, 200);
    let listed = list_tools(&s, &s.admin, "fs", fs_tools()).await;
    assert!(shown(&listed).is_empty(), "{listed}");
    assert!(
        !agent_tools(&s)
            .await
            .contains(&"mcp__fs__read_file".to_owned())
    );

    // The agent page's view says the same.
    let (_, servers) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/agents/{}/mcp-servers", s.agent),
        Value::Null,
    )
    .await;
    let server = &servers["items"][0];
    assert_eq!(server["name"], "fs");
    assert_eq!(server["transport"], "stdio");
    assert_eq!(server["origin"], "mcp-fs");
    let status_of = |name: &str| {
        server["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of("read_file"), "discovered");
    assert_eq!(status_of("write_file"), "denied");
    assert_eq!(status_of("runQuery"), "denied");
}

#[tokio::test]
async fn two_servers_of_one_agent_cannot_share_a_name() {
    let s = setup(spawn_app().await).await;
    assert_eq!(register(&s, &s.admin, "fs", "mcp-fs /srv").await.0, 201);
    assert_eq!(register(&s, &s.admin, "fs", "mcp-fs /srv").await.0, 200);
    let (status, body) = register(&s, &s.admin, "fs", "mcp-fs /home").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "mcp_server_name_taken");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("mcp-fs /srv"),
        "{body}"
    );
    for (name, field) in [("My-Server", "name"), ("a__b", "name"), ("", "name")] {
        let (status, body) = register(&s, &s.admin, name, "x").await;
        assert_eq!(status, 400, "{name}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{field}: ")),
            "{body}"
        );
    }
    let (status, body) = register(&s, &s.admin, "other", "bad\u{7}origin").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("origin: ")
    );
    // Tools of a server the agent does not have are not listed.
    let (status, body) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/mcp-servers/nope/tools", s.agent),
        json!({"tools": []}),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/mcp-servers/fs/tools", s.agent),
        json!({"tools": [{"name": ""}]}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("tools.0.name: "),
        "{body}"
    );
}

#[tokio::test]
async fn an_mcp_call_is_judged_by_its_declared_subject_or_else_by_its_arguments_as_canonical_json()
{
    let s = setup(spawn_app().await).await;
    register(&s, &s.admin, "fs", "mcp-fs").await;
    list_tools(&s, &s.admin, "fs", fs_tools()).await;
    for rule in [
        json!({"tool": "mcp__fs__write_file", "action": "deny", "pattern": "/etc/*", "note": "not system files"}),
        json!({"tool": "mcp__fs__write_file", "action": "allow", "pattern": "/srv/*"}),
        json!({"tool": "mcp__fs__run_query", "action": "deny", "pattern": "*DROP*"}),
        json!({"tool": "mcp__fs__run_query", "action": "allow", "pattern": r#"{"sql":"SELECT *"}"#}),
    ] {
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
    let (status, run) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/runs", s.agent),
        json!({"interactive": true, "external_id": "mcp-proxy:1"}),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    let run = run["id"].as_str().unwrap();
    let path = format!("/api/v1/runtime/runs/{run}/tool-calls");
    let ask = |tool: &'static str, input: Value| {
        call(
            s.base(),
            &s.admin,
            Method::POST,
            &path,
            json!({"tool": tool, "input": input}),
        )
    };
    let (status, denied) = ask(
        "mcp__fs__write_file",
        json!({"path": "/srv/../etc/passwd", "content": "x"}),
    )
    .await;
    assert_eq!(status, 200, "{denied}");
    assert_eq!(denied["decision"], "deny", "{denied}");
    assert_eq!(denied["reason"]["kind"], "rule");
    let (_, allowed) = ask(
        "mcp__fs__write_file",
        json!({"path": "/srv/a.txt", "content": "x"}),
    )
    .await;
    assert_eq!(allowed["decision"], "allow", "{allowed}");
    // The upstream's schema is the catalog's: a call without its subject
    // is refused naming the field.
    let (status, body) = ask("mcp__fs__write_file", json!({"content": "x"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("input.path: "),
        "{body}"
    );
    // No declared subject: the arguments as canonical JSON, whatever the
    // order and spacing of the keys.
    let (_, dropped) = ask("mcp__fs__run_query", json!({"sql": "DROP TABLE users"})).await;
    assert_eq!(dropped["decision"], "deny", "{dropped}");
    let (_, selected) = ask("mcp__fs__run_query", json!({"sql": "SELECT 1"})).await;
    assert_eq!(selected["decision"], "allow", "{selected}");
    // Another argument is part of the subject: the allow rule written for
    // `sql` alone does not cover it.
    let (_, sneaky) = ask(
        "mcp__fs__run_query",
        json!({"sql": "SELECT 1", "as_admin": true}),
    )
    .await;
    assert_ne!(sneaky["decision"], "allow", "{sneaky}");
    // A tool of the server that is not one of the agent's is denied.
    let (_, unknown) = ask("mcp__fs__delete_everything", json!({})).await;
    assert_eq!(unknown["decision"], "deny", "{unknown}");

    let (_, trace) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/traces/{run}"),
        Value::Null,
    )
    .await;
    let requested = trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "tool_call.requested")
        .count();
    assert_eq!(requested, 6, "{trace}");
}
