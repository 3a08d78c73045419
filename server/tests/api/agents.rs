//! Agents over the REST API: definitions, validation, lists, clones and the
//! audit trail of changes.

use bosun_service::identity::Role;
use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{TestApp, api_request, error_code, spawn_app};

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    api_request(&app.address, token, reqwest::Method::POST, path, body).await
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let response = post(app, token, "/api/v1/agents", body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_agent_is_created_with_the_contract_shape_and_defaults() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let agent = create(
        &app,
        &token,
        json!({"name": "Triage", "tools": ["read_file", "system_shell"]}),
    )
    .await;
    for field in [
        "id",
        "name",
        "description",
        "instructions",
        "tools",
        "execution_mode",
        "credential_model",
        "settings",
        "owner_id",
        "created_at",
        "updated_at",
    ] {
        assert!(agent.get(field).is_some(), "missing {field}: {agent}");
    }
    assert_eq!(agent["tools"], json!(["read_file", "system_shell"]));
    assert_eq!(agent["execution_mode"], "restricted");
    assert_eq!(agent["credential_model"], "fixed");
    assert_eq!(agent["settings"], json!({}));
    let me = app.api_json("/api/v1/me", &token).await;
    assert_eq!(agent["owner_id"], me["id"]);
}

#[tokio::test]
async fn bad_agent_input_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let cases = [
        (json!({"name": ""}), "name: "),
        (json!({"name": "x", "tools": ["teleport"]}), "tools: "),
        (
            json!({"name": "x", "execution_mode": "yolo"}),
            "execution_mode: ",
        ),
        (
            json!({"name": "x", "credential_model": "borrowed"}),
            "credential_model: ",
        ),
        (json!({"name": "x", "settings": [1, 2]}), "settings: "),
        (json!({"name": "x", "colour": "blue"}), "body: "),
        (json!({"description": "no name"}), "body: "),
    ];
    for (body, prefix) in cases {
        let response = post(&app, &token, "/api/v1/agents", body.clone()).await;
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "invalid_input");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(prefix), "{body} gave {message}");
    }
    let listed = app.api_json("/api/v1/agents", &token).await;
    assert_eq!(listed["items"], json!([]), "nothing was saved");
}

#[tokio::test]
async fn a_clone_carries_the_definition_and_nothing_else() {
    let app = spawn_app().await;
    app.create_user("ola@example.com", Role::Member).await;
    app.create_user("bea@example.com", Role::Member).await;
    let bea_id = app
        .bosun
        .user_by_email("bea@example.com")
        .await
        .unwrap()
        .user_id;
    let owner = app.token_for("ola@example.com").await;
    let source = create(
        &app,
        &owner,
        json!({
            "name": "Deployer", "description": "Ships it", "instructions": "Be careful.",
            "tools": ["system_shell"], "execution_mode": "read_write", "credential_model": "user",
            "settings": {"model": "large"}
        }),
    )
    .await;
    let id = source["id"].as_str().unwrap();
    let granted = post(
        &app,
        &owner,
        &format!("/api/v1/agents/{id}/grants"),
        json!({"user_id": bea_id.as_str(), "level": "clone"}),
    )
    .await;
    assert_eq!(granted.status(), 201);

    let bea = app.token_for("bea@example.com").await;
    let response = post(
        &app,
        &bea,
        &format!("/api/v1/agents/{id}/clone"),
        json!({"name": "My deployer"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let copy: Value = response.json().await.unwrap();
    assert_ne!(copy["id"], source["id"]);
    assert_eq!(copy["name"], "My deployer");
    assert_eq!(copy["owner_id"], bea_id.as_str());
    for field in [
        "description",
        "instructions",
        "tools",
        "execution_mode",
        "credential_model",
        "settings",
    ] {
        assert_eq!(copy[field], source[field], "{field}");
    }
    let copy_id = copy["id"].as_str().unwrap();
    let grants = app
        .api_json(&format!("/api/v1/agents/{copy_id}/grants"), &bea)
        .await;
    assert_eq!(grants["items"], json!([]), "grants are not copied");
    // The copy is Bea's alone: the source's owner has no access to it.
    assert_eq!(
        app.api_get(&format!("/api/v1/agents/{copy_id}"), Some(&owner))
            .await
            .status(),
        404
    );
}

/// The agent page reads the very agent the REST API answers with, beside
/// its owner's name and the reader's access; the agents list carries the
/// same id, name, description, mode and credential model.
#[tokio::test]
async fn the_agent_page_and_list_read_the_agent_the_rest_api_answers_with() {
    let app = spawn_app().await;
    app.create_user("rae@example.com", Role::Member).await;
    let owner = app.token_for("rae@example.com").await;
    let created = create(
        &app,
        &owner,
        json!({
            "name": "Release notes",
            "description": "Drafts them",
            "instructions": "Summarize merged work.",
            "tools": ["read_file"],
            "execution_mode": "open",
            "credential_model": "user",
            "settings": {"model": "small", "limits": {"steps": 3}},
            "approval_ttl_seconds": 600,
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let rest = app.api_json(&format!("/api/v1/agents/{id}"), &owner).await;
    assert_eq!(rest, created);

    let page = app.logged_in("rae@example.com").await;
    let response = app.call(&page, "agents/get", &[("id", id)]).await;
    assert_eq!(response.status(), 200);
    let detail: Value = response.json().await.unwrap();
    assert_eq!(detail["agent"], rest);
    assert_eq!(detail["owner_name"], "rae");
    assert_eq!(
        detail["access"],
        json!({
            "level": "edit",
            "source": "owner",
            "can_clone": true,
            "can_edit": true,
            "can_manage_sharing": true,
            "can_manage_keys": true,
            "can_delete": true,
        })
    );

    let response = app
        .call(&page, "agents/list", &[("view", "mine"), ("query", "")])
        .await;
    assert_eq!(response.status(), 200);
    let listed: Value = response.json().await.unwrap();
    assert_eq!(
        listed,
        json!([{
            "agent": {"id": rest["id"], "name": rest["name"]},
            "description": rest["description"],
            "execution_mode": rest["execution_mode"],
            "credential_model": rest["credential_model"],
            "owner_name": "rae",
            "access": detail["access"],
        }])
    );
}

/// The sharing dialog lists the grants the REST API answers with, each on
/// its member's line with the level that counts and why, and names the
/// members as the member search finds them.
#[tokio::test]
async fn the_sharing_dialog_lists_the_grants_the_rest_api_answers_with() {
    let app = spawn_app().await;
    let rae = app.create_user("rae@example.com", Role::Member).await;
    let mel = app.create_user("mel@example.com", Role::Member).await;
    let owner = app.token_for("rae@example.com").await;
    let agent = create(&app, &owner, json!({"name": "Shared"})).await;
    let id = agent["id"].as_str().unwrap();
    let grants = format!("/api/v1/agents/{id}/grants");
    let response = post(
        &app,
        &owner,
        &grants,
        json!({"user_id": mel.as_str(), "level": "run"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let mels: Value = response.json().await.unwrap();
    let response = post(
        &app,
        &owner,
        &grants,
        json!({"workspace": true, "level": "clone"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let workspace: Value = response.json().await.unwrap();
    assert_eq!(
        mels,
        json!({"id": mels["id"], "user_id": mel.as_str(), "workspace": false, "level": "run"})
    );
    assert_eq!(
        workspace,
        json!({"id": workspace["id"], "user_id": null, "workspace": true, "level": "clone"})
    );
    assert_eq!(
        app.api_json(&grants, &owner).await,
        json!({"items": [mels, workspace], "next": null})
    );

    let page = app.logged_in("rae@example.com").await;
    let response = app.call(&page, "members/search", &[("query", "mel")]).await;
    assert_eq!(response.status(), 200);
    let found: Value = response.json().await.unwrap();
    assert_eq!(
        found,
        json!([{"id": mel.as_str(), "name": "mel", "email": "mel@example.com"}])
    );
    let response = app
        .call(&page, "sharing/overview", &[("agent_id", id)])
        .await;
    assert_eq!(response.status(), 200);
    let overview: Value = response.json().await.unwrap();
    assert_eq!(
        overview,
        json!([
            {
                "member": {"id": rae.as_str(), "name": "rae", "email": "rae@example.com"},
                "level": "edit",
                "source": "owner",
                "grant_id": null,
                "own_grant": null,
            },
            {
                "member": found[0],
                "level": "clone",
                "source": "workspace_grant",
                "grant_id": mels["id"],
                "own_grant": "run",
            },
            {
                "member": null,
                "level": "clone",
                "source": "workspace_grant",
                "grant_id": workspace["id"],
                "own_grant": null,
            },
        ])
    );
}

#[tokio::test]
async fn lists_show_mine_and_shared_filter_by_name_and_page() {
    let app = spawn_app().await;
    app.create_user("cy@example.com", Role::Member).await;
    app.create_user("di@example.com", Role::Member).await;
    let cy = app.token_for("cy@example.com").await;
    let di = app.token_for("di@example.com").await;
    for name in ["alpha", "Beta", "gamma"] {
        create(&app, &cy, json!({"name": name})).await;
    }
    let shared = create(&app, &di, json!({"name": "delta"})).await;
    create(&app, &di, json!({"name": "epsilon (private)"})).await;
    let shared_id = shared["id"].as_str().unwrap();
    let granted = post(
        &app,
        &di,
        &format!("/api/v1/agents/{shared_id}/grants"),
        json!({"workspace": true, "level": "run"}),
    )
    .await;
    assert_eq!(granted.status(), 201);

    let names = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(&app.api_json("/api/v1/agents", &cy).await),
        ["alpha", "Beta", "delta", "gamma"]
    );
    assert_eq!(
        names(&app.api_json("/api/v1/agents?view=mine", &cy).await),
        ["alpha", "Beta", "gamma"]
    );
    assert_eq!(
        names(&app.api_json("/api/v1/agents?view=shared", &cy).await),
        ["delta"]
    );
    assert_eq!(
        names(&app.api_json("/api/v1/agents?q=ET", &cy).await),
        ["Beta"]
    );
    assert_eq!(
        names(&app.api_json("/api/v1/agents?q=%25", &cy).await),
        Vec::<String>::new()
    );

    let first = app.api_json("/api/v1/agents?limit=3", &cy).await;
    assert_eq!(names(&first), ["alpha", "Beta", "delta"]);
    let cursor = first["next"].as_str().expect("a next cursor");
    let second = app
        .api_json(&format!("/api/v1/agents?limit=3&cursor={cursor}"), &cy)
        .await;
    assert_eq!(names(&second), ["gamma"]);
    assert!(second["next"].is_null());

    let bad = app
        .api_get("/api/v1/agents?view=everything", Some(&cy))
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(error_code(bad).await, "invalid_input");
}

#[tokio::test]
async fn every_change_to_an_agent_and_its_sharing_is_audited_with_its_actor() {
    let app = spawn_app().await;
    let admin = app.token_for("admin@example.com").await;
    let agent = create(&app, &admin, json!({"name": "Audited"})).await;
    let id = agent["id"].as_str().unwrap();
    let client = Client::new();
    let patched = client
        .patch(app.url(&format!("/api/v1/agents/{id}")))
        .bearer_auth(&admin)
        .json(&json!({"execution_mode": "locked", "instructions": "secret sauce"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let grant: Value = post(
        &app,
        &admin,
        &format!("/api/v1/agents/{id}/grants"),
        json!({"workspace": true, "level": "run"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let grant_id = grant["id"].as_str().unwrap();
    let revoked = client
        .delete(app.url(&format!("/api/v1/agents/{id}/grants/{grant_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    post(
        &app,
        &admin,
        &format!("/api/v1/agents/{id}/clone"),
        json!({}),
    )
    .await;
    let deleted = client
        .delete(app.url(&format!("/api/v1/agents/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);

    let rows: Vec<EventRow> =
        sqlx::query_as("SELECT seq, kind, actor, data FROM events ORDER BY seq")
            .fetch_all(app.bosun.db().pool())
            .await
            .unwrap();
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "agent.created",
            "agent.updated",
            "grant.created",
            "grant.revoked",
            "agent.cloned",
            "agent.deleted"
        ]
    );
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    assert_eq!(
        seqs,
        (1..=6).collect::<Vec<_>>(),
        "the sequence has no gaps"
    );
    let admin_id = app
        .bosun
        .user_by_email("admin@example.com")
        .await
        .unwrap()
        .user_id;
    assert!(
        rows.iter()
            .all(|r| r.actor.as_deref() == Some(admin_id.as_str()))
    );
    let update: Value = serde_json::from_str(&rows[1].data).unwrap();
    assert_eq!(
        update["changes"]["execution_mode"],
        json!({"from": "restricted", "to": "locked"})
    );
    assert_eq!(update["changes"]["instructions"], json!({"changed": true}));
    assert!(
        !rows[1].data.contains("secret sauce"),
        "long texts are not copied into the log"
    );
}

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    kind: String,
    actor: Option<String>,
    data: String,
}

/// The new agent form and Settings → Security read the workspace's
/// settings as the REST API answers them, which any member may; nobody
/// signed out reads them.
#[tokio::test]
async fn a_member_reads_the_workspace_settings_the_rest_api_answers_with_and_a_stranger_nothing() {
    let app = spawn_app().await;
    app.create_user("mel@example.com", Role::Member).await;
    let admin = app.token_for("admin@example.com").await;
    let response = api_request(
        &app.address,
        &admin,
        reqwest::Method::PATCH,
        "/api/v1/workspace",
        json!({"default_execution_mode": "read_write", "approval_ttl_seconds": 3600}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(
        changed,
        json!({
            "default_execution_mode": "read_write",
            "approval_ttl_seconds": 3600,
            "self_approval": false,
        })
    );
    let mels_token = app.token_for("mel@example.com").await;
    assert_eq!(
        app.api_json("/api/v1/workspace", &mels_token).await,
        changed
    );

    let member = app.logged_in("mel@example.com").await;
    let response = app.call(&member, "workspace/settings", &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), changed);

    let stranger = app.browser();
    let response = app.call(&stranger, "workspace/settings", &[]).await;
    assert_eq!(response.status(), 401);
}
