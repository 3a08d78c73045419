//! Rules over REST: validation, order, evaluation, freshness across
//! processes, and the audit trail.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, api_request as send, spawn_app, start};

async fn ok_json(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn agent(app: &TestApp, token: &str, mode: &str) -> String {
    let body =
        json!({"name": "Worker", "tools": ["system_shell", "delete_file"], "execution_mode": mode});
    let created =
        ok_json(send(&app.address, token, Method::POST, "/api/v1/agents", body).await).await;
    created["id"].as_str().unwrap().to_owned()
}

async fn evaluate(base: &str, token: &str, agent: &str, tool: &str, input: &str) -> Value {
    let path = format!("/api/v1/agents/{agent}/evaluate");
    ok_json(
        send(
            base,
            token,
            Method::POST,
            &path,
            json!({"tool": tool, "input": input}),
        )
        .await,
    )
    .await
}

#[tokio::test]
async fn rules_are_validated_when_saved_naming_the_field() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let id = agent(&app, &token, "open").await;
    let path = format!("/api/v1/agents/{id}/rules");
    let cases = [
        (
            json!({"tool": "system_shell", "action": "allow", "pattern": "rm \\x"}),
            "pattern: backslash at position 4",
        ),
        (
            json!({"tool": "system_shell", "action": "allow", "pattern": "oops\\"}),
            "pattern: unmatched backslash",
        ),
        (json!({"tool": "teleport", "action": "allow"}), "tool: "),
        (json!({"tool": "", "action": "allow"}), "tool: is required"),
        (
            json!({"tool": "*", "action": "maybe"}),
            "action: must be one of: allow, ask, deny",
        ),
    ];
    for (body, expected) in cases {
        let response = send(&app.address, &token, Method::POST, &path, body.clone()).await;
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(expected), "{body}: {message}");
    }
    let rules = ok_json(send(&app.address, &token, Method::GET, &path, Value::Null).await).await;
    assert_eq!(rules["items"], json!([]), "nothing was saved");
}

#[tokio::test]
async fn the_first_matching_rule_decides_and_reordering_changes_the_outcome() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let id = agent(&app, &token, "locked").await;
    let path = format!("/api/v1/agents/{id}/rules");
    let allow = ok_json(
        send(
            &app.address,
            &token,
            Method::POST,
            &path,
            json!({"tool": "system_shell", "action": "allow", "pattern": "npm *"}),
        )
        .await,
    )
    .await;
    let deny = ok_json(send(&app.address, &token, Method::POST, &path,
        json!({"tool": "system_shell", "action": "deny", "pattern": "npm publish*", "note": "no releases"})).await).await;
    assert_eq!(
        (allow["position"].as_i64(), deny["position"].as_i64()),
        (Some(1), Some(2))
    );

    let decision = evaluate(&app.address, &token, &id, "system_shell", "npm publish").await;
    assert_eq!(decision["decision"], "allow");
    assert_eq!(
        decision["reason"],
        json!({"kind": "rule", "layer": "agent", "rule_id": allow["id"], "position": 1})
    );

    let order = json!({"order": [deny["id"], allow["id"]]});
    let reordered = ok_json(send(&app.address, &token, Method::PUT, &path, order).await).await;
    assert_eq!(reordered["items"][0]["id"], deny["id"]);
    let decision = evaluate(&app.address, &token, &id, "system_shell", "npm publish").await;
    assert_eq!(decision["decision"], "deny");
    assert_eq!(decision["reason"]["rule_id"], deny["id"]);
    assert!(decision["risk"]["level"].is_string());

    let incomplete = send(
        &app.address,
        &token,
        Method::PUT,
        &path,
        json!({"order": [deny["id"]]}),
    )
    .await;
    assert_eq!(incomplete.status(), 400);
    let nothing_matches = evaluate(&app.address, &token, &id, "system_shell", "ls").await;
    assert_eq!(
        nothing_matches["reason"],
        json!({"kind": "mode", "mode": "locked"})
    );
}

#[tokio::test]
async fn enforced_rules_decide_before_the_agent_and_workspace_rules() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let id = agent(&app, &token, "open").await;
    let enforced = ok_json(
        send(
            &app.address,
            &token,
            Method::POST,
            "/api/v1/rules",
            json!({"tool": "delete_file", "action": "deny", "pattern": "*", "enforced": true}),
        )
        .await,
    )
    .await;
    assert_eq!(enforced["enforced"], true);
    ok_json(
        send(
            &app.address,
            &token,
            Method::POST,
            &format!("/api/v1/agents/{id}/rules"),
            json!({"tool": "delete_file", "action": "allow", "pattern": "/tmp/*"}),
        )
        .await,
    )
    .await;
    ok_json(
        send(
            &app.address,
            &token,
            Method::POST,
            "/api/v1/rules",
            json!({"tool": "system_shell", "action": "ask"}),
        )
        .await,
    )
    .await;

    let decision = evaluate(&app.address, &token, &id, "delete_file", "/tmp/x").await;
    assert_eq!(decision["decision"], "deny");
    assert_eq!(decision["reason"]["layer"], "enforced");
    let decision = evaluate(&app.address, &token, &id, "system_shell", "ls").await;
    assert_eq!(decision["decision"], "ask");
    assert_eq!(decision["reason"]["layer"], "workspace");

    let listed = ok_json(
        send(
            &app.address,
            &token,
            Method::GET,
            "/api/v1/rules",
            Value::Null,
        )
        .await,
    )
    .await;
    let flags: Vec<&Value> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["enforced"])
        .collect();
    assert_eq!(flags, [&json!(true), &json!(false)]);
}

#[tokio::test]
async fn a_decision_never_uses_rules_older_than_the_last_committed_change_in_any_process() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let id = agent(&app, &token, "open").await;
    // A second server over the same database, with its own cache.
    let (other, _) = start(&app.config, None).await;
    assert_eq!(
        evaluate(&other, &token, &id, "system_shell", "make deploy").await["decision"],
        "allow"
    );

    let rule = ok_json(
        send(
            &app.address,
            &token,
            Method::POST,
            &format!("/api/v1/agents/{id}/rules"),
            json!({"tool": "system_shell", "action": "deny", "pattern": "make *"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        evaluate(&other, &token, &id, "system_shell", "make deploy").await["decision"],
        "deny"
    );

    ok_json(
        send(
            &app.address,
            &token,
            Method::POST,
            "/api/v1/rules",
            json!({"tool": "*", "action": "ask", "enforced": true}),
        )
        .await,
    )
    .await;
    assert_eq!(
        evaluate(&other, &token, &id, "system_shell", "make deploy").await["decision"],
        "ask"
    );

    let rule_path = format!("/api/v1/agents/{id}/rules/{}", rule["id"].as_str().unwrap());
    assert_eq!(
        send(
            &app.address,
            &token,
            Method::DELETE,
            &rule_path,
            Value::Null
        )
        .await
        .status(),
        204
    );
    let patched = send(
        &app.address,
        &token,
        Method::PATCH,
        &format!("/api/v1/agents/{id}"),
        json!({"execution_mode": "locked"}),
    )
    .await;
    assert_eq!(patched.status(), 200);
    let decision = evaluate(&other, &token, &id, "system_shell", "make deploy").await;
    assert_eq!(
        decision["decision"], "ask",
        "the enforced rule still decides first"
    );
    assert_eq!(decision["reason"]["layer"], "enforced");
}

#[tokio::test]
async fn a_clone_carries_the_agent_rules_and_every_rule_change_is_audited() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let id = agent(&app, &token, "restricted").await;
    let path = format!("/api/v1/agents/{id}/rules");
    let rule = ok_json(
        send(
            &app.address,
            &token,
            Method::POST,
            &path,
            json!({"tool": "system_shell", "action": "allow", "pattern": "cargo test*"}),
        )
        .await,
    )
    .await;
    let rule_path = format!("{path}/{}", rule["id"].as_str().unwrap());
    ok_json(
        send(
            &app.address,
            &token,
            Method::PATCH,
            &rule_path,
            json!({"tool": "system_shell", "action": "ask", "pattern": "cargo *"}),
        )
        .await,
    )
    .await;

    let copy = ok_json(
        send(
            &app.address,
            &token,
            Method::POST,
            &format!("/api/v1/agents/{id}/clone"),
            json!({}),
        )
        .await,
    )
    .await;
    let copy_id = copy["id"].as_str().unwrap();
    let copied = ok_json(
        send(
            &app.address,
            &token,
            Method::GET,
            &format!("/api/v1/agents/{copy_id}/rules"),
            Value::Null,
        )
        .await,
    )
    .await;
    assert_eq!(copied["items"].as_array().unwrap().len(), 1);
    assert_eq!(copied["items"][0]["pattern"], "cargo *");
    assert_ne!(copied["items"][0]["id"], rule["id"]);

    assert_eq!(
        send(
            &app.address,
            &token,
            Method::DELETE,
            &rule_path,
            Value::Null
        )
        .await
        .status(),
        204
    );
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM events WHERE kind LIKE 'rule.%' ORDER BY seq")
            .fetch_all(app.bosun.db().pool())
            .await
            .unwrap();
    assert_eq!(kinds, ["rule.created", "rule.updated", "rule.deleted"]);
}

#[tokio::test]
async fn evaluate_and_a_run_refuse_a_tool_the_agent_was_not_given_alike() {
    let s = crate::runtime::setup(spawn_app().await).await;
    // read_file is in the catalog and the mode would allow it, but this
    // agent has only system_shell and delete_file.
    let (status, evaluated) = crate::helpers::api_call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/evaluate", s.agent),
        json!({"tool": "read_file", "input": "/srv/notes.txt"}),
    )
    .await;
    assert_eq!(status, 200, "{evaluated}");
    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "read_file", "/srv/notes.txt").await;
    for answer in [&evaluated, &asked] {
        assert_eq!(answer["decision"], "deny", "{answer}");
        assert_eq!(
            answer["reason"],
            json!({"kind": "invalid_input", "message": "`read_file` is not one of this agent's tools"})
        );
        assert_eq!(answer["risk"]["level"], "unknown");
    }
}

/// A page's rule list names its layer; a form naming none, or another word,
/// is refused as a bad request naming the field, and nothing is saved.
#[tokio::test]
async fn a_rule_form_naming_no_known_list_is_refused_naming_the_scope() {
    let app = spawn_app().await;
    let client = app.logged_in("admin@example.com").await;
    let rule = [("rule[tool]", "*"), ("rule[action]", "allow")];
    for scope in [Some("everything"), Some(""), None] {
        let mut form = vec![("list[agent_id]", "")];
        form.extend(scope.map(|s| ("list[scope]", s)));
        form.extend(rule);
        let response = app.call(&client, "rules/add", &form).await;
        assert_eq!(response.status(), 400, "{scope:?}");
        let message = response.text().await.unwrap();
        assert!(message.contains("scope"), "{scope:?}: {message}");
    }
    let token = app.token_for("admin@example.com").await;
    let rules = ok_json(
        send(
            &app.address,
            &token,
            Method::GET,
            "/api/v1/rules",
            Value::Null,
        )
        .await,
    )
    .await;
    assert_eq!(rules["items"], json!([]), "nothing was saved");
}
