//! The event vocabulary against its contract: every kind `docs/events.md`
//! names is an [`EventKind`] and the other way round, and each typed
//! payload encodes exactly the bytes its writers stored before it was typed
//! (the hash chain covers them) and reads back as itself.
//!
//! Each case holds the JSON the writer built by hand before (the `json!`
//! expression, copied from it with the same values), the bytes that
//! expression encodes to, and the typed payload that writer builds now.

use std::collections::BTreeSet;

use bosun_wire::events::{
    AddedRule, AgentEvent, ApprovalRequested, ApprovalResolved, CredentialIssued,
    CredentialRefused, DecidingRule, EventData, EventKind, EventPayload, KeyReference, Payload,
    PolicyDecision, RunClaimed, RunFinished, RunStarted, ToolCallRequested, ToolCallResult,
};
use serde_json::{Value, json};

/// The kinds `docs/events.md` names: the first column of the run events'
/// table, and every `kind.name` of the administrative events' section.
fn documented_kinds() -> BTreeSet<String> {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/events.md"))
        .expect("docs/events.md is readable");
    let section = |title: &str| {
        let start = docs.find(title).expect("the section exists");
        let rest = &docs[start + title.len()..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].to_owned()
    };
    let is_kind = |name: &str| {
        let mut parts = name.split('.');
        let kind = |part: Option<&str>| {
            part.is_some_and(|p| {
                !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            })
        };
        kind(parts.next()) && kind(parts.next()) && parts.next().is_none()
    };
    let mut kinds = BTreeSet::new();
    for row in section("## Run events")
        .lines()
        .filter(|l| l.starts_with("| `"))
    {
        let first = row.split('|').nth(1).unwrap_or_default().trim();
        kinds.insert(first.trim_matches('`').to_owned());
    }
    for quoted in section("## Administrative events")
        .split('`')
        .skip(1)
        .step_by(2)
    {
        if is_kind(quoted) {
            kinds.insert(quoted.to_owned());
        }
    }
    kinds
}

#[test]
fn every_documented_kind_is_in_the_enum_and_every_kind_is_documented() {
    let documented = documented_kinds();
    let defined: BTreeSet<String> = EventKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    assert_eq!(
        documented.difference(&defined).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "documented but not defined"
    );
    assert_eq!(
        defined.difference(&documented).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "defined but not documented"
    );
    assert_eq!(
        defined.len(),
        EventKind::ALL.len(),
        "no name is defined twice"
    );
}

#[test]
fn a_kind_reads_back_from_its_name_and_an_unknown_name_is_refused() {
    for kind in EventKind::ALL {
        assert_eq!(kind.as_str().parse::<EventKind>(), Ok(*kind));
        assert_eq!(kind.to_string(), kind.as_str());
        assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
        assert_eq!(
            serde_json::from_value::<EventKind>(json!(kind.as_str())).unwrap(),
            *kind
        );
    }
    assert!("run.paused".parse::<EventKind>().is_err());
    assert!("Run.Started".parse::<EventKind>().is_err());
    assert!(serde_json::from_value::<EventKind>(json!("run.paused")).is_err());
}

/// Checks one writer's case for `kind`: the old expression encodes to
/// `golden`, the typed payload encodes to the same bytes, and those bytes
/// read back as the typed payload, which encodes to them again.
fn check_as<P: EventData + std::fmt::Debug + PartialEq>(
    kind: EventKind,
    old: Value,
    golden: &str,
    typed: &P,
    read: impl Fn(Payload<'_>) -> Option<P>,
) {
    assert!(
        P::KINDS.contains(&kind),
        "{kind} is one of the type's kinds"
    );
    assert_eq!(old.to_string(), golden, "the old expression's bytes");
    let encoded = serde_json::to_value(typed).unwrap();
    assert_eq!(encoded.to_string(), golden, "{kind} encodes as before");
    let stored: Value = serde_json::from_str(golden).unwrap();
    let back = read(Payload::read(kind.as_str(), &stored));
    assert_eq!(back.as_ref(), Some(typed), "{kind} reads back");
    assert_eq!(
        serde_json::to_value(back.unwrap()).unwrap().to_string(),
        golden,
        "{kind} encodes the same after a read"
    );
}

/// Checks that data an older version stored for `kind` reads as `typed`
/// and encodes back to the same bytes.
fn reads_older<P: EventData + std::fmt::Debug + PartialEq>(
    kind: EventKind,
    stored: &str,
    typed: &P,
    read: impl Fn(Payload<'_>) -> Option<P>,
) {
    let data: Value = serde_json::from_str(stored).unwrap();
    let back = read(Payload::read(kind.as_str(), &data));
    assert_eq!(back.as_ref(), Some(typed), "{kind}'s older shape reads");
    assert_eq!(
        serde_json::to_value(typed).unwrap().to_string(),
        stored,
        "{kind}'s older shape encodes back to its bytes"
    );
}

/// Picks one variant's payload out of a read.
type Reader<P> = fn(Payload<'_>) -> Option<P>;

macro_rules! reader {
    ($variant:ident) => {
        |payload| match payload {
            Payload::$variant(read) => Some(read),
            _ => None,
        }
    };
}

/// [`check_as`] for a payload of one kind.
fn check<P: EventPayload + std::fmt::Debug + PartialEq>(
    old: Value,
    golden: &str,
    typed: P,
    read: impl Fn(Payload<'_>) -> Option<P>,
) {
    check_as(P::KIND, old, golden, &typed, read);
}

#[test]
fn run_started_encodes_as_before() {
    // A person's run (`start_run`).
    let (input, model, started_by, key_reference) = (
        json!({"task": "deploy", "n": 3}),
        "user",
        Some("u-1"),
        Value::Null,
    );
    check(
        json!({ "input": input, "credential_model": model, "started_by": started_by,
                "started_by_key": key_reference }),
        r#"{"credential_model":"user","input":{"n":3,"task":"deploy"},"started_by":"u-1","started_by_key":null}"#,
        RunStarted {
            input: json!({"task": "deploy", "n": 3}),
            credential_model: "user".into(),
            started_by: Some("u-1".into()),
            started_by_key: None,
            interactive: None,
            external_id: None,
        },
        reader!(RunStarted),
    );
    // A fixed agent's worker's run, started with its runtime key.
    let (input, model, started_by) = (json!("nightly ✓"), "fixed", None::<String>);
    let key_reference = json!({ "id": "k-1", "name": "ci", "created_by": "u-2" });
    check(
        json!({ "input": input, "credential_model": model, "started_by": started_by,
                "started_by_key": key_reference }),
        r#"{"credential_model":"fixed","input":"nightly ✓","started_by":null,"started_by_key":{"created_by":"u-2","id":"k-1","name":"ci"}}"#,
        RunStarted {
            input: json!("nightly ✓"),
            credential_model: "fixed".into(),
            started_by: None,
            started_by_key: Some(KeyReference {
                id: "k-1".into(),
                name: "ci".into(),
                created_by: "u-2".into(),
            }),
            interactive: None,
            external_id: None,
        },
        reader!(RunStarted),
    );
    // An interactive run (`start_interactive_run`).
    let (input, model, started_by, external_id) = (
        json!({"client": "claude_code", "session_id": "s-1", "cwd": "/srv", "permission_mode": "default"}),
        "user",
        "u-1",
        "s-1",
    );
    check(
        json!({ "input": input, "credential_model": model, "started_by": started_by,
                "started_by_key": null, "interactive": true, "external_id": external_id }),
        r#"{"credential_model":"user","external_id":"s-1","input":{"client":"claude_code","cwd":"/srv","permission_mode":"default","session_id":"s-1"},"interactive":true,"started_by":"u-1","started_by_key":null}"#,
        RunStarted {
            input,
            credential_model: "user".into(),
            started_by: Some("u-1".into()),
            started_by_key: None,
            interactive: Some(true),
            external_id: Some(Some("s-1".into())),
        },
        reader!(RunStarted),
    );
}

#[test]
fn run_claimed_and_agent_events_encode_as_before() {
    check(json!({}), "{}", RunClaimed {}, reader!(RunClaimed));
    let data = json!({"claude_code": "UserPromptSubmit", "prompt": "a\u{0}b"});
    check(
        json!({ "event": data }),
        r#"{"event":{"claude_code":"UserPromptSubmit","prompt":"a\u0000b"}}"#,
        AgentEvent {
            event: data.clone(),
        },
        reader!(AgentEvent),
    );
}

#[test]
fn tool_call_requests_encode_as_before() {
    let (id, tool, kept, working_dir) = ("c-1", "system_shell", json!("ls -la"), None::<String>);
    check(
        json!({ "tool_call_id": id, "tool": tool, "input": kept, "working_dir": working_dir }),
        r#"{"input":"ls -la","tool":"system_shell","tool_call_id":"c-1","working_dir":null}"#,
        ToolCallRequested {
            tool_call_id: "c-1".into(),
            tool: "system_shell".into(),
            input: json!("ls -la"),
            working_dir: None,
            client_tool: None,
        },
        reader!(ToolCallRequested),
    );
    // A client integration's call: its own tool name is added after.
    let kept = json!({"command": "rm -rf /tmp/x", "Authorization": "[redacted]"});
    let working_dir = Some("/repo");
    let mut requested =
        json!({ "tool_call_id": id, "tool": tool, "input": kept, "working_dir": working_dir });
    requested["client_tool"] = json!("Bash");
    check(
        requested,
        r#"{"client_tool":"Bash","input":{"Authorization":"[redacted]","command":"rm -rf /tmp/x"},"tool":"system_shell","tool_call_id":"c-1","working_dir":"/repo"}"#,
        ToolCallRequested {
            tool_call_id: "c-1".into(),
            tool: "system_shell".into(),
            input: kept,
            working_dir: Some("/repo".into()),
            client_tool: Some("Bash".into()),
        },
        reader!(ToolCallRequested),
    );
}

#[test]
fn policy_decisions_encode_as_before() {
    let (id, tool) = ("c-1", "system_shell");
    let reason = json!({"kind": "rule", "layer": "agent", "position": 2, "rule_id": "r-1"});
    let risk = json!({"level": "caution", "reasons": ["deletes files"]});
    let commands = json!([{"command": "rm -rf /tmp/x", "decision": "allow"}]);
    // The rule as `rules/decisions.rs` snapshotted it.
    let rule = json!({ "id": "r-1", "tool": "system_shell", "action": "allow",
                       "pattern": "rm -rf /tmp/**", "note": "" });
    let allowance = json!({ "id": "a-1", "approval_id": "p-1", "granted_by": "u-2",
                            "subject": "rm -rf /tmp/x" });
    let mut decided = json!({ "tool_call_id": id, "tool": tool, "decision": "allow", "reason": reason, "rule": rule,
                              "risk": risk, "commands": commands });
    decided["run_allowance"] = allowance.clone();
    check(
        decided,
        r#"{"commands":[{"command":"rm -rf /tmp/x","decision":"allow"}],"decision":"allow","reason":{"kind":"rule","layer":"agent","position":2,"rule_id":"r-1"},"risk":{"level":"caution","reasons":["deletes files"]},"rule":{"action":"allow","id":"r-1","note":"","pattern":"rm -rf /tmp/**","tool":"system_shell"},"run_allowance":{"approval_id":"p-1","granted_by":"u-2","id":"a-1","subject":"rm -rf /tmp/x"},"tool":"system_shell","tool_call_id":"c-1"}"#,
        PolicyDecision {
            tool_call_id: "c-1".into(),
            tool: "system_shell".into(),
            decision: "allow".into(),
            reason: reason.clone(),
            rule: Some(DecidingRule {
                id: "r-1".into(),
                tool: "system_shell".into(),
                action: "allow".into(),
                pattern: Some("rm -rf /tmp/**".into()),
                note: String::new(),
            }),
            risk: risk.clone(),
            commands: commands.clone(),
            run_allowance: Some(allowance),
        },
        reader!(PolicyDecision),
    );
    // Decided by the mode: no rule, no allowance.
    let reason = json!({"kind": "mode", "mode": "ask_everything"});
    let (rule, commands) = (Value::Null, json!([]));
    check(
        json!({ "tool_call_id": id, "tool": tool, "decision": "ask", "reason": reason, "rule": rule,
                "risk": risk, "commands": commands }),
        r#"{"commands":[],"decision":"ask","reason":{"kind":"mode","mode":"ask_everything"},"risk":{"level":"caution","reasons":["deletes files"]},"rule":null,"tool":"system_shell","tool_call_id":"c-1"}"#,
        PolicyDecision {
            tool_call_id: "c-1".into(),
            tool: "system_shell".into(),
            decision: "ask".into(),
            reason,
            rule: None,
            risk,
            commands,
            run_allowance: None,
        },
        reader!(PolicyDecision),
    );
}

#[test]
fn approval_events_encode_as_before() {
    let (approval, id, tool, expires_at) = ("p-1", "c-1", "send_email", 1_700_000_123_456_i64);
    check(
        json!({ "approval_id": approval, "tool_call_id": id, "tool": tool,
                "expires_at": expires_at }),
        r#"{"approval_id":"p-1","expires_at":1700000123456,"tool":"send_email","tool_call_id":"c-1"}"#,
        ApprovalRequested {
            approval_id: "p-1".into(),
            tool_call_id: "c-1".into(),
            tool: "send_email".into(),
            expires_at,
        },
        reader!(ApprovalRequested),
    );
    // A reviewer's decision (`decide_approval`): *Always allow* with a rule.
    let rule = Some(json!({ "id": "r-9", "layer": "agent", "pattern": "to:*@example.com" }));
    let (edited, allowance) = (None::<Value>, None::<Value>);
    let message = Some("fine");
    check(
        json!({
            "approval_id": approval, "tool_call_id": id, "tool": tool, "reviewer": "u-2",
            "decision": "always_allow", "outcome": "allow", "message": message,
            "edited_input": edited,
            "rule": rule,
            "run_allowance": allowance,
        }),
        r#"{"approval_id":"p-1","decision":"always_allow","edited_input":null,"message":"fine","outcome":"allow","reviewer":"u-2","rule":{"id":"r-9","layer":"agent","pattern":"to:*@example.com"},"run_allowance":null,"tool":"send_email","tool_call_id":"c-1"}"#,
        ApprovalResolved {
            approval_id: "p-1".into(),
            tool_call_id: "c-1".into(),
            tool: "send_email".into(),
            reviewer: Some(Some("u-2".into())),
            decision: "always_allow".into(),
            outcome: "allow".into(),
            message: Some("fine".into()),
            edited_input: Some(Value::Null),
            rule: Some(Some(AddedRule {
                id: "r-9".into(),
                layer: "agent".into(),
                pattern: Some("to:*@example.com".into()),
            })),
            run_allowance: Some(Value::Null),
        },
        reader!(ApprovalResolved),
    );
    // An edit and an allowance for the run, without a message or a rule.
    let edited = Some(json!({"to": "a@example.com", "token": "[redacted]"}));
    let allowance = Some(json!({ "id": "a-1", "tool": tool, "subject": "a@example.com" }));
    let (rule, message) = (None::<Value>, None::<String>);
    check(
        json!({
            "approval_id": approval, "tool_call_id": id, "tool": tool, "reviewer": "u-2",
            "decision": "allow_for_run", "outcome": "allow", "message": message,
            "edited_input": edited,
            "rule": rule,
            "run_allowance": allowance,
        }),
        r#"{"approval_id":"p-1","decision":"allow_for_run","edited_input":{"to":"a@example.com","token":"[redacted]"},"message":null,"outcome":"allow","reviewer":"u-2","rule":null,"run_allowance":{"id":"a-1","subject":"a@example.com","tool":"send_email"},"tool":"send_email","tool_call_id":"c-1"}"#,
        ApprovalResolved {
            approval_id: "p-1".into(),
            tool_call_id: "c-1".into(),
            tool: "send_email".into(),
            reviewer: Some(Some("u-2".into())),
            decision: "allow_for_run".into(),
            outcome: "allow".into(),
            message: None,
            edited_input: edited,
            rule: Some(None),
            run_allowance: allowance,
        },
        reader!(ApprovalResolved),
    );
    // Expiry and withdrawal (`resolve_unreviewed`): no reviewer at all.
    let (status, message) = (
        "expired",
        "the approval request expired before anyone decided",
    );
    check(
        json!({ "approval_id": approval, "tool_call_id": id, "tool": tool,
                "decision": status, "outcome": "deny", "message": message }),
        r#"{"approval_id":"p-1","decision":"expired","message":"the approval request expired before anyone decided","outcome":"deny","tool":"send_email","tool_call_id":"c-1"}"#,
        ApprovalResolved {
            approval_id: "p-1".into(),
            tool_call_id: "c-1".into(),
            tool: "send_email".into(),
            reviewer: None,
            decision: "expired".into(),
            outcome: "deny".into(),
            message: Some(message.into()),
            edited_input: None,
            rule: None,
            run_allowance: None,
        },
        reader!(ApprovalResolved),
    );
    // Cancelled with its run (`cancel_run`).
    let message = "run cancelled by Ada";
    check(
        json!({ "approval_id": approval, "tool_call_id": id,
                "tool": tool, "reviewer": "u-3",
                "decision": "cancelled", "outcome": "deny", "message": message }),
        r#"{"approval_id":"p-1","decision":"cancelled","message":"run cancelled by Ada","outcome":"deny","reviewer":"u-3","tool":"send_email","tool_call_id":"c-1"}"#,
        ApprovalResolved {
            approval_id: "p-1".into(),
            tool_call_id: "c-1".into(),
            tool: "send_email".into(),
            reviewer: Some(Some("u-3".into())),
            decision: "cancelled".into(),
            outcome: "deny".into(),
            message: Some(message.into()),
            edited_input: None,
            rule: None,
            run_allowance: None,
        },
        reader!(ApprovalResolved),
    );
}

#[test]
fn tool_call_results_encode_as_before() {
    let (id, tool) = ("c-1", "http_request");
    let (output, error, duration_ms) = (
        Some(json!({"status": 200, "body": "ok"})),
        None::<String>,
        Some(12_i64),
    );
    check(
        json!({ "tool_call_id": id, "tool": tool, "output": output, "error": error,
                "duration_ms": duration_ms }),
        r#"{"duration_ms":12,"error":null,"output":{"body":"ok","status":200},"tool":"http_request","tool_call_id":"c-1"}"#,
        ToolCallResult {
            tool_call_id: "c-1".into(),
            tool: "http_request".into(),
            output,
            error: None,
            duration_ms,
        },
        reader!(ToolCallResult),
    );
    let (output, error, duration_ms) = (None::<Value>, Some("timed out\u{0}"), None::<i64>);
    check(
        json!({ "tool_call_id": id, "tool": tool, "output": output, "error": error,
                "duration_ms": duration_ms }),
        r#"{"duration_ms":null,"error":"timed out\u0000","output":null,"tool":"http_request","tool_call_id":"c-1"}"#,
        ToolCallResult {
            tool_call_id: "c-1".into(),
            tool: "http_request".into(),
            output: None,
            error: Some("timed out\u{0}".into()),
            duration_ms: None,
        },
        reader!(ToolCallResult),
    );
}

#[test]
fn credential_events_encode_as_before() {
    let (name, version, service_account) = ("DEPLOY_KEY", 3_i64, "deploy-bot");
    check(
        json!({ "name": name, "kind": "secret", "version": version,
                "service_account": service_account }),
        r#"{"kind":"secret","name":"DEPLOY_KEY","service_account":"deploy-bot","version":3}"#,
        CredentialIssued::Secret {
            name: name.into(),
            version,
            service_account: service_account.into(),
        },
        reader!(CredentialIssued),
    );
    let (provider, connection, user, scopes) = ("github", "o-1", "u-1", "repo read:org");
    check(
        json!({ "name": provider, "kind": "oauth", "connection": connection,
                "user": user, "scopes": scopes }),
        r#"{"connection":"o-1","kind":"oauth","name":"github","scopes":"repo read:org","user":"u-1"}"#,
        CredentialIssued::Oauth {
            name: provider.into(),
            connection: connection.into(),
            user: user.into(),
            scopes: scopes.into(),
        },
        reader!(CredentialIssued),
    );
    let (name, server, header) = ("mcp:tickets", "tickets", "X-Api-Key");
    check(
        json!({ "name": name, "kind": "mcp_header", "server": server,
                "header": header, "used_by": "bosun" }),
        r#"{"header":"X-Api-Key","kind":"mcp_header","name":"mcp:tickets","server":"tickets","used_by":"bosun"}"#,
        CredentialIssued::McpHeader {
            name: name.into(),
            server: server.into(),
            header: header.into(),
            used_by: "bosun".into(),
        },
        reader!(CredentialIssued),
    );
    let (name, reason) = (
        "DEPLOY_KEY",
        "a fixed agent's secrets go only to runs its workers claim",
    );
    check(
        json!({ "name": name, "reason": reason }),
        r#"{"name":"DEPLOY_KEY","reason":"a fixed agent's secrets go only to runs its workers claim"}"#,
        CredentialRefused {
            name: name.into(),
            reason: reason.into(),
        },
        reader!(CredentialRefused),
    );
}

#[test]
fn run_endings_encode_as_before() {
    // A worker's end (`finish_run`).
    let (status, output) = ("succeeded", Some(json!({"deployed": true})));
    check(
        json!({ "status": status, "output": output }),
        r#"{"output":{"deployed":true},"status":"succeeded"}"#,
        RunFinished {
            status: "succeeded".into(),
            output: json!({"deployed": true}),
            ..RunFinished::default()
        },
        reader!(RunFinished),
    );
    let output = None::<Value>;
    check(
        json!({ "status": "failed", "output": output }),
        r#"{"output":null,"status":"failed"}"#,
        RunFinished {
            status: "failed".into(),
            ..RunFinished::default()
        },
        reader!(RunFinished),
    );
    // A person's cancellation (`cancel_run`).
    let user_id = "u-3";
    check(
        json!({ "status": "cancelled", "output": null, "cancelled_by": user_id }),
        r#"{"cancelled_by":"u-3","output":null,"status":"cancelled"}"#,
        RunFinished {
            status: "cancelled".into(),
            output: Value::Null,
            cancelled_by: Some("u-3".into()),
            ..RunFinished::default()
        },
        reader!(RunFinished),
    );
    // An abandoned interactive run (`end_abandoned_runs`).
    let (output, idle_seconds) = (json!({ "reason": "abandoned" }), 1800_u64);
    check(
        json!({ "status": "failed", "output": output, "reason": "abandoned",
                "idle_seconds": idle_seconds }),
        r#"{"idle_seconds":1800,"output":{"reason":"abandoned"},"reason":"abandoned","status":"failed"}"#,
        RunFinished {
            status: "failed".into(),
            output,
            cancelled_by: None,
            reason: Some("abandoned".into()),
            idle_seconds: Some(idle_seconds),
        },
        reader!(RunFinished),
    );
}

#[test]
fn unknown_kinds_and_unreadable_data_read_as_the_raw_json() {
    let newer = json!({"paused_for": 30});
    assert_eq!(Payload::read("run.paused", &newer), Payload::Other(&newer));
    // A newer kind that names a tool still says which.
    let newer = json!({"tool": "deploy", "server": "ops"});
    assert_eq!(
        Payload::read("tool.retired", &newer),
        Payload::Other(&newer)
    );
    assert_eq!(Payload::read("tool.retired", &newer).tool(), Some("deploy"));
    // Data that does not read as its kind's: an approval's expiry as text,
    // a credential of a kind this version does not know, not an object.
    let odd = json!({"approval_id": "p-1", "expires_at": "tomorrow"});
    assert_eq!(
        Payload::read("approval.requested", &odd),
        Payload::Other(&odd)
    );
    let odd = json!({"name": "x", "kind": "service_account"});
    assert_eq!(
        Payload::read("credential.issued", &odd),
        Payload::Other(&odd)
    );
    let odd = json!("just text");
    assert_eq!(Payload::read("run.finished", &odd), Payload::Other(&odd));
    // An older event missing fields still reads, with what it has.
    let older = json!({"tool_call_id": "c-1", "tool": "read_file"});
    match Payload::read("tool_call.requested", &older) {
        Payload::ToolCallRequested(requested) => {
            assert_eq!(requested.tool, "read_file");
            assert_eq!(requested.input, Value::Null);
        }
        other => panic!("read as {other:?}"),
    }
}

#[test]
fn the_decision_search_finds_is_the_outcome_or_the_rules_decision() {
    let resolved = json!({"approval_id": "p-1", "tool_call_id": "c-1", "tool": "send_email",
                          "decision": "always_allow", "outcome": "allow", "message": null});
    assert_eq!(
        Payload::read("approval.resolved", &resolved).decision(),
        Some("allow")
    );
    let decided = json!({"tool_call_id": "c-1", "tool": "system_shell", "decision": "ask",
                         "reason": {"kind": "mode", "mode": "restricted"}, "rule": null,
                         "risk": {"level": "caution", "reasons": []}, "commands": []});
    assert_eq!(
        Payload::read("policy.decision", &decided).decision(),
        Some("ask")
    );
    // A kind of another version, by its fields; nothing for other kinds.
    let newer = json!({"decision": "deny", "tool": "deploy"});
    assert_eq!(
        Payload::read("tool.blocked", &newer).decision(),
        Some("deny")
    );
    let newer = json!({"decision": "maybe"});
    assert_eq!(Payload::read("tool.blocked", &newer).decision(), None);
    let finished = json!({"status": "failed", "output": null});
    assert_eq!(Payload::read("run.finished", &finished).decision(), None);
}

// After `reader!`, which it uses: the administrative kinds.
#[path = "events/admin.rs"]
mod admin;
