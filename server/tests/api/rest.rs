use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::agent_access::rest_routes_named;
use crate::helpers::{api_call, error_code, spawn_app};

#[tokio::test]
async fn me_without_a_token_is_401_in_the_error_shape() {
    let app = spawn_app().await;
    let response = app.api_get("/api/v1/me", None).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(error_code(response).await, "unauthenticated");
}

#[tokio::test]
async fn me_with_a_garbage_token_is_401() {
    let app = spawn_app().await;
    for token in ["nonsense", "bosun_pat_notarealtoken", ""] {
        let response = app.api_get("/api/v1/me", Some(token)).await;
        assert_eq!(response.status(), 401, "token {token:?}");
    }
}

#[tokio::test]
async fn me_with_a_personal_access_token_names_its_user() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let response = app.api_get("/api/v1/me", Some(&token)).await;
    assert_eq!(response.status(), 200);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["email"], "admin@example.com");
    assert_eq!(me["role"], "admin");
    assert!(me["id"].as_str().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn an_unknown_api_path_is_404_in_the_error_shape() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let response = app.api_get("/api/v1/no-such-thing", Some(&token)).await;
    assert_eq!(response.status(), 404);
    assert_eq!(error_code(response).await, "not_found");
}

#[tokio::test]
async fn the_openapi_document_describes_what_exists() {
    let app = spawn_app().await;
    let response = app.api_get("/api/v1/openapi.json", None).await;
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    assert!(document["paths"]["/api/v1/me"]["get"].is_object());
    for scheme in ["personal_token", "runtime_key"] {
        assert_eq!(
            document["components"]["securitySchemes"][scheme]["scheme"],
            "bearer"
        );
    }
}

/// A schema with its `$ref` followed.
fn resolved<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            resolved(document, &document["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// Every list the API answers with is one envelope: `items`, an array, and
/// `next`, a cursor that is a string or null and always present.
#[tokio::test]
async fn every_list_in_the_openapi_document_is_items_and_a_string_or_null_next() {
    let app = spawn_app().await;
    let document: Value = app.openapi_document().await;
    let mut lists = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let schema = &response["content"]["application/json"]["schema"];
                let schema = resolved(&document, schema);
                let properties = &schema["properties"];
                if properties["items"].is_null() {
                    continue;
                }
                lists += 1;
                let route = format!("{method} {path} {status}");
                assert_eq!(properties["items"]["type"], "array", "{route}");
                let next = &properties["next"];
                let kinds: BTreeSet<&str> = next["type"]
                    .as_array()
                    .map(|kinds| kinds.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                assert_eq!(
                    kinds,
                    BTreeSet::from(["string", "null"]),
                    "{route}: next {next}"
                );
                let required: BTreeSet<&str> = schema["required"]
                    .as_array()
                    .map(|names| names.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                assert!(required.contains("items"), "{route}: items required");
            }
        }
    }
    assert!(lists >= 15, "only {lists} lists found");
}

/// The names the API speaks are listed in the document: a client can
/// offer the execution modes, a generated one rejects an unknown role.
#[tokio::test]
async fn the_openapi_document_lists_the_names_each_enum_field_accepts() {
    let app = spawn_app().await;
    let document: Value = app.openapi_document().await;
    let field = |schema: &str, field: &str| -> BTreeSet<String> {
        let property = &document["components"]["schemas"][schema]["properties"][field];
        let property = if property["oneOf"].is_array() {
            property["oneOf"]
                .as_array()
                .unwrap()
                .iter()
                .find(|option| option["type"] != "null")
                .unwrap()
        } else {
            property
        };
        resolved(&document, property)["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema}.{field} has no enum: {property}"))
            .iter()
            .filter_map(|name| Some(name.as_str()?.to_owned()))
            .collect()
    };
    let names = |list: &[&str]| list.iter().map(|name| (*name).to_owned()).collect();
    let modes = names(&["restricted", "read_write", "open", "locked"]);
    assert_eq!(field("Agent", "execution_mode"), modes);
    assert_eq!(field("AgentInput", "execution_mode"), modes);
    assert_eq!(field("WorkspaceSettings", "default_execution_mode"), modes);
    assert_eq!(
        field("Agent", "credential_model"),
        names(&["fixed", "user"])
    );
    assert_eq!(field("Rule", "action"), names(&["allow", "ask", "deny"]));
    assert_eq!(field("Me", "role"), names(&["admin", "member"]));
    assert_eq!(field("Grant", "level"), names(&["run", "clone", "edit"]));
    assert_eq!(
        field("Run", "status"),
        names(&["queued", "running", "succeeded", "failed", "cancelled"])
    );
    assert_eq!(
        field("Tool", "default_risk"),
        names(&["safe", "caution", "unknown", "dangerous"])
    );
    assert_eq!(
        field("Approval", "status"),
        names(&[
            "pending",
            "approved",
            "denied",
            "expired",
            "withdrawn",
            "cancelled"
        ])
    );
    assert_eq!(
        field("Approval", "decision"),
        names(&[
            "allow_once",
            "always_allow",
            "allow_for_run",
            "edit",
            "deny",
            "expired",
            "withdrawn",
            "cancelled"
        ])
    );
}

/// The document is generated from the router: every route the
/// authorization table names (kept by hand, apart from the router) is in
/// it; every operation in it is served (without a token it answers 401,
/// not the 404 of an unknown endpoint or a 405), declares each `{param}` of
/// its path as a path parameter and nothing else as one, names its bearer
/// scheme and documents the statuses its guards answer.
#[tokio::test]
async fn every_route_is_in_the_openapi_document_with_its_parameters() {
    let app = spawn_app().await;
    let document: Value = app.openapi_document().await;
    let paths = document["paths"].as_object().unwrap();
    let documented: BTreeSet<String> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    let undocumented: Vec<_> = rest_routes_named()
        .into_iter()
        .filter(|route| !documented.contains(route))
        .collect();
    assert!(
        undocumented.is_empty(),
        "not in the document: {undocumented:?}"
    );

    let client = reqwest::Client::new();
    for (path, item) in paths {
        let in_path: BTreeSet<&str> = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, operation) in item.as_object().unwrap() {
            let route = format!("{} {path}", method.to_uppercase());
            assert!(
                operation.get("parameters").is_none_or(Value::is_array),
                "{route}: parameters must be a list when present"
            );
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let declared: BTreeSet<&str> = parameters
                .iter()
                .filter(|parameter| parameter["in"] == "path")
                .map(|parameter| parameter["name"].as_str().unwrap())
                .collect();
            assert_eq!(declared, in_path, "{route}: path parameters");
            assert!(
                parameters
                    .iter()
                    .all(|parameter| parameter["in"] == "path" || parameter["in"] == "query"),
                "{route}: parameters in: path or query"
            );
            let schemes: Vec<&str> = operation["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{route}: no security"))
                .iter()
                .flat_map(|requirement| requirement.as_object().unwrap().keys())
                .map(String::as_str)
                .collect();
            assert!(
                !schemes.is_empty()
                    && schemes
                        .iter()
                        .all(|scheme| ["personal_token", "runtime_key"].contains(scheme)),
                "{route}: security {schemes:?}"
            );
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("401"), "{route}: 401 undocumented");
            if !in_path.is_empty() {
                assert!(responses.contains_key("404"), "{route}: 404 undocumented");
            }
            if schemes.contains(&"personal_token") {
                assert!(responses.contains_key("403"), "{route}: 403 undocumented");
            }

            let concrete = in_path.iter().fold(path.clone(), |path, name| {
                path.replace(&format!("{{{name}}}"), "x")
            });
            let response = client
                .request(
                    reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    app.url(&concrete),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 401, "{route} is not served");
        }
    }
}

/// A page size outside 1 to 200 is refused naming `limit`, rather than
/// quietly answered with another size (and the export, which shares the
/// search's parameters, refuses it alike).
#[tokio::test]
async fn a_page_size_out_of_range_is_a_400_naming_limit() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    for path in [
        "/api/v1/agents?limit=0",
        "/api/v1/agents?limit=201",
        "/api/v1/agents?limit=2147483648",
        "/api/v1/traces?limit=1000",
        "/api/v1/traces/runs?limit=0",
        "/api/v1/traces/export?limit=0",
    ] {
        let response = app.api_get(path, Some(&token)).await;
        assert_eq!(response.status(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_input", "{path}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("limit: "),
            "{path}: {body}"
        );
    }
    for path in ["/api/v1/agents?limit=200", "/api/v1/traces/runs?limit=1"] {
        assert_eq!(
            app.api_get(path, Some(&token)).await.status(),
            200,
            "{path}"
        );
    }
}

/// A run started without an input answers `input: null`, which the
/// document allows (it said an object, and a generated client would have
/// refused the answer).
#[tokio::test]
async fn a_run_started_without_input_matches_the_documented_shape() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let base = app.url("");
    let (_, agent) = api_call(
        &base,
        &token,
        Method::POST,
        "/api/v1/agents",
        json!({"name": "Bare"}),
    )
    .await;
    let (status, run) = api_call(
        &base,
        &token,
        Method::POST,
        &format!("/api/v1/agents/{}/runs", agent["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    assert_eq!(status, 201);
    assert!(run["input"].is_null());
    let document: Value = app.openapi_document().await;
    let input = &document["components"]["schemas"]["Run"]["properties"]["input"];
    assert!(
        input.get("type").is_none_or(|kind| kind
            .as_array()
            .is_some_and(|kinds| kinds.contains(&json!("null")))),
        "Run.input is documented as {input}"
    );
}

/// A long-poll asked to wait longer than it ever does is refused naming
/// `wait`, rather than answered early as if nothing came.
#[tokio::test]
async fn a_wait_longer_than_a_long_poll_allows_is_a_400_naming_wait() {
    let setup = crate::runtime::setup(spawn_app().await).await;
    let base = setup.app.address.clone();
    for path in [
        "/api/v1/runtime/runs/next?wait=61",
        "/api/v1/runtime/tool-calls/x?wait=61",
    ] {
        let (status, body) = api_call(&base, &setup.key, Method::GET, path, Value::Null).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(body["error"]["code"], "invalid_input", "{path}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("wait: "),
            "{path}: {body}"
        );
    }
    let (status, body) = api_call(
        &base,
        &setup.admin,
        Method::POST,
        &format!("/api/v1/hooks/claude-code/{}?wait=3601", setup.agent),
        json!({"hook_event_name": "SessionEnd", "session_id": "s"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("wait: "),
        "{body}"
    );
}

/// A stored row that does not parse is our fault, not the caller's: 500
/// `internal`, saying only that something went wrong on our side (the
/// cause goes to the log), on every route that reads it.
#[tokio::test]
async fn a_corrupt_stored_agent_is_a_500_that_tells_nothing_of_the_row() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let base = app.url("");
    let (_, agent) = api_call(
        &base,
        &token,
        Method::POST,
        "/api/v1/agents",
        json!({"name": "Bent"}),
    )
    .await;
    let id = agent["id"].as_str().unwrap();
    sqlx::query("UPDATE agents SET tools = '{' WHERE id = $1")
        .bind(id)
        .execute(app.bosun.db().pool())
        .await
        .unwrap();
    for path in [format!("/api/v1/agents/{id}"), "/api/v1/agents".to_owned()] {
        let (status, body) = api_call(&base, &token, Method::GET, &path, Value::Null).await;
        assert_eq!(status, 500, "{path}");
        assert_eq!(
            body,
            json!({"error": {"code": "internal", "message": "something went wrong on our side; it has been logged"}}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_puts_each_parameter_where_it_is_sent() {
    let app = spawn_app().await;
    let document: Value = app.openapi_document().await;
    for (path, methods) in document["paths"].as_object().unwrap() {
        let in_path: Vec<&str> = path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, operation) in methods.as_object().unwrap() {
            let empty = Vec::new();
            let parameters = operation["parameters"].as_array().unwrap_or(&empty);
            for parameter in parameters {
                let name = parameter["name"].as_str().unwrap();
                let is_path = parameter["in"] == "path";
                assert_eq!(
                    is_path,
                    in_path.contains(&name),
                    "{method} {path}: `{name}` is documented in {}",
                    parameter["in"]
                );
            }
        }
    }
    // Two request bodies of one Rust name must not share one schema: the
    // rules API's rule and the rule "Always allow" adds are different shapes.
    let schema = |reference: &Value| {
        let name = reference["$ref"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        document["components"]["schemas"][name]["properties"].clone()
    };
    let rule_body = &document["paths"]["/api/v1/agents/{id}/rules"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    assert!(schema(rule_body)["tool"].is_object());
    let decision = schema(
        &document["paths"]["/api/v1/approvals/{id}/decision"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"],
    );
    let always_allow = decision["rule"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|option| option.get("$ref").is_some())
        .unwrap();
    assert!(schema(always_allow)["scope"].is_object());
}

/// The document states the bounds of free-text fields, and the server
/// holds a client to exactly those: a value one character longer than
/// `maxLength` is refused naming the field, even when the extra character
/// is whitespace the server would trim, and one at the bound is taken.
#[tokio::test]
async fn text_fields_are_refused_past_the_length_the_document_states() {
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let document: Value = app.openapi_document().await;
    let bound = |schema: &str, property: &str| {
        document["components"]["schemas"][schema]["properties"][property]["maxLength"]
            .as_u64()
            .unwrap_or_else(|| panic!("{schema}.{property} states no maxLength")) as usize
    };
    let base = app.url("");
    let (_, agent) = api_call(
        &base,
        &token,
        Method::POST,
        "/api/v1/agents",
        json!({"name": "Bounded"}),
    )
    .await;
    let agent = agent["id"].as_str().unwrap().to_owned();
    let cases = [
        (
            "AgentInput",
            "name",
            "/api/v1/agents",
            Method::POST,
            json!({}),
        ),
        (
            "AgentChanges",
            "description",
            &*format!("/api/v1/agents/{agent}"),
            Method::PATCH,
            json!({}),
        ),
        (
            "KeyInput",
            "name",
            &*format!("/api/v1/agents/{agent}/keys"),
            Method::POST,
            json!({}),
        ),
        (
            "RuleInput",
            "note",
            &*format!("/api/v1/agents/{agent}/rules"),
            Method::POST,
            json!({"tool": "system_shell", "action": "ask"}),
        ),
    ];
    for (schema, field, path, method, body) in cases {
        let max = bound(schema, field);
        let with = |value: String| {
            let mut body = body.clone();
            body[field] = json!(value);
            body
        };
        for over in [" ".to_owned() + &"x".repeat(max), "x".repeat(max + 1)] {
            let (status, answer) = api_call(&base, &token, method.clone(), path, with(over)).await;
            assert_eq!(status, 400, "{schema}.{field}: {answer}");
            assert_eq!(
                answer["error"]["message"],
                format!("{field}: must be at most {max} characters"),
                "{schema}.{field}"
            );
        }
        let (status, answer) =
            api_call(&base, &token, method.clone(), path, with("x".repeat(max))).await;
        assert!(status.is_success(), "{schema}.{field} at {max}: {answer}");
    }
}

/// Every path parameter is either an id, stated as a UUID, or one of the
/// names people choose; and an id that is not a UUID names nothing: the
/// server answers 404 before any query, as the format says it would.
#[tokio::test]
async fn path_ids_are_stated_as_uuids_and_anything_else_in_their_place_is_not_found() {
    const NAMES: &[&str] = &["name", "provider"];
    let app = spawn_app().await;
    let token = app.token_for("admin@example.com").await;
    let document: Value = app.openapi_document().await;
    let base = app.url("");
    let mut unstated = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let route = format!("{} {path}", method.to_uppercase());
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut concrete = path.clone();
            let mut has_id = false;
            for parameter in parameters
                .iter()
                .filter(|parameter| parameter["in"] == "path")
            {
                let name = parameter["name"].as_str().unwrap();
                let value = if parameter["schema"]["format"] == "uuid" {
                    has_id = true;
                    "not-a-uuid"
                } else {
                    if !NAMES.contains(&name) {
                        unstated.push(format!("{route}: {name}"));
                    }
                    "x"
                };
                concrete = concrete.replace(&format!("{{{name}}}"), value);
            }
            let personal = operation["security"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|requirement| requirement.get("personal_token").is_some());
            if has_id && personal {
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let (status, body) = api_call(&base, &token, method, &concrete, json!({})).await;
                // The empty body may be refused first, which is as good.
                let body_refused = status == 400
                    && body["error"]["message"]
                        .as_str()
                        .is_some_and(|message| message.starts_with("body: "));
                assert!(
                    status == 404 || body_refused,
                    "{route} with a malformed id: {status} {body}"
                );
            }
        }
    }
    assert!(
        unstated.is_empty(),
        "path parameters neither an id nor a name: {unstated:?}"
    );
}

/// Every `$ref` in the document names a schema the document holds: a
/// dangling one leaves a generated client (and schemathesis) without the
/// parameter's allowed values.
#[tokio::test]
async fn every_reference_in_the_openapi_document_resolves() {
    let app = spawn_app().await;
    let document: Value = app.openapi_document().await;
    fn references<'a>(value: &'a Value, found: &mut BTreeSet<&'a str>) {
        match value {
            Value::Object(fields) => {
                if let Some(Value::String(target)) = fields.get("$ref") {
                    found.insert(target);
                }
                fields.values().for_each(|value| references(value, found));
            }
            Value::Array(items) => items.iter().for_each(|item| references(item, found)),
            _ => {}
        }
    }
    let mut found = BTreeSet::new();
    references(&document, &mut found);
    let dangling: Vec<_> = found
        .into_iter()
        .filter(|target| {
            target
                .strip_prefix('#')
                .is_none_or(|pointer| document.pointer(pointer).is_none())
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}
