//! Revocation reaches what is already waiting: once the person a run acts
//! for loses access (a revoked grant, a deactivated account, an agent given
//! away, an admin stepping down), their pending requests are withdrawn and
//! the waiting agent is told no, their queued runs are not claimed, and
//! every runtime call for their runs is refused at the very next request,
//! except winding the run down as failed or cancelled.

use std::time::{Duration, Instant};

use bosun_service::identity::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::runtime_keys::{Team, member, team};
use crate::helpers::api_call as call;

/// A member with run access to the team's agent: their token, id and grant.
async fn runner(t: &Team, email: &str) -> (String, String, String) {
    let (token, id) = member(&t.s, email).await;
    let (status, grant) = call(
        t.s.base(),
        &t.owner,
        Method::POST,
        &format!("/api/v1/agents/{}/grants", t.s.agent),
        json!({ "user_id": id, "level": "run" }),
    )
    .await;
    assert_eq!(status, 201, "{grant}");
    (token, id, grant["id"].as_str().unwrap().to_owned())
}

/// `token`'s user starts a run, which the admin's key claims; answers its id.
async fn running_for(t: &Team, token: &str) -> String {
    let started = t.start(token).await;
    let (status, run) = t.claim(&t.s.key).await;
    assert_eq!(status, 200);
    assert_eq!(run.as_deref(), started["id"].as_str());
    run.unwrap()
}

/// A pending request in `run`: the tool call's id and the approval's.
async fn pending(t: &Team, run: &str) -> (String, String) {
    let (status, asked) = t.ask_with(&t.s.key, run, "system_shell", "make").await;
    assert_eq!(status, 200, "{asked}");
    assert_eq!(asked["decision"], "pending");
    (
        asked["id"].as_str().unwrap().to_owned(),
        asked["approval_id"].as_str().unwrap().to_owned(),
    )
}

async fn wait(t: &Team, call_id: &str, seconds: u64) -> (StatusCode, Value) {
    call(
        t.s.base(),
        &t.s.key,
        Method::GET,
        &format!("/api/v1/runtime/tool-calls/{call_id}?wait={seconds}"),
        Value::Null,
    )
    .await
}

async fn decide(t: &Team, approval: &str) -> (StatusCode, Value) {
    call(
        t.s.base(),
        &t.s.admin,
        Method::POST,
        &format!("/api/v1/approvals/{approval}/decision"),
        json!({ "decision": "allow_once" }),
    )
    .await
}

/// The request was withdrawn: the admin cannot decide it (409
/// `not_decidable`, saying why), it is listed as withdrawn and no longer
/// as pending, and the agent is told no.
async fn assert_withdrawn(t: &Team, call_id: &str, approval: &str, why: &str) {
    let (status, refused) = decide(t, approval).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "not_decidable");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("withdrawn") && message.contains(why),
        "{message}"
    );
    let listed = |status: &'static str| {
        let path = format!("/api/v1/approvals?status={status}");
        async move {
            let list = t.s.app.api_json(&path, &t.s.admin).await;
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|item| item["id"] == approval)
        }
    };
    assert!(!listed("pending").await, "no longer in the inbox");
    assert!(listed("withdrawn").await, "listed as withdrawn");
    let (status, told) = wait(t, call_id, 0).await;
    assert_eq!(status, 200, "{told}");
    assert_eq!(told["decision"], "deny");
    assert!(
        told["message"].as_str().unwrap().contains(why),
        "the agent learns why: {told}"
    );
}

#[tokio::test]
async fn revoking_a_grant_wakes_the_waiting_agent_with_a_denial_and_withdraws_the_request() {
    let t = team().await;
    let (sam, _, grant) = runner(&t, "sam@example.com").await;
    let run = running_for(&t, &sam).await;
    let (call_id, approval) = pending(&t, &run).await;

    // The agent is waiting when the grant goes.
    let waiting = {
        let (base, key) = (t.s.base().to_owned(), t.s.key.clone());
        let path = format!("/api/v1/runtime/tool-calls/{call_id}?wait=30");
        tokio::spawn(async move {
            let started = Instant::now();
            let answer = call(&base, &key, Method::GET, &path, Value::Null).await;
            (answer, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _) = call(
        t.s.base(),
        &t.owner,
        Method::DELETE,
        &format!("/api/v1/agents/{}/grants/{grant}", t.s.agent),
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let ((status, told), waited) = waiting.await.unwrap();
    assert_eq!(status, 200, "{told}");
    assert_eq!(told["decision"], "deny", "{told}");
    assert!(
        waited < Duration::from_secs(5),
        "the agent was told at once, not when its wait ran out ({waited:?})"
    );
    assert_withdrawn(&t, &call_id, &approval, "no longer has access").await;

    // The trace says so, once.
    let trace =
        t.s.app
            .api_json(&format!("/api/v1/traces/{run}"), &t.s.admin)
            .await;
    let withdrawn: Vec<&Value> = trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["kind"] == "approval.resolved")
        .collect();
    assert_eq!(withdrawn.len(), 1, "{trace}");
    assert_eq!(withdrawn[0]["data"]["decision"], "withdrawn");
    assert_eq!(withdrawn[0]["data"]["outcome"], "deny");
}

#[tokio::test]
async fn after_deactivation_every_runtime_call_is_refused_but_the_run_can_still_fail() {
    let t = team().await;
    let (sam, sam_id, _) = runner(&t, "sam@example.com").await;
    let run = running_for(&t, &sam).await;
    let queued = t.start(&sam).await["id"].as_str().unwrap().to_owned();
    let (status, allowed) = t.ask_with(&t.s.key, &run, "system_shell", "ls").await;
    assert_eq!(
        (status, &allowed["decision"]),
        (StatusCode::OK, &json!("allow"))
    );
    let allowed = allowed["id"].as_str().unwrap().to_owned();
    let (call_id, approval) = pending(&t, &run).await;
    t.credential_secret().await;
    assert_eq!(t.s.credential(&run, "token").await.0, 200);

    t.set_active(&sam_id, false).await;

    let why = "no longer has access";
    let forbidden = |(status, body): (StatusCode, Value)| {
        assert_eq!(status, 403, "{body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(why),
            "{body}"
        );
    };
    let (base, key) = (t.s.base(), t.s.key.as_str());
    // Claim: the queued run stays where it is.
    assert_eq!(t.claim(key).await, (StatusCode::NO_CONTENT, None));
    // Tool call, waiting on a call allowed before, its result, events and
    // credentials.
    forbidden(t.ask_with(key, &run, "system_shell", "ls").await);
    forbidden(wait(&t, &allowed, 0).await);
    forbidden(
        call(
            base,
            key,
            Method::POST,
            &format!("/api/v1/runtime/tool-calls/{allowed}/result"),
            json!({ "output": "a.txt" }),
        )
        .await,
    );
    forbidden(
        call(
            base,
            key,
            Method::POST,
            &format!("/api/v1/runtime/runs/{run}/events"),
            json!({ "note": "still here" }),
        )
        .await,
    );
    forbidden(t.s.credential(&run, "token").await);
    // Approvals: withdrawn, and the agent waiting on it is told no.
    assert_withdrawn(&t, &call_id, &approval, why).await;
    // Finish: not as a success, but the worker can wind it down.
    forbidden(
        call(
            base,
            key,
            Method::POST,
            &format!("/api/v1/runtime/runs/{run}/finish"),
            json!({ "status": "succeeded" }),
        )
        .await,
    );
    let (status, finished) = call(
        base,
        key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/finish"),
        json!({ "status": "failed", "output": { "reason": "access revoked" } }),
    )
    .await;
    assert_eq!(status, 200, "{finished}");
    assert_eq!(finished["status"], "failed");

    // Back in the workspace, their queued run is claimed after all.
    t.set_active(&sam_id, true).await;
    assert_eq!(t.claim(key).await, (StatusCode::OK, Some(queued)));
}

#[tokio::test]
async fn giving_an_agent_away_or_stepping_down_as_admin_withdraws_what_only_that_allowed() {
    let t = team().await;
    // The owner's own run: only ownership let them run the agent.
    let owners_run = running_for(&t, &t.owner).await;
    let (owners_call, owners_approval) = pending(&t, &owners_run).await;
    // An admin's run of an agent nobody shared with them.
    t.s.app.create_user("ada@example.com", Role::Admin).await;
    let ada = t.s.app.token_for("ada@example.com").await;
    let adas_run = running_for(&t, &ada).await;
    let (adas_call, adas_approval) = pending(&t, &adas_run).await;
    // The editor's run survives both: they hold a grant of their own.
    let editors_run = running_for(&t, &t.editor).await;
    let (_, editors_approval) = pending(&t, &editors_run).await;

    let (status, body) = call(
        t.s.base(),
        &t.s.admin,
        Method::PATCH,
        &format!("/api/v1/agents/{}", t.s.agent),
        json!({ "owner_id": t.editor_id }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_withdrawn(&t, &owners_call, &owners_approval, "no longer has access").await;

    t.step_down("ada@example.com").await;
    assert_withdrawn(&t, &adas_call, &adas_approval, "no longer has access").await;

    let (status, decided) = decide(&t, &editors_approval).await;
    assert_eq!(status, 200, "{decided}");
}

#[tokio::test]
async fn a_tool_call_racing_a_revocation_is_never_left_for_a_reviewer_to_allow() {
    let t = team().await;
    for i in 0..8 {
        let (token, _, grant) = runner(&t, &format!("racer{i}@example.com")).await;
        let run = running_for(&t, &token).await;
        let grant_path = format!("/api/v1/agents/{}/grants/{grant}", t.s.agent);
        let revoke = call(
            t.s.base(),
            &t.owner,
            Method::DELETE,
            &grant_path,
            Value::Null,
        );
        let ask = t.ask_with(&t.s.key, &run, "system_shell", "make");
        let ((revoked, _), (status, asked)) = tokio::join!(revoke, ask);
        assert_eq!(revoked, 204);
        match status.as_u16() {
            // The revocation came first: the call was refused.
            403 => {}
            // The call came first (or at once): whatever the order of the
            // two commits, the request is withdrawn by the time anyone
            // looks, and the agent is told no.
            200 => {
                assert_eq!(asked["decision"], "pending", "{asked}");
                let approval = asked["approval_id"].as_str().unwrap();
                let (status, told) = wait(&t, asked["id"].as_str().unwrap(), 5).await;
                assert_eq!(
                    (status, &told["decision"]),
                    (StatusCode::OK, &json!("deny"))
                );
                assert_eq!(decide(&t, approval).await.0, 409);
            }
            other => panic!("unexpected answer {other}: {asked}"),
        }
    }
}

/// What a revocation committed alongside a tool call leaves behind: the
/// grant gone, the request still pending (the revoking transaction did not
/// see it to withdraw it). Answers the call and the approval.
async fn left_pending_by_a_concurrent_revocation(t: &Team) -> (String, String) {
    let (sam, sam_id, _) = runner(t, "sam@example.com").await;
    let run = running_for(t, &sam).await;
    let pending = pending(t, &run).await;
    sqlx::query("DELETE FROM agent_grants WHERE user_id = $1")
        .bind(&sam_id)
        .execute(t.s.app.bosun.db().pool())
        .await
        .unwrap();
    pending
}

#[tokio::test]
async fn a_request_a_revocation_did_not_see_is_withdrawn_when_next_read() {
    let t = team().await;
    let (call_id, approval) = left_pending_by_a_concurrent_revocation(&t).await;
    let inbox = t.s.app.api_json("/api/v1/approvals", &t.s.admin).await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 0, "{inbox}");
    assert_withdrawn(&t, &call_id, &approval, "no longer has access").await;
}

#[tokio::test]
async fn deciding_a_request_whose_starter_just_lost_access_withdraws_it_instead() {
    let t = team().await;
    let (call_id, approval) = left_pending_by_a_concurrent_revocation(&t).await;
    // No read came first: the decision itself finds out.
    let (status, refused) = decide(&t, &approval).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "not_decidable");
    let (_, told) = wait(&t, &call_id, 0).await;
    assert_eq!(told["decision"], "deny");
}
