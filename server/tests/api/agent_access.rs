//! The authorization matrix: every agent-related server function and REST
//! route, called by every kind of principal, against an explicit table of
//! expected outcomes. A route or server function missing from the table
//! fails the test.

use std::collections::{BTreeSet, HashMap};

use bosun_service::Principal;
use bosun_service::agents::grants::GrantTarget;
use std::time::Duration;

use bosun_service::agents::{AgentDraft, AgentPatch, Capability};
use bosun_service::identity::{NewUser, Role};
use bosun_service::ids::{AgentId, GrantId, RunId, UserId};
use bosun_service::integrations::mcp::{McpServerDraft, ServerName, Transport};
use bosun_service::rules::{RuleDraft, RuleInfo, RuleList};
use bosun_service::runs::approvals::ReviewDecision;
use bosun_service::runs::tool_calls::{ToolCallRequest, ToolCallState};
use bosun_service::runs::{Caller, Runner};
use reqwest::{Client, Method};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// Who calls, in table column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    NoGrant,
    Run,
    Clone,
    Edit,
    Owner,
    Admin,
    OtherWorkspace,
    /// An admin, deactivated after signing in and making a token.
    Deactivated,
    /// A runtime key of the agent, made by its owner.
    AgentKey,
    /// A runtime key of another agent of the same owner.
    OtherAgentKey,
    /// A key of the agent made by an admin who has since stepped down.
    DeadKey,
}

const EVERYONE: [Who; 12] = [
    Who::Anonymous,
    Who::NoGrant,
    Who::Run,
    Who::Clone,
    Who::Edit,
    Who::Owner,
    Who::Admin,
    Who::OtherWorkspace,
    Who::Deactivated,
    Who::AgentKey,
    Who::OtherAgentKey,
    Who::DeadKey,
];

/// A runtime route's row for a run a worker claimed: the agent's key gets
/// `own`, another agent's key `other`, a key whose creator lost their
/// rights 401; a person's token is told the run does not exist (it is
/// nobody's interactive run), the deactivated admin's is unknown.
fn runtime(own: Outcome, other: Outcome) -> [Outcome; 12] {
    let mut row = worker_only(own, other);
    for person in &mut row[1..=7] {
        *person = S(404);
    }
    row
}

/// A row only a runtime key opens: no person's token is taken at all.
fn worker_only(own: Outcome, other: Outcome) -> [Outcome; 12] {
    let mut row = [S(401); 12];
    row[9] = own;
    row[10] = other;
    row
}

/// A runtime route's row for an interactive run Run started: theirs
/// alone (`own`); everyone else, the agent's own keys included, is told
/// it does not exist.
fn interactive(own: Outcome) -> [Outcome; 12] {
    let mut row = [S(404); 12];
    for unknown in [0, 8, 11] {
        row[unknown] = S(401);
    }
    row[2] = own;
    row
}

/// What a call should come to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Status(u16),
    /// 200, and the list includes the agent.
    Lists,
    /// 200, and the list leaves the agent out.
    Omits,
}

use Outcome::{Lists as L, Omits as O, Status as S};

/// How to make one call, given the agent and one of its grants.
#[derive(Clone)]
enum Call {
    Rest(Method, &'static str, fn(&Ids) -> Value),
    ServerFn(&'static str, fn(&Ids) -> Vec<(&'static str, String)>),
}

struct Ids {
    agent: String,
    /// The agent's name, unique to this cell, to find it in lists.
    name: String,
    grant: String,
    /// One of the agent's own rules.
    agent_rule: String,
    /// One workspace rule, and every workspace rule in order.
    workspace_rule: String,
    workspace_rules: Vec<String>,
    /// A runtime key of the agent, and a pending approval in a run the
    /// owner started.
    key: String,
    approval: String,
    run: String,
    /// The run's pending tool call and one it was allowed.
    pending_call: String,
    allowed_call: String,
    /// The values of the owner's key of the agent, and of one made by an
    /// admin who has since stepped down.
    key_value: String,
    dead_key_value: String,
}

fn no_body(_: &Ids) -> Value {
    Value::Null
}

/// The table. Columns: anonymous, member without grant, run, clone, edit,
/// owner, workspace admin, member of another workspace, deactivated admin,
/// the agent's runtime key, another agent's key, the agent's key whose
/// creator lost their rights. Keys open only the runtime API (and a fixed
/// agent's own key starts its runs); server functions take a session,
/// which keys and the deactivated never have.
#[rustfmt::skip]
fn table() -> Vec<(&'static str, Call, [Outcome; 12])> {
    use Method as M;
    vec![
        // REST: agents and sharing
        ("GET /api/v1/agents", Call::Rest(M::GET, "/api/v1/agents?q={name}", no_body),
            [S(401), O, L, L, L, L, L, O, S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/agents", Call::Rest(M::POST, "/api/v1/agents", |_| json!({"name": "New"})),
            [S(401), S(201), S(201), S(201), S(201), S(201), S(201), S(201), S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/agents/{id}", Call::Rest(M::GET, "/api/v1/agents/{id}", no_body),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("PATCH /api/v1/agents/{id}", Call::Rest(M::PATCH, "/api/v1/agents/{id}", |_| json!({"description": "changed"})),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("DELETE /api/v1/agents/{id}", Call::Rest(M::DELETE, "/api/v1/agents/{id}", no_body),
            [S(401), S(404), S(403), S(403), S(403), S(204), S(204), S(404), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/agents/{id}/clone", Call::Rest(M::POST, "/api/v1/agents/{id}/clone", |_| json!({})),
            [S(401), S(404), S(403), S(201), S(201), S(201), S(201), S(404), S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/agents/{id}/grants", Call::Rest(M::GET, "/api/v1/agents/{id}/grants", no_body),
            [S(401), S(404), S(403), S(403), S(403), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/agents/{id}/grants",
            Call::Rest(M::POST, "/api/v1/agents/{id}/grants", |_| json!({"workspace": true, "level": "run"})),
            [S(401), S(404), S(403), S(403), S(403), S(201), S(201), S(404), S(401), S(401), S(401), S(401)]),
        ("PATCH /api/v1/agents/{id}/grants/{grant_id}",
            Call::Rest(M::PATCH, "/api/v1/agents/{id}/grants/{grant_id}", |_| json!({"level": "edit"})),
            [S(401), S(404), S(403), S(403), S(403), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("DELETE /api/v1/agents/{id}/grants/{grant_id}",
            Call::Rest(M::DELETE, "/api/v1/agents/{id}/grants/{grant_id}", no_body),
            [S(401), S(404), S(403), S(403), S(403), S(204), S(204), S(404), S(401), S(401), S(401), S(401)]),
        // REST: rules
        ("GET /api/v1/agents/{id}/rules", Call::Rest(M::GET, "/api/v1/agents/{id}/rules", no_body),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/agents/{id}/rules",
            Call::Rest(M::POST, "/api/v1/agents/{id}/rules",
                |_| json!({"tool": "system_shell", "action": "allow", "pattern": "npm *"})),
            [S(401), S(404), S(403), S(403), S(201), S(201), S(201), S(404), S(401), S(401), S(401), S(401)]),
        ("PUT /api/v1/agents/{id}/rules",
            Call::Rest(M::PUT, "/api/v1/agents/{id}/rules", |ids| json!({"order": [ids.agent_rule]})),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("PATCH /api/v1/agents/{id}/rules/{rule_id}",
            Call::Rest(M::PATCH, "/api/v1/agents/{id}/rules/{rule_id}", |_| json!({"tool": "*", "action": "deny"})),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("DELETE /api/v1/agents/{id}/rules/{rule_id}",
            Call::Rest(M::DELETE, "/api/v1/agents/{id}/rules/{rule_id}", no_body),
            [S(401), S(404), S(403), S(403), S(204), S(204), S(204), S(404), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/agents/{id}/evaluate",
            Call::Rest(M::POST, "/api/v1/agents/{id}/evaluate", |_| json!({"tool": "system_shell", "input": "ls"})),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/rules", Call::Rest(M::GET, "/api/v1/rules", no_body),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/rules",
            Call::Rest(M::POST, "/api/v1/rules", |_| json!({"tool": "*", "action": "ask", "enforced": true})),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(201), S(403), S(401), S(401), S(401), S(401)]),
        ("PUT /api/v1/rules", Call::Rest(M::PUT, "/api/v1/rules", |ids| json!({"order": ids.workspace_rules})),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("PATCH /api/v1/rules/{id}",
            Call::Rest(M::PATCH, "/api/v1/rules/{workspace_rule}", |_| json!({"tool": "*", "action": "allow"})),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("DELETE /api/v1/rules/{id}", Call::Rest(M::DELETE, "/api/v1/rules/{workspace_rule}", no_body),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(204), S(403), S(401), S(401), S(401), S(401)]),
        // REST: runs, keys and approvals
        ("POST /api/v1/agents/{id}/runs", Call::Rest(M::POST, "/api/v1/agents/{id}/runs", |_| json!({"input": {}})),
            [S(401), S(404), S(201), S(201), S(201), S(201), S(201), S(404), S(401), S(201), S(404), S(401)]),
        ("GET /api/v1/agents/{id}/runs", Call::Rest(M::GET, "/api/v1/agents/{id}/runs", no_body),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/agents/{id}/keys", Call::Rest(M::POST, "/api/v1/agents/{id}/keys", |_| json!({"name": "w"})),
            [S(401), S(404), S(403), S(403), S(403), S(201), S(201), S(404), S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/agents/{id}/keys", Call::Rest(M::GET, "/api/v1/agents/{id}/keys", no_body),
            [S(401), S(404), S(403), S(403), S(403), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("DELETE /api/v1/agents/{id}/keys/{key_id}", Call::Rest(M::DELETE, "/api/v1/agents/{id}/keys/{key_id}", no_body),
            [S(401), S(404), S(403), S(403), S(403), S(204), S(204), S(404), S(401), S(401), S(401), S(401)]),
        // The run was started by the owner: theirs, and the agent's editors'.
        ("GET /api/v1/traces/{run}", Call::Rest(M::GET, "/api/v1/traces/{the_run}", no_body),
            [S(401), S(404), S(404), S(404), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/agents/{id}/runs/{run_id}", Call::Rest(M::GET, "/api/v1/agents/{id}/runs/{the_run}", no_body),
            [S(401), S(404), S(404), S(404), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/agents/{id}/runs/{run_id}/cancel",
            Call::Rest(M::POST, "/api/v1/agents/{id}/runs/{the_run}/cancel", no_body),
            [S(401), S(404), S(404), S(404), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        // Credentials: editors write and delete; anyone who sees the agent
        // learns the names (metadata beyond that is tested in credentials.rs).
        ("GET /api/v1/agents/{id}/credentials", Call::Rest(M::GET, "/api/v1/agents/{id}/credentials", no_body),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("PUT /api/v1/agents/{id}/credentials/{name}",
            Call::Rest(M::PUT, "/api/v1/agents/{id}/credentials/token", |_| json!({"service_account": "robot", "value": "v2"})),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("DELETE /api/v1/agents/{id}/credentials/{name}",
            Call::Rest(M::DELETE, "/api/v1/agents/{id}/credentials/token", no_body),
            [S(401), S(404), S(403), S(403), S(204), S(204), S(204), S(404), S(401), S(401), S(401), S(401)]),
        // The accounts an agent needs: everyone who sees it may know them,
        // editors change them.
        ("GET /api/v1/agents/{id}/connections", Call::Rest(M::GET, "/api/v1/agents/{id}/connections", no_body),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("PUT /api/v1/agents/{id}/connections/{provider}",
            Call::Rest(M::PUT, "/api/v1/agents/{id}/connections/mail", |_| json!({"scopes": "mail.send"})),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("DELETE /api/v1/agents/{id}/connections/{provider}",
            Call::Rest(M::DELETE, "/api/v1/agents/{id}/connections/mail", no_body),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        // A worker's call for a secret: the agent's own live keys only.
        ("POST /api/v1/runtime/runs/{run}/credentials/{name}",
            Call::Rest(M::POST, "/api/v1/runtime/runs/{the_run}/credentials/token", no_body), runtime(S(200), S(404))),
        // Search and export show the run's events to the same people, and
        // the agent's audit events to admins only.
        ("GET /api/v1/traces", Call::Rest(M::GET, "/api/v1/traces", no_body),
            [S(401), O, O, O, L, L, L, O, S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/traces/export", Call::Rest(M::GET, "/api/v1/traces/export?format=jsonl", no_body),
            [S(401), O, O, O, L, L, L, O, S(401), S(401), S(401), S(401)]),
        // The runs list: the run the owner started, to the same people.
        ("GET /api/v1/traces/runs", Call::Rest(M::GET, "/api/v1/traces/runs", no_body),
            [S(401), O, O, O, L, L, L, O, S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/approvals", Call::Rest(M::GET, "/api/v1/approvals", no_body),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        // What "Always allow" would add: for those who edit the agent (the
        // owner too: seeing the suggestion decides nothing).
        ("GET /api/v1/approvals/{id}/suggestion",
            Call::Rest(M::GET, "/api/v1/approvals/{approval}/suggestion", no_body),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        // The owner started the run, so the request is not theirs to decide.
        ("POST /api/v1/approvals/{id}/decision",
            Call::Rest(M::POST, "/api/v1/approvals/{approval}/decision", |_| json!({"decision": "allow_once"})),
            [S(401), S(404), S(403), S(403), S(200), S(403), S(200), S(404), S(401), S(401), S(401), S(401)]),
        // Previewing an edit's decision: those who may decide the request.
        ("POST /api/v1/approvals/{id}/preview",
            Call::Rest(M::POST, "/api/v1/approvals/{approval}/preview", |_| json!({"input": "make test"})),
            [S(401), S(404), S(403), S(403), S(200), S(403), S(200), S(404), S(401), S(401), S(401), S(401)]),
        // The runtime API of a run a worker claimed takes runtime keys
        // only: a person's token finds no such run of theirs, a key of
        // another agent finds nothing of this one, and a key whose creator
        // lost their rights is unknown. Claiming takes keys alone.
        // Claude Code's hooks: a person's token, with run access to the
        // agent (a session is an interactive run on their behalf); keys
        // are no person.
        ("POST /api/v1/hooks/claude-code/{agent_id}",
            Call::Rest(M::POST, "/api/v1/hooks/claude-code/{id}",
                |_| json!({"hook_event_name": "SessionStart", "session_id": "s-1", "cwd": "/repo"})),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        // An agent's MCP servers: whoever may run the agent registers one
        // and has its tools listed (a gateway runs on their behalf);
        // whoever sees the agent sees them. Keys are no person.
        ("GET /api/v1/agents/{id}/mcp-servers", Call::Rest(M::GET, "/api/v1/agents/{id}/mcp-servers", no_body),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/agents/{id}/mcp-servers",
            Call::Rest(M::POST, "/api/v1/agents/{id}/mcp-servers",
                |_| json!({"name": "other", "transport": "stdio", "origin": "mcp-other"})),
            [S(401), S(404), S(201), S(201), S(201), S(201), S(201), S(404), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/agents/{id}/mcp-servers/{name}/tools",
            Call::Rest(M::POST, "/api/v1/agents/{id}/mcp-servers/fs/tools",
                |_| json!({"tools": [{"name": "read_file", "inputSchema": {"type": "object"}}]})),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/runtime/runs/next", Call::Rest(M::GET, "/api/v1/runtime/runs/next", no_body),
            worker_only(S(204), S(204))),
        ("POST /api/v1/runtime/runs/{run}/tool-calls",
            Call::Rest(M::POST, "/api/v1/runtime/runs/{the_run}/tool-calls", |_| json!({"tool": "system_shell", "input": "ls"})),
            runtime(S(200), S(404))),
        ("POST /api/v1/runtime/runs/{run}/events",
            Call::Rest(M::POST, "/api/v1/runtime/runs/{the_run}/events", |_| json!({"note": "x"})), runtime(S(204), S(404))),
        ("POST /api/v1/runtime/runs/{run}/finish",
            Call::Rest(M::POST, "/api/v1/runtime/runs/{the_run}/finish", |_| json!({"status": "failed"})),
            runtime(S(200), S(404))),
        ("GET /api/v1/runtime/tool-calls/{id}", Call::Rest(M::GET, "/api/v1/runtime/tool-calls/{pending_call}", no_body),
            runtime(S(200), S(404))),
        ("POST /api/v1/runtime/tool-calls/{id}/result",
            Call::Rest(M::POST, "/api/v1/runtime/tool-calls/{allowed_call}/result", |_| json!({"output": 1})),
            runtime(S(204), S(404))),
        // An interactive run: anyone who may run the agent starts their
        // own (a runtime key is nobody's own agent); its runtime calls are
        // its starter's alone, and it is never handed a fixed secret.
        // An agent token: anyone who may run the agent makes one for it.
        ("POST /api/v1/me/tokens",
            Call::Rest(M::POST, "/api/v1/me/tokens", |ids| json!({"agent_id": ids.agent})),
            [S(401), S(404), S(201), S(201), S(201), S(201), S(201), S(404), S(401), S(401), S(401), S(401)]),
        ("fn tokens/create_for_agent",
            Call::ServerFn("tokens/create_for_agent", |ids| vec![("agent_id", ids.agent.clone())]),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/agents/{id}/runs (interactive)",
            Call::Rest(M::POST, "/api/v1/agents/{id}/runs", |_| json!({"interactive": true, "external_id": "s-1"})),
            [S(401), S(404), S(201), S(201), S(201), S(201), S(201), S(404), S(401), S(403), S(403), S(401)]),
        ("POST /api/v1/runtime/runs/{run}/tool-calls (interactive)",
            Call::Rest(M::POST, "/api/v1/runtime/runs/{interactive_run}/tool-calls", |_| json!({"tool": "system_shell", "input": "ls"})),
            interactive(S(200))),
        ("POST /api/v1/runtime/runs/{run}/events (interactive)",
            Call::Rest(M::POST, "/api/v1/runtime/runs/{interactive_run}/events", |_| json!({"note": "x"})),
            interactive(S(204))),
        ("POST /api/v1/runtime/runs/{run}/finish (interactive)",
            Call::Rest(M::POST, "/api/v1/runtime/runs/{interactive_run}/finish", |_| json!({"status": "failed"})),
            interactive(S(200))),
        ("GET /api/v1/runtime/tool-calls/{id} (interactive)",
            Call::Rest(M::GET, "/api/v1/runtime/tool-calls/{interactive_call}", no_body),
            interactive(S(200))),
        ("POST /api/v1/runtime/tool-calls/{id}/result (interactive)",
            Call::Rest(M::POST, "/api/v1/runtime/tool-calls/{interactive_call}/result", |_| json!({"output": 1})),
            interactive(S(204))),
        ("POST /api/v1/runtime/runs/{run}/credentials/{name} (interactive)",
            Call::Rest(M::POST, "/api/v1/runtime/runs/{interactive_run}/credentials/token", no_body),
            interactive(S(403))),
        // The workspace and its tools (the pages read its settings as REST does)
        ("GET /api/v1/workspace", Call::Rest(M::GET, "/api/v1/workspace", no_body),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("fn workspace/settings", Call::ServerFn("workspace/settings", |_| vec![]),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("PATCH /api/v1/workspace",
            Call::Rest(M::PATCH, "/api/v1/workspace", |_| json!({"default_execution_mode": "restricted"})),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/tools", Call::Rest(M::GET, "/api/v1/tools", no_body),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/tools",
            Call::Rest(M::POST, "/api/v1/tools",
                |_| json!({"name": "deploy", "argument_kind": "text", "default_risk": "caution", "category": "other"})),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(201), S(403), S(401), S(401), S(401), S(401)]),
        // Server functions: agents and sharing
        ("fn agents/list", Call::ServerFn("agents/list", |ids| vec![("view", "all".into()), ("query", ids.name.clone())]),
            [S(401), O, L, L, L, L, L, O, S(401), S(401), S(401), S(401)]),
        ("fn agents/get", Call::ServerFn("agents/get", |ids| vec![("id", ids.agent.clone())]),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn agents/create", Call::ServerFn("agents/create", |_| vec![("form[name]", "New".into())]),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("fn agents/update",
            Call::ServerFn("agents/update", |ids| vec![("id", ids.agent.clone()), ("form[name]", "Renamed".into()),
                ("form[execution_mode]", "open".into()), ("form[credential_model]", "user".into())]),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn agents/delete", Call::ServerFn("agents/delete", |ids| vec![("id", ids.agent.clone())]),
            [S(401), S(404), S(403), S(403), S(403), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn agents/clone", Call::ServerFn("agents/clone", |ids| vec![("id", ids.agent.clone()), ("name", "Mine".into())]),
            [S(401), S(404), S(403), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        // The Claude Code hooks for the agent: for whoever may run it.
        ("fn agents/claude-code", Call::ServerFn("agents/claude-code", |ids| vec![("agent_id", ids.agent.clone())]),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        // The agent's MCP servers on its page: whoever sees the agent.
        ("fn mcp/servers", Call::ServerFn("mcp/servers", |ids| vec![("agent_id", ids.agent.clone())]),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn sharing/overview", Call::ServerFn("sharing/overview", |ids| vec![("agent_id", ids.agent.clone())]),
            [S(401), S(404), S(403), S(403), S(403), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn sharing/share",
            Call::ServerFn("sharing/share", |ids| vec![("agent_id", ids.agent.clone()), ("user_id", String::new()),
                ("level", "edit".into())]),
            [S(401), S(404), S(403), S(403), S(403), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn sharing/revoke",
            Call::ServerFn("sharing/revoke", |ids| vec![("agent_id", ids.agent.clone()), ("grant_id", ids.grant.clone())]),
            [S(401), S(404), S(403), S(403), S(403), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn members/search", Call::ServerFn("members/search", |_| vec![("query", "example".into())]),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        // Server functions: rules
        ("fn rules/agent", Call::ServerFn("rules/agent", |ids| vec![("agent_id", ids.agent.clone())]),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn rules/workspace", Call::ServerFn("rules/workspace", |_| vec![]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("fn rules/add",
            Call::ServerFn("rules/add", |ids| vec![("list[scope]", "agent".into()), ("list[agent_id]", ids.agent.clone()),
                ("rule[tool]", "system_shell".into()), ("rule[action]", "allow".into()), ("rule[pattern]", "ls *".into())]),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn rules/add (enforced)",
            Call::ServerFn("rules/add", |_| vec![("list[scope]", "enforced".into()), ("rule[tool]", "*".into()),
                ("rule[action]", "ask".into())]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("fn rules/update",
            Call::ServerFn("rules/update", |ids| vec![("list[scope]", "agent".into()), ("list[agent_id]", ids.agent.clone()),
                ("rule_id", ids.agent_rule.clone()), ("rule[tool]", "*".into()), ("rule[action]", "deny".into())]),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn rules/delete",
            Call::ServerFn("rules/delete", |ids| vec![("list[scope]", "workspace".into()),
                ("rule_id", ids.workspace_rule.clone())]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("fn rules/reorder",
            Call::ServerFn("rules/reorder", |ids| vec![("list[scope]", "agent".into()), ("list[agent_id]", ids.agent.clone()),
                ("order[0]", ids.agent_rule.clone())]),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn workspace/default-mode", Call::ServerFn("workspace/default-mode", |_| vec![("mode", "locked".into())]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("fn workspace/approval-settings",
            Call::ServerFn("workspace/approval-settings", |_| vec![("approval_ttl_seconds", "3600".into()),
                ("self_approval", "false".into())]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        // Server functions: runs, keys and the inbox
        ("fn traces/search", Call::ServerFn("traces/search", |_| vec![("query[q]", String::new())]),
            [S(401), O, O, O, L, L, L, O, S(401), S(401), S(401), S(401)]),
        ("fn traces/runs", Call::ServerFn("traces/runs", |_| vec![("query[status]", String::new())]),
            [S(401), O, O, O, L, L, L, O, S(401), S(401), S(401), S(401)]),
        ("fn traces/run", Call::ServerFn("traces/run", |ids| vec![("run_id", ids.run.clone())]),
            [S(401), S(404), S(404), S(404), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn runs/overview", Call::ServerFn("runs/overview", |ids| vec![("run_id", ids.run.clone())]),
            [S(401), S(404), S(404), S(404), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn runs/cancel", Call::ServerFn("runs/cancel", |ids| vec![("agent_id", ids.agent.clone()), ("run_id", ids.run.clone())]),
            [S(401), S(404), S(404), S(404), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        // The search form's agent picker is the agents list's first page
        // (tested there); here only who may ask.
        ("fn traces/choices", Call::ServerFn("traces/choices", |_| vec![]),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("fn audit/verify", Call::ServerFn("audit/verify", |_| vec![]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("fn credentials/list", Call::ServerFn("credentials/list", |ids| vec![("agent_id", ids.agent.clone())]),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn credentials/write", Call::ServerFn("credentials/write", |ids| vec![("agent_id", ids.agent.clone()),
                ("name", "token".into()), ("service_account", "robot".into()), ("value", "v2".into())]),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn credentials/delete", Call::ServerFn("credentials/delete", |ids| vec![("agent_id", ids.agent.clone()),
                ("name", "token".into())]),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn oauth/needs", Call::ServerFn("oauth/needs", |ids| vec![("agent_id", ids.agent.clone())]),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn oauth/set_need", Call::ServerFn("oauth/set_need", |ids| vec![("agent_id", ids.agent.clone()),
                ("provider", "mail".into()), ("scopes", "mail.send".into())]),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn runs/list", Call::ServerFn("runs/list", |ids| vec![("agent_id", ids.agent.clone())]),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn runs/start", Call::ServerFn("runs/start", |ids| vec![("agent_id", ids.agent.clone()), ("input", "{}".into())]),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn keys/list", Call::ServerFn("keys/list", |ids| vec![("agent_id", ids.agent.clone())]),
            [S(401), S(404), S(403), S(403), S(403), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn keys/create", Call::ServerFn("keys/create", |ids| vec![("agent_id", ids.agent.clone()), ("name", "w".into())]),
            [S(401), S(404), S(403), S(403), S(403), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn keys/revoke",
            Call::ServerFn("keys/revoke", |ids| vec![("agent_id", ids.agent.clone()), ("key_id", ids.key.clone())]),
            [S(401), S(404), S(403), S(403), S(403), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn inbox/list", Call::ServerFn("inbox/list", |_| vec![]),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("fn inbox/count", Call::ServerFn("inbox/count", |_| vec![]),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("fn inbox/always-allow",
            Call::ServerFn("inbox/always-allow", |ids| vec![("approval_id", ids.approval.clone()),
                ("scope", "agent".into()), ("own_pattern", "false".into()), ("pattern", String::new())]),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn inbox/decide",
            Call::ServerFn("inbox/decide", |ids| vec![("approval_id", ids.approval.clone()),
                ("review[decision]", "allow_once".into())]),
            [S(401), S(404), S(403), S(403), S(200), S(403), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn inbox/preview",
            Call::ServerFn("inbox/preview", |ids| vec![("approval_id", ids.approval.clone()),
                ("input", "make test".into()), ("structured", "false".into())]),
            [S(401), S(404), S(403), S(403), S(200), S(403), S(200), S(404), S(401), S(401), S(401), S(401)]),
        // Where a request stands (the inbox's "decided by …" notice): those
        // who may decide it.
        ("fn inbox/outcome",
            Call::ServerFn("inbox/outcome", |ids| vec![("approval_id", ids.approval.clone())]),
            [S(401), S(404), S(403), S(403), S(200), S(403), S(200), S(404), S(401), S(401), S(401), S(401)]),
        // Server functions: tools
        ("fn tools/list", Call::ServerFn("tools/list", |_| vec![]),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("fn tools/add",
            Call::ServerFn("tools/add", |_| vec![("name", "deploy_from_page".into()), ("description", String::new()),
                ("argument_kind", "text".into()), ("default_risk", "caution".into()), ("category", "other".into())]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        // Remote MCP servers: admins register and change them (a made-up
        // name is refused before it is looked up), every member sees the
        // list, an agent's editors attach them to the agent; detaching one
        // the cell's fresh agent does not have is a 404 past the check.
        ("GET /api/v1/mcp-servers", Call::Rest(M::GET, "/api/v1/mcp-servers", no_body),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/mcp-servers",
            Call::Rest(M::POST, "/api/v1/mcp-servers",
                |_| json!({"name": "from_table", "url": "http://127.0.0.1:9/mcp", "auth": {"kind": "none"}})),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(201), S(403), S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/mcp-servers/{name}", Call::Rest(M::GET, "/api/v1/mcp-servers/table", no_body),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("PATCH /api/v1/mcp-servers/{name}",
            Call::Rest(M::PATCH, "/api/v1/mcp-servers/table", |_| json!({"description": "changed"})),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("DELETE /api/v1/mcp-servers/{name}", Call::Rest(M::DELETE, "/api/v1/mcp-servers/no_such_server", no_body),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(404), S(403), S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/agents/{id}/remote-mcp-servers",
            Call::Rest(M::GET, "/api/v1/agents/{id}/remote-mcp-servers", no_body),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("PUT /api/v1/agents/{id}/remote-mcp-servers/{name}",
            Call::Rest(M::PUT, "/api/v1/agents/{id}/remote-mcp-servers/table", no_body),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("DELETE /api/v1/agents/{id}/remote-mcp-servers/{name}",
            Call::Rest(M::DELETE, "/api/v1/agents/{id}/remote-mcp-servers/table", no_body),
            [S(401), S(404), S(403), S(403), S(404), S(404), S(404), S(404), S(401), S(401), S(401), S(401)]),
        ("fn mcp_servers/list", Call::ServerFn("mcp_servers/list", |_| vec![]),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("fn mcp_servers/register",
            Call::ServerFn("mcp_servers/register", |_| vec![("fields[name]", "from_page".into()),
                ("fields[url]", "http://127.0.0.1:9/mcp".into()), ("fields[auth_kind]", "none".into())]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("fn mcp_servers/delete", Call::ServerFn("mcp_servers/delete", |_| vec![("name", "no_such_server".into())]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(404), S(403), S(401), S(401), S(401), S(401)]),
        ("fn mcp_servers/for_agent", Call::ServerFn("mcp_servers/for_agent", |ids| vec![("agent_id", ids.agent.clone())]),
            [S(401), S(404), S(200), S(200), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn mcp_servers/attach",
            Call::ServerFn("mcp_servers/attach", |ids| vec![("agent_id", ids.agent.clone()), ("name", "table".into())]),
            [S(401), S(404), S(403), S(403), S(200), S(200), S(200), S(404), S(401), S(401), S(401), S(401)]),
        ("fn mcp_servers/detach",
            Call::ServerFn("mcp_servers/detach", |ids| vec![("agent_id", ids.agent.clone()), ("name", "table".into())]),
            [S(401), S(404), S(403), S(403), S(404), S(404), S(404), S(404), S(401), S(401), S(401), S(401)]),
        // Webhooks: admins only, whatever the webhook (a made-up id is
        // refused before it is looked up); request emails: each person's own.
        ("GET /api/v1/webhooks", Call::Rest(M::GET, "/api/v1/webhooks", no_body),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("POST /api/v1/webhooks",
            Call::Rest(M::POST, "/api/v1/webhooks", |_| json!({"url": "http://127.0.0.1:9/hook", "events": ["run.finished"]})),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(201), S(403), S(401), S(401), S(401), S(401)]),
        ("DELETE /api/v1/webhooks/{id}", Call::Rest(M::DELETE, "/api/v1/webhooks/no-such-webhook", no_body),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(404), S(403), S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/webhooks/{id}/deliveries",
            Call::Rest(M::GET, "/api/v1/webhooks/no-such-webhook/deliveries", no_body),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(404), S(403), S(401), S(401), S(401), S(401)]),
        ("GET /api/v1/me/notifications", Call::Rest(M::GET, "/api/v1/me/notifications", no_body),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("PUT /api/v1/me/notifications", Call::Rest(M::PUT, "/api/v1/me/notifications", |_| json!({"email": false})),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("fn webhooks/list", Call::ServerFn("webhooks/list", |_| vec![]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("fn webhooks/create",
            Call::ServerFn("webhooks/create", |_| vec![("fields[url]", "http://127.0.0.1:9/hook".into()),
                ("fields[run_finished]", "on".into())]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(200), S(403), S(401), S(401), S(401), S(401)]),
        ("fn webhooks/delete", Call::ServerFn("webhooks/delete", |_| vec![("id", "no-such-webhook".into())]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(404), S(403), S(401), S(401), S(401), S(401)]),
        ("fn webhooks/deliveries", Call::ServerFn("webhooks/deliveries", |_| vec![("id", "no-such-webhook".into())]),
            [S(401), S(403), S(403), S(403), S(403), S(403), S(404), S(403), S(401), S(401), S(401), S(401)]),
        ("fn notifications/email", Call::ServerFn("notifications/email", |_| vec![]),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
        ("fn notifications/set_email", Call::ServerFn("notifications/set_email", |_| vec![("email", "on".into())]),
            [S(401), S(200), S(200), S(200), S(200), S(200), S(200), S(200), S(401), S(401), S(401), S(401)]),
    ]
}

/// Server functions and routes that concern no agent (identity, tokens,
/// members), covered by their own tests.
const NOT_AGENT_RELATED: &[&str] = &[
    "fn login",
    "fn logout",
    "fn me",
    "fn members/list",
    "fn members/add",
    "fn members/role",
    "fn members/active",
    "fn tokens/list",
    "fn tokens/create",
    "fn tokens/revoke",
    "GET /api/v1/me",
    // Passwords (one's own, an admin's reset, one-time links): tested in
    // passwords.rs.
    "fn me/password",
    "fn members/password",
    "fn members/password_link",
    "fn password_link/check",
    "fn password_link/use",
    "PUT /api/v1/me/password",
    "PUT /api/v1/members/{id}/password",
    "POST /api/v1/members/{id}/password-link",
    // OAuth providers (admins) and one's own connections: tested in oauth.rs.
    "fn oauth/providers",
    "fn oauth/save_provider",
    "fn oauth/delete_provider",
    "fn oauth/sign_in_methods",
    "fn oauth/provider_choices",
    "fn oauth/connections",
    "fn oauth/disconnect",
    "GET /api/v1/oauth/providers",
    "POST /api/v1/oauth/providers",
    "PUT /api/v1/oauth/providers/{name}",
    "DELETE /api/v1/oauth/providers/{name}",
    "GET /api/v1/me/connections",
    "DELETE /api/v1/me/connections/{provider}",
    // One's own tokens, listed and revoked: tested in interactive.rs and
    // tokens.rs.
    "GET /api/v1/me/tokens",
    "DELETE /api/v1/me/tokens/{id}",
];

#[derive(Debug, PartialEq)]
struct AgentState {
    name: String,
    description: String,
    grants: usize,
    agent_rules: Vec<RuleInfo>,
    workspace_rules: Vec<RuleInfo>,
}

struct World {
    app: TestApp,
    principals: HashMap<Who, Principal>,
    sessions: HashMap<Who, Client>,
    tokens: HashMap<Who, String>,
    /// A member who is made admin for as long as it takes to create a key,
    /// then steps down.
    demoted: UserId,
    /// The value of a key of another agent of the owner's.
    other_agent_key: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let emails = [
        (Who::NoGrant, "nogrant@example.com"),
        (Who::Run, "run@example.com"),
        (Who::Clone, "clone@example.com"),
        (Who::Edit, "edit@example.com"),
        (Who::Owner, "owner@example.com"),
    ];
    for (_, email) in emails {
        app.create_user(email, Role::Member).await;
    }
    app.create_user("gone@example.com", Role::Admin).await;
    app.create_user("demoted@example.com", Role::Member).await;
    let other = app.bosun.create_workspace("Other").await.unwrap();
    let stranger = NewUser {
        email: "stranger@example.com".into(),
        name: None,
        password: PASSWORD.into(),
        role: Role::Member,
    };
    app.bosun
        .create_user_as_operator(&other, stranger)
        .await
        .unwrap();

    let mut all = emails.to_vec();
    all.push((Who::Admin, "admin@example.com"));
    all.push((Who::OtherWorkspace, "stranger@example.com"));
    all.push((Who::Deactivated, "gone@example.com"));
    let (mut principals, mut sessions, mut tokens) =
        (HashMap::new(), HashMap::new(), HashMap::new());
    for (who, email) in all {
        principals.insert(who, app.bosun.user_by_email(email).await.unwrap());
        sessions.insert(who, app.logged_in(email).await);
        tokens.insert(who, app.token_for(email).await);
    }
    // Keys have no session: on a page they are nobody.
    for who in [
        Who::Anonymous,
        Who::AgentKey,
        Who::OtherAgentKey,
        Who::DeadKey,
    ] {
        sessions.insert(who, app.browser());
    }
    let admin = &principals[&Who::Admin];
    app.bosun
        .set_member_active(admin, &principals[&Who::Deactivated].user_id, false)
        .await
        .unwrap();
    let owner = &principals[&Who::Owner];
    let elsewhere = AgentDraft {
        name: "Elsewhere".into(),
        ..AgentDraft::default()
    };
    let elsewhere = app.bosun.create_agent(owner, elsewhere).await.unwrap();
    let other_agent_key = app
        .bosun
        .create_runtime_key(owner, &elsewhere.agent.id, "elsewhere")
        .await
        .unwrap()
        .key;
    let demoted = app
        .bosun
        .user_by_email("demoted@example.com")
        .await
        .unwrap()
        .user_id;
    let provider = bosun_service::oauth::providers::ProviderInput {
        name: "mail".into(),
        authorize_url: Some("https://id.example.com/authorize".into()),
        token_url: Some("https://id.example.com/token".into()),
        client_id: "bosun".into(),
        client_secret: Some(String::from("client secret").into()),
        ..Default::default()
    };
    app.bosun
        .create_oauth_provider(&principals[&Who::Admin], provider, Some("localhost"))
        .await
        .unwrap();
    // A remote MCP server the table's agents may be given.
    app.bosun
        .create_remote_mcp_server(
            &principals[&Who::Admin],
            bosun_service::integrations::remote_mcp::RemoteServerDraft {
                name: "table".into(),
                description: None,
                url: "http://127.0.0.1:9/mcp".into(),
                auth: bosun_service::integrations::remote_mcp::UpstreamAuth::None,
                timeout_seconds: None,
            },
        )
        .await
        .unwrap();
    World {
        app,
        principals,
        sessions,
        tokens,
        demoted,
        other_agent_key,
    }
}

impl World {
    /// A fresh agent owned by Owner, shared at run, clone and edit.
    async fn agent(&self) -> Ids {
        let owner = &self.principals[&Who::Owner];
        let name = format!("Subject {}", AgentId::generate().as_str().replace('-', ""));
        let draft = AgentDraft {
            name: name.clone(),
            description: Some("original".into()),
            ..AgentDraft::default()
        };
        let agent = self
            .app
            .bosun
            .create_agent(owner, draft)
            .await
            .unwrap()
            .agent
            .id;
        let mut grant = String::new();
        for (who, level) in [
            (Who::Run, "run"),
            (Who::Clone, "clone"),
            (Who::Edit, "edit"),
        ] {
            let target = GrantTarget::User(self.principals[&who].user_id.to_string());
            let created = self
                .app
                .bosun
                .share_agent(owner, &agent, target, level)
                .await
                .unwrap();
            if who == Who::Run {
                grant = created.id.to_string();
            }
        }
        let draft = || RuleDraft {
            tool: "system_shell".into(),
            action: "ask".into(),
            ..RuleDraft::default()
        };
        let bosun = &self.app.bosun;
        let agent_rule = bosun
            .add_rule(owner, &RuleList::Agent(agent.clone()), draft())
            .await
            .unwrap();
        let admin = &self.principals[&Who::Admin];
        let workspace_rule = bosun
            .add_rule(admin, &RuleList::Workspace, draft())
            .await
            .unwrap();
        let workspace_rules = bosun.rules(admin, &RuleList::Workspace).await.unwrap();
        let key = bosun
            .create_runtime_key(owner, &agent, "worker")
            .await
            .unwrap();
        let secret = bosun_service::credentials::NewSecret {
            service_account: "robot".into(),
            value: String::from("a secret").into(),
        };
        bosun
            .write_credential(owner, &agent, "token", secret)
            .await
            .unwrap();
        bosun
            .set_connection_need(owner, &agent, "mail", Some("mail.read"))
            .await
            .unwrap();
        // A key made by an admin who has since stepped down.
        let demoted = &self.demoted;
        bosun
            .change_role(admin, demoted, Role::Admin)
            .await
            .unwrap();
        let promoted = bosun.user_by_email("demoted@example.com").await.unwrap();
        let dead_key = bosun
            .create_runtime_key(&promoted, &agent, "orphan")
            .await
            .unwrap();
        bosun
            .change_role(admin, demoted, Role::Member)
            .await
            .unwrap();
        let (run, approval, pending_call, allowed_call) = self.pending_approval(&agent).await;
        let server = McpServerDraft {
            name: ServerName::parse("name", "fs").unwrap(),
            transport: Transport::Stdio,
            origin: "mcp-server-filesystem /srv".into(),
        };
        bosun
            .register_mcp_server(owner, &agent, server)
            .await
            .unwrap();
        Ids {
            key: key.id.to_string(),
            key_value: key.key,
            dead_key_value: dead_key.key,
            approval,
            run,
            pending_call,
            allowed_call,
            agent: agent.to_string(),
            name,
            grant,
            agent_rule: agent_rule.id.to_string(),
            workspace_rule: workspace_rule.id.to_string(),
            workspace_rules: workspace_rules
                .into_iter()
                .map(|rule| rule.id.to_string())
                .collect(),
        }
    }

    /// A run started by the owner whose worker asks for something the
    /// agent's rules pause on, and for something they allow: the run, the
    /// approval, the pending call and the allowed one.
    async fn pending_approval(&self, agent: &AgentId) -> (String, String, String, String) {
        let bosun = &self.app.bosun;
        let owner = &self.principals[&Who::Owner];
        let key = bosun
            .create_runtime_key(owner, agent, "asker")
            .await
            .unwrap();
        let key = bosun.authenticate_runtime_key(&key.key).await.unwrap();
        let runner = Runner::Key(key.clone());
        let patch = AgentPatch {
            tools: Some(vec!["system_shell".into(), "list_directory".into()]),
            ..AgentPatch::default()
        };
        bosun.update_agent(owner, agent, patch).await.unwrap();
        bosun
            .start_run(&Caller::User(owner.clone()), agent, json!({}))
            .await
            .unwrap();
        let (run, _) = bosun
            .claim_next_run(&key, Duration::ZERO)
            .await
            .unwrap()
            .unwrap();
        let request = ToolCallRequest {
            tool: "system_shell".into(),
            input: "make".into(),
            ..ToolCallRequest::default()
        };
        let asked = bosun
            .request_tool_call(&runner, &run.id, request)
            .await
            .unwrap();
        let approval = asked
            .approval_id
            .expect("restricted mode asks about shell commands");
        let allowed = self.allowed_listing(&runner, &run.id).await;
        (
            run.id.to_string(),
            approval.to_string(),
            asked.id.to_string(),
            allowed.id.to_string(),
        )
    }

    /// An interactive run Run started, with a call of it that was allowed
    /// (by the admin, should a rule before this cell's ask about it).
    async fn interactive_run(&self, agent: &AgentId) -> (String, String) {
        let principal = &self.principals[&Who::Run];
        let starter = Runner::Starter(principal.clone());
        let (run, _) = self
            .app
            .bosun
            .start_interactive_run(principal, agent, "session", json!({}))
            .await
            .unwrap();
        let call = self.allowed_listing(&starter, &run.id).await;
        (run.id.to_string(), call.id.to_string())
    }

    /// A call of `run` that lists a directory, allowed: restricted mode
    /// allows reading, unless a cell before this one added an enforced
    /// rule that asks: then the admin allows it.
    async fn allowed_listing(&self, runner: &Runner, run: &RunId) -> ToolCallState {
        let bosun = &self.app.bosun;
        let request = ToolCallRequest {
            tool: "list_directory".into(),
            input: "/srv/app".into(),
            ..ToolCallRequest::default()
        };
        let allowed = bosun.request_tool_call(runner, run, request).await.unwrap();
        if let Some(approval) = &allowed.approval_id {
            let review = ReviewDecision {
                decision: "allow_once".into(),
                ..ReviewDecision::default()
            };
            bosun
                .decide_approval(&self.principals[&Who::Admin], approval, review)
                .await
                .unwrap();
        }
        allowed
    }

    async fn call(&self, who: Who, call: Call, ids: &Ids) -> (u16, String) {
        let token = match who {
            Who::AgentKey => Some(&ids.key_value),
            Who::OtherAgentKey => Some(&self.other_agent_key),
            Who::DeadKey => Some(&ids.dead_key_value),
            _ => self.tokens.get(&who),
        };
        self.send(token, &self.sessions[&who], call, ids).await
    }

    /// A call with a bearer token of the test's own, and no session.
    async fn call_with(&self, token: &str, call: Call, ids: &Ids) -> (u16, String) {
        let token = token.to_owned();
        self.send(Some(&token), &self.app.browser(), call, ids)
            .await
    }

    async fn send(
        &self,
        token: Option<&String>,
        session: &Client,
        call: Call,
        ids: &Ids,
    ) -> (u16, String) {
        let response = match call {
            Call::Rest(method, path, body) => {
                let path = path
                    .replace("{id}", &ids.agent)
                    .replace("{name}", &ids.name)
                    .replace("{grant_id}", &ids.grant)
                    .replace("{rule_id}", &ids.agent_rule)
                    .replace("{workspace_rule}", &ids.workspace_rule)
                    .replace("{key_id}", &ids.key)
                    .replace("{approval}", &ids.approval)
                    .replace("{the_run}", &ids.run)
                    .replace("{pending_call}", &ids.pending_call)
                    .replace("{allowed_call}", &ids.allowed_call);
                // Only the rows about an interactive run have one: in the
                // others, Run has no run of the agent to see.
                let path = if path.contains("{interactive_") {
                    let agent = AgentId::from_string(ids.agent.clone());
                    let (run, call) = self.interactive_run(&agent).await;
                    path.replace("{interactive_run}", &run)
                        .replace("{interactive_call}", &call)
                } else {
                    path
                };
                let url = self.app.url(&path);
                let mut request = Client::new().request(method, url);
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let body = body(ids);
                if !body.is_null() {
                    request = request.json(&body);
                }
                request.send().await.unwrap()
            }
            Call::ServerFn(name, form) => {
                let fields = form(ids);
                let fields: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                self.app.call(session, name, &fields).await
            }
        };
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// What a refused call must leave alone: the agent's name, description,
    /// grants and rules, and the workspace's rules.
    async fn state_of(&self, ids: &Ids) -> Option<AgentState> {
        let owner = &self.principals[&Who::Owner];
        let admin = &self.principals[&Who::Admin];
        let bosun = &self.app.bosun;
        let id = AgentId::from_string(ids.agent.clone());
        let view = bosun.agent_for(owner, &id, Capability::View).await.ok()?;
        Some(AgentState {
            name: view.agent.name,
            description: view.agent.description,
            grants: bosun.list_grants(owner, &id).await.unwrap().len(),
            agent_rules: bosun.rules(owner, &RuleList::Agent(id)).await.unwrap(),
            workspace_rules: bosun.rules(admin, &RuleList::Workspace).await.unwrap(),
        })
    }
}

#[tokio::test]
async fn every_agent_route_and_server_function_answers_each_principal_as_the_table_says() {
    let world = world().await;
    let mut failures = Vec::new();
    for (name, call, expected) in table() {
        // A refused call changes nothing (each cell checks), so the cells
        // whose call must be refused share one subject, built afresh only
        // after a call that did change it; they go first, so that each
        // meets the subject as it was built. Every other cell gets its own.
        let (refusals, others): (Vec<_>, Vec<_>) = EVERYONE
            .into_iter()
            .zip(expected)
            .partition(|(_, expected)| refused(*expected));
        let mut shared: Option<(Ids, Option<AgentState>)> = None;
        for (who, expected) in refusals.into_iter().chain(others) {
            let (ids, before) = match shared.take() {
                Some(subject) if refused(expected) => subject,
                _ => {
                    let ids = world.agent().await;
                    let before = world.state_of(&ids).await;
                    (ids, before)
                }
            };
            let (status, body) = world.call(who, call.clone(), &ids).await;
            let outcome = match expected {
                L | O if status == 200 => {
                    if body.contains(&ids.agent) {
                        L
                    } else {
                        O
                    }
                }
                _ => S(status),
            };
            if outcome != expected {
                failures.push(format!(
                    "{name} as {who:?}: expected {expected:?}, got {outcome:?} ({body})"
                ));
            }
            if (200..300).contains(&status) {
                continue;
            }
            if world.state_of(&ids).await != before {
                failures.push(format!(
                    "{name} as {who:?} was refused ({status}) but changed the agent"
                ));
            } else if refused(expected) {
                shared = Some((ids, before));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Whether a cell's call must be refused.
fn refused(expected: Outcome) -> bool {
    matches!(expected, S(status) if status >= 400)
}

/// What an agent token Run made for the agent gets, row by row: what Run
/// gets on the routes of Run's interactive runs; not found on a run a
/// worker claimed (no interactive run of Run's); nothing from the routes
/// only a runtime key or a session opens; and everywhere else 403
/// `token_scope`.
fn agent_token_outcome(name: &str, row: &[Outcome; 12]) -> Outcome {
    // What an agent token is for: its agent's interactive runs, the
    // hooks through which an agent people already run drives them, and
    // the MCP servers a gateway relays for it.
    if name.ends_with("(interactive)")
        || name.starts_with("POST /api/v1/hooks/")
        || name.contains(" /api/v1/agents/{id}/mcp-servers")
    {
        return row[2];
    }
    if name.starts_with("fn ") || name == "GET /api/v1/runtime/runs/next" {
        return S(401);
    }
    if name.contains(" /api/v1/runtime/") {
        return S(404);
    }
    S(403)
}

#[tokio::test]
async fn an_agent_token_opens_nothing_but_its_agents_interactive_runs() {
    let world = world().await;
    let mut failures = Vec::new();
    for (name, call, row) in table() {
        let ids = world.agent().await;
        let made = world
            .app
            .bosun
            .create_scoped_token(
                &world.principals[&Who::Run],
                bosun_service::identity::NewToken {
                    name: "agent".into(),
                    agent: Some(AgentId::from_string(ids.agent.clone())),
                    expires_at: None,
                },
            )
            .await
            .unwrap();
        let before = world.state_of(&ids).await;
        let (status, body) = world.call_with(&made.token, call, &ids).await;
        let expected = agent_token_outcome(name, &row);
        if S(status) != expected {
            failures.push(format!(
                "{name}: expected {expected:?}, got {status} ({body})"
            ));
        }
        if status == 403 && !name.ends_with("(interactive)") && !body.contains("token_scope") {
            failures.push(format!("{name}: refused, but not for its scope ({body})"));
        }
        if !(200..300).contains(&status) && world.state_of(&ids).await != before {
            failures.push(format!(
                "{name} was refused ({status}) but changed the agent"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_table_covers_every_server_function_and_documented_route() {
    let app = spawn_app().await;
    let covered: BTreeSet<String> = table()
        .into_iter()
        .map(|(name, _, _)| name.to_owned())
        .chain(NOT_AGENT_RELATED.iter().map(|name| (*name).to_owned()))
        .collect();
    let mut existing = BTreeSet::new();
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        existing.insert(format!("fn {}", path.trim_start_matches("/fn/")));
    }
    let document: Value = app.openapi_document().await;
    for (path, methods) in document["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            existing.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let missing: Vec<_> = existing.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "not in the authorization table: {missing:?}"
    );
}

#[tokio::test]
async fn revoking_a_grant_takes_effect_on_the_next_request_with_the_same_session_and_token() {
    let world = world().await;
    let ids = world.agent().await;
    let get = Call::Rest(Method::GET, "/api/v1/agents/{id}", no_body);
    let get_fn = Call::ServerFn("agents/get", |ids| vec![("id", ids.agent.clone())]);
    assert_eq!(world.call(Who::Run, get.clone(), &ids).await.0, 200);
    assert_eq!(world.call(Who::Run, get_fn.clone(), &ids).await.0, 200);

    let owner = &world.principals[&Who::Owner];
    let agent = AgentId::from_string(ids.agent.clone());
    world
        .app
        .bosun
        .revoke_grant(owner, &agent, &GrantId::from_string(ids.grant.clone()))
        .await
        .unwrap();
    assert_eq!(world.call(Who::Run, get, &ids).await.0, 404);
    assert_eq!(world.call(Who::Run, get_fn, &ids).await.0, 404);
}

/// The REST routes the table and [`NOT_AGENT_RELATED`] name, as `METHOD
/// /api/v1/…`: a list kept by hand, apart from the router, that the
/// OpenAPI document is checked against.
pub(crate) fn rest_routes_named() -> BTreeSet<String> {
    table()
        .into_iter()
        .map(|(name, _, _)| name)
        .chain(NOT_AGENT_RELATED.iter().copied())
        .filter(|name| !name.starts_with("fn "))
        // Rows such as "POST /api/v1/agents/{id}/runs (interactive)" name
        // one route again, for another kind of caller.
        .map(|name| name.split(" (").next().unwrap_or(name).to_owned())
        .collect()
}
