//! One bad value never fails someone else's request, on SQLite and
//! PostgreSQL alike: NUL characters in what decides something are refused
//! (or denied), NUL characters in what was produced are kept, and racing
//! writes answer 409.

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{api_call as call, spawn_app};
use crate::runtime::setup;

#[tokio::test]
async fn nul_in_a_path_segment_or_query_parameter_is_a_400_naming_where() {
    let s = setup(spawn_app().await).await;
    for (path, field) in [
        ("/api/v1/agents/%00", "path"),
        ("/api/v1/agents/x%00y/grants", "path"),
        ("/api/v1/traces?agent=%00", "query"),
        ("/api/v1/traces?q=a%00b", "query"),
        ("/api/v1/runtime/tool-calls/%00?wait=0", "path"),
    ] {
        let token = if path.contains("/runtime/") {
            &s.key
        } else {
            &s.admin
        };
        let (status, body) = call(s.base(), token, Method::GET, path, Value::Null).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "invalid_input", "{path}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(field) && message.contains("NUL"),
            "{path}: {message}"
        );
    }
}

#[tokio::test]
async fn nul_in_a_name_or_an_id_in_a_body_is_refused_not_a_fault() {
    let s = setup(spawn_app().await).await;
    let agents = format!("/api/v1/agents/{}", s.agent);
    for (method, path, body) in [
        (
            Method::POST,
            "/api/v1/agents".to_owned(),
            json!({"name": "a\u{0}b"}),
        ),
        (
            Method::PATCH,
            agents.clone(),
            json!({"description": "x\u{0}"}),
        ),
        (
            Method::POST,
            format!("{agents}/grants"),
            json!({"user_id": "\u{0}", "level": "run"}),
        ),
        (
            Method::PUT,
            format!("{agents}/rules"),
            json!({"order": ["\u{0}"]}),
        ),
        (
            Method::POST,
            format!("{agents}/rules"),
            json!({"tool": "system_shell", "action": "deny", "pattern": "rm\u{0}"}),
        ),
    ] {
        let (status, answer) = call(s.base(), &s.admin, method.clone(), &path, body).await;
        assert!(
            status.is_client_error(),
            "{method} {path} answered {status}: {answer}"
        );
        assert!(answer["error"]["code"].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn a_nul_tool_input_is_denied_and_its_batch_mates_are_decided_as_usual() {
    let s = setup(spawn_app().await).await;
    let runs = [s.running(&s.admin).await, s.running(&s.admin).await];
    // Good calls and bad ones at once, so that they share write batches.
    let calls = (0..60).map(|i| {
        let run = runs[i % 2].clone();
        let nul = i % 3 == 0;
        let input = if nul {
            format!("ls\u{0} /etc/{i}")
        } else {
            format!("ls -la {i}")
        };
        let s = &s;
        async move {
            let (status, body) = call(
                s.base(),
                &s.key,
                Method::POST,
                &format!("/api/v1/runtime/runs/{run}/tool-calls"),
                json!({"tool": "system_shell", "input": input}),
            )
            .await;
            (nul, input, status, body)
        }
    });
    let answers = join_all(calls).await;
    for (nul, input, status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{input:?}: {body}");
        if *nul {
            assert_eq!(body["decision"], "deny", "{body}");
            assert_eq!(body["reason"]["kind"], "invalid_input", "{body}");
        } else {
            assert_eq!(body["decision"], "allow", "{body}");
        }
    }

    // The trace keeps the refused input exactly as the agent sent it.
    let (status, trace) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/traces/{}", runs[0]),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{trace}");
    let requested: Vec<&str> = trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["kind"] == "tool_call.requested")
        .filter_map(|event| event["data"]["input"].as_str())
        .collect();
    assert!(requested.contains(&"ls\u{0} /etc/0"), "{requested:?}");
    assert_eq!(requested.len(), 30);

    // A retry of a refused call finds it, as for any other.
    let (status, retried) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{}/tool-calls", runs[0]),
        json!({"tool": "system_shell", "input": "ls\u{0}", "idempotency_key": "k1"}),
    )
    .await;
    assert_eq!(status, 200, "{retried}");
    let (status, again) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{}/tool-calls", runs[0]),
        json!({"tool": "system_shell", "input": "ls\u{0}", "idempotency_key": "k1"}),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], retried["id"]);
    assert_eq!(again["decision"], "deny");
}

#[tokio::test]
async fn outputs_and_free_form_events_keep_their_nul_characters() {
    let s = setup(spawn_app().await).await;
    let run = s.running(&s.admin).await;
    let mut ids = vec![];
    for input in ["ls a", "ls b"] {
        let asked = s.ask(&run, "system_shell", input).await;
        assert_eq!(asked["decision"], "allow");
        ids.push(asked["id"].as_str().unwrap().to_owned());
    }
    let output = json!({"stdout": "before\u{0}after", "bytes": [0, 1]});
    for (id, body) in [
        (&ids[0], json!({"output": output})),
        (&ids[1], json!({"error": "exit\u{0}code 1"})),
    ] {
        let (status, answer) = call(
            s.base(),
            &s.key,
            Method::POST,
            &format!("/api/v1/runtime/tool-calls/{id}/result"),
            body,
        )
        .await;
        assert!(status.is_success(), "{status}: {answer}");
    }
    let note = json!({"thought": "a\u{0}b", "tool": "x\u{0}y"});
    let (status, answer) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/events"),
        note.clone(),
    )
    .await;
    assert!(status.is_success(), "{status}: {answer}");
    let finished = json!({"summary": "done\u{0}"});
    let (status, answer) = call(
        s.base(),
        &s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/finish"),
        json!({"status": "succeeded", "output": finished}),
    )
    .await;
    assert!(status.is_success(), "{status}: {answer}");

    let (status, trace) = call(
        s.base(),
        &s.admin,
        Method::GET,
        &format!("/api/v1/traces/{run}"),
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{trace}");
    let events = trace["events"].as_array().unwrap();
    let of_kind = |kind: &str| -> Vec<&Value> {
        events
            .iter()
            .filter(|event| event["kind"] == kind)
            .map(|event| &event["data"])
            .collect()
    };
    let results = of_kind("tool_call.result");
    assert!(
        results.iter().any(|data| data["output"] == output),
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|data| data["error"] == "exit\u{0}code 1"),
        "{results:?}"
    );
    assert_eq!(of_kind("agent.event")[0]["event"], note);
    assert_eq!(of_kind("run.finished")[0]["output"], finished);

    // The chain still verifies over what was stored.
    assert!(s.app.bosun.verify_chain().await.unwrap().is_ok());
}

#[tokio::test]
async fn racing_grants_and_credential_writes_answer_409_never_500() {
    let s = setup(spawn_app().await).await;
    let ada = s
        .app
        .create_user("ada@example.com", bosun_service::identity::Role::Member)
        .await;
    let grants_path = format!("/api/v1/agents/{}/grants", s.agent);
    let secret_path = format!("/api/v1/agents/{}/credentials/github", s.agent);
    let grants = (0..12).map(|i| {
        let level = ["run", "clone", "edit"][i % 3];
        call(
            s.base(),
            &s.admin,
            Method::POST,
            &grants_path,
            json!({"user_id": ada.as_str(), "level": level}),
        )
    });
    let writes = (0..12).map(|i| {
        call(
            s.base(),
            &s.admin,
            Method::PUT,
            &secret_path,
            json!({"value": format!("secret-{i}"), "service_account": "bot"}),
        )
    });
    let (grants, writes) = tokio::join!(join_all(grants), join_all(writes));
    for (status, body) in grants.iter().chain(&writes) {
        assert!(
            status.is_success() || *status == StatusCode::CONFLICT,
            "{status}: {body}"
        );
        if *status == StatusCode::CONFLICT {
            assert_eq!(body["error"]["code"], "conflict");
        }
    }
    assert!(grants.iter().any(|(status, _)| status.is_success()));
    assert!(writes.iter().any(|(status, _)| status.is_success()));
}

#[tokio::test]
async fn a_malformed_id_in_a_path_is_404_naming_what_it_was_to_be() {
    let s = setup(spawn_app().await).await;
    let agent = format!("/api/v1/agents/{}", s.agent);
    // Not the form ids are made in: a word, an injection, a UUID in
    // capitals, and one far too long to be anything.
    let long = "7".repeat(4096);
    for malformed in [
        "not-an-id",
        "'%20OR%201=1--",
        "0192F0C8-3C1E-7D4A-9B2F-0A1B2C3D4E5F",
        &long,
    ] {
        for (method, path, body, token, what) in [
            (
                Method::GET,
                format!("/api/v1/agents/{malformed}"),
                Value::Null,
                &s.admin,
                "agent",
            ),
            (
                Method::GET,
                format!("/api/v1/agents/{malformed}/runs"),
                Value::Null,
                &s.admin,
                "agent",
            ),
            (
                Method::GET,
                format!("{agent}/runs/{malformed}"),
                Value::Null,
                &s.admin,
                "run",
            ),
            (
                Method::DELETE,
                format!("{agent}/keys/{malformed}"),
                Value::Null,
                &s.admin,
                "runtime key",
            ),
            (
                Method::DELETE,
                format!("{agent}/grants/{malformed}"),
                Value::Null,
                &s.admin,
                "grant",
            ),
            (
                Method::DELETE,
                format!("{agent}/rules/{malformed}"),
                Value::Null,
                &s.admin,
                "rule",
            ),
            (
                Method::GET,
                format!("/api/v1/traces/{malformed}"),
                Value::Null,
                &s.admin,
                "run",
            ),
            (
                Method::POST,
                format!("/api/v1/approvals/{malformed}/decision"),
                json!({"decision": "deny"}),
                &s.admin,
                "approval",
            ),
            (
                Method::POST,
                format!("/api/v1/members/{malformed}/password-link"),
                Value::Null,
                &s.admin,
                "user",
            ),
            (
                Method::DELETE,
                format!("/api/v1/me/tokens/{malformed}"),
                Value::Null,
                &s.admin,
                "token",
            ),
            (
                Method::DELETE,
                format!("/api/v1/webhooks/{malformed}"),
                Value::Null,
                &s.admin,
                "webhook",
            ),
            (
                Method::GET,
                format!("/api/v1/runtime/tool-calls/{malformed}?wait=0"),
                Value::Null,
                &s.key,
                "tool call",
            ),
            (
                Method::POST,
                format!("/api/v1/runtime/runs/{malformed}/finish"),
                json!({"status": "failed"}),
                &s.key,
                "run",
            ),
        ] {
            let (status, answer) = call(s.base(), token, method.clone(), &path, body).await;
            let shown = &path[..path.len().min(80)];
            assert_eq!(status, 404, "{method} {shown}: {answer}");
            assert_eq!(answer["error"]["code"], "not_found", "{method} {shown}");
            assert_eq!(
                answer["error"]["message"],
                format!("{what} not found"),
                "{method} {shown}"
            );
        }
    }
}
