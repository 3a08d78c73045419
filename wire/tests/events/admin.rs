//! The administrative events' payloads against the bytes their writers
//! stored before they were typed: for every kind (and every shape a kind's
//! writers build), the old `json!` expression copied from its writer with
//! values of the same types, the bytes it encodes to, and the typed payload
//! the writer builds now, which must encode to those bytes and read back
//! from them. Shapes older versions wrote read as the typed payload too.

use super::{Reader, check_as as check, reads_older};
use bosun_wire::events::*;
use bosun_wire::vocabulary::{
    AccessLevel, Action, ArgKind, CredentialModel, ExecutionMode, Layer, RiskLevel, Role,
    ToolCategory, Transport,
};
use serde_json::{Value, json};

#[test]
fn every_kind_but_one_never_written_has_a_payload() {
    let typed: Vec<&[EventKind]> = vec![
        RunStarted::KINDS,
        RunClaimed::KINDS,
        ToolCallRequested::KINDS,
        PolicyDecision::KINDS,
        ApprovalRequested::KINDS,
        ApprovalResolved::KINDS,
        ToolCallResult::KINDS,
        AgentEvent::KINDS,
        CredentialIssued::KINDS,
        CredentialRefused::KINDS,
        RunFinished::KINDS,
        AgentCreated::KINDS,
        AgentChanged::KINDS,
        AgentDeleted::KINDS,
        AgentCloned::KINDS,
        GrantSaved::KINDS,
        GrantRevoked::KINDS,
        CredentialWritten::KINDS,
        CredentialDeleted::KINDS,
        RuleEntry::KINDS,
        RuleUpdated::KINDS,
        RuleReordered::KINDS,
        ToolCreated::KINDS,
        ToolDiscovered::KINDS,
        McpServerRegistered::KINDS,
        RuntimeKeyCreated::KINDS,
        RuntimeKeyRevoked::KINDS,
        RemoteMcpServerRegistered::KINDS,
        RemoteMcpServerUpdated::KINDS,
        RemoteMcpServerDeleted::KINDS,
        McpServerAttachment::KINDS,
        Account::KINDS,
        MemberAdded::KINDS,
        MemberRoleChanged::KINDS,
        PasswordLinkCreated::KINDS,
        WebhookCreated::KINDS,
        WebhookDeleted::KINDS,
        WorkspaceSettingsChanged::KINDS,
        OAuthProviderSaved::KINDS,
        OAuthProviderDeleted::KINDS,
        AgentConnectionNeedChanged::KINDS,
        ConnectionConnected::KINDS,
        ConnectionDisconnected::KINDS,
        ConnectionReconnectNeeded::KINDS,
    ];
    let mut covered: Vec<EventKind> = typed.concat();
    covered.sort();
    let before = covered.len();
    covered.dedup();
    assert_eq!(covered.len(), before, "no kind has two payload types");
    let untyped: Vec<EventKind> = EventKind::ALL
        .iter()
        .copied()
        .filter(|kind| !covered.contains(kind))
        .collect();
    // `rule.scope` was listed among the kinds but no writer ever recorded it.
    assert_eq!(untyped, [EventKind::RuleScope]);
}

#[test]
fn agent_events_encode_as_before() {
    let (name, mode, model, tools) = (
        "Deployer",
        ExecutionMode::ReadWrite,
        CredentialModel::Fixed,
        vec!["system_shell".to_owned(), "read_file".to_owned()],
    );
    check(
        EventKind::AgentCreated,
        json!({ "name": name, "execution_mode": mode,
                "credential_model": model, "tools": tools }),
        r#"{"credential_model":"fixed","execution_mode":"read_write","name":"Deployer","tools":["system_shell","read_file"]}"#,
        &AgentCreated {
            name: name.into(),
            execution_mode: mode,
            credential_model: model,
            tools: tools.clone(),
        },
        reader!(AgentCreated),
    );

    // `update_agent`: every field `changes` compares, as the old
    // `Changes` helper recorded it ({"from", "to"}, or {"changed": true}).
    let mut changes = serde_json::Map::new();
    let from_to = |from: Value, to: Value| json!({ "from": from, "to": to });
    changes.insert("name".into(), from_to(json!("Deployer"), json!("Shipper")));
    changes.insert("description".into(), from_to(json!(""), json!("ships")));
    changes.insert("tools".into(), from_to(json!(tools), json!(["read_file"])));
    changes.insert(
        "execution_mode".into(),
        from_to(
            json!(ExecutionMode::ReadWrite),
            json!(ExecutionMode::Locked),
        ),
    );
    changes.insert(
        "credential_model".into(),
        from_to(json!(CredentialModel::Fixed), json!(CredentialModel::User)),
    );
    changes.insert(
        "approval_ttl_seconds".into(),
        from_to(json!(None::<i64>), json!(Some(600_i64))),
    );
    changes.insert("owner_id".into(), from_to(json!("u-1"), json!("u-2")));
    changes.insert("instructions".into(), json!({ "changed": true }));
    changes.insert("settings".into(), json!({ "changed": true }));
    let all = AgentChanges {
        name: Change::between("Deployer".into(), "Shipper".into()),
        description: Change::between(String::new(), "ships".into()),
        tools: Change::between(tools.clone(), vec!["read_file".into()]),
        execution_mode: Change::between(ExecutionMode::ReadWrite, ExecutionMode::Locked),
        credential_model: Change::between(CredentialModel::Fixed, CredentialModel::User),
        approval_ttl_seconds: Change::between(None, Some(600)),
        owner_id: Change::between("u-1".into(), "u-2".into()),
        instructions: Changed::between("be brief", "be thorough"),
        settings: Changed::between(&json!({}), &json!({"region": "eu"})),
    };
    check(
        EventKind::AgentOwnershipTransferred,
        json!({ "changes": Value::Object(changes) }),
        r#"{"changes":{"approval_ttl_seconds":{"from":null,"to":600},"credential_model":{"from":"fixed","to":"user"},"description":{"from":"","to":"ships"},"execution_mode":{"from":"read_write","to":"locked"},"instructions":{"changed":true},"name":{"from":"Deployer","to":"Shipper"},"owner_id":{"from":"u-1","to":"u-2"},"settings":{"changed":true},"tools":{"from":["system_shell","read_file"],"to":["read_file"]}}}"#,
        &AgentChanged {
            changes: all,
            via: None,
        },
        reader!(AgentOwnershipTransferred),
    );
    // One field, back to the workspace's expiry.
    let mut changes = serde_json::Map::new();
    changes.insert(
        "approval_ttl_seconds".into(),
        json!({ "from": Some(600_i64), "to": None::<i64> }),
    );
    check(
        EventKind::AgentUpdated,
        json!({ "changes": Value::Object(changes) }),
        r#"{"changes":{"approval_ttl_seconds":{"from":600,"to":null}}}"#,
        &AgentChanged {
            changes: AgentChanges {
                approval_ttl_seconds: Change::between(Some(600), None),
                ..AgentChanges::default()
            },
            via: None,
        },
        reader!(AgentUpdated),
    );
    // `add_discovered_tools`: an MCP listing added tools for an editor.
    let (before, after) = (vec!["read_file"], vec!["read_file", "mcp__ops__deploy"]);
    let mut changes = serde_json::Map::new();
    changes.insert("tools".into(), json!({ "from": before, "to": after }));
    check(
        EventKind::AgentUpdated,
        json!({ "changes": Value::Object(changes), "via": "mcp_discovery" }),
        r#"{"changes":{"tools":{"from":["read_file"],"to":["read_file","mcp__ops__deploy"]}},"via":"mcp_discovery"}"#,
        &AgentChanged {
            changes: AgentChanges {
                tools: Change::between(
                    vec!["read_file".into()],
                    vec!["read_file".into(), "mcp__ops__deploy".into()],
                ),
                ..AgentChanges::default()
            },
            via: Some("mcp_discovery".into()),
        },
        reader!(AgentUpdated),
    );
    assert!(AgentChanges::default().is_empty());
    assert_eq!(Change::between(1, 1), None);
    assert_eq!(Changed::between("same", "same"), None);

    check(
        EventKind::AgentDeleted,
        json!({ "name": "Shipper" }),
        r#"{"name":"Shipper"}"#,
        &AgentDeleted {
            name: "Shipper".into(),
        },
        reader!(AgentDeleted),
    );
    let (source, copy, rules) = ("a-1", "Copy of Shipper", vec![(), ()]);
    check(
        EventKind::AgentCloned,
        json!({ "source_agent_id": source, "name": copy, "rules_copied": rules.len() }),
        r#"{"name":"Copy of Shipper","rules_copied":2,"source_agent_id":"a-1"}"#,
        &AgentCloned {
            source_agent_id: source.into(),
            name: copy.into(),
            rules_copied: Some(2),
        },
        reader!(AgentCloned),
    );
    // Before rules were copied, a clone recorded no count.
    reads_older(
        EventKind::AgentCloned,
        r#"{"name":"Copy of Shipper","source_agent_id":"a-1"}"#,
        &AgentCloned {
            source_agent_id: source.into(),
            name: copy.into(),
            rules_copied: None,
        },
        reader!(AgentCloned),
    );
}

#[test]
fn grant_events_encode_as_before() {
    // `share_agent`: a new grant to a person.
    let (id, user, level, previous) = ("g-1", Some("u-2"), AccessLevel::Run, None::<String>);
    check(
        EventKind::GrantCreated,
        json!({ "grant_id": id, "user_id": user, "workspace": user.is_none(),
                "level": level, "previous_level": previous }),
        r#"{"grant_id":"g-1","level":"run","previous_level":null,"user_id":"u-2","workspace":false}"#,
        &GrantSaved {
            grant_id: id.into(),
            user_id: Some("u-2".into()),
            workspace: false,
            level,
            previous_level: None,
        },
        reader!(GrantCreated),
    );
    // The workspace's grant raised (the previous level as stored).
    let (user, level, previous) = (None::<&str>, AccessLevel::Edit, Some("clone".to_owned()));
    check(
        EventKind::GrantChanged,
        json!({ "grant_id": id, "user_id": user, "workspace": user.is_none(),
                "level": level, "previous_level": previous }),
        r#"{"grant_id":"g-1","level":"edit","previous_level":"clone","user_id":null,"workspace":true}"#,
        &GrantSaved {
            grant_id: id.into(),
            user_id: None,
            workspace: true,
            level,
            previous_level: Some(AccessLevel::Clone),
        },
        reader!(GrantChanged),
    );
    check(
        EventKind::GrantRevoked,
        json!({ "grant_id": id, "user_id": Some("u-2"), "workspace": false,
                "level": AccessLevel::Clone }),
        r#"{"grant_id":"g-1","level":"clone","user_id":"u-2","workspace":false}"#,
        &GrantRevoked {
            grant_id: id.into(),
            user_id: Some("u-2".into()),
            workspace: false,
            level: AccessLevel::Clone,
        },
        reader!(GrantRevoked),
    );
}

#[test]
fn credential_and_key_events_encode_as_before() {
    let (name, version, service_account) = ("DEPLOY_KEY", 2_i64, "deploy-bot".to_owned());
    check(
        EventKind::CredentialWritten,
        json!({ "name": name, "version": version, "service_account": service_account }),
        r#"{"name":"DEPLOY_KEY","service_account":"deploy-bot","version":2}"#,
        &CredentialWritten {
            name: name.into(),
            version,
            service_account: service_account.clone(),
        },
        reader!(CredentialWritten),
    );
    check(
        EventKind::CredentialDeleted,
        json!({ "name": name }),
        r#"{"name":"DEPLOY_KEY"}"#,
        &CredentialDeleted { name: name.into() },
        reader!(CredentialDeleted),
    );
    let (key, name) = ("k-1", "nightly");
    check(
        EventKind::RuntimeKeyCreated,
        json!({ "key_id": key, "name": name }),
        r#"{"key_id":"k-1","name":"nightly"}"#,
        &RuntimeKeyCreated {
            key_id: key.into(),
            name: name.into(),
        },
        reader!(RuntimeKeyCreated),
    );
    check(
        EventKind::RuntimeKeyRevoked,
        json!({ "key_id": key }),
        r#"{"key_id":"k-1"}"#,
        &RuntimeKeyRevoked { key_id: key.into() },
        reader!(RuntimeKeyRevoked),
    );
}

#[test]
fn rule_events_encode_as_before() {
    // A rule as the service's `RuleInfo` serialized it.
    let info = json!({ "id": "r-1", "layer": Layer::Agent, "position": 1, "tool": "system_shell",
                       "action": Action::Allow, "pattern": "npm *", "note": "builds" });
    let snapshot = RuleSnapshot {
        id: "r-1".into(),
        layer: Layer::Agent,
        position: 1,
        tool: "system_shell".into(),
        action: Action::Allow,
        pattern: Some("npm *".into()),
        note: "builds".into(),
    };
    // `record_rule_change` added the list's layer to each payload.
    let with_layer = |mut data: Value, layer: Layer| {
        data["layer"] = json!(layer);
        data
    };
    let rule_golden = r#"{"action":"allow","id":"r-1","layer":"agent","note":"builds","pattern":"npm *","position":1,"tool":"system_shell"}"#;
    for (kind, reader) in [
        (
            EventKind::RuleCreated,
            reader!(RuleCreated) as Reader<RuleEntry>,
        ),
        (EventKind::RuleDeleted, reader!(RuleDeleted)),
    ] {
        check(
            kind,
            with_layer(json!({ "rule": info }), Layer::Agent),
            &format!(r#"{{"layer":"agent","rule":{rule_golden}}}"#),
            &RuleEntry {
                rule: snapshot.clone(),
                layer: Layer::Agent,
            },
            reader,
        );
    }
    let after_info = json!({ "id": "r-1", "layer": Layer::Workspace, "position": 3, "tool": "*",
                             "action": Action::Deny, "pattern": None::<String>, "note": "" });
    let after = RuleSnapshot {
        id: "r-1".into(),
        layer: Layer::Workspace,
        position: 3,
        tool: "*".into(),
        action: Action::Deny,
        pattern: None,
        note: String::new(),
    };
    let before_info = json!({ "id": "r-1", "layer": Layer::Workspace, "position": 3, "tool": "system_shell",
                              "action": Action::Allow, "pattern": "npm *", "note": "builds" });
    check(
        EventKind::RuleUpdated,
        with_layer(
            json!({ "before": before_info, "after": after_info }),
            Layer::Workspace,
        ),
        r#"{"after":{"action":"deny","id":"r-1","layer":"workspace","note":"","pattern":null,"position":3,"tool":"*"},"before":{"action":"allow","id":"r-1","layer":"workspace","note":"builds","pattern":"npm *","position":3,"tool":"system_shell"},"layer":"workspace"}"#,
        &RuleUpdated {
            before: RuleSnapshot {
                layer: Layer::Workspace,
                position: 3,
                ..snapshot
            },
            after,
            layer: Layer::Workspace,
        },
        reader!(RuleUpdated),
    );
    let (before, order) = (vec!["r-1", "r-2"], vec!["r-2".to_owned(), "r-1".to_owned()]);
    check(
        EventKind::RuleReordered,
        with_layer(json!({ "before": before, "after": order }), Layer::Enforced),
        r#"{"after":["r-2","r-1"],"before":["r-1","r-2"],"layer":"enforced"}"#,
        &RuleReordered {
            before: vec!["r-1".into(), "r-2".into()],
            after: order,
            layer: Layer::Enforced,
        },
        reader!(RuleReordered),
    );
}

#[test]
fn tool_and_mcp_events_encode_as_before() {
    // `create_tool` with an input schema, and without.
    let schema = Some(json!({"type": "object", "properties": {"to": {"type": "string"}}}));
    let subject = Some("/to".to_owned());
    check(
        EventKind::ToolCreated,
        json!({ "tool": "notify", "argument_kind": ArgKind::Text,
                "default_risk": RiskLevel::Caution, "category": ToolCategory::Network,
                "input_schema": schema, "subject": subject }),
        r#"{"argument_kind":"text","category":"network","default_risk":"caution","input_schema":{"properties":{"to":{"type":"string"}},"type":"object"},"subject":"/to","tool":"notify"}"#,
        &ToolCreated {
            tool: "notify".into(),
            argument_kind: ArgKind::Text,
            default_risk: RiskLevel::Caution,
            category: ToolCategory::Network,
            input_schema: Some(schema.clone()),
            subject: Some(subject),
        },
        reader!(ToolCreated),
    );
    let (schema, subject) = (None::<Value>, None::<String>);
    check(
        EventKind::ToolCreated,
        json!({ "tool": "deploy", "argument_kind": ArgKind::Command,
                "default_risk": RiskLevel::Dangerous, "category": ToolCategory::Shell,
                "input_schema": schema, "subject": subject }),
        r#"{"argument_kind":"command","category":"shell","default_risk":"dangerous","input_schema":null,"subject":null,"tool":"deploy"}"#,
        &ToolCreated {
            tool: "deploy".into(),
            argument_kind: ArgKind::Command,
            default_risk: RiskLevel::Dangerous,
            category: ToolCategory::Shell,
            input_schema: Some(None),
            subject: Some(None),
        },
        reader!(ToolCreated),
    );
    // The catalog's new tool is the event's tool, as search and the trace
    // page show it.
    let stored = json!({"argument_kind": "text", "category": "network", "default_risk": "caution",
                        "input_schema": null, "subject": null, "tool": "notify"});
    assert_eq!(
        Payload::read("tool.created", &stored).tool(),
        Some("notify")
    );
    let stored = json!({"annotations": null, "server": "ops", "server_tool": "deploy-now",
                        "tool": "mcp__ops__deploy_now"});
    assert_eq!(
        Payload::read("tool.discovered", &stored).tool(),
        Some("mcp__ops__deploy_now")
    );
    // Before object inputs, a tool had neither field.
    reads_older(
        EventKind::ToolCreated,
        r#"{"argument_kind":"command","category":"shell","default_risk":"dangerous","tool":"deploy"}"#,
        &ToolCreated {
            tool: "deploy".into(),
            argument_kind: ArgKind::Command,
            default_risk: RiskLevel::Dangerous,
            category: ToolCategory::Shell,
            input_schema: None,
            subject: None,
        },
        reader!(ToolCreated),
    );
    for annotations in [Some(json!({"destructiveHint": true})), None] {
        let golden = match &annotations {
            Some(_) => {
                r#"{"annotations":{"destructiveHint":true},"server":"ops","server_tool":"deploy-now","tool":"mcp__ops__deploy_now"}"#
            }
            None => {
                r#"{"annotations":null,"server":"ops","server_tool":"deploy-now","tool":"mcp__ops__deploy_now"}"#
            }
        };
        check(
            EventKind::ToolDiscovered,
            json!({ "tool": "mcp__ops__deploy_now", "server": "ops", "server_tool": "deploy-now",
                    "annotations": annotations }),
            golden,
            &ToolDiscovered {
                tool: "mcp__ops__deploy_now".into(),
                server: "ops".into(),
                server_tool: "deploy-now".into(),
                annotations,
            },
            reader!(ToolDiscovered),
        );
    }
    let transport = Transport::Stdio.as_str().to_owned();
    check(
        EventKind::McpServerRegistered,
        json!({ "server": "ops", "transport": transport, "origin": "npx ops-server --token [redacted]" }),
        r#"{"origin":"npx ops-server --token [redacted]","server":"ops","transport":"stdio"}"#,
        &McpServerRegistered {
            server: "ops".into(),
            transport: Transport::Stdio,
            origin: "npx ops-server --token [redacted]".into(),
        },
        reader!(McpServerRegistered),
    );
}

#[test]
fn remote_mcp_events_encode_as_before() {
    let (kind, header, provider) = ("header", Some("X-Api-Key".to_owned()), None::<String>);
    check(
        EventKind::RemoteMcpServerRegistered,
        json!({ "name": "tickets", "url": "https://tickets.example:8443/…", "auth": kind,
                "header": header, "provider": provider,
                "timeout_seconds": 30_i64 }),
        r#"{"auth":"header","header":"X-Api-Key","name":"tickets","provider":null,"timeout_seconds":30,"url":"https://tickets.example:8443/…"}"#,
        &RemoteMcpServerRegistered {
            name: "tickets".into(),
            url: "https://tickets.example:8443/…".into(),
            auth: "header".into(),
            header: header.clone(),
            provider: None,
            timeout_seconds: 30,
        },
        reader!(RemoteMcpServerRegistered),
    );
    // `update_remote_mcp_server` with every field given, then with none.
    let mut data = json!({ "name": "tickets" });
    data["description"] = json!(true);
    data["url"] = json!("https://tickets.example/…");
    data["timeout_seconds"] = json!(60_i64);
    data["auth"] = json!({ "kind": "oauth", "header": None::<String>,
                           "provider": Some("github"),
                           "secret_changed": false });
    check(
        EventKind::RemoteMcpServerUpdated,
        data,
        r#"{"auth":{"header":null,"kind":"oauth","provider":"github","secret_changed":false},"description":true,"name":"tickets","timeout_seconds":60,"url":"https://tickets.example/…"}"#,
        &RemoteMcpServerUpdated {
            name: "tickets".into(),
            description: Some(true),
            url: Some("https://tickets.example/…".into()),
            timeout_seconds: Some(60),
            auth: Some(RemoteMcpAuthChange {
                kind: "oauth".into(),
                header: None,
                provider: Some("github".into()),
                secret_changed: false,
            }),
        },
        reader!(RemoteMcpServerUpdated),
    );
    check(
        EventKind::RemoteMcpServerUpdated,
        json!({ "name": "tickets" }),
        r#"{"name":"tickets"}"#,
        &RemoteMcpServerUpdated {
            name: "tickets".into(),
            description: None,
            url: None,
            timeout_seconds: None,
            auth: None,
        },
        reader!(RemoteMcpServerUpdated),
    );
    let agents = vec!["a-1", "a-2"];
    check(
        EventKind::RemoteMcpServerDeleted,
        json!({ "name": "tickets", "agents": agents }),
        r#"{"agents":["a-1","a-2"],"name":"tickets"}"#,
        &RemoteMcpServerDeleted {
            name: "tickets".into(),
            agents: vec!["a-1".into(), "a-2".into()],
        },
        reader!(RemoteMcpServerDeleted),
    );
    for (kind, reader) in [
        (
            EventKind::AgentMcpServerAttached,
            reader!(AgentMcpServerAttached) as Reader<McpServerAttachment>,
        ),
        (
            EventKind::AgentMcpServerDetached,
            reader!(AgentMcpServerDetached),
        ),
    ] {
        check(
            kind,
            json!({ "server": "tickets" }),
            r#"{"server":"tickets"}"#,
            &McpServerAttachment {
                server: "tickets".into(),
            },
            reader,
        );
    }
}

#[test]
fn member_and_password_events_encode_as_before() {
    let (id, email) = ("u-2", "bea@example.com".to_owned());
    check(
        EventKind::MemberAdded,
        json!({ "user_id": id, "email": email, "role": Role::Member.as_str() }),
        r#"{"email":"bea@example.com","role":"member","user_id":"u-2"}"#,
        &MemberAdded {
            user_id: id.into(),
            email: email.clone(),
            role: Role::Member,
        },
        reader!(MemberAdded),
    );
    check(
        EventKind::MemberRoleChanged,
        json!({ "user_id": id, "email": email,
                "from": Role::Member.as_str(), "to": Role::Admin.as_str() }),
        r#"{"email":"bea@example.com","from":"member","to":"admin","user_id":"u-2"}"#,
        &MemberRoleChanged {
            user_id: id.into(),
            email: email.clone(),
            from: Role::Member,
            to: Role::Admin,
        },
        reader!(MemberRoleChanged),
    );
    // Every kind that names an account and nothing else.
    let accounts: [(EventKind, Reader<Account>); 6] = [
        (EventKind::MemberDeactivated, reader!(MemberDeactivated)),
        (EventKind::MemberReactivated, reader!(MemberReactivated)),
        (EventKind::UserPasswordChanged, reader!(UserPasswordChanged)),
        (EventKind::MemberPasswordReset, reader!(MemberPasswordReset)),
        (
            EventKind::UserPasswordSetWithLink,
            reader!(UserPasswordSetWithLink),
        ),
        (
            EventKind::UserPasswordResetByOperator,
            reader!(UserPasswordResetByOperator),
        ),
    ];
    for (kind, reader) in accounts {
        check(
            kind,
            json!({ "user_id": id, "email": email }),
            r#"{"email":"bea@example.com","user_id":"u-2"}"#,
            &Account {
                user_id: id.into(),
                email: email.clone(),
            },
            reader,
        );
    }
    // The link's expiry as chrono encoded a `DateTime<Utc>`: whole
    // seconds, milliseconds or nanoseconds as the instant needs.
    for expires_at in [
        "2026-12-01T09:30:12Z",
        "2026-12-01T09:30:12.345Z",
        "2026-12-01T09:30:12.345678901Z",
    ] {
        check(
            EventKind::MemberPasswordLinkCreated,
            json!({ "user_id": id, "email": email, "expires_at": expires_at }),
            &format!(
                r#"{{"email":"bea@example.com","expires_at":"{expires_at}","user_id":"u-2"}}"#
            ),
            &PasswordLinkCreated {
                user_id: id.into(),
                email: email.clone(),
                expires_at: expires_at.into(),
            },
            reader!(MemberPasswordLinkCreated),
        );
    }
}

#[test]
fn workspace_and_webhook_events_encode_as_before() {
    let (id, url, events) = (
        "w-1",
        "https://hooks.example/…",
        vec!["approval.requested".to_owned(), "run.failed".to_owned()],
    );
    check(
        EventKind::WebhookCreated,
        json!({ "webhook_id": id, "url": url, "kind": "slack", "events": events }),
        r#"{"events":["approval.requested","run.failed"],"kind":"slack","url":"https://hooks.example/…","webhook_id":"w-1"}"#,
        &WebhookCreated {
            webhook_id: id.into(),
            url: url.into(),
            kind: "slack".into(),
            events,
        },
        reader!(WebhookCreated),
    );
    check(
        EventKind::WebhookDeleted,
        json!({ "webhook_id": id, "url": url }),
        r#"{"url":"https://hooks.example/…","webhook_id":"w-1"}"#,
        &WebhookDeleted {
            webhook_id: id.into(),
            url: url.into(),
        },
        reader!(WebhookDeleted),
    );
    // `settings_changes`: each changed field as {"from", "to"}.
    let mut changes = serde_json::Map::new();
    changes.insert(
        "default_execution_mode".into(),
        json!({ "from": ExecutionMode::Restricted, "to": ExecutionMode::Open }),
    );
    changes.insert(
        "approval_ttl_seconds".into(),
        json!({ "from": 86_400_i64, "to": 3_600_i64 }),
    );
    changes.insert("self_approval".into(), json!({ "from": false, "to": true }));
    check(
        EventKind::WorkspaceSettingsChanged,
        Value::Object(changes),
        r#"{"approval_ttl_seconds":{"from":86400,"to":3600},"default_execution_mode":{"from":"restricted","to":"open"},"self_approval":{"from":false,"to":true}}"#,
        &WorkspaceSettingsChanged {
            default_execution_mode: Change::between(ExecutionMode::Restricted, ExecutionMode::Open),
            approval_ttl_seconds: Change::between(86_400, 3_600),
            self_approval: Change::between(false, true),
        },
        reader!(WorkspaceSettingsChanged),
    );
    let mut changes = serde_json::Map::new();
    changes.insert("self_approval".into(), json!({ "from": true, "to": false }));
    check(
        EventKind::WorkspaceSettingsChanged,
        Value::Object(changes),
        r#"{"self_approval":{"from":true,"to":false}}"#,
        &WorkspaceSettingsChanged {
            self_approval: Change::between(true, false),
            ..WorkspaceSettingsChanged::default()
        },
        reader!(WorkspaceSettingsChanged),
    );
}

#[test]
fn oauth_events_encode_as_before() {
    // `CheckedProvider::audit_data`, and on update the secret's flag.
    let audit_data = json!({
        "name": "github", "issuer": None::<String>, "authorize_url": "https://github.com/login/oauth/authorize",
        "token_url": "https://github.com/login/oauth/access_token", "revocation_url": None::<String>,
        "client_id": "Iv1.abc", "scopes": "repo read:org",
        "login_enabled": false, "login_creates_users": false,
    });
    let saved = OAuthProviderSaved {
        name: "github".into(),
        issuer: None,
        authorize_url: "https://github.com/login/oauth/authorize".into(),
        token_url: "https://github.com/login/oauth/access_token".into(),
        revocation_url: None,
        client_id: "Iv1.abc".into(),
        scopes: "repo read:org".into(),
        login_enabled: false,
        login_creates_users: false,
        client_secret_changed: None,
    };
    check(
        EventKind::OAuthProviderCreated,
        audit_data.clone(),
        r#"{"authorize_url":"https://github.com/login/oauth/authorize","client_id":"Iv1.abc","issuer":null,"login_creates_users":false,"login_enabled":false,"name":"github","revocation_url":null,"scopes":"repo read:org","token_url":"https://github.com/login/oauth/access_token"}"#,
        &saved,
        reader!(OAuthProviderCreated),
    );
    let mut data = json!({
        "name": "corp", "issuer": Some("https://id.corp.example"), "authorize_url": "https://id.corp.example/auth",
        "token_url": "https://id.corp.example/token", "revocation_url": Some("https://id.corp.example/revoke"),
        "client_id": "bosun", "scopes": "openid email",
        "login_enabled": true, "login_creates_users": true,
    });
    data["client_secret_changed"] = json!(true);
    check(
        EventKind::OAuthProviderUpdated,
        data,
        r#"{"authorize_url":"https://id.corp.example/auth","client_id":"bosun","client_secret_changed":true,"issuer":"https://id.corp.example","login_creates_users":true,"login_enabled":true,"name":"corp","revocation_url":"https://id.corp.example/revoke","scopes":"openid email","token_url":"https://id.corp.example/token"}"#,
        &OAuthProviderSaved {
            name: "corp".into(),
            issuer: Some("https://id.corp.example".into()),
            authorize_url: "https://id.corp.example/auth".into(),
            token_url: "https://id.corp.example/token".into(),
            revocation_url: Some("https://id.corp.example/revoke".into()),
            client_id: "bosun".into(),
            scopes: "openid email".into(),
            login_enabled: true,
            login_creates_users: true,
            client_secret_changed: Some(true),
        },
        reader!(OAuthProviderUpdated),
    );
    let (connections, revoked) = (3_usize, 2_usize);
    check(
        EventKind::OAuthProviderDeleted,
        json!({ "name": "github", "connections": connections,
                "revoked_at_provider": revoked }),
        r#"{"connections":3,"name":"github","revoked_at_provider":2}"#,
        &OAuthProviderDeleted {
            name: "github".into(),
            connections: Some(3),
            revoked_at_provider: Some(2),
        },
        reader!(OAuthProviderDeleted),
    );
    // Before connections were revoked with their provider.
    reads_older(
        EventKind::OAuthProviderDeleted,
        r#"{"name":"github"}"#,
        &OAuthProviderDeleted {
            name: "github".into(),
            connections: None,
            revoked_at_provider: None,
        },
        reader!(OAuthProviderDeleted),
    );
    for scopes in [Some("repo".to_owned()), None] {
        let golden = match &scopes {
            Some(_) => r#"{"provider":"github","scopes":"repo"}"#,
            None => r#"{"provider":"github","scopes":null}"#,
        };
        check(
            EventKind::AgentConnectionNeedChanged,
            json!({ "provider": "github", "scopes": scopes }),
            golden,
            &AgentConnectionNeedChanged {
                provider: "github".into(),
                scopes,
            },
            reader!(AgentConnectionNeedChanged),
        );
    }
    let (provider, connection) = ("github", "o-1");
    check(
        EventKind::ConnectionConnected,
        json!({ "provider": provider, "connection": connection, "scopes": "repo read:org" }),
        r#"{"connection":"o-1","provider":"github","scopes":"repo read:org"}"#,
        &ConnectionConnected {
            provider: provider.into(),
            connection: connection.into(),
            scopes: "repo read:org".into(),
        },
        reader!(ConnectionConnected),
    );
    check(
        EventKind::ConnectionDisconnected,
        json!({ "provider": provider, "connection": connection, "revoked_at_provider": false }),
        r#"{"connection":"o-1","provider":"github","revoked_at_provider":false}"#,
        &ConnectionDisconnected {
            provider: provider.into(),
            connection: connection.into(),
            revoked_at_provider: false,
        },
        reader!(ConnectionDisconnected),
    );
    check(
        EventKind::ConnectionReconnectNeeded,
        json!({ "provider": provider, "connection": connection, "reason": "invalid_grant" }),
        r#"{"connection":"o-1","provider":"github","reason":"invalid_grant"}"#,
        &ConnectionReconnectNeeded {
            provider: provider.into(),
            connection: connection.into(),
            reason: "invalid_grant".into(),
        },
        reader!(ConnectionReconnectNeeded),
    );
}

#[test]
fn administrative_data_of_an_unexpected_shape_reads_as_the_raw_json() {
    // A required field missing, a level this version does not know, a
    // count as text, not an object: shown and exported as stored.
    for (kind, data) in [
        (EventKind::AgentDeleted, json!({})),
        (
            EventKind::GrantCreated,
            json!({"grant_id": "g-1", "user_id": null, "workspace": true, "level": "own", "previous_level": null}),
        ),
        (
            EventKind::OAuthProviderDeleted,
            json!({"name": "github", "connections": "three"}),
        ),
        (EventKind::MemberDeactivated, json!("u-2")),
        (EventKind::RuleScope, json!({"scope": "agent"})),
    ] {
        assert_eq!(
            Payload::read(kind.as_str(), &data),
            Payload::Other(&data),
            "{kind}"
        );
    }
    // A newer version's extra field does not stop an event reading.
    let newer = json!({"name": "Shipper", "archived": true});
    assert_eq!(
        Payload::read("agent.deleted", &newer),
        Payload::AgentDeleted(AgentDeleted {
            name: "Shipper".into()
        })
    );
}
