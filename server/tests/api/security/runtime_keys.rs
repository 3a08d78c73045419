//! Runtime keys: only the agent's owner and workspace admins mint them, a
//! run a key starts is the key's (and its creator's), and a key dies at
//! the very next request once its creator loses their rights. A person's
//! OAuth token goes only to runs they started themselves.

use bosun_service::Principal;
use bosun_service::identity::Role;
use bosun_service::ids::{AgentId, UserId};
use bosun_service::oauth::providers::ProviderInput;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{api_call as call, spawn_app};
use crate::oauth::{connect, with_provider};
use crate::runtime::{Setup, setup};

/// The runtime setup's agent given to a member, `owner@example.com`, who
/// made a key for it; `editor@example.com` may edit it. The setup's own key
/// is the admin's.
pub(super) struct Team {
    pub s: Setup,
    pub owner: String,
    pub owner_id: String,
    pub editor: String,
    pub editor_id: String,
    pub owner_key: String,
    pub owner_key_id: String,
}

pub(super) async fn team() -> Team {
    let s = setup(spawn_app().await).await;
    let (owner, owner_id) = member(&s, "owner@example.com").await;
    let (editor, editor_id) = member(&s, "editor@example.com").await;
    let agent = format!("/api/v1/agents/{}", s.agent);
    let (status, body) = call(
        s.base(),
        &s.admin,
        Method::PATCH,
        &agent,
        json!({ "owner_id": owner_id }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(
        s.base(),
        &owner,
        Method::POST,
        &format!("{agent}/grants"),
        json!({ "user_id": editor_id, "level": "edit" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, key) = call(
        s.base(),
        &owner,
        Method::POST,
        &format!("{agent}/keys"),
        json!({ "name": "owner's worker" }),
    )
    .await;
    assert_eq!(status, 201, "{key}");
    Team {
        owner_key: key["key"].as_str().unwrap().to_owned(),
        owner_key_id: key["id"].as_str().unwrap().to_owned(),
        s,
        owner,
        owner_id,
        editor,
        editor_id,
    }
}

/// A new member's token and id.
pub(super) async fn member(s: &Setup, email: &str) -> (String, String) {
    s.app.create_user(email, Role::Member).await;
    let token = s.app.token_for(email).await;
    let me = s.app.api_json("/api/v1/me", &token).await;
    (token, me["id"].as_str().unwrap().to_owned())
}

impl Team {
    pub(super) fn keys_path(&self) -> String {
        format!("/api/v1/agents/{}/keys", self.s.agent)
    }

    /// The principal behind `admin@example.com`, for what only the
    /// service layer offers here (roles, deactivation).
    pub(super) async fn admin(&self) -> Principal {
        self.s
            .app
            .bosun
            .user_by_email("admin@example.com")
            .await
            .unwrap()
    }

    /// The admin deactivates (or reactivates) the member `user`.
    pub(super) async fn set_active(&self, user: &str, active: bool) {
        self.s
            .app
            .bosun
            .set_member_active(
                &self.admin().await,
                &UserId::from_string(user.to_owned()),
                active,
            )
            .await
            .unwrap();
    }

    /// The admin `email` becomes a plain member.
    pub(super) async fn step_down(&self, email: &str) {
        let bosun = &self.s.app.bosun;
        let user = bosun.user_by_email(email).await.unwrap().user_id;
        bosun
            .change_role(&self.admin().await, &user, Role::Member)
            .await
            .unwrap();
    }

    /// Claims the next run with `key`: the status, and the run's id if one came.
    pub(super) async fn claim(&self, key: &str) -> (StatusCode, Option<String>) {
        let (status, body) = call(
            self.s.base(),
            key,
            Method::GET,
            "/api/v1/runtime/runs/next",
            Value::Null,
        )
        .await;
        let run = body["run"]["id"].as_str().map(str::to_owned);
        (status, run)
    }

    /// Starts a run as `token` (a person's or a runtime key) and answers it.
    pub(super) async fn start(&self, token: &str) -> Value {
        let (status, run) = call(
            self.s.base(),
            token,
            Method::POST,
            &format!("/api/v1/agents/{}/runs", self.s.agent),
            json!({ "input": {} }),
        )
        .await;
        assert_eq!(status, 201, "{run}");
        run
    }

    /// The owner stores the agent's secret `token`.
    pub(super) async fn credential_secret(&self) {
        let (status, body) = call(
            self.s.base(),
            &self.owner,
            Method::PUT,
            &format!("/api/v1/agents/{}/credentials/token", self.s.agent),
            json!({ "service_account": "robot", "value": "the robot's secret" }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Asks, with `key`, about a tool call of `run`.
    pub(super) async fn ask_with(
        &self,
        key: &str,
        run: &str,
        tool: &str,
        input: &str,
    ) -> (StatusCode, Value) {
        call(
            self.s.base(),
            key,
            Method::POST,
            &format!("/api/v1/runtime/runs/{run}/tool-calls"),
            json!({ "tool": tool, "input": input }),
        )
        .await
    }
}

#[tokio::test]
async fn editors_can_no_longer_create_list_or_revoke_an_agents_runtime_keys() {
    let t = team().await;
    let base = t.s.base();
    let (status, refused) = call(
        base,
        &t.editor,
        Method::POST,
        &t.keys_path(),
        json!({ "name": "mine" }),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"]["code"], "forbidden");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("owner and workspace admins"),
        "{refused}"
    );
    assert_eq!(
        call(base, &t.editor, Method::GET, &t.keys_path(), Value::Null)
            .await
            .0,
        403
    );
    let revoke = format!("{}/{}", t.keys_path(), t.owner_key_id);
    assert_eq!(
        call(base, &t.editor, Method::DELETE, &revoke, Value::Null)
            .await
            .0,
        403
    );
    // The owner's key still works: the refusal changed nothing.
    assert_eq!(t.claim(&t.owner_key).await.0, 204);

    // The owner sees who made each key, when, and when it was last used.
    let (status, keys) = call(base, &t.owner, Method::GET, &t.keys_path(), Value::Null).await;
    assert_eq!(status, 200, "{keys}");
    let owners = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["id"] == t.owner_key_id.as_str())
        .expect("the owner's key is listed")
        .clone();
    assert_eq!(owners["name"], "owner's worker");
    assert_eq!(owners["created_by"], t.owner_id.as_str());
    assert_eq!(owners["active"], true);
    assert!(owners["created_at"].is_string());
    assert!(
        owners["last_used_at"].is_string(),
        "claiming counts as a use: {owners}"
    );
    assert!(!keys.to_string().contains(&t.owner_key), "never the value");

    // Admins manage every agent's keys.
    assert_eq!(
        call(
            base,
            &t.s.admin,
            Method::POST,
            &t.keys_path(),
            json!({ "name": "admin's" })
        )
        .await
        .0,
        201
    );
    assert_eq!(
        call(base, &t.owner, Method::DELETE, &revoke, Value::Null)
            .await
            .0,
        204
    );
    assert_eq!(t.claim(&t.owner_key).await.0, 401);
}

#[tokio::test]
async fn a_run_a_key_starts_records_the_key_and_the_trace_names_it_and_its_creator() {
    let t = team().await;
    let started = t.start(&t.owner_key).await;
    assert_eq!(started["started_by"], Value::Null);
    assert_eq!(started["started_by_key"], t.owner_key_id.as_str());
    let run = started["id"].as_str().unwrap();

    let runs =
        t.s.app
            .api_json(&format!("/api/v1/agents/{}/runs", t.s.agent), &t.owner)
            .await;
    assert_eq!(runs["items"][0]["started_by_key"], t.owner_key_id.as_str());

    // A person's run says so too.
    let by_hand = t.start(&t.owner).await;
    assert_eq!(by_hand["started_by"], t.owner_id.as_str());
    assert_eq!(by_hand["started_by_key"], Value::Null);

    let trace =
        t.s.app
            .api_json(&format!("/api/v1/traces/{run}"), &t.owner)
            .await;
    let started_event = trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["kind"] == "run.started")
        .expect("the run's start is in its trace")
        .clone();
    assert_eq!(
        started_event["actor"],
        format!("key:{}", t.owner_key_id).as_str()
    );
    let key = &started_event["data"]["started_by_key"];
    assert_eq!(key["id"], t.owner_key_id.as_str(), "{started_event}");
    assert_eq!(key["name"], "owner's worker");
    assert_eq!(key["created_by"], t.owner_id.as_str());
}

#[tokio::test]
async fn the_creator_of_a_key_does_not_approve_what_their_key_started_unless_self_approval_is_on() {
    let t = team().await;
    let base = t.s.base();
    t.start(&t.owner_key).await;
    let (_, run) = t.claim(&t.owner_key).await;
    let run = run.expect("the key's run is claimed");
    let (status, asked) = t.ask_with(&t.owner_key, &run, "system_shell", "make").await;
    assert_eq!(status, 200, "{asked}");
    assert_eq!(asked["decision"], "pending");
    let approval = asked["approval_id"].as_str().unwrap().to_owned();
    let decide = format!("/api/v1/approvals/{approval}/decision");

    let inbox = t.s.app.api_json("/api/v1/approvals", &t.owner).await;
    assert_eq!(
        inbox["items"].as_array().unwrap().len(),
        0,
        "not in its creator's inbox: {inbox}"
    );
    let owner_decides = || {
        call(
            base,
            &t.owner,
            Method::POST,
            &decide,
            json!({ "decision": "allow_once" }),
        )
    };
    let (status, refused) = owner_decides().await;
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("runtime key you created"),
        "{refused}"
    );
    // Another reviewer (the editor) sees it and could decide it.
    let inbox = t.s.app.api_json("/api/v1/approvals", &t.editor).await;
    assert_eq!(inbox["items"][0]["id"], approval.as_str());
    assert_eq!(inbox["items"][0]["started_by_key"], t.owner_key_id.as_str());

    // With self-approval allowed, the creator may.
    let (status, body) = call(
        base,
        &t.s.admin,
        Method::PATCH,
        "/api/v1/workspace",
        json!({ "self_approval": true }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let inbox = t.s.app.api_json("/api/v1/approvals", &t.owner).await;
    assert_eq!(inbox["items"][0]["id"], approval.as_str());
    let (status, decided) = owner_decides().await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "approved");
}

/// What a key sees once its creator lost their rights: refused as unknown
/// for claiming and for a run it had claimed; listed as inactive.
async fn assert_dead(t: &Team, key: &str, key_id: &str, run: &str) {
    assert_eq!(t.claim(key).await.0, 401, "claiming");
    let (status, body) = t.ask_with(key, run, "system_shell", "ls").await;
    assert_eq!(status, 401, "asking: {body}");
    let (status, _) = call(
        t.s.base(),
        key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/finish"),
        json!({ "status": "failed" }),
    )
    .await;
    assert_eq!(status, 401, "finishing");
    let keys = t.s.app.api_json(&t.keys_path(), &t.s.admin).await;
    let listed = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key_id)
        .expect("the key is still listed")
        .clone();
    assert_eq!(listed["active"], false, "{listed}");
}

/// Starts a run as the admin and claims it with `key`, which can still act.
async fn claimed_by(t: &Team, key: &str) -> String {
    t.start(&t.s.admin).await;
    let (status, run) = t.claim(key).await;
    assert_eq!(status, 200);
    let run = run.unwrap();
    let (status, body) = t.ask_with(key, &run, "system_shell", "ls").await;
    assert_eq!(status, 200, "{body}");
    run
}

#[tokio::test]
async fn a_key_stops_at_the_next_request_when_the_agent_is_given_to_someone_else() {
    let t = team().await;
    let run = claimed_by(&t, &t.owner_key).await;
    let (status, body) = call(
        t.s.base(),
        &t.s.admin,
        Method::PATCH,
        &format!("/api/v1/agents/{}", t.s.agent),
        json!({ "owner_id": t.editor_id }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_dead(&t, &t.owner_key, &t.owner_key_id, &run).await;
    // The admin's key is untouched, and may wind the run down.
    let (status, body) = call(
        t.s.base(),
        &t.s.key,
        Method::POST,
        &format!("/api/v1/runtime/runs/{run}/finish"),
        json!({ "status": "cancelled" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_key_stops_at_the_next_request_when_its_creator_is_deactivated() {
    let t = team().await;
    let run = claimed_by(&t, &t.owner_key).await;
    t.set_active(&t.owner_id, false).await;
    assert_dead(&t, &t.owner_key, &t.owner_key_id, &run).await;

    // Back in the workspace as the owner, their key works again.
    t.set_active(&t.owner_id, true).await;
    assert_eq!(t.claim(&t.owner_key).await.0, 204);
}

#[tokio::test]
async fn an_admins_key_for_someone_elses_agent_stops_when_the_admin_steps_down() {
    let t = team().await;
    t.s.app.create_user("ada@example.com", Role::Admin).await;
    let ada = t.s.app.token_for("ada@example.com").await;
    let (status, key) = call(
        t.s.base(),
        &ada,
        Method::POST,
        &t.keys_path(),
        json!({ "name": "ada's" }),
    )
    .await;
    assert_eq!(status, 201, "{key}");
    let (ada_key, ada_key_id) = (
        key["key"].as_str().unwrap().to_owned(),
        key["id"].as_str().unwrap().to_owned(),
    );
    let run = claimed_by(&t, &ada_key).await;
    t.step_down("ada@example.com").await;
    assert_dead(&t, &ada_key, &ada_key_id, &run).await;
    // The owner's key was never the admin's to lose.
    assert_eq!(t.claim(&t.owner_key).await.0, 204);
}

#[tokio::test]
async fn a_run_a_key_started_never_receives_anyones_account_token() {
    let o = with_provider(spawn_app().await, false).await;
    let s = &o.s;
    // The key's creator (the admin) has connected their account.
    connect(&s.app, "admin@example.com").await;
    let agent = format!("/api/v1/agents/{}", s.agent);
    let patch = |model| set_credential_model(s, model);
    let runs = format!("{agent}/runs");
    let start_with_key = || {
        call(
            s.base(),
            &s.key,
            Method::POST,
            &runs,
            json!({ "input": {} }),
        )
    };
    // A user agent's key does not start runs at all.
    let (status, refused) = start_with_key().await;
    assert_eq!(status, 403, "{refused}");
    // One started while the agent was a fixed one and claimed after it
    // became a user agent keeps the fixed model it started with: it may
    // have the agent's secrets (it has none named so: 404), never a token.
    assert_eq!(patch("fixed").await, 200);
    let (status, run) = start_with_key().await;
    assert_eq!(status, 201, "{run}");
    assert_eq!(patch("user").await, 200);
    let (status, claimed) = call(
        s.base(),
        &s.key,
        Method::GET,
        "/api/v1/runtime/runs/next",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{claimed}");
    let (status, refused) = s.credential(run["id"].as_str().unwrap(), "mail").await;
    assert_eq!(status, 404, "{refused}");
    assert!(refused.get("value").is_none(), "{refused}");
    // The admin's own run gets the admin's token.
    let mine = s.running(&s.admin).await;
    assert_eq!(s.credential(&mine, "mail").await.0, 200);
}

#[tokio::test]
async fn my_connections_say_which_agents_may_use_each_account() {
    let t = team().await;
    let bosun = &t.s.app.bosun;
    let admin = t.admin().await;
    let provider = ProviderInput {
        name: "mail".into(),
        display_name: "Mail".into(),
        authorize_url: Some("https://id.example.com/authorize".into()),
        token_url: Some("https://id.example.com/token".into()),
        client_id: "bosun".into(),
        client_secret: Some(String::from("client secret").into()),
        ..Default::default()
    };
    bosun
        .create_oauth_provider(&admin, provider, Some("localhost"))
        .await
        .unwrap();
    let (sam, sam_id) = member(&t.s, "sam@example.com").await;
    let user_agent = |name: &'static str| {
        let base = t.s.base().to_owned();
        let admin = t.s.admin.clone();
        async move {
            let (status, agent) = call(
                &base,
                &admin,
                Method::POST,
                "/api/v1/agents",
                json!({ "name": name, "credential_model": "user" }),
            )
            .await;
            assert_eq!(status, 201, "{agent}");
            let id = agent["id"].as_str().unwrap().to_owned();
            let (status, body) = call(
                &base,
                &admin,
                Method::PUT,
                &format!("/api/v1/agents/{id}/connections/mail"),
                json!({ "scopes": "mail.read" }),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            id
        }
    };
    let shared = user_agent("Mail sorter").await;
    let _not_shared = user_agent("Admin's mail helper").await;
    // A fixed agent never uses anyone's account, whatever it declares.
    let fixed = AgentId::from_string(t.s.agent.clone());
    bosun
        .set_connection_need(&admin, &fixed, "mail", Some("mail.read"))
        .await
        .unwrap();
    for agent in [&shared, &t.s.agent] {
        let (status, body) = call(
            t.s.base(),
            &t.s.admin,
            Method::POST,
            &format!("/api/v1/agents/{agent}/grants"),
            json!({ "user_id": sam_id, "level": "run" }),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }

    let names = |list: &Value| -> Vec<String> {
        list["items"][0]["agents"]
            .as_array()
            .unwrap_or_else(|| panic!("each connection lists its agents: {list}"))
            .iter()
            .map(|agent| agent["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let sams = t.s.app.api_json("/api/v1/me/connections", &sam).await;
    assert_eq!(sams["items"][0]["provider"], "mail");
    assert_eq!(names(&sams), ["Mail sorter"]);
    let admins = t.s.app.api_json("/api/v1/me/connections", &t.s.admin).await;
    assert_eq!(names(&admins), ["Admin's mail helper", "Mail sorter"]);

    // The page says the same.
    let browser = t.s.app.logged_in("sam@example.com").await;
    let response = t.s.app.call(&browser, "oauth/connections", &[]).await;
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.unwrap();
    assert_eq!(page[0]["agents"], sams["items"][0]["agents"]);
}

#[tokio::test]
async fn a_worker_already_waiting_for_work_claims_nothing_once_its_key_died() {
    let t = team().await;
    let waiting = {
        let (base, key) = (t.s.base().to_owned(), t.owner_key.clone());
        tokio::spawn(async move {
            call(
                &base,
                &key,
                Method::GET,
                "/api/v1/runtime/runs/next?wait=5",
                Value::Null,
            )
            .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    t.set_active(&t.owner_id, false).await;
    let queued = t.start(&t.s.admin).await;
    let (status, body) = waiting.await.unwrap();
    assert_eq!(status, 204, "the dead key claimed {body}");
    let (status, claimed) = t.claim(&t.s.key).await;
    assert_eq!(status, 200);
    assert_eq!(claimed.as_deref(), queued["id"].as_str());
}

#[tokio::test]
async fn revoking_a_key_stops_the_runs_it_started_whoever_claims_them() {
    let t = team().await;
    // A stolen key starts two runs; one is claimed by the agent's other
    // worker and asks something, the other still waits in the queue.
    t.start(&t.owner_key).await;
    let (status, run) = t.claim(&t.s.key).await;
    assert_eq!(status, 200);
    let run = run.expect("the stolen key's run is claimed by the real worker");
    let (status, asked) = t.ask_with(&t.s.key, &run, "system_shell", "make").await;
    assert_eq!(status, 200, "{asked}");
    assert_eq!(asked["decision"], "pending");
    let approval = asked["approval_id"].as_str().unwrap().to_owned();
    t.start(&t.owner_key).await;

    let (status, body) = call(
        t.s.base(),
        &t.owner,
        Method::DELETE,
        &format!("{}/{}", t.keys_path(), t.owner_key_id),
        Value::Null,
    )
    .await;
    assert!(status.is_success(), "{status} {body}");

    // What the key started acts for nobody any more: its queued run is not
    // claimed, its running run asks nothing, its pending request is gone.
    let (status, claimed) = t.claim(&t.s.key).await;
    assert_eq!((status, claimed), (StatusCode::NO_CONTENT, None));
    let (status, body) = t.ask_with(&t.s.key, &run, "system_shell", "ls").await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = call(
        t.s.base(),
        &t.s.admin,
        Method::POST,
        &format!("/api/v1/approvals/{approval}/decision"),
        json!({ "decision": "allow_once" }),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "not_decidable", "{body}");
    let inbox = t.s.app.api_json("/api/v1/approvals", &t.s.admin).await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 0, "{inbox}");
}

#[tokio::test]
async fn a_run_keeps_the_credential_model_it_started_with() {
    let o = with_provider(spawn_app().await, false).await;
    let s = &o.s;
    connect(&s.app, "admin@example.com").await;
    let patch = |model| set_credential_model(s, model);
    // The admin starts a run of a service-account agent: nobody asked them
    // to lend it their account. An editor then makes the agent act as its
    // user; the run already going on still gets no one's token.
    assert_eq!(patch("fixed").await, 200);
    let run = s.running(&s.admin).await;
    assert_eq!(patch("user").await, 200);
    let (status, refused) = s.credential(&run, "mail").await;
    assert_ne!(status, 200, "{refused}");
    assert!(refused.get("value").is_none(), "{refused}");
    // A run started now, as the user agent it is, gets its starter's token.
    let mine = s.running(&s.admin).await;
    assert_eq!(s.credential(&mine, "mail").await.0, 200);
}

/// The admin makes the setup's agent act as a service account (`fixed`) or
/// as its user (`user`); answers the status.
async fn set_credential_model(s: &Setup, model: &'static str) -> StatusCode {
    call(
        s.base(),
        &s.admin,
        Method::PATCH,
        &format!("/api/v1/agents/{}", s.agent),
        json!({ "credential_model": model }),
    )
    .await
    .0
}
