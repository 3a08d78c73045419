//! "Always allow" over REST: the suggested rule is the narrowest that
//! covers the request, says what it would also allow and which stricter
//! rules it would override, and overriding them takes an explicit
//! confirmation.

use bosun_service::identity::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{api_call as call, spawn_app};
use crate::runtime::{Setup, setup};

/// A member who edits the agent (and so reviews its requests) and a second
/// admin (the run's starter, the first admin, may not decide its own run's
/// requests).
async fn reviewers(s: &Setup) -> (String, String) {
    let mia = s.app.create_user("mia@example.com", Role::Member).await;
    let (status, grant) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/grants", s.agent),
        json!({"user_id": mia.to_string(), "level": "edit"}),
    )
    .await;
    assert_eq!(status, 201, "{grant}");
    s.app.create_user("rita@example.com", Role::Admin).await;
    (
        s.app.token_for("mia@example.com").await,
        s.app.token_for("rita@example.com").await,
    )
}

async fn workspace_rule(s: &Setup, body: Value) -> String {
    let (status, rule) = call(s.base(), &s.admin, Method::POST, "/api/v1/rules", body).await;
    assert_eq!(status, 201, "{rule}");
    rule["id"].as_str().unwrap().to_owned()
}

async fn suggestion(s: &Setup, token: &str, approval: &str, query: &str) -> (StatusCode, Value) {
    call(
        s.base(),
        token,
        Method::GET,
        &format!("/api/v1/approvals/{approval}/suggestion{query}"),
        Value::Null,
    )
    .await
}

async fn decide(s: &Setup, token: &str, approval: &str, body: Value) -> (StatusCode, Value) {
    call(
        s.base(),
        token,
        Method::POST,
        &format!("/api/v1/approvals/{approval}/decision"),
        body,
    )
    .await
}

async fn agent_patterns(s: &Setup) -> Vec<String> {
    let (status, rules) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/agents/{}/rules", s.agent),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    rules["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["pattern"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn git_push_is_suggested_as_its_own_words_and_overriding_the_admins_ask_takes_a_confirmation()
{
    let s = setup(spawn_app().await).await;
    let (mia, rita) = reviewers(&s).await;
    let admin_rule = workspace_rule(
        &s,
        json!({"tool": "system_shell", "action": "ask", "pattern": "git push *"}),
    )
    .await;
    let run = s.running(&s.admin).await;
    // Earlier requests of the agent: one the rule would also allow, one not.
    s.ask(&run, "system_shell", "git push origin main").await;
    s.ask(&run, "system_shell", "git push origin dev").await;
    let asked = s.ask(&run, "system_shell", "git push origin main").await;
    assert_eq!(asked["decision"], "pending");
    let approval = asked["approval_id"].as_str().unwrap();

    let (status, suggested) = suggestion(&s, &mia, approval, "").await;
    assert_eq!(status, 200, "{suggested}");
    assert_eq!(
        suggested["rule"],
        json!({"tool": "system_shell", "action": "allow", "pattern": "git push origin main"})
    );
    assert_eq!(suggested["scope"], "agent");
    // A member writes only the agent's rules.
    assert_eq!(suggested["scopes"], json!(["agent"]));
    assert_eq!(suggested["also_matches"], json!(["git push origin main"]));
    assert_eq!(suggested["overrides"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            &suggested["overrides"][0]["layer"],
            &suggested["overrides"][0]["rule_id"],
            &suggested["overrides"][0]["position"]
        ),
        (&json!("workspace"), &json!(admin_rule), &json!(1))
    );
    let (status, _) = suggestion(&s, &mia, approval, "?scope=workspace").await;
    assert_eq!(status, 403);
    let (status, body) = suggestion(&s, &rita, approval, "?scope=everywhere").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("scope")
    );
    let (_, for_admin) = suggestion(&s, &rita, approval, "").await;
    assert_eq!(for_admin["scopes"], json!(["agent", "workspace"]));

    // Without the confirmation nothing happens: not the suggested rule, and
    // not the `git *` the inbox used to suggest either.
    let before = agent_patterns(&s).await;
    for pattern in ["git push origin main", "git *"] {
        let (status, refused) = decide(
            &s,
            &mia,
            approval,
            json!({"decision": "always_allow", "rule": {"scope": "agent", "pattern": pattern}}),
        )
        .await;
        assert_eq!(status, 409, "{refused}");
        assert_eq!(refused["error"]["code"], "confirmation_required");
        assert!(
            refused["error"]["message"]
                .as_str()
                .unwrap()
                .contains("workspace rule #1: ask system_shell `git push *`"),
            "{refused}"
        );
    }
    assert_eq!(agent_patterns(&s).await, before);
    let (_, pending) = call(
        s.base(),
        &mia,
        Method::GET,
        "/api/v1/approvals?status=pending",
        Value::Null,
    )
    .await;
    assert!(
        pending["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == approval)
    );

    let (status, decided) = decide(
        &s,
        &mia,
        approval,
        json!({"decision": "always_allow",
        "rule": {"scope": "agent", "pattern": "git push origin main"}, "confirm_overrides": true}),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["decision"], "always_allow");
    assert!(
        agent_patterns(&s)
            .await
            .contains(&"git push origin main".to_owned())
    );
    // That push is allowed from now on; every other push still asks.
    assert_eq!(
        s.ask(&run, "system_shell", "git push origin main").await["decision"],
        "allow"
    );
    for other in [
        "git push origin main --force",
        "git push origin dev",
        "git push",
    ] {
        assert_eq!(
            s.ask(&run, "system_shell", other).await["decision"],
            "pending",
            "{other}"
        );
    }
}

#[tokio::test]
async fn an_enforced_rule_still_decides_and_the_suggestion_says_so() {
    let s = setup(spawn_app().await).await;
    let (mia, _) = reviewers(&s).await;
    let guardrail = workspace_rule(
        &s,
        json!({"tool": "system_shell", "action": "ask", "pattern": "git push *", "enforced": true}),
    )
    .await;
    let run = s.running(&s.admin).await;
    let asked = s.ask(&run, "system_shell", "git push origin main").await;
    let approval = asked["approval_id"].as_str().unwrap();

    let (status, suggested) = suggestion(&s, &mia, approval, "").await;
    assert_eq!(status, 200, "{suggested}");
    assert_eq!(suggested["overrides"], json!([]));
    let still = &suggested["still_decided"];
    assert_eq!(still["action"], "ask");
    assert_eq!(still["reason"]["layer"], "enforced");
    assert_eq!(still["reason"]["rule_id"], json!(guardrail));
    assert!(
        still["message"]
            .as_str()
            .unwrap()
            .contains("never overrides it"),
        "{still}"
    );

    // Nothing is overridden, so no confirmation is asked for; the
    // guardrail keeps asking.
    let (status, body) = decide(
        &s,
        &mia,
        approval,
        json!({"decision": "always_allow",
        "rule": {"scope": "agent", "pattern": "git push origin main"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        s.ask(&run, "system_shell", "git push origin main").await["decision"],
        "pending"
    );
}

#[tokio::test]
async fn a_file_tool_gets_the_absolute_path_and_recent_relative_requests_are_judged_where_they_ran()
{
    let s = setup(spawn_app().await).await;
    let (mia, _) = reviewers(&s).await;
    let run = s.running(&s.admin).await;
    let ask_in = |input: &'static str, dir: &'static str| {
        let (base, key, run) = (s.base().to_owned(), s.key.clone(), run.clone());
        async move {
            let (status, body) = call(
                &base,
                &key,
                Method::POST,
                &format!("/api/v1/runtime/runs/{run}/tool-calls"),
                json!({"tool": "delete_file", "input": input, "working_dir": dir}),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    ask_in("build/a.o", "/work").await; // the same file, relative
    ask_in("build/a.o", "/elsewhere").await; // another file
    ask_in("/work/build/b.o", "/").await;
    let asked = ask_in("./build/../build/a.o", "/work").await;
    let approval = asked["approval_id"].as_str().unwrap();

    let (status, suggested) = suggestion(&s, &mia, approval, "").await;
    assert_eq!(status, 200, "{suggested}");
    assert_eq!(suggested["rule"]["pattern"], "/work/build/a.o");
    assert_eq!(suggested["also_matches"], json!(["build/a.o"]));
    assert_eq!(suggested["overrides"], json!([]));
    assert!(
        suggested.get("still_decided").is_none_or(Value::is_null),
        "{suggested}"
    );

    // A pattern the engine rejects names the field.
    let (status, body) = decide(
        &s,
        &mia,
        approval,
        json!({"decision": "always_allow",
        "rule": {"scope": "agent", "pattern": "oops\\"}}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("pattern"),
        "{body}"
    );
    let (status, _) = suggestion(&s, &mia, "no-such-approval", "").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn evaluate_warns_about_allow_rules_that_let_through_far_more_than_they_seem_to() {
    let s = setup(spawn_app().await).await;
    let (status, rule) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/rules", s.agent),
        json!({"tool": "system_shell", "action": "allow", "pattern": "sudo *"}),
    )
    .await;
    assert_eq!(status, 201, "{rule}");
    let (status, evaluated) = call(
        s.base(),
        &s.admin,
        Method::POST,
        &format!("/api/v1/agents/{}/evaluate", s.agent),
        json!({"tool": "system_shell", "input": "sudo ls"}),
    )
    .await;
    assert_eq!(status, 200, "{evaluated}");
    assert_eq!(evaluated["decision"], "allow");
    let warnings = evaluated["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{evaluated}");
    assert_eq!(warnings[0]["kind"], "broad_allow");
    assert_eq!(warnings[0]["rule"]["rule_id"], rule["id"]);
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("`sudo` runs the commands")
    );
}
