use bosun_service::identity::Role;
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// The membership events of the log, in order: kind, actor and data.
async fn member_events(app: &TestApp) -> Vec<(String, Option<String>, Value)> {
    let rows: Vec<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT kind, actor, data FROM events WHERE kind IN ('member.added', 'member.role_changed') \
         ORDER BY seq",
    )
    .fetch_all(app.bosun.db().pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(kind, actor, data)| (kind, actor, serde_json::from_str(&data).unwrap()))
        .collect()
}

#[tokio::test]
async fn an_admin_adds_a_member_who_can_then_log_in() {
    let app = spawn_app().await;
    let admin = app.logged_in("admin@example.com").await;
    let response = app
        .call(
            &admin,
            "members/add",
            &[
                ("email", "Grace@Example.com"),
                ("name", "Grace"),
                ("password", PASSWORD),
                ("role", "member"),
            ],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let member: Value = response.json().await.unwrap();
    assert_eq!(member["email"], "grace@example.com");

    let listed: Value = app
        .call(&admin, "members/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let emails: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"grace@example.com"));
    let grace = app.logged_in("grace@example.com").await;
    assert_eq!(
        app.whoami(&grace).await.as_deref(),
        Some("grace@example.com")
    );
}

#[tokio::test]
async fn bad_member_input_names_the_field() {
    let app = spawn_app().await;
    let admin = app.logged_in("admin@example.com").await;
    // In the words of the form's labels, not the fields' internal names.
    let cases = [
        (("not-an-email", "X", PASSWORD, "member"), "Email "),
        (
            ("x@example.com", "X", "short", "member"),
            "Password must be at least 8 characters.",
        ),
        (
            ("x@example.com", "X", PASSWORD, "owner"),
            "Role must be one of",
        ),
        (
            ("admin@example.com", "X", PASSWORD, "member"),
            "a member with this email already exists",
        ),
    ];
    for ((email, name, password, role), prefix) in cases {
        let response = app
            .call(
                &admin,
                "members/add",
                &[
                    ("email", email),
                    ("name", name),
                    ("password", password),
                    ("role", role),
                ],
            )
            .await;
        assert!(
            response.status().is_client_error(),
            "{email}/{role}: {}",
            response.status()
        );
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().starts_with(prefix),
            "{body}"
        );
    }
}

#[tokio::test]
async fn members_cannot_manage_members() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", Role::Member).await;
    let ada = app.logged_in("ada@example.com").await;
    assert_eq!(app.call(&ada, "members/list", &[]).await.status(), 403);
    let response = app
        .call(
            &ada,
            "members/add",
            &[
                ("email", "eve@example.com"),
                ("name", "Eve"),
                ("password", PASSWORD),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(response.status(), 403);
    assert!(app.bosun.user_by_email("eve@example.com").await.is_err());
}

#[tokio::test]
async fn the_last_admin_can_neither_step_down_nor_be_deactivated() {
    let app = spawn_app().await;
    let admin_id = app
        .bosun
        .user_by_email("admin@example.com")
        .await
        .unwrap()
        .user_id;
    let admin = app.logged_in("admin@example.com").await;
    let demote = app
        .call(
            &admin,
            "members/role",
            &[("user_id", admin_id.as_str()), ("role", "member")],
        )
        .await;
    assert_eq!(demote.status(), 409);
    let deactivate = app
        .call(
            &admin,
            "members/active",
            &[("user_id", admin_id.as_str()), ("active", "false")],
        )
        .await;
    assert_eq!(deactivate.status(), 400);
    let body: Value = deactivate.json().await.unwrap();
    assert_eq!(body["message"], "You cannot deactivate yourself.");
    assert_eq!(
        app.whoami(&admin).await.as_deref(),
        Some("admin@example.com")
    );
}

#[tokio::test]
async fn an_admin_can_promote_a_member() {
    let app = spawn_app().await;
    let ada_id = app.create_user("ada@example.com", Role::Member).await;
    let admin = app.logged_in("admin@example.com").await;
    let response = app
        .call(
            &admin,
            "members/role",
            &[("user_id", ada_id.as_str()), ("role", "admin")],
        )
        .await;
    let member: Value = response.json().await.unwrap();
    assert_eq!(member["role"], "admin");
    let ada = app.logged_in("ada@example.com").await;
    assert_eq!(app.call(&ada, "members/list", &[]).await.status(), 200);
}

#[tokio::test]
async fn two_admins_stepping_each_other_down_at_once_leave_one_admin() {
    for round in 0..5 {
        let app = spawn_app().await;
        let first = app.bosun.user_by_email("admin@example.com").await.unwrap();
        app.create_user("second@example.com", Role::Admin).await;
        let second = app.bosun.user_by_email("second@example.com").await.unwrap();
        let (demoted, deactivated) = tokio::join!(
            app.bosun.change_role(&first, &second.user_id, Role::Member),
            app.bosun.set_member_active(&second, &first.user_id, false),
        );
        assert!(
            demoted.is_ok() != deactivated.is_ok(),
            "round {round}: exactly one step passes: {demoted:?} / {deactivated:?}"
        );
        let survivor = if demoted.is_ok() { &first } else { &second };
        let admins = app
            .bosun
            .list_members(survivor)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.role == Role::Admin && m.deactivated_at.is_none())
            .count();
        assert_eq!(admins, 1, "round {round}");
    }
}

#[tokio::test]
async fn role_changes_at_once_each_record_the_role_they_replaced() {
    let app = spawn_app().await;
    let admin = app.bosun.user_by_email("admin@example.com").await.unwrap();
    let grace = app.create_user("grace@example.com", Role::Member).await;
    let changes = (0..16).map(|i| {
        let role = if i % 2 == 0 {
            Role::Admin
        } else {
            Role::Member
        };
        app.bosun.change_role(&admin, &grace, role)
    });
    for changed in futures::future::join_all(changes).await {
        changed.unwrap();
    }
    // Read back in order, the events must be a chain from the role Grace was
    // given to the one she has: each change starts where the last one ended.
    let mut role = "member".to_owned();
    for (kind, _, data) in member_events(&app).await {
        if kind != "member.role_changed" {
            continue;
        }
        assert_eq!(data["from"], role.as_str(), "{data}");
        assert_ne!(data["from"], data["to"], "{data}");
        role = data["to"].as_str().unwrap().to_owned();
    }
    let members = app.bosun.list_members(&admin).await.unwrap();
    let now = members.iter().find(|m| m.id == grace).unwrap();
    assert_eq!(now.role.as_str(), role);
}

#[tokio::test]
async fn the_member_search_matches_names_and_the_part_before_the_at_not_the_domain() {
    let app = spawn_app().await;
    app.create_user("bob@example.com", Role::Member).await;
    app.create_user("dora@example.com", Role::Member).await;
    let ada = app.create_user("ada@example.com", Role::Member).await;
    let admin = app.logged_in("admin@example.com").await;
    app.call(
        &admin,
        "members/active",
        &[("user_id", ada.as_str()), ("active", "false")],
    )
    .await;
    let found = |query: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let response = app.call(admin, "members/search", &[("query", query)]).await;
            assert_eq!(response.status(), 200);
            let members: Value = response.json().await.unwrap();
            members
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["email"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // Everyone's address ends in example.com.
    assert!(found("exa").await.is_empty());
    assert!(found("example.com").await.is_empty());
    assert_eq!(found("BO").await, ["bob@example.com"]);
    assert_eq!(found("dora@example.com").await, ["dora@example.com"]);
    assert_eq!(
        found("%").await,
        Vec::<String>::new(),
        "LIKE wildcards are text"
    );
    assert!(
        found("ada").await.is_empty(),
        "deactivated members are not offered"
    );
}

#[tokio::test]
async fn adding_a_member_is_recorded_with_who_added_them_and_their_role() {
    let app = spawn_app().await;
    let admin_id = app
        .bosun
        .user_by_email("admin@example.com")
        .await
        .unwrap()
        .user_id;
    // Users the operator creates (the first admin, this one) are not an
    // admin's doing: no event.
    app.create_user("ada@example.com", Role::Member).await;
    assert_eq!(member_events(&app).await, []);

    let admin = app.logged_in("admin@example.com").await;
    let response = app
        .call(
            &admin,
            "members/add",
            &[
                ("email", "grace@example.com"),
                ("name", "Grace"),
                ("password", PASSWORD),
                ("role", "admin"),
            ],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let member: Value = response.json().await.unwrap();

    let events = member_events(&app).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let (kind, actor, data) = &events[0];
    assert_eq!(kind, "member.added");
    assert_eq!(actor.as_deref(), Some(admin_id.as_str()));
    assert_eq!(data["user_id"], member["id"]);
    assert_eq!(data["email"], "grace@example.com");
    assert_eq!(data["role"], "admin");
    assert!(!data.to_string().contains(PASSWORD));

    // A refused addition (the email is taken) leaves no event behind.
    let again = app
        .call(
            &admin,
            "members/add",
            &[
                ("email", "grace@example.com"),
                ("name", "Grace"),
                ("password", PASSWORD),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(member_events(&app).await.len(), 1);
}

#[tokio::test]
async fn a_role_change_is_recorded_with_who_changed_it_from_what_to_what() {
    let app = spawn_app().await;
    let admin_id = app
        .bosun
        .user_by_email("admin@example.com")
        .await
        .unwrap()
        .user_id;
    let ada_id = app.create_user("ada@example.com", Role::Member).await;
    let admin = app.logged_in("admin@example.com").await;
    let change = |role: &'static str| {
        let (app, admin, ada_id) = (&app, &admin, ada_id.clone());
        async move {
            let response = app
                .call(
                    admin,
                    "members/role",
                    &[("user_id", ada_id.as_str()), ("role", role)],
                )
                .await;
            assert!(response.status().is_success(), "{}", response.status());
        }
    };
    change("admin").await;
    // Asking for the role someone already has changes nothing: no event.
    change("admin").await;
    change("member").await;

    let events = member_events(&app).await;
    let changes: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|(kind, _, data)| {
            (
                kind.as_str(),
                data["from"].as_str().unwrap(),
                data["to"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("member.role_changed", "member", "admin"),
            ("member.role_changed", "admin", "member"),
        ]
    );
    for (_, actor, data) in &events {
        assert_eq!(actor.as_deref(), Some(admin_id.as_str()));
        assert_eq!(data["user_id"], ada_id.as_str());
        assert_eq!(data["email"], "ada@example.com");
    }

    // A refused change (the last admin stepping down) records nothing.
    let demote_self = app
        .call(
            &admin,
            "members/role",
            &[("user_id", admin_id.as_str()), ("role", "member")],
        )
        .await;
    assert_eq!(demote_self.status(), 409);
    assert_eq!(member_events(&app).await.len(), 2);
}
